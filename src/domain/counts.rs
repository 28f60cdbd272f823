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
