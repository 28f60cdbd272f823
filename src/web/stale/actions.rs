//! The stale list's quick actions, each answering with the row re-rendered in place (htmx)
//! or a redirect back to the list: move the deal to another stage (through
//! `deal_edit::move_to_stage`, i.e. `change_stage`; won / lost need their reason), add a
//! note (`notes::create`), create a follow-up task (`tasks::create`, for the deal's owner).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use diesel::PgConnection;

use super::view::{RowView, Typed, load_stage_options};
use crate::domain::deal_edit;
use crate::domain::ids::{DealId, StageId, TenantId, UserId};
use crate::domain::record_ref::RecordRef;
use crate::domain::roles::Permission;
use crate::domain::stage_changes::{StageChangeError, StageChangeRequest};
use crate::domain::{deals, notes, stale_deals, tasks};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::flash::{self, Flash, Level};
use crate::web::form_data::FormData;
use crate::web::forms::FieldErrors;
use crate::web::identity::Identity;
use crate::web::notes::form::NoteForm;
use crate::web::render::{html_with_status, is_htmx};
use crate::web::tasks::assignees;
use crate::web::tasks::form::TaskForm;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/deals/stale/{id:\\d+}/stage", web::post().to(stage))
        .route("/deals/stale/{id:\\d+}/note", web::post().to(note))
        .route("/deals/stale/{id:\\d+}/task", web::post().to(task));
}

/// What an action did: a notice for the row, or errors to show in its open form.
enum Outcome {
    Done(String),
    Invalid(FieldErrors),
}

/// Runs `action` on a visible deal and renders its row afterwards.
async fn act<F>(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    id: i64,
    open: &'static str,
    typed: Typed,
    action: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut PgConnection, TenantId, UserId, DealId) -> Result<Outcome, AppError>
        + Send
        + 'static,
{
    identity.require(Permission::RecordsWrite)?;
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let csrf = identity.csrf_token().unwrap_or_default().to_owned();
    let (outcome, row) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let deal = deals::find(conn, DealId(id))?.ok_or(AppError::NotFound)?;
            let outcome = action(conn, tenant, actor, deal.id)?;
            let row = stale_deals::row(conn, id)?.ok_or(AppError::NotFound)?;
            let stages = load_stage_options(conn)?;
            let mut view = RowView::new(row, Utc::now(), &stages, csrf, true);
            match &outcome {
                Outcome::Done(notice) => view.notice = Some(notice.clone()),
                Outcome::Invalid(errors) => {
                    view.errors = errors.clone();
                    view.open = open;
                    view.typed = typed;
                }
            }
            Ok((outcome, view))
        })
        .await?;
    let invalid = matches!(outcome, Outcome::Invalid(_));
    if is_htmx(&req) {
        let status = if invalid {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        return html_with_status(status, &row);
    }
    let message = match outcome {
        Outcome::Done(notice) => Flash::success(notice),
        Outcome::Invalid(errors) => Flash {
            level: Level::Error,
            text: errors
                .iter()
                .map(|(_, m)| m.to_owned())
                .collect::<Vec<_>>()
                .join(" "),
        },
    };
    Ok(flash::redirect(&req, "/deals/stale", message))
}

fn trimmed(form: &FormData, name: &str, max: usize) -> Option<String> {
    form.optional(name)
        .map(|v| v.trim().chars().take(max).collect::<String>())
        .filter(|v| !v.is_empty())
}

/// `POST /deals/stale/{id}/stage` (stage_id, won_reason, lost_reason).
async fn stage(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let form = FormData::new(form.into_inner());
    let chosen = form.text("stage_id");
    let won_reason = trimmed(&form, "won_reason", 2000);
    let lost_reason = trimmed(&form, "lost_reason", 2000);
    let typed = Typed {
        stage_id: chosen.clone(),
        won_reason: won_reason.clone().unwrap_or_default(),
        lost_reason: lost_reason.clone().unwrap_or_default(),
        ..Typed::default()
    };
    act(
        req,
        identity,
        state,
        path.into_inner(),
        "stage",
        typed,
        move |conn, tenant, actor, deal| {
            let mut errors = FieldErrors::default();
            let target = match chosen.parse::<i64>() {
                Ok(stage_id) => deal_edit::stage(conn, StageId(stage_id))?,
                Err(_) => None,
            };
            let Some(target) = target else {
                errors.add("stage_id", "Choose a stage.");
                return Ok(Outcome::Invalid(errors));
            };
            if target.is_closed_won && won_reason.is_none() {
                errors.add("won_reason", "Say why the deal was won.");
            }
            if target.is_closed_lost && lost_reason.is_none() {
                errors.add("lost_reason", "Say why the deal was lost.");
            }
            if !errors.is_empty() {
                return Ok(Outcome::Invalid(errors));
            }
            let mut request = StageChangeRequest::to(target.id, Some(actor));
            request.won_reason = won_reason;
            request.lost_reason = lost_reason;
            match deal_edit::move_to_stage(conn, tenant, deal, &request) {
                Ok(_) => Ok(Outcome::Done(format!("Moved to {}.", target.name))),
                Err(StageChangeError::Database(error)) => Err(error.into()),
                Err(StageChangeError::DealNotFound) => Err(AppError::NotFound),
                Err(StageChangeError::InvalidStage) => {
                    errors.add("stage_id", "That stage is no longer available.");
                    Ok(Outcome::Invalid(errors))
                }
            }
        },
    )
    .await
}

/// `POST /deals/stale/{id}/note` (body).
async fn note(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let form = FormData::new(form.into_inner());
    let body = form.text("body");
    let typed = Typed {
        note: body.clone(),
        ..Typed::default()
    };
    act(
        req,
        identity,
        state,
        path.into_inner(),
        "note",
        typed,
        move |conn, tenant, actor, deal| {
            let input = NoteForm {
                title: String::new(),
                body,
                pinned: None,
            };
            match input.validate() {
                Ok(draft) => {
                    notes::create(conn, tenant, RecordRef::Deal(deal), &draft, Some(actor))?;
                    Ok(Outcome::Done("Note added.".to_owned()))
                }
                Err(errors) => Ok(Outcome::Invalid(errors)),
            }
        },
    )
    .await
}

/// `POST /deals/stale/{id}/task` (subject, due_at as a day or a local time): a task
/// linked to the deal, for the deal's owner (or the person creating it when none).
async fn task(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let form = FormData::new(form.into_inner());
    let subject = form.text("subject");
    let due = form.text("due_at");
    let typed = Typed {
        task_subject: subject.clone(),
        task_due: due.clone(),
        ..Typed::default()
    };
    let tz = identity.time_zone;
    act(
        req,
        identity,
        state,
        path.into_inner(),
        "task",
        typed,
        move |conn, tenant, actor, deal| {
            let owner = deals::find(conn, deal)?
                .and_then(|d| d.owner_id)
                .unwrap_or(actor);
            // A bare day means 9:00 that day.
            let due_at = if due.len() == 10 {
                format!("{due}T09:00")
            } else {
                due
            };
            let input = TaskForm {
                subject,
                due_at,
                priority: "normal".to_owned(),
                assignee_id: owner.0.to_string(),
                ..TaskForm::default()
            };
            let people = assignees(conn)?;
            match input.validate(tz, &people) {
                Ok(draft) => {
                    let links = RecordRef::Deal(deal).links(conn)?;
                    tasks::create(conn, tenant, &draft, links, None, Some(actor))?;
                    Ok(Outcome::Done("Follow-up task created.".to_owned()))
                }
                Err(errors) => Ok(Outcome::Invalid(errors)),
            }
        },
    )
    .await
}
