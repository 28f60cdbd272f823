//! Reading a model's synced records for the data table and CSV export: search across the
//! model's declared fields, sort by last change or by id, keyset pagination on the
//! `(source_updated_at, source_id)` index (never OFFSET).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text, Timestamptz};
use serde::Serialize;

use crate::sync::model::FieldInfo;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Last change at the source (the default).
    Updated,
    /// The record's id at the source.
    Id,
}

impl Sort {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "" | "updated" => Some(Sort::Updated),
            "id" => Some(Sort::Id),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Updated => "updated",
            Sort::Id => "id",
        }
    }
}

/// Where the next page starts: the last row's sort key. Opaque in URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub updated: DateTime<Utc>,
    pub source_id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{}|{}",
            self.updated.timestamp_micros(),
            self.source_id
        ))
    }

    pub fn decode(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (micros, source_id) = text.split_once('|')?;
        Some(Cursor {
            updated: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
            source_id: source_id.to_owned(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct DataQuery {
    pub search: Option<String>,
    pub sort: Sort,
    pub descending: bool,
    pub after: Option<Cursor>,
    pub limit: i64,
    pub include_deleted: bool,
}

#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct RecordRow {
    #[diesel(sql_type = Text)]
    pub source_id: String,
    #[diesel(sql_type = Jsonb)]
    pub payload: serde_json::Value,
    #[diesel(sql_type = Timestamptz)]
    pub source_updated_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub first_seen_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub last_seen_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl RecordRow {
    pub fn cursor(&self) -> Cursor {
        Cursor {
            updated: self.source_updated_at,
            source_id: self.source_id.clone(),
        }
    }
}

/// `/properties/email` → `{properties,email}` for `#>>`.
fn pointer_path(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|part| part.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn like_pattern(search: &str) -> String {
    let escaped = search
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// One page of records (ask for `limit + 1` to know whether there is a next page).
/// Runs in the tenant's scope: row-level security limits it to the tenant's rows.
pub fn page(
    conn: &mut PgConnection,
    model_id: i64,
    fields: &[FieldInfo],
    query: &DataQuery,
) -> QueryResult<Vec<RecordRow>> {
    let mut sql = String::from(
        "SELECT source_id, payload, source_updated_at, first_seen_at, last_seen_at, deleted_at \
         FROM sync_records WHERE tenant_id = app_tenant_id() AND model_id = $1",
    );
    let mut next = 2;
    let mut binds: Vec<Bind> = Vec::new();
    if !query.include_deleted {
        sql.push_str(" AND deleted_at IS NULL");
    }
    if let Some(search) = query.search.as_deref().filter(|s| !s.trim().is_empty()) {
        let mut parts = vec!["source_id".to_owned()];
        for field in fields {
            parts.push(format!("payload #>> ${next}::text[]"));
            binds.push(Bind::Path(pointer_path(field.pointer)));
            next += 1;
        }
        sql.push_str(&format!(
            " AND concat_ws(' ', {}) ILIKE ${next}",
            parts.join(", ")
        ));
        binds.push(Bind::Text(like_pattern(search.trim())));
        next += 1;
    }
    let op = if query.descending { "<" } else { ">" };
    if let Some(after) = &query.after {
        match query.sort {
            Sort::Updated => {
                sql.push_str(&format!(
                    " AND (source_updated_at, source_id) {op} (${next}, ${})",
                    next + 1
                ));
                binds.push(Bind::Time(after.updated));
                binds.push(Bind::Text(after.source_id.clone()));
            }
            Sort::Id => {
                sql.push_str(&format!(" AND source_id {op} ${next}"));
                binds.push(Bind::Text(after.source_id.clone()));
            }
        }
    }
    let direction = if query.descending { "DESC" } else { "ASC" };
    match query.sort {
        Sort::Updated => sql.push_str(&format!(
            " ORDER BY source_updated_at {direction}, source_id {direction}"
        )),
        Sort::Id => sql.push_str(&format!(" ORDER BY source_id {direction}")),
    }
    sql.push_str(&format!(" LIMIT {}", query.limit.clamp(1, 10_001)));
    let mut boxed: BoxedSqlQuery<'_, Pg, _> = diesel::sql_query(sql)
        .into_boxed()
        .bind::<BigInt, _>(model_id);
    for bind in binds {
        boxed = match bind {
            Bind::Text(text) => boxed.bind::<Text, _>(text),
            Bind::Path(path) => boxed.bind::<Array<Text>, _>(path),
            Bind::Time(at) => boxed.bind::<Timestamptz, _>(at),
        };
    }
    boxed.load(conn)
}

enum Bind {
    Text(String),
    Path(Vec<String>),
    Time(DateTime<Utc>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        let cursor = Cursor {
            updated: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap_or_default(),
            source_id: "CON|000042".to_owned(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("not a cursor!"), None);
    }

    #[test]
    fn pointers_become_paths_and_wildcards_are_escaped() {
        assert_eq!(
            pointer_path("/properties/email"),
            vec!["properties", "email"]
        );
        assert_eq!(like_pattern("50%_off"), "%50\\%\\_off%");
    }
}
