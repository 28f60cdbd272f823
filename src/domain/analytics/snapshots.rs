//! Analytics snapshots. A large tenant's report reads the stage history of every deal
//! (seconds of work), so each computed report's figures are kept with the moment they
//! were computed and served, with that "as of" time, while younger than
//! [`FRESH_FOR_MINUTES`]. "Recompute" computes them again on demand, and the
//! `analytics.refresh_snapshots` job recomputes the reports people have looked at lately
//! before they age, so the usual view is both quick and recent. Reports that compute
//! quickly (small tenants) skip all this and are computed on every view.
//!
//! Snapshots are per visibility scope: the table's policy keys them by
//! `app_analytics_scope()`, so a manager never sees figures computed for an admin.

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Jsonb, Text, Timestamptz};
use serde::{Deserialize, Serialize};

use super::{Figures, Filters, Report};
use crate::db::{Db, TenantScope};
use crate::domain::ids::{PipelineId, TenantId};
use crate::domain::pipelines;
use crate::jobs::{JobContext, JobError, JobRegistry, Schedule};

/// How long computed figures are shown before a view computes them again.
pub const FRESH_FOR_MINUTES: i64 = 15;
/// Reports computed faster than this are computed on every view.
pub const LIVE_BELOW_MS: i32 = 200;
/// The refresh job keeps the reports viewed within this many days; older ones are dropped.
pub const KEEP_VIEWED_DAYS: i64 = 7;

pub const JOB_KIND: &str = "analytics.refresh_snapshots";
/// Every ten minutes, once per tenant.
pub const CRON: &str = "*/10 * * * *";
const JOB_EVERY_MINUTES: i64 = 10;

/// Whether a view may use a fresh snapshot or must compute now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Cached,
    Recompute,
}

/// The filters as a snapshot keeps them, to recompute the report without a request.
#[derive(Debug, Serialize, Deserialize)]
struct StoredFilters {
    pipeline_id: i64,
    owner_id: Option<i64>,
    team_id: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
    tz: String,
    rolling: bool,
}

impl StoredFilters {
    fn of(filters: &Filters) -> StoredFilters {
        StoredFilters {
            pipeline_id: filters.pipeline_id,
            owner_id: filters.owner_id,
            team_id: filters.team_id,
            from: filters.from,
            to: filters.to,
            tz: filters.tz.name().to_owned(),
            rolling: filters.rolling,
        }
    }

    /// The filters again; a rolling range moves to the one ending today (in its zone).
    fn filters(&self, tenant_id: TenantId, now: DateTime<Utc>) -> Option<Filters> {
        let tz: chrono_tz::Tz = self.tz.parse().ok()?;
        let (from, to) = if self.rolling {
            Filters::default_range(now.with_timezone(&tz).date_naive())
        } else {
            (self.from, self.to)
        };
        Some(Filters {
            tenant_id: tenant_id.0,
            pipeline_id: self.pipeline_id,
            owner_id: self.owner_id,
            team_id: self.team_id,
            from,
            to,
            tz,
            rolling: self.rolling,
        })
    }
}

/// The canonical text of the filters: one snapshot per key and scope.
fn filter_key(filters: &Filters) -> String {
    let id = |value: Option<i64>| value.map_or_else(|| "-".to_owned(), |v| v.to_string());
    format!(
        "pipeline={} owner={} team={} range={}..{} tz={}",
        filters.pipeline_id,
        id(filters.owner_id),
        id(filters.team_id),
        filters.from,
        filters.to,
        filters.tz.name()
    )
}

#[derive(QueryableByName)]
struct SnapshotRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Jsonb)]
    report: serde_json::Value,
    #[diesel(sql_type = Timestamptz)]
    computed_at: DateTime<Utc>,
    #[diesel(sql_type = Integer)]
    compute_ms: i32,
    #[diesel(sql_type = Timestamptz)]
    last_viewed_at: DateTime<Utc>,
}

