//! The relationship graph in the browser: the company and deal relationship views
//! (server-rendered SVG, with the deal's power map) and the deal contacts component
//! (`GET /deals/{id}/contacts`: add, change role, remove, with htmx) that the deal page
//! embeds.

pub mod svg;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::companies;
use crate::domain::deal_contacts::{self, DealContact, Link, ROLES};
use crate::domain::deals::{self, Deal};
use crate::domain::ids::{CompanyId, ContactId, DealId};
use crate::domain::relationships::{self, Flag};
use crate::domain::roles::Permission;
use crate::domain::{contacts, pipelines};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::form_data::FormData;
use crate::web::identity::Identity;
use crate::web::nav::Section;
use crate::web::render::{html, html_with_status, is_htmx};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/companies/{id}/relationships", web::get().to(company_view))
        .route("/deals/{id}/relationships", web::get().to(deal_view))
        .route(
            "/deals/{id}/contacts",
            web::get().to(deal_contacts_component),
        )
        .route("/deals/{id}/contacts", web::post().to(add_contact))
        .route(
            "/deals/{id}/contacts/{contact_id}/remove",
            web::post().to(remove_contact),
        );
}

#[derive(Template)]
#[template(path = "graph/company.html")]
struct CompanyView {
    chrome: Chrome,
    company_id: i64,
    company_name: String,
    svg: svg::Svg,
    empty: bool,
}

async fn company_view(
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::RecordsRead)?;
    let id = path.into_inner();
    let graph = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            let company = companies::find(conn, CompanyId(id))?.ok_or(AppError::NotFound)?;
            Ok(relationships::company_graph(conn, id, company.name)?)
        })
        .await?;
    html(&CompanyView {
        chrome: page.chrome(
            format!("{} · relationships", graph.company_name),
            Section::Companies,
        ),
        company_id: id,
        empty: graph.contacts.is_empty() && graph.deals.is_empty(),
        svg: svg::company(&graph),
        company_name: graph.company_name,
    })
}

#[derive(Template)]
#[template(path = "graph/deal.html")]
struct DealView {
    chrome: Chrome,
    deal: Deal,
    company_name: Option<String>,
    svg: svg::Svg,
    flags: Vec<Flag>,
}

/// A deal's summary line: stage, amount, status.
fn deal_sub(conn: &mut diesel::PgConnection, deal: &Deal) -> diesel::QueryResult<String> {
    let stage = pipelines::stages(conn, deal.pipeline_id)?
        .into_iter()
        .find(|s| s.id == deal.stage_id)
        .map(|s| s.name)
        .unwrap_or_default();
    Ok(format!(
        "{stage} · {} · {}",
        crate::web::fmt::money(deal.amount_minor, &deal.currency),
        deal.status
    ))
}

async fn deal_view(
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::RecordsRead)?;
    let id = path.into_inner();
    let (deal, company, people, flags, sub) = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            let deal = deals::find(conn, DealId(id))?.ok_or(AppError::NotFound)?;
            let company = match deal.company_id {
                Some(company) => companies::find(conn, company)?.map(|c| (c.id.0, c.name)),
                None => None,
            };
            let (people, flags) = relationships::deal_people(conn, id)?;
            let sub = deal_sub(conn, &deal)?;
            Ok((deal, company, people, flags, sub))
        })
        .await?;
    let svg = svg::deal(id, &deal.title, &sub, company.clone(), &people);
    html(&DealView {
        chrome: page.chrome(
            format!("{} · relationships", deal.title),
            Section::Companies,
        ),
        company_name: company.map(|(_, name)| name),
        deal,
        svg,
        flags,
    })
}

/// The people on a deal, with their roles (the component).
#[derive(Template)]
#[template(path = "graph/_deal_contacts.html")]
pub struct DealContacts {
    pub deal_id: i64,
    pub contacts: Vec<DealContact>,
    pub flags: Vec<Flag>,
    pub roles: &'static [(&'static str, &'static str)],
    pub can_write: bool,
    pub error: Option<String>,
}

impl askama::filters::HtmlSafe for DealContacts {}

#[derive(Template)]
#[template(path = "graph/deal_contacts_page.html")]
struct DealContactsPage {
    chrome: Chrome,
    title: String,
    component: DealContacts,
}

async fn load_component(
    state: &AppState,
    identity: &Identity,
    deal_id: i64,
    error: Option<String>,
) -> Result<(String, DealContacts), AppError> {
    let (title, contacts, flags) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let deal = deals::find(conn, DealId(deal_id))?.ok_or(AppError::NotFound)?;
            let (contacts, flags) = relationships::deal_people(conn, deal_id)?;
            Ok((deal.title, contacts, flags))
        })
        .await?;
    Ok((
        title,
        DealContacts {
            deal_id,
            contacts,
            flags,
            roles: ROLES,
            can_write: identity.can(Permission::RecordsWrite),
            error,
        },
    ))
}

async fn deal_contacts_component(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::RecordsRead)?;
    let (title, component) =
        load_component(&state, &page.identity, path.into_inner(), None).await?;
    if is_htmx(&req) {
        return html(&component);
    }
    html(&DealContactsPage {
        chrome: page.chrome(format!("Contacts on {title}"), Section::Companies),
        title,
        component,
    })
}

/// Reads a role choice from a form; Err is the message for the person.
pub fn link_from(deal_id: i64, contact_id: i64, form: &FormData) -> Result<Link, String> {
    let role = form.text("role");
    if !deal_contacts::valid_role(&role) {
        return Err(
            "Choose a role: decision maker, influencer, champion, gatekeeper or user.".to_owned(),
        );
    }
    let influence_level = match form.optional("influence_level") {
        None => None,
        Some(text) => match text.parse::<i16>() {
            Ok(level) if (1..=5).contains(&level) => Some(level),
            _ => return Err("Influence is from 1 (low) to 5 (high).".to_owned()),
        },
    };
    Ok(Link {
        deal_id,
        contact_id,
        is_champion: form.checked("is_champion") || role == "champion",
        role,
        influence_level,
    })
}

/// Adds or updates a contact on a deal; Err(message) when the person must fix something.
pub fn save_link(
    conn: &mut diesel::PgConnection,
    identity: &Identity,
    link: &Link,
) -> Result<Result<bool, String>, AppError> {
    deals::find(conn, DealId(link.deal_id))?.ok_or(AppError::NotFound)?;
    if contacts::find(conn, ContactId(link.contact_id))?.is_none() {
        return Ok(Err("That contact no longer exists.".to_owned()));
    }
    Ok(Ok(deal_contacts::upsert(
        conn,
        identity.tenant_id,
        Some(identity.user_id),
        link,
    )?))
}

async fn add_contact(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let deal_id = path.into_inner();
    let form = FormData::new(form.into_inner());
    let error = match form.text("contact_id").parse::<i64>() {
        Err(_) => Some("Choose a contact to add.".to_owned()),
        Ok(contact_id) => match link_from(deal_id, contact_id, &form) {
            Err(message) => Some(message),
            Ok(link) => {
                let who = identity.clone();
                state
                    .db
                    .tenant(&identity.scope(), move |conn| save_link(conn, &who, &link))
                    .await?
                    .err()
            }
        },
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (_, component) = load_component(&state, &identity, deal_id, error).await?;
    html_with_status(status, &component)
}

async fn remove_contact(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let (deal_id, contact_id) = path.into_inner();
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    state
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
    let (_, component) = load_component(&state, &identity, deal_id, None).await?;
    html(&component)
}
