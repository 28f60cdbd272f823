//! What can be done to one task: show, edit, complete (undo = reopen), snooze, delete
//! (undo = restore), and its subtasks (add, tick off). Each answers htmx with a fragment
//! or a toast and tells the page what changed; plain posts redirect back.

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::domain::ids::TaskId;
use crate::domain::roles::Permission;
use crate::domain::tasks::{self, Task, TaskDraft, TaskView};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::flash::{self, Flash};
use crate::web::forms::FieldErrors;
use crate::web::identity::Identity;
use crate::web::nav::Section;
use crate::web::render::{html, html_with_status, is_htmx};
use crate::web::tasks::form::{Assignee, TaskForm};
use crate::web::tasks::view::{TaskContext, snooze_until};
use crate::web::tasks::{CHANGED, TaskRow, assignees, context, safe_return, subtasks};
use crate::web::timeline::{UndoToast, triggers};
use crate::web::when;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tasks/{id}", web::get().to(show))
        .route("/tasks/{id}", web::post().to(update))
        .route("/tasks/{id}/edit", web::get().to(edit))
        .route("/tasks/{id}/complete", web::post().to(complete))
        .route("/tasks/{id}/reopen", web::post().to(reopen))
        .route("/tasks/{id}/snooze", web::post().to(snooze))
        .route("/tasks/{id}/delete", web::post().to(delete))
        .route("/tasks/{id}/restore", web::post().to(restore))
        .route("/tasks/{id}/subtasks", web::post().to(subtasks::add))
        .route("/tasks/{id}/toggle", web::post().to(subtasks::toggle));
}

#[derive(Template)]
#[template(path = "tasks/_edit.html")]
struct TaskEdit {
    ctx: TaskContext,
    task: TaskView,
    form: TaskForm,
    errors: FieldErrors,
    assignees: Vec<Assignee>,
}

/// The edit form as a page, for browsers without JavaScript.
#[derive(Template)]
#[template(path = "tasks/edit_page.html")]
struct TaskEditPage {
    chrome: Chrome,
    ctx: TaskContext,
    task: TaskView,
    form: TaskForm,
    errors: FieldErrors,
    assignees: Vec<Assignee>,
}

/// The edit form as a fragment (htmx) or a page, with a status.
async fn edit_response(
    req: &HttpRequest,
    status: StatusCode,
    edit: TaskEdit,
) -> Result<HttpResponse, AppError> {
    if is_htmx(req) {
        return html_with_status(status, &edit);
    }
    let page = Page::extract(req).await?;
    let TaskEdit {
        ctx,
        task,
        form,
        errors,
        assignees,
    } = edit;
    html_with_status(
        status,
        &TaskEditPage {
            chrome: page.chrome("Edit task", Section::MyTasks),
            ctx,
            task,
            form,
            errors,
            assignees,
        },
    )
}

/// Fields every action form may carry.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Back {
    #[serde(default)]
    pub(super) return_to: String,
}

pub(super) async fn load(
    state: &AppState,
    identity: &Identity,
    id: TaskId,
) -> Result<TaskView, AppError> {
    state
        .db
        .tenant(&identity.scope(), move |conn| Ok(tasks::view(conn, id)?))
        .await?
        .ok_or(AppError::NotFound)
}

/// Runs one change and fails with 404 when the task is not (or no longer) visible.
pub(super) async fn apply<F>(
    state: &AppState,
    identity: &Identity,
    change: F,
) -> Result<Task, AppError>
where
    F: FnOnce(&mut diesel::PgConnection) -> diesel::QueryResult<Option<Task>> + Send + 'static,
{
    state
        .db
        .tenant(&identity.scope(), move |conn| Ok(change(conn)?))
        .await?
        .ok_or(AppError::NotFound)
}

/// A task's row (htmx, e.g. "Cancel" in the edit form); a browser opening the URL
/// directly goes to My tasks.
async fn show(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let task = load(&state, &identity, TaskId(path.into_inner())).await?;
    if !is_htmx(&req) {
        return Ok(crate::web::render::see_other(&req, "/tasks"));
    }
    html(&TaskRow {
        ctx: context(&identity, "/tasks".to_owned()),
        task,
    })
}

async fn edit(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let id = TaskId(path.into_inner());
    let (task, people) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let task = tasks::view(conn, id)?.ok_or(AppError::NotFound)?;
            Ok((task, assignees(conn)?))
        })
        .await?;
    let form = TaskForm::from_task(&task.task, identity.time_zone);
    let edit = TaskEdit {
        ctx: context(&identity, "/tasks".to_owned()),
        task,
        form,
        errors: FieldErrors::default(),
        assignees: people,
    };
    edit_response(&req, StatusCode::OK, edit).await
}

