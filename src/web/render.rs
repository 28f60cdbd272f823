//! Turning templates into responses. A render error is an error, never an empty page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::error::AppError;

pub fn html<T: Template>(template: &T) -> Result<HttpResponse, AppError> {
    html_with_status(StatusCode::OK, template)
}

pub fn html_with_status<T: Template>(
    status: StatusCode,
    template: &T,
) -> Result<HttpResponse, AppError> {
    let body = template.render()?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// True for requests htmx makes to swap part of a page (not history restores, which want
/// the whole page).
pub fn is_htmx(req: &HttpRequest) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()) == Some("true");
    header("HX-Request") && !header("HX-History-Restore-Request")
}

/// A redirect after a successful POST (303: the browser follows with GET). htmx requests
/// get `HX-Redirect` so the whole page navigates.
pub fn see_other(req: &HttpRequest, location: &str) -> HttpResponse {
    if is_htmx(req) {
        HttpResponse::Ok()
            .insert_header(("HX-Redirect", location))
            .finish()
    } else {
        HttpResponse::SeeOther()
            .insert_header(("Location", location))
            .finish()
    }
}
