//! Server-side sessions and the identity a request acts as.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::db::schema::{roles, sessions, tenants, users};
use crate::domain::ids::{SessionId, TeamId, TenantId, UserId};

/// The signed-in user with their tenant and permissions, loaded in one query per request.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct IdentityRow {
    #[diesel(select_expression = users::id)]
    pub user_id: UserId,
    #[diesel(select_expression = users::tenant_id)]
    pub tenant_id: TenantId,
    #[diesel(select_expression = users::email)]
    pub email: String,
    #[diesel(select_expression = users::name)]
    pub name: String,
    #[diesel(select_expression = users::role)]
    pub role: String,
    #[diesel(select_expression = users::team_id)]
    pub team_id: Option<TeamId>,
    #[diesel(select_expression = users::time_zone)]
    pub user_time_zone: Option<String>,
    #[diesel(select_expression = tenants::name)]
    pub tenant_name: String,
    #[diesel(select_expression = tenants::slug)]
    pub tenant_slug: String,
    #[diesel(select_expression = tenants::time_zone)]
    pub tenant_time_zone: String,
    #[diesel(select_expression = tenants::record_visibility)]
    pub record_visibility: String,
    #[diesel(select_expression = roles::permissions, deserialize_as = crate::db::types::StringList)]
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub id: SessionId,
    pub csrf_token: String,
    pub last_seen_at: DateTime<Utc>,
    pub identity: IdentityRow,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub token_hash: &'a [u8],
    pub csrf_token: &'a str,
    pub expires_at: DateTime<Utc>,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
}

pub fn create(conn: &mut PgConnection, new: &NewSession<'_>) -> QueryResult<SessionId> {
    diesel::insert_into(sessions::table)
        .values(new)
        .returning(sessions::id)
        .get_result(conn)
}

/// Finds a live session by its token hash (system scope): not revoked, within its absolute
/// expiry and its idle timeout, for an active user.
pub fn find_active(
    conn: &mut PgConnection,
    token_hash: &[u8],
    now: DateTime<Utc>,
    idle: Duration,
) -> QueryResult<Option<ActiveSession>> {
    let row: Option<(SessionId, String, DateTime<Utc>, IdentityRow)> = sessions::table
        .inner_join(
            users::table
                .inner_join(tenants::table)
                .inner_join(roles::table),
        )
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(now - idle))
        .filter(users::active.eq(true))
        .select((
            sessions::id,
            sessions::csrf_token,
            sessions::last_seen_at,
            IdentityRow::as_select(),
        ))
        .first(conn)
        .optional()?;
    Ok(
        row.map(|(id, csrf_token, last_seen_at, identity)| ActiveSession {
            id,
            csrf_token,
            last_seen_at,
            identity,
        }),
    )
}

/// Marks the session as used, which extends its idle timeout.
pub fn touch(conn: &mut PgConnection, id: SessionId, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(sessions::table.find(id))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)
}

pub fn revoke(conn: &mut PgConnection, id: SessionId, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)
}
