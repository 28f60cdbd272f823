//! Running a resolved list: one keyset page, a capped or exact count, or every row in
//! batches (for exports).
//!
//! Display order is the sort key in the chosen direction with empty values last, then id.
//! A nullable key is read in up to two index-friendly segments (values, then empties), so
//! no `OR` or `COALESCE` spoils the index range scan.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::cursor::{Cursor, CursorKey};
use super::filters::ResolvedList;
use super::sql::{Bind, Sql};
use super::{Direction, ListRow, ListSpec};
use crate::domain::counts::CappedCount;

#[derive(Debug)]
pub struct ListPage<R> {
    pub rows: Vec<R>,
    pub next: Option<CursorKey>,
    pub prev: Option<CursorKey>,
    /// This is the first page (whatever cursor asked for it), so its URL needs none.
    pub first: bool,
}

impl<R> ListPage<R> {
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }

    pub fn has_prev(&self) -> bool {
        self.prev.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// A non-nullable key: one segment.
    All,
    Values,
    Empties,
}

struct Segment {
    part: Part,
    /// Rows strictly beyond this key, in the scan's order.
    bound: Option<CursorKey>,
}

fn key_of<R: ListRow>(row: &R) -> CursorKey {
    CursorKey {
        value: row.sort_value().map(str::to_owned),
        id: row.id(),
    }
}

/// The page the list's cursor points at.
pub fn fetch_page<R: ListRow>(
    conn: &mut PgConnection,
    spec: &ListSpec<R>,
    list: &ResolvedList,
) -> QueryResult<ListPage<R>> {
    let per = list.per as usize;
    match &list.cursor {
        None => first_page(conn, spec, list, per),
        Some(Cursor::After(key)) => {
            let mut rows = scan(conn, spec, list, Some(key), true, per + 1)?;
            let more = rows.len() > per;
            rows.truncate(per);
            Ok(ListPage {
                next: if more { rows.last().map(key_of) } else { None },
                prev: rows.first().map(key_of),
                rows,
                first: false,
            })
        }
        Some(Cursor::Before(key)) => {
            let mut rows = scan(conn, spec, list, Some(key), false, per + 1)?;
            if rows.len() <= per {
                // Nothing further back than one page: that is the first page.
                return first_page(conn, spec, list, per);
            }
            rows.truncate(per);
            rows.reverse();
            Ok(ListPage {
                next: rows.last().map(key_of),
                prev: rows.first().map(key_of),
                rows,
                first: false,
            })
        }
    }
}

fn first_page<R: ListRow>(
    conn: &mut PgConnection,
    spec: &ListSpec<R>,
    list: &ResolvedList,
    per: usize,
) -> QueryResult<ListPage<R>> {
    let mut rows = scan(conn, spec, list, None, true, per + 1)?;
    let more = rows.len() > per;
    rows.truncate(per);
    Ok(ListPage {
        next: if more { rows.last().map(key_of) } else { None },
        prev: None,
        rows,
        first: true,
    })
}

/// Up to `limit` rows from `from` (exclusive) along (`forward`) or against display order.
fn scan<R: ListRow>(
    conn: &mut PgConnection,
    spec: &ListSpec<R>,
    list: &ResolvedList,
    from: Option<&CursorKey>,
    forward: bool,
    limit: usize,
) -> QueryResult<Vec<R>> {
    let mut rows: Vec<R> = Vec::new();
    for segment in segments(list.sort.nullable, from, forward) {
        if rows.len() >= limit {
            break;
        }
        let sql = segment_sql(spec, list, &segment, forward, limit - rows.len());
        rows.extend(sql.into_query().load::<R>(conn)?);
    }
    Ok(rows)
}

fn segments(nullable: bool, from: Option<&CursorKey>, forward: bool) -> Vec<Segment> {
    if !nullable {
        return vec![Segment {
            part: Part::All,
            bound: from.cloned(),
        }];
    }
    let values = |bound| Segment {
        part: Part::Values,
        bound,
    };
    let empties = |bound| Segment {
        part: Part::Empties,
        bound,
    };
    match (from, forward) {
        (None, _) => vec![values(None), empties(None)],
        (Some(key), true) if key.value.is_some() => vec![values(Some(key.clone())), empties(None)],
        (Some(key), true) => vec![empties(Some(key.clone()))],
        (Some(key), false) if key.value.is_some() => vec![values(Some(key.clone()))],
        (Some(key), false) => vec![empties(Some(key.clone())), values(None)],
    }
}

