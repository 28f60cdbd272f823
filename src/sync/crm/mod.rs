//! Into the CRM: how synced records become (or update) Rapport companies, contacts, deals
//! and timeline activities. Each source that feeds the CRM has a [`CrmMapper`]; links from
//! synced records to CRM records live in `sync_links` ([`links`]).

pub mod links;

use diesel::prelude::*;

use crate::domain::ids::TenantId;
use crate::sync::connector::{ConnectionConfig, RawRecord};

/// What a mapper knows about the batch it maps.
pub struct MapContext<'a> {
    pub tenant_id: TenantId,
    pub source: &'a str,
    pub model: &'a str,
    /// `--force`: overwrite fields even where someone edited them in Rapport.
    pub force: bool,
    pub connection: &'a ConnectionConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// The record cannot become a CRM record (recorded as a per-record error).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// What mapping one record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapped {
    Created,
    Updated,
    Unchanged,
    /// The model does not feed the CRM.
    Skipped,
}

/// A record the mapper could not bring into the CRM, and why (a per-record error of the
/// run; the raw record stays stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmapped {
    pub source_id: String,
    pub reason: String,
}

pub trait CrmMapper: Send + Sync {
    /// Maps one stored record, in the batch's transaction (inside a savepoint: an error
    /// undoes only this record's changes).
    fn map(
        &self,
        conn: &mut PgConnection,
        ctx: &MapContext<'_>,
        record: &RawRecord,
    ) -> Result<Mapped, MapError>;

    /// Maps a batch's changed records in the batch's transaction. The default maps each
    /// in its own savepoint; mappers override it with set-based work where volume
    /// matters. An error here (not a record's) fails the batch.
    fn map_batch(
        &self,
        conn: &mut PgConnection,
        ctx: &MapContext<'_>,
        records: &[&RawRecord],
    ) -> QueryResult<Vec<Unmapped>> {
        map_each(self, conn, ctx, records)
    }

    /// True when two batches of `model` can be mapped at once, on two database sessions:
    /// each writes only its own records' rows, and takes any row it shares with another
    /// batch in a fixed order (so neither waits on the other in a cycle), and nothing is
    /// matched across batches (a record created by one batch that the other should find).
    fn independent_batches(&self, model: &str) -> bool {
        let _ = model;
        false
    }
}

/// Maps records one by one, each in a savepoint, collecting the ones that failed.
pub fn map_each<M: CrmMapper + ?Sized>(
    mapper: &M,
    conn: &mut PgConnection,
    ctx: &MapContext<'_>,
    records: &[&RawRecord],
) -> QueryResult<Vec<Unmapped>> {
    let mut failures = Vec::new();
    for record in records {
        let mapped = conn.transaction::<_, MapError, _>(|conn| mapper.map(conn, ctx, record));
        if let Err(err) = mapped {
            failures.push(Unmapped {
                source_id: record.source_id.clone(),
                reason: err.to_string(),
            });
        }
    }
    Ok(failures)
}

pub mod callrail;
pub mod hubspot;

use serde_json::{Map, Value};

/// Per-field decision for one record: what to write, and what to remember as synced.
#[derive(Debug, Clone, Default)]
pub struct FieldPlan {
    /// The value each field should have after the sync.
    pub values: Map<String, Value>,
    /// What the sync last wrote, per field (kept for fields a person edited here).
    pub synced: Map<String, Value>,
    /// Fields the sync overwrites now.
    pub written: Vec<String>,
    /// Fields kept because someone edited them in Rapport since the last sync.
    pub kept: Vec<String>,
}

/// Decides every incoming field with [`links::decide`].
pub fn plan(
    current: &Map<String, Value>,
    last: Option<&Map<String, Value>>,
    incoming: &Map<String, Value>,
    force: bool,
) -> FieldPlan {
    let mut plan = FieldPlan::default();
    for (key, value) in incoming {
        let now = current.get(key).unwrap_or(&Value::Null);
        let previous = last.and_then(|last| last.get(key));
        match links::decide(now, previous, value, force) {
            Some(write) => {
                plan.values.insert(key.clone(), write.clone());
                plan.synced.insert(key.clone(), write);
                plan.written.push(key.clone());
            }
            None => {
                plan.values.insert(key.clone(), now.clone());
                if now == value {
                    plan.synced.insert(key.clone(), value.clone());
                } else {
                    plan.kept.push(key.clone());
                    plan.synced
                        .insert(key.clone(), previous.cloned().unwrap_or(Value::Null));
                }
            }
        }
    }
    plan
}

/// A JSON value as optional text (empty strings count as absent).
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub fn opt(value: Option<String>) -> Value {
    value.map_or(Value::Null, Value::String)
}
