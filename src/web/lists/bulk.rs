//! `POST /<entities>/bulk` (owner, tags, a choice field, soft delete for the selected
//! records) and `POST /bulk/{id}/undo`. htmx callers get a toast and `HX-Trigger:
//! records-changed` (the list reloads itself); plain forms are redirected back with a flash.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::ids::TagId;
use crate::domain::records::{self, BulkAction, RecordKind};
use crate::domain::roles::Permission;
use crate::domain::{tags, visibility};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::flash::{self, Flash};
use crate::web::form_data::FormData;
use crate::web::identity::Identity;
use crate::web::lists::view::BulkChoice;
use crate::web::render::is_htmx;

/// Most records one bulk action may touch.
pub const MAX_BULK: usize = 10_000;

#[derive(Template)]
#[template(path = "lists/_toast.html")]
pub struct Toast {
    pub message: String,
    pub tone: &'static str,
    pub undo_url: Option<String>,
}

fn parse_action(
    form: &FormData,
    choice: Option<&BulkChoice>,
) -> Result<(BulkAction, Option<String>), String> {
    match form.text("action").as_str() {
        "owner" => {
            let value = form.text("owner_id");
            let owner = match value.as_str() {
                "" => return Err("Choose the new owner.".to_owned()),
                "none" => None,
                id => Some(
                    id.parse::<i64>()
                        .map_err(|_| "Choose the new owner.".to_owned())?,
                ),
            };
            Ok((BulkAction::SetOwner(owner), None))
        }
        action @ ("tag_add" | "tag_remove") => {
            let id = form.text("tag_id").parse::<i64>().ok();
            let name = form.text("tag_name");
            // A new tag name is resolved to a tag inside the transaction.
            let (tag, new_name) = match (id, name.is_empty()) {
                (Some(id), _) => (TagId(id), None),
                (None, false) => (TagId(0), Some(tags::validate_name(&name)?)),
                (None, true) => return Err("Choose a tag.".to_owned()),
            };
            let action = if action == "tag_add" {
                BulkAction::AddTag(tag)
            } else {
                BulkAction::RemoveTag(tag)
            };
            Ok((action, new_name))
        }
        "choice" => {
            let choice = choice.ok_or_else(|| "This list has no such field.".to_owned())?;
            let value = form.text("choice_value");
            if !choice.options.iter().any(|(v, _)| *v == value) {
                return Err(format!("Choose a {}.", choice.label.to_lowercase()));
            }
            Ok((
                BulkAction::SetChoice {
                    column: choice.field,
                    value,
                },
                None,
            ))
        }
        "delete" => Ok((BulkAction::Delete, None)),
        "restore" => Ok((BulkAction::Restore, None)),
        _ => Err("Choose what to do with the selected records.".to_owned()),
    }
}

pub async fn bulk(
    req: &HttpRequest,
    identity: &Identity,
    state: &AppState,
    kind: RecordKind,
    choice: Option<&'static BulkChoice>,
    form: FormData,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let ids = form.ids("ids");
    let back = safe_return(&form.text("return_to"), kind.path());
    let outcome: Result<(BulkAction, Option<String>), String> = if ids.is_empty() {
        Err("Select at least one record.".to_owned())
    } else if ids.len() > MAX_BULK {
        Err(format!("Select at most {MAX_BULK} records at a time."))
    } else {
        parse_action(&form, choice)
    };
    let (action, new_tag) = match outcome {
        Ok(parsed) => parsed,
        Err(message) => return Ok(respond(req, &back, message, "error", None, false)),
    };
    if matches!(action, BulkAction::Delete | BulkAction::Restore) {
        identity.require(Permission::RecordsDelete)?;
    }
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let result = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let mut action = action;
            if let BulkAction::SetOwner(Some(owner)) = action
                && !visibility::can_assign(conn, owner)?
            {
                return Ok(Err(
                    "You can only hand records to people whose records you can see.".to_owned(),
                ));
            }
            if let Some(tag_name) = &new_tag {
                let tag = tags::find_or_create(conn, tenant, tag_name, Some(actor))?;
                action = match action {
                    BulkAction::AddTag(_) => BulkAction::AddTag(tag.id),
                    _ => BulkAction::RemoveTag(tag.id),
                };
            } else if let BulkAction::AddTag(tag) | BulkAction::RemoveTag(tag) = action
                && tags::find(conn, tag)?.is_none()
            {
                return Ok(Err("That tag no longer exists.".to_owned()));
            }
            Ok(Ok((
                records::apply_bulk(conn, tenant, Some(actor), kind, &ids, &action)?,
                action,
            )))
        })
        .await?;
    let (outcome, action) = match result {
        Ok(done) => done,
        Err(message) => return Ok(respond(req, &back, message, "error", None, false)),
    };
    let what = kind.count_noun(outcome.affected);
    let message = match action {
        BulkAction::SetOwner(_) => format!("Changed the owner of {what}."),
        BulkAction::AddTag(_) => format!("Tagged {what}."),
        BulkAction::RemoveTag(_) => format!("Removed the tag from {what}."),
        BulkAction::SetChoice { .. } => format!("Updated {what}."),
        BulkAction::Delete => format!("Deleted {what}."),
        BulkAction::Restore => format!("Restored {what}."),
    };
    let undo = outcome.undo_id.map(|id| format!("/bulk/{id}/undo"));
    Ok(respond(req, &back, message, "success", undo, true))
}

/// Only paths of this app: a form value never redirects elsewhere.
pub fn safe_return(value: &str, fallback: &str) -> String {
    if value.starts_with('/') && !value.starts_with("//") && !value.contains('\\') {
        value.to_owned()
    } else {
        fallback.to_owned()
    }
}

pub fn respond(
    req: &HttpRequest,
    back: &str,
    message: String,
    tone: &'static str,
    undo_url: Option<String>,
    changed: bool,
) -> HttpResponse {
    if !is_htmx(req) {
        let flash = if tone == "error" {
            Flash {
                level: flash::Level::Error,
                text: message,
            }
        } else {
            Flash::success(message)
        };
        return flash::redirect(req, back, flash);
    }
    let body = Toast {
        message,
        tone,
        undo_url,
    }
    .render();
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/html; charset=utf-8")
        .insert_header(("HX-Retarget", "#toasts"))
        .insert_header(("HX-Reswap", "beforeend"));
    if changed {
        response.insert_header(("HX-Trigger", "records-changed"));
    }
    match body {
        Ok(body) => response.body(body),
        Err(err) => {
            tracing::error!(error = %err, "cannot render toast");
            response.finish()
        }
    }
}

/// `POST /bulk/{id}/undo`.
pub async fn undo(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsDelete)?;
    let id = path.into_inner();
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let undone = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(records::undo_bulk(conn, tenant, Some(actor), id)?)
        })
        .await?;
    let Some((kind, restored)) = undone else {
        return Err(AppError::NotFound);
    };
    Ok(respond(
        &req,
        kind.path(),
        format!("Restored {}.", kind.count_noun(restored)),
        "success",
        None,
        true,
    ))
}