/// The SELECT for one segment.
fn segment_sql<R>(
    spec: &ListSpec<R>,
    list: &ResolvedList,
    segment: &Segment,
    forward: bool,
    limit: usize,
) -> Sql {
    let alias = list.alias;
    let sort = &list.sort;
    let ascending = (sort.dir == Direction::Asc) == forward;
    let (op, order) = if ascending {
        (">", "ASC")
    } else {
        ("<", "DESC")
    };
    let mut sql = Sql::new(&format!(
        "SELECT {}, ({})::text AS sort_value FROM ",
        spec.select, sort.sql
    ));
    sql.append(&list.from)
        .push(" WHERE ")
        .append(&list.conditions);
    match segment.part {
        Part::All => {}
        Part::Values => {
            sql.push(&format!(" AND {} IS NOT NULL", sort.sql));
        }
        Part::Empties => {
            sql.push(&format!(" AND {} IS NULL", sort.sql));
        }
    }
    if let Some(bound) = &segment.bound {
        match (segment.part, &bound.value) {
            (Part::Empties, _) | (Part::All, None) => {
                sql.push(&format!(" AND {alias}.id {op} "))
                    .bind(Bind::BigInt(bound.id));
            }
            (_, Some(value)) => {
                sql.push(&format!(" AND ({}, {alias}.id) {op} (", sort.sql))
                    .bind(Bind::Text(value.clone()))
                    .push(&format!("::{}, ", sort.kind.sql_type()))
                    .bind(Bind::BigInt(bound.id))
                    .push(")");
            }
            (Part::Values, None) => {}
        }
    }
    // Empties are ordered by id; naming the (all-empty) key too lets the same index serve.
    sql.push(&format!(
        " ORDER BY {} {order}, {alias}.id {order}",
        sort.sql
    ));
    sql.push(" LIMIT ").bind(Bind::BigInt(limit as i64));
    sql
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = BigInt)]
    found: i64,
}

/// How many rows match, up to `cap` ("10,000+" beyond it).
pub fn capped_count(
    conn: &mut PgConnection,
    list: &ResolvedList,
    cap: i64,
) -> QueryResult<CappedCount> {
    let mut sql = Sql::new("SELECT count(*) AS found FROM (SELECT 1 FROM ");
    sql.append(&list.from)
        .push(" WHERE ")
        .append(&list.conditions)
        .push(" LIMIT ")
        .bind(Bind::BigInt(cap + 1))
        .push(") AS probe");
    let found = sql.into_query().get_result::<Found>(conn)?.found;
    Ok(if found > cap {
        CappedCount::AtLeast(cap)
    } else {
        CappedCount::Exact(found)
    })
}

/// The exact number of matching rows (on demand only: it reads them all).
pub fn exact_count(conn: &mut PgConnection, list: &ResolvedList) -> QueryResult<i64> {
    let mut sql = Sql::new("SELECT count(*) AS found FROM ");
    sql.append(&list.from)
        .push(" WHERE ")
        .append(&list.conditions);
    Ok(sql.into_query().get_result::<Found>(conn)?.found)
}

/// Every matching row in display order, `batch` at a time, until `each` returns false.
pub fn for_each_batch<R: ListRow, E: From<diesel::result::Error>>(
    conn: &mut PgConnection,
    spec: &ListSpec<R>,
    list: &ResolvedList,
    batch: usize,
    mut each: impl FnMut(&mut PgConnection, Vec<R>) -> Result<bool, E>,
) -> Result<(), E> {
    let mut from: Option<CursorKey> = None;
    loop {
        let rows = scan(conn, spec, list, from.as_ref(), true, batch)?;
        let done = rows.len() < batch;
        from = rows.last().map(key_of);
        if rows.is_empty() || !each(conn, rows)? || done {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ValueKind;
    use super::*;

    #[test]
    fn nullable_keys_read_values_then_empties() {
        let key = |value: Option<&str>| CursorKey {
            value: value.map(str::to_owned),
            id: 5,
        };
        let parts = |segments: Vec<Segment>| segments.iter().map(|s| s.part).collect::<Vec<_>>();
        assert_eq!(
            parts(segments(true, None, true)),
            [Part::Values, Part::Empties]
        );
        assert_eq!(
            parts(segments(true, Some(&key(Some("m"))), true)),
            [Part::Values, Part::Empties]
        );
        assert_eq!(
            parts(segments(true, Some(&key(None)), true)),
            [Part::Empties]
        );
        assert_eq!(
            parts(segments(true, Some(&key(None)), false)),
            [Part::Empties, Part::Values]
        );
        assert_eq!(
            parts(segments(true, Some(&key(Some("m"))), false)),
            [Part::Values]
        );
        assert_eq!(parts(segments(false, None, true)), [Part::All]);
        assert_eq!(ValueKind::Timestamp.sql_type(), "timestamptz");
    }
}
