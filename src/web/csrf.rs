//! CSRF protection for every unsafe request (POST, PUT, PATCH, DELETE).
//!
//! Signed-in requests must echo the session's token, either in the `X-CSRF-Token` header
//! (htmx sends it from the page's `<meta name="csrf-token">`) or in a `csrf_token` form
//! field. Anonymous forms (sign-in) use a double-submit cookie. Bearer-token API requests
//! carry no ambient credentials and need no token. Rejections answer 403 and are logged.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;

use crate::auth::tokens::secrets_match;
use crate::domain::security_log::{self, SecurityEvent, SecurityEventKind};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::identity::{AuthMethod, ClientInfo, Identity};

pub const CSRF_HEADER: &str = "X-CSRF-Token";
pub const CSRF_FIELD: &str = "csrf_token";
/// The double-submit cookie for forms shown before sign-in.
pub const ANON_CSRF_COOKIE: &str = "rapport_csrf";
/// Urlencoded bodies are read here to find the token; larger forms are refused.
const MAX_FORM_BYTES: usize = 256 * 1024;

pub async fn csrf_protect(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if is_safe(req.method()) {
        return pass(req, next).await;
    }
    let identity = req.extensions().get::<Identity>().cloned();
    let expected = match identity.as_ref().map(|identity| &identity.method) {
        Some(AuthMethod::ApiToken { .. }) => return pass(req, next).await,
        Some(AuthMethod::Session { csrf_token, .. }) => Some(csrf_token.clone()),
        None => req
            .cookie(ANON_CSRF_COOKIE)
            .map(|cookie| cookie.value().to_owned()),
    };
    let provided = match provided_token(&mut req).await {
        Ok(provided) => provided,
        Err(err) => return Ok(req.error_response(err).map_into_right_body()),
    };
    let valid = matches!((&expected, &provided), (Some(expected), Some(provided)) if secrets_match(expected, provided));
    if !valid {
        log_rejection(
            &req,
            identity.as_ref(),
            expected.is_some(),
            provided.is_some(),
        )
        .await;
        return Ok(req.error_response(AppError::Csrf).map_into_right_body());
    }
    pass(req, next).await
}

async fn pass(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    Ok(next.call(req).await?.map_into_left_body())
}

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// The token from the header, else from an urlencoded body (which is read and put back),
/// else, for multipart uploads whose body we do not buffer, from the query string.
async fn provided_token(req: &mut ServiceRequest) -> Result<Option<String>, AppError> {
    if let Some(value) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return Ok(Some(value.to_owned()));
    }
    let content_type = req.content_type().to_ascii_lowercase();
    if content_type == "application/x-www-form-urlencoded" {
        let body = read_body(req).await?;
        let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .ok()
            .and_then(|pairs| {
                pairs
                    .into_iter()
                    .find(|(key, _)| key == CSRF_FIELD)
                    .map(|(_, value)| value)
            });
        let (_, mut payload) = actix_http::h1::Payload::create(true);
        payload.unread_data(body.into());
        req.set_payload(payload.into());
        return Ok(token);
    }
    if content_type == "multipart/form-data" {
        let query = web::Query::<Vec<(String, String)>>::from_query(req.query_string()).ok();
        return Ok(query.and_then(|q| {
            q.0.into_iter()
                .find(|(key, _)| key == CSRF_FIELD)
                .map(|(_, value)| value)
        }));
    }
    Ok(None)
}

async fn read_body(req: &mut ServiceRequest) -> Result<Vec<u8>, AppError> {
    let mut payload = req.take_payload();
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| {
            AppError::bad_request(format!("The request body could not be read: {err}"))
        })?;
        if body.len() + chunk.len() > MAX_FORM_BYTES {
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn log_rejection(
    req: &ServiceRequest,
    identity: Option<&Identity>,
    had_expected: bool,
    had_provided: bool,
) {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return;
    };
    let client = ClientInfo::of(req.request());
    let mut event = SecurityEvent::new(SecurityEventKind::CsrfRejected);
    event.tenant_id = identity.map(|identity| identity.tenant_id);
    event.user_id = identity.map(|identity| identity.user_id);
    event.email = identity.map(|identity| identity.email.clone());
    event.ip = client.ip;
    event.user_agent = client.user_agent;
    event.detail = serde_json::json!({
        "method": req.method().as_str(),
        "path": req.path(),
        "expected_token": had_expected,
        "provided_token": had_provided,
    });
    if let Err(err) = state
        .db
        .system(move |conn| Ok(security_log::record(conn, &event)?))
        .await
    {
        tracing::error!(error = %err, "cannot record CSRF rejection");
    }
}

/// The anonymous form token: the existing cookie's value, or a new one to set.
pub fn anonymous_token(
    req: &HttpRequest,
    secure: bool,
) -> Result<(String, Option<Cookie<'static>>), AppError> {
    if let Some(cookie) = req.cookie(ANON_CSRF_COOKIE) {
        return Ok((cookie.value().to_owned(), None));
    }
    let token = crate::auth::tokens::random_token()?;
    let cookie = Cookie::build(ANON_CSRF_COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish();
    Ok((token, Some(cookie)))
}
