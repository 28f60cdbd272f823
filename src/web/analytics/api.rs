//! `GET /api/analytics/stage-duration?pipeline=&owner=&team=&from=&to=`: days spent in
//! each stage of a pipeline (session or API token; `analytics.read`). The figures are the
//! analytics page's (a fresh snapshot for large tenants); `as_of` says when they were
//! computed.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::{RawParams, resolve};
use crate::domain::analytics;
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::identity::Identity;

fn round2(value: Option<f64>) -> Option<f64> {
    value.map(|v| (v * 100.0).round() / 100.0)
}

pub(super) async fn stage_duration(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<RawParams>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::AnalyticsRead)?;
    let raw = query.into_inner();
    let who = identity.clone();
    let outcome = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let resolved = resolve(conn, &who, &raw)?;
            let Some(filters) = resolved.filters else {
                return Err(AppError::NotFound);
            };
            if !resolved.errors.is_empty() {
                return Ok(Err(resolved.errors));
            }
            let report = analytics::report(conn, &filters)?;
            Ok(Ok(json!({
                "pipeline_id": filters.pipeline_id,
                "as_of": report.as_of,
                "from": filters.from,
                "to": filters.to,
                "owner": filters.owner_id,
                "team": filters.team_id,
                "stages": report.durations.iter().map(|d| json!({
                    "stage_id": d.stage_id,
                    "stage": d.stage,
                    "deals": d.deals,
                    "avg_days": round2(d.avg_days),
                    "median_days": round2(d.median_days),
                    "p75_days": round2(d.p75_days),
                })).collect::<Vec<_>>(),
            })))
        })
        .await?;
    match outcome {
        Ok(body) => Ok(HttpResponse::Ok().json(body)),
        Err(errors) => Ok(HttpResponse::UnprocessableEntity().json(json!({
            "error": {
                "status": 422,
                "title": "Invalid",
                "message": errors.first().map(|e| e.message.clone()).unwrap_or_default(),
                "fields": errors.iter().map(|e| json!({ "field": e.field, "message": e.message })).collect::<Vec<_>>(),
            }
        }))),
    }
}
