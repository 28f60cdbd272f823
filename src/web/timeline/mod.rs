//! The unified timeline as a component: `GET /timeline?company_id=…` is a full page when
//! opened directly and the `<section id="timeline">` fragment for htmx, so record pages
//! embed it with a lazy slot. `GET /timeline/entries` is the list alone (its own refresh,
//! filters, and "Load more" with a cursor). Quick add posts to `/timeline/activities`.
//! The JSON API is in [`api`].

pub mod api;
pub mod params;
pub mod quick_add;
pub mod validate;
pub mod view;

use actix_web::http::header::HeaderValue;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;

use crate::domain::record_ref::{self, RecordRef};
use crate::domain::roles::Permission;
use crate::domain::timeline::{self, TimelinePage as EntriesPage};
use crate::domain::users;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::identity::Identity;
use crate::web::nav::Section;
use crate::web::render::{html, is_htmx};
use crate::web::tasks::form::Assignee;
use crate::web::when;

use params::TimelineParams;
use quick_add::QuickAddForms;
use view::{Person, QuickAdd, Subject, TimelineView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/timeline", web::get().to(timeline_page))
        .route("/timeline/entries", web::get().to(entries))
        .route("/timeline/activities", web::post().to(quick_add::submit))
        .configure(api::configure);
}

#[derive(Template)]
#[template(path = "timeline/page.html")]
pub struct TimelinePage {
    pub chrome: Chrome,
    pub view: TimelineView,
}

#[derive(Template)]
#[template(path = "timeline/_section.html")]
pub struct TimelineSection {
    pub view: TimelineView,
}

#[derive(Template)]
#[template(path = "timeline/_list.html")]
pub struct TimelineList {
    pub view: TimelineView,
}

/// "Load more": further days and the next button, swapped in place of the old button.
#[derive(Template)]
#[template(path = "timeline/_days.html")]
pub struct TimelineMore {
    pub view: TimelineView,
}

#[derive(Template)]
#[template(path = "timeline/_quick_add.html")]
pub struct QuickAddPanel {
    pub view: TimelineView,
}

/// Page sizes: the first page and each "Load more".
const PAGE_SIZE: i64 = 50;
/// A company's contacts offered in the quick-add pickers.
const CONTACT_CHOICES: i64 = 200;

async fn timeline_page(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let params = parse(&req, &identity)?;
    let view = load_view(&state, &identity, params, Show::Everything).await?;
    if is_htmx(&req) {
        return html(&TimelineSection { view });
    }
    let mut view = view;
    view.embedded = false;
    let page = Page::extract(&req).await?;
    let chrome = page.chrome(view.title(), Section::None);
    html(&TimelinePage { chrome, view })
}

async fn entries(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let params = parse(&req, &identity)?;
    let more = params.cursor.is_some();
    let view = load_view(&state, &identity, params, Show::List).await?;
    if more {
        html(&TimelineMore { view })
    } else {
        html(&TimelineList { view })
    }
}

fn parse(req: &HttpRequest, identity: &Identity) -> Result<TimelineParams, AppError> {
    let mut params = TimelineParams::parse(req.query_string(), identity.time_zone)
        .map_err(AppError::BadRequest)?;
    if params.limit == params::DEFAULT_LIMIT {
        params.limit = PAGE_SIZE;
    }
    Ok(params)
}

/// Which parts of the section a response shows, so each reads only what it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// The whole section: filters, quick add and the list.
    Everything,
    /// The list alone (refresh, filters, "Load more").
    List,
    /// Filters and quick add, without entries.
    Controls,
}

/// What the section shows, read in one transaction. Unknown or invisible subjects are a
/// 404, like opening the record itself.
pub async fn load_view(
    state: &AppState,
    identity: &Identity,
    params: TimelineParams,
    show: Show,
) -> Result<TimelineView, AppError> {
    let with_entries = show != Show::Controls;
    let with_controls = show != Show::List;
    let tenant_id = identity.tenant_id;
    let tz = identity.time_zone;
    let viewer = identity.user_id;
    let filter = params.filter.clone();
    let cursor = params.cursor;
    let limit = params.limit;
    let records = params.records();
    let (subjects, page, people, contacts) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let mut subjects = Vec::new();
            for record in records {
                let name = record.visible_name(conn)?.ok_or(AppError::NotFound)?;
                subjects.push(Subject { record, name });
            }
            let page = if with_entries {
                Some(timeline::page(conn, tenant_id, &filter, cursor, limit)?)
            } else {
                None
            };
            let people = if with_controls {
                users::list(conn)?
            } else {
                Vec::new()
            };
            let contacts = match filter.subjects.company_id {
                Some(company) if with_controls => {
                    record_ref::contacts_of_company(conn, company, CONTACT_CHOICES)?
                }
                _ => Vec::new(),
            };
            Ok((subjects, page, people, contacts))
        })
        .await?;
    let EntriesPage { entries, next } = page.unwrap_or(EntriesPage {
        entries: Vec::new(),
        next: None,
    });
    let now = Utc::now();
    let mut quick_add = QuickAdd {
        forms: QuickAddForms::fresh(viewer),
        ..QuickAdd::default()
    };
    quick_add.contacts = contacts;
    quick_add.assignees = people
        .iter()
        .filter(|person| person.active)
        .map(|person| Assignee {
            id: person.id,
            name: person.name.clone(),
        })
        .collect();
    quick_add.now_value = when::input_value(now, tz);
    Ok(TimelineView {
        subjects,
        groups: timeline::group_by_day(entries, tz, now),
        next_cursor: next.map(|cursor| cursor.encode()),
        authors: people
            .into_iter()
            .map(|person| Person {
                id: person.id.0,
                name: person.name,
            })
            .collect(),
        quick_add,
        csrf_token: identity.csrf_token().unwrap_or("").to_owned(),
        tz,
        embedded: true,
        params,
    })
}

/// Tells the page what changed (`HX-Trigger`), dispatched on `body` so listeners with
/// `from:body` hear it even when the element that asked has been swapped away.
pub fn triggers(response: &mut HttpResponse, events: &[&str]) {
    let mut map = serde_json::Map::new();
    for event in events {
        map.insert((*event).to_owned(), serde_json::json!({ "target": "body" }));
    }
    if let Ok(value) = HeaderValue::from_str(&serde_json::Value::Object(map).to_string()) {
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("hx-trigger"),
            value,
        );
    }
}

/// The record pages this module links to (other areas serve them).
pub fn record_path(kind: &str, id: &i64) -> String {
    RecordRef::from_kind(kind, *id)
        .map(|record| record.path())
        .unwrap_or_default()
}

/// A toast confirming a change, with an Undo button when it can be undone ("Note
/// deleted. Undo"). Buttons that cause one target `#toasts` with `beforeend`.
#[derive(Template)]
#[template(path = "timeline/_undo_toast.html")]
pub struct UndoToast {
    pub message: String,
    pub undo_url: Option<String>,
    pub csrf_token: String,
}

impl UndoToast {
    /// The toast for htmx (telling the page what changed), else a redirect to `fallback`
    /// with the message as a flash.
    pub fn respond(
        &self,
        req: &HttpRequest,
        fallback: &str,
        events: &[&str],
    ) -> Result<HttpResponse, AppError> {
        if !is_htmx(req) {
            return Ok(crate::web::flash::redirect(
                req,
                fallback,
                crate::web::flash::Flash::success(self.message.clone()),
            ));
        }
        let mut response = html(self)?;
        triggers(&mut response, events);
        Ok(response)
    }
}
