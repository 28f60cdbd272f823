//! The daily `deals.stale_followups` job, called directly with controlled times: one task
//! per newly stale deal for its owner, never twice, logged on the deal's timeline; a deal
//! that goes stale later gets its task on the next run.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use rapport::db::TenantScope;
use rapport::db::schema::{activities, tasks};
use rapport::domain::ids::DealId;
use rapport::domain::stage_changes::{StageChangeRequest, change_stage};
use rapport::domain::stale_deals::followups;

use super::fixture;
use crate::support::{TestApp, TwoTenants};

#[tokio::test]
async fn daily_job_creates_one_followup_per_newly_stale_deal() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let t = tenants.a.clone();
    let now = Utc::now();
    let f = app
        .blocking(move |db| fixture(&db, t.tenant_id, t.admin_id, t.rep_id, now))
        .await;
    let tenant = tenants.a.tenant_id;
    let other = tenants.b.tenant_id;
    let (admin, rep) = (tenants.a.admin_id.0, tenants.a.rep_id.0);
    app.blocking(move |db| {
        let scope = TenantScope::service(tenant.0);
        let run = |at| {
            db.tenant_blocking(&scope, |conn| -> anyhow::Result<usize> {
                Ok(followups::run(conn, tenant, at)?)
            })
            .unwrap_or_else(|err| panic!("{err:#}"))
        };
        let keyed = || {
            db.tenant_blocking(
                &scope,
                |conn| -> anyhow::Result<Vec<(Option<i64>, Option<i64>)>> {
                    Ok(tasks::table
                        .filter(tasks::source_key.is_not_null())
                        .order(tasks::deal_id)
                        .select((tasks::deal_id, tasks::assignee_id))
                        .load(conn)?)
                },
            )
            .unwrap_or_else(|err| panic!("{err:#}"))
        };
        // C, A, B2 and E are stale and have owners; the ownerless deal gets nothing.
        assert_eq!(run(now), 4);
        let mut expected = vec![
            (Some(f.a), Some(rep)),
            (Some(f.b2), Some(admin)),
            (Some(f.c), Some(admin)),
            (Some(f.e), Some(admin)),
        ];
        expected.sort();
        assert_eq!(keyed(), expected);
        // Run again, or an hour later: nothing new.
        assert_eq!(run(now), 0);
        assert_eq!(run(now + Duration::hours(1)), 0);
        assert_eq!(keyed().len(), 4);
        // Each task is on its deal's timeline.
        let logged: i64 = db
            .tenant_blocking(&scope, |conn| -> anyhow::Result<i64> {
                Ok(activities::table
                    .filter(activities::activity_type.eq("task_created"))
                    .filter(activities::deal_id.eq(f.c))
                    .count()
                    .get_result(conn)?)
            })
            .unwrap_or_else(|err| panic!("{err:#}"));
        assert_eq!(logged, 1);
        // A day later D has gone stale: only its task is new.
        assert_eq!(run(now + Duration::days(1)), 1);
        let deals: Vec<Option<i64>> = keyed().into_iter().map(|(deal, _)| deal).collect();
        assert!(deals.contains(&Some(f.d)));
        assert_eq!(deals.len(), 5);
        assert!(!deals.contains(&Some(f.b)) && !deals.contains(&Some(f.abandoned)));

        // C moves on to Proposal (14 days) and sits there: after 15 days it is stale again
        // in its new stage and gets a second, new follow-up.
        let (proposal, _) = super::stage(&db, tenant, "Proposal");
        db.tenant_blocking(&scope, |conn| -> anyhow::Result<()> {
            let mut request = StageChangeRequest::to(proposal, None);
            request.at = now;
            change_stage(conn, tenant, DealId(f.c), &request)?;
            Ok(())
        })
        .unwrap_or_else(|err| panic!("{err:#}"));
        // (Other deals go stale over those days too: count C's tasks only.)
        let for_c = || {
            keyed()
                .into_iter()
                .filter(|(deal, _)| *deal == Some(f.c))
                .count()
        };
        run(now + Duration::days(14));
        assert_eq!(for_c(), 1, "14 days is not past a 14-day alert");
        run(now + Duration::days(15));
        assert_eq!(for_c(), 2);
        run(now + Duration::days(15));
        assert_eq!(for_c(), 2);

        // The other tenant's run sees none of this tenant's deals.
        let created = db
            .tenant_blocking(
                &TenantScope::service(other.0),
                |conn| -> anyhow::Result<usize> {
                    Ok(followups::run(conn, other, now + Duration::days(1))?)
                },
            )
            .unwrap_or_else(|err| panic!("{err:#}"));
        assert_eq!(created, 0);
    })
    .await;
}

#[test]
fn the_job_is_registered_daily_per_tenant() {
    let registry = rapport::jobs::kinds::registry().unwrap_or_else(|err| panic!("{err:#}"));
    assert!(registry.kinds().contains(&followups::JOB_KIND.to_owned()));
    let schedule = registry
        .schedules()
        .iter()
        .find(|s| s.kind == followups::JOB_KIND)
        .unwrap_or_else(|| panic!("no schedule"));
    assert_eq!(schedule.cron, "0 6 * * *");
    assert!(schedule.per_tenant);
}
