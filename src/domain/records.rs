//! What companies, contacts, leads and deals share: soft delete and restore, bulk changes
//! (owner, tags, a choice field, delete) with their undo, each audited per record in the
//! same transaction. Table names come from [`RecordKind`], never from input.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text};
use serde::Serialize;

use crate::db::schema::bulk_operations;
use crate::domain::ids::{TagId, TenantId, UserId};
use crate::domain::tags;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Company,
    Contact,
    Lead,
    Deal,
}

impl RecordKind {
    pub fn parse(entity: &str) -> Option<RecordKind> {
        match entity {
            "company" => Some(RecordKind::Company),
            "contact" => Some(RecordKind::Contact),
            "lead" => Some(RecordKind::Lead),
            "deal" => Some(RecordKind::Deal),
            _ => None,
        }
    }

    pub fn entity(self) -> &'static str {
        match self {
            RecordKind::Company => "company",
            RecordKind::Contact => "contact",
            RecordKind::Lead => "lead",
            RecordKind::Deal => "deal",
        }
    }

    pub fn table(self) -> &'static str {
        match self {
            RecordKind::Company => "companies",
            RecordKind::Contact => "contacts",
            RecordKind::Lead => "leads",
            RecordKind::Deal => "deals",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            RecordKind::Company => "/companies",
            RecordKind::Contact => "/contacts",
            RecordKind::Lead => "/leads",
            RecordKind::Deal => "/deals",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            RecordKind::Company => "companies",
            RecordKind::Contact => "contacts",
            RecordKind::Lead => "leads",
            RecordKind::Deal => "deals",
        }
    }

    pub fn count_noun(self, n: usize) -> String {
        let noun = if n == 1 { self.entity() } else { self.plural() };
        format!("{n} {noun}")
    }
}

/// Generated columns left out of audit snapshots (they repeat other columns).
const DERIVED_COLUMNS: &[&str] = &["search_text", "name_key", "email_key", "domain_key"];

