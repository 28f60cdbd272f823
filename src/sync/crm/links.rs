//! Links from synced records to the CRM records they became, with the value of each field
//! the sync last wrote. A field whose current value differs from that was edited in
//! Rapport since, and the next sync keeps it unless `--force`.

use chrono::{DateTime, Utc};
use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{Array, Text};
use serde_json::{Map, Value};

use crate::db::schema::sync_links;
use crate::domain::ids::{KeyedId, TenantId};

#[derive(Debug, Clone, Queryable)]
pub struct Link {
    pub entity_type: String,
    pub entity_id: i64,
    pub synced_values: Value,
    pub synced_at: DateTime<Utc>,
}

pub fn find(
    conn: &mut PgConnection,
    source: &str,
    model: &str,
    source_id: &str,
) -> QueryResult<Option<Link>> {
    sync_links::table
        .filter(sync_links::source.eq(source))
        .filter(sync_links::model.eq(model))
        .filter(sync_links::source_id.eq(source_id))
        .select((
            sync_links::entity_type,
            sync_links::entity_id,
            sync_links::synced_values,
            sync_links::synced_at,
        ))
        .first(conn)
        .optional()
}

/// The CRM id a synced record became, if it was mapped.
pub fn entity_id(
    conn: &mut PgConnection,
    source: &str,
    model: &str,
    source_id: &str,
) -> QueryResult<Option<i64>> {
    Ok(find(conn, source, model, source_id)?.map(|link| link.entity_id))
}

pub struct SaveLink<'a> {
    pub tenant_id: TenantId,
    pub source: &'a str,
    pub model: &'a str,
    pub source_id: &'a str,
    pub entity_type: &'a str,
    pub entity_id: i64,
    pub synced_values: &'a Map<String, Value>,
}

pub fn save(conn: &mut PgConnection, link: &SaveLink<'_>) -> QueryResult<()> {
    save_many(conn, std::slice::from_ref(link))
}

/// Saves (inserts or replaces) many links in one statement per chunk.
pub fn save_many(conn: &mut PgConnection, links: &[SaveLink<'_>]) -> QueryResult<()> {
    use diesel::upsert::excluded;
    for chunk in links.chunks(1_000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|link| {
                (
                    sync_links::tenant_id.eq(link.tenant_id.0),
                    sync_links::source.eq(link.source),
                    sync_links::model.eq(link.model),
                    sync_links::source_id.eq(link.source_id),
                    sync_links::entity_type.eq(link.entity_type),
                    sync_links::entity_id.eq(link.entity_id),
                    sync_links::synced_values.eq(Value::Object(link.synced_values.clone())),
                )
            })
            .collect();
        diesel::insert_into(sync_links::table)
            .values(rows)
            .on_conflict((
                sync_links::tenant_id,
                sync_links::source,
                sync_links::model,
                sync_links::source_id,
            ))
            .do_update()
            .set((
                sync_links::entity_type.eq(excluded(sync_links::entity_type)),
                sync_links::entity_id.eq(excluded(sync_links::entity_id)),
                sync_links::synced_values.eq(excluded(sync_links::synced_values)),
                sync_links::synced_at.eq(diesel::dsl::now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The CRM ids many synced records became (those that were mapped), by source id.
pub fn entity_ids(
    conn: &mut PgConnection,
    source: &str,
    model: &str,
    source_ids: &[&str],
) -> QueryResult<HashMap<String, i64>> {
    if source_ids.is_empty() {
        return Ok(HashMap::new());
    }
    // One primary-key probe per id (LATERAL): a plain `source_id = ANY(...)` is planned as
    // a filter over the tenant's whole model while a big first sync leaves the table's
    // statistics behind, which made each lookup scan every link. `OFFSET 0` stops
    // PostgreSQL flattening the LATERAL into that same join (a LIMIT would invite a
    // scan-until-found plan instead).
    let found: Vec<KeyedId> = diesel::sql_query(
        "SELECT s.source_id AS key, l.entity_id AS id FROM unnest($1::text[]) AS s(source_id) \
         CROSS JOIN LATERAL (SELECT entity_id FROM sync_links \
             WHERE tenant_id = app_tenant_id() AND source = $2 AND model = $3 \
               AND source_id = s.source_id OFFSET 0) l",
    )
    .bind::<Array<Text>, _>(source_ids)
    .bind::<Text, _>(source)
    .bind::<Text, _>(model)
    .load(conn)?;
    Ok(KeyedId::map(found))
}

/// Where a CRM record came from: the latest sync link to it.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub source: String,
    pub model: String,
    pub source_id: String,
    pub synced_at: DateTime<Utc>,
}

pub fn provenance(
    conn: &mut PgConnection,
    entity_type: &str,
    entity_id: i64,
) -> QueryResult<Option<Provenance>> {
    sync_links::table
        .filter(sync_links::entity_type.eq(entity_type))
        .filter(sync_links::entity_id.eq(entity_id))
        .order(sync_links::synced_at.desc())
        .select((
            sync_links::source,
            sync_links::model,
            sync_links::source_id,
            sync_links::synced_at,
        ))
        .first::<(String, String, String, DateTime<Utc>)>(conn)
        .optional()
        .map(|found| {
            found.map(|(source, model, source_id, synced_at)| Provenance {
                source,
                model,
                source_id,
                synced_at,
            })
        })
}

/// Decides one field. `current` is the CRM value now, `last_synced` what the sync wrote
/// last time (None: never), `incoming` the source's value. Returns the value to write, or
/// None to leave the field alone (unchanged, or edited in Rapport since the last sync).
pub fn decide(
    current: &Value,
    last_synced: Option<&Value>,
    incoming: &Value,
    force: bool,
) -> Option<Value> {
    if current == incoming {
        return None;
    }
    let edited_here = match last_synced {
        // Never synced this field: a value already present was entered here.
        None => !current.is_null(),
        Some(last) => last != current,
    };
    if edited_here && !force {
        None
    } else {
        Some(incoming.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_field_edited_in_rapport_is_kept_unless_forced() {
        // The sync wrote "Jane", a user changed it to "Janet", the source now says "Jan".
        assert_eq!(
            decide(&json!("Janet"), Some(&json!("Jane")), &json!("Jan"), false),
            None
        );
        assert_eq!(
            decide(&json!("Janet"), Some(&json!("Jane")), &json!("Jan"), true),
            Some(json!("Jan"))
        );
        // Nobody touched it: the source's change goes through.
        assert_eq!(
            decide(&json!("Jane"), Some(&json!("Jane")), &json!("Jan"), false),
            Some(json!("Jan"))
        );
        // Empty here and never synced: filled in.
        assert_eq!(
            decide(&Value::Null, None, &json!("x"), false),
            Some(json!("x"))
        );
        // Same value: nothing to write.
        assert_eq!(
            decide(&json!("x"), Some(&json!("y")), &json!("x"), false),
            None
        );
    }
}
