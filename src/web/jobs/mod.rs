//! The jobs admin page: the tenant's background jobs by state, with their errors, and
//! retry / cancel. Admins only.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::jobs::admin::{self, AdminAction, JobCounts};
use crate::jobs::{Job, JobId, JobStatus};
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::flash::{self, Flash, Level};
use crate::web::identity::Identity;
use crate::web::nav::Section;
use crate::web::render::html;

const PAGE_SIZE: i64 = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/jobs", web::get().to(jobs_page))
        .route("/admin/jobs/{id}/retry", web::post().to(retry_job))
        .route("/admin/jobs/{id}/cancel", web::post().to(cancel_job));
}

/// The tabs across the top of the page.
const TABS: [(Option<JobStatus>, &str); 6] = [
    (None, "All"),
    (Some(JobStatus::Queued), "Queued"),
    (Some(JobStatus::Running), "Running"),
    (Some(JobStatus::Failed), "Failed"),
    (Some(JobStatus::Dead), "Dead"),
    (Some(JobStatus::Succeeded), "Succeeded"),
];

struct Tab {
    label: &'static str,
    href: String,
    active: bool,
    count: Option<String>,
}

#[derive(Template)]
#[template(path = "jobs/index.html")]
struct JobsPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    jobs: Vec<Job>,
    status: Option<JobStatus>,
    next_before: Option<JobId>,
    paged: bool,
}

#[derive(Debug, Deserialize)]
struct JobsQuery {
    status: Option<String>,
    before: Option<i64>,
}

fn tabs(status: Option<JobStatus>, counts: &JobCounts) -> Vec<Tab> {
    TABS.iter()
        .map(|(tab_status, label)| Tab {
            label,
            href: match tab_status {
                Some(s) => format!("/admin/jobs?status={}", s.as_str()),
                None => "/admin/jobs".to_owned(),
            },
            active: *tab_status == status,
            count: match tab_status {
                Some(JobStatus::Queued) => Some(counts.queued.display()),
                Some(JobStatus::Running) => Some(counts.running.display()),
                Some(JobStatus::Failed) => Some(counts.failed.display()),
                Some(JobStatus::Dead) => Some(counts.dead.display()),
                _ => None,
            },
        })
        .collect()
}

async fn jobs_page(
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<JobsQuery>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::TenantManage)?;
    let status = match query.status.as_deref() {
        None | Some("") | Some("all") => None,
        Some(text) => Some(
            JobStatus::parse(text)
                .ok_or_else(|| AppError::bad_request(format!("Unknown job status `{text}`.")))?,
        ),
    };
    let before = query.before.map(JobId);
    let (mut jobs, counts) = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            Ok((
                admin::list(conn, status, before, PAGE_SIZE + 1)?,
                admin::counts(conn)?,
            ))
        })
        .await?;
    let has_more = jobs.len() as i64 > PAGE_SIZE;
    jobs.truncate(PAGE_SIZE as usize);
    html(&JobsPage {
        chrome: page.chrome("Jobs", Section::Jobs),
        tabs: tabs(status, &counts),
        next_before: if has_more {
            jobs.last().map(|job| job.id)
        } else {
            None
        },
        jobs,
        status,
        paged: before.is_some(),
    })
}

/// Where to go back to after an action: the list the admin was looking at.
fn back_to(req: &HttpRequest) -> String {
    req.headers()
        .get("Referer")
        .and_then(|value| value.to_str().ok())
        .and_then(|referer| {
            referer
                .find("/admin/jobs")
                .map(|at| referer[at..].to_owned())
        })
        .unwrap_or_else(|| "/admin/jobs".to_owned())
}

async fn retry_job(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::TenantManage)?;
    let id = JobId(path.into_inner());
    let action = state
        .db
        .tenant(&identity.scope(), move |conn| {
            if crate::jobs::queue::find(conn, id)?.is_none() {
                return Err(AppError::NotFound);
            }
            Ok(admin::retry(conn, id)?)
        })
        .await?;
    let flash = match action {
        AdminAction::Retried => Flash::success(format!("Job {id} queued again.")),
        _ => warning(format!("Job {id} cannot be retried in its current state.")),
    };
    Ok(flash::redirect(&req, &back_to(&req), flash))
}

async fn cancel_job(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::TenantManage)?;
    let id = JobId(path.into_inner());
    let action = state
        .db
        .tenant(&identity.scope(), move |conn| {
            if crate::jobs::queue::find(conn, id)?.is_none() {
                return Err(AppError::NotFound);
            }
            Ok(admin::cancel(conn, id)?)
        })
        .await?;
    let flash = match action {
        AdminAction::Cancelled => Flash::success(format!("Job {id} cancelled.")),
        AdminAction::CancelRequested => Flash::info(format!(
            "Job {id} was asked to stop; its worker stops it within a few seconds."
        )),
        _ => warning(format!("Job {id} has already finished.")),
    };
    Ok(flash::redirect(&req, &back_to(&req), flash))
}

fn warning(text: String) -> Flash {
    Flash {
        level: Level::Warning,
        text,
    }
}

/// The badge colour for a job state.
pub fn status_tone(status: impl AsRef<str>) -> &'static str {
    match status.as_ref() {
        "succeeded" => "success",
        "running" => "info",
        "failed" => "warning",
        "dead" => "danger",
        _ => "muted",
    }
}
