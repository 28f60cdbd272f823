//! The JSON API under `/api/`: session cookie (with CSRF on unsafe methods) or
//! `Authorization: Bearer <token>`. Records that are not visible answer 404.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::domain::ids::{CompanyId, ContactId, DealId, LeadId};
use crate::domain::{companies, contacts, deals, leads};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::identity::Identity;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/me", web::get().to(me))
        .route("/api/companies/{id}", web::get().to(company))
        .route("/api/contacts/{id}", web::get().to(contact))
        .route("/api/leads/{id}", web::get().to(lead))
        .route("/api/deals/{id}", web::get().to(deal));
}

async fn me(identity: Identity) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "user": {
            "id": identity.user_id,
            "name": identity.name,
            "email": identity.email,
            "role": identity.role,
            "time_zone": identity.time_zone.name(),
        },
        "tenant": { "id": identity.tenant_id, "name": identity.tenant_name, "slug": identity.tenant_slug },
    }))
}

async fn company(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = CompanyId(path.into_inner());
    let found = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(companies::find(conn, id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(found.ok_or(AppError::NotFound)?))
}

async fn contact(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = ContactId(path.into_inner());
    let found = state
        .db
        .tenant(&identity.scope(), move |conn| Ok(contacts::find(conn, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(found.ok_or(AppError::NotFound)?))
}

async fn lead(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = LeadId(path.into_inner());
    let found = state
        .db
        .tenant(&identity.scope(), move |conn| Ok(leads::find(conn, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(found.ok_or(AppError::NotFound)?))
}

async fn deal(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = DealId(path.into_inner());
    let found = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let Some(deal) = deals::find(conn, id)? else {
                return Ok(None);
            };
            // The deal's columns plus what the deal page shows beside them.
            let mut json = serde_json::to_value(&deal).map_err(|e| AppError::Internal(e.into()))?;
            let items = crate::domain::deal_items::line_items(conn, id)?;
            let team = crate::domain::deal_items::team(conn, id)?;
            json["weighted_minor"] =
                crate::domain::deal_list::weighted(deal.amount_minor, deal.probability).into();
            json["line_items"] = items
                .iter()
                .map(|i| {
                    serde_json::json!({
                        "id": i.id,
                        "product": i.product,
                        "quantity": i.quantity,
                        "unit_price_minor": i.unit_price_minor,
                        "total_minor": i.total(),
                    })
                })
                .collect();
            json["team_members"] = team
                .iter()
                .map(|m| serde_json::json!({ "user_id": m.user_id, "name": m.name }))
                .collect();
            Ok(Some(json))
        })
        .await?;
    Ok(HttpResponse::Ok().json(found.ok_or(AppError::NotFound)?))
}
