//! Stage reading for deal pages and forms: stage choices across pipelines and a deal's
//! stage history with names and durations.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{deal_stage_history, pipeline_stages, pipelines, users};
use crate::domain::ids::DealId;
use crate::domain::pipelines::Stage;

/// Days in stage past which a deal counts as stale when its stage sets no alert.
pub const DEFAULT_STALE_DAYS: i64 = 30;

/// Every live stage of every live pipeline as (id, "Pipeline › Stage"), default pipeline
/// first, stages in board order; closing stages only with `include_closed`.
pub fn choices(
    conn: &mut PgConnection,
    include_closed: bool,
) -> QueryResult<Vec<(String, String)>> {
    let rows: Vec<(i64, String, String, bool, bool)> = pipeline_stages::table
        .inner_join(
            pipelines::table.on(pipelines::tenant_id
                .eq(pipeline_stages::tenant_id)
                .and(pipelines::id.eq(pipeline_stages::pipeline_id))),
        )
        .filter(pipelines::archived_at.is_null())
        .filter(pipeline_stages::archived_at.is_null())
        .order((
            pipelines::is_default.desc(),
            pipelines::position,
            pipelines::id,
            pipeline_stages::position,
            pipeline_stages::id,
        ))
        .select((
            pipeline_stages::id,
            pipelines::name,
            pipeline_stages::name,
            pipeline_stages::is_closed_won,
            pipeline_stages::is_closed_lost,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, _, won, lost)| include_closed || !(*won || *lost))
        .map(|(id, pipeline, stage, won, lost)| {
            let suffix = if won {
                " (won)"
            } else if lost {
                " (lost)"
            } else {
                ""
            };
            (id.to_string(), format!("{pipeline} › {stage}{suffix}"))
        })
        .collect())
}

/// One entry of a deal's stage history.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub to_colour: String,
    pub changed_at: DateTime<Utc>,
    pub changed_by: Option<String>,
    /// Seconds spent in the previous stage (None for the first entry).
    pub duration_seconds: Option<i64>,
}

impl HistoryEntry {
    /// "3 days", "5 hours", "under an hour".
    pub fn duration(&self) -> String {
        self.duration_seconds
            .map(human_duration)
            .unwrap_or_default()
    }
}

pub fn human_duration(seconds: i64) -> String {
    let days = seconds / 86_400;
    let hours = seconds / 3_600;
    match (days, hours) {
        (1, _) => "1 day".to_owned(),
        (d, _) if d > 1 => format!("{d} days"),
        (_, 1) => "1 hour".to_owned(),
        (_, h) if h > 1 => format!("{h} hours"),
        _ => "under an hour".to_owned(),
    }
}

/// from, to, colour, changed at, changed by, duration.
type HistoryRow = (
    Option<String>,
    String,
    String,
    DateTime<Utc>,
    Option<String>,
    Option<i64>,
);

/// The deal's stage history, newest first (a deal has few entries).
pub fn history(conn: &mut PgConnection, deal_id: DealId) -> QueryResult<Vec<HistoryEntry>> {
    let (from, to) = diesel::alias!(pipeline_stages as from_stage, pipeline_stages as to_stage);
    let rows: Vec<HistoryRow> = deal_stage_history::table
        .left_join(
            from.on(from
                .field(pipeline_stages::tenant_id)
                .eq(deal_stage_history::tenant_id)
                .and(
                    deal_stage_history::from_stage_id
                        .eq(from.field(pipeline_stages::id).nullable()),
                )),
        )
        .inner_join(
            to.on(to
                .field(pipeline_stages::tenant_id)
                .eq(deal_stage_history::tenant_id)
                .and(deal_stage_history::to_stage_id.eq(to.field(pipeline_stages::id)))),
        )
        .left_join(
            users::table.on(users::tenant_id
                .eq(deal_stage_history::tenant_id)
                .and(deal_stage_history::changed_by.eq(users::id.nullable()))),
        )
        .filter(deal_stage_history::deal_id.eq(deal_id))
        .order((
            deal_stage_history::changed_at.desc(),
            deal_stage_history::id.desc(),
        ))
        .select((
            from.field(pipeline_stages::name).nullable(),
            to.field(pipeline_stages::name),
            to.field(pipeline_stages::colour),
            deal_stage_history::changed_at,
            users::name.nullable(),
            deal_stage_history::duration_seconds,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(from_stage, to_stage, to_colour, changed_at, changed_by, duration_seconds)| {
                HistoryEntry {
                    from_stage,
                    to_stage,
                    to_colour,
                    changed_at,
                    changed_by,
                    duration_seconds,
                }
            },
        )
        .collect())
}

/// Whole days since the deal entered its stage.
pub fn days_in_stage(entered: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - entered).num_days().max(0)
}

/// Open deals past the stage's alert (or [`DEFAULT_STALE_DAYS`]) are stale.
pub fn is_stale(status: &str, stage: &Stage, days: i64) -> bool {
    status == "open"
        && !stage.is_closed()
        && days
            > stage
                .days_in_stage_alert
                .map_or(DEFAULT_STALE_DAYS, i64::from)
}
