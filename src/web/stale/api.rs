//! JSON (session + CSRF, or a Bearer token, like every `/api/` route):
//! `GET /api/deals/stale` (pipeline, owner, team, cursor, limit) and
//! `GET /api/deals/{id}/stage-history`. Deals the caller may not see answer 404.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel::prelude::*;
use serde_json::json;

use super::Filters;
use crate::db::schema::pipeline_stages;
use crate::domain::deal_stages;
use crate::domain::deals;
use crate::domain::ids::DealId;
use crate::domain::pipelines::Stage;
use crate::domain::roles::Permission;
use crate::domain::stale_deals::{self, StaleCursor};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::form_data::FormData;
use crate::web::identity::Identity;

pub const DEFAULT_LIMIT: i64 = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/deals/stale", web::get().to(stale)).route(
        "/api/deals/{id:\\d+}/stage-history",
        web::get().to(stage_history),
    );
}

async fn stale(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let query = FormData::new(query.into_inner());
    let filters = Filters::parse(&query);
    let cursor = match query.optional("cursor").filter(|c| !c.is_empty()) {
        Some(text) => Some(
            StaleCursor::parse(&text)
                .ok_or_else(|| AppError::BadRequest("cursor is not valid.".to_owned()))?,
        ),
        None => None,
    };
    let limit = match query.optional("limit").filter(|l| !l.is_empty()) {
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=200).contains(n))
            .ok_or_else(|| AppError::BadRequest("limit must be 1 to 200.".to_owned()))?,
        None => DEFAULT_LIMIT,
    };
    let me = identity.user_id;
    let now = Utc::now();
    let page = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let filter = filters.resolve(conn, me)?;
            Ok(stale_deals::page(conn, &filter, now, cursor, limit)?)
        })
        .await?;
    let deals: Vec<serde_json::Value> = page
        .rows
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "deal_number": d.deal_number,
                "title": d.title,
                "company": d.company_id.map(|id| json!({ "id": id, "name": d.company_name })),
                "owner": d.owner_id.map(|id| json!({ "id": id, "name": d.owner_name })),
                "pipeline": { "id": d.pipeline_id, "name": d.pipeline_name },
                "stage": { "id": d.stage_id, "name": d.stage_name },
                "amount_minor": d.amount_minor,
                "currency": d.currency,
                "stage_entered_at": d.stage_entered_at,
                "days_in_stage": d.days_in_stage(now),
                "threshold_days": d.threshold_days,
                "days_over_threshold": d.days_over(now),
                "stale_since": d.stale_since,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "deals": deals,
        "next_cursor": page.next.map(|c| c.encode()),
    })))
}

async fn stage_history(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let id = DealId(path.into_inner());
    let now = Utc::now();
    let (deal, stage, mut history) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let deal = deals::find(conn, id)?.ok_or(AppError::NotFound)?;
            let stage: Stage = pipeline_stages::table
                .find(deal.stage_id)
                .select(Stage::as_select())
                .first(conn)?;
            let history = deal_stages::history(conn, id)?;
            Ok((deal, stage, history))
        })
        .await?;
    // Oldest first; each entry's duration is the time spent in its `from` stage.
    history.reverse();
    let days = deal_stages::days_in_stage(deal.stage_entered_at, now);
    let entries: Vec<serde_json::Value> = history
        .iter()
        .map(|entry| {
            json!({
                "from": entry.from_stage,
                "to": entry.to_stage,
                "date": entry.changed_at,
                "duration_days": entry
                    .duration_seconds
                    .map(|s| (s as f64 / 86_400.0 * 100.0).round() / 100.0),
                "duration_seconds": entry.duration_seconds,
                "changed_by": entry.changed_by,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "deal": {
            "id": deal.id,
            "deal_number": deal.deal_number,
            "title": deal.title,
            "status": deal.status,
            "pipeline_id": deal.pipeline_id,
            "owner_id": deal.owner_id,
            "amount_minor": deal.amount_minor,
            "currency": deal.currency,
            "stage_entered_at": deal.stage_entered_at,
        },
        "current_stage": {
            "id": stage.id,
            "name": stage.name,
            "days_in_stage_alert": stage.days_in_stage_alert,
            "threshold_days": stage
                .days_in_stage_alert
                .map_or(deal_stages::DEFAULT_STALE_DAYS, i64::from),
        },
        "days_in_stage": days,
        "is_stale": deal_stages::is_stale(&deal.status, &stage, days),
        "stage_history": entries,
    })))
}
