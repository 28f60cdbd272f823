//! The home dashboard's figures for one person, their team, or everyone: open and
//! weighted pipeline, deals expected to close this month, won this month and last, stale
//! deals, overdue tasks and the latest visible timeline entries. Each is one aggregate
//! over an index that leads with tenant_id (see the `stale_deals_dashboard` migration);
//! visibility is row-level security as everywhere.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Nullable, Text, Timestamptz};
use serde::Serialize;

use crate::db::schema::users;
use crate::domain::counts::CappedCount;
use crate::domain::ids::{TeamId, UserId};
use crate::domain::stale_deals::{self, StaleFilter};

/// Whose figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Mine,
    Team,
    All,
}

impl Scope {
    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "mine" => Some(Scope::Mine),
            "team" => Some(Scope::Team),
            "all" => Some(Scope::All),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Mine => "mine",
            Scope::Team => "team",
            Scope::All => "all",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Scope::Mine => "Mine",
            Scope::Team => "My team",
            Scope::All => "Everyone",
        }
    }
}

/// The owners a scope covers: None for everyone. A team is the people in the viewer's
/// team and those who report to them, plus the viewer.
pub fn owners(
    conn: &mut PgConnection,
    scope: Scope,
    me: UserId,
    team: Option<TeamId>,
) -> QueryResult<Option<Vec<UserId>>> {
    match scope {
        Scope::Mine => Ok(Some(vec![me])),
        Scope::All => Ok(None),
        Scope::Team => {
            let mut query = users::table
                .filter(users::id.eq(me).or(users::manager_id.eq(me)))
                .into_boxed();
            if let Some(team) = team {
                query = query.or_filter(users::team_id.eq(team));
            }
            let mut ids: Vec<UserId> = query.select(users::id).order(users::id).load(conn)?;
            ids.dedup();
            Ok(Some(ids))
        }
    }
}

/// Calendar months in the viewer's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Months3 {
    pub last_month: NaiveDate,
    pub this_month: NaiveDate,
    pub next_month: NaiveDate,
}

impl Months3 {
    pub fn around(today: NaiveDate) -> Months3 {
        let this_month = today.with_day(1).unwrap_or(today);
        Months3 {
            last_month: this_month
                .checked_sub_months(Months::new(1))
                .unwrap_or(this_month),
            this_month,
            next_month: this_month
                .checked_add_months(Months::new(1))
                .unwrap_or(this_month),
        }
    }

    /// The last day of this month (inclusive end for list filters).
    pub fn this_month_end(&self) -> NaiveDate {
        self.next_month.pred_opt().unwrap_or(self.next_month)
    }

    pub fn last_month_end(&self) -> NaiveDate {
        self.this_month.pred_opt().unwrap_or(self.this_month)
    }
}

/// A sum of deals in one currency.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, Serialize)]
pub struct MoneyTotal {
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = BigInt)]
    pub deals: i64,
    #[diesel(sql_type = BigInt)]
    pub amount_minor: i64,
    #[diesel(sql_type = BigInt)]
    pub weighted_minor: i64,
}

/// A timeline entry as the dashboard lists it.
#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct RecentActivity {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub activity_type: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Timestamptz)]
    pub occurred_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    pub user_name: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub deal_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub contact_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub company_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub lead_id: Option<i64>,
}

