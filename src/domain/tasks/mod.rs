//! Tasks: a subject, a due time, a reminder, a priority, a status, an assignee, links to
//! records, and subtasks. Every change writes an audit row; creating and completing a task
//! write `task_created` / `task_completed` timeline entries through `log_activity`
//! (reopening a task hides its completion entry again).

mod automation;
mod lists;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

pub use automation::create_once;
pub use lists::{
    Bucket, BucketPage, DayBounds, TaskCursor, TaskView, my_bucket, open_for_record, subtasks_of,
    view,
};

use crate::db::schema::tasks;
use crate::domain::activities::{ActivityType, ExternalRef, NewActivity, log_activity};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{CompanyId, ContactId, DealId, LeadId, TaskId, TenantId, UserId};
use crate::domain::record_ref::RecordLinks;

pub const SUBJECT_MAX: usize = 300;
pub const DESCRIPTION_MAX: usize = 10_000;
pub const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];
pub const STATUSES: [&str; 4] = ["open", "in_progress", "done", "cancelled"];
/// Ties a completed task to its `task_completed` entry, so reopening can retract it.
const COMPLETED_SOURCE: &str = "rapport.task_completed";

pub fn priority_label(priority: &str) -> &'static str {
    match priority {
        "low" => "Low",
        "high" => "High",
        "urgent" => "Urgent",
        _ => "Normal",
    }
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        "in_progress" => "In progress",
        "done" => "Done",
        "cancelled" => "Cancelled",
        _ => "Open",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = tasks, check_for_backend(diesel::pg::Pg))]
pub struct Task {
    pub id: TaskId,
    pub subject: String,
    pub description: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub reminder_at: Option<DateTime<Utc>>,
    pub priority: String,
    pub status: String,
    pub assignee_id: Option<UserId>,
    pub company_id: Option<CompanyId>,
    pub contact_id: Option<ContactId>,
    pub deal_id: Option<DealId>,
    pub lead_id: Option<LeadId>,
    pub parent_task_id: Option<TaskId>,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<UserId>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Task {
    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "open" | "in_progress")
    }

    pub fn links(&self) -> RecordLinks {
        RecordLinks {
            company_id: self.company_id,
            contact_id: self.contact_id,
            deal_id: self.deal_id,
            lead_id: self.lead_id,
        }
    }
}

/// Validated fields of a new or edited task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDraft {
    pub subject: String,
    pub description: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub reminder_at: Option<DateTime<Utc>>,
    pub priority: String,
    pub assignee_id: Option<UserId>,
}

/// One task row to insert: the columns [`create`] and [`automation::create_once`] share.
#[derive(Insertable)]
#[diesel(table_name = tasks)]
struct NewTaskRow<'a> {
    tenant_id: TenantId,
    subject: &'a str,
    description: Option<&'a str>,
    due_at: Option<DateTime<Utc>>,
    reminder_at: Option<DateTime<Utc>>,
    priority: &'a str,
    assignee_id: Option<UserId>,
    company_id: Option<CompanyId>,
    contact_id: Option<ContactId>,
    deal_id: Option<DealId>,
    lead_id: Option<LeadId>,
    parent_task_id: Option<TaskId>,
    source_key: Option<&'a str>,
    created_by: Option<UserId>,
}

impl<'a> NewTaskRow<'a> {
    fn new(
        tenant_id: TenantId,
        draft: &'a TaskDraft,
        links: RecordLinks,
        actor: Option<UserId>,
    ) -> Self {
        NewTaskRow {
            tenant_id,
            subject: &draft.subject,
            description: draft.description.as_deref(),
            due_at: draft.due_at,
            reminder_at: draft.reminder_at,
            priority: &draft.priority,
            assignee_id: draft.assignee_id,
            company_id: links.company_id,
            contact_id: links.contact_id,
            deal_id: links.deal_id,
            lead_id: links.lead_id,
            parent_task_id: None,
            source_key: None,
            created_by: actor,
        }
    }
}

/// Creates a task (a subtask when `parent` is given: it takes the parent's links), with
/// its audit row and `task_created` timeline entry.
pub fn create(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    draft: &TaskDraft,
    links: RecordLinks,
    parent: Option<TaskId>,
    actor: Option<UserId>,
) -> QueryResult<Task> {
    let row = NewTaskRow {
        parent_task_id: parent,
        ..NewTaskRow::new(tenant_id, draft, links, actor)
    };
    let task: Task = diesel::insert_into(tasks::table)
        .values(&row)
        .returning(Task::as_returning())
        .get_result(conn)?;
    log_created(conn, tenant_id, &task, parent.is_some(), actor)?;
    Ok(task)
}

/// The audit row and `task_created` timeline entry of a new task.
pub(super) fn log_created(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    task: &Task,
    subtask: bool,
    actor: Option<UserId>,
) -> QueryResult<()> {
    audit_change(conn, tenant_id, actor, "task.created", None, task)?;
    let title = if subtask {
        format!("Subtask: {}", task.subject)
    } else {
        format!("Task: {}", task.subject)
    };
    let mut event = NewActivity::new(ActivityType::TaskCreated, title, task.created_at);
    event.description = task.description.clone();
    event.user_id = actor;
    set_links(&mut event, task);
    event.extra = serde_json::json!({
        "task_id": task.id, "due_at": task.due_at, "priority": task.priority,
        "assignee_id": task.assignee_id,
    });
    log_activity(conn, tenant_id, event)?;
    Ok(())
}

pub fn find(conn: &mut PgConnection, id: TaskId) -> QueryResult<Option<Task>> {
    tasks::table
        .find(id)
        .select(Task::as_select())
        .first(conn)
        .optional()
}

