//! What the task templates show: the shared context (time zone, CSRF token, who is
//! looking), the record section, "My tasks", and helpers for due dates and snoozing.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::domain::ids::{TaskId, UserId};
use crate::domain::record_ref::RecordRef;
use crate::domain::tasks::{BucketPage, Task, TaskView};
use crate::web::tasks::form::Assignee;
use crate::web::when;

/// What every task template needs besides the tasks.
#[derive(Debug, Clone)]
pub struct TaskContext {
    pub tz: Tz,
    pub now: DateTime<Utc>,
    pub csrf_token: String,
    pub viewer: UserId,
    /// Managers and admins may delete anyone's tasks.
    pub can_delete_any: bool,
    /// The task whose details are shown expanded (after adding a subtask).
    pub open_task: Option<TaskId>,
    /// Where plain (non-htmx) form posts return to.
    pub return_to: String,
    /// A rejected subtask for the open task: the message and what was typed.
    pub subtask_error: Option<String>,
    pub subtask_draft: String,
}

impl TaskContext {
    pub fn is_open(&self, task: &Task) -> bool {
        self.open_task == Some(task.id)
    }

    pub fn can_delete(&self, task: &Task) -> bool {
        self.can_delete_any
            || task.created_by == Some(self.viewer)
            || task.assignee_id == Some(self.viewer)
    }

    pub fn is_overdue(&self, task: &Task) -> bool {
        task.is_open() && task.due_at.is_some_and(|due| due < self.now)
    }

    /// "Today 14:00", "Tomorrow 09:00", "Mon, Jan 19, 09:00".
    pub fn when(&self, at: &DateTime<Utc>) -> String {
        let local = at.with_timezone(&self.tz);
        let today = self.now.with_timezone(&self.tz).date_naive();
        let date = local.date_naive();
        let time = local.format("%H:%M");
        if date == today {
            format!("Today {time}")
        } else if Some(date) == today.succ_opt() {
            format!("Tomorrow {time}")
        } else if Some(date) == today.pred_opt() {
            format!("Yesterday {time}")
        } else {
            local.format("%a, %b %-d, %Y, %H:%M").to_string()
        }
    }

    /// The snooze choices: (form value, label).
    pub fn snooze_presets(&self) -> Vec<(&'static str, String)> {
        SNOOZES
            .iter()
            .map(|(key, _)| {
                (
                    *key,
                    self.when(&snooze_until(key, self.now, self.tz).unwrap_or(self.now)),
                )
            })
            .collect()
    }

    pub fn snooze_label(&self, key: &str) -> &'static str {
        SNOOZES
            .iter()
            .find(|(preset, _)| *preset == key)
            .map(|(_, label)| *label)
            .unwrap_or("")
    }

    pub fn input_now(&self) -> String {
        when::input_value(self.now, self.tz)
    }
}

const SNOOZES: [(&str, &str); 3] = [
    ("3h", "In 3 hours"),
    ("tomorrow", "Tomorrow morning"),
    ("next_week", "Next Monday"),
];

/// When a snooze preset ends: in 3 hours, tomorrow 09:00, or next Monday 09:00 (the
/// viewer's time; on a Sunday the Monday after tomorrow's, so it differs from
/// "tomorrow").
pub fn snooze_until(key: &str, now: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    use chrono::Datelike;
    match key {
        "3h" => Some(now + Duration::hours(3)),
        "tomorrow" => Some(when::days_ahead_at(now, tz, 1, 9)),
        "next_week" => {
            let weekday = now.with_timezone(&tz).weekday().num_days_from_monday() as u64;
            let days = if weekday == 6 { 8 } else { 7 - weekday };
            Some(when::days_ahead_at(now, tz, days, 9))
        }
        _ => None,
    }
}

/// The open tasks of one record.
pub struct TaskSectionView {
    pub record: RecordRef,
    pub record_name: String,
    pub tasks: Vec<TaskView>,
}

impl TaskSectionView {
    pub fn self_url(&self) -> String {
        format!("/tasks/section?{}", self.record.query())
    }
}

/// "My tasks" (or, for a manager, someone else's).
pub struct MyTasksView {
    pub assignee: Assignee,
    pub is_self: bool,
    pub buckets: Vec<BucketPage>,
    /// People the viewer may switch to (managers and admins), else empty.
    pub people: Vec<Assignee>,
}

impl MyTasksView {
    pub fn list_url(&self) -> String {
        if self.is_self {
            "/tasks/list".to_owned()
        } else {
            format!("/tasks/list?assignee_id={}", self.assignee.id.0)
        }
    }

    pub fn more_url(&self, page: &BucketPage) -> Option<String> {
        more_url(self.assignee.id, page)
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.iter().all(|bucket| bucket.tasks.is_empty())
    }
}

pub fn more_url(assignee: UserId, page: &BucketPage) -> Option<String> {
    page.next.map(|cursor| {
        format!(
            "/tasks/bucket?bucket={}&assignee_id={}&cursor={}",
            page.bucket.key(),
            assignee.0,
            cursor.encode()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_week_is_the_coming_monday_morning() {
        // Wednesday 2026-01-14, 15:00 in Berlin.
        let now = DateTime::parse_from_rfc3339("2026-01-14T14:00:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        let tz = chrono_tz::Europe::Berlin;
        let until = snooze_until("next_week", now, tz).expect("known preset");
        assert_eq!(until.to_rfc3339(), "2026-01-19T08:00:00+00:00");
        let tomorrow = snooze_until("tomorrow", now, tz).expect("known preset");
        assert_eq!(tomorrow.to_rfc3339(), "2026-01-15T08:00:00+00:00");
        // On a Sunday, "next Monday" is not tomorrow but the week after.
        let sunday = DateTime::parse_from_rfc3339("2026-01-18T10:00:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        let until = snooze_until("next_week", sunday, tz).expect("known preset");
        assert_eq!(until.to_rfc3339(), "2026-01-26T08:00:00+00:00");
        assert_eq!(snooze_until("someday", now, tz), None);
    }
}
