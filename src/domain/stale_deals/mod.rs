//! Stale deals: open deals whose whole days in their current stage exceed the stage's
//! alert threshold ([`DEFAULT_STALE_DAYS`] when none), the same rule as
//! [`deal_stages::is_stale`]. Most stuck first: ordered by when the deal went stale
//! (`stage_entered_at + threshold + 1 day`), i.e. by how far past its threshold it is,
//! then by id. Read per stage through an index on (tenant_id, stage_id, stage_entered_at),
//! with keyset pagination; record visibility is row-level security, as everywhere.

pub mod followups;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Nullable, SmallInt, Text, Timestamptz};

use crate::domain::counts::CappedCount;
use crate::domain::deal_stages::{self, DEFAULT_STALE_DAYS};
use crate::domain::ids::{PipelineId, UserId};

/// Which stale deals: a pipeline, and the owners (None: every deal the viewer sees).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaleFilter {
    pub pipeline: Option<PipelineId>,
    pub owners: Option<Vec<UserId>>,
}

/// The last row shown: the next page starts after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaleCursor {
    pub stale_since: DateTime<Utc>,
    pub id: i64,
}

impl StaleCursor {
    /// `<microseconds since the epoch>.<id>`.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.stale_since.timestamp_micros(), self.id)
    }

    pub fn parse(text: &str) -> Option<StaleCursor> {
        let (micros, id) = text.split_once('.')?;
        Some(StaleCursor {
            stale_since: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
            id: id.parse().ok()?,
        })
    }
}

/// One deal as the stale list shows it.
#[derive(Debug, Clone, QueryableByName)]
pub struct StaleDeal {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub deal_number: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub company_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub company_name: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub owner_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub owner_name: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub pipeline_id: i64,
    #[diesel(sql_type = Text)]
    pub pipeline_name: String,
    #[diesel(sql_type = BigInt)]
    pub stage_id: i64,
    #[diesel(sql_type = Text)]
    pub stage_name: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = BigInt)]
    pub amount_minor: i64,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = SmallInt)]
    pub probability: i16,
    #[diesel(sql_type = Timestamptz)]
    pub stage_entered_at: DateTime<Utc>,
    /// The stage's alert threshold in days (the default when it sets none).
    #[diesel(sql_type = Integer)]
    pub threshold_days: i32,
    /// When the deal went (or goes) stale: entered + threshold + 1 day.
    #[diesel(sql_type = Timestamptz)]
    pub stale_since: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub stage_closed: bool,
}

impl StaleDeal {
    pub fn days_in_stage(&self, now: DateTime<Utc>) -> i64 {
        deal_stages::days_in_stage(self.stage_entered_at, now)
    }

    /// Whole days beyond the threshold (0 or less: not stale).
    pub fn days_over(&self, now: DateTime<Utc>) -> i64 {
        self.days_in_stage(now) - i64::from(self.threshold_days)
    }

    /// The rule of [`deal_stages::is_stale`], on this row.
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        self.status == "open" && !self.stage_closed && self.days_over(now) > 0
    }

    pub fn cursor(&self) -> StaleCursor {
        StaleCursor {
            stale_since: self.stale_since,
            id: self.id,
        }
    }
}

#[derive(Debug, Clone)]
pub struct StalePage {
    pub rows: Vec<StaleDeal>,
    pub next: Option<StaleCursor>,
}

/// Stages with their thresholds (`$2`: the default), then the row columns.
const STAGES: &str = "SELECT s.tenant_id, s.id, s.pipeline_id, s.name, \
        s.is_closed_won OR s.is_closed_lost AS closed, \
        coalesce(s.days_in_stage_alert, $2)::int AS threshold \
    FROM pipeline_stages s";
const COLUMNS: &str = "d.id, d.deal_number, d.title, d.company_id, co.name AS company_name, \
    d.owner_id, o.name AS owner_name, d.pipeline_id, pl.name AS pipeline_name, st.id AS stage_id, \
    st.name AS stage_name, d.status, d.amount_minor, d.currency, d.probability, \
    d.stage_entered_at, st.threshold AS threshold_days, \
    d.stage_entered_at + make_interval(days => st.threshold + 1) AS stale_since, \
    st.closed AS stage_closed";
const NAMES: &str = "JOIN pipelines pl ON pl.tenant_id = d.tenant_id AND pl.id = d.pipeline_id \
    LEFT JOIN companies co ON co.tenant_id = d.tenant_id AND co.id = d.company_id \
    LEFT JOIN users o ON o.tenant_id = d.tenant_id AND o.id = d.owner_id";

/// One page of stale deals, most stuck first. Each open stage contributes at most
/// `limit + 1` rows read in index order, so a page costs about stages × limit rows
/// however many deals the tenant has.
pub fn page(
    conn: &mut PgConnection,
    filter: &StaleFilter,
    now: DateTime<Utc>,
    after: Option<StaleCursor>,
    limit: i64,
) -> QueryResult<StalePage> {
    let limit = limit.clamp(1, 200);
    let mut rows = load(conn, filter, now, after, limit + 1)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(StaleDeal::cursor)
    } else {
        None
    };
    Ok(StalePage { rows, next })
}

