//! Counts that stay cheap on large tenants: count up to a cap and say "10,000+" beyond it,
//! instead of a full COUNT(*) on every page view.

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::Serialize;

pub const DEFAULT_CAP: i64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum CappedCount {
    Exact(i64),
    AtLeast(i64),
}

impl CappedCount {
    fn from_probe(found: i64, cap: i64) -> Self {
        if found > cap {
            CappedCount::AtLeast(cap)
        } else {
            CappedCount::Exact(found)
        }
    }

    /// "1,234" or "10,000+".
    pub fn display(&self) -> String {
        match self {
            CappedCount::Exact(n) => group_thousands(*n),
            CappedCount::AtLeast(n) => format!("{}+", group_thousands(*n)),
        }
    }
}

pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// The visible records of the tenant, per kind, each capped.
#[derive(Debug, Clone, Serialize)]
pub struct RecordCounts {
    pub companies: CappedCount,
    pub contacts: CappedCount,
    pub leads: CappedCount,
    pub open_deals: CappedCount,
    pub open_tasks: CappedCount,
    pub activities: CappedCount,
}

pub fn record_counts(conn: &mut PgConnection, cap: i64) -> QueryResult<RecordCounts> {
    Ok(RecordCounts {
        companies: capped_count(conn, "companies WHERE deleted_at IS NULL", cap)?,
        contacts: capped_count(conn, "contacts WHERE deleted_at IS NULL", cap)?,
        leads: capped_count(conn, "leads WHERE deleted_at IS NULL", cap)?,
        open_deals: capped_count(
            conn,
            "deals WHERE deleted_at IS NULL AND status = 'open'",
            cap,
        )?,
        open_tasks: capped_count(
            conn,
            "tasks WHERE deleted_at IS NULL AND status IN ('open', 'in_progress')",
            cap,
        )?,
        activities: capped_count(conn, "activities WHERE deleted_at IS NULL", cap)?,
    })
}

/// Counts the rows of `from_where` (a fixed `table WHERE ...` fragment, never user input)
/// that the current scope can see, stopping at `cap + 1` rows.
pub fn capped_count(
    conn: &mut PgConnection,
    from_where: &'static str,
    cap: i64,
) -> QueryResult<CappedCount> {
    #[derive(QueryableByName)]
    struct Probe {
        #[diesel(sql_type = BigInt)]
        found: i64,
    }
    let probe: Probe = diesel::sql_query(format!(
        "SELECT count(*) AS found FROM (SELECT 1 FROM {from_where} LIMIT $1) AS probe"
    ))
    .bind::<BigInt, _>(cap + 1)
    .get_result(conn)?;
    Ok(CappedCount::from_probe(probe.found, cap))
}
