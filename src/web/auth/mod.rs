//! Sign-in and sign-out pages.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::login::{self, LoginOutcome};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::Chrome;
use crate::web::csrf::{ANON_CSRF_COOKIE, anonymous_token};
use crate::web::flash::{self, Flash};
use crate::web::identity::{AuthMethod, ClientInfo, Identity, SESSION_COOKIE};
use crate::web::render::html_with_status;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(show_login))
        .route("/login", web::post().to(submit_login))
        .route("/logout", web::post().to(logout));
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    chrome: Chrome,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Only same-site paths are followed after sign-in, never another host.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\") =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

async fn show_login(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref());
    if req.extensions().get::<Identity>().is_some() {
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", next))
            .finish());
    }
    render_login(&req, &state, String::new(), next, None, StatusCode::OK)
}

fn render_login(
    req: &HttpRequest,
    state: &AppState,
    email: String,
    next: String,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (csrf_token, new_cookie) = anonymous_token(req, state.settings.secure_cookies())?;
    let page = LoginPage {
        chrome: Chrome::anonymous(req, "Sign in", csrf_token),
        email,
        next,
        error,
    };
    let mut response = html_with_status(status, &page)?;
    if let Some(cookie) = new_cookie {
        response
            .add_cookie(&cookie)
            .map_err(|err| AppError::Internal(err.into()))?;
    }
    Ok(response)
}

async fn submit_login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    if form.email.trim().is_empty() || form.password.is_empty() {
        let error = "Enter your email and password.".to_owned();
        return render_login(
            &req,
            &state,
            form.email,
            next,
            Some(error),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let client = ClientInfo::of(&req);
    let outcome = login::attempt(
        &state.db,
        &form.email,
        &form.password,
        &client,
        state.settings.session_max(),
    )
    .await?;
    match outcome {
        LoginOutcome::SignedIn { session_token, .. } => {
            let cookie = Cookie::build(SESSION_COOKIE, session_token)
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(state.settings.secure_cookies())
                .finish();
            let mut anon = Cookie::build(ANON_CSRF_COOKIE, "").path("/").finish();
            anon.make_removal();
            Ok(HttpResponse::SeeOther()
                .insert_header(("Location", next))
                .cookie(cookie)
                .cookie(anon)
                .finish())
        }
        LoginOutcome::WrongCredentials => {
            let error = "That email and password don't match an account.".to_owned();
            render_login(
                &req,
                &state,
                form.email,
                next,
                Some(error),
                StatusCode::UNAUTHORIZED,
            )
        }
        LoginOutcome::Locked { until } => {
            let minutes = (until - chrono::Utc::now()).num_minutes().max(1);
            let error = format!(
                "Too many failed sign-ins. This account is locked for {minutes} more minute{}.",
                if minutes == 1 { "" } else { "s" }
            );
            render_login(
                &req,
                &state,
                form.email,
                next,
                Some(error),
                StatusCode::TOO_MANY_REQUESTS,
            )
        }
    }
}

async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    identity: Identity,
) -> Result<HttpResponse, AppError> {
    if let AuthMethod::Session { id, .. } = identity.method {
        login::sign_out(
            &state.db,
            id,
            identity.tenant_id,
            identity.user_id,
            identity.email.clone(),
            ClientInfo::of(&req),
        )
        .await?;
    }
    let mut response = flash::redirect(&req, "/login", Flash::info("You have signed out."));
    let mut removal = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    removal.make_removal();
    response
        .add_cookie(&removal)
        .map_err(|err| AppError::Internal(err.into()))?;
    Ok(response)
}
