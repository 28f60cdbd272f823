//! JSON API for the relationship graph (session + CSRF, or a Bearer token):
//! `GET /api/contacts/{id}/relationships`, `GET /api/companies/{id}/relationships`,
//! `GET /api/deals/{id}/contacts`, `POST /api/deals/{id}/contacts` (contact_id, role,
//! influence_level, is_champion), `DELETE /api/deals/{id}/contacts/{contact_id}`.
//! Anything not visible to the caller answers 404, exactly like a record that does not exist.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::domain::deal_contacts::{self, Link};
use crate::domain::ids::{CompanyId, ContactId, DealId};
use crate::domain::related::{self, Link as RecordLink, RelatedDeal};
use crate::domain::roles::Permission;
use crate::domain::{companies, contacts, deals};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::graph::save_link;
use crate::web::identity::Identity;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/contacts/{id}/relationships",
        web::get().to(contact_relationships),
    )
    .route(
        "/api/companies/{id}/relationships",
        web::get().to(company_relationships),
    )
    .route(
        "/api/deals/{id}/contacts",
        web::get().to(deal_contacts_list),
    )
    .route("/api/deals/{id}/contacts", web::post().to(add_deal_contact))
    .route(
        "/api/deals/{id}/contacts/{contact_id}",
        web::delete().to(remove_deal_contact),
    );
}

const COUNT_CAP: i64 = 10_000;

fn deal_json(deal: &RelatedDeal) -> serde_json::Value {
    json!({
        "id": deal.id,
        "deal_number": deal.deal_number,
        "title": deal.title,
        "stage": deal.stage_name,
        "status": deal.status,
        "amount_minor": deal.amount_minor,
        "currency": deal.currency,
        "expected_close_date": deal.expected_close_date,
        "role": deal.role,
        "influence_level": deal.influence_level,
        "is_champion": deal.is_champion,
        "is_primary_contact": deal.is_primary,
    })
}

fn count_json(count: crate::domain::counts::CappedCount) -> serde_json::Value {
    match count {
        crate::domain::counts::CappedCount::Exact(n) => json!(n),
        crate::domain::counts::CappedCount::AtLeast(n) => json!(format!("{n}+")),
    }
}

async fn contact_relationships(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let id = path.into_inner();
    let body = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let contact = contacts::find(conn, ContactId(id))?.ok_or(AppError::NotFound)?;
            let company = match contact.company_id {
                Some(company) => companies::find(conn, company)?,
                None => None,
            };
            let deals = related::contact_deals(conn, id, 200)?;
            Ok(json!({
                "contact": contact,
                "relationships": {
                    "company": company.map(|c| json!({ "id": c.id, "name": c.name, "domain": c.domain })),
                    "deals": deals.iter().map(deal_json).collect::<Vec<_>>(),
                    "activities_count": count_json(related::activity_count(conn, RecordLink::Contact, id, COUNT_CAP)?),
                    "tasks_pending": count_json(related::open_task_count(conn, RecordLink::Contact, id, COUNT_CAP)?),
                }
            }))
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

async fn company_relationships(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let id = path.into_inner();
    let body = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let company = companies::find(conn, CompanyId(id))?.ok_or(AppError::NotFound)?;
            let people = related::company_contacts(conn, id, 200)?;
            let deals = related::company_deals(conn, id, 200)?;
            let mut deal_values = Vec::new();
            for deal in &deals {
                let contacts = deal_contacts::list(conn, deal.id)?;
                let mut value = deal_json(deal);
                value["contacts"] = json!(contacts
                    .iter()
                    .map(|c| json!({ "contact_id": c.contact_id, "name": c.name(), "role": c.role, "is_primary": c.is_primary }))
                    .collect::<Vec<_>>());
                deal_values.push(value);
            }
            Ok(json!({
                "company": company,
                "relationships": {
                    "company": { "id": company.id, "name": company.name },
                    "contacts": people.iter().map(|p| json!({ "id": p.id, "name": p.name(), "title": p.title, "email": p.email })).collect::<Vec<_>>(),
                    "deals": deal_values,
                    "activities_count": count_json(related::activity_count(conn, RecordLink::Company, id, COUNT_CAP)?),
                    "tasks_pending": count_json(related::open_task_count(conn, RecordLink::Company, id, COUNT_CAP)?),
                }
            }))
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

async fn deal_contacts_list(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let id = path.into_inner();
    let body = state
        .db
        .tenant(&identity.scope(), move |conn| {
            deals::find(conn, DealId(id))?.ok_or(AppError::NotFound)?;
            let contacts = deal_contacts::list(conn, id)?;
            Ok(json!({
                "deal_id": id,
                "contacts": contacts.iter().map(|c| json!({
                    "contact_id": c.contact_id,
                    "name": c.name(),
                    "email": c.email,
                    "title": c.title,
                    "company_id": c.company_id,
                    "role": c.role,
                    "influence_level": c.influence_level,
                    "is_champion": c.is_champion,
                    "is_primary": c.is_primary,
                })).collect::<Vec<_>>(),
            }))
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Debug, Deserialize)]
struct NewDealContact {
    contact_id: i64,
    role: String,
    influence_level: Option<i16>,
    #[serde(default)]
    is_champion: bool,
}

fn unprocessable(message: &str) -> HttpResponse {
    HttpResponse::UnprocessableEntity().json(json!({
        "error": { "status": 422, "title": "Invalid", "message": message }
    }))
}

async fn add_deal_contact(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Json<NewDealContact>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let deal_id = path.into_inner();
    let body = body.into_inner();
    if !deal_contacts::valid_role(&body.role) {
        return Ok(unprocessable(
            "role must be one of decision_maker, influencer, champion, gatekeeper, user",
        ));
    }
    if body
        .influence_level
        .is_some_and(|level| !(1..=5).contains(&level))
    {
        return Ok(unprocessable("influence_level must be from 1 to 5"));
    }
    let link = Link {
        deal_id,
        contact_id: body.contact_id,
        is_champion: body.is_champion || body.role == "champion",
        role: body.role,
        influence_level: body.influence_level,
    };
    let who = identity.clone();
    let saved_link = link.clone();
    let outcome = state
        .db
        .tenant(&identity.scope(), move |conn| {
            save_link(conn, &who, &saved_link)
        })
        .await?;
    match outcome {
        // An invisible contact is as good as a missing one.
        Err(_) => Err(AppError::NotFound),
        Ok(added) => {
            let body = json!({
                "deal_id": link.deal_id,
                "contact_id": link.contact_id,
                "role": link.role,
                "influence_level": link.influence_level,
                "is_champion": link.is_champion,
            });
            Ok(if added {
                HttpResponse::Created().json(body)
            } else {
                HttpResponse::Ok().json(body)
            })
        }
    }
}

async fn remove_deal_contact(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let (deal_id, contact_id) = path.into_inner();
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let removed = state
        .db
        .tenant(&identity.scope(), move |conn| {
            deals::find(conn, DealId(deal_id))?.ok_or(AppError::NotFound)?;
            Ok(deal_contacts::remove(
                conn,
                tenant,
                Some(actor),
                deal_id,
                contact_id,
            )?)
        })
        .await?;
    if removed {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AppError::NotFound)
    }
}
