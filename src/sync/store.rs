//! The hub's storage: raw records upserted idempotently per (tenant, model, source id),
//! unchanged payloads skipped by hash, first/last seen kept, deletions marked; and each
//! model's cursor and live record count. Counts of created / updated / unchanged come
//! from the upsert itself (`xmax = 0` tells an insert from an update).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Bytea, Nullable, Text, Timestamptz};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::schema::sync_models;
use crate::domain::ids::TenantId;

/// A (tenant, source, model) stream's state.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = sync_models, check_for_backend(diesel::pg::Pg))]
pub struct ModelState {
    pub id: i64,
    pub source: String,
    pub model: String,
    pub cursor: Option<String>,
    pub record_count: i64,
    pub deleted_count: i64,
    pub last_run_id: Option<i64>,
    pub last_success_at: Option<DateTime<Utc>>,
}

/// The model's state row, created on first use.
pub fn ensure_model(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    source: &str,
    model: &str,
) -> QueryResult<ModelState> {
    diesel::insert_into(sync_models::table)
        .values((
            sync_models::tenant_id.eq(tenant_id.0),
            sync_models::source.eq(source),
            sync_models::model.eq(model),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    sync_models::table
        .filter(sync_models::source.eq(source))
        .filter(sync_models::model.eq(model))
        .select(ModelState::as_select())
        .first(conn)
}

pub fn find_model(
    conn: &mut PgConnection,
    source: &str,
    model: &str,
) -> QueryResult<Option<ModelState>> {
    sync_models::table
        .filter(sync_models::source.eq(source))
        .filter(sync_models::model.eq(model))
        .select(ModelState::as_select())
        .first(conn)
        .optional()
}

pub fn models_of_source(conn: &mut PgConnection, source: &str) -> QueryResult<Vec<ModelState>> {
    sync_models::table
        .filter(sync_models::source.eq(source))
        .select(ModelState::as_select())
        .load(conn)
}

pub fn all_models(conn: &mut PgConnection) -> QueryResult<Vec<ModelState>> {
    sync_models::table
        .select(ModelState::as_select())
        .load(conn)
}

/// The cursor moves only forward, and only past records that are stored.
pub fn advance_cursor(
    conn: &mut PgConnection,
    model_id: i64,
    cursor: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE sync_models SET cursor = $2, updated_at = now() \
         WHERE id = $1 AND (cursor IS NULL OR cursor::timestamptz < $3)",
    )
    .bind::<BigInt, _>(model_id)
    .bind::<Text, _>(cursor.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    .bind::<Timestamptz, _>(cursor)
    .execute(conn)?;
    Ok(())
}

pub fn adjust_counts(
    conn: &mut PgConnection,
    model_id: i64,
    live_delta: i64,
    deleted_delta: i64,
) -> QueryResult<()> {
    if live_delta == 0 && deleted_delta == 0 {
        return Ok(());
    }
    diesel::update(sync_models::table.find(model_id))
        .set((
            sync_models::record_count.eq(sync_models::record_count + live_delta),
            sync_models::deleted_count.eq(sync_models::deleted_count + deleted_delta),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn record_run(
    conn: &mut PgConnection,
    model_id: i64,
    run_id: i64,
    succeeded: bool,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE sync_models SET last_run_id = $2, \
             last_success_at = CASE WHEN $3 THEN now() ELSE last_success_at END, updated_at = now() \
         WHERE id = $1",
    )
    .bind::<BigInt, _>(model_id)
    .bind::<BigInt, _>(run_id)
    .bind::<Bool, _>(succeeded)
    .execute(conn)?;
    Ok(())
}

/// A record ready to store.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub source_id: String,
    /// The payload as JSON text: serialised by the fetch task, beside the batch being
    /// stored, so the store path only copies it.
    pub payload: String,
    pub hash: Vec<u8>,
    pub updated_at: Option<DateTime<Utc>>,
    pub deleted: bool,
}

/// The payload as compact JSON text, the form the store binds. `to_string` writes straight
/// into a buffer (`Display` goes through a formatter, measurably slower per record); it
/// cannot fail for a `Value`, whose keys are strings, and `Display` is the fallback.
pub fn payload_text(payload: &serde_json::Value) -> String {
    serde_json::to_string(payload).unwrap_or_else(|_| payload.to_string())
}

/// SHA-256 (first 16 bytes) of the payload in canonical form (object keys sorted), so a
/// record that comes back with its keys in another order is still "unchanged".
pub fn payload_hash(payload: &serde_json::Value) -> Vec<u8> {
    let mut hasher = Sha256::new();
    feed(&mut hasher, payload);
    hasher.finalize()[..16].to_vec()
}

fn feed(hasher: &mut Sha256, value: &serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Null => hasher.update(b"n"),
        Value::Bool(true) => hasher.update(b"t"),
        Value::Bool(false) => hasher.update(b"f"),
        Value::Number(number) => {
            hasher.update(b"#");
            hasher.update(number.to_string().as_bytes());
            hasher.update(b";");
        }
        Value::String(text) => {
            hasher.update(b"\"");
            hasher.update((text.len() as u64).to_le_bytes());
            hasher.update(text.as_bytes());
        }
        Value::Array(items) => {
            hasher.update(b"[");
            for item in items {
                feed(hasher, item);
            }
            hasher.update(b"]");
        }
        Value::Object(map) => {
            hasher.update(b"{");
            let mut feed_entry = |key: &String, value: &Value| {
                hasher.update((key.len() as u64).to_le_bytes());
                hasher.update(key.as_bytes());
                feed(hasher, value);
            };
            // serde_json's map iterates in key order already; sorting is the fallback
            // should a dependency turn on its `preserve_order` feature.
            if map.keys().is_sorted() {
                map.iter().for_each(|(key, value)| feed_entry(key, value));
            } else {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by_key(|(key, _)| *key);
                entries
                    .into_iter()
                    .for_each(|(key, value)| feed_entry(key, value));
            }
            hasher.update(b"}");
        }
    }
}

/// What storing a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StoreOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
    /// Source ids whose payload was written (created, updated, revived, or forced): the
    /// ones to map into the CRM. Left empty by [`upsert_batch`] unless asked for.
    pub changed: Vec<String>,
    /// What the batch adds to the model's live and deleted record counts.
    pub live_delta: i64,
    pub deleted_delta: i64,
}

impl StoreOutcome {
    /// Adds the batch to the model's counts. Callers do this last in the batch's
    /// transaction: the model's row is shared by batches stored side by side, and its lock
    /// is held until commit.
    pub fn add_to_counts(&self, conn: &mut PgConnection, model_id: i64) -> QueryResult<()> {
        adjust_counts(conn, model_id, self.live_delta, self.deleted_delta)
    }
}

#[derive(QueryableByName)]
struct Upserted {
    #[diesel(sql_type = BigInt)]
    created: i64,
    #[diesel(sql_type = BigInt)]
    updated: i64,
    #[diesel(sql_type = BigInt)]
    unchanged: i64,
    #[diesel(sql_type = BigInt)]
    revived: i64,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    changed: Option<Vec<String>>,
}

/// Upserts a batch (source ids must be unique within it) in the caller's transaction; the
/// caller then adds the outcome to the model's counts ([`StoreOutcome::add_to_counts`]).
/// Unchanged live records only get `last_seen_at`; `force` rewrites them anyway (and
/// reports them as updated). The counts are added up in the statement; the changed
/// records' ids come back only when `want_changed` (a source that maps into the CRM), so
/// a bulk load gets one row back per batch, not one per record.
pub fn upsert_batch(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    model_id: i64,
    run_id: i64,
    records: &[StoredRecord],
    force: bool,
    want_changed: bool,
) -> QueryResult<StoreOutcome> {
    let mut outcome = StoreOutcome::default();
    let (live, gone): (Vec<&StoredRecord>, Vec<&StoredRecord>) =
        records.iter().partition(|record| !record.deleted);
    if !live.is_empty() {
        let row: Upserted = diesel::sql_query(
            "WITH incoming AS ( \
                 SELECT source_id, payload::jsonb AS payload, hash, updated_at \
                 FROM unnest($4::text[], $5::text[], $6::bytea[], $7::timestamptz[]) \
                     AS s(source_id, payload, hash, updated_at)), \
             before AS ( \
                 SELECT r.source_id FROM sync_records r JOIN incoming i USING (source_id) \
                 WHERE r.tenant_id = $1 AND r.model_id = $2 AND r.deleted_at IS NOT NULL AND $8), \
             upserted AS ( \
                 INSERT INTO sync_records AS r \
                     (tenant_id, model_id, source_id, payload, hash, source_updated_at, last_run_id) \
                 SELECT $1, $2, source_id, payload, hash, COALESCE(updated_at, now()), $3 FROM incoming \
                 ON CONFLICT (tenant_id, model_id, source_id) DO UPDATE SET \
                     last_seen_at = now(), last_run_id = EXCLUDED.last_run_id, \
                     payload = CASE WHEN r.hash IS DISTINCT FROM EXCLUDED.hash OR r.deleted_at IS NOT NULL OR $9 \
                         THEN EXCLUDED.payload ELSE r.payload END, \
                     hash = EXCLUDED.hash, \
                     source_updated_at = CASE WHEN r.hash IS DISTINCT FROM EXCLUDED.hash OR r.deleted_at IS NOT NULL OR $9 \
                         THEN EXCLUDED.source_updated_at ELSE r.source_updated_at END, \
                     changed_at = CASE WHEN r.hash IS DISTINCT FROM EXCLUDED.hash OR r.deleted_at IS NOT NULL OR $9 \
                         THEN now() ELSE r.changed_at END, \
                     deleted_at = NULL \
                 RETURNING r.source_id, (r.xmax = 0) AS inserted, (r.changed_at = now()) AS changed, \
                     (r.source_id IN (SELECT source_id FROM before)) AS revived) \
             SELECT count(*) FILTER (WHERE inserted) AS created, \
                 count(*) FILTER (WHERE changed AND NOT inserted) AS updated, \
                 count(*) FILTER (WHERE NOT changed AND NOT inserted) AS unchanged, \
                 count(*) FILTER (WHERE revived AND changed AND NOT inserted) AS revived, \
                 CASE WHEN $10 THEN array_agg(source_id) FILTER (WHERE changed OR inserted) END AS changed \
             FROM upserted",
        )
        .bind::<BigInt, _>(tenant_id.0)
        .bind::<BigInt, _>(model_id)
        .bind::<BigInt, _>(run_id)
        .bind::<Array<Text>, _>(live.iter().map(|r| r.source_id.as_str()).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(live.iter().map(|r| r.payload.as_str()).collect::<Vec<_>>())
        .bind::<Array<Bytea>, _>(live.iter().map(|r| r.hash.as_slice()).collect::<Vec<_>>())
        .bind::<Array<Nullable<Timestamptz>>, _>(live.iter().map(|r| r.updated_at).collect::<Vec<_>>())
        .bind::<Bool, _>(has_deleted(conn, model_id)?)
        .bind::<Bool, _>(force)
        .bind::<Bool, _>(want_changed)
        .get_result(conn)?;
        outcome.created = row.created as u64;
        outcome.updated = row.updated as u64;
        outcome.unchanged = row.unchanged as u64;
        outcome.changed = row.changed.unwrap_or_default();
        outcome.live_delta = outcome.created as i64 + row.revived;
        outcome.deleted_delta = -row.revived;
    }
    if !gone.is_empty() {
        let rows: Vec<Deleted> = diesel::sql_query(
            "INSERT INTO sync_records AS r \
                 (tenant_id, model_id, source_id, payload, hash, source_updated_at, last_run_id, deleted_at) \
             SELECT $1, $2, s.source_id, s.payload::jsonb, s.hash, COALESCE(s.updated_at, now()), $3, now() \
             FROM unnest($4::text[], $5::text[], $6::bytea[], $7::timestamptz[]) \
                 AS s(source_id, payload, hash, updated_at) \
             ON CONFLICT (tenant_id, model_id, source_id) DO UPDATE SET \
                 last_seen_at = now(), last_run_id = EXCLUDED.last_run_id, payload = EXCLUDED.payload, \
                 hash = EXCLUDED.hash, deleted_at = COALESCE(r.deleted_at, now()), \
                 changed_at = CASE WHEN r.deleted_at IS NULL THEN now() ELSE r.changed_at END \
             RETURNING (r.xmax = 0) AS inserted, (r.deleted_at = now()) AS newly_deleted",
        )
        .bind::<BigInt, _>(tenant_id.0)
        .bind::<BigInt, _>(model_id)
        .bind::<BigInt, _>(run_id)
        .bind::<Array<Text>, _>(gone.iter().map(|r| r.source_id.as_str()).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(gone.iter().map(|r| r.payload.as_str()).collect::<Vec<_>>())
        .bind::<Array<Bytea>, _>(gone.iter().map(|r| r.hash.as_slice()).collect::<Vec<_>>())
        .bind::<Array<Nullable<Timestamptz>>, _>(gone.iter().map(|r| r.updated_at).collect::<Vec<_>>())
        .load(conn)?;
        for row in &rows {
            if row.newly_deleted {
                outcome.deleted += 1;
                outcome.deleted_delta += 1;
                if !row.inserted {
                    outcome.live_delta -= 1;
                }
            } else {
                outcome.unchanged += 1;
            }
        }
    }
    Ok(outcome)
}

#[derive(QueryableByName)]
struct Deleted {
    #[diesel(sql_type = Bool)]
    inserted: bool,
    #[diesel(sql_type = Bool)]
    newly_deleted: bool,
}

/// Whether the model has stored any record, live or deleted.
pub fn has_records(conn: &mut PgConnection, model_id: i64) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Bool)]
        found: bool,
    }
    let row: Found = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM sync_records \
             WHERE tenant_id = app_tenant_id() AND model_id = $1) AS found",
    )
    .bind::<BigInt, _>(model_id)
    .get_result(conn)?;
    Ok(row.found)
}

