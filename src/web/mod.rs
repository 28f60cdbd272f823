//! The HTTP layer: one `configure` per area, the middleware every request passes through,
//! and the extractors handlers use.
//!
//! Request lifecycle (outermost first): trace → render_errors → load_identity →
//! csrf_protect → handler. Handlers stay thin: extract, authorize, call one domain function
//! through [`crate::db::Db`], render.

pub mod admin;
pub mod analytics;
pub mod api;
pub mod attachments;
pub mod auth;
pub mod board;
pub mod chrome;
pub mod companies;
pub mod contacts;
pub mod csrf;
pub mod deals;
pub mod errors;
pub mod flash;
pub mod fmt;
pub mod form_data;
pub mod forms;
pub mod graph;
pub mod home;
pub mod identity;
pub mod jobs;
pub mod leads;
pub mod lists;
pub mod nav;
pub mod notes;
pub mod palette;
pub mod pipelines_admin;
pub mod records;
pub mod records_admin;
pub mod records_api;
pub mod render;
pub mod settings;
pub mod stale;
pub mod sync;
pub mod tags;
pub mod tasks;
pub mod timeline;
pub mod trace;
pub mod when;

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpResponse, web};

use crate::config::Settings;
use crate::db::Db;
use crate::db::listen::Listener;
use crate::error::AppError;

/// Shared by every request. Cheap to clone (everything inside is reference-counted).
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// The process's LISTEN connection (live sync progress over SSE).
    pub listener: Listener,
}

/// Where the stylesheet, scripts and vendored htmx live.
pub fn static_dir() -> PathBuf {
    std::env::var_os("RAPPORT_STATIC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/static")))
}

/// The whole application: middleware, routes, static files. Used by `serve` and the tests.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::FormConfig::default().limit(256 * 1024).error_handler(|err, _| {
            AppError::bad_request(format!("The form could not be read: {err}")).into()
        }))
        .app_data(web::JsonConfig::default().limit(1024 * 1024).error_handler(|err, _| {
            AppError::bad_request(format!("The JSON body could not be read: {err}")).into()
        }))
        .app_data(web::QueryConfig::default().error_handler(|err, _| {
            AppError::bad_request(format!("The query string could not be read: {err}")).into()
        }))
        .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
        .service(actix_files::Files::new("/static", static_dir()).prefer_utf8(true))
        .route("/healthz", web::get().to(healthz))
        .configure(auth::configure)
        .configure(home::configure)
        // Before `api`: /api/deals/stale must not be read as /api/deals/{id}.
        .configure(stale::configure)
        .configure(settings::configure)
        .configure(admin::configure)
        .configure(api::configure)
        .configure(lists::configure)
        .configure(companies::configure)
        .configure(contacts::configure)
        .configure(leads::configure)
        .configure(deals::configure)
        .configure(pipelines_admin::configure)
        .configure(tags::configure)
        .configure(attachments::configure)
        .configure(palette::configure)
        .configure(graph::configure)
        .configure(records_api::configure)
        .configure(records_admin::configure)
        .configure(timeline::configure)
        .configure(notes::configure)
        .configure(tasks::configure)
        .configure(jobs::configure)
        .configure(sync::configure)
        .configure(board::configure)
        .configure(analytics::configure)
        .default_service(web::to(|| async { Err::<HttpResponse, _>(AppError::NotFound) }))
        .wrap(from_fn(flash::clear_shown_flash))
        .wrap(from_fn(csrf::csrf_protect))
        .wrap(from_fn(identity::load_identity))
        .wrap(from_fn(errors::render_errors))
        .wrap(
            DefaultHeaders::new()
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("X-Frame-Options", "DENY"))
                .add(("Referrer-Policy", "same-origin"))
                .add((
                    "Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                     script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'",
                )),
        )
        .wrap(from_fn(trace::trace_requests))
}

/// Liveness and database reachability, for scripts that wait for the server.
async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state
        .db
        .system(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Ok().content_type("text/plain").body("ok"))
}
