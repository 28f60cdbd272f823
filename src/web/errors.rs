//! Renders every error response for its audience: JSON under `/api/`, a toast fragment for
//! htmx requests, otherwise a full error page. Sign-in errors on pages become a redirect to
//! the sign-in page, and permission denials are written to the security log.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::security_log::{self, SecurityEvent, SecurityEventKind};
use crate::error::ErrorReport;
use crate::web::AppState;
use crate::web::chrome::Chrome;
use crate::web::identity::{ClientInfo, Identity};
use crate::web::render::is_htmx;

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage {
    chrome: Chrome,
    report: ErrorReport,
}

#[derive(Template)]
#[template(path = "errors/_toast.html")]
struct ErrorToast {
    report: ErrorReport,
}

pub async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // The inner middleware answers with error responses rather than `Err`, so every error
    // arrives here with its request. (The request must not be cloned before routing.)
    let response = next.call(req).await?.map_into_boxed_body();
    let Some(report) = response
        .response()
        .extensions()
        .get::<ErrorReport>()
        .cloned()
    else {
        return Ok(response);
    };
    let http_req = response.request().clone();
    let identity = http_req.extensions().get::<Identity>().cloned();
    if report.status == StatusCode::FORBIDDEN && report.title == "Permission denied" {
        log_permission_denied(&http_req, identity.as_ref()).await;
    }
    let rendered = render(&http_req, identity, report);
    Ok(ServiceResponse::new(http_req, rendered))
}

fn render(req: &HttpRequest, identity: Option<Identity>, report: ErrorReport) -> HttpResponse {
    if req.path().starts_with("/api/") {
        return HttpResponse::build(report.status).json(serde_json::json!({
            "error": {
                "status": report.status.as_u16(),
                "title": report.title,
                "message": report.message,
                "error_id": report.error_id,
            }
        }));
    }
    if report.status == StatusCode::UNAUTHORIZED {
        let location = format!("/login?next={}", urlencode(&path_and_query(req)));
        if is_htmx(req) {
            return HttpResponse::Unauthorized()
                .insert_header(("HX-Redirect", location))
                .finish();
        }
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .finish();
    }
    if is_htmx(req) {
        // Errors from partial updates go to the toast area instead of replacing the target.
        let body = ErrorToast {
            report: report.clone(),
        }
        .render();
        return match body {
            Ok(body) => HttpResponse::build(report.status)
                .content_type("text/html; charset=utf-8")
                .insert_header(("HX-Retarget", "#toasts"))
                .insert_header(("HX-Reswap", "beforeend"))
                .body(body),
            Err(err) => plain_fallback(report, err),
        };
    }
    let chrome = Chrome::for_error(req, identity.as_ref(), report.title);
    match (ErrorPage {
        chrome,
        report: report.clone(),
    })
    .render()
    {
        Ok(body) => HttpResponse::build(report.status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(err) => plain_fallback(report, err),
    }
}

/// If the error page itself cannot render, say so plainly rather than hide it.
fn plain_fallback(report: ErrorReport, err: askama::Error) -> HttpResponse {
    tracing::error!(error = %err, "cannot render the error page");
    let mut response = HttpResponse::build(report.status);
    response.insert_header((
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    ));
    match report.error_id {
        Some(id) => response.body(format!("{}\n\nError id: {id}", report.message)),
        None => response.body(report.message),
    }
}

async fn log_permission_denied(req: &HttpRequest, identity: Option<&Identity>) {
    let (Some(state), Some(identity)) = (req.app_data::<web::Data<AppState>>().cloned(), identity)
    else {
        return;
    };
    let client = ClientInfo::of(req);
    let mut event = SecurityEvent::new(SecurityEventKind::PermissionDenied);
    event.tenant_id = Some(identity.tenant_id);
    event.user_id = Some(identity.user_id);
    event.email = Some(identity.email.clone());
    event.ip = client.ip;
    event.user_agent = client.user_agent;
    event.detail = serde_json::json!({ "method": req.method().as_str(), "path": req.path(), "role": identity.role });
    if let Err(err) = state
        .db
        .system(move |conn| Ok(security_log::record(conn, &event)?))
        .await
    {
        tracing::error!(error = %err, "cannot record permission denial");
    }
}

fn path_and_query(req: &HttpRequest) -> String {
    match req.uri().query() {
        Some(query) => format!("{}?{query}", req.path()),
        None => req.path().to_owned(),
    }
}

pub fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
