//! Sync runs: creating one (at most one active per tenant, source and model), progress
//! and heartbeats, finishing, stopping, recovering runs whose process died, per-record
//! errors, and the queries behind the history pages.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text};
use serde::Serialize;

use crate::db::schema::{sync_run_errors, sync_runs};
use crate::domain::ids::{TenantId, UserId};
use crate::sync::live;
use crate::sync::options::SyncOptions;

/// Where a run is. Stored as its lowercase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Queued,
    Running,
    Success,
    Failed,
    /// Finished, but some records failed validation (see the run's errors).
    Partial,
    Cancelled,
}

impl RunStatus {
    pub const ALL: [RunStatus; 6] = [
        RunStatus::Queued,
        RunStatus::Running,
        RunStatus::Success,
        RunStatus::Failed,
        RunStatus::Partial,
        RunStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Success => "success",
            RunStatus::Failed => "failed",
            RunStatus::Partial => "partial",
            RunStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        RunStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_active(self) -> bool {
        matches!(self, RunStatus::Queued | RunStatus::Running)
    }
}

/// Who started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Dashboard,
    Api,
    Cli,
    Schedule,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Dashboard => "dashboard",
            Trigger::Api => "api",
            Trigger::Cli => "cli",
            Trigger::Schedule => "schedule",
        }
    }
}

/// A run, without its (possibly long) debug log.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = sync_runs, check_for_backend(diesel::pg::Pg))]
pub struct SyncRun {
    pub id: i64,
    pub tenant_id: i64,
    pub source: String,
    pub model: String,
    pub status: String,
    pub trigger: String,
    pub requested_by: Option<i64>,
    pub options: serde_json::Value,
    pub endpoint: Option<String>,
    pub queued_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub worker: Option<String>,
    pub job_id: Option<i64>,
    pub processed: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub failed: i64,
    pub deleted: i64,
    pub expected_total: Option<i64>,
    pub pages: i32,
    pub requests: i32,
    pub retries: i32,
    pub rate_limit_waits: i32,
    pub rate_limit_wait_ms: i64,
    pub cursor_before: Option<String>,
    pub cursor_after: Option<String>,
    pub error_message: Option<String>,
    pub cancel_requested_at: Option<DateTime<Utc>>,
}

impl SyncRun {
    pub fn status(&self) -> RunStatus {
        RunStatus::parse(&self.status).unwrap_or(RunStatus::Failed)
    }

    pub fn options(&self) -> SyncOptions {
        serde_json::from_value(self.options.clone()).unwrap_or_default()
    }

    /// Wall time so far (running) or in total.
    pub fn duration_seconds(&self) -> Option<f64> {
        let started = self.started_at?;
        let end = self.finished_at.unwrap_or_else(Utc::now);
        Some(((end - started).num_milliseconds().max(0) as f64) / 1000.0)
    }

    pub fn records_per_second(&self) -> Option<f64> {
        let seconds = self.duration_seconds()?;
        (seconds > 0.0).then(|| self.processed as f64 / seconds)
    }
}

pub struct NewRun<'a> {
    pub tenant_id: TenantId,
    pub source: &'a str,
    pub model: &'a str,
    pub trigger: Trigger,
    pub requested_by: Option<UserId>,
    pub options: &'a SyncOptions,
}

/// Creates a run: `queued` (a job will run it) or `running` (the caller runs it now, as
/// the CLI does). A run of the same model that is already queued or running wins: its id
/// comes back as `Err`. A running one whose process stopped heartbeating for
/// `stale_after` is failed first, so a dead process never blocks the model for good.
pub fn create(
    conn: &mut PgConnection,
    new: &NewRun<'_>,
    running_now: bool,
    worker: Option<&str>,
    stale_after: std::time::Duration,
) -> QueryResult<Result<SyncRun, i64>> {
    let recovered: Vec<StaleRun> = diesel::sql_query(format!(
        "{RECOVER_SQL} AND tenant_id = $2 AND source = $3 AND model = $4 RETURNING {RECOVER_RETURNING}"
    ))
    .bind::<Double, _>(stale_after.as_secs_f64())
    .bind::<BigInt, _>(new.tenant_id.0)
    .bind::<Text, _>(new.source)
    .bind::<Text, _>(new.model)
    .load(conn)?;
    for run in &recovered {
        live::publish_run(conn, run.id)?;
    }
    let options = serde_json::to_value(new.options).unwrap_or_default();
    let inserted: Option<SyncRun> = diesel::insert_into(sync_runs::table)
        .values((
            sync_runs::tenant_id.eq(new.tenant_id.0),
            sync_runs::source.eq(new.source),
            sync_runs::model.eq(new.model),
            sync_runs::status.eq(if running_now { "running" } else { "queued" }),
            sync_runs::trigger.eq(new.trigger.as_str()),
            sync_runs::requested_by.eq(new.requested_by.map(|id| id.0)),
            sync_runs::options.eq(options),
            sync_runs::started_at.eq(running_now.then(Utc::now)),
            sync_runs::heartbeat_at.eq(running_now.then(Utc::now)),
            sync_runs::worker.eq(worker),
        ))
        .on_conflict_do_nothing()
        .returning(SyncRun::as_returning())
        .get_result(conn)
        .optional()?;
    match inserted {
        Some(run) => {
            live::publish_run(conn, run.id)?;
            Ok(Ok(run))
        }
        None => {
            let active = sync_runs::table
                .filter(sync_runs::source.eq(new.source))
                .filter(sync_runs::model.eq(new.model))
                .filter(sync_runs::status.eq_any(["queued", "running"]))
                .select(sync_runs::id)
                .first(conn)?;
            Ok(Err(active))
        }
    }
}