/// The report for the filters, as the current scope may see it: a fresh snapshot's
/// figures when `freshness` allows and there is one worth keeping, else computed now and
/// kept.
pub fn report(
    conn: &mut PgConnection,
    filters: &Filters,
    now: DateTime<Utc>,
    freshness: Freshness,
) -> QueryResult<Report> {
    let stages = pipelines::stages(conn, PipelineId(filters.pipeline_id))?;
    let key = filter_key(filters);
    if freshness == Freshness::Cached {
        let found: Option<SnapshotRow> = diesel::sql_query(
            "SELECT id, report, computed_at, compute_ms, last_viewed_at \
             FROM analytics_snapshots \
             WHERE tenant_id = $1 AND scope_key = app_analytics_scope() AND filter_key = $2",
        )
        .bind::<BigInt, _>(filters.tenant_id)
        .bind::<Text, _>(&key)
        .get_result(conn)
        .optional()?;
        if let Some(row) = found.filter(|row| {
            row.compute_ms >= LIVE_BELOW_MS
                && row.computed_at > now - Duration::minutes(FRESH_FOR_MINUTES)
        }) {
            // A snapshot written by an older Rapport may not read: compute it again.
            if let Ok(figures) = serde_json::from_value::<Figures>(row.report) {
                if row.last_viewed_at < now - Duration::hours(1) {
                    diesel::sql_query(
                        "UPDATE analytics_snapshots SET last_viewed_at = $2 WHERE id = $1",
                    )
                    .bind::<BigInt, _>(row.id)
                    .bind::<Timestamptz, _>(now)
                    .execute(conn)?;
                }
                let mut report = Report::assemble(stages, figures, row.computed_at, row.compute_ms);
                report.from_snapshot = true;
                return Ok(report);
            }
        }
    }
    compute(conn, filters, stages, now, now)
}

/// Computes the report and keeps it, marked viewed at `viewed_at` (a view's own time; a
/// refresh keeps the viewers' last time, so unviewed reports still age out).
fn compute(
    conn: &mut PgConnection,
    filters: &Filters,
    stages: Vec<pipelines::Stage>,
    now: DateTime<Utc>,
    viewed_at: DateTime<Utc>,
) -> QueryResult<Report> {
    let started = Instant::now();
    let figures = super::figures(conn, filters, &stages)?;
    let compute_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    store(conn, filters, &figures, now, compute_ms, viewed_at)?;
    Ok(Report::assemble(stages, figures, now, compute_ms))
}

fn store(
    conn: &mut PgConnection,
    filters: &Filters,
    figures: &Figures,
    now: DateTime<Utc>,
    compute_ms: i32,
    viewed_at: DateTime<Utc>,
) -> QueryResult<()> {
    let as_json = |value: serde_json::Result<serde_json::Value>| {
        value.map_err(|err| diesel::result::Error::SerializationError(Box::new(err)))
    };
    diesel::sql_query(
        "INSERT INTO analytics_snapshots AS s (tenant_id, scope_key, filter_key, filters, report, \
             computed_at, compute_ms, last_viewed_at) \
         VALUES ($1, app_analytics_scope(), $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (tenant_id, scope_key, filter_key) DO UPDATE SET \
             filters = EXCLUDED.filters, report = EXCLUDED.report, \
             computed_at = EXCLUDED.computed_at, compute_ms = EXCLUDED.compute_ms, \
             last_viewed_at = greatest(s.last_viewed_at, EXCLUDED.last_viewed_at)",
    )
    .bind::<BigInt, _>(filters.tenant_id)
    .bind::<Text, _>(filter_key(filters))
    .bind::<Jsonb, _>(as_json(serde_json::to_value(StoredFilters::of(filters)))?)
    .bind::<Jsonb, _>(as_json(serde_json::to_value(figures))?)
    .bind::<Timestamptz, _>(now)
    .bind::<Integer, _>(compute_ms)
    .bind::<Timestamptz, _>(viewed_at)
    .execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct DueRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    filter_key: String,
    #[diesel(sql_type = Jsonb)]
    filters: serde_json::Value,
    #[diesel(sql_type = Timestamptz)]
    last_viewed_at: DateTime<Utc>,
}

/// What one refresh did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Refreshed {
    pub recomputed: usize,
    pub dropped: usize,
}