impl RecentActivity {
    /// The page of the record the entry is about (deal first).
    pub fn link(&self) -> Option<String> {
        if let Some(id) = self.deal_id {
            Some(format!("/deals/{id}"))
        } else if let Some(id) = self.contact_id {
            Some(format!("/contacts/{id}"))
        } else if let Some(id) = self.company_id {
            Some(format!("/companies/{id}"))
        } else {
            self.lead_id.map(|id| format!("/leads/{id}"))
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub open: Vec<MoneyTotal>,
    pub closing_this_month: Vec<MoneyTotal>,
    pub won_this_month: Vec<MoneyTotal>,
    pub won_last_month: Vec<MoneyTotal>,
    pub stale: CappedCount,
    pub overdue_tasks: CappedCount,
    pub recent: Vec<RecentActivity>,
}

pub const STALE_CAP: i64 = 1_000;
pub const TASK_CAP: i64 = 1_000;
pub const RECENT: i64 = 8;

/// Amount × probability / 100 rounded half up per deal, like the list, in bigint arithmetic
/// that cannot overflow (amounts are never negative).
const WEIGHTED: &str = "((d.amount_minor / 100) * d.probability \
    + ((d.amount_minor % 100) * d.probability + 50) / 100)";

/// Open deals per currency, and those expected to close in the month starting `$2`, from
/// the trigger-maintained `deal_stage_totals` (see its migration): a few hundred rows
/// whatever the number of open deals, under the same owner visibility as the deals.
/// Weighted sums round once per currency, as the board's column totals do.
#[derive(Debug, QueryableByName)]
struct OpenSums {
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = BigInt)]
    deals: i64,
    #[diesel(sql_type = BigInt)]
    amount_minor: i64,
    #[diesel(sql_type = BigInt)]
    weighted_minor: i64,
    #[diesel(sql_type = BigInt)]
    closing_deals: i64,
    #[diesel(sql_type = BigInt)]
    closing_amount_minor: i64,
    #[diesel(sql_type = BigInt)]
    closing_weighted_minor: i64,
}