pub fn set_job(conn: &mut PgConnection, run_id: i64, job_id: i64) -> QueryResult<()> {
    diesel::update(sync_runs::table.find(run_id))
        .set(sync_runs::job_id.eq(job_id))
        .execute(conn)?;
    Ok(())
}

/// A queued run starts (its job picked it up). False if it is no longer queued (stopped).
pub fn begin(conn: &mut PgConnection, run_id: i64, worker: &str) -> QueryResult<bool> {
    let started = diesel::update(sync_runs::table.find(run_id))
        .filter(sync_runs::status.eq("queued"))
        .set((
            sync_runs::status.eq("running"),
            sync_runs::started_at.eq(diesel::dsl::now),
            sync_runs::heartbeat_at.eq(diesel::dsl::now),
            sync_runs::worker.eq(worker),
        ))
        .execute(conn)?;
    if started == 1 {
        live::publish_run(conn, run_id)?;
    }
    Ok(started == 1)
}

pub fn find(conn: &mut PgConnection, run_id: i64) -> QueryResult<Option<SyncRun>> {
    sync_runs::table
        .find(run_id)
        .select(SyncRun::as_select())
        .first(conn)
        .optional()
}

pub fn debug_log(conn: &mut PgConnection, run_id: i64) -> QueryResult<Option<String>> {
    Ok(sync_runs::table
        .find(run_id)
        .select(sync_runs::debug_log)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Progress since the last update, plus the metrics so far.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub processed: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub failed: i64,
    pub deleted: i64,
    pub pages: i32,
    pub requests: i32,
    pub retries: i32,
    pub rate_limit_waits: i32,
    pub rate_limit_wait_ms: i64,
    pub expected_total: Option<i64>,
    pub cursor_after: Option<String>,
    pub endpoint: Option<String>,
}

/// Adds a batch's counts (deltas) and sets the metrics (totals); refreshes the heartbeat.
/// Returns true when someone asked the run to stop.
pub fn record_progress(
    conn: &mut PgConnection,
    run_id: i64,
    progress: &Progress,
) -> QueryResult<bool> {
    diesel::update(sync_runs::table.find(run_id))
        .set((
            sync_runs::processed.eq(sync_runs::processed + progress.processed),
            sync_runs::created.eq(sync_runs::created + progress.created),
            sync_runs::updated.eq(sync_runs::updated + progress.updated),
            sync_runs::unchanged.eq(sync_runs::unchanged + progress.unchanged),
            sync_runs::failed.eq(sync_runs::failed + progress.failed),
            sync_runs::deleted.eq(sync_runs::deleted + progress.deleted),
            sync_runs::pages.eq(progress.pages),
            sync_runs::requests.eq(progress.requests),
            sync_runs::retries.eq(progress.retries),
            sync_runs::rate_limit_waits.eq(progress.rate_limit_waits),
            sync_runs::rate_limit_wait_ms.eq(progress.rate_limit_wait_ms),
            sync_runs::expected_total.eq(progress.expected_total),
            sync_runs::cursor_after.eq(&progress.cursor_after),
            sync_runs::endpoint.eq(&progress.endpoint),
            sync_runs::heartbeat_at.eq(diesel::dsl::now),
        ))
        .returning(sync_runs::cancel_requested_at.is_not_null())
        .get_result(conn)
}

/// Keeps a long fetch (or rate-limit wait) from looking dead. True if asked to stop.
pub fn heartbeat(conn: &mut PgConnection, run_id: i64) -> QueryResult<bool> {
    Ok(diesel::update(sync_runs::table.find(run_id))
        .filter(sync_runs::status.eq("running"))
        .set(sync_runs::heartbeat_at.eq(diesel::dsl::now))
        .returning(sync_runs::cancel_requested_at.is_not_null())
        .get_result::<bool>(conn)
        .optional()?
        // No longer running (recovered as stale, or stopped while queued): stop.
        .unwrap_or(true))
}

pub fn set_cursor_before(
    conn: &mut PgConnection,
    run_id: i64,
    cursor: Option<&str>,
) -> QueryResult<()> {
    diesel::update(sync_runs::table.find(run_id))
        .set(sync_runs::cursor_before.eq(cursor))
        .execute(conn)?;
    Ok(())
}

/// Ends a running run. Returns false if it was no longer running (recovered elsewhere).
pub fn finish(
    conn: &mut PgConnection,
    run_id: i64,
    status: RunStatus,
    error_message: Option<&str>,
    debug_log: Option<&str>,
) -> QueryResult<bool> {
    let finished = diesel::update(sync_runs::table.find(run_id))
        .filter(sync_runs::status.eq("running"))
        .set((
            sync_runs::status.eq(status.as_str()),
            sync_runs::finished_at.eq(diesel::dsl::now),
            sync_runs::heartbeat_at.eq(diesel::dsl::now),
            sync_runs::error_message.eq(error_message.map(|m| truncate(m, 2000))),
            sync_runs::debug_log.eq(debug_log),
        ))
        .execute(conn)?;
    live::publish_run(conn, run_id)?;
    Ok(finished == 1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopOutcome {
    /// It was queued: it will not run.
    Cancelled,
    /// It is running: it stops at its next batch boundary.
    Requested,
    /// It has already finished.
    NotRunning,
}

pub fn stop(conn: &mut PgConnection, run_id: i64) -> QueryResult<StopOutcome> {
    let queued = diesel::update(sync_runs::table.find(run_id))
        .filter(sync_runs::status.eq("queued"))
        .set((
            sync_runs::status.eq("cancelled"),
            sync_runs::finished_at.eq(diesel::dsl::now),
            sync_runs::cancel_requested_at.eq(diesel::dsl::now),
            sync_runs::error_message.eq("Stopped before it started."),
        ))
        .execute(conn)?;
    if queued == 1 {
        live::publish_run(conn, run_id)?;
        return Ok(StopOutcome::Cancelled);
    }
    let running = diesel::update(sync_runs::table.find(run_id))
        .filter(sync_runs::status.eq("running"))
        .set(sync_runs::cancel_requested_at.eq(diesel::dsl::now))
        .execute(conn)?;
    if running == 1 {
        live::publish_run(conn, run_id)?;
        Ok(StopOutcome::Requested)
    } else {
        Ok(StopOutcome::NotRunning)
    }
}

const RECOVER_SQL: &str = "UPDATE sync_runs SET status = 'failed', finished_at = now(), \
    error_message = 'The process running this sync stopped responding (no heartbeat for ' \
        || round($1::numeric) || ' s). The records it stored are kept; run it again to continue.' \
    WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $1)";
const RECOVER_RETURNING: &str = "id, tenant_id";

#[derive(QueryableByName)]
struct StaleRun {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    #[allow(dead_code)] // read by the returning clause's shape only
    tenant_id: i64,
}

/// Fails every running run (any tenant) whose heartbeat is older than `stale_after`, and
/// cancels queued runs whose job is gone. Run as `rapport_system`.
pub fn recover_stale(
    conn: &mut PgConnection,
    stale_after: std::time::Duration,
) -> QueryResult<usize> {
    let stale: Vec<StaleRun> =
        diesel::sql_query(format!("{RECOVER_SQL} RETURNING {RECOVER_RETURNING}"))
            .bind::<Double, _>(stale_after.as_secs_f64())
            .load(conn)?;
    let orphans: Vec<StaleRun> = diesel::sql_query(
        "UPDATE sync_runs r SET status = 'cancelled', finished_at = now(), \
             error_message = 'Its background job was cancelled or failed before the sync started.' \
         WHERE r.status = 'queued' AND r.job_id IS NOT NULL AND NOT EXISTS ( \
             SELECT 1 FROM jobs j WHERE j.id = r.job_id AND j.status IN ('queued', 'running', 'failed')) \
         RETURNING id, tenant_id",
    )
    .load(conn)?;
    for run in stale.iter().chain(orphans.iter()) {
        tracing::warn!(run = run.id, "recovered an abandoned sync run");
        live::publish_run(conn, run.id)?;
    }
    Ok(stale.len() + orphans.len())
}

/// A record that failed validation (or mapping) in a run.
pub struct RecordError<'a> {
    pub source_id: Option<&'a str>,
    pub reason: &'a str,
    pub payload_excerpt: Option<String>,
}

pub fn add_errors(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    run_id: i64,
    errors: &[RecordError<'_>],
) -> QueryResult<()> {
    if errors.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = errors
        .iter()
        .map(|error| {
            (
                sync_run_errors::tenant_id.eq(tenant_id.0),
                sync_run_errors::run_id.eq(run_id),
                sync_run_errors::source_id.eq(error.source_id),
                sync_run_errors::reason.eq(truncate(error.reason, 1000)),
                sync_run_errors::payload_excerpt.eq(error.payload_excerpt.clone()),
            )
        })
        .collect();
    diesel::insert_into(sync_run_errors::table)
        .values(rows)
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = sync_run_errors, check_for_backend(diesel::pg::Pg))]
pub struct RunErrorRow {
    pub id: i64,
    pub run_id: i64,
    pub source_id: Option<String>,
    pub reason: String,
    pub payload_excerpt: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A run's errors in order, keyset on id.
pub fn errors(
    conn: &mut PgConnection,
    run_id: i64,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<RunErrorRow>> {
    sync_run_errors::table
        .filter(sync_run_errors::run_id.eq(run_id))
        .filter(sync_run_errors::id.gt(after))
        .order(sync_run_errors::id)
        .limit(limit)
        .select(RunErrorRow::as_select())
        .load(conn)
}

/// The latest errors of a model's runs.
pub fn recent_errors(
    conn: &mut PgConnection,
    source: &str,
    model: &str,
    limit: i64,
) -> QueryResult<Vec<RunErrorRow>> {
    let run_ids: Vec<i64> = sync_runs::table
        .filter(sync_runs::source.eq(source))
        .filter(sync_runs::model.eq(model))
        .filter(sync_runs::failed.gt(0))
        .order(sync_runs::id.desc())
        .limit(5)
        .select(sync_runs::id)
        .load(conn)?;
    sync_run_errors::table
        .filter(sync_run_errors::run_id.eq_any(run_ids))
        .order(sync_run_errors::id.desc())
        .limit(limit)
        .select(RunErrorRow::as_select())
        .load(conn)
}

/// Filters of the run history.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub source: Option<String>,
    pub model: Option<String>,
    pub status: Option<RunStatus>,
    pub before: Option<i64>,
}

pub fn list(conn: &mut PgConnection, filter: &RunFilter, limit: i64) -> QueryResult<Vec<SyncRun>> {
    let mut query = sync_runs::table
        .select(SyncRun::as_select())
        .order(sync_runs::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(source) = &filter.source {
        query = query.filter(sync_runs::source.eq(source.clone()));
    }
    if let Some(model) = &filter.model {
        query = query.filter(sync_runs::model.eq(model.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(sync_runs::status.eq(status.as_str()));
    }
    if let Some(before) = filter.before {
        query = query.filter(sync_runs::id.lt(before));
    }
    query.load(conn)
}

/// The latest run of each model of a source (or of every source).
pub fn latest_per_model(
    conn: &mut PgConnection,
    source: Option<&str>,
) -> QueryResult<Vec<SyncRun>> {
    let ids: Vec<i64> = match source {
        Some(source) => diesel::sql_query(
            "SELECT DISTINCT ON (model) id FROM sync_runs WHERE tenant_id = app_tenant_id() \
             AND source = $1 ORDER BY model, id DESC",
        )
        .bind::<Text, _>(source)
        .load::<IdRow>(conn)?,
        None => diesel::sql_query(
            "SELECT DISTINCT ON (source, model) id FROM sync_runs WHERE tenant_id = app_tenant_id() \
             ORDER BY source, model, id DESC",
        )
        .load::<IdRow>(conn)?,
    }
    .into_iter()
    .map(|row| row.id)
    .collect();
    sync_runs::table
        .filter(sync_runs::id.eq_any(ids))
        .select(SyncRun::as_select())
        .load(conn)
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Runs that are active, or finished in the last `minutes` (what a reconnecting live view
/// must re-render).
pub fn active_or_recent(conn: &mut PgConnection, minutes: i64) -> QueryResult<Vec<SyncRun>> {
    sync_runs::table
        .filter(
            sync_runs::status
                .eq_any(["queued", "running"])
                .or(sync_runs::finished_at.gt(Utc::now() - chrono::Duration::minutes(minutes))),
        )
        .order(sync_runs::id.desc())
        .limit(200)
        .select(SyncRun::as_select())
        .load(conn)
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max_chars).collect();
        cut.push('…');
        cut
    }
}
