//! Saved list views: a name and a list's query string (filters, sort, columns), private to
//! the person who saved it or shared with the tenant. Who reads and changes which view is
//! enforced by row-level security (migration `saved_views`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::saved_views;
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{TenantId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = saved_views, check_for_backend(diesel::pg::Pg))]
pub struct SavedView {
    pub id: i64,
    pub entity_type: String,
    pub name: String,
    pub owner_id: UserId,
    pub shared: bool,
    pub query: String,
    pub updated_at: DateTime<Utc>,
}

/// The views of one list the current user can open: their own and the shared ones.
pub fn list(conn: &mut PgConnection, entity: &str) -> QueryResult<Vec<SavedView>> {
    saved_views::table
        .filter(saved_views::entity_type.eq(entity))
        .order((saved_views::name.asc(), saved_views::id.asc()))
        .select(SavedView::as_select())
        .load(conn)
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<SavedView>> {
    saved_views::table
        .find(id)
        .select(SavedView::as_select())
        .first(conn)
        .optional()
}

pub fn validate_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        Err("Name the view, e.g. \"My Denver accounts\".".to_owned())
    } else if name.chars().count() > 80 {
        Err("Keep the name under 80 characters.".to_owned())
    } else {
        Ok(name.to_owned())
    }
}

pub fn create(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    owner: UserId,
    entity: &str,
    name: &str,
    shared: bool,
    query: &str,
) -> QueryResult<SavedView> {
    let view: SavedView = diesel::insert_into(saved_views::table)
        .values((
            saved_views::tenant_id.eq(tenant_id),
            saved_views::entity_type.eq(entity),
            saved_views::name.eq(name),
            saved_views::owner_id.eq(owner),
            saved_views::shared.eq(shared),
            saved_views::query.eq(query),
        ))
        .returning(SavedView::as_returning())
        .get_result(conn)?;
    record(conn, tenant_id, owner, "saved_view.created", &view)?;
    Ok(view)
}

/// Replaces a view's query (and name and sharing). None when the user may not change it.
pub fn update(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: UserId,
    id: i64,
    name: &str,
    shared: bool,
    query: &str,
) -> QueryResult<Option<SavedView>> {
    let view: Option<SavedView> = diesel::update(saved_views::table.find(id))
        .set((
            saved_views::name.eq(name),
            saved_views::shared.eq(shared),
            saved_views::query.eq(query),
        ))
        .returning(SavedView::as_returning())
        .get_result(conn)
        .optional()?;
    if let Some(view) = &view {
        record(conn, tenant_id, actor, "saved_view.updated", view)?;
    }
    Ok(view)
}

pub fn delete(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: UserId,
    id: i64,
) -> QueryResult<bool> {
    let deleted: Option<SavedView> = diesel::delete(saved_views::table.find(id))
        .returning(SavedView::as_returning())
        .get_result(conn)
        .optional()?;
    if let Some(view) = &deleted {
        record(conn, tenant_id, actor, "saved_view.deleted", view)?;
    }
    Ok(deleted.is_some())
}

fn record(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: UserId,
    action: &str,
    view: &SavedView,
) -> QueryResult<()> {
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: Some(actor),
            action,
            entity_type: "saved_view",
            entity_id: Some(view.id),
            before: None,
            after: audit::snapshot(view),
        },
    )
}
