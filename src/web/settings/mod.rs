//! Personal settings: API tokens.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::auth::tokens;
use crate::domain::api_tokens::{self, ApiToken, NewApiToken};
use crate::domain::ids::ApiTokenId;
use crate::domain::security_log::{self, SecurityEvent, SecurityEventKind};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::flash::{self, Flash};
use crate::web::forms::FieldErrors;
use crate::web::identity::{ClientInfo, Identity};
use crate::web::nav::Section;
use crate::web::render::html_with_status;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/settings/tokens", web::get().to(list_tokens))
        .route("/settings/tokens", web::post().to(create_token))
        .route("/settings/tokens/{id}/revoke", web::post().to(revoke_token));
}

#[derive(Template)]
#[template(path = "settings/tokens.html")]
struct TokensPage {
    chrome: Chrome,
    tokens: Vec<ApiToken>,
    form: TokenForm,
    errors: FieldErrors,
    /// The new token, shown once right after creation.
    created_token: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_in_days: String,
}

impl TokenForm {
    fn validate(&self) -> Result<(String, Option<i64>), FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim();
        if name.is_empty() {
            errors.add("name", "Give the token a name, e.g. \"Reporting script\".");
        } else if name.chars().count() > 100 {
            errors.add("name", "Keep the name under 100 characters.");
        }
        let expires = match self.expires_in_days.trim() {
            "" => None,
            days => match days.parse::<i64>() {
                Ok(days) if (1..=3650).contains(&days) => Some(days),
                _ => {
                    errors.add(
                        "expires_in_days",
                        "Enter a number of days from 1 to 3650, or leave it empty.",
                    );
                    None
                }
            },
        };
        if errors.is_empty() {
            Ok((name.to_owned(), expires))
        } else {
            Err(errors)
        }
    }
}

async fn load_tokens(state: &AppState, identity: &Identity) -> Result<Vec<ApiToken>, AppError> {
    let user_id = identity.user_id;
    state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(api_tokens::list_for_user(conn, user_id)?)
        })
        .await
}

async fn list_tokens(page: Page, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let tokens = load_tokens(&state, &page.identity).await?;
    let view = TokensPage {
        chrome: page.chrome("API tokens", Section::ApiTokens),
        tokens,
        form: TokenForm::default(),
        errors: FieldErrors::default(),
        created_token: None,
    };
    html_with_status(StatusCode::OK, &view)
}

async fn create_token(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let (name, expires_in_days) = match form.validate() {
        Ok(valid) => valid,
        Err(errors) => {
            let tokens = load_tokens(&state, &page.identity).await?;
            let view = TokensPage {
                chrome: page.chrome("API tokens", Section::ApiTokens),
                tokens,
                form,
                errors,
                created_token: None,
            };
            return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    let token = tokens::new_api_token()?;
    let identity = page.identity.clone();
    let client = ClientInfo::of(&req);
    let token_hash = tokens::hash_token(&token);
    let prefix = tokens::api_token_display_prefix(&token);
    let expires_at = expires_in_days.map(|days| Utc::now() + Duration::days(days));
    state
        .db
        .tenant(&identity.scope(), move |conn| {
            let created = api_tokens::create(
                conn,
                &NewApiToken {
                    tenant_id: identity.tenant_id,
                    user_id: identity.user_id,
                    name: &name,
                    token_hash: &token_hash,
                    token_prefix: &prefix,
                    expires_at,
                },
            )?;
            let mut event = SecurityEvent::new(SecurityEventKind::ApiTokenCreated);
            event.tenant_id = Some(identity.tenant_id);
            event.user_id = Some(identity.user_id);
            event.email = Some(identity.email.clone());
            event.ip = client.ip;
            event.user_agent = client.user_agent;
            event.detail = serde_json::json!({ "token_id": created.id, "name": created.name });
            security_log::record(conn, &event)?;
            Ok(())
        })
        .await?;
    let tokens = load_tokens(&state, &page.identity).await?;
    let view = TokensPage {
        chrome: page.chrome("API tokens", Section::ApiTokens),
        tokens,
        form: TokenForm::default(),
        errors: FieldErrors::default(),
        created_token: Some(token),
    };
    html_with_status(StatusCode::CREATED, &view)
}

async fn revoke_token(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let token_id = ApiTokenId(path.into_inner());
    let client = ClientInfo::of(&req);
    let actor = identity.clone();
    let revoked = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let revoked = api_tokens::revoke(conn, actor.user_id, token_id, Utc::now())?;
            if revoked {
                let mut event = SecurityEvent::new(SecurityEventKind::ApiTokenRevoked);
                event.tenant_id = Some(actor.tenant_id);
                event.user_id = Some(actor.user_id);
                event.email = Some(actor.email.clone());
                event.ip = client.ip;
                event.user_agent = client.user_agent;
                event.detail = serde_json::json!({ "token_id": token_id });
                security_log::record(conn, &event)?;
            }
            Ok(revoked)
        })
        .await?;
    if !revoked {
        return Err(AppError::NotFound);
    }
    Ok(flash::redirect(
        &req,
        "/settings/tokens",
        Flash::success("Token revoked. Requests using it now fail."),
    ))
}
