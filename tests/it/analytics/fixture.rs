//! A small, fully controlled deal history for the analytics figures (tenant A's default
//! pipeline: Prospecting, Qualification, Proposal, Negotiation, Closed Won, Closed Lost).
//!
//! | deal | owner | amount   | history (day: stage, days spent in the previous one)          |
//! |------|-------|----------|---------------------------------------------------------------|
//! | D1   | rep   | 1,000.00 | 01-05 P · 01-06 Q (1) · 01-20 Won (14)                        |
//! | D2   | rep   | 3,000.00 | 02-01 P · 02-03 Q (2) · 02-10 Lost (7)                        |
//! | D3   | admin | 5,000.00 | 02-01 P · 02-04 Q (3) · 02-14 Proposal (10) · 03-01 Won (15)  |
//! | D4   | rep   | 2,000.00 | 03-01 P · 03-11 Q (10); open, 25 %, closes 2026-07-15         |
//! | D5   | rep   | 4,000.00 | 03-10 P; open, 10 %, closes 2026-07-20                        |
//! | D6   | admin | 1,000.00 | 2025-11-01 P · 2025-12-15 Q (44) · 01-10 Won (26)             |
//!
//! Plus the fixture's own open deal (rep, 12,500.00 in Prospecting at 10 %, no close
//! date, created today). Dates are 2026 unless shown; the range used is 2026-01-01 to
//! 2026-06-30.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, SmallInt, Text, Timestamptz};
use rapport::db::{Db, TenantScope};
use rapport::domain::deals::{self, NewDeal};
use rapport::domain::ids::{StageId, TenantId, UserId};
use rapport::domain::pipelines;

use crate::support::fixtures::TenantFixture;

pub const RANGE: &str = "from=2026-01-01&to=2026-06-30";

fn at(day: &str) -> DateTime<Utc> {
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .unwrap_or_else(|err| panic!("bad fixture date {day}: {err}"));
    date.and_hms_opt(12, 0, 0)
        .unwrap_or_else(|| panic!("bad time"))
        .and_utc()
}

