//! The one error type for the HTTP edge and domain functions.
//!
//! `AppError` only decides the status and the public message. How the error is shown (an
//! HTML page, an htmx fragment or JSON under `/api/`) is decided by
//! [`crate::web::errors::render_errors`], which can see the request. 5xx responses carry an
//! error id that is also written to the log with the cause; the cause never reaches the client.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("sign-in required")]
    Unauthorized,
    #[error("permission denied")]
    Forbidden,
    #[error("invalid or missing CSRF token")]
    Csrf,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("database pool error: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("template error: {0}")]
    Render(#[from] askama::Error),
    #[error("background task failed: {0}")]
    Blocking(#[from] actix_web::error::BlockingError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What the error renderer needs, stored in the response's extensions.
#[derive(Debug, Clone)]
pub struct ErrorReport {
    pub status: StatusCode,
    pub title: &'static str,
    pub message: String,
    /// Set for 5xx only: quote it to an admin, who finds the cause in the log.
    pub error_id: Option<String>,
}

impl AppError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError::BadRequest(message.into())
    }

    fn report(&self) -> ErrorReport {
        let status = self.status_code();
        let (title, message) = match self {
            AppError::NotFound | AppError::Database(diesel::result::Error::NotFound) => (
                "Not found",
                "We couldn't find that page or record. It may have been deleted, or you may not have access to it.".to_owned(),
            ),
            AppError::Unauthorized => ("Sign-in required", "Please sign in to continue.".to_owned()),
            AppError::Forbidden => ("Permission denied", "Your role doesn't allow this.".to_owned()),
            AppError::Csrf => (
                "Form expired",
                "This form has expired or was sent from another site. Reload the page and try again.".to_owned(),
            ),
            AppError::BadRequest(message) => ("Bad request", message.clone()),
            AppError::Conflict(message) => ("Conflict", message.clone()),
            AppError::PayloadTooLarge => ("Too large", "That upload or form is too large.".to_owned()),
            AppError::Database(_)
            | AppError::Pool(_)
            | AppError::Render(_)
            | AppError::Blocking(_)
            | AppError::Internal(_) => (
                "Something went wrong",
                "Something went wrong on our side. The error has been logged.".to_owned(),
            ),
        };
        let error_id = status.is_server_error().then(new_error_id);
        ErrorReport {
            status,
            title,
            message,
            error_id,
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::Database(diesel::result::Error::NotFound) => {
                StatusCode::NOT_FOUND
            }
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Database(_)
            | AppError::Pool(_)
            | AppError::Render(_)
            | AppError::Blocking(_)
            | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let report = self.report();
        if let Some(error_id) = &report.error_id {
            tracing::error!(error_id = %error_id, error = ?self, "request failed");
        }
        let mut response = HttpResponse::build(report.status)
            .content_type("text/plain; charset=utf-8")
            .body(report.message.clone());
        response.extensions_mut().insert(report);
        response
    }
}

fn new_error_id() -> String {
    let mut bytes = [0u8; 6];
    // An id is only a label for the log; if the OS RNG fails, the time is unique enough.
    if getrandom::fill(&mut bytes).is_err() {
        let micros = chrono::Utc::now().timestamp_micros();
        bytes.copy_from_slice(&micros.to_le_bytes()[..6]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub type AppResult<T> = Result<T, AppError>;
