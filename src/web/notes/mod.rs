//! Notes on records, as a component: `GET /notes?company_id=…` (add `pinned=1` for the
//! pinned-only section) is a full page when opened directly and the section fragment for
//! htmx. Add, edit, pin and delete (soft, with undo) work in place; every change tells the
//! page (`notes-changed`, `timeline-changed`) so other sections refresh.

mod actions;
pub mod form;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use chrono_tz::Tz;
use serde::Deserialize;

use crate::domain::notes::{self, Note, NoteView};
use crate::domain::record_ref::RecordRef;
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::flash::{self, Flash};
use crate::web::forms::FieldErrors;
use crate::web::identity::Identity;
use crate::web::nav::Section;
use crate::web::render::{html, html_with_status, is_htmx};
use crate::web::timeline::triggers;

use form::NoteForm;

/// The most notes a section shows.
const SECTION_LIMIT: i64 = 100;
pub(crate) const CHANGED: &[&str] = &["notes-changed", "timeline-changed"];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/notes", web::get().to(section))
        .route("/notes", web::post().to(create))
        .configure(actions::configure);
}

/// A note as a list shows it, with whether the viewer may change it.
pub struct NoteItem {
    pub note: Note,
    pub author_name: Option<String>,
    pub can_edit: bool,
}

pub struct NotesView {
    pub record: RecordRef,
    pub record_name: String,
    pub pinned_only: bool,
    pub items: Vec<NoteItem>,
    pub form: NoteForm,
    pub errors: FieldErrors,
    pub tz: Tz,
    pub csrf_token: String,
}

impl NotesView {
    pub fn section_id(&self) -> &'static str {
        if self.pinned_only {
            "notes-pinned"
        } else {
            "notes"
        }
    }

    /// The section's own URL, which it reloads from when notes change.
    pub fn self_url(&self) -> String {
        if self.pinned_only {
            format!("/notes?{}&pinned=1", self.record.query())
        } else {
            format!("/notes?{}", self.record.query())
        }
    }
}

#[derive(Template)]
#[template(path = "notes/page.html")]
struct NotesPage {
    chrome: Chrome,
    view: NotesView,
}

#[derive(Template)]
#[template(path = "notes/_section.html")]
struct NotesSection {
    view: NotesView,
}

#[derive(Template)]
#[template(path = "notes/_form.html")]
struct NoteCreateForm {
    view: NotesView,
}

#[derive(Debug, Default, Deserialize)]
pub struct RecordQuery {
    pub company_id: Option<String>,
    pub contact_id: Option<String>,
    pub deal_id: Option<String>,
    pub lead_id: Option<String>,
    pub pinned: Option<String>,
}

impl RecordQuery {
    /// Exactly one record.
    pub fn record(&self) -> Result<RecordRef, AppError> {
        let given: Vec<RecordRef> = [
            ("company", &self.company_id),
            ("contact", &self.contact_id),
            ("deal", &self.deal_id),
            ("lead", &self.lead_id),
        ]
        .into_iter()
        .filter_map(|(kind, value)| {
            let value = value.as_deref()?.trim();
            (!value.is_empty()).then_some((kind, value))
        })
        .map(|(kind, value)| {
            value
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .and_then(|id| RecordRef::from_kind(kind, id))
                .ok_or_else(|| AppError::bad_request(format!("{kind}_id must be a record id.")))
        })
        .collect::<Result<_, _>>()?;
        match given.as_slice() {
            [record] => Ok(*record),
            _ => Err(AppError::bad_request(
                "Give exactly one of company_id, contact_id, deal_id or lead_id.",
            )),
        }
    }

    fn pinned_only(&self) -> bool {
        matches!(self.pinned.as_deref(), Some("1" | "true"))
    }
}

pub(crate) fn can_edit(identity: &Identity, note: &Note) -> bool {
    note.author_id == Some(identity.user_id) || identity.can(Permission::RecordsDelete)
}

pub(crate) fn item_of(identity: &Identity, view: NoteView) -> NoteItem {
    NoteItem {
        can_edit: can_edit(identity, &view.note),
        note: view.note,
        author_name: view.author_name,
    }
}

async fn load(
    state: &AppState,
    identity: &Identity,
    record: RecordRef,
    pinned_only: bool,
) -> Result<NotesView, AppError> {
    let (record_name, notes) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let name = record.visible_name(conn)?.ok_or(AppError::NotFound)?;
            Ok((name, notes::list(conn, record, pinned_only, SECTION_LIMIT)?))
        })
        .await?;
    Ok(NotesView {
        record,
        record_name,
        pinned_only,
        items: notes
            .into_iter()
            .map(|view| item_of(identity, view))
            .collect(),
        form: NoteForm::default(),
        errors: FieldErrors::default(),
        tz: identity.time_zone,
        csrf_token: identity.csrf_token().unwrap_or("").to_owned(),
    })
}

async fn section(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<RecordQuery>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let view = load(&state, &identity, query.record()?, query.pinned_only()).await?;
    if is_htmx(&req) {
        return html(&NotesSection { view });
    }
    let page = Page::extract(&req).await?;
    let chrome = page.chrome(format!("Notes: {}", view.record_name), Section::None);
    html(&NotesPage { chrome, view })
}

#[derive(Debug, Deserialize)]
struct CreateForm {
    company_id: Option<String>,
    contact_id: Option<String>,
    deal_id: Option<String>,
    lead_id: Option<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    pinned: Option<String>,
}

async fn create(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let form = form.into_inner();
    let record = RecordQuery {
        company_id: form.company_id,
        contact_id: form.contact_id,
        deal_id: form.deal_id,
        lead_id: form.lead_id,
        pinned: None,
    }
    .record()?;
    let note = NoteForm {
        title: form.title,
        body: form.body,
        pinned: form.pinned,
    };
    let draft = match note.validate() {
        Ok(draft) => draft,
        Err(errors) => {
            let mut view = load(&state, &identity, record, false).await?;
            view.form = note;
            view.errors = errors;
            if is_htmx(&req) {
                return html_with_status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &NoteCreateForm { view },
                );
            }
            let page = Page::extract(&req).await?;
            let chrome = page.chrome(format!("Notes: {}", view.record_name), Section::None);
            return html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NotesPage { chrome, view },
            );
        }
    };
    let tenant_id = identity.tenant_id;
    let author = Some(identity.user_id);
    state
        .db
        .tenant(&identity.scope(), move |conn| {
            record.visible_name(conn)?.ok_or(AppError::NotFound)?;
            Ok(notes::create(conn, tenant_id, record, &draft, author)?)
        })
        .await?;
    if !is_htmx(&req) {
        return Ok(flash::redirect(
            &req,
            &format!("/notes?{}", record.query()),
            Flash::success("Note added."),
        ));
    }
    let mut view = load(&state, &identity, record, false).await?;
    view.items.clear();
    let mut response = html(&NoteCreateForm { view })?;
    triggers(&mut response, CHANGED);
    Ok(response)
}