/// Edits the fields a person edits (status has its own functions).
pub fn update(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: TaskId,
    draft: &TaskDraft,
    actor: Option<UserId>,
) -> QueryResult<Option<Task>> {
    change(conn, tenant_id, id, actor, "task.updated", |conn, _| {
        diesel::update(tasks::table.find(id))
            .set((
                tasks::subject.eq(&draft.subject),
                tasks::description.eq(&draft.description),
                tasks::due_at.eq(draft.due_at),
                tasks::reminder_at.eq(draft.reminder_at),
                tasks::priority.eq(&draft.priority),
                tasks::assignee_id.eq(draft.assignee_id),
            ))
            .returning(Task::as_returning())
            .get_result(conn)
    })
}

pub fn complete(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: TaskId,
    actor: Option<UserId>,
    at: DateTime<Utc>,
) -> QueryResult<Option<Task>> {
    change(conn, tenant_id, id, actor, "task.completed", |conn, _| {
        diesel::update(tasks::table.find(id))
            .set((
                tasks::status.eq("done"),
                tasks::completed_at.eq(Some(at)),
                tasks::completed_by.eq(actor),
            ))
            .returning(Task::as_returning())
            .get_result(conn)
    })
}

/// Back to open (undoing a completion or a cancellation).
pub fn reopen(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: TaskId,
    actor: Option<UserId>,
) -> QueryResult<Option<Task>> {
    change(conn, tenant_id, id, actor, "task.reopened", |conn, _| {
        diesel::update(tasks::table.find(id))
            .set((
                tasks::status.eq("open"),
                tasks::completed_at.eq(None::<DateTime<Utc>>),
                tasks::completed_by.eq(None::<UserId>),
            ))
            .returning(Task::as_returning())
            .get_result(conn)
    })
}

/// Sets a status other than done (open, in progress, cancelled).
pub fn set_status(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: TaskId,
    status: &'static str,
    actor: Option<UserId>,
) -> QueryResult<Option<Task>> {
    change(
        conn,
        tenant_id,
        id,
        actor,
        "task.status_changed",
        |conn, _| {
            diesel::update(tasks::table.find(id))
                .set((
                    tasks::status.eq(status),
                    tasks::completed_at.eq(None::<DateTime<Utc>>),
                    tasks::completed_by.eq(None::<UserId>),
                ))
                .returning(Task::as_returning())
                .get_result(conn)
        },
    )
}

/// Moves the due time to `until`; a reminder moves by the same amount.
pub fn snooze(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: TaskId,
    until: DateTime<Utc>,
    actor: Option<UserId>,
) -> QueryResult<Option<Task>> {
    change(
        conn,
        tenant_id,
        id,
        actor,
        "task.snoozed",
        |conn, before| {
            let reminder = match (before.reminder_at, before.due_at) {
                (Some(reminder), Some(due)) => Some(reminder + (until - due)),
                (reminder, _) => reminder,
            };
            diesel::update(tasks::table.find(id))
                .set((
                    tasks::due_at.eq(Some(until)),
                    tasks::reminder_at.eq(reminder),
                ))
                .returning(Task::as_returning())
                .get_result(conn)
        },
    )
}

pub fn delete(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: TaskId,
    actor: Option<UserId>,
    at: DateTime<Utc>,
) -> QueryResult<Option<Task>> {
    change(conn, tenant_id, id, actor, "task.deleted", |conn, _| {
        diesel::update(tasks::table.find(id))
            .set(tasks::deleted_at.eq(Some(at)))
            .returning(Task::as_returning())
            .get_result(conn)
    })
}

pub fn restore(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: TaskId,
    actor: Option<UserId>,
) -> QueryResult<Option<Task>> {
    change(conn, tenant_id, id, actor, "task.restored", |conn, _| {
        diesel::update(tasks::table.find(id))
            .set(tasks::deleted_at.eq(None::<DateTime<Utc>>))
            .returning(Task::as_returning())
            .get_result(conn)
    })
}

/// Applies one change to a visible task: audit before/after, and keep the completion
/// entry of the timeline in step. None when the task does not exist for this scope.
fn change(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: TaskId,
    actor: Option<UserId>,
    action: &str,
    apply: impl FnOnce(&mut PgConnection, &Task) -> QueryResult<Task>,
) -> QueryResult<Option<Task>> {
    let Some(before) = tasks::table
        .find(id)
        .select(Task::as_select())
        .for_update()
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let after = apply(conn, &before)?;
    audit_change(conn, tenant_id, actor, action, Some(&before), &after)?;
    let was_done = before.status == "done" && before.deleted_at.is_none();
    let is_done = after.status == "done" && after.deleted_at.is_none();
    if is_done != was_done {
        let done = if is_done { &after } else { &before };
        let mut event = NewActivity::new(
            ActivityType::TaskCompleted,
            format!("Completed: {}", done.subject),
            done.completed_at.unwrap_or_else(Utc::now),
        );
        event.user_id = done.completed_by;
        set_links(&mut event, done);
        event.external = Some(ExternalRef {
            source: COMPLETED_SOURCE.to_owned(),
            id: done.id.0.to_string(),
        });
        event.extra = serde_json::json!({ "task_id": done.id });
        event.deleted_at = (!is_done).then(Utc::now);
        log_activity(conn, tenant_id, event)?;
    }
    Ok(Some(after))
}

fn set_links(event: &mut NewActivity, task: &Task) {
    event.company_id = task.company_id;
    event.contact_id = task.contact_id;
    event.deal_id = task.deal_id;
    event.lead_id = task.lead_id;
}

fn audit_change(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    action: &str,
    before: Option<&Task>,
    after: &Task,
) -> QueryResult<()> {
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action,
            entity_type: "task",
            entity_id: Some(after.id.0),
            before: before.and_then(audit::snapshot),
            after: audit::snapshot(after),
        },
    )
}
