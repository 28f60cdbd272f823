//! The deal board (issue 4): column figures, card alerts, keyset "more" pages, moves with
//! undo and won/lost reasons, filters and visibility over HTTP; drag-and-drop, the stage
//! menu, the undo toast and scrolling for more in a real browser. Helpers below.

mod browser;
mod http;
mod moves;
mod totals;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Int2, Nullable, Text, Timestamptz};
use rapport::db::{Db, TenantScope};
use rapport::domain::ids::TenantId;

pub use crate::deals::helpers::htmx_post;

/// The default pipeline's id and its stages by name.
pub struct Stages {
    pub pipeline: i64,
    pub by_name: HashMap<String, i64>,
}

impl Stages {
    pub fn id(&self, name: &str) -> i64 {
        *self
            .by_name
            .get(name)
            .unwrap_or_else(|| panic!("no stage {name}"))
    }
}

pub fn service<T>(
    db: &Db,
    tenant: TenantId,
    work: impl FnOnce(&mut PgConnection) -> anyhow::Result<T>,
) -> T {
    db.tenant_blocking(&TenantScope::service(tenant.0), work)
        .unwrap_or_else(|err| panic!("{err:#}"))
}

pub fn stages(db: &Db, tenant: TenantId) -> Stages {
    use rapport::db::schema::{pipeline_stages, pipelines};
    service(db, tenant, |conn| {
        let pipeline: i64 = pipelines::table
            .filter(pipelines::is_default.eq(true))
            .select(pipelines::id)
            .first(conn)?;
        let rows: Vec<(String, i64)> = pipeline_stages::table
            .filter(pipeline_stages::pipeline_id.eq(pipeline))
            .select((pipeline_stages::name, pipeline_stages::id))
            .load(conn)?;
        Ok(Stages {
            pipeline,
            by_name: rows.into_iter().collect(),
        })
    })
}

/// A deal to insert with controlled figures and time in stage.
pub struct Seed<'a> {
    pub title: &'a str,
    pub stage: i64,
    pub amount_minor: i64,
    pub probability: i16,
    pub entered: DateTime<Utc>,
    pub owner: Option<i64>,
    pub close: Option<NaiveDate>,
}

impl<'a> Seed<'a> {
    pub fn new(title: &'a str, stage: i64, amount_minor: i64, entered: DateTime<Utc>) -> Self {
        Seed {
            title,
            stage,
            amount_minor,
            probability: 50,
            entered,
            owner: None,
            close: None,
        }
    }
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Inserts a deal straight into the table (status from the stage); returns its id.
pub fn insert_deal(db: &Db, tenant: TenantId, pipeline: i64, seed: &Seed<'_>) -> i64 {
    let title = seed.title.to_owned();
    let (stage, amount, probability, entered, owner, close) = (
        seed.stage,
        seed.amount_minor,
        seed.probability,
        seed.entered,
        seed.owner,
        seed.close,
    );
    service(db, tenant, move |conn| {
        let row: Id = diesel::sql_query(
            "INSERT INTO deals (tenant_id, deal_number, title, pipeline_id, stage_id, status, \
             amount_minor, probability, stage_entered_at, owner_id, expected_close_date) \
             VALUES ($1, (SELECT coalesce(max(deal_number), 0) + 1 FROM deals WHERE tenant_id = $1), \
             $2, $3, $4, (SELECT CASE WHEN is_closed_won THEN 'won' WHEN is_closed_lost THEN 'lost' \
             ELSE 'open' END FROM pipeline_stages WHERE id = $4), $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind::<BigInt, _>(tenant.0)
        .bind::<Text, _>(title)
        .bind::<BigInt, _>(pipeline)
        .bind::<BigInt, _>(stage)
        .bind::<BigInt, _>(amount)
        .bind::<Int2, _>(probability)
        .bind::<Timestamptz, _>(entered)
        .bind::<Nullable<BigInt>, _>(owner)
        .bind::<Nullable<Date>, _>(close)
        .get_result(conn)?;
        Ok(row.id)
    })
}

/// The deal's (stage_id, status, won_reason, lost_reason).
pub fn deal_state(
    db: &Db,
    tenant: TenantId,
    deal: i64,
) -> (i64, String, Option<String>, Option<String>) {
    use rapport::db::schema::deals;
    service(db, tenant, move |conn| {
        Ok(deals::table
            .find(deal)
            .select((
                deals::stage_id,
                deals::status,
                deals::won_reason,
                deals::lost_reason,
            ))
            .first(conn)?)
    })
}

/// The deal's timeline entries as (type, title), oldest first.
pub fn activities(db: &Db, tenant: TenantId, deal: i64) -> Vec<(String, String)> {
    use rapport::db::schema::activities;
    service(db, tenant, move |conn| {
        Ok(activities::table
            .filter(activities::deal_id.eq(deal))
            .order(activities::id)
            .select((activities::activity_type, activities::title))
            .load(conn)?)
    })
}

pub fn set_visibility(db: &Db, tenant: TenantId, mode: &str) {
    use rapport::db::schema::tenants;
    let mode = mode.to_owned();
    service(db, tenant, move |conn| {
        diesel::update(tenants::table.find(tenant))
            .set(tenants::record_visibility.eq(&mode))
            .execute(conn)?;
        Ok(())
    })
}

/// How many stage history rows the deal has.
pub fn history_count(db: &Db, tenant: TenantId, deal: i64) -> i64 {
    use rapport::db::schema::deal_stage_history;
    service(db, tenant, move |conn| {
        Ok(deal_stage_history::table
            .filter(deal_stage_history::deal_id.eq(deal))
            .count()
            .get_result(conn)?)
    })
}
