//! Subtasks: added under a task and ticked off in place; the parent row answers, shown
//! expanded.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use super::actions::{Back, apply, load};
use super::view::TaskContext;
use super::{TaskRow, context, safe_return};
use crate::domain::ids::TaskId;
use crate::domain::roles::Permission;
use crate::domain::tasks::{self, TaskDraft};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::flash::{self, Flash};
use crate::web::identity::Identity;
use crate::web::render::{html, html_with_status, is_htmx};
use crate::web::timeline::triggers;

#[derive(Debug, Deserialize)]
pub(super) struct SubtaskForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    return_to: String,
}

/// Adds a subtask (same links and assignee as its parent) and shows the parent again,
/// expanded.
pub(super) async fn add(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<SubtaskForm>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let parent = TaskId(path.into_inner());
    let subject = form.subject.trim().to_owned();
    let mut ctx = context(&identity, safe_return(&form.return_to, "/tasks"));
    ctx.open_task = Some(parent);
    if subject.is_empty() || subject.chars().count() > tasks::SUBJECT_MAX {
        let task = load(&state, &identity, parent).await?;
        ctx.subtask_error = Some(format!(
            "Give the subtask a name (up to {} characters).",
            tasks::SUBJECT_MAX
        ));
        ctx.subtask_draft = form.subject.clone();
        return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &TaskRow { ctx, task });
    }
    let (tenant_id, actor) = (identity.tenant_id, Some(identity.user_id));
    let parent_task = load(&state, &identity, parent).await?.task;
    if parent_task.parent_task_id.is_some() {
        return Err(AppError::bad_request("Subtasks cannot have subtasks."));
    }
    let draft = TaskDraft {
        subject,
        description: None,
        due_at: None,
        reminder_at: None,
        priority: "normal".to_owned(),
        assignee_id: parent_task.assignee_id,
    };
    let links = parent_task.links();
    state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(tasks::create(
                conn,
                tenant_id,
                &draft,
                links,
                Some(parent),
                actor,
            )?)
        })
        .await?;
    parent_row(&req, &state, &identity, ctx, parent, "Subtask added.").await
}

/// Ticks a subtask off (or back on) and shows its parent again, expanded.
pub(super) async fn toggle(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    back: web::Form<Back>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let id = TaskId(path.into_inner());
    let (tenant_id, actor) = (identity.tenant_id, Some(identity.user_id));
    let task = apply(&state, &identity, move |conn| {
        match tasks::find(conn, id)? {
            Some(task) if task.is_open() => tasks::complete(conn, tenant_id, id, actor, Utc::now()),
            Some(_) => tasks::reopen(conn, tenant_id, id, actor),
            None => Ok(None),
        }
    })
    .await?;
    let parent = task.parent_task_id.unwrap_or(task.id);
    let mut ctx = context(&identity, safe_return(&back.return_to, "/tasks"));
    ctx.open_task = Some(parent);
    parent_row(&req, &state, &identity, ctx, parent, "Subtask updated.").await
}

async fn parent_row(
    req: &HttpRequest,
    state: &AppState,
    identity: &Identity,
    ctx: TaskContext,
    parent: TaskId,
    message: &str,
) -> Result<HttpResponse, AppError> {
    if !is_htmx(req) {
        let back = ctx.return_to.clone();
        return Ok(flash::redirect(req, &back, Flash::success(message)));
    }
    let task = load(state, identity, parent).await?;
    let mut response = html(&TaskRow { ctx, task })?;
    // The row itself is the update; only the timeline needs to hear of it.
    triggers(&mut response, &["timeline-changed"]);
    Ok(response)
}
