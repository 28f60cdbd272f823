//! "From HubSpot, last synced 5 minutes ago" for a CRM record that came from a sync:
//! `GET /sync/provenance?entity=contact&id=…` answers a small HTML fragment (empty when the
//! record was not synced) that record pages include, and
//! `GET /api/sync/provenance?entity=…&id=…` the same as JSON. Anyone who can see the record
//! may ask; a record they cannot see is 404.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use crate::domain::ids::{CompanyId, ContactId, DealId};
use crate::domain::roles::Permission;
use crate::domain::{companies, contacts, deals};
use crate::error::AppError;
use crate::sync::crm::links::{self, Provenance};
use crate::sync::registry;
use crate::web::AppState;
use crate::web::identity::Identity;
use crate::web::render::html;

#[derive(Debug, Deserialize)]
pub struct ProvenanceQuery {
    entity: String,
    id: i64,
}

#[derive(Template)]
#[template(path = "sync/_provenance.html")]
struct Fragment {
    provenance: Option<Provenance>,
    source_name: String,
    tz: chrono_tz::Tz,
}

async fn lookup(
    identity: &Identity,
    state: &AppState,
    query: &ProvenanceQuery,
) -> Result<Option<Provenance>, AppError> {
    identity.require(Permission::RecordsRead)?;
    let entity = match query.entity.as_str() {
        "contact" | "company" | "deal" => query.entity.clone(),
        other => {
            return Err(AppError::bad_request(format!(
                "Unknown entity `{other}`: use contact, company or deal."
            )));
        }
    };
    let id = query.id;
    state
        .db
        .tenant(&identity.scope(), move |conn| {
            let visible = match entity.as_str() {
                "contact" => contacts::find(conn, ContactId(id))?.is_some(),
                "company" => companies::find(conn, CompanyId(id))?.is_some(),
                _ => deals::find(conn, DealId(id))?.is_some(),
            };
            if !visible {
                return Err(AppError::NotFound);
            }
            Ok(links::provenance(conn, &entity, id)?)
        })
        .await
}

fn source_name(source: &str) -> String {
    registry::get(source).map_or_else(|| source.to_owned(), |c| c.info().name.to_owned())
}

pub async fn fragment(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<ProvenanceQuery>,
) -> Result<HttpResponse, AppError> {
    let provenance = lookup(&identity, &state, &query).await?;
    html(&Fragment {
        source_name: provenance
            .as_ref()
            .map(|p| source_name(&p.source))
            .unwrap_or_default(),
        provenance,
        tz: identity.time_zone,
    })
}

pub async fn json(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<ProvenanceQuery>,
) -> Result<HttpResponse, AppError> {
    let provenance = lookup(&identity, &state, &query).await?;
    Ok(HttpResponse::Ok().json(match provenance {
        None => json!({ "synced": false }),
        Some(p) => json!({
            "synced": true,
            "source": p.source,
            "source_name": source_name(&p.source),
            "model": p.model,
            "source_id": p.source_id,
            "synced_at": p.synced_at,
        }),
    }))
}
