//! "My tasks": the viewer's open tasks in buckets (overdue, today, upcoming, no date), in
//! the viewer's time zone, each bucket paged with "Show more". Managers and admins can
//! look at a teammate's list (`?assignee_id=`).

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::domain::ids::UserId;
use crate::domain::roles::Permission;
use crate::domain::tasks::{self, Bucket, BucketPage, DayBounds, TaskCursor};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::forms::FieldErrors;
use crate::web::identity::Identity;
use crate::web::nav::Section;
use crate::web::render::{html, html_with_status};
use crate::web::tasks::form::{Assignee, TaskForm};
use crate::web::tasks::view::{MyTasksView, TaskContext, more_url};
use crate::web::tasks::{NewTask, assignee_param, assignees, context};
use crate::web::when;

/// Tasks per bucket before "Show more".
const BUCKET_PAGE: i64 = 25;

#[derive(Template)]
#[template(path = "tasks/my_tasks.html")]
struct MyTasksPage {
    chrome: Chrome,
    ctx: TaskContext,
    view: MyTasksView,
    new: NewTask,
}

#[derive(Template)]
#[template(path = "tasks/_my_list.html")]
struct MyTasksList {
    ctx: TaskContext,
    view: MyTasksView,
}

#[derive(Template)]
#[template(path = "tasks/_bucket_rows.html")]
struct BucketRows {
    ctx: TaskContext,
    page: BucketPage,
    more: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct WhoseQuery {
    assignee_id: Option<String>,
}

fn day_bounds(identity: &Identity) -> DayBounds {
    let (start_of_today, start_of_tomorrow) = when::today_bounds(Utc::now(), identity.time_zone);
    DayBounds {
        start_of_today,
        start_of_tomorrow,
    }
}

async fn load(
    state: &AppState,
    identity: &Identity,
    assignee: UserId,
) -> Result<(MyTasksView, Vec<Assignee>), AppError> {
    let day = day_bounds(identity);
    let can_switch = identity.can(Permission::TeamRead);
    let viewer = identity.user_id;
    let (buckets, people) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let people = assignees(conn)?;
            let mut buckets = Vec::new();
            for bucket in Bucket::ALL {
                buckets.push(tasks::my_bucket(
                    conn,
                    assignee,
                    bucket,
                    day,
                    None,
                    BUCKET_PAGE,
                )?);
            }
            Ok((buckets, people))
        })
        .await?;
    let person = people
        .iter()
        .find(|person| person.id == assignee)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((
        MyTasksView {
            assignee: person,
            is_self: assignee == viewer,
            buckets,
            people: if can_switch {
                people.clone()
            } else {
                Vec::new()
            },
        },
        people,
    ))
}

pub async fn page(
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<WhoseQuery>,
) -> Result<HttpResponse, AppError> {
    let identity = &page.identity;
    identity.require(Permission::RecordsRead)?;
    let assignee = assignee_param(identity, query.assignee_id.as_deref())?;
    let (view, people) = load(&state, identity, assignee).await?;
    let title = if view.is_self {
        "My tasks".to_owned()
    } else {
        format!("Tasks: {}", view.assignee.name)
    };
    let ctx = context(identity, "/tasks".to_owned());
    let new = NewTask {
        record: None,
        form: TaskForm::for_viewer(assignee),
        errors: FieldErrors::default(),
        assignees: people,
        form_id: "task-new-mine",
    };
    html(&MyTasksPage {
        chrome: page.chrome(title, Section::MyTasks),
        ctx,
        view,
        new,
    })
}

/// The buckets alone: the list reloads itself from here when tasks change.
pub async fn list(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<WhoseQuery>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let assignee = assignee_param(&identity, query.assignee_id.as_deref())?;
    let (view, _) = load(&state, &identity, assignee).await?;
    html(&MyTasksList {
        ctx: context(&identity, "/tasks".to_owned()),
        view,
    })
}

#[derive(Debug, Deserialize)]
pub struct BucketQuery {
    bucket: String,
    assignee_id: Option<String>,
    cursor: Option<String>,
}

/// "Show more" in one bucket: the next rows and the next button.
pub async fn bucket(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<BucketQuery>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let assignee = assignee_param(&identity, query.assignee_id.as_deref())?;
    let bucket = Bucket::parse(&query.bucket).ok_or_else(|| {
        AppError::bad_request("bucket must be overdue, today, upcoming or no_date.")
    })?;
    let cursor = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(text) => Some(
            TaskCursor::parse(text)
                .ok_or_else(|| AppError::bad_request("That cursor is not valid."))?,
        ),
        None => None,
    };
    let day = day_bounds(&identity);
    let page = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(tasks::my_bucket(
                conn,
                assignee,
                bucket,
                day,
                cursor,
                BUCKET_PAGE,
            )?)
        })
        .await?;
    let more = more_url(assignee, &page);
    html(&BucketRows {
        ctx: context(&identity, "/tasks".to_owned()),
        page,
        more,
    })
}

/// A rejected new-task form posted without htmx: the whole page again, with errors.
pub async fn invalid_page(
    req: &HttpRequest,
    state: &AppState,
    identity: &Identity,
    ctx: TaskContext,
    new: NewTask,
) -> Result<HttpResponse, AppError> {
    let page = Page::extract(req).await?;
    let (view, _) = load(state, identity, identity.user_id).await?;
    html_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &MyTasksPage {
            chrome: page.chrome("My tasks", Section::MyTasks),
            ctx,
            view,
            new,
        },
    )
}
