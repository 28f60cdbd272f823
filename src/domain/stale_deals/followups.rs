//! The daily `deals.stale_followups` job: one follow-up task per newly stale deal, for its
//! owner, due the day it runs. The task's `source_key` names the deal and the moment it
//! entered its stage, so reruns never duplicate it, and a deal that moves on and goes stale
//! again in a later stage gets a new one. Task creation logs `task_created` on the deal's
//! timeline (see [`tasks::create_once`]).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Timestamptz};

use crate::domain::deal_stages::DEFAULT_STALE_DAYS;
use crate::domain::ids::{CompanyId, ContactId, DealId, TenantId, UserId};
use crate::domain::record_ref::RecordLinks;
use crate::domain::tasks::{self, TaskDraft};
use crate::jobs::{JobError, JobRegistry, Schedule};

pub const JOB_KIND: &str = "deals.stale_followups";
/// Every day at 06:00 UTC, once per tenant.
pub const CRON: &str = "0 6 * * *";

pub fn register(registry: &mut JobRegistry) -> anyhow::Result<()> {
    registry.register_blocking(JOB_KIND, |conn, ctx| {
        let tenant = ctx
            .job
            .tenant_id
            .ok_or_else(|| JobError::permanent("stale follow-ups run per tenant"))?;
        run(conn, tenant, Utc::now()).map_err(|err| JobError::Retry(err.into()))?;
        Ok(())
    });
    registry.schedule(Schedule::new(JOB_KIND, CRON, JOB_KIND).per_tenant())
}

#[derive(Debug, QueryableByName)]
struct Candidate {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    title: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    stage_name: String,
    #[diesel(sql_type = BigInt)]
    owner_id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    company_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    primary_contact_id: Option<i64>,
    #[diesel(sql_type = Timestamptz)]
    stage_entered_at: DateTime<Utc>,
    #[diesel(sql_type = Integer)]
    threshold_days: i32,
}

/// The key that makes a deal's follow-up for one stay in one stage unique.
pub fn source_key(deal: DealId, stage_entered_at: DateTime<Utc>) -> String {
    format!(
        "stale_followup:{}:{}",
        deal.0,
        stage_entered_at.timestamp_micros()
    )
}

/// Creates the follow-up tasks due at `now` in the scope's tenant (run it in a tenant
/// scope that sees every deal). Returns how many tasks it created. Deals without an owner
/// get none: there is nobody to follow up.
pub fn run(conn: &mut PgConnection, tenant_id: TenantId, now: DateTime<Utc>) -> QueryResult<usize> {
    // Stale open deals (the stale list's rule) without their follow-up yet: the key
    // lookup uses the unique (tenant_id, source_key) index.
    let candidates: Vec<Candidate> = diesel::sql_query(
        "SELECT d.id, d.title, st.name AS stage_name, d.owner_id, d.company_id, \
                d.primary_contact_id, d.stage_entered_at, st.threshold AS threshold_days \
         FROM (SELECT s.tenant_id, s.id, s.name, coalesce(s.days_in_stage_alert, $2)::int AS threshold \
               FROM pipeline_stages s WHERE NOT (s.is_closed_won OR s.is_closed_lost)) st \
         JOIN deals d ON d.tenant_id = st.tenant_id AND d.stage_id = st.id \
              AND d.deleted_at IS NULL AND d.status = 'open' AND d.owner_id IS NOT NULL \
              AND d.stage_entered_at <= $1 - make_interval(days => st.threshold + 1) \
         WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.tenant_id = d.tenant_id \
               AND t.source_key = 'stale_followup:' || d.id || ':' \
                   || (extract(epoch FROM d.stage_entered_at) * 1000000)::bigint) \
         ORDER BY d.id",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Integer, _>(DEFAULT_STALE_DAYS as i32)
    .load(conn)?;
    let mut created = 0;
    for deal in candidates {
        let days = (now - deal.stage_entered_at).num_days();
        let draft = TaskDraft {
            subject: format!("Follow up: {} is stuck in {}", deal.title, deal.stage_name),
            description: Some(format!(
                "This deal has been in {} for {days} days (the stage's alert is {} days).",
                deal.stage_name, deal.threshold_days
            )),
            due_at: Some(now),
            reminder_at: None,
            priority: "normal".to_owned(),
            assignee_id: Some(UserId(deal.owner_id)),
        };
        let links = RecordLinks {
            company_id: deal.company_id.map(CompanyId),
            contact_id: deal.primary_contact_id.map(ContactId),
            deal_id: Some(DealId(deal.id)),
            lead_id: None,
        };
        let key = source_key(DealId(deal.id), deal.stage_entered_at);
        if tasks::create_once(conn, tenant_id, &draft, links, &key, None)?.is_some() {
            created += 1;
        }
    }
    Ok(created)
}
