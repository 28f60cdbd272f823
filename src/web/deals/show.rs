//! `GET /deals/{id}`: the deal page. Header (number, amount, total, weighted value, status,
//! stage with days in stage and a stale badge), inline editable fields, the stage menu
//! (move, close won / lost with reasons, reopen, move to another pipeline), stage history
//! with durations, contacts and roles, line items, team, and lazy slots for notes, tasks
//! and the timeline.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;

use super::Deals;
use super::items::{ItemsSection, TeamSection, load_items, load_team};
use super::stage::{StageMenu, load_menu};
use crate::domain::attachments;
use crate::domain::custom_fields;
use crate::domain::deal_edit;
use crate::domain::deal_list::{status_tone, weighted};
use crate::domain::deal_stages::{self, HistoryEntry};
use crate::domain::deals::Deal;
use crate::domain::ids::{DealId, StageId};
use crate::domain::pipelines::Stage;
use crate::domain::records::RecordKind;
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::attachments::Section as Attachments;
use crate::web::chrome::{Chrome, Page};
use crate::web::nav::Section;
use crate::web::records::fields::{self, FieldView};
use crate::web::records::{RecordType, form_views, lookups};
use crate::web::render::html;
use crate::web::tags::RecordTags;

#[derive(Template)]
#[template(path = "deals/show.html")]
struct DealPage {
    chrome: Chrome,
    deal: Deal,
    stage: Stage,
    pipeline_name: String,
    company_name: Option<String>,
    contact_name: Option<String>,
    owner_name: Option<String>,
    days_in_stage: i64,
    stale: bool,
    groups: Vec<(String, Vec<FieldView>)>,
    history: Vec<HistoryEntry>,
    menu: StageMenu,
    items: ItemsSection,
    team: TeamSection,
    tags: RecordTags,
    attachments: Attachments,
    can_write: bool,
    can_delete: bool,
    base: String,
}

impl DealPage {
    fn money(&self, minor: impl std::borrow::Borrow<i64>) -> String {
        crate::web::fmt::money(*minor.borrow(), &self.deal.currency)
    }

    fn total(&self) -> i64 {
        self.deal.total_minor.unwrap_or(self.deal.amount_minor)
    }

    fn weighted(&self) -> i64 {
        weighted(self.deal.amount_minor, self.deal.probability)
    }

    fn status_tone(&self) -> &'static str {
        status_tone(&self.deal.status)
    }

    fn status_label(&self) -> String {
        crate::domain::company_list::label_of(crate::domain::deal_list::STATUSES, &self.deal.status)
    }
}

fn name_of(conn: &mut diesel::PgConnection, deal: &Deal) -> Result<Vec<Option<String>>, AppError> {
    use crate::db::schema::{companies, contacts, pipelines, users};
    use diesel::prelude::*;
    let company = match deal.company_id {
        Some(id) => companies::table
            .find(id)
            .filter(companies::deleted_at.is_null())
            .select(companies::name)
            .first::<String>(conn)
            .optional()?,
        None => None,
    };
    let contact = match deal.primary_contact_id {
        Some(id) => contacts::table
            .find(id)
            .filter(contacts::deleted_at.is_null())
            .select((contacts::first_name, contacts::last_name))
            .first::<(String, String)>(conn)
            .optional()?
            .map(|(first, last)| format!("{first} {last}").trim().to_owned()),
        None => None,
    };
    let owner = match deal.owner_id {
        Some(id) => users::table
            .find(id)
            .select(users::name)
            .first::<String>(conn)
            .optional()?,
        None => None,
    };
    let pipeline = pipelines::table
        .find(deal.pipeline_id)
        .select(pipelines::name)
        .first::<String>(conn)
        .optional()?;
    Ok(vec![company, contact, owner, pipeline])
}

pub async fn show(
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let identity = &page.identity;
    identity.require(Permission::RecordsRead)?;
    let id = path.into_inner();
    let can_write = identity.can(Permission::RecordsWrite);
    let can_delete = identity.can(Permission::RecordsDelete);
    let csrf = identity.csrf_token().unwrap_or_default().to_owned();
    let max_mb = state.settings.attachment_max_mb;
    let chrome = page.chrome("", Section::Deals);
    let mut view = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let deal = deal_edit::find_any(conn, DealId(id))?.ok_or(AppError::NotFound)?;
            let live = deal.deleted_at.is_none();
            let writable = can_write && live;
            let stage = stage_of(conn, deal.stage_id)?;
            let custom = custom_fields::list(conn, "deal", false)?;
            let mut values = Deals::values(&deal);
            fields::custom_values(&custom, &deal.custom_fields, &mut values);
            let lookups = lookups(conn, &values)?;
            let groups = form_views::<Deals>(&values, &custom, &Default::default(), &lookups);
            let mut names = name_of(conn, &deal)?.into_iter();
            let (company_name, contact_name, owner_name, pipeline_name) = (
                names.next().flatten(),
                names.next().flatten(),
                names.next().flatten(),
                names.next().flatten(),
            );
            let days_in_stage = deal_stages::days_in_stage(deal.stage_entered_at, Utc::now());
            Ok(DealPage {
                chrome,
                stale: deal_stages::is_stale(&deal.status, &stage, days_in_stage),
                days_in_stage,
                pipeline_name: pipeline_name.unwrap_or_default(),
                company_name,
                contact_name,
                owner_name,
                groups,
                history: deal_stages::history(conn, deal.id)?,
                menu: load_menu(conn, &deal, csrf.clone(), writable)?,
                items: load_items(conn, &deal, writable, csrf.clone())?,
                team: load_team(conn, deal.id, writable, csrf.clone())?,
                tags: RecordTags::load(conn, RecordKind::Deal, id, writable)?,
                attachments: Attachments {
                    entity: "deal".to_owned(),
                    record_id: id,
                    items: attachments::list_for(conn, "deal", id)?,
                    can_write: writable,
                    can_delete,
                    max_mb,
                    error: None,
                    csrf_token: csrf,
                },
                can_write: writable,
                can_delete,
                base: format!("/deals/{id}"),
                stage,
                deal,
            })
        })
        .await?;
    view.chrome.title = view.deal.title.clone();
    html(&view)
}

/// The deal's stage (archived or not: a deal may sit in a stage archived since).
fn stage_of(conn: &mut diesel::PgConnection, id: StageId) -> diesel::QueryResult<Stage> {
    use crate::db::schema::pipeline_stages;
    use diesel::prelude::*;
    pipeline_stages::table
        .find(id)
        .select(Stage::as_select())
        .first(conn)
}
