//! Tenants: one company using Rapport. Creating one also creates its default pipeline (a
//! database trigger does it, whichever path inserts the tenant).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::tenants;
use crate::domain::ids::TenantId;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = tenants, check_for_backend(diesel::pg::Pg))]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub record_visibility: String,
    pub time_zone: String,
    pub currency: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tenants)]
pub struct NewTenant<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub time_zone: &'a str,
    pub currency: &'a str,
}

/// Checks a slug the way the database constraint does, with a message a person can act on.
pub fn validate_slug(slug: &str) -> Result<(), String> {
    let valid_chars = slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if slug.is_empty() || slug.len() > 63 || !valid_chars || slug.starts_with('-') {
        return Err(format!(
            "`{slug}` is not a valid tenant slug: use 1-63 lowercase letters, digits and dashes, not starting with a dash"
        ));
    }
    Ok(())
}

/// Inserts a tenant (system scope).
pub fn create(conn: &mut PgConnection, new: &NewTenant<'_>) -> QueryResult<Tenant> {
    diesel::insert_into(tenants::table)
        .values(new)
        .returning(Tenant::as_returning())
        .get_result(conn)
}

pub fn find_by_slug(conn: &mut PgConnection, slug: &str) -> QueryResult<Option<Tenant>> {
    tenants::table
        .filter(tenants::slug.eq(slug))
        .select(Tenant::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut PgConnection, id: TenantId) -> QueryResult<Tenant> {
    tenants::table
        .find(id)
        .select(Tenant::as_select())
        .first(conn)
}

/// All tenants, oldest first (system scope; CLI and seeding).
pub fn list_all(conn: &mut PgConnection) -> QueryResult<Vec<Tenant>> {
    tenants::table
        .order(tenants::id)
        .select(Tenant::as_select())
        .load(conn)
}

/// Deletes a tenant and, by cascade, everything it owns (system scope).
pub fn delete(conn: &mut PgConnection, id: TenantId) -> QueryResult<usize> {
    diesel::delete(tenants::table.find(id)).execute(conn)
}
