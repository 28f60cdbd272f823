//! The jobs table: enqueue (in the caller's transaction), claim (`FOR UPDATE SKIP LOCKED`),
//! heartbeat, finish, retry with exponential backoff, and recovery of jobs whose worker
//! stopped. Every function runs on the connection it is given, inside its transaction.
//!
//! Who calls what: request handlers and domain code call [`enqueue`] in their tenant
//! scope (row-level security makes the job the tenant's); workers call the rest as
//! `rapport_system`, since claiming is cross-tenant.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Double, Text};
use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};

use crate::db::listen::JOBS_CHANNEL;
use crate::db::schema::jobs;
use crate::domain::ids::{TenantId, UserId};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DieselNewType, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct JobId(pub i64);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a job is in its life. Stored as its lowercase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for its `run_at`.
    Queued,
    /// Claimed by a worker, which sends heartbeats.
    Running,
    /// An attempt failed; it waits for its retry at `run_at`.
    Failed,
    /// Out of attempts, or failed permanently. Only an admin's retry revives it.
    Dead,
    Succeeded,
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 6] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Failed,
        JobStatus::Dead,
        JobStatus::Succeeded,
        JobStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Failed => "failed",
            JobStatus::Dead => "dead",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        JobStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName, Serialize)]
#[diesel(table_name = jobs, check_for_backend(diesel::pg::Pg))]
pub struct Job {
    pub id: JobId,
    pub tenant_id: Option<TenantId>,
    pub kind: String,
    pub payload: serde_json::Value,
    pub priority: i16,
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub dedupe_key: Option<String>,
    pub locked_by: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub cancel_requested_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Job {
    pub fn status(&self) -> Option<JobStatus> {
        JobStatus::parse(&self.status)
    }
}

/// A job to enqueue: `NewJob::new("kind", payload)` plus what applies.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub tenant_id: Option<TenantId>,
    pub priority: i16,
    pub max_attempts: i32,
    pub run_at: Option<DateTime<Utc>>,
    pub dedupe_key: Option<String>,
    pub created_by: Option<UserId>,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        NewJob {
            kind: kind.into(),
            payload,
            tenant_id: None,
            priority: 0,
            max_attempts: 5,
            run_at: None,
            dedupe_key: None,
            created_by: None,
        }
    }

    /// The tenant whose scope the job's work runs in (None: system-wide work).
    pub fn for_tenant(mut self, tenant_id: TenantId) -> Self {
        self.tenant_id = Some(tenant_id);
        self
    }

    /// Higher runs first (default 0).
    pub fn priority(mut self, priority: i16) -> Self {
        self.priority = priority;
        self
    }

    /// Attempts before the job is dead (default 5; 1 means "never retry").
    pub fn max_attempts(mut self, attempts: i32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Not before this time (default: now).
    pub fn run_at(mut self, at: DateTime<Utc>) -> Self {
        self.run_at = Some(at);
        self
    }

    /// While a job of this kind with this key is queued, running or waiting for a retry,
    /// enqueueing another returns the existing one instead.
    pub fn dedupe_key(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }

    pub fn created_by(mut self, user: UserId) -> Self {
        self.created_by = Some(user);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    Created(JobId),
    /// A live job with the same dedupe key already existed.
    Existing(JobId),
}

impl Enqueued {
    pub fn id(self) -> JobId {
        match self {
            Enqueued::Created(id) | Enqueued::Existing(id) => id,
        }
    }
}

/// Adds a job inside the caller's transaction: it exists (and workers are woken) only if
/// that transaction commits.
pub fn enqueue(conn: &mut PgConnection, new: &NewJob) -> QueryResult<Enqueued> {
    let inserted: Option<JobId> = diesel::insert_into(jobs::table)
        .values((
            jobs::tenant_id.eq(new.tenant_id),
            jobs::kind.eq(&new.kind),
            jobs::payload.eq(&new.payload),
            jobs::priority.eq(new.priority),
            jobs::max_attempts.eq(new.max_attempts),
            jobs::run_at.eq(new.run_at.unwrap_or_else(Utc::now)),
            jobs::dedupe_key.eq(&new.dedupe_key),
            jobs::created_by.eq(new.created_by),
        ))
        .on_conflict_do_nothing()
        .returning(jobs::id)
        .get_result(conn)
        .optional()?;
    match inserted {
        Some(id) => {
            notify_workers(conn, &new.kind)?;
            Ok(Enqueued::Created(id))
        }
        None => {
            let existing = jobs::table
                .filter(jobs::kind.eq(&new.kind))
                .filter(jobs::dedupe_key.eq(&new.dedupe_key))
                .filter(jobs::status.eq_any(["queued", "running", "failed"]))
                .select(jobs::id)
                .first(conn)?;
            Ok(Enqueued::Existing(existing))
        }
    }
}

fn notify_workers(conn: &mut PgConnection, kind: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(JOBS_CHANNEL)
        .bind::<Text, _>(kind)
        .execute(conn)?;
    Ok(())
}

/// Claims the most urgent ready job of one of `kinds` for `worker`, or None. Run it as
/// `rapport_system` in its own short transaction: the claim commits before the work
/// starts, and `SKIP LOCKED` lets concurrent workers take different jobs.
pub fn claim(conn: &mut PgConnection, worker: &str, kinds: &[String]) -> QueryResult<Option<Job>> {
    diesel::sql_query(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, \
             started_at = now(), heartbeat_at = now(), cancel_requested_at = NULL, finished_at = NULL \
         WHERE id = (SELECT id FROM jobs \
                     WHERE status IN ('queued', 'failed') AND run_at <= now() AND kind = ANY($2) \
                     ORDER BY priority DESC, run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING *",
    )
    .bind::<Text, _>(worker)
    .bind::<Array<Text>, _>(kinds)
    .get_result(conn)
    .optional()
}

/// What a heartbeat learned about the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beat {
    /// Still ours and running.
    Alive,
    /// Still ours, but an admin asked to cancel it.
    CancelRequested,
    /// No longer ours (recovered as stuck, or finished elsewhere): stop working on it.
    Lost,
}

pub fn heartbeat(conn: &mut PgConnection, id: JobId, worker: &str) -> QueryResult<Beat> {
    let cancel: Option<bool> = diesel::update(jobs::table.find(id))
        .filter(jobs::locked_by.eq(worker))
        .filter(jobs::status.eq("running"))
        .set(jobs::heartbeat_at.eq(diesel::dsl::now))
        .returning(jobs::cancel_requested_at.is_not_null())
        .get_result(conn)
        .optional()?;
    Ok(match cancel {
        Some(false) => Beat::Alive,
        Some(true) => Beat::CancelRequested,
        None => Beat::Lost,
    })
}

/// The job succeeded.
pub fn complete(conn: &mut PgConnection, id: JobId, worker: &str) -> QueryResult<bool> {
    finish(conn, id, worker, JobStatus::Succeeded, None)
}

/// The job stopped because it was asked to.
pub fn mark_cancelled(conn: &mut PgConnection, id: JobId, worker: &str) -> QueryResult<bool> {
    finish(conn, id, worker, JobStatus::Cancelled, Some("Cancelled."))
}

fn finish(
    conn: &mut PgConnection,
    id: JobId,
    worker: &str,
    status: JobStatus,
    message: Option<&str>,
) -> QueryResult<bool> {
    let updated = diesel::update(jobs::table.find(id))
        .filter(jobs::locked_by.eq(worker))
        .filter(jobs::status.eq("running"))
        .set((
            jobs::status.eq(status.as_str()),
            jobs::finished_at.eq(diesel::dsl::now),
            jobs::locked_by.eq(None::<String>),
            jobs::last_error.eq(message),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Puts a job back in the queue without counting the attempt (the process is shutting
/// down and the job did not get to finish).
pub fn release(conn: &mut PgConnection, id: JobId, worker: &str) -> QueryResult<bool> {
    let updated = diesel::update(jobs::table.find(id))
        .filter(jobs::locked_by.eq(worker))
        .filter(jobs::status.eq("running"))
        .set((
            jobs::status.eq("queued"),
            jobs::attempts.eq(jobs::attempts - 1),
            jobs::run_at.eq(diesel::dsl::now),
            jobs::locked_by.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// How long to wait before retry number `attempt` (1-based): `base · 2^(attempt−1)`,
/// capped at `max`, and spread ±25% so a burst of failures does not retry in lockstep.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    pub fn delay(&self, attempt: i32, jitter: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).clamp(0, 30) as u32;
        let raw = self.base.as_secs_f64() * 2f64.powi(exponent as i32);
        let capped = raw.min(self.max.as_secs_f64());
        let spread = 0.75 + 0.5 * jitter.clamp(0.0, 1.0);
        Duration::from_secs_f64((capped * spread).min(self.max.as_secs_f64()))
    }
}

/// The attempt failed: retry after a backoff, or give up (`dead`) when out of attempts or
/// when the error is permanent. Returns the status the job ended in, if it was still ours.
pub fn fail(
    conn: &mut PgConnection,
    job: &Job,
    worker: &str,
    error: &str,
    permanent: bool,
    backoff: Backoff,
) -> QueryResult<Option<JobStatus>> {
    let dead = permanent || job.attempts >= job.max_attempts;
    let delay = backoff.delay(job.attempts, fastrand::f64());
    let status: Option<String> = diesel::sql_query(
        "UPDATE jobs SET status = CASE WHEN $3 THEN 'dead' ELSE 'failed' END, \
             run_at = CASE WHEN $3 THEN run_at ELSE now() + make_interval(secs => $4) END, \
             finished_at = CASE WHEN $3 THEN now() ELSE NULL END, \
             last_error = $5, locked_by = NULL \
         WHERE id = $1 AND locked_by = $2 AND status = 'running' RETURNING status",
    )
    .bind::<BigInt, _>(job.id.0)
    .bind::<Text, _>(worker)
    .bind::<Bool, _>(dead)
    .bind::<Double, _>(delay.as_secs_f64())
    .bind::<Text, _>(truncate(error, 4000))
    .get_result::<StatusRow>(conn)
    .optional()?
    .map(|row| row.status);
    Ok(status.as_deref().and_then(JobStatus::parse))
}

#[derive(QueryableByName)]
struct StatusRow {
    #[diesel(sql_type = Text)]
    status: String,
}

/// Jobs marked `running` whose worker has not sent a heartbeat for `stale_after` (the
/// process died or hung): each goes back for a retry (`failed`, due now) or, out of
/// attempts, `dead`. Returns them so each kind's recovery hook can tidy up.
pub fn recover_stuck(conn: &mut PgConnection, stale_after: Duration) -> QueryResult<Vec<Job>> {
    let seconds = stale_after.as_secs_f64();
    diesel::sql_query(
        "UPDATE jobs SET status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'failed' END, \
             run_at = now(), locked_by = NULL, \
             finished_at = CASE WHEN attempts >= max_attempts THEN now() ELSE NULL END, \
             last_error = 'The worker running this job stopped responding (no heartbeat for ' \
                 || round($1::numeric) || ' s).' \
         WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $1) \
         RETURNING *",
    )
    .bind::<Double, _>(seconds)
    .load(conn)
}

/// Finished jobs older than `keep` are deleted, so the table stays small.
pub fn prune_finished(conn: &mut PgConnection, keep: Duration) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM jobs WHERE finished_at < now() - make_interval(secs => $1) \
         AND status IN ('succeeded', 'cancelled', 'dead')",
    )
    .bind::<Double, _>(keep.as_secs_f64())
    .execute(conn)
}

pub fn find(conn: &mut PgConnection, id: JobId) -> QueryResult<Option<Job>> {
    jobs::table
        .find(id)
        .select(Job::as_select())
        .first(conn)
        .optional()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let backoff = Backoff {
            base: Duration::from_secs(10),
            max: Duration::from_secs(60),
        };
        // jitter 0.5 is the midpoint: no spread.
        assert_eq!(backoff.delay(1, 0.5), Duration::from_secs(10));
        assert_eq!(backoff.delay(2, 0.5), Duration::from_secs(20));
        assert_eq!(backoff.delay(3, 0.5), Duration::from_secs(40));
        assert_eq!(backoff.delay(4, 0.5), Duration::from_secs(60));
        assert_eq!(backoff.delay(40, 1.0), Duration::from_secs(60));
        assert_eq!(backoff.delay(1, 0.0), Duration::from_secs_f64(7.5));
    }

    #[test]
    fn statuses_round_trip() {
        for status in JobStatus::ALL {
            assert_eq!(JobStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(JobStatus::parse("nope"), None);
    }
}
