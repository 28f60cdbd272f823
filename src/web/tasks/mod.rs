//! Tasks as components: `GET /tasks/section?company_id=…` (a record's open tasks, full
//! page or htmx fragment) and `GET /tasks` ("My tasks": overdue, today, upcoming, no date;
//! see [`my_tasks`]). Complete (with undo), snooze, edit, delete (with undo) and subtasks
//! work in place; changes tell the page (`tasks-changed`, `timeline-changed`).

pub mod actions;
pub mod form;
pub mod my_tasks;
mod subtasks;
pub mod view;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::domain::ids::UserId;
use crate::domain::record_ref::{RecordLinks, RecordRef};
use crate::domain::roles::Permission;
use crate::domain::tasks::{self, TaskView};
use crate::domain::users;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::flash::{self, Flash};
use crate::web::forms::FieldErrors;
use crate::web::identity::Identity;
use crate::web::nav::Section;
use crate::web::notes::RecordQuery;
use crate::web::render::{html, html_with_status, is_htmx};
use crate::web::timeline::triggers;

use form::{Assignee, TaskForm};
use view::{TaskContext, TaskSectionView};

/// The most open tasks a record's section lists.
const SECTION_LIMIT: i64 = 100;
pub const CHANGED: &[&str] = &["tasks-changed", "timeline-changed"];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tasks", web::get().to(my_tasks::page))
        .route("/tasks", web::post().to(create))
        .route("/tasks/list", web::get().to(my_tasks::list))
        .route("/tasks/bucket", web::get().to(my_tasks::bucket))
        .route("/tasks/section", web::get().to(section))
        .configure(actions::configure);
}

/// The "new task" form, on a record's section or on My tasks.
pub struct NewTask {
    pub record: Option<RecordRef>,
    pub form: TaskForm,
    pub errors: FieldErrors,
    pub assignees: Vec<Assignee>,
    /// The element id, so htmx can replace just the form.
    pub form_id: &'static str,
}

#[derive(Template)]
#[template(path = "tasks/section_page.html")]
struct TaskSectionPage {
    chrome: Chrome,
    ctx: TaskContext,
    view: TaskSectionView,
    new: NewTask,
}

#[derive(Template)]
#[template(path = "tasks/_section.html")]
struct TaskSection {
    ctx: TaskContext,
    view: TaskSectionView,
    new: NewTask,
}

#[derive(Template)]
#[template(path = "tasks/_new_form.html")]
struct NewTaskFragment {
    ctx: TaskContext,
    new: NewTask,
}

#[derive(Template)]
#[template(path = "tasks/_task.html")]
pub struct TaskRow {
    pub ctx: TaskContext,
    pub task: TaskView,
}

pub fn context(identity: &Identity, return_to: String) -> TaskContext {
    TaskContext {
        tz: identity.time_zone,
        now: Utc::now(),
        csrf_token: identity.csrf_token().unwrap_or("").to_owned(),
        viewer: identity.user_id,
        can_delete_any: identity.can(Permission::RecordsDelete),
        open_task: None,
        return_to,
        subtask_error: None,
        subtask_draft: String::new(),
    }
}

/// Active people of the tenant, to assign tasks to.
pub fn assignees(conn: &mut diesel::PgConnection) -> Result<Vec<Assignee>, AppError> {
    Ok(users::list(conn)?
        .into_iter()
        .filter(|person| person.active)
        .map(|person| Assignee {
            id: person.id,
            name: person.name,
        })
        .collect())
}

async fn load_section(
    state: &AppState,
    identity: &Identity,
    record: RecordRef,
) -> Result<(TaskSectionView, NewTask), AppError> {
    let (name, open, people) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let name = record.visible_name(conn)?.ok_or(AppError::NotFound)?;
            let open = tasks::open_for_record(conn, record, SECTION_LIMIT)?;
            Ok((name, open, assignees(conn)?))
        })
        .await?;
    let new = NewTask {
        record: Some(record),
        form: TaskForm::for_viewer(identity.user_id),
        errors: FieldErrors::default(),
        assignees: people,
        form_id: "task-new-record",
    };
    Ok((
        TaskSectionView {
            record,
            record_name: name,
            tasks: open,
        },
        new,
    ))
}

