//! The deal board: a pipeline's column totals (one grouped query per board) and keyset
//! pages of cards per stage on (stage_entered_at, id). Visibility is the deals policy's
//! business (row-level security), so every query here sees only what the user may see.

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};

use crate::db::schema::pipelines;
use crate::domain::ids::{PipelineId, StageId, TenantId};
use crate::domain::listing::sql::{Bind, Sql};
use crate::domain::pipelines::{Pipeline, Stage};

/// Cards per column page.
pub const PAGE_SIZE: usize = 20;

/// Closing (won / lost) columns show the deals that closed within this many days, newest
/// first: a board is about work in progress, not years of history.
pub const CLOSED_RECENT_DAYS: i64 = 30;

/// The board's filters, already checked. Amounts in minor units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardFilter {
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub tag_id: Option<i64>,
    /// The first day of the expected close month.
    pub close_month: Option<NaiveDate>,
    pub min_minor: Option<i64>,
    pub max_minor: Option<i64>,
}

impl BoardFilter {
    /// Appends the filter's conditions on `deals d` (every value a bind).
    fn push_conditions(&self, sql: &mut Sql) {
        if let Some(owner) = self.owner_id {
            sql.push(" AND d.owner_id = ").bind(Bind::BigInt(owner));
        }
        if let Some(team) = self.team_id {
            sql.push(
                " AND d.owner_id IN (SELECT u.id FROM users u \
                 WHERE u.tenant_id = d.tenant_id AND u.team_id = ",
            )
            .bind(Bind::BigInt(team))
            .push(")");
        }
        if let Some(tag) = self.tag_id {
            sql.push(
                " AND EXISTS (SELECT 1 FROM taggings tg WHERE tg.tenant_id = d.tenant_id \
                 AND tg.entity_type = 'deal' AND tg.entity_id = d.id AND tg.tag_id = ",
            )
            .bind(Bind::BigInt(tag))
            .push(")");
        }
        if let Some(month) = self.close_month {
            let next = month.checked_add_months(Months::new(1)).unwrap_or(month);
            sql.push(" AND d.expected_close_date >= ")
                .bind(Bind::Date(month))
                .push(" AND d.expected_close_date < ")
                .bind(Bind::Date(next));
        }
        if let Some(min) = self.min_minor {
            sql.push(" AND d.amount_minor >= ").bind(Bind::BigInt(min));
        }
        if let Some(max) = self.max_minor {
            sql.push(" AND d.amount_minor <= ").bind(Bind::BigInt(max));
        }
    }
}

/// Live pipelines, default first, for the switcher.
pub fn pipelines(conn: &mut PgConnection) -> QueryResult<Vec<Pipeline>> {
    pipelines::table
        .filter(pipelines::archived_at.is_null())
        .order((
            pipelines::is_default.desc(),
            pipelines::position,
            pipelines::id,
        ))
        .select(Pipeline::as_select())
        .load(conn)
}

/// One stage's figures in one currency.
#[derive(Debug, Clone, QueryableByName, PartialEq, Eq)]
pub struct StageTotal {
    #[diesel(sql_type = BigInt)]
    pub stage_id: i64,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = BigInt)]
    pub deals: i64,
    #[diesel(sql_type = BigInt)]
    pub amount_minor: i64,
    /// Σ amount × probability / 100, rounded once per stage and currency.
    #[diesel(sql_type = BigInt)]
    pub weighted_minor: i64,
}

/// Where closing columns start: deals that entered them since then are shown.
pub fn closed_since(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(CLOSED_RECENT_DAYS)
}

