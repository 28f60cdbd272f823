//! Per-stage figures: days spent in a stage (each history row records the seconds the
//! deal spent in its *from* stage) and conversion to a later stage.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable};

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

#[derive(QueryableByName)]
struct DurationRow {
    #[diesel(sql_type = BigInt)]
    stage_id: i64,
    #[diesel(sql_type = BigInt)]
    deals: i64,
    #[diesel(sql_type = Nullable<Double>)]
    avg_seconds: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    median_seconds: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    p75_seconds: Option<f64>,
}

/// Average, median and 75th percentile days in each stage of the pipeline, measured on
/// the history rows that left the stage within the range. Closed stages are never left
/// in the normal course, so they are reported only if reopened deals left them.
pub fn durations(
    conn: &mut PgConnection,
    filters: &Filters,
    stages: &[Stage],
) -> QueryResult<Vec<StageDuration>> {
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
    let rows: Vec<DurationRow> = sql.into_query().load(conn)?;
    Ok(stages
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
        .collect())
}

#[derive(QueryableByName)]
struct ConversionRow {
    #[diesel(sql_type = BigInt)]
    stage_id: i64,
    #[diesel(sql_type = BigInt)]
    entered: i64,
    #[diesel(sql_type = BigInt)]
    advanced: i64,
}

/// Stage → later stage conversion for the open stages of the pipeline.
pub fn conversions(
    conn: &mut PgConnection,
    filters: &Filters,
    stages: &[Stage],
) -> QueryResult<Vec<StageConversion>> {
    let open: Vec<&Stage> = stages.iter().filter(|s| !s.is_closed()).collect();
    let ids: Vec<i64> = open.iter().map(|s| s.id.0).collect();
    let (from, to) = filters.instants();
    let mut sql = Sql::new(
        "WITH entered AS ( \
           SELECT h.deal_id, h.to_stage_id AS stage_id, min(h.changed_at) AS at \
           FROM deal_stage_history h \
           JOIN deals d ON d.tenant_id = h.tenant_id AND d.id = h.deal_id \
           WHERE h.tenant_id = ",
    );
    sql.bind(Bind::BigInt(filters.tenant_id))
        .push(" AND h.to_stage_id = ANY(")
        .bind(Bind::BigInts(ids))
        .push(") AND h.changed_at >= ")
        .bind(Bind::Timestamp(from))
        .push(" AND h.changed_at < ")
        .bind(Bind::Timestamp(to))
        .push(" AND d.deleted_at IS NULL");
    filters.deal_conditions(&mut sql);
    sql.push(
        " GROUP BY h.deal_id, h.to_stage_id) \
         SELECT e.stage_id, count(*) AS entered, \
                count(*) FILTER (WHERE EXISTS ( \
                    SELECT 1 FROM deal_stage_history n \
                    JOIN pipeline_stages ns ON ns.tenant_id = n.tenant_id AND ns.id = n.to_stage_id \
                    WHERE n.tenant_id = es.tenant_id AND n.deal_id = e.deal_id \
                      AND n.changed_at >= e.at AND ns.position > es.position \
                      AND NOT ns.is_closed_lost)) AS advanced \
         FROM entered e \
         JOIN pipeline_stages es ON es.id = e.stage_id \
         GROUP BY e.stage_id",
    );
    let rows: Vec<ConversionRow> = sql.into_query().load(conn)?;
    Ok(open
        .iter()
        .map(|stage| {
            let row = rows.iter().find(|r| r.stage_id == stage.id.0);
            StageConversion {
                stage_id: stage.id.0,
                stage: stage.name.clone(),
                entered: row.map_or(0, |r| r.entered),
                advanced: row.map_or(0, |r| r.advanced),
            }
        })
        .collect())
}