/// How many deals are stale, counted up to `cap` (no names joined, at most `cap + 1`
/// index entries per stage).
pub fn count(
    conn: &mut PgConnection,
    filter: &StaleFilter,
    now: DateTime<Utc>,
    cap: i64,
) -> QueryResult<CappedCount> {
    #[derive(QueryableByName)]
    struct Probe {
        #[diesel(sql_type = BigInt)]
        found: i64,
    }
    let owners: Option<Vec<i64>> = filter
        .owners
        .as_ref()
        .map(|ids| ids.iter().map(|id| id.0).collect());
    let probe: Probe = diesel::sql_query(format!(
        "SELECT count(*) AS found FROM ( \
             SELECT 1 FROM ({STAGES} WHERE NOT (s.is_closed_won OR s.is_closed_lost) \
                   AND ($4::bigint IS NULL OR s.pipeline_id = $4)) st \
             CROSS JOIN LATERAL ( \
                 SELECT 1 FROM deals d \
                 WHERE d.tenant_id = st.tenant_id AND d.stage_id = st.id \
                   AND d.deleted_at IS NULL AND d.status = 'open' \
                   AND d.stage_entered_at <= $1 - make_interval(days => st.threshold + 1) \
                   AND ($5::bigint[] IS NULL OR d.owner_id = ANY($5)) \
                 LIMIT $3) d \
             LIMIT $3) AS probe"
    ))
    .bind::<Timestamptz, _>(now)
    .bind::<Integer, _>(DEFAULT_STALE_DAYS as i32)
    .bind::<BigInt, _>(cap + 1)
    .bind::<Nullable<BigInt>, _>(filter.pipeline.map(|id| id.0))
    .bind::<Nullable<Array<BigInt>>, _>(owners)
    .get_result(conn)?;
    Ok(if probe.found > cap {
        CappedCount::AtLeast(cap)
    } else {
        CappedCount::Exact(probe.found)
    })
}

fn load(
    conn: &mut PgConnection,
    filter: &StaleFilter,
    now: DateTime<Utc>,
    after: Option<StaleCursor>,
    limit: i64,
) -> QueryResult<Vec<StaleDeal>> {
    let owners: Option<Vec<i64>> = filter
        .owners
        .as_ref()
        .map(|ids| ids.iter().map(|id| id.0).collect());
    // Bind order: $1 now, $2 default days, $3 limit, $4 pipeline, $5 owners,
    // $6 cursor time, $7 cursor id (NULLs switch the conditions off).
    let sql = format!(
        "SELECT {COLUMNS} \
         FROM ({STAGES} WHERE NOT (s.is_closed_won OR s.is_closed_lost) \
               AND ($4::bigint IS NULL OR s.pipeline_id = $4)) st \
         CROSS JOIN LATERAL ( \
             SELECT d.* FROM deals d \
             WHERE d.tenant_id = st.tenant_id AND d.stage_id = st.id \
               AND d.deleted_at IS NULL AND d.status = 'open' \
               AND d.stage_entered_at <= $1 - make_interval(days => st.threshold + 1) \
               AND ($5::bigint[] IS NULL OR d.owner_id = ANY($5)) \
               AND ($6::timestamptz IS NULL OR (d.stage_entered_at, d.id) > \
                    ($6 - make_interval(days => st.threshold + 1), $7)) \
             ORDER BY d.stage_entered_at, d.id LIMIT $3) d \
         {NAMES} \
         ORDER BY stale_since, d.id LIMIT $3"
    );
    diesel::sql_query(sql)
        .bind::<Timestamptz, _>(now)
        .bind::<Integer, _>(DEFAULT_STALE_DAYS as i32)
        .bind::<BigInt, _>(limit)
        .bind::<Nullable<BigInt>, _>(filter.pipeline.map(|id| id.0))
        .bind::<Nullable<Array<BigInt>>, _>(owners)
        .bind::<Nullable<Timestamptz>, _>(after.map(|c| c.stale_since))
        .bind::<BigInt, _>(after.map_or(0, |c| c.id))
        .load(conn)
}

/// One deal in the stale list's shape, stale or not (a row after a quick action).
pub fn row(conn: &mut PgConnection, deal_id: i64) -> QueryResult<Option<StaleDeal>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM deals d \
         JOIN ({STAGES}) st ON st.tenant_id = d.tenant_id AND st.id = d.stage_id \
         {NAMES} \
         WHERE d.id = $1 AND d.deleted_at IS NULL"
    );
    diesel::sql_query(sql)
        .bind::<BigInt, _>(deal_id)
        .bind::<Integer, _>(DEFAULT_STALE_DAYS as i32)
        .get_result(conn)
        .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let cursor = StaleCursor {
            stale_since: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap_or_default(),
            id: 42,
        };
        assert_eq!(StaleCursor::parse(&cursor.encode()), Some(cursor));
        assert_eq!(StaleCursor::parse("nope"), None);
    }
}
