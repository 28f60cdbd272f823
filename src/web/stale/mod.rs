//! Stale deals: the full page `GET /deals/stale` (filters: pipeline, owner incl. `me`,
//! team; keyset pages), its row quick actions (see [`actions`]), the home dashboard's
//! widget, and the JSON API (see [`api`]).

mod actions;
pub mod api;
mod view;

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{pipelines, teams, users};
use crate::domain::counts::CappedCount;
use crate::domain::ids::{PipelineId, TeamId, UserId};
use crate::domain::roles::Permission;
use crate::domain::stale_deals::{self, StaleCursor, StaleFilter};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::form_data::FormData;
use crate::web::identity::Identity;
use crate::web::nav::Section;
use crate::web::render::html;

pub use view::{RowView, StaleWidget, load_stage_options};

/// Rows per page of the full list.
const PAGE_SIZE: i64 = 50;
/// Rows in the dashboard widget.
pub const WIDGET_SIZE: i64 = 5;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/deals/stale", web::get().to(page))
        .configure(actions::configure)
        .configure(api::configure);
}

/// The filters as typed, and the filter they make.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub pipeline: String,
    pub owners: Vec<String>,
    pub team: String,
}

impl Filters {
    pub fn parse(query: &FormData) -> Filters {
        Filters {
            pipeline: query.text("pipeline"),
            owners: query
                .all("owner")
                .into_iter()
                .filter(|v| !v.trim().is_empty())
                .collect(),
            team: query.text("team"),
        }
    }

    /// The query string of these filters (for "next page" links).
    pub fn query_string(&self) -> String {
        let mut parts = Vec::new();
        if !self.pipeline.is_empty() {
            parts.push(format!("pipeline={}", urlencoding(&self.pipeline)));
        }
        for owner in &self.owners {
            parts.push(format!("owner={}", urlencoding(owner)));
        }
        if !self.team.is_empty() {
            parts.push(format!("team={}", urlencoding(&self.team)));
        }
        parts.join("&")
    }

    pub fn has_owner(&self, value: &str) -> bool {
        self.owners.iter().any(|owner| owner == value)
    }

    /// Resolves `me`, user ids and the team's members into the domain filter. Values
    /// that are not ids answer 400.
    pub fn resolve(&self, conn: &mut PgConnection, me: UserId) -> Result<StaleFilter, AppError> {
        let bad = |what: &str| AppError::BadRequest(format!("{what} must be an id."));
        let pipeline = match self.pipeline.trim() {
            "" => None,
            text => Some(PipelineId(text.parse().map_err(|_| bad("pipeline"))?)),
        };
        let mut owners: Option<Vec<UserId>> = None;
        if !self.owners.is_empty() {
            let mut ids = Vec::new();
            for owner in &self.owners {
                ids.push(match owner.trim() {
                    "me" => me,
                    text => UserId(text.parse().map_err(|_| bad("owner"))?),
                });
            }
            owners = Some(ids);
        }
        if let Some(team) = Some(self.team.trim()).filter(|t| !t.is_empty()) {
            let team = TeamId(team.parse().map_err(|_| bad("team"))?);
            let members: Vec<UserId> = users::table
                .filter(users::team_id.eq(team))
                .select(users::id)
                .load(conn)?;
            owners = Some(match owners {
                Some(ids) => ids.into_iter().filter(|id| members.contains(id)).collect(),
                None => members,
            });
        }
        Ok(StaleFilter { pipeline, owners })
    }
}

fn urlencoding(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// (id, name) choices for the filter form.
pub struct Choices {
    pub pipelines: Vec<(i64, String)>,
    pub owners: Vec<(i64, String)>,
    pub teams: Vec<(i64, String)>,
}

fn choices(conn: &mut PgConnection) -> QueryResult<Choices> {
    Ok(Choices {
        pipelines: pipelines::table
            .filter(pipelines::archived_at.is_null())
            .order((pipelines::position, pipelines::id))
            .select((pipelines::id, pipelines::name))
            .load(conn)?,
        owners: users::table
            .filter(users::active.eq(true))
            .order((users::name, users::id))
            .select((users::id, users::name))
            .load(conn)?,
        teams: teams::table
            .filter(teams::deleted_at.is_null())
            .order((teams::name, teams::id))
            .select((teams::id, teams::name))
            .load(conn)?,
    })
}

#[derive(Template)]
#[template(path = "stale/page.html")]
struct StalePage {
    chrome: Chrome,
    filters: Filters,
    choices: Choices,
    rows: Vec<RowView>,
    next: Option<String>,
    first_page: String,
}

async fn page(
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let identity = page.identity.clone();
    identity.require(Permission::RecordsRead)?;
    let query = FormData::new(query.into_inner());
    let filters = Filters::parse(&query);
    let cursor = match query.optional("cursor") {
        Some(text) if !text.is_empty() => Some(
            StaleCursor::parse(&text)
                .ok_or_else(|| AppError::BadRequest("cursor is not valid.".to_owned()))?,
        ),
        _ => None,
    };
    let now = Utc::now();
    let (rows, next, choices) = load(&state, &identity, filters.clone(), cursor, now).await?;
    let filter_query = filters.query_string();
    let next = next.map(|cursor| {
        let sep = if filter_query.is_empty() { "" } else { "&" };
        format!("/deals/stale?{filter_query}{sep}cursor={}", cursor.encode())
    });
    html(&StalePage {
        chrome: page.chrome("Stale deals", Section::Deals),
        filters,
        choices,
        rows,
        next,
        first_page: format!("/deals/stale?{filter_query}"),
    })
}

async fn load(
    state: &AppState,
    identity: &Identity,
    filters: Filters,
    cursor: Option<StaleCursor>,
    now: DateTime<Utc>,
) -> Result<(Vec<RowView>, Option<StaleCursor>, Choices), AppError> {
    let me = identity.user_id;
    let csrf = identity.csrf_token().unwrap_or_default().to_owned();
    let can_write = identity.can(Permission::RecordsWrite);
    state
        .db
        .tenant(&identity.scope(), move |conn| {
            let filter = filters.resolve(conn, me)?;
            let found = stale_deals::page(conn, &filter, now, cursor, PAGE_SIZE)?;
            let stages = load_stage_options(conn)?;
            let rows = found
                .rows
                .into_iter()
                .map(|row| RowView::new(row, now, &stages, csrf.clone(), can_write))
                .collect();
            Ok((rows, found.next, choices(conn)?))
        })
        .await
}

/// The widget for the home dashboard, in the caller's transaction.
pub fn widget(
    conn: &mut PgConnection,
    owners: Option<Vec<UserId>>,
    total: CappedCount,
    see_all: String,
    now: DateTime<Utc>,
) -> QueryResult<StaleWidget> {
    let filter = StaleFilter {
        pipeline: None,
        owners,
    };
    let found = stale_deals::page(conn, &filter, now, None, WIDGET_SIZE)?;
    Ok(StaleWidget {
        rows: found
            .rows
            .iter()
            .map(|row| view::WidgetRow::new(row, now))
            .collect(),
        total,
        see_all,
    })
}
