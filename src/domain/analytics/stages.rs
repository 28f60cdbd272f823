//! Per-stage figures: days spent in a stage (each history row records the seconds the
//! deal spent in its *from* stage) and conversion to a later stage.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable};
use serde::{Deserialize, Serialize};

use super::Filters;
use crate::domain::listing::{Bind, Sql};
use crate::domain::pipelines::Stage;

/// Time spent in one stage by the deals that left it within the range.
#[derive(Debug, Clone, PartialEq)]
pub struct StageDuration {
    pub stage_id: i64,
    pub stage: String,
    /// Deals that left the stage in the range (each counted once).
    pub deals: i64,
    pub avg_days: Option<f64>,
    pub median_days: Option<f64>,
    pub p75_days: Option<f64>,
}

/// Of the deals that entered a stage in the range, how many later reached a later stage
/// (any stage further along the pipeline, closed-won included, closed-lost not).
#[derive(Debug, Clone, PartialEq)]
pub struct StageConversion {
    pub stage_id: i64,
    pub stage: String,
    pub entered: i64,
    pub advanced: i64,
}

impl StageConversion {
    /// Percent, or None when nothing entered the stage.
    pub fn rate(&self) -> Option<f64> {
        (self.entered > 0).then(|| self.advanced as f64 * 100.0 / self.entered as f64)
    }
}

/// What the database says about time spent in one stage, by stage id (what a snapshot
/// keeps; names come from the live stages when shown).
#[derive(Debug, Clone, PartialEq, QueryableByName, Serialize, Deserialize)]
pub struct DurationFigures {
    #[diesel(sql_type = BigInt)]
    pub stage_id: i64,
    #[diesel(sql_type = BigInt)]
    pub deals: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub avg_seconds: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub median_seconds: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub p75_seconds: Option<f64>,
}

/// Average, median and 75th percentile seconds in each of the stages, measured on the
/// history rows that left the stage within the range.
pub fn duration_figures(
    conn: &mut PgConnection,
    filters: &Filters,
    stages: &[Stage],
) -> QueryResult<Vec<DurationFigures>> {
    let ids: Vec<i64> = stages.iter().map(|s| s.id.0).collect();
    let (from, to) = filters.instants();
    let mut sql = Sql::new(
        "SELECT h.from_stage_id AS stage_id, count(DISTINCT h.deal_id) AS deals, \
                avg(h.duration_seconds)::float8 AS avg_seconds, \
                percentile_cont(0.5) WITHIN GROUP (ORDER BY h.duration_seconds) AS median_seconds, \
                percentile_cont(0.75) WITHIN GROUP (ORDER BY h.duration_seconds) AS p75_seconds \
         FROM deal_stage_history h \
         JOIN deals d ON d.tenant_id = h.tenant_id AND d.id = h.deal_id \
         WHERE h.tenant_id = ",
    );
    sql.bind(Bind::BigInt(filters.tenant_id))
        .push(" AND h.from_stage_id = ANY(")
        .bind(Bind::BigInts(ids))
        .push(") AND h.changed_at >= ")
        .bind(Bind::Timestamp(from))
        .push(" AND h.changed_at < ")
        .bind(Bind::Timestamp(to))
        .push(" AND h.duration_seconds IS NOT NULL AND d.deleted_at IS NULL");
    filters.deal_conditions(&mut sql);
    sql.push(" GROUP BY h.from_stage_id");
    sql.into_query().load(conn)
}

/// The figures per stage of the pipeline, in stage order. Closed stages are never left in
/// the normal course, so they are reported only if reopened deals left them.
pub fn durations(stages: &[Stage], rows: &[DurationFigures]) -> Vec<StageDuration> {
    stages
        .iter()
        .filter_map(|stage| {
            let row = rows.iter().find(|r| r.stage_id == stage.id.0);
            // Closed stages appear only when something actually left them.
            if row.is_none() && stage.is_closed() {
                return None;
            }
            Some(StageDuration {
                stage_id: stage.id.0,
                stage: stage.name.clone(),
                deals: row.map_or(0, |r| r.deals),
                avg_days: row.and_then(|r| r.avg_seconds).map(super::days),
                median_days: row.and_then(|r| r.median_seconds).map(super::days),
                p75_days: row.and_then(|r| r.p75_seconds).map(super::days),
            })
        })
        .collect()
}

