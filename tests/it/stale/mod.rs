//! Stale deals, the daily follow-up job, the stale / stage-history APIs and the home
//! dashboard (issue 4, stale lane), against deals with controlled timestamps.

mod actions;
mod api;
mod browser;
mod dashboard;
mod job;
mod list;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use rapport::db::schema::{deals, pipeline_stages, pipelines};
use rapport::db::{Db, TenantScope};
use rapport::domain::deals::NewDeal;
use rapport::domain::ids::{PipelineId, StageId, TenantId, UserId};
use reqwest::StatusCode;

use crate::support::Page;
use crate::support::app::TestClient;

/// The default pipeline's stage with this name (its id and pipeline).
pub fn stage(db: &Db, tenant: TenantId, name: &str) -> (StageId, PipelineId) {
    let wanted = name.to_owned();
    db.tenant_blocking(
        &TenantScope::service(tenant.0),
        move |conn| -> anyhow::Result<(StageId, PipelineId)> {
            Ok(pipeline_stages::table
                .inner_join(pipelines::table.on(pipelines::id.eq(pipeline_stages::pipeline_id)))
                .filter(pipelines::is_default.eq(true))
                .filter(pipeline_stages::name.eq(&wanted))
                .select((pipeline_stages::id, pipeline_stages::pipeline_id))
                .first(conn)?)
        },
    )
    .unwrap_or_else(|err| panic!("no stage {name}: {err:#}"))
}

/// What a test deal looks like.
#[derive(Debug, Clone)]
pub struct DealSpec {
    pub title: &'static str,
    pub stage: &'static str,
    pub entered: DateTime<Utc>,
    pub owner: Option<UserId>,
    pub status: &'static str,
    pub amount_minor: i64,
    pub expected_close: Option<NaiveDate>,
    pub actual_close: Option<NaiveDate>,
}

impl DealSpec {
    pub fn open(
        title: &'static str,
        stage: &'static str,
        entered: DateTime<Utc>,
        owner: UserId,
    ) -> Self {
        DealSpec {
            title,
            stage,
            entered,
            owner: Some(owner),
            status: "open",
            amount_minor: 100_000,
            expected_close: None,
            actual_close: None,
        }
    }
}

/// Creates a deal through `deals::create` (history row, timeline entry) and returns its id.
pub fn make_deal(db: &Db, tenant: TenantId, spec: DealSpec) -> i64 {
    let (stage_id, pipeline_id) = stage(db, tenant, spec.stage);
    db.tenant_blocking(
        &TenantScope::service(tenant.0),
        move |conn| -> anyhow::Result<i64> {
            let probability: i16 = pipeline_stages::table
                .find(stage_id)
                .select(pipeline_stages::probability)
                .first(conn)?;
            let deal = rapport::domain::deals::create(
                conn,
                &NewDeal {
                    tenant_id: tenant,
                    deal_number: 0,
                    title: spec.title.to_owned(),
                    company_id: None,
                    primary_contact_id: None,
                    pipeline_id,
                    stage_id,
                    status: spec.status.to_owned(),
                    amount_minor: spec.amount_minor,
                    currency: "USD".to_owned(),
                    probability,
                    expected_close_date: spec.expected_close,
                    actual_close_date: spec.actual_close,
                    stage_entered_at: spec.entered,
                    owner_id: spec.owner,
                    source: None,
                    won_reason: None,
                    lost_reason: None,
                    created_by: spec.owner,
                    created_at: None,
                },
                spec.owner,
            )?;
            Ok(deal.id.0)
        },
    )
    .unwrap_or_else(|err| panic!("cannot create deal {}: {err:#}", spec.title))
}

/// Runs SQL as the tenant's service scope (fixture tweaks).
pub fn exec(db: &Db, tenant: TenantId, sql: &'static str) {
    db.tenant_blocking(
        &TenantScope::service(tenant.0),
        move |conn| -> anyhow::Result<usize> { Ok(diesel::sql_query(sql).execute(conn)?) },
    )
    .unwrap_or_else(|err| panic!("{sql}: {err:#}"));
}

