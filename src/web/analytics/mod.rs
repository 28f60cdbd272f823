//! `/analytics`: time in stage, conversion, win rate, deal size, won/lost per month and
//! the weighted pipeline, as server-rendered SVG bar charts with the figures in tables.
//! Managers and admins (`analytics.read`); reps are refused. Filters are a plain GET form,
//! so the URL always holds the view. Large tenants' figures come from a snapshot
//! (`domain::analytics::snapshots`); the page says when they were computed and
//! "Recompute now" (a POST back to the same view) computes them again.

mod api;
mod charts;
mod params;
mod view;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use crate::domain::analytics::snapshots::{self, Freshness};
use crate::domain::analytics::{self, Filters, Report, TeamChoice};
use crate::domain::pipelines::Pipeline;
use crate::domain::roles::Permission;
use crate::domain::visibility::{self, OwnerChoice};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::Page;
use crate::web::identity::Identity;
use crate::web::render::{html, see_other};

pub use params::{FieldError, RawParams};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/analytics", web::get().to(page))
        .route("/analytics/recompute", web::post().to(recompute))
        .route(
            "/api/analytics/stage-duration",
            web::get().to(api::stage_duration),
        );
}

/// What the filters resolved to, with the choices the form offers.
pub(crate) struct Resolved {
    pub filters: Option<Filters>,
    pub errors: Vec<FieldError>,
    pub pipelines: Vec<Pipeline>,
    pub teams: Vec<TeamChoice>,
    pub owners: Vec<OwnerChoice>,
    pub currency: String,
}

/// Reads the choices and checks the filters, inside the caller's transaction.
fn resolve(
    conn: &mut diesel::PgConnection,
    identity: &Identity,
    raw: &RawParams,
) -> Result<Resolved, AppError> {
    let pipelines = analytics::pipelines(conn)?;
    let teams = analytics::teams(conn)?;
    let owners = visibility::owner_choices(conn)?;
    let currency = crate::domain::tenants::find(conn, identity.tenant_id)?.currency;
    let today = Utc::now().with_timezone(&identity.time_zone).date_naive();
    let (filters, errors) = params::resolve(
        raw,
        identity.user_id.0,
        identity.tenant_id.0,
        identity.time_zone,
        today,
        &pipelines,
        &teams,
    );
    Ok(Resolved {
        filters,
        errors,
        pipelines,
        teams,
        owners,
        currency,
    })
}

async fn page(
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<RawParams>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::AnalyticsRead)?;
    let raw = query.into_inner();
    let identity = page.identity.clone();
    let raw_for_db = raw.clone();
    let (resolved, report): (Resolved, Option<Report>) = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            let resolved = resolve(conn, &identity, &raw_for_db)?;
            let report = match &resolved.filters {
                Some(filters) => Some(analytics::report(conn, filters)?),
                None => None,
            };
            Ok((resolved, report))
        })
        .await?;
    let chrome = page.chrome("Analytics", crate::web::nav::Section::Analytics);
    html(&view::AnalyticsPage::build(chrome, raw, resolved, report))
}

/// Computes the view's figures again, then shows the view.
async fn recompute(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    form: web::Form<RawParams>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::AnalyticsRead)?;
    let raw = form.into_inner();
    let who = identity.clone();
    let raw_for_db = raw.clone();
    state
        .db
        .tenant(&identity.scope(), move |conn| {
            let resolved = resolve(conn, &who, &raw_for_db)?;
            if let (Some(filters), true) = (&resolved.filters, resolved.errors.is_empty()) {
                snapshots::report(conn, filters, Utc::now(), Freshness::Recompute)?;
            }
            Ok(())
        })
        .await?;
    let query = serde_urlencoded::to_string(&raw).map_err(anyhow::Error::from)?;
    Ok(see_other(&req, &format!("/analytics?{query}")))
}
