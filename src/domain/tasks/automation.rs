//! Tasks made by automations (the stale-deal follow-ups): a `source_key` unique in the
//! tenant makes creating them idempotent.

use diesel::prelude::*;

use super::{NewTaskRow, Task, TaskDraft, log_created};
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
    let row = NewTaskRow {
        source_key: Some(source_key),
        ..NewTaskRow::new(tenant_id, draft, links, actor)
    };
    let task: Option<Task> = diesel::insert_into(tasks::table)
        .values(&row)
        .on_conflict_do_nothing()
        .returning(Task::as_returning())
        .get_result(conn)
        .optional()?;
    if let Some(task) = &task {
        log_created(conn, tenant_id, task, false, actor)?;
    }
    Ok(task)
}
