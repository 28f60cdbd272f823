//! Pipeline analytics: time spent in each stage (from `deal_stage_history`), stage →
//! next-stage conversion, win rate, average won deal size, won/lost per month and the
//! weighted open pipeline by expected close month. Every figure respects row-level
//! security, so a manager counts only the deals they may see.

pub mod outcomes;
pub mod snapshots;
pub mod stages;

use chrono::{DateTime, Months, NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde::{Deserialize, Serialize};

use crate::domain::listing::{Bind, Sql};
use crate::domain::pipelines::{Pipeline, Stage};

pub use outcomes::{MonthOutcome, Outcomes, WeightedMonth};
pub use stages::{ConversionFigures, DurationFigures, StageConversion, StageDuration};

/// What the figures are restricted to. `from`/`to` are inclusive days in the viewer's
/// time zone.
#[derive(Debug, Clone)]
pub struct Filters {
    pub tenant_id: i64,
    pub pipeline_id: i64,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub tz: chrono_tz::Tz,
    /// The range is the default one (the last twelve months), which moves with the days:
    /// a background refresh recomputes it for the current day.
    pub rolling: bool,
}

impl Filters {
    /// The default range: the last twelve months, ending today.
    pub fn default_range(today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let from = today
            .checked_sub_months(Months::new(12))
            .and_then(|d| d.succ_opt())
            .unwrap_or(today);
        (from, today)
    }

    /// Start of `from` and start of the day after `to`, as instants.
    pub fn instants(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |day: NaiveDate| {
            day.and_hms_opt(0, 0, 0)
                .and_then(|at| self.tz.from_local_datetime(&at).earliest())
                .map_or_else(
                    || Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default()),
                    |at| at.with_timezone(&Utc),
                )
        };
        (
            start(self.from),
            start(self.to.succ_opt().unwrap_or(self.to)),
        )
    }

    /// `AND …` conditions on the deal alias `d`: owner and team.
    fn deal_conditions(&self, sql: &mut Sql) {
        if let Some(owner) = self.owner_id {
            sql.push(" AND d.owner_id = ").bind(Bind::BigInt(owner));
        }
        if let Some(team) = self.team_id {
            sql.push(" AND d.owner_id IN (SELECT u.id FROM users u WHERE u.tenant_id = ")
                .bind(Bind::BigInt(self.tenant_id))
                .push(" AND u.team_id = ")
                .bind(Bind::BigInt(team))
                .push(")");
        }
    }
}

/// The figures a report is drawn from, by stage id: what a snapshot keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub durations: Vec<DurationFigures>,
    pub conversions: Vec<ConversionFigures>,
    pub outcomes: Outcomes,
    pub weighted: Vec<WeightedMonth>,
}

/// Computes the figures (the expensive part: it reads the pipeline's stage history).
pub fn figures(
    conn: &mut PgConnection,
    filters: &Filters,
    stages: &[Stage],
) -> QueryResult<Figures> {
    Ok(Figures {
        durations: stages::duration_figures(conn, filters, stages)?,
        conversions: stages::conversion_figures(conn, filters, stages)?,
        outcomes: outcomes::outcomes(conn, filters)?,
        weighted: outcomes::weighted_by_close_month(conn, filters)?,
    })
}

/// Everything the analytics page shows, as of the moment its figures were computed.
#[derive(Debug, Clone)]
pub struct Report {
    pub stages: Vec<Stage>,
    pub durations: Vec<StageDuration>,
    pub conversions: Vec<StageConversion>,
    pub outcomes: Outcomes,
    pub weighted: Vec<WeightedMonth>,
    pub as_of: DateTime<Utc>,
    /// How long computing the figures took.
    pub compute_ms: i32,
    /// The figures were kept from an earlier computation (see [`snapshots`]).
    pub from_snapshot: bool,
}

impl Report {
    /// The figures laid out on the pipeline's current stages (names as they are now).
    pub fn assemble(
        stages: Vec<Stage>,
        figures: Figures,
        as_of: DateTime<Utc>,
        compute_ms: i32,
    ) -> Report {
        Report {
            durations: stages::durations(&stages, &figures.durations),
            conversions: stages::conversions(&stages, &figures.conversions),
            outcomes: figures.outcomes,
            weighted: figures.weighted,
            stages,
            as_of,
            compute_ms,
            from_snapshot: false,
        }
    }
}

/// The report for the filters: from a fresh snapshot when there is one, else computed
/// now (see [`snapshots`]).
pub fn report(conn: &mut PgConnection, filters: &Filters) -> QueryResult<Report> {
    snapshots::report(conn, filters, Utc::now(), snapshots::Freshness::Cached)
}

/// Live pipelines, default first.
pub fn pipelines(conn: &mut PgConnection) -> QueryResult<Vec<Pipeline>> {
    use crate::db::schema::pipelines as p;
    p::table
        .filter(p::archived_at.is_null())
        .order((p::is_default.desc(), p::position, p::id))
        .select(Pipeline::as_select())
        .load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct TeamChoice {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
}

pub fn teams(conn: &mut PgConnection) -> QueryResult<Vec<TeamChoice>> {
    diesel::sql_query(
        "SELECT id, name FROM teams WHERE deleted_at IS NULL ORDER BY lower(name), id",
    )
    .load(conn)
}

/// Seconds as days, for display.
pub fn days(seconds: f64) -> f64 {
    seconds / 86_400.0
}