/// Count, amount and weighted amount per stage (and currency) of the pipeline. Open
/// columns read the maintained sums in `deal_stage_totals` (a few hundred rows, whatever
/// the number of deals) unless a filter the sums cannot answer is set (tag, amount range);
/// closing columns count the deals that closed recently, from the board index.
pub fn totals(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    pipeline_id: PipelineId,
    stages: &[Stage],
    filter: &BoardFilter,
    now: DateTime<Utc>,
) -> QueryResult<Vec<StageTotal>> {
    let ids = |closed: bool| -> Vec<i64> {
        stages
            .iter()
            .filter(|s| s.is_closed() == closed)
            .map(|s| s.id.0)
            .collect()
    };
    let (open, closed) = (ids(false), ids(true));
    if filter.tag_id.is_some() || filter.min_minor.is_some() || filter.max_minor.is_some() {
        return totals_from_deals(conn, tenant_id, pipeline_id, &open, &closed, filter, now);
    }
    let mut totals = open_totals_from_sums(conn, tenant_id, pipeline_id, &open, filter)?;
    totals.extend(totals_from_deals(
        conn,
        tenant_id,
        pipeline_id,
        &[],
        &closed,
        filter,
        now,
    )?);
    totals.sort_by(|a, b| (a.stage_id, &a.currency).cmp(&(b.stage_id, &b.currency)));
    Ok(totals)
}

/// Open columns from the trigger-maintained sums: owner, team and close month are in
/// their key.
fn open_totals_from_sums(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    pipeline_id: PipelineId,
    open: &[i64],
    filter: &BoardFilter,
) -> QueryResult<Vec<StageTotal>> {
    let mut sql = Sql::new(
        "SELECT t.stage_id, t.currency, sum(t.deals)::bigint AS deals, \
         sum(t.amount_minor)::bigint AS amount_minor, \
         round(sum(t.weighted_product) / 100)::bigint AS weighted_minor \
         FROM deal_stage_totals t WHERE t.tenant_id = ",
    );
    sql.bind(Bind::BigInt(tenant_id.0))
        .push(" AND t.pipeline_id = ")
        .bind(Bind::BigInt(pipeline_id.0))
        .push(" AND t.stage_id = ANY(")
        .bind(Bind::BigInts(open.to_vec()))
        .push(")");
    if let Some(owner) = filter.owner_id {
        sql.push(" AND t.owner_id = ").bind(Bind::BigInt(owner));
    }
    if let Some(team) = filter.team_id {
        sql.push(
            " AND t.owner_id IN (SELECT u.id FROM users u \
             WHERE u.tenant_id = t.tenant_id AND u.team_id = ",
        )
        .bind(Bind::BigInt(team))
        .push(")");
    }
    if let Some(month) = filter.close_month {
        sql.push(" AND t.close_month = ").bind(Bind::Date(month));
    }
    sql.push(" GROUP BY t.stage_id, t.currency HAVING sum(t.deals) <> 0");
    sql.into_query().load(conn)
}

/// Totals counted from the deals themselves: the open stages given (any filter) and the
/// closing stages' recent deals.
fn totals_from_deals(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    pipeline_id: PipelineId,
    open: &[i64],
    closed: &[i64],
    filter: &BoardFilter,
    now: DateTime<Utc>,
) -> QueryResult<Vec<StageTotal>> {
    let mut sql = Sql::new(
        "SELECT d.stage_id, d.currency, count(*)::bigint AS deals, \
         coalesce(sum(d.amount_minor), 0)::bigint AS amount_minor, \
         coalesce(round(sum(d.amount_minor::numeric * d.probability) / 100), 0)::bigint \
           AS weighted_minor \
         FROM deals d WHERE d.tenant_id = ",
    );
    sql.bind(Bind::BigInt(tenant_id.0))
        .push(" AND d.pipeline_id = ")
        .bind(Bind::BigInt(pipeline_id.0))
        .push(" AND d.deleted_at IS NULL AND (d.stage_id = ANY(")
        .bind(Bind::BigInts(open.to_vec()))
        .push(") OR (d.stage_id = ANY(")
        .bind(Bind::BigInts(closed.to_vec()))
        .push(") AND d.stage_entered_at >= ")
        .bind(Bind::Timestamp(closed_since(now)))
        .push("))");
    filter.push_conditions(&mut sql);
    sql.push(" GROUP BY d.stage_id, d.currency ORDER BY d.stage_id, d.currency");
    sql.into_query().load(conn)
}

