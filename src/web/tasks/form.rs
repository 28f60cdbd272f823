//! The task form (new and edit): what was typed, the people it can be assigned to, and
//! validation. Times are wall-clock times in the viewer's time zone.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::domain::ids::UserId;
use crate::domain::tasks::{DESCRIPTION_MAX, PRIORITIES, SUBJECT_MAX, Task, TaskDraft};
use crate::web::forms::FieldErrors;
use crate::web::when;

/// Someone a task can be assigned to.
#[derive(Debug, Clone)]
pub struct Assignee {
    pub id: UserId,
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub due_at: String,
    #[serde(default)]
    pub reminder_at: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub assignee_id: String,
}

impl TaskForm {
    /// A blank form assigned to the viewer.
    pub fn for_viewer(viewer: UserId) -> TaskForm {
        TaskForm {
            priority: "normal".to_owned(),
            assignee_id: viewer.0.to_string(),
            ..TaskForm::default()
        }
    }

    pub fn from_task(task: &Task, tz: Tz) -> TaskForm {
        TaskForm {
            subject: task.subject.clone(),
            description: task.description.clone().unwrap_or_default(),
            due_at: task
                .due_at
                .map(|at| when::input_value(at, tz))
                .unwrap_or_default(),
            reminder_at: task
                .reminder_at
                .map(|at| when::input_value(at, tz))
                .unwrap_or_default(),
            priority: task.priority.clone(),
            assignee_id: task
                .assignee_id
                .map(|id| id.0.to_string())
                .unwrap_or_default(),
        }
    }

    pub fn validate(&self, tz: Tz, assignees: &[Assignee]) -> Result<TaskDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let subject = self.subject.trim();
        if subject.is_empty() {
            errors.add("subject", "Say what needs doing.");
        } else if subject.chars().count() > SUBJECT_MAX {
            errors.add(
                "subject",
                format!("Keep the subject under {SUBJECT_MAX} characters."),
            );
        }
        let description = self.description.trim();
        if description.chars().count() > DESCRIPTION_MAX {
            errors.add(
                "description",
                format!("Keep the details under {DESCRIPTION_MAX} characters."),
            );
        }
        let due_at = optional_time(&self.due_at, tz, "due_at", &mut errors);
        let reminder_at = optional_time(&self.reminder_at, tz, "reminder_at", &mut errors);
        if let (Some(due), Some(reminder)) = (due_at, reminder_at)
            && reminder > due
        {
            errors.add("reminder_at", "Set the reminder before the due time.");
        }
        let priority = match self.priority.trim() {
            "" => "normal",
            given => match PRIORITIES.iter().find(|p| **p == given) {
                Some(priority) => priority,
                None => {
                    errors.add("priority", "Choose low, normal, high or urgent.");
                    "normal"
                }
            },
        };
        let assignee_id = match self.assignee_id.trim() {
            "" => None,
            given => {
                let found = given
                    .parse::<i64>()
                    .ok()
                    .and_then(|id| assignees.iter().find(|person| person.id.0 == id));
                if found.is_none() {
                    errors.add("assignee_id", "Choose someone from the list.");
                }
                found.map(|person| person.id)
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(TaskDraft {
            subject: subject.to_owned(),
            description: (!description.is_empty()).then(|| description.to_owned()),
            due_at,
            reminder_at,
            priority: priority.to_owned(),
            assignee_id,
        })
    }
}

fn optional_time(
    text: &str,
    tz: Tz,
    field: &'static str,
    errors: &mut FieldErrors,
) -> Option<DateTime<Utc>> {
    if text.trim().is_empty() {
        return None;
    }
    match when::local_datetime(text, tz) {
        Ok(at) => Some(at),
        Err(message) => {
            errors.add(field, message);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people() -> Vec<Assignee> {
        vec![Assignee {
            id: UserId(3),
            name: "Ana".to_owned(),
        }]
    }

    #[test]
    fn validates_each_field_and_keeps_going() {
        let form = TaskForm {
            subject: String::new(),
            due_at: "2026-01-15T10:00".to_owned(),
            reminder_at: "2026-01-15T11:00".to_owned(),
            priority: "whenever".to_owned(),
            assignee_id: "99".to_owned(),
            ..TaskForm::default()
        };
        let errors = form
            .validate(chrono_tz::UTC, &people())
            .expect_err("invalid");
        for field in ["subject", "reminder_at", "priority", "assignee_id"] {
            assert!(errors.has(field), "{field}");
        }
    }

    #[test]
    fn a_valid_task_in_the_viewers_zone() {
        let form = TaskForm {
            subject: " Send the quote ".to_owned(),
            due_at: "2026-01-15T10:00".to_owned(),
            assignee_id: "3".to_owned(),
            ..TaskForm::default()
        };
        let draft = form
            .validate(chrono_tz::Europe::Berlin, &people())
            .expect("valid");
        assert_eq!(draft.subject, "Send the quote");
        assert_eq!(
            draft.due_at.map(|at| at.to_rfc3339()),
            Some("2026-01-15T09:00:00+00:00".to_owned())
        );
        assert_eq!(draft.priority, "normal");
        assert_eq!(draft.assignee_id, Some(UserId(3)));
    }
}
