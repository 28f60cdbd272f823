//! Closed-deal figures (won/lost per month by actual close date, win rate, average won
//! amount) and the weighted open pipeline by expected close month.

use chrono::{Datelike, Months, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable};
use serde::{Deserialize, Serialize};

use super::Filters;
use crate::domain::listing::{Bind, Sql};

/// Most months a chart shows; longer ranges keep their latest months.
pub const MAX_MONTHS: usize = 60;

#[derive(Debug, Clone, PartialEq, QueryableByName, Serialize, Deserialize)]
pub struct MonthOutcome {
    /// The first day of the month.
    #[diesel(sql_type = Date)]
    pub month: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub won: i64,
    #[diesel(sql_type = BigInt)]
    pub lost: i64,
    #[diesel(sql_type = BigInt)]
    pub won_amount_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Outcomes {
    /// Every month of the range, oldest first, zeros included.
    pub months: Vec<MonthOutcome>,
    pub won: i64,
    pub lost: i64,
    pub won_amount_minor: i64,
}

impl Outcomes {
    /// Won / (won + lost), in percent.
    pub fn win_rate(&self) -> Option<f64> {
        let closed = self.won + self.lost;
        (closed > 0).then(|| self.won as f64 * 100.0 / closed as f64)
    }

    /// Average amount of the won deals, in minor units (rounded half up).
    pub fn avg_won_minor(&self) -> Option<i64> {
        (self.won > 0).then(|| {
            let won = i128::from(self.won);
            let total = i128::from(self.won_amount_minor);
            i64::try_from((2 * total + won) / (2 * won)).unwrap_or(i64::MAX)
        })
    }
}

#[derive(Debug, Clone, PartialEq, QueryableByName, Serialize, Deserialize)]
pub struct WeightedMonth {
    /// The first day of the expected close month; None for deals without a date.
    #[diesel(sql_type = Nullable<Date>)]
    pub month: Option<NaiveDate>,
    #[diesel(sql_type = BigInt)]
    pub deals: i64,
    #[diesel(sql_type = BigInt)]
    pub amount_minor: i64,
    #[diesel(sql_type = BigInt)]
    pub weighted_minor: i64,
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Won and lost deals of the pipeline closed (actual close date) within the range.
pub fn outcomes(conn: &mut PgConnection, filters: &Filters) -> QueryResult<Outcomes> {
    let mut sql = Sql::new(
        "SELECT date_trunc('month', d.actual_close_date)::date AS month, \
                count(*) FILTER (WHERE d.status = 'won') AS won, \
                count(*) FILTER (WHERE d.status = 'lost') AS lost, \
                coalesce(sum(d.amount_minor) FILTER (WHERE d.status = 'won'), 0)::bigint \
                    AS won_amount_minor \
         FROM deals d WHERE d.tenant_id = ",
    );
    sql.bind(Bind::BigInt(filters.tenant_id))
        .push(" AND d.pipeline_id = ")
        .bind(Bind::BigInt(filters.pipeline_id))
        .push(
            " AND d.deleted_at IS NULL AND d.status IN ('won', 'lost') AND d.actual_close_date >= ",
        )
        .bind(Bind::Date(filters.from))
        .push(" AND d.actual_close_date <= ")
        .bind(Bind::Date(filters.to));
    filters.deal_conditions(&mut sql);
    sql.push(" GROUP BY 1 ORDER BY 1");
    let rows: Vec<MonthOutcome> = sql.into_query().load(conn)?;

    let mut months = Vec::new();
    let mut month = first_of_month(filters.from);
    let last = first_of_month(filters.to);
    while month <= last {
        months.push(
            rows.iter()
                .find(|r| r.month == month)
                .cloned()
                .unwrap_or(MonthOutcome {
                    month,
                    won: 0,
                    lost: 0,
                    won_amount_minor: 0,
                }),
        );
        match month.checked_add_months(Months::new(1)) {
            Some(next) => month = next,
            None => break,
        }
    }
    if months.len() > MAX_MONTHS {
        months.drain(..months.len() - MAX_MONTHS);
    }
    Ok(Outcomes {
        won: rows.iter().map(|r| r.won).sum(),
        lost: rows.iter().map(|r| r.lost).sum(),
        won_amount_minor: rows.iter().map(|r| r.won_amount_minor).sum(),
        months,
    })
}

/// Open deals of the pipeline by expected close month: count, amount and amount ×
/// probability (each deal rounded half up to a minor unit, as on the deal page). The date
/// range does not apply: open deals are about the future. Deals without an expected close
/// date come last.
pub fn weighted_by_close_month(
    conn: &mut PgConnection,
    filters: &Filters,
) -> QueryResult<Vec<WeightedMonth>> {
    let mut sql = Sql::new(
        "SELECT date_trunc('month', d.expected_close_date)::date AS month, count(*) AS deals, \
                coalesce(sum(d.amount_minor), 0)::bigint AS amount_minor, \
                coalesce(sum(div(d.amount_minor::numeric * d.probability + 50, 100)), 0)::bigint \
                    AS weighted_minor \
         FROM deals d WHERE d.tenant_id = ",
    );
    sql.bind(Bind::BigInt(filters.tenant_id))
        .push(" AND d.pipeline_id = ")
        .bind(Bind::BigInt(filters.pipeline_id))
        .push(" AND d.deleted_at IS NULL AND d.status = 'open'");
    filters.deal_conditions(&mut sql);
    sql.push(" GROUP BY 1 ORDER BY 1 NULLS LAST LIMIT ")
        .push(&(MAX_MONTHS + 1).to_string());
    sql.into_query().load(conn)
}