fn open_sums(
    conn: &mut PgConnection,
    owners: &Option<Vec<i64>>,
    month: NaiveDate,
) -> QueryResult<(Vec<MoneyTotal>, Vec<MoneyTotal>)> {
    let rows: Vec<OpenSums> = diesel::sql_query(
        "SELECT t.currency, coalesce(sum(t.deals), 0)::bigint AS deals, \
                coalesce(sum(t.amount_minor), 0)::bigint AS amount_minor, \
                coalesce(round(sum(t.weighted_product) / 100), 0)::bigint AS weighted_minor, \
                coalesce(sum(t.deals) FILTER (WHERE t.close_month = $2), 0)::bigint \
                  AS closing_deals, \
                coalesce(sum(t.amount_minor) FILTER (WHERE t.close_month = $2), 0)::bigint \
                  AS closing_amount_minor, \
                coalesce(round(sum(t.weighted_product) FILTER (WHERE t.close_month = $2) / 100), 0)::bigint \
                  AS closing_weighted_minor \
         FROM deal_stage_totals t WHERE t.status = 'open' \
           AND ($1::bigint[] IS NULL OR t.owner_id = ANY($1)) \
         GROUP BY t.currency HAVING sum(t.deals) <> 0 \
         ORDER BY amount_minor DESC, t.currency",
    )
    .bind::<Nullable<Array<BigInt>>, _>(owners.clone())
    .bind::<Date, _>(month)
    .load(conn)?;
    let open = rows
        .iter()
        .map(|r| MoneyTotal {
            currency: r.currency.clone(),
            deals: r.deals,
            amount_minor: r.amount_minor,
            weighted_minor: r.weighted_minor,
        })
        .collect();
    let mut closing: Vec<MoneyTotal> = rows
        .into_iter()
        .filter(|r| r.closing_deals > 0)
        .map(|r| MoneyTotal {
            currency: r.currency,
            deals: r.closing_deals,
            amount_minor: r.closing_amount_minor,
            weighted_minor: r.closing_weighted_minor,
        })
        .collect();
    closing.sort_by(|a, b| {
        b.amount_minor
            .cmp(&a.amount_minor)
            .then_with(|| a.currency.cmp(&b.currency))
    });
    Ok((open, closing))
}
/// Won deals per currency (largest first) closed between `from` and `to` (exclusive).
fn won_sums(
    conn: &mut PgConnection,
    owners: &Option<Vec<i64>>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<MoneyTotal>> {
    diesel::sql_query(format!(
        "SELECT d.currency, count(*) AS deals, \
                coalesce(sum(d.amount_minor), 0)::bigint AS amount_minor, \
                coalesce(sum({WEIGHTED}), 0)::bigint AS weighted_minor \
         FROM deals d WHERE d.deleted_at IS NULL AND d.status = 'won' \
           AND ($1::bigint[] IS NULL OR d.owner_id = ANY($1)) \
           AND d.actual_close_date >= $2 AND d.actual_close_date < $3 \
         GROUP BY d.currency ORDER BY amount_minor DESC, d.currency"
    ))
    .bind::<Nullable<Array<BigInt>>, _>(owners.clone())
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .load(conn)
}

/// Every figure for `owners` (None: every deal the viewer sees). `today` and
/// `start_of_today` are in the viewer's time zone; tasks are always the viewer's own.
pub fn figures(
    conn: &mut PgConnection,
    owners: Option<Vec<UserId>>,
    me: UserId,
    now: DateTime<Utc>,
    today: NaiveDate,
    start_of_today: DateTime<Utc>,
) -> QueryResult<Figures> {
    let ids: Option<Vec<i64>> = owners
        .as_ref()
        .map(|ids| ids.iter().map(|id| id.0).collect());
    let months = Months3::around(today);
    let (open, closing_this_month) = open_sums(conn, &ids, months.this_month)?;
    let won_this_month = won_sums(conn, &ids, months.this_month, months.next_month)?;
    let won_last_month = won_sums(conn, &ids, months.last_month, months.this_month)?;
    let stale = stale_deals::count(
        conn,
        &StaleFilter {
            pipeline: None,
            owners,
        },
        now,
        STALE_CAP,
    )?;
    let overdue_tasks = overdue_tasks(conn, me, start_of_today)?;
    let recent = diesel::sql_query(
        "SELECT a.id, a.activity_type, a.title, a.occurred_at, u.name AS user_name, \
                a.deal_id, a.contact_id, a.company_id, a.lead_id \
         FROM activities a LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id \
         WHERE a.deleted_at IS NULL AND a.occurred_at <= $1 \
         ORDER BY a.occurred_at DESC, a.id DESC LIMIT $2",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(RECENT)
    .load(conn)?;
    Ok(Figures {
        open,
        closing_this_month,
        won_this_month,
        won_last_month,
        stale,
        overdue_tasks,
        recent,
    })
}

/// The viewer's open top-level tasks due before today (the "Overdue" bucket of My tasks).
fn overdue_tasks(
    conn: &mut PgConnection,
    me: UserId,
    start_of_today: DateTime<Utc>,
) -> QueryResult<CappedCount> {
    #[derive(QueryableByName)]
    struct Probe {
        #[diesel(sql_type = BigInt)]
        found: i64,
    }
    let probe: Probe = diesel::sql_query(
        "SELECT count(*) AS found FROM (SELECT 1 FROM tasks t \
         WHERE t.assignee_id = $1 AND t.deleted_at IS NULL AND t.status IN ('open', 'in_progress') \
           AND t.parent_task_id IS NULL AND t.due_at < $2 LIMIT $3) AS probe",
    )
    .bind::<BigInt, _>(me.0)
    .bind::<Timestamptz, _>(start_of_today)
    .bind::<BigInt, _>(TASK_CAP + 1)
    .get_result(conn)?;
    Ok(if probe.found > TASK_CAP {
        CappedCount::AtLeast(TASK_CAP)
    } else {
        CappedCount::Exact(probe.found)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_around_a_day() {
        let day = NaiveDate::from_ymd_opt(2026, 1, 17).unwrap_or_default();
        let months = Months3::around(day);
        assert_eq!(months.last_month.to_string(), "2025-12-01");
        assert_eq!(months.this_month.to_string(), "2026-01-01");
        assert_eq!(months.next_month.to_string(), "2026-02-01");
        assert_eq!(months.this_month_end().to_string(), "2026-01-31");
        assert_eq!(months.last_month_end().to_string(), "2025-12-31");
    }
}
