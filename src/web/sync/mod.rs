//! The sync hub's pages (`/sync…`), its live progress stream, the start-sync modal, the
//! connection forms, and the JSON API (`/api/sync/…`). Everything needs
//! `Permission::SyncManage` (admins), except the provenance fragment that record pages
//! show to anyone who can see the record.

pub mod api;
pub mod connection;
pub mod file;
pub mod live;
pub mod model;
pub mod overview;
pub mod provenance;
pub mod runs;
pub mod source;
pub mod start;
pub mod views;

use actix_web::web;

use crate::error::AppError;
use crate::sync::connector::Connector;
use crate::sync::registry;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sync", web::get().to(overview::page))
        .route("/sync/all", web::post().to(overview::sync_all))
        .route("/sync/live", web::get().to(live::live))
        .route("/sync/provenance", web::get().to(provenance::fragment))
        .route("/sync/runs", web::get().to(runs::list_page))
        .route("/sync/runs/{id}", web::get().to(runs::run_page))
        .route("/sync/runs/{id}/stop", web::post().to(runs::stop))
        .route(
            "/sync/runs/{id}/errors.csv",
            web::get().to(runs::errors_csv),
        )
        .route("/sync/file/upload", web::post().to(file::upload))
        .route("/sync/file/path", web::post().to(file::use_path))
        .route("/sync/file/mapping", web::get().to(file::mapping_page))
        .route("/sync/file/mapping", web::post().to(file::save_mapping))
        .route("/sync/{source}", web::get().to(source::page))
        .route(
            "/sync/{source}/connection",
            web::post().to(connection::save),
        )
        .route(
            "/sync/{source}/connection/test",
            web::post().to(connection::test),
        )
        .route("/sync/{source}/sync-form", web::get().to(start::form))
        .route("/sync/{source}/runs", web::post().to(start::submit))
        .route("/sync/{source}/{model}", web::get().to(model::page))
        .route(
            "/sync/{source}/{model}/export.csv",
            web::get().to(model::export_csv),
        );
    api::configure(cfg);
}

/// The connector for a `{source}` path segment, or 404.
pub fn connector(source: &str) -> Result<&'static dyn Connector, AppError> {
    registry::get(source).ok_or(AppError::NotFound)
}
