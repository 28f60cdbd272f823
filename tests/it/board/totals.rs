//! The board's column sums (`deal_stage_totals`), kept by triggers on deals, equal a
//! count of the deals themselves after every kind of change, and only the trigger writes
//! them.

use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::{Seed, insert_deal, service, stages};
use crate::support::{TestApp, TwoTenants};

#[derive(QueryableByName)]
struct Rows {
    #[diesel(sql_type = Text)]
    rows: String,
}

/// The sums as kept, and as counted from the deals, each as one sorted text.
fn sums(conn: &mut PgConnection) -> QueryResult<(String, String)> {
    let kept: Rows = diesel::sql_query(
        "SELECT coalesce(string_agg(x::text, ';' ORDER BY x::text), '') AS rows FROM ( \
           SELECT pipeline_id, stage_id, status, owner_id, currency, close_month, deals, \
                  amount_minor::bigint, weighted_product::bigint \
           FROM deal_stage_totals \
           WHERE deals <> 0 OR amount_minor <> 0 OR weighted_product <> 0) x",
    )
    .get_result(conn)?;
    let counted: Rows = diesel::sql_query(
        "SELECT coalesce(string_agg(x::text, ';' ORDER BY x::text), '') AS rows FROM ( \
           SELECT pipeline_id, stage_id, status, owner_id, currency, \
                  date_trunc('month', expected_close_date)::date, count(*), \
                  sum(amount_minor)::bigint, sum(amount_minor * probability)::bigint \
           FROM deals WHERE deleted_at IS NULL \
           GROUP BY pipeline_id, stage_id, status, owner_id, currency, \
                    date_trunc('month', expected_close_date)::date) x",
    )
    .get_result(conn)?;
    Ok((kept.rows, counted.rows))
}

#[tokio::test]
async fn maintained_sums_equal_the_deals_after_every_kind_of_change() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let s = app.blocking(move |db| stages(&db, tenant)).await;
    let (p, q, prop) = (s.pipeline, s.id("Qualification"), s.id("Proposal"));
    let rep = tenants.a.rep_id.0;
    let admin = tenants.a.admin_id.0;
    app.blocking(move |db| {
        let now = Utc::now();
        let mut ids = Vec::new();
        for (i, amount) in [100_000_i64, 250_050, 999, 0, 1_000_000]
            .into_iter()
            .enumerate()
        {
            let mut seed = Seed::new("Sum me", if i % 2 == 0 { q } else { prop }, amount, now);
            seed.owner = [Some(rep), Some(admin), None][i % 3];
            seed.close = NaiveDate::from_ymd_opt(2027, 1 + i as u32, 15);
            seed.probability = 10 * (i as i16 + 1);
            ids.push(insert_deal(&db, tenant, p, &seed));
        }
        let changes: Vec<(&str, String)> = vec![
            ("the fixtures", "SELECT 1".into()),
            (
                "a stage change",
                format!("UPDATE deals SET stage_id = {prop} WHERE id = {}", ids[0]),
            ),
            (
                "an amount",
                format!(
                    "UPDATE deals SET amount_minor = 123456 WHERE id = {}",
                    ids[1]
                ),
            ),
            (
                "a probability",
                format!("UPDATE deals SET probability = 90 WHERE id = {}", ids[2]),
            ),
            (
                "an owner",
                format!("UPDATE deals SET owner_id = {rep} WHERE id = {}", ids[2]),
            ),
            (
                "no owner",
                format!("UPDATE deals SET owner_id = NULL WHERE id = {}", ids[3]),
            ),
            (
                "a currency",
                format!("UPDATE deals SET currency = 'EUR' WHERE id = {}", ids[4]),
            ),
            (
                "a close date",
                format!(
                    "UPDATE deals SET expected_close_date = NULL WHERE id = {}",
                    ids[4]
                ),
            ),
            (
                "a status",
                format!(
                    "UPDATE deals SET status = 'abandoned' WHERE id = {}",
                    ids[1]
                ),
            ),
            (
                "timeline bookkeeping",
                "UPDATE deals SET last_activity_at = now()".into(),
            ),
            (
                "a bulk move",
                format!("UPDATE deals SET stage_id = {q} WHERE stage_id = {prop}"),
            ),
            (
                "a soft delete",
                format!("UPDATE deals SET deleted_at = now() WHERE id = {}", ids[0]),
            ),
            (
                "a restore",
                format!("UPDATE deals SET deleted_at = NULL WHERE id = {}", ids[0]),
            ),
            (
                "a hard delete",
                format!("DELETE FROM deals WHERE id = {}", ids[3]),
            ),
        ];
        for (what, statement) in changes {
            let (kept, counted) = service(&db, tenant, move |conn| {
                diesel::sql_query(statement).execute(conn)?;
                Ok(sums(conn)?)
            });
            assert_eq!(kept, counted, "after {what}");
            assert!(!counted.is_empty());
        }
        // A stage change rolled back leaves the sums as they were.
        let before = service(&db, tenant, |conn| Ok(sums(conn)?.0));
        let failed = db.tenant_blocking(&rapport::db::TenantScope::service(tenant.0), |conn| {
            diesel::sql_query(format!("UPDATE deals SET stage_id = {prop}")).execute(conn)?;
            Err::<(), anyhow::Error>(anyhow::anyhow!("roll back"))
        });
        assert!(failed.is_err());
        assert_eq!(service(&db, tenant, |conn| Ok(sums(conn)?.0)), before);
        // Long-ago entered deals count as well (the sums ignore time in stage).
        insert_deal(
            &db,
            tenant,
            p,
            &Seed::new("Old", q, 5, now - Duration::days(400)),
        );
        let (kept, counted) = service(&db, tenant, |conn| Ok(sums(conn)?));
        assert_eq!(kept, counted, "after an old deal");
    })
    .await;
}

#[tokio::test]
async fn users_cannot_write_the_sums_nor_read_another_tenants() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let (a, b) = (tenants.a.clone(), tenants.b.clone());
    app.blocking(move |db| {
        let scope = a.scope();
        let write = db.tenant_blocking(&scope, |conn| -> anyhow::Result<usize> {
            Ok(diesel::sql_query(
                "UPDATE deal_stage_totals SET deals = deals + 100 WHERE tenant_id = app_tenant_id()",
            )
            .execute(conn)?)
        });
        assert!(write.is_err(), "a user session may not change the sums");
        let other: i64 = db
            .tenant_blocking(&scope, |conn| -> anyhow::Result<i64> {
                #[derive(QueryableByName)]
                struct Count {
                    #[diesel(sql_type = BigInt)]
                    n: i64,
                }
                Ok(diesel::sql_query(
                    "SELECT count(*) AS n FROM deal_stage_totals WHERE tenant_id = $1",
                )
                    .bind::<BigInt, _>(b.tenant_id.0)
                    .get_result::<Count>(conn)
                    .map(|c| c.n)?)
            })
            .unwrap_or_else(|err| panic!("{err:#}"));
        assert_eq!(other, 0, "another tenant's sums are invisible");
    })
    .await;
}