/// Drops the tenant's snapshots nobody viewed for [`KEEP_VIEWED_DAYS`], in every scope.
/// Runs as Rapport's system role: a tenant session reaches only its own scope's.
pub fn drop_unviewed(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM analytics_snapshots WHERE tenant_id = $1 AND last_viewed_at < $2",
    )
    .bind::<BigInt, _>(tenant_id.0)
    .bind::<Timestamptz, _>(now - Duration::days(KEEP_VIEWED_DAYS))
    .execute(conn)
}

/// Recomputes the current scope's snapshots that were viewed within [`KEEP_VIEWED_DAYS`]
/// and would go stale before the next run (a rolling range moves to today's). Quick reports are left alone:
/// views compute them anyway. Returns how many were recomputed.
pub fn refresh(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let due: Vec<DueRow> = diesel::sql_query(
        "SELECT id, filter_key, filters, last_viewed_at FROM analytics_snapshots WHERE tenant_id = $1 \
         AND scope_key = app_analytics_scope() AND compute_ms >= $2 AND computed_at < $3 \
         AND last_viewed_at >= $4 ORDER BY last_viewed_at DESC",
    )
    .bind::<BigInt, _>(tenant_id.0)
    .bind::<Integer, _>(LIVE_BELOW_MS)
    .bind::<Timestamptz, _>(now - Duration::minutes(FRESH_FOR_MINUTES - JOB_EVERY_MINUTES))
    .bind::<Timestamptz, _>(now - Duration::days(KEEP_VIEWED_DAYS))
    .load(conn)?;
    let mut recomputed = 0;
    for row in due {
        let stored = serde_json::from_value::<StoredFilters>(row.filters).ok();
        let delete = |conn: &mut PgConnection| {
            diesel::sql_query("DELETE FROM analytics_snapshots WHERE id = $1")
                .bind::<BigInt, _>(row.id)
                .execute(conn)
        };
        // Unreadable filters: nothing to recompute them from.
        let Some(filters) = stored.and_then(|s| s.filters(tenant_id, now)) else {
            delete(conn)?;
            continue;
        };
        let stages = pipelines::stages(conn, PipelineId(filters.pipeline_id))?;
        compute(conn, &filters, stages, now, row.last_viewed_at)?;
        recomputed += 1;
        // A rolling range moved to a new day: the new snapshot replaces the old one.
        if filter_key(&filters) != row.filter_key {
            delete(conn)?;
        }
    }
    Ok(recomputed)
}

/// The refresh job for one tenant: drops unviewed snapshots of every scope, then
/// recomputes the tenant-wide scope's ("all": what admins see). Snapshots of narrower
/// scopes (a manager who sees only some owners) are recomputed when viewed once they are
/// older than [`FRESH_FOR_MINUTES`]: the job has no session of theirs to compute under.
pub fn run_job(db: &Db, tenant_id: TenantId, now: DateTime<Utc>) -> anyhow::Result<Refreshed> {
    let dropped =
        db.system_blocking(|conn| Ok::<_, anyhow::Error>(drop_unviewed(conn, tenant_id, now)?))?;
    let recomputed = db.tenant_blocking(&TenantScope::service(tenant_id.0), |conn| {
        Ok::<_, anyhow::Error>(refresh(conn, tenant_id, now)?)
    })?;
    Ok(Refreshed {
        recomputed,
        dropped,
    })
}

pub fn register(registry: &mut JobRegistry) -> anyhow::Result<()> {
    registry.register(JOB_KIND, |ctx: JobContext| async move {
        let tenant = ctx
            .job
            .tenant_id
            .ok_or_else(|| JobError::permanent("analytics refresh runs per tenant"))?;
        tokio::task::spawn_blocking(move || run_job(&ctx.db, tenant, Utc::now()))
            .await
            .map_err(|err| JobError::Retry(anyhow::anyhow!("the refresh task failed: {err}")))?
            .map_err(JobError::Retry)?;
        Ok(())
    });
    registry.schedule(Schedule::new(JOB_KIND, CRON, JOB_KIND).per_tenant())
}
