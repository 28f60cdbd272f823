//! Signing in: password check, lockout after repeated failures, session creation, and the
//! security log entries for each outcome.
//!
//! Lockout rule: 5 failed sign-ins for an account within 15 minutes lock it for 15
//! minutes. Failures before the end of an earlier lockout do not count again.

use chrono::{DateTime, Duration, Utc};

use crate::auth::{password, tokens};
use crate::db::Db;
use crate::domain::ids::{SessionId, TenantId, UserId};
use crate::domain::security_log::{self, SecurityEvent, SecurityEventKind};
use crate::domain::sessions::{self, NewSession};
use crate::domain::users::{self, LoginCandidate};
use crate::error::AppError;
use crate::web::identity::ClientInfo;

pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
pub const LOCKOUT_MINUTES: i64 = 15;

#[derive(Debug)]
pub enum LoginOutcome {
    /// The raw session token goes into the cookie; only its hash is stored.
    SignedIn {
        session_token: String,
        session_id: SessionId,
        user_id: UserId,
    },
    WrongCredentials,
    Locked {
        until: DateTime<Utc>,
    },
}

/// Tries to sign in. Slow on purpose (argon2); call from an async context, it runs the
/// hashing and the database work on the blocking pool.
pub async fn attempt(
    db: &Db,
    email: &str,
    password: &str,
    client: &ClientInfo,
    session_lifetime: Duration,
) -> Result<LoginOutcome, AppError> {
    let email = users::normalize_email(email);
    let lookup_email = email.clone();
    let candidate = db
        .system(move |conn| Ok(users::find_login_candidate(conn, &lookup_email)?))
        .await?;
    let now = Utc::now();

    let Some(candidate) = candidate else {
        let attempt = password.to_owned();
        actix_web::web::block(move || password::verify_dummy(&attempt)).await?;
        record(
            db,
            event(
                SecurityEventKind::LoginFailure,
                None,
                None,
                &email,
                client,
                "unknown_email",
            ),
        )
        .await?;
        return Ok(LoginOutcome::WrongCredentials);
    };

    if let Some(until) = candidate.locked_until.filter(|until| *until > now) {
        let mut locked = event(
            SecurityEventKind::LoginFailure,
            Some(candidate.tenant_id),
            Some(candidate.id),
            &email,
            client,
            "locked",
        );
        locked.detail = serde_json::json!({ "reason": "locked", "locked_until": until });
        record(db, locked).await?;
        return Ok(LoginOutcome::Locked { until });
    }

    let attempt = password.to_owned();
    let stored = candidate.password_hash.clone();
    let matches = actix_web::web::block(move || password::verify(&attempt, &stored)).await?;

    if !matches || !candidate.active {
        let reason = if candidate.active {
            "wrong_password"
        } else {
            "inactive_user"
        };
        return record_failure(db, candidate, email, client.clone(), reason).await;
    }

    let session_token = tokens::random_token()?;
    let csrf_token = tokens::random_token()?;
    let success = event(
        SecurityEventKind::LoginSuccess,
        Some(candidate.tenant_id),
        Some(candidate.id),
        &email,
        client,
        "ok",
    );
    let client = client.clone();
    let token_hash = tokens::hash_token(&session_token);
    let (tenant_id, user_id) = (candidate.tenant_id, candidate.id);
    let session_id = db
        .system(move |conn| {
            let session_id = sessions::create(
                conn,
                &NewSession {
                    tenant_id,
                    user_id,
                    token_hash: &token_hash,
                    csrf_token: &csrf_token,
                    expires_at: now + session_lifetime,
                    user_agent: client.user_agent.as_deref(),
                    ip: client.ip.as_deref(),
                },
            )?;
            users::record_login(conn, user_id, now)?;
            security_log::record(conn, &success)?;
            Ok(session_id)
        })
        .await?;
    Ok(LoginOutcome::SignedIn {
        session_token,
        session_id,
        user_id,
    })
}

/// Records a failed attempt and locks the account when it is the fifth in the window.
async fn record_failure(
    db: &Db,
    candidate: LoginCandidate,
    email: String,
    client: ClientInfo,
    reason: &'static str,
) -> Result<LoginOutcome, AppError> {
    let now = Utc::now();
    let failure = event(
        SecurityEventKind::LoginFailure,
        Some(candidate.tenant_id),
        Some(candidate.id),
        &email,
        &client,
        reason,
    );
    let lockout = event(
        SecurityEventKind::Lockout,
        Some(candidate.tenant_id),
        Some(candidate.id),
        &email,
        &client,
        "too_many_failures",
    );
    db.system(move |conn| {
        security_log::record(conn, &failure)?;
        let window_start = now - Duration::minutes(FAILURE_WINDOW_MINUTES);
        let since = candidate.locked_until.map_or(window_start, |until| until.max(window_start));
        let failures = security_log::login_failures_since(conn, candidate.tenant_id, candidate.id, since)?;
        if failures >= MAX_FAILURES {
            let until = now + Duration::minutes(LOCKOUT_MINUTES);
            users::lock_until(conn, candidate.id, until)?;
            let mut lockout = lockout;
            lockout.detail = serde_json::json!({ "reason": "too_many_failures", "failures": failures, "locked_until": until });
            security_log::record(conn, &lockout)?;
            return Ok(LoginOutcome::Locked { until });
        }
        Ok(LoginOutcome::WrongCredentials)
    })
    .await
}

fn event(
    kind: SecurityEventKind,
    tenant_id: Option<TenantId>,
    user_id: Option<UserId>,
    email: &str,
    client: &ClientInfo,
    reason: &str,
) -> SecurityEvent {
    SecurityEvent {
        kind,
        tenant_id,
        user_id,
        email: Some(email.chars().take(320).collect()),
        ip: client.ip.clone(),
        user_agent: client.user_agent.clone(),
        detail: serde_json::json!({ "reason": reason }),
    }
}

async fn record(db: &Db, event: SecurityEvent) -> Result<(), AppError> {
    db.system(move |conn| Ok(security_log::record(conn, &event)?))
        .await
}

/// Ends a session (sign-out) and logs it.
pub async fn sign_out(
    db: &Db,
    session_id: SessionId,
    tenant_id: TenantId,
    user_id: UserId,
    email: String,
    client: ClientInfo,
) -> Result<(), AppError> {
    let logout = event(
        SecurityEventKind::Logout,
        Some(tenant_id),
        Some(user_id),
        &email,
        &client,
        "signed_out",
    );
    db.system(move |conn| {
        sessions::revoke(conn, session_id, Utc::now())?;
        security_log::record(conn, &logout)?;
        Ok(())
    })
    .await
}