/// Inserts a batch none of whose records the model has stored: its first import. A plain
/// INSERT skips the upsert's conflict handling, which costs PostgreSQL about a third more
/// per row. Should a record turn out to be stored after all, the savepoint is rolled back
/// and the batch goes through [`upsert_batch`] instead (with `force` as given).
pub fn insert_new_batch(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    model_id: i64,
    run_id: i64,
    records: &[StoredRecord],
    force: bool,
    want_changed: bool,
) -> QueryResult<StoreOutcome> {
    let upsert = |conn: &mut PgConnection| {
        upsert_batch(
            conn,
            tenant_id,
            model_id,
            run_id,
            records,
            force,
            want_changed,
        )
    };
    if records.iter().any(|record| record.deleted) {
        return upsert(conn);
    }
    let inserted = conn.transaction(|conn| {
        diesel::sql_query(
            "INSERT INTO sync_records \
                 (tenant_id, model_id, source_id, payload, hash, source_updated_at, last_run_id) \
             SELECT $1, $2, source_id, payload::jsonb, hash, COALESCE(updated_at, now()), $3 \
             FROM unnest($4::text[], $5::text[], $6::bytea[], $7::timestamptz[]) \
                 AS s(source_id, payload, hash, updated_at)",
        )
        .bind::<BigInt, _>(tenant_id.0)
        .bind::<BigInt, _>(model_id)
        .bind::<BigInt, _>(run_id)
        .bind::<Array<Text>, _>(
            records
                .iter()
                .map(|r| r.source_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Text>, _>(
            records
                .iter()
                .map(|r| r.payload.as_str())
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Bytea>, _>(
            records
                .iter()
                .map(|r| r.hash.as_slice())
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Nullable<Timestamptz>>, _>(
            records.iter().map(|r| r.updated_at).collect::<Vec<_>>(),
        )
        .execute(conn)
    });
    match inserted {
        Ok(created) => Ok(StoreOutcome {
            created: created as u64,
            live_delta: created as i64,
            changed: if want_changed {
                records.iter().map(|r| r.source_id.clone()).collect()
            } else {
                Vec::new()
            },
            ..StoreOutcome::default()
        }),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => upsert(conn),
        Err(other) => Err(other),
    }
}

/// Only models that have deleted records need the "revived" check.
fn has_deleted(conn: &mut PgConnection, model_id: i64) -> QueryResult<bool> {
    sync_models::table
        .find(model_id)
        .select(sync_models::deleted_count.gt(0))
        .first(conn)
}

/// What a batch would do, without writing (`--dry-run`).
pub fn preview_batch(
    conn: &mut PgConnection,
    model_id: i64,
    records: &[StoredRecord],
    force: bool,
) -> QueryResult<StoreOutcome> {
    #[derive(QueryableByName)]
    struct Existing {
        #[diesel(sql_type = Text)]
        source_id: String,
        #[diesel(sql_type = Bytea)]
        hash: Vec<u8>,
        #[diesel(sql_type = Bool)]
        deleted: bool,
    }
    let ids: Vec<&str> = records.iter().map(|r| r.source_id.as_str()).collect();
    let existing: Vec<Existing> = diesel::sql_query(
        "SELECT source_id, hash, deleted_at IS NOT NULL AS deleted FROM sync_records \
         WHERE tenant_id = app_tenant_id() AND model_id = $1 AND source_id = ANY($2)",
    )
    .bind::<BigInt, _>(model_id)
    .bind::<Array<Text>, _>(ids)
    .load(conn)?;
    let known: std::collections::HashMap<&str, (&[u8], bool)> = existing
        .iter()
        .map(|row| (row.source_id.as_str(), (row.hash.as_slice(), row.deleted)))
        .collect();
    let mut outcome = StoreOutcome::default();
    for record in records {
        match (known.get(record.source_id.as_str()), record.deleted) {
            (None, false) => {
                outcome.created += 1;
                outcome.changed.push(record.source_id.clone());
            }
            (None, true) => outcome.deleted += 1,
            (Some((_, false)), true) => outcome.deleted += 1,
            (Some((_, true)), true) => outcome.unchanged += 1,
            (Some((hash, deleted)), false) => {
                if *deleted || force || *hash != record.hash.as_slice() {
                    outcome.updated += 1;
                    outcome.changed.push(record.source_id.clone());
                } else {
                    outcome.unchanged += 1;
                }
            }
        }
    }
    Ok(outcome)
}

/// After a complete full listing: live records the run did not see are gone at the
/// source. Marks them deleted; returns how many.
pub fn sweep_unseen(conn: &mut PgConnection, model_id: i64, run_id: i64) -> QueryResult<u64> {
    let swept = diesel::sql_query(
        "UPDATE sync_records SET deleted_at = now(), changed_at = now() \
         WHERE tenant_id = app_tenant_id() AND model_id = $1 AND deleted_at IS NULL \
           AND last_run_id IS DISTINCT FROM $2",
    )
    .bind::<BigInt, _>(model_id)
    .bind::<BigInt, _>(run_id)
    .execute(conn)? as i64;
    adjust_counts(conn, model_id, -swept, swept)?;
    Ok(swept as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_ignores_key_order_but_not_values() {
        let a = serde_json::json!({"a": 1, "b": {"x": [1, 2], "y": "z"}});
        let b = serde_json::json!({"b": {"y": "z", "x": [1, 2]}, "a": 1});
        let c = serde_json::json!({"a": 1, "b": {"x": [2, 1], "y": "z"}});
        assert_eq!(payload_hash(&a), payload_hash(&b));
        assert_ne!(payload_hash(&a), payload_hash(&c));
        assert_eq!(payload_hash(&a).len(), 16);
        // Strings are length-prefixed: no two payloads collide by concatenation.
        assert_ne!(
            payload_hash(&serde_json::json!(["ab", "c"])),
            payload_hash(&serde_json::json!(["a", "bc"]))
        );
    }
}
