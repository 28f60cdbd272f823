//! Run history (`/sync/runs`), one run's page with its errors and debug log, stopping a
//! run, and its errors as CSV.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::schema::users;
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::sync::registry;
use crate::sync::runs::{self, RunErrorRow, RunFilter, RunStatus, StopOutcome, SyncRun};
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::flash::{self, Flash};
use crate::web::identity::Identity;
use crate::web::nav::Section;
use crate::web::render::{html, is_htmx};
use crate::web::sync::views::Live;

const PAGE_SIZE: i64 = 50;
const ERRORS_SHOWN: i64 = 100;

#[derive(Template)]
#[template(path = "sync/runs.html")]
struct RunsPage {
    chrome: Chrome,
    runs: Vec<SyncRun>,
    sources: Vec<(&'static str, &'static str, bool)>,
    statuses: Vec<(&'static str, bool)>,
    filter_model: String,
    older_href: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RunsQuery {
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub status: String,
    pub before: Option<i64>,
}

impl RunsQuery {
    pub fn filter(&self) -> Result<RunFilter, AppError> {
        let status =
            match self.status.trim() {
                "" => None,
                text => Some(RunStatus::parse(text).ok_or_else(|| {
                    AppError::bad_request(format!("Unknown run status `{text}`."))
                })?),
            };
        let non_empty = |text: &str| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        Ok(RunFilter {
            source: non_empty(&self.source),
            model: non_empty(&self.model),
            status,
            before: self.before,
        })
    }
}

pub async fn list_page(
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<RunsQuery>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::SyncManage)?;
    let filter = query.filter()?;
    let mut found = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            Ok(runs::list(conn, &filter, PAGE_SIZE + 1)?)
        })
        .await?;
    let older_href = if found.len() as i64 > PAGE_SIZE {
        found.truncate(PAGE_SIZE as usize);
        found.last().map(|run| {
            let params = [
                ("source", query.source.as_str()),
                ("model", query.model.as_str()),
                ("status", query.status.as_str()),
            ];
            let mut href = form_urlencoded::Serializer::new(String::new());
            for (key, value) in params.iter().filter(|(_, v)| !v.is_empty()) {
                href.append_pair(key, value);
            }
            href.append_pair("before", &run.id.to_string());
            format!("/sync/runs?{}", href.finish())
        })
    } else {
        None
    };
    html(&RunsPage {
        chrome: page.chrome("Sync runs", Section::Sync),
        runs: found,
        sources: registry::all()
            .iter()
            .map(|c| (c.info().id, c.info().name, c.info().id == query.source))
            .collect(),
        statuses: RunStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.as_str() == query.status))
            .collect(),
        filter_model: query.model.clone(),
        older_href,
    })
}

#[derive(Template)]
#[template(path = "sync/run.html")]
struct RunPage {
    chrome: Chrome,
    source_name: String,
    live: Live,
    options: String,
    requested_by: Option<String>,
    rate_limit_wait: Option<f64>,
    errors: Vec<RunErrorRow>,
    more_errors: bool,
    debug_log: Option<String>,
    run: SyncRun,
}

pub async fn run_page(
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::SyncManage)?;
    let run_id = path.into_inner();
    let (run, mut errors, debug_log, requested_by) = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            use diesel::prelude::*;
            let run = runs::find(conn, run_id)?.ok_or(AppError::NotFound)?;
            let requested_by = match run.requested_by {
                Some(id) => users::table
                    .find(crate::domain::ids::UserId(id))
                    .select(users::name)
                    .first::<String>(conn)
                    .optional()?,
                None => None,
            };
            Ok((
                run,
                runs::errors(conn, run_id, 0, ERRORS_SHOWN + 1)?,
                runs::debug_log(conn, run_id)?,
                requested_by,
            ))
        })
        .await?;
    let more_errors = errors.len() as i64 > ERRORS_SHOWN;
    errors.truncate(ERRORS_SHOWN as usize);
    html(&RunPage {
        chrome: page.chrome(format!("Run #{}", run.id), Section::Sync),
        source_name: registry::get(&run.source)
            .map_or(run.source.clone(), |c| c.info().name.to_owned()),
        live: Live::new(&run.source, &run.model, Some(&run)),
        options: run.options().describe(),
        requested_by,
        rate_limit_wait: Some(run.rate_limit_wait_ms as f64 / 1000.0),
        errors,
        more_errors,
        debug_log,
        run,
    })
}

pub async fn stop(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::SyncManage)?;
    let run_id = path.into_inner();
    let outcome = state
        .db
        .tenant(&identity.scope(), move |conn| {
            runs::find(conn, run_id)?.ok_or(AppError::NotFound)?;
            Ok(runs::stop(conn, run_id)?)
        })
        .await?;
    if is_htmx(&req) {
        // The live stream shows the outcome.
        return Ok(HttpResponse::NoContent().finish());
    }
    let flash = match outcome {
        StopOutcome::Cancelled => Flash::success("The sync was cancelled before it started."),
        StopOutcome::Requested => {
            Flash::info("Stopping: the sync stops after the batch it is storing.")
        }
        StopOutcome::NotRunning => Flash::info("That sync had already finished."),
    };
    Ok(flash::redirect(
        &req,
        &format!("/sync/runs/{run_id}"),
        flash,
    ))
}

/// Every error of the run as CSV (record id, reason, payload excerpt), streamed in pages.
pub async fn errors_csv(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::SyncManage)?;
    let run_id = path.into_inner();
    state
        .db
        .tenant(&identity.scope(), move |conn| {
            runs::find(conn, run_id)?.ok_or(AppError::NotFound)?;
            Ok(())
        })
        .await?;
    let db = state.db.clone();
    let scope = identity.scope();
    let stream = crate::web::sync::model::csv_stream(
        vec!["record_id", "reason", "payload_excerpt", "at"],
        move |after| {
            let rows = db.tenant_blocking(&scope, |conn| -> Result<_, AppError> {
                Ok(runs::errors(
                    conn,
                    run_id,
                    after.parse().unwrap_or(0),
                    1000,
                )?)
            })?;
            let next = rows.last().map(|row| row.id.to_string());
            let records = rows
                .into_iter()
                .map(|row| {
                    vec![
                        row.source_id.unwrap_or_default(),
                        row.reason,
                        row.payload_excerpt.unwrap_or_default(),
                        row.created_at.to_rfc3339(),
                    ]
                })
                .collect();
            Ok((records, next))
        },
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"sync-run-{run_id}-errors.csv\""),
        ))
        .streaming(stream))
}
