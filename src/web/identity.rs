//! Who is asking: a session cookie (pages and `/api`) or a Bearer API token (`/api` only),
//! resolved once per request by [`load_identity`] and read by handlers as [`Identity`].

use std::future::{Ready, ready};
use std::str::FromStr;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, web};
use chrono::Utc;

use crate::auth::tokens::hash_token;
use crate::db::TenantScope;
use crate::domain::ids::{ApiTokenId, SessionId, TeamId, TenantId, UserId};
use crate::domain::roles::{Permission, Role};
use crate::domain::sessions::IdentityRow;
use crate::domain::{api_tokens, sessions};
use crate::error::AppError;
use crate::web::AppState;

pub const SESSION_COOKIE: &str = "rapport_session";

/// How the request proved who it is.
#[derive(Debug, Clone)]
pub enum AuthMethod {
    Session { id: SessionId, csrf_token: String },
    ApiToken { id: ApiTokenId },
}

#[derive(Debug, Clone)]
pub struct Identity {
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub tenant_name: String,
    pub tenant_slug: String,
    pub record_visibility: String,
    /// The user's time zone, else the tenant's: it decides what "today" means.
    pub time_zone: chrono_tz::Tz,
    pub permissions: Vec<String>,
    pub method: AuthMethod,
}

impl Identity {
    fn from_row(row: IdentityRow, method: AuthMethod) -> Option<Self> {
        let role = Role::from_str(&row.role).ok()?;
        let time_zone = row
            .user_time_zone
            .as_deref()
            .and_then(|tz| tz.parse().ok())
            .or_else(|| row.tenant_time_zone.parse().ok())
            .unwrap_or(chrono_tz::UTC);
        Some(Identity {
            user_id: row.user_id,
            tenant_id: row.tenant_id,
            email: row.email,
            name: row.name,
            role,
            team_id: row.team_id,
            tenant_name: row.tenant_name,
            tenant_slug: row.tenant_slug,
            record_visibility: row.record_visibility,
            time_zone,
            permissions: row.permissions,
            method,
        })
    }

    /// The database scope this identity's queries run in.
    pub fn scope(&self) -> TenantScope {
        TenantScope {
            tenant_id: self.tenant_id.0,
            user_id: Some(self.user_id.0),
            role: self.role.as_str().to_owned(),
            team_id: self.team_id.map(|id| id.0),
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.iter().any(|p| p == permission.as_str())
    }

    /// Fails with 403 (logged as `permission_denied` by the error renderer).
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn csrf_token(&self) -> Option<&str> {
        match &self.method {
            AuthMethod::Session { csrf_token, .. } => Some(csrf_token),
            AuthMethod::ApiToken { .. } => None,
        }
    }
}

impl FromRequest for Identity {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Identity>()
                .cloned()
                .ok_or(AppError::Unauthorized),
        )
    }
}

/// Client details recorded with sessions and security events.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    pub fn of(req: &HttpRequest) -> Self {
        ClientInfo {
            ip: req
                .connection_info()
                .realip_remote_addr()
                .map(str::to_owned),
            user_agent: req
                .headers()
                .get("User-Agent")
                .and_then(|v| v.to_str().ok())
                .map(|ua| ua.chars().take(400).collect()),
        }
    }
}

fn bearer_token(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get("Authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// Resolves the session cookie or Bearer token into an [`Identity`] in the request's
/// extensions. An unknown, expired or revoked credential simply leaves the request
/// anonymous; handlers that need a user then answer 401 / redirect to sign-in.
pub async fn load_identity(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if !req.path().starts_with("/static/")
        && let Some(state) = req.app_data::<web::Data<AppState>>().cloned()
    {
        let is_api = req.path().starts_with("/api/");
        let identity = match bearer_token(&req) {
            Some(token) if is_api => identity_from_token(&state, token).await,
            Some(_) => Ok(None),
            None => match req.cookie(SESSION_COOKIE) {
                Some(cookie) => identity_from_session(&state, cookie.value().to_owned()).await,
                None => Ok(None),
            },
        };
        match identity {
            Ok(Some(identity)) => {
                req.extensions_mut().insert(identity);
            }
            Ok(None) => {}
            Err(err) => return Ok(req.error_response(err).map_into_right_body()),
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

async fn identity_from_session(
    state: &AppState,
    token: String,
) -> Result<Option<Identity>, AppError> {
    let idle = state.settings.session_idle();
    state
        .db
        .system(move |conn| {
            let now = Utc::now();
            let Some(session) = sessions::find_active(conn, &hash_token(&token), now, idle)? else {
                return Ok(None);
            };
            // Refresh the idle clock at most once a minute, not on every request.
            if now - session.last_seen_at > chrono::Duration::minutes(1) {
                sessions::touch(conn, session.id, now)?;
            }
            let method = AuthMethod::Session {
                id: session.id,
                csrf_token: session.csrf_token,
            };
            Ok(Identity::from_row(session.identity, method))
        })
        .await
}

async fn identity_from_token(
    state: &AppState,
    token: String,
) -> Result<Option<Identity>, AppError> {
    state
        .db
        .system(move |conn| {
            let found = api_tokens::authenticate(conn, &hash_token(&token), Utc::now())?;
            Ok(found.and_then(|(id, row)| Identity::from_row(row, AuthMethod::ApiToken { id })))
        })
        .await
}
