//! Tasks made by automations (the stale-deal follow-ups): a `source_key` unique in the
//! tenant makes creating them idempotent.

use diesel::prelude::*;

use super::{Task, TaskDraft, log_created};
use crate::db::schema::tasks;
use crate::domain::ids::{TenantId, UserId};
use crate::domain::record_ref::RecordLinks;

/// Like [`super::create`] for automations: `source_key` is unique in the tenant, so running the
/// automation again creates nothing (None) instead of a second task.
pub fn create_once(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    draft: &TaskDraft,
    links: RecordLinks,
    source_key: &str,
    actor: Option<UserId>,
) -> QueryResult<Option<Task>> {
    let task: Option<Task> = diesel::insert_into(tasks::table)
        .values((
            tasks::tenant_id.eq(tenant_id),
            tasks::subject.eq(&draft.subject),
            tasks::description.eq(&draft.description),
            tasks::due_at.eq(draft.due_at),
            tasks::reminder_at.eq(draft.reminder_at),
            tasks::priority.eq(&draft.priority),
            tasks::assignee_id.eq(draft.assignee_id),
            tasks::company_id.eq(links.company_id),
            tasks::contact_id.eq(links.contact_id),
            tasks::deal_id.eq(links.deal_id),
            tasks::lead_id.eq(links.lead_id),
            tasks::source_key.eq(source_key),
            tasks::created_by.eq(actor),
        ))
        .on_conflict_do_nothing()
        .returning(Task::as_returning())
        .get_result(conn)
        .optional()?;
    if let Some(task) = &task {
        log_created(conn, tenant_id, task, false, actor)?;
    }
    Ok(task)
}