/// (day, stage index into the pipeline's stages)
type Step = (&'static str, usize);

struct Spec {
    title: &'static str,
    owner: UserId,
    amount_minor: i64,
    steps: &'static [Step],
    probability: i16,
    expected_close: Option<&'static str>,
}

const WON: usize = 4;
const LOST: usize = 5;

/// Creates D1–D6 for the tenant.
pub fn create(db: &Db, tenant: &TenantFixture) {
    let tenant_id: TenantId = tenant.tenant_id;
    let rep = tenant.rep_id;
    let admin = tenant.admin_id;
    let specs = vec![
        Spec {
            title: "D1",
            owner: rep,
            amount_minor: 100_000,
            steps: &[("2026-01-05", 0), ("2026-01-06", 1), ("2026-01-20", WON)],
            probability: 100,
            expected_close: None,
        },
        Spec {
            title: "D2",
            owner: rep,
            amount_minor: 300_000,
            steps: &[("2026-02-01", 0), ("2026-02-03", 1), ("2026-02-10", LOST)],
            probability: 0,
            expected_close: None,
        },
        Spec {
            title: "D3",
            owner: admin,
            amount_minor: 500_000,
            steps: &[
                ("2026-02-01", 0),
                ("2026-02-04", 1),
                ("2026-02-14", 2),
                ("2026-03-01", WON),
            ],
            probability: 100,
            expected_close: None,
        },
        Spec {
            title: "D4",
            owner: rep,
            amount_minor: 200_000,
            steps: &[("2026-03-01", 0), ("2026-03-11", 1)],
            probability: 25,
            expected_close: Some("2026-07-15"),
        },
        Spec {
            title: "D5",
            owner: rep,
            amount_minor: 400_000,
            steps: &[("2026-03-10", 0)],
            probability: 10,
            expected_close: Some("2026-07-20"),
        },
        Spec {
            title: "D6",
            owner: admin,
            amount_minor: 100_000,
            steps: &[("2025-11-01", 0), ("2025-12-15", 1), ("2026-01-10", WON)],
            probability: 100,
            expected_close: None,
        },
    ];
    db.tenant_blocking(
        &TenantScope::service(tenant_id.0),
        move |conn| -> anyhow::Result<()> {
            let pipeline = pipelines::default_pipeline(conn)?;
            let stages = pipelines::stages(conn, pipeline.id)?;
            for spec in &specs {
                let (first_day, first_stage) = spec.steps[0];
                let deal = deals::create(
                    conn,
                    &NewDeal {
                        tenant_id,
                        deal_number: 0,
                        title: spec.title.to_owned(),
                        company_id: None,
                        primary_contact_id: None,
                        pipeline_id: pipeline.id,
                        stage_id: stages[first_stage].id,
                        status: "open".to_owned(),
                        amount_minor: spec.amount_minor,
                        currency: "USD".to_owned(),
                        probability: stages[first_stage].probability,
                        expected_close_date: None,
                        actual_close_date: None,
                        stage_entered_at: at(first_day),
                        owner_id: Some(spec.owner),
                        source: None,
                        won_reason: None,
                        lost_reason: None,
                        created_by: Some(spec.owner),
                        created_at: Some(at(first_day)),
                    },
                    None,
                )?;
                let mut previous = spec.steps[0];
                for &(day, stage) in &spec.steps[1..] {
                    let seconds = (at(day) - at(previous.0)).num_seconds();
                    diesel::sql_query(
                        "INSERT INTO deal_stage_history \
                         (tenant_id, deal_id, from_stage_id, to_stage_id, changed_at, duration_seconds) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind::<BigInt, _>(tenant_id.0)
                    .bind::<BigInt, _>(deal.id.0)
                    .bind::<BigInt, _>(stages[previous.1].id.0)
                    .bind::<BigInt, _>(stages[stage].id.0)
                    .bind::<Timestamptz, _>(at(day))
                    .bind::<BigInt, _>(seconds)
                    .execute(conn)?;
                    previous = (day, stage);
                }
                let (last_day, last_stage) = previous;
                let stage_id: StageId = stages[last_stage].id;
                let status = match last_stage {
                    WON => "won",
                    LOST => "lost",
                    _ => "open",
                };
                let closed = (status != "open").then(|| at(last_day).date_naive());
                let expected = spec
                    .expected_close
                    .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d"))
                    .transpose()?;
                diesel::sql_query(
                    "UPDATE deals SET stage_id = $1, status = $2, probability = $3, \
                     actual_close_date = $4, expected_close_date = $5, stage_entered_at = $6 \
                     WHERE id = $7",
                )
                .bind::<BigInt, _>(stage_id.0)
                .bind::<Text, _>(status)
                .bind::<SmallInt, _>(spec.probability)
                .bind::<Nullable<Date>, _>(closed)
                .bind::<Nullable<Date>, _>(expected)
                .bind::<Timestamptz, _>(at(last_day))
                .bind::<BigInt, _>(deal.id.0)
                .execute(conn)?;
            }
            Ok(())
        },
    )
    .unwrap_or_else(|err| panic!("cannot create the analytics fixture: {err:#}"));
}

/// `count` plain open deals "Bulk 01" … with amounts 100.00, 200.00, … (owner: the rep).
pub fn create_bulk(db: &Db, tenant: &TenantFixture, count: i64) {
    let tenant_id = tenant.tenant_id;
    let rep = tenant.rep_id;
    db.tenant_blocking(
        &TenantScope::service(tenant_id.0),
        move |conn| -> anyhow::Result<()> {
            let pipeline = pipelines::default_pipeline(conn)?;
            let stage = pipelines::stages(conn, pipeline.id)?.remove(0);
            for n in 1..=count {
                deals::create(
                    conn,
                    &NewDeal {
                        tenant_id,
                        deal_number: 0,
                        title: format!("Bulk {n:02}"),
                        company_id: None,
                        primary_contact_id: None,
                        pipeline_id: pipeline.id,
                        stage_id: stage.id,
                        status: "open".to_owned(),
                        amount_minor: n * 10_000,
                        currency: "USD".to_owned(),
                        probability: stage.probability,
                        expected_close_date: None,
                        actual_close_date: None,
                        stage_entered_at: Utc::now(),
                        owner_id: Some(rep),
                        source: None,
                        won_reason: None,
                        lost_reason: None,
                        created_by: Some(rep),
                        created_at: None,
                    },
                    None,
                )?;
            }
            Ok(())
        },
    )
    .unwrap_or_else(|err| panic!("cannot create bulk deals: {err:#}"));
}

/// The id of the default pipeline's stage with this name.
pub fn stage_id(db: &Db, tenant: TenantId, name: &str) -> i64 {
    let wanted = name.to_owned();
    db.tenant_blocking(
        &TenantScope::service(tenant.0),
        move |conn| -> anyhow::Result<i64> {
            let pipeline = pipelines::default_pipeline(conn)?;
            pipelines::stages(conn, pipeline.id)?
                .into_iter()
                .find(|s| s.name == wanted)
                .map(|s| s.id.0)
                .ok_or_else(|| anyhow::anyhow!("no stage {wanted}"))
        },
    )
    .unwrap_or_else(|err| panic!("{err:#}"))
}

/// How many stage history rows the deal has.
pub fn history_count(db: &Db, tenant: TenantId, deal: i64) -> i64 {
    db.tenant_blocking(
        &TenantScope::service(tenant.0),
        move |conn| -> anyhow::Result<i64> {
            let row: Count = diesel::sql_query(
                "SELECT count(*) AS n FROM deal_stage_history WHERE deal_id = $1",
            )
            .bind::<BigInt, _>(deal)
            .get_result(conn)?;
            Ok(row.n)
        },
    )
    .unwrap_or_else(|err| panic!("{err:#}"))
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}
