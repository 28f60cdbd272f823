//! The security log: sign-ins, lockouts, CSRF rejections, permission denials.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{security_logs, users};
use crate::domain::ids::{TenantId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityEventKind {
    LoginSuccess,
    LoginFailure,
    Lockout,
    Logout,
    CsrfRejected,
    PermissionDenied,
    ApiTokenCreated,
    ApiTokenRevoked,
}

impl SecurityEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityEventKind::LoginSuccess => "login_success",
            SecurityEventKind::LoginFailure => "login_failure",
            SecurityEventKind::Lockout => "lockout",
            SecurityEventKind::Logout => "logout",
            SecurityEventKind::CsrfRejected => "csrf_rejected",
            SecurityEventKind::PermissionDenied => "permission_denied",
            SecurityEventKind::ApiTokenCreated => "api_token_created",
            SecurityEventKind::ApiTokenRevoked => "api_token_revoked",
        }
    }
}

/// One event to record. `tenant_id` is None when no tenant can be named.
#[derive(Debug, Clone)]
pub struct SecurityEvent {
    pub kind: SecurityEventKind,
    pub tenant_id: Option<TenantId>,
    pub user_id: Option<UserId>,
    pub email: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: serde_json::Value,
}

impl SecurityEvent {
    pub fn new(kind: SecurityEventKind) -> Self {
        SecurityEvent {
            kind,
            tenant_id: None,
            user_id: None,
            email: None,
            ip: None,
            user_agent: None,
            detail: serde_json::json!({}),
        }
    }
}

pub fn record(conn: &mut PgConnection, event: &SecurityEvent) -> QueryResult<()> {
    diesel::insert_into(security_logs::table)
        .values((
            security_logs::tenant_id.eq(event.tenant_id),
            security_logs::user_id.eq(event.user_id),
            security_logs::event.eq(event.kind.as_str()),
            security_logs::email.eq(event.email.as_deref()),
            security_logs::ip.eq(event.ip.as_deref()),
            security_logs::user_agent.eq(event.user_agent.as_deref()),
            security_logs::detail.eq(&event.detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// Failed sign-ins for a user since `since` (uses the partial failures index).
pub fn login_failures_since(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    user_id: UserId,
    since: DateTime<Utc>,
) -> QueryResult<i64> {
    security_logs::table
        .filter(security_logs::tenant_id.eq(tenant_id))
        .filter(security_logs::user_id.eq(user_id))
        .filter(security_logs::event.eq(SecurityEventKind::LoginFailure.as_str()))
        .filter(security_logs::created_at.gt(since))
        .count()
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct SecurityLogRow {
    pub id: i64,
    pub event: String,
    pub email: Option<String>,
    pub user_name: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The tenant's security log, newest first, keyset-paged by id.
pub fn list(
    conn: &mut PgConnection,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<SecurityLogRow>> {
    let mut query = security_logs::table
        .left_join(users::table)
        .select((
            security_logs::id,
            security_logs::event,
            security_logs::email,
            users::name.nullable(),
            security_logs::ip,
            security_logs::user_agent,
            security_logs::created_at,
        ))
        .order(security_logs::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before_id) = before_id {
        query = query.filter(security_logs::id.lt(before_id));
    }
    query.load(conn)
}
