//! The audit log: every mutation records who did what to which record, before and after,
//! in the same transaction as the change.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::audit_logs;
use crate::domain::ids::{TenantId, UserId};

#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub tenant_id: TenantId,
    pub actor_id: Option<UserId>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub fn record(conn: &mut PgConnection, entry: &AuditEntry<'_>) -> QueryResult<()> {
    record_many(conn, std::slice::from_ref(entry))
}

/// Records many entries in one insert (a sync creating a batch of records).
pub fn record_many(conn: &mut PgConnection, entries: &[AuditEntry<'_>]) -> QueryResult<()> {
    // 7 columns per row: well under PostgreSQL's 65,535 bind parameters per chunk.
    for chunk in entries.chunks(1_000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|entry| {
                (
                    audit_logs::tenant_id.eq(entry.tenant_id),
                    audit_logs::actor_id.eq(entry.actor_id),
                    audit_logs::action.eq(entry.action),
                    audit_logs::entity_type.eq(entry.entity_type),
                    audit_logs::entity_id.eq(entry.entity_id),
                    audit_logs::before.eq(&entry.before),
                    audit_logs::after.eq(&entry.after),
                )
            })
            .collect();
        diesel::insert_into(audit_logs::table)
            .values(rows)
            .execute(conn)?;
    }
    Ok(())
}

/// Serialises a record for the audit log. A record that cannot be serialised is logged as
/// null rather than failing the user's change.
pub fn snapshot<T: Serialize>(record: &T) -> Option<serde_json::Value> {
    match serde_json::to_value(record) {
        Ok(value) => Some(value),
        Err(err) => {
            tracing::warn!(error = %err, "audit snapshot failed");
            None
        }
    }
}