#[derive(QueryableByName)]
struct Affected {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Runs `UPDATE <table> SET <set> WHERE id = ANY(ids) AND <live>` and audits each changed
/// record with its before and after state. Returns the ids changed (those visible).
#[allow(clippy::too_many_arguments)]
fn update_audited(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    kind: RecordKind,
    ids: &[i64],
    set: &str,
    value: Option<String>,
    only_deleted: bool,
    action: &str,
) -> QueryResult<Vec<i64>> {
    let table = kind.table();
    let live = if only_deleted {
        "deleted_at IS NOT NULL"
    } else {
        "deleted_at IS NULL"
    };
    // `set` is fixed text from this module; the value is bound as $4.
    let sql = format!(
        "WITH old AS (SELECT * FROM {table} WHERE id = ANY($3) AND {live} FOR UPDATE), \
              changed AS (UPDATE {table} t SET {set} FROM old WHERE t.id = old.id \
                          RETURNING t.id, to_jsonb(old.*) AS before, to_jsonb(t.*) AS after), \
              logged AS (INSERT INTO audit_logs (tenant_id, actor_id, action, entity_type, entity_id, before, after) \
                         SELECT $1, $2, $5, $6, id, before - $7::text[], after - $7::text[] FROM changed) \
         SELECT id FROM changed ORDER BY id"
    );
    let rows: Vec<Affected> = diesel::sql_query(sql)
        .bind::<BigInt, _>(tenant_id.0)
        .bind::<Nullable<BigInt>, _>(actor.map(|a| a.0))
        .bind::<Array<BigInt>, _>(ids)
        .bind::<Nullable<Text>, _>(value)
        .bind::<Text, _>(action)
        .bind::<Text, _>(kind.entity())
        .bind::<Array<Text>, _>(DERIVED_COLUMNS)
        .load(conn)?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}

/// Soft-deletes records. Returns the ids deleted.
pub fn soft_delete(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    kind: RecordKind,
    ids: &[i64],
) -> QueryResult<Vec<i64>> {
    let action = format!("{}.deleted", kind.entity());
    update_audited(
        conn,
        tenant_id,
        actor,
        kind,
        ids,
        "deleted_at = now()",
        None,
        false,
        &action,
    )
}

/// Brings soft-deleted records back. Returns the ids restored.
pub fn restore(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    kind: RecordKind,
    ids: &[i64],
) -> QueryResult<Vec<i64>> {
    let action = format!("{}.restored", kind.entity());
    update_audited(
        conn,
        tenant_id,
        actor,
        kind,
        ids,
        "deleted_at = NULL",
        None,
        true,
        &action,
    )
}

/// What a bulk action does to each selected record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAction {
    SetOwner(Option<i64>),
    AddTag(TagId),
    RemoveTag(TagId),
    /// One of the entity's fixed choice columns (contact/lead `status`, company `account_tier`).
    SetChoice {
        column: &'static str,
        value: String,
    },
    Delete,
    Restore,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkOutcome {
    pub affected: usize,
    /// Set for deletes: the operation to undo.
    pub undo_id: Option<i64>,
}

pub fn apply_bulk(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    kind: RecordKind,
    ids: &[i64],
    action: &BulkAction,
) -> QueryResult<BulkOutcome> {
    let entity = kind.entity();
    let affected = match action {
        BulkAction::SetOwner(owner) => update_audited(
            conn,
            tenant_id,
            actor,
            kind,
            ids,
            "owner_id = $4::bigint",
            owner.map(|id| id.to_string()),
            false,
            &format!("{entity}.bulk_owner_changed"),
        )?
        .len(),
        BulkAction::SetChoice { column, value } => update_audited(
            conn,
            tenant_id,
            actor,
            kind,
            ids,
            &format!("{column} = $4"),
            Some(value.clone()),
            false,
            &format!("{entity}.bulk_updated"),
        )?
        .len(),
        BulkAction::AddTag(tag) | BulkAction::RemoveTag(tag) => {
            let visible = visible_live_ids(conn, kind, ids)?;
            let changed = if matches!(action, BulkAction::AddTag(_)) {
                tags::tag_records(conn, tenant_id, *tag, entity, &visible)?
            } else {
                tags::untag_records(conn, *tag, entity, &visible)?
            };
            crate::domain::audit::record(
                conn,
                &crate::domain::audit::AuditEntry {
                    tenant_id,
                    actor_id: actor,
                    action: if matches!(action, BulkAction::AddTag(_)) {
                        "tag.bulk_added"
                    } else {
                        "tag.bulk_removed"
                    },
                    entity_type: entity,
                    entity_id: None,
                    before: None,
                    after: Some(
                        serde_json::json!({ "tag_id": tag, "ids": visible, "changed": changed }),
                    ),
                },
            )?;
            visible.len()
        }
        BulkAction::Restore => restore(conn, tenant_id, actor, kind, ids)?.len(),
        BulkAction::Delete => {
            let deleted = soft_delete(conn, tenant_id, actor, kind, ids)?;
            let undo_id = if deleted.is_empty() {
                None
            } else {
                Some(
                    diesel::insert_into(bulk_operations::table)
                        .values((
                            bulk_operations::tenant_id.eq(tenant_id),
                            bulk_operations::entity_type.eq(entity),
                            bulk_operations::action.eq("delete"),
                            bulk_operations::record_ids.eq(&deleted),
                            bulk_operations::actor_id.eq(actor),
                        ))
                        .returning(bulk_operations::id)
                        .get_result::<i64>(conn)?,
                )
            };
            return Ok(BulkOutcome {
                affected: deleted.len(),
                undo_id,
            });
        }
    };
    Ok(BulkOutcome {
        affected,
        undo_id: None,
    })
}

/// Undoes a bulk delete: restores the records it deleted that are still deleted. None when
/// there is no such operation for this user (or it was undone already).
pub fn undo_bulk(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    operation_id: i64,
) -> QueryResult<Option<(RecordKind, usize)>> {
    let found: Option<(String, Vec<i64>)> = bulk_operations::table
        .find(operation_id)
        .filter(bulk_operations::undone_at.is_null())
        .filter(bulk_operations::action.eq("delete"))
        .select((bulk_operations::entity_type, bulk_operations::record_ids))
        .for_update()
        .first::<(String, Vec<Option<i64>>)>(conn)
        .optional()?
        .map(|(entity, ids)| (entity, ids.into_iter().flatten().collect()));
    let Some((entity, ids)) = found else {
        return Ok(None);
    };
    let Some(kind) = RecordKind::parse(&entity) else {
        return Ok(None);
    };
    let restored = restore(conn, tenant_id, actor, kind, &ids)?;
    diesel::update(bulk_operations::table.find(operation_id))
        .set(bulk_operations::undone_at.eq(chrono::Utc::now()))
        .execute(conn)?;
    Ok(Some((kind, restored.len())))
}

/// The ids among `ids` of live records the current user can see.
pub fn visible_live_ids(
    conn: &mut PgConnection,
    kind: RecordKind,
    ids: &[i64],
) -> QueryResult<Vec<i64>> {
    let rows: Vec<Affected> = diesel::sql_query(format!(
        "SELECT id FROM {} WHERE id = ANY($1) AND deleted_at IS NULL ORDER BY id",
        kind.table()
    ))
    .bind::<Array<BigInt>, _>(ids)
    .load(conn)?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}
