//! The scheduler: turns periodic schedules into jobs. Every process with a job runtime
//! runs it; a schedule's row is locked with `FOR UPDATE SKIP LOCKED` while it is enqueued
//! and moved to its next time in the same transaction, and each job carries the dedupe
//! key `schedule:<name>:<time>`, so a time is enqueued once however many processes tick.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use croner::Cron;
use diesel::prelude::*;

use crate::db::schema::{job_schedules, tenants};
use crate::domain::ids::TenantId;
use crate::jobs::queue::{self, Enqueued, NewJob};
use crate::jobs::registry::Schedule;

/// A five-field cron expression (minute hour day-of-month month day-of-week) or an alias
/// such as `@daily`, evaluated in UTC.
pub fn parse_cron(expression: &str) -> anyhow::Result<Cron> {
    Cron::from_str(expression.trim())
        .map_err(|err| anyhow::anyhow!("invalid cron expression `{expression}`: {err}"))
}

/// The first time after `after` that `cron` matches.
pub fn next_after(cron: &Cron, after: DateTime<Utc>) -> anyhow::Result<DateTime<Utc>> {
    cron.find_next_occurrence(&after, false)
        .map_err(|err| anyhow::anyhow!("no next time for `{}`: {err}", cron.pattern))
}

/// Writes the schedules registered in code to the table. A schedule whose expression is
/// unchanged keeps its next time; a new or changed one is due at its next match.
/// Run as `rapport_system`.
pub fn store_schedules(
    conn: &mut PgConnection,
    schedules: &[Schedule],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for schedule in schedules {
        let cron = parse_cron(&schedule.cron)?;
        let next = next_after(&cron, now)?;
        diesel::sql_query(
            "INSERT INTO job_schedules (name, cron, kind, payload, per_tenant, next_run_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, payload = EXCLUDED.payload, \
                 per_tenant = EXCLUDED.per_tenant, \
                 next_run_at = CASE WHEN job_schedules.cron = EXCLUDED.cron \
                     THEN job_schedules.next_run_at ELSE EXCLUDED.next_run_at END, \
                 cron = EXCLUDED.cron, updated_at = now()",
        )
        .bind::<diesel::sql_types::Text, _>(&schedule.name)
        .bind::<diesel::sql_types::Text, _>(&schedule.cron)
        .bind::<diesel::sql_types::Text, _>(&schedule.kind)
        .bind::<diesel::sql_types::Jsonb, _>(&schedule.payload)
        .bind::<diesel::sql_types::Bool, _>(schedule.per_tenant)
        .bind::<diesel::sql_types::Timestamptz, _>(next)
        .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Queryable)]
struct DueSchedule {
    name: String,
    cron: String,
    kind: String,
    payload: serde_json::Value,
    per_tenant: bool,
    next_run_at: DateTime<Utc>,
}

/// Enqueues every schedule that is due at `now`, once, and moves it to its next time.
/// Missed times (no process was running) collapse into one run. Returns the jobs created.
/// Run as `rapport_system`, in one transaction.
pub fn tick(conn: &mut PgConnection, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let due: Vec<DueSchedule> = job_schedules::table
        .filter(job_schedules::next_run_at.le(now))
        .select((
            job_schedules::name,
            job_schedules::cron,
            job_schedules::kind,
            job_schedules::payload,
            job_schedules::per_tenant,
            job_schedules::next_run_at,
        ))
        .for_update()
        .skip_locked()
        .load(conn)?;
    let mut created = 0;
    for schedule in due {
        let key = format!(
            "schedule:{}:{}",
            schedule.name,
            schedule.next_run_at.to_rfc3339()
        );
        let tenants: Vec<Option<TenantId>> = if schedule.per_tenant {
            tenants::table
                .select(tenants::id)
                .order(tenants::id)
                .load::<TenantId>(conn)?
                .into_iter()
                .map(Some)
                .collect()
        } else {
            vec![None]
        };
        for tenant in tenants {
            let mut job =
                NewJob::new(&schedule.kind, schedule.payload.clone()).dedupe_key(match tenant {
                    Some(id) => format!("{key}:{id}"),
                    None => key.clone(),
                });
            job.tenant_id = tenant;
            if let Enqueued::Created(_) = queue::enqueue(conn, &job)? {
                created += 1;
            }
        }
        let next = match parse_cron(&schedule.cron).and_then(|cron| next_after(&cron, now)) {
            Ok(next) => next,
            Err(err) => {
                // A stored expression that no longer parses: try again in an hour rather
                // than every tick.
                tracing::error!(schedule = %schedule.name, error = %err, "bad schedule");
                now + chrono::Duration::hours(1)
            }
        };
        diesel::update(job_schedules::table.find(&schedule.name))
            .set((
                job_schedules::next_run_at.eq(next),
                job_schedules::last_run_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn daily_expression_matches_the_next_morning() {
        let cron = parse_cron("0 6 * * *").unwrap_or_else(|err| panic!("{err}"));
        let after = Utc.with_ymd_and_hms(2026, 3, 1, 7, 0, 0).unwrap();
        let next = next_after(&cron, after).unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 3, 2, 6, 0, 0).unwrap());
    }

    #[test]
    fn typos_are_rejected() {
        assert!(parse_cron("every day").is_err());
        assert!(parse_cron("61 * * * *").is_err());
    }
}
