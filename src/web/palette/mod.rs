//! The command palette (`GET /palette?q=`, opened with Ctrl-K or "/") and the record
//! pickers of forms (`GET /pick/{company|contact|deal}?picker_q=`): HTML fragments of the
//! best visible matches by name, email, phone or domain.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::records::RecordKind;
use crate::domain::roles::Permission;
use crate::domain::search::{self, Hit};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::identity::Identity;
use crate::web::render::html_with_status;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/palette", web::get().to(palette))
        .route("/pick/{entity}", web::get().to(pick));
}

#[derive(Debug, Deserialize)]
struct Query {
    #[serde(default)]
    q: String,
    #[serde(default)]
    picker_q: String,
}

pub struct Group {
    pub label: &'static str,
    pub path: &'static str,
    pub hits: Vec<Hit>,
}

#[derive(Template)]
#[template(path = "palette/_results.html")]
struct Results {
    query: String,
    groups: Vec<Group>,
}

#[derive(Template)]
#[template(path = "palette/_pick.html")]
struct Picks {
    query: String,
    hits: Vec<Hit>,
}

fn label(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Company => "Companies",
        RecordKind::Contact => "Contacts",
        RecordKind::Deal => "Deals",
        RecordKind::Lead => "Leads",
    }
}

async fn palette(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let text: String = query.q.trim().chars().take(100).collect();
    let search_text = text.clone();
    let groups = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(search::palette(conn, &search_text, 5)?)
        })
        .await?;
    let groups = groups
        .into_iter()
        .map(|(kind, hits)| Group {
            label: label(kind),
            path: kind.path(),
            hits,
        })
        .collect();
    html_with_status(
        StatusCode::OK,
        &Results {
            query: text,
            groups,
        },
    )
}

async fn pick(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let kind = match path.as_str() {
        "company" => RecordKind::Company,
        "contact" => RecordKind::Contact,
        "deal" => RecordKind::Deal,
        _ => return Err(AppError::NotFound),
    };
    let text: String = query.picker_q.trim().chars().take(100).collect();
    let search_text = text.clone();
    let hits = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(search::find(conn, kind, &search_text, 8)?)
        })
        .await?;
    html_with_status(StatusCode::OK, &Picks { query: text, hits })
}