async fn update(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<TaskForm>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let id = TaskId(path.into_inner());
    let (task, people) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let task = tasks::view(conn, id)?.ok_or(AppError::NotFound)?;
            Ok((task, assignees(conn)?))
        })
        .await?;
    let form = form.into_inner();
    let ctx = context(&identity, "/tasks".to_owned());
    let draft: TaskDraft = match form.validate(identity.time_zone, &people) {
        Ok(draft) => draft,
        Err(errors) => {
            let edit = TaskEdit {
                ctx,
                task,
                form,
                errors,
                assignees: people,
            };
            return edit_response(&req, StatusCode::UNPROCESSABLE_ENTITY, edit).await;
        }
    };
    let tenant_id = identity.tenant_id;
    let actor = Some(identity.user_id);
    apply(&state, &identity, move |conn| {
        tasks::update(conn, tenant_id, id, &draft, actor)
    })
    .await?;
    if !is_htmx(&req) {
        return Ok(flash::redirect(
            &req,
            "/tasks",
            Flash::success("Task saved."),
        ));
    }
    let task = load(&state, &identity, id).await?;
    let mut response = html(&TaskRow { ctx, task })?;
    triggers(&mut response, CHANGED);
    Ok(response)
}

async fn complete(
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
        tasks::complete(conn, tenant_id, id, actor, Utc::now())
    })
    .await?;
    UndoToast {
        message: format!("Completed “{}”.", task.subject),
        undo_url: Some(format!("/tasks/{}/reopen", id.0)),
        csrf_token: identity.csrf_token().unwrap_or("").to_owned(),
    }
    .respond(&req, &safe_return(&back.return_to, "/tasks"), CHANGED)
}

async fn reopen(
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
        tasks::reopen(conn, tenant_id, id, actor)
    })
    .await?;
    UndoToast {
        message: format!("Reopened “{}”.", task.subject),
        undo_url: None,
        csrf_token: String::new(),
    }
    .respond(&req, &safe_return(&back.return_to, "/tasks"), CHANGED)
}

#[derive(Debug, Deserialize)]
struct SnoozeForm {
    /// A preset (3h, tomorrow, next_week), or `custom` (or nothing) for `until_at`.
    #[serde(default)]
    until: String,
    /// A date and time (datetime-local), used with `custom`.
    #[serde(default)]
    until_at: String,
    #[serde(default)]
    return_to: String,
}

async fn snooze(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<SnoozeForm>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let id = TaskId(path.into_inner());
    let tz = identity.time_zone;
    let now = Utc::now();
    let until = match form.until.trim() {
        "" | "custom" if form.until_at.trim().is_empty() => {
            return Err(AppError::bad_request("Choose when to snooze until."));
        }
        "" | "custom" => when::local_datetime(&form.until_at, tz).map_err(AppError::bad_request)?,
        preset => snooze_until(preset, now, tz)
            .ok_or_else(|| AppError::bad_request("Choose when to snooze until."))?,
    };
    if until <= now {
        return Err(AppError::bad_request("Snooze to a time in the future."));
    }
    let (tenant_id, actor) = (identity.tenant_id, Some(identity.user_id));
    let task = apply(&state, &identity, move |conn| {
        tasks::snooze(conn, tenant_id, id, until, actor)
    })
    .await?;
    let ctx = context(&identity, String::new());
    UndoToast {
        message: format!("Snoozed “{}” to {}.", task.subject, ctx.when(&until)),
        undo_url: None,
        csrf_token: String::new(),
    }
    .respond(&req, &safe_return(&form.return_to, "/tasks"), CHANGED)
}

async fn delete(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    back: web::Form<Back>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let id = TaskId(path.into_inner());
    let ctx = context(&identity, String::new());
    let found = load(&state, &identity, id).await?;
    if !ctx.can_delete(&found.task) {
        return Err(AppError::Forbidden);
    }
    let (tenant_id, actor) = (identity.tenant_id, Some(identity.user_id));
    let task = apply(&state, &identity, move |conn| {
        tasks::delete(conn, tenant_id, id, actor, Utc::now())
    })
    .await?;
    UndoToast {
        message: format!("Deleted “{}”.", task.subject),
        undo_url: Some(format!("/tasks/{}/restore", id.0)),
        csrf_token: ctx.csrf_token.clone(),
    }
    .respond(&req, &safe_return(&back.return_to, "/tasks"), CHANGED)
}

async fn restore(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    back: web::Form<Back>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let id = TaskId(path.into_inner());
    let ctx = context(&identity, String::new());
    let found = state
        .db
        .tenant(&identity.scope(), move |conn| Ok(tasks::find(conn, id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    if !ctx.can_delete(&found) {
        return Err(AppError::Forbidden);
    }
    let (tenant_id, actor) = (identity.tenant_id, Some(identity.user_id));
    let task = apply(&state, &identity, move |conn| {
        tasks::restore(conn, tenant_id, id, actor)
    })
    .await?;
    UndoToast {
        message: format!("Restored “{}”.", task.subject),
        undo_url: None,
        csrf_token: String::new(),
    }
    .respond(&req, &safe_return(&back.return_to, "/tasks"), CHANGED)
}
