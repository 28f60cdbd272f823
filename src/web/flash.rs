//! One-shot messages shown on the next page ("Token revoked."), carried in a short-lived
//! cookie across the redirect after a POST. The text is escaped when rendered like any
//! other text, so a forged cookie can only show its own words to its own sender.

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::web::render::see_other;

pub const FLASH_COOKIE: &str = "rapport_flash";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Success,
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Success => "success",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub level: Level,
    pub text: String,
}

impl Flash {
    pub fn success(text: impl Into<String>) -> Self {
        Flash {
            level: Level::Success,
            text: text.into(),
        }
    }

    pub fn info(text: impl Into<String>) -> Self {
        Flash {
            level: Level::Info,
            text: text.into(),
        }
    }
}

/// Marks that this request displayed the flash, so the response clears the cookie.
struct FlashShown;

/// Reads (and marks as shown) the flash messages of this request.
pub fn take(req: &HttpRequest) -> Vec<Flash> {
    let Some(cookie) = req.cookie(FLASH_COOKIE) else {
        return Vec::new();
    };
    req.extensions_mut().insert(FlashShown);
    URL_SAFE_NO_PAD
        .decode(cookie.value())
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Vec<Flash>>(&bytes).ok())
        .unwrap_or_else(Vec::new)
}

/// A 303 redirect that shows `flash` on the page it leads to.
pub fn redirect(req: &HttpRequest, location: &str, flash: Flash) -> HttpResponse {
    let mut response = see_other(req, location);
    let value = URL_SAFE_NO_PAD.encode(serde_json::json!([flash]).to_string());
    let cookie = Cookie::build(FLASH_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::minutes(5))
        .finish();
    if let Err(err) = response.add_cookie(&cookie) {
        tracing::warn!(error = %err, "cannot set flash cookie");
    }
    response
}

/// Clears the flash cookie once a page has shown it.
pub async fn clear_shown_flash(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let mut response = next.call(req).await?;
    let shown = response
        .request()
        .extensions()
        .get::<FlashShown>()
        .is_some();
    if shown {
        let mut removal = Cookie::build(FLASH_COOKIE, "").path("/").finish();
        removal.make_removal();
        response.response_mut().add_cookie(&removal)?;
    }
    Ok(response)
}
