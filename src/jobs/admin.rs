//! What an admin sees and does on the jobs page. These run in the admin's tenant scope,
//! so row-level security limits them to the tenant's own jobs.

use diesel::prelude::*;

use crate::db::schema::jobs;
use crate::domain::counts::{CappedCount, capped_count};
use crate::jobs::queue::{Job, JobId, JobStatus};

/// A page of jobs, newest first, optionally of one status; keyset on id.
pub fn list(
    conn: &mut PgConnection,
    status: Option<JobStatus>,
    before: Option<JobId>,
    limit: i64,
) -> QueryResult<Vec<Job>> {
    let mut query = jobs::table
        .select(Job::as_select())
        .order(jobs::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(jobs::status.eq(status.as_str()));
    }
    if let Some(before) = before {
        query = query.filter(jobs::id.lt(before));
    }
    query.load(conn)
}

/// How many jobs are in each state that needs attention (capped, never a full count).
#[derive(Debug, Clone)]
pub struct JobCounts {
    pub queued: CappedCount,
    pub running: CappedCount,
    pub failed: CappedCount,
    pub dead: CappedCount,
}

pub fn counts(conn: &mut PgConnection) -> QueryResult<JobCounts> {
    const CAP: i64 = 1000;
    Ok(JobCounts {
        queued: capped_count(conn, "jobs WHERE status = 'queued'", CAP)?,
        running: capped_count(conn, "jobs WHERE status = 'running'", CAP)?,
        failed: capped_count(conn, "jobs WHERE status = 'failed'", CAP)?,
        dead: capped_count(conn, "jobs WHERE status = 'dead'", CAP)?,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAction {
    /// Retried: queued again, due now, with a fresh set of attempts.
    Retried,
    /// A waiting job was cancelled.
    Cancelled,
    /// A running job was asked to stop; its worker stops it at its next heartbeat.
    CancelRequested,
    /// The job is not in a state that allows this.
    NotApplicable,
}

/// Retries a failed, dead or cancelled job now.
pub fn retry(conn: &mut PgConnection, id: JobId) -> QueryResult<AdminAction> {
    let updated = diesel::update(jobs::table.find(id))
        .filter(jobs::status.eq_any(["failed", "dead", "cancelled"]))
        .set((
            jobs::status.eq("queued"),
            jobs::attempts.eq(0),
            jobs::run_at.eq(diesel::dsl::now),
            jobs::finished_at.eq(None::<chrono::DateTime<chrono::Utc>>),
            jobs::cancel_requested_at.eq(None::<chrono::DateTime<chrono::Utc>>),
        ))
        .returning(jobs::kind)
        .get_result::<String>(conn)
        .optional()?;
    match updated {
        Some(kind) => {
            diesel::sql_query("SELECT pg_notify($1, $2)")
                .bind::<diesel::sql_types::Text, _>(crate::db::listen::JOBS_CHANNEL)
                .bind::<diesel::sql_types::Text, _>(kind)
                .execute(conn)?;
            Ok(AdminAction::Retried)
        }
        None => Ok(AdminAction::NotApplicable),
    }
}

/// Cancels a waiting job at once, or asks a running one to stop.
pub fn cancel(conn: &mut PgConnection, id: JobId) -> QueryResult<AdminAction> {
    let waiting = diesel::update(jobs::table.find(id))
        .filter(jobs::status.eq_any(["queued", "failed"]))
        .set((
            jobs::status.eq("cancelled"),
            jobs::finished_at.eq(diesel::dsl::now),
            jobs::last_error.eq("Cancelled by an admin."),
        ))
        .execute(conn)?;
    if waiting == 1 {
        return Ok(AdminAction::Cancelled);
    }
    let running = diesel::update(jobs::table.find(id))
        .filter(jobs::status.eq("running"))
        .filter(jobs::cancel_requested_at.is_null())
        .set(jobs::cancel_requested_at.eq(diesel::dsl::now))
        .execute(conn)?;
    Ok(if running == 1 {
        AdminAction::CancelRequested
    } else {
        AdminAction::NotApplicable
    })
}