/// A card on the board.
#[derive(Debug, Clone, QueryableByName)]
pub struct Card {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub company_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub company_name: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub amount_minor: i64,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub owner_name: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub stage_id: i64,
    #[diesel(sql_type = Timestamptz)]
    pub stage_entered_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub won_reason: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub lost_reason: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub lost_to_competitor: Option<String>,
}

impl Card {
    /// Where the next page of this card's column starts.
    pub fn cursor(&self) -> CardCursor {
        CardCursor {
            entered_at: self.stage_entered_at,
            id: self.id,
        }
    }
}

/// A keyset position in a column: (stage_entered_at, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardCursor {
    pub entered_at: DateTime<Utc>,
    pub id: i64,
}

impl CardCursor {
    /// "microseconds.id": exact (Postgres keeps microseconds) and URL-safe.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.entered_at.timestamp_micros(), self.id)
    }

    pub fn decode(text: &str) -> Option<CardCursor> {
        let (micros, id) = text.trim().split_once('.')?;
        Some(CardCursor {
            entered_at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
            id: id.parse().ok()?,
        })
    }
}

const CARD_SELECT: &str = "SELECT d.id, d.title, d.company_id, co.name AS company_name, \
     d.amount_minor, d.currency, o.name AS owner_name, d.stage_id, d.stage_entered_at, \
     d.status, d.won_reason, d.lost_reason, d.lost_to_competitor \
     FROM deals d \
     LEFT JOIN companies co ON co.tenant_id = d.tenant_id AND co.id = d.company_id \
     LEFT JOIN users o ON o.tenant_id = d.tenant_id AND o.id = d.owner_id \
     WHERE d.tenant_id = ";

/// One page of a column: open stages oldest first (the most stuck on top), closing
/// stages newest first and only the recent ones. Returns the cards and whether more
/// follow. Keyset on (stage_entered_at, id): ties on the time are ordered by id.
pub fn column_page(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    stage: &Stage,
    filter: &BoardFilter,
    after: Option<CardCursor>,
    now: DateTime<Utc>,
) -> QueryResult<(Vec<Card>, bool)> {
    let newest_first = stage.is_closed();
    let mut sql = Sql::new(CARD_SELECT);
    sql.bind(Bind::BigInt(tenant_id.0))
        .push(" AND d.pipeline_id = ")
        .bind(Bind::BigInt(stage.pipeline_id.0))
        .push(" AND d.stage_id = ")
        .bind(Bind::BigInt(stage.id.0))
        .push(" AND d.deleted_at IS NULL");
    if newest_first {
        sql.push(" AND d.stage_entered_at >= ")
            .bind(Bind::Timestamp(closed_since(now)));
    }
    if let Some(after) = after {
        sql.push(if newest_first {
            " AND (d.stage_entered_at, d.id) < ("
        } else {
            " AND (d.stage_entered_at, d.id) > ("
        })
        .bind(Bind::Timestamp(after.entered_at))
        .push(", ")
        .bind(Bind::BigInt(after.id))
        .push(")");
    }
    filter.push_conditions(&mut sql);
    sql.push(if newest_first {
        " ORDER BY d.stage_entered_at DESC, d.id DESC LIMIT "
    } else {
        " ORDER BY d.stage_entered_at, d.id LIMIT "
    })
    .bind(Bind::BigInt(PAGE_SIZE as i64 + 1));
    let mut cards: Vec<Card> = sql.into_query().load(conn)?;
    let more = cards.len() > PAGE_SIZE;
    cards.truncate(PAGE_SIZE);
    Ok((cards, more))
}

/// One live card by deal id (None when missing or not visible).
pub fn card(conn: &mut PgConnection, tenant_id: TenantId, id: i64) -> QueryResult<Option<Card>> {
    let mut sql = Sql::new(CARD_SELECT);
    sql.bind(Bind::BigInt(tenant_id.0))
        .push(" AND d.id = ")
        .bind(Bind::BigInt(id))
        .push(" AND d.deleted_at IS NULL");
    sql.into_query().get_result(conn).optional()
}

/// The live stage with this id, if it belongs to the pipeline.
pub fn stage_of_pipeline(stages: &[Stage], id: StageId) -> Option<&Stage> {
    stages.iter().find(|s| s.id == id)
}
