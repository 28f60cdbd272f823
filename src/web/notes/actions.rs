//! What can be done to one note: show it, edit it, pin it, delete it (soft) and restore
//! it. htmx gets the note or a toast back; plain posts redirect to the record's notes.

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::form::NoteForm;
use super::{CHANGED, NoteItem, NotesView, can_edit, item_of};
use crate::domain::ids::NoteId;
use crate::domain::notes::{self, Note};
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
use crate::web::timeline::{UndoToast, triggers};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/notes/{id}", web::get().to(item))
        .route("/notes/{id}", web::post().to(update))
        .route("/notes/{id}/edit", web::get().to(edit))
        .route("/notes/{id}/pin", web::post().to(pin))
        .route("/notes/{id}/delete", web::post().to(delete))
        .route("/notes/{id}/restore", web::post().to(restore));
}

#[derive(Template)]
#[template(path = "notes/_note.html")]
struct NoteItemFragment {
    view: NotesView,
    item: NoteItem,
}

#[derive(Template)]
#[template(path = "notes/_edit.html")]
struct NoteEditFragment {
    view: NotesView,
    item: NoteItem,
    form: NoteForm,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "notes/edit_page.html")]
struct NoteEditPage {
    chrome: Chrome,
    view: NotesView,
    item: NoteItem,
    form: NoteForm,
    errors: FieldErrors,
}

/// The note, if the viewer can see it and (for changes) may change it.
async fn load_note(
    state: &AppState,
    identity: &Identity,
    id: NoteId,
    for_change: bool,
) -> Result<(NotesView, NoteItem), AppError> {
    let found = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(notes::find_view(conn, id)?)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let item = item_of(identity, found);
    if for_change && !item.can_edit {
        return Err(AppError::Forbidden);
    }
    let record = record_of(&item.note)?;
    let view = NotesView {
        record,
        record_name: String::new(),
        pinned_only: false,
        items: Vec::new(),
        form: NoteForm::default(),
        errors: FieldErrors::default(),
        tz: identity.time_zone,
        csrf_token: identity.csrf_token().unwrap_or("").to_owned(),
    };
    Ok((view, item))
}

/// The record a note belongs to (notes are always made on one; a note on none is not
/// reachable from any record, so it is treated as not found).
fn record_of(note: &Note) -> Result<RecordRef, AppError> {
    crate::domain::record_ref::RecordLinks {
        company_id: note.company_id,
        contact_id: note.contact_id,
        deal_id: note.deal_id,
        lead_id: note.lead_id,
    }
    .primary()
    .ok_or(AppError::NotFound)
}

/// A note (htmx, e.g. "Cancel" in the edit form); a browser opening the URL directly
/// goes to the notes of its record.
async fn item(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let (view, item) = load_note(&state, &identity, NoteId(path.into_inner()), false).await?;
    if !is_htmx(&req) {
        let back = format!("/notes?{}", view.record.query());
        return Ok(crate::web::render::see_other(&req, &back));
    }
    html(&NoteItemFragment { view, item })
}

async fn edit(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let (view, item) = load_note(&state, &identity, NoteId(path.into_inner()), true).await?;
    let form = NoteForm {
        title: item.note.title.clone().unwrap_or_default(),
        body: item.note.body.clone(),
        pinned: item.note.pinned.then(|| "1".to_owned()),
    };
    if is_htmx(&req) {
        return html(&NoteEditFragment {
            view,
            item,
            form,
            errors: FieldErrors::default(),
        });
    }
    let page = Page::extract(&req).await?;
    let chrome = page.chrome("Edit note", Section::None);
    html(&NoteEditPage {
        chrome,
        view,
        item,
        form,
        errors: FieldErrors::default(),
    })
}

async fn update(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<NoteForm>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let id = NoteId(path.into_inner());
    let (view, item) = load_note(&state, &identity, id, true).await?;
    let form = form.into_inner();
    let draft = match form.validate() {
        Ok(draft) => draft,
        Err(errors) => {
            if is_htmx(&req) {
                return html_with_status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &NoteEditFragment {
                        view,
                        item,
                        form,
                        errors,
                    },
                );
            }
            let page = Page::extract(&req).await?;
            let chrome = page.chrome("Edit note", Section::None);
            return html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NoteEditPage {
                    chrome,
                    view,
                    item,
                    form,
                    errors,
                },
            );
        }
    };
    let tenant_id = identity.tenant_id;
    let actor = Some(identity.user_id);
    state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(notes::update(conn, tenant_id, id, &draft, actor)?)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    after_change(&req, &state, &identity, id, view.record, "Note saved.").await
}

#[derive(Debug, Deserialize)]
struct PinForm {
    #[serde(default)]
    pinned: String,
}

async fn pin(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<PinForm>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let id = NoteId(path.into_inner());
    let (view, _) = load_note(&state, &identity, id, true).await?;
    let pinned = matches!(form.pinned.as_str(), "1" | "true");
    let tenant_id = identity.tenant_id;
    let actor = Some(identity.user_id);
    state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(notes::set_pinned(conn, tenant_id, id, pinned, actor)?)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let message = if pinned {
        "Note pinned."
    } else {
        "Note unpinned."
    };
    after_change(&req, &state, &identity, id, view.record, message).await
}

/// After an edit or a pin: the note again (htmx), or back to the notes page.
async fn after_change(
    req: &HttpRequest,
    state: &AppState,
    identity: &Identity,
    id: NoteId,
    record: RecordRef,
    message: &str,
) -> Result<HttpResponse, AppError> {
    if !is_htmx(req) {
        return Ok(flash::redirect(
            req,
            &format!("/notes?{}", record.query()),
            Flash::success(message),
        ));
    }
    let (view, item) = load_note(state, identity, id, false).await?;
    let mut response = html(&NoteItemFragment { view, item })?;
    triggers(&mut response, CHANGED);
    Ok(response)
}

async fn delete(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let id = NoteId(path.into_inner());
    let (view, _) = load_note(&state, &identity, id, true).await?;
    let tenant_id = identity.tenant_id;
    let actor = Some(identity.user_id);
    state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(notes::delete(conn, tenant_id, id, actor, Utc::now())?)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let toast = UndoToast {
        message: "Note deleted.".to_owned(),
        undo_url: Some(format!("/notes/{}/restore", id.0)),
        csrf_token: view.csrf_token.clone(),
    };
    toast.respond(&req, &format!("/notes?{}", view.record.query()), CHANGED)
}

async fn restore(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let id = NoteId(path.into_inner());
    let found = state
        .db
        .tenant(&identity.scope(), move |conn| Ok(notes::find(conn, id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    if !can_edit(&identity, &found) {
        return Err(AppError::Forbidden);
    }
    let tenant_id = identity.tenant_id;
    let actor = Some(identity.user_id);
    state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(notes::restore(conn, tenant_id, id, actor)?)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let toast = UndoToast {
        message: "Note restored.".to_owned(),
        undo_url: None,
        csrf_token: String::new(),
    };
    toast.respond(
        &req,
        &format!("/notes?{}", record_of(&found)?.query()),
        CHANGED,
    )
}