/// Entries into one stage and how many of them advanced, by stage id.
#[derive(Debug, Clone, PartialEq, QueryableByName, Serialize, Deserialize)]
pub struct ConversionFigures {
    #[diesel(sql_type = BigInt)]
    pub stage_id: i64,
    #[diesel(sql_type = BigInt)]
    pub entered: i64,
    #[diesel(sql_type = BigInt)]
    pub advanced: i64,
}

/// Stage → later stage conversion for the open stages of the pipeline, in one pass over
/// the deals' stage history: walking each deal's history from its latest change back, a
/// window keeps the furthest (non-lost) stage reached from that change on; a deal's first
/// entry into a stage within the range advanced when that reach lies beyond the stage.
pub fn conversion_figures(
    conn: &mut PgConnection,
    filters: &Filters,
    stages: &[Stage],
) -> QueryResult<Vec<ConversionFigures>> {
    let ids: Vec<i64> = stages
        .iter()
        .filter(|s| !s.is_closed())
        .map(|s| s.id.0)
        .collect();
    let (from, to) = filters.instants();
    let mut sql = Sql::new(
        "WITH reached AS ( \
           SELECT h.deal_id, h.to_stage_id, h.changed_at, \
                  max(CASE WHEN ns.is_closed_lost THEN NULL ELSE ns.position END) OVER ( \
                      PARTITION BY h.deal_id ORDER BY h.changed_at DESC \
                      RANGE UNBOUNDED PRECEDING) AS reach \
           FROM deal_stage_history h \
           JOIN pipeline_stages ns ON ns.tenant_id = h.tenant_id AND ns.id = h.to_stage_id \
           WHERE h.tenant_id = ",
    );
    sql.bind(Bind::BigInt(filters.tenant_id))
        .push(
            // The tenant is bound again, not taken from `h`: a correlated subquery is
            // run once per history row (hours on 667k rows) instead of hashed once.
            " AND h.deal_id IN (SELECT e.deal_id FROM deal_stage_history e WHERE e.tenant_id = ",
        )
        .bind(Bind::BigInt(filters.tenant_id))
        .push(" AND e.to_stage_id = ANY(")
        .bind(Bind::BigInts(ids.clone()))
        .push(") AND e.changed_at >= ")
        .bind(Bind::Timestamp(from))
        .push(" AND e.changed_at < ")
        .bind(Bind::Timestamp(to))
        .push(
            ")), \
         entered AS ( \
           SELECT DISTINCT ON (r.deal_id, r.to_stage_id) r.deal_id, r.to_stage_id, r.reach \
           FROM reached r WHERE r.to_stage_id = ANY(",
        )
        .bind(Bind::BigInts(ids))
        .push(") AND r.changed_at >= ")
        .bind(Bind::Timestamp(from))
        .push(" AND r.changed_at < ")
        .bind(Bind::Timestamp(to))
        .push(
            " ORDER BY r.deal_id, r.to_stage_id, r.changed_at) \
         SELECT e.to_stage_id AS stage_id, count(*) AS entered, \
                count(*) FILTER (WHERE e.reach > es.position) AS advanced \
         FROM entered e \
         JOIN pipeline_stages es ON es.tenant_id = ",
        )
        .bind(Bind::BigInt(filters.tenant_id))
        .push(
            " AND es.id = e.to_stage_id JOIN deals d ON d.tenant_id = es.tenant_id \
               AND d.id = e.deal_id AND d.deleted_at IS NULL",
        );
    filters.deal_conditions(&mut sql);
    sql.push(" GROUP BY e.to_stage_id");
    sql.into_query().load(conn)
}

/// The conversion of each open stage of the pipeline, in stage order.
pub fn conversions(stages: &[Stage], rows: &[ConversionFigures]) -> Vec<StageConversion> {
    stages
        .iter()
        .filter(|s| !s.is_closed())
        .map(|stage| {
            let row = rows.iter().find(|r| r.stage_id == stage.id.0);
            StageConversion {
                stage_id: stage.id.0,
                stage: stage.name.clone(),
                entered: row.map_or(0, |r| r.entered),
                advanced: row.map_or(0, |r| r.advanced),
            }
        })
        .collect()
}