pub fn soft_delete(db: &Db, tenant: TenantId, id: i64) {
    db.tenant_blocking(
        &TenantScope::service(tenant.0),
        move |conn| -> anyhow::Result<usize> {
            Ok(diesel::update(deals::table.find(id))
                .set(deals::deleted_at.eq(Some(Utc::now())))
                .execute(conn)?)
        },
    )
    .unwrap_or_else(|err| panic!("{err:#}"));
}

/// The standard stale fixture, relative to `now` (thresholds of the default pipeline:
/// Prospecting 30, Qualification 21 → set to none, i.e. 30, Proposal 14, Negotiation 7).
/// Stale, most stuck first: `c` (went stale 12 days ago), `a` (9 days), `b2` (1 day),
/// `ownerless` (12 hours), `e` (1 hour). Not stale: `b`, `d` (14 days in a 14-day stage),
/// `abandoned`, `won`, `deleted`, and the fixture tenant's own deal (entered now).
pub struct Fixture {
    pub a: i64,
    pub b: i64,
    pub b2: i64,
    pub c: i64,
    pub d: i64,
    pub e: i64,
    pub abandoned: i64,
    pub won: i64,
    pub deleted: i64,
    pub ownerless: i64,
}

pub fn fixture(
    db: &Db,
    tenant: TenantId,
    admin: UserId,
    rep: UserId,
    now: DateTime<Utc>,
) -> Fixture {
    exec(
        db,
        tenant,
        "UPDATE pipeline_stages SET days_in_stage_alert = NULL WHERE name = 'Qualification'",
    );
    let days = Duration::days;
    let hours = Duration::hours;
    let spec = |title, stage, entered, owner| DealSpec::open(title, stage, entered, owner);
    let a = make_deal(
        db,
        tenant,
        spec("A prospect", "Prospecting", now - days(40), rep),
    );
    let b = make_deal(
        db,
        tenant,
        spec("B qualifying", "Qualification", now - days(25), admin),
    );
    let b2 = make_deal(
        db,
        tenant,
        spec("B2 qualifying", "Qualification", now - days(32), admin),
    );
    let c = make_deal(
        db,
        tenant,
        spec("C negotiating", "Negotiation", now - days(20), admin),
    );
    let d = make_deal(
        db,
        tenant,
        spec("D proposal", "Proposal", now - days(14) - hours(2), admin),
    );
    let e = make_deal(
        db,
        tenant,
        spec("E proposal", "Proposal", now - days(15) - hours(1), admin),
    );
    let mut abandoned_spec = spec("Abandoned", "Negotiation", now - days(50), admin);
    abandoned_spec.status = "abandoned";
    let abandoned = make_deal(db, tenant, abandoned_spec);
    let mut won_spec = spec("Won long ago", "Closed Won", now - days(90), admin);
    won_spec.status = "won";
    let won = make_deal(db, tenant, won_spec);
    let deleted = make_deal(
        db,
        tenant,
        spec("Deleted", "Negotiation", now - days(60), admin),
    );
    soft_delete(db, tenant, deleted);
    let mut ownerless_spec = spec("Nobody's", "Prospecting", now - days(31) - hours(12), admin);
    ownerless_spec.owner = None;
    let ownerless = make_deal(db, tenant, ownerless_spec);
    Fixture {
        a,
        b,
        b2,
        c,
        d,
        e,
        abandoned,
        won,
        deleted,
        ownerless,
    }
}

/// A POST the way htmx sends it (CSRF header, HX-Request).
pub async fn htmx_post(
    client: &TestClient,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, Page) {
    let token = client
        .csrf_token()
        .unwrap_or_else(|| panic!("load a page before POST {path}"));
    let response = client
        .http
        .post(client.url(path))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token)
        .form(fields)
        .send()
        .await
        .unwrap_or_else(|err| panic!("POST {path}: {err}"));
    let status = response.status();
    let text = response.text().await.unwrap_or_else(|err| panic!("{err}"));
    // The answer is a table row: parse it where a row may stand.
    (
        status,
        Page::parse(format!("<table><tbody>{text}</tbody></table>")),
    )
}

/// The deal ids of the stale page's rows, in order.
pub fn row_ids(page: &Page) -> Vec<i64> {
    page.select("tr.stale-row")
        .iter()
        .filter_map(|row| row.value().attr("data-deal"))
        .filter_map(|id| id.parse().ok())
        .collect()
}
