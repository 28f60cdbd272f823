//! Personal access tokens for `/api/*`. The token is shown once at creation; only its
//! SHA-256 and a short prefix are kept.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{api_tokens, roles, tenants, users};
use crate::domain::ids::{ApiTokenId, TenantId, UserId};
use crate::domain::sessions::IdentityRow;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::pg::Pg))]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub name: String,
    pub token_prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewApiToken<'a> {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub name: &'a str,
    pub token_hash: &'a [u8],
    pub token_prefix: &'a str,
    pub expires_at: Option<DateTime<Utc>>,
}

pub fn create(conn: &mut PgConnection, new: &NewApiToken<'_>) -> QueryResult<ApiToken> {
    diesel::insert_into(api_tokens::table)
        .values(new)
        .returning(ApiToken::as_returning())
        .get_result(conn)
}

/// The user's tokens, newest first (a person has a handful).
pub fn list_for_user(conn: &mut PgConnection, user_id: UserId) -> QueryResult<Vec<ApiToken>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order((api_tokens::created_at.desc(), api_tokens::id.desc()))
        .select(ApiToken::as_select())
        .load(conn)
}

/// Revokes one of the user's own tokens. Returns false when there is no such live token
/// (including another user's or another tenant's).
pub fn revoke(
    conn: &mut PgConnection,
    user_id: UserId,
    id: ApiTokenId,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let updated = diesel::update(
        api_tokens::table
            .filter(api_tokens::id.eq(id))
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Finds the identity behind a live token (system scope) and records its use.
pub fn authenticate(
    conn: &mut PgConnection,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Option<(ApiTokenId, IdentityRow)>> {
    let found: Option<(ApiTokenId, Option<DateTime<Utc>>, IdentityRow)> = api_tokens::table
        .inner_join(
            users::table
                .inner_join(tenants::table)
                .inner_join(roles::table),
        )
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(
            api_tokens::expires_at
                .is_null()
                .or(api_tokens::expires_at.gt(now)),
        )
        .filter(users::active.eq(true))
        .select((
            api_tokens::id,
            api_tokens::last_used_at,
            IdentityRow::as_select(),
        ))
        .first(conn)
        .optional()?;
    let Some((id, last_used_at, identity)) = found else {
        return Ok(None);
    };
    // One write a minute at most, not one per request.
    if last_used_at.is_none_or(|at| now - at > chrono::Duration::minutes(1)) {
        diesel::update(api_tokens::table.find(id))
            .set(api_tokens::last_used_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some((id, identity)))
}
