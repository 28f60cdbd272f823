//! Pipeline analytics: time spent in each stage (from `deal_stage_history`), stage →
//! next-stage conversion, win rate, average won deal size, won/lost per month and the
//! weighted open pipeline by expected close month. Every figure respects row-level
//! security, so a manager counts only the deals they may see.

pub mod outcomes;
pub mod stages;

use chrono::{DateTime, Months, NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::domain::listing::{Bind, Sql};
use crate::domain::pipelines::{self, Pipeline, Stage};

pub use outcomes::{MonthOutcome, Outcomes, WeightedMonth};
pub use stages::{StageConversion, StageDuration};

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

/// Everything the analytics page shows.
#[derive(Debug, Clone)]
pub struct Report {
    pub stages: Vec<Stage>,
    pub durations: Vec<StageDuration>,
    pub conversions: Vec<StageConversion>,
    pub outcomes: Outcomes,
    pub weighted: Vec<WeightedMonth>,
}

pub fn report(conn: &mut PgConnection, filters: &Filters) -> QueryResult<Report> {
    let stages = pipelines::stages(conn, crate::domain::ids::PipelineId(filters.pipeline_id))?;
    let durations = stages::durations(conn, filters, &stages)?;
    let conversions = stages::conversions(conn, filters, &stages)?;
    let outcomes = outcomes::outcomes(conn, filters)?;
    let weighted = outcomes::weighted_by_close_month(conn, filters)?;
    Ok(Report {
        stages,
        durations,
        conversions,
        outcomes,
        weighted,
    })
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