async fn section(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<RecordQuery>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let record = query.record()?;
    let (view, new) = load_section(&state, &identity, record).await?;
    let ctx = context(&identity, view.self_url());
    if is_htmx(&req) {
        return html(&TaskSection { ctx, view, new });
    }
    let page = Page::extract(&req).await?;
    let chrome = page.chrome(format!("Tasks: {}", view.record_name), Section::None);
    html(&TaskSectionPage {
        chrome,
        ctx,
        view,
        new,
    })
}

#[derive(Debug, Deserialize)]
struct CreateForm {
    company_id: Option<String>,
    contact_id: Option<String>,
    deal_id: Option<String>,
    lead_id: Option<String>,
    #[serde(default)]
    return_to: String,
    #[serde(flatten)]
    task: TaskForm,
}

/// `POST /tasks`: from a record's section (with its id) or from My tasks (without).
async fn create(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let form = form.into_inner();
    let query = RecordQuery {
        company_id: form.company_id,
        contact_id: form.contact_id,
        deal_id: form.deal_id,
        lead_id: form.lead_id,
        pinned: None,
    };
    let has_record = [
        &query.company_id,
        &query.contact_id,
        &query.deal_id,
        &query.lead_id,
    ]
    .iter()
    .any(|value| value.as_deref().is_some_and(|v| !v.trim().is_empty()));
    let record = if has_record {
        Some(query.record()?)
    } else {
        None
    };
    let people = state
        .db
        .tenant(&identity.scope(), move |conn| {
            if let Some(record) = record {
                record.visible_name(conn)?.ok_or(AppError::NotFound)?;
            }
            assignees(conn)
        })
        .await?;
    let return_to = safe_return(&form.return_to, "/tasks");
    let mut ctx = context(&identity, return_to.clone());
    let form_id = if record.is_some() {
        "task-new-record"
    } else {
        "task-new-mine"
    };
    let draft = match form.task.validate(identity.time_zone, &people) {
        Ok(draft) => draft,
        Err(errors) => {
            let new = NewTask {
                record,
                form: form.task,
                errors,
                assignees: people,
                form_id,
            };
            if is_htmx(&req) {
                return html_with_status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &NewTaskFragment { ctx, new },
                );
            }
            return my_tasks::invalid_page(&req, &state, &identity, ctx, new).await;
        }
    };
    let tenant_id = identity.tenant_id;
    let actor = Some(identity.user_id);
    state
        .db
        .tenant(&identity.scope(), move |conn| {
            let links = match record {
                Some(record) => record.links(conn)?,
                None => RecordLinks::default(),
            };
            Ok(tasks::create(conn, tenant_id, &draft, links, None, actor)?)
        })
        .await?;
    if !is_htmx(&req) {
        return Ok(flash::redirect(
            &req,
            &return_to,
            Flash::success("Task created."),
        ));
    }
    ctx.return_to = return_to;
    let new = NewTask {
        record,
        form: TaskForm::for_viewer(identity.user_id),
        errors: FieldErrors::default(),
        assignees: people,
        form_id,
    };
    let mut response = html(&NewTaskFragment { ctx, new })?;
    triggers(&mut response, CHANGED);
    Ok(response)
}

/// A local path to go back to after a plain form post (never another site).
pub fn safe_return(given: &str, default: &str) -> String {
    let given = given.trim();
    if given.starts_with('/') && !given.starts_with("//") && !given.contains('\\') {
        given.to_owned()
    } else {
        default.to_owned()
    }
}

/// Whose tasks: the viewer's, or (for managers and admins) someone else's.
pub fn assignee_param(identity: &Identity, given: Option<&str>) -> Result<UserId, AppError> {
    match given.map(str::trim).filter(|value| !value.is_empty()) {
        None => Ok(identity.user_id),
        Some(value) => {
            let id = value
                .parse::<i64>()
                .map(UserId)
                .map_err(|_| AppError::bad_request("assignee_id must be a user id."))?;
            if id != identity.user_id {
                identity.require(Permission::TeamRead)?;
            }
            Ok(id)
        }
    }
}
