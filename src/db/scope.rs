//! Tenant scoping: every request transaction runs as `rapport_app` with `app.tenant_id`,
//! `app.user_id` and `app.role` set for this transaction only (`set_config(..., true)`),
//! which is what the row-level security policies read.

use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::{Connection, PgConnection};

/// Who a transaction acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantScope {
    pub tenant_id: i64,
    /// None for work done by Rapport itself inside a tenant (imports, syncs, seeds).
    pub user_id: Option<i64>,
    pub role: String,
    pub team_id: Option<i64>,
}

impl TenantScope {
    /// A scope for background work inside a tenant, acting as no particular user.
    pub fn service(tenant_id: i64) -> Self {
        TenantScope {
            tenant_id,
            user_id: None,
            role: "admin".to_owned(),
            team_id: None,
        }
    }
}

/// Runs `f` in a transaction scoped to the tenant.
pub fn in_tenant<T, E, F>(conn: &mut PgConnection, scope: &TenantScope, f: F) -> Result<T, E>
where
    F: FnOnce(&mut PgConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        set_scope(conn, scope)?;
        f(conn)
    })
}

/// Runs `f` in a transaction as `rapport_system`.
pub fn as_system<T, E, F>(conn: &mut PgConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut PgConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        diesel::sql_query("SELECT set_config('role', 'rapport_system', true)").execute(conn)?;
        f(conn)
    })
}

/// Sets the role and the tenant settings for the current transaction, in one round trip.
pub fn set_scope(conn: &mut PgConnection, scope: &TenantScope) -> QueryResult<()> {
    diesel::sql_query(
        "SELECT set_config('role', 'rapport_app', true), \
                set_config('app.tenant_id', $1, true), \
                set_config('app.user_id', $2, true), \
                set_config('app.role', $3, true), \
                set_config('app.team_id', $4, true)",
    )
    .bind::<Text, _>(scope.tenant_id.to_string())
    .bind::<Text, _>(scope.user_id.map_or_else(String::new, |id| id.to_string()))
    .bind::<Text, _>(&scope.role)
    .bind::<Text, _>(scope.team_id.map_or_else(String::new, |id| id.to_string()))
    .execute(conn)?;
    Ok(())
}
