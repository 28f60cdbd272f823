//! Tags: a tenant's labels (name and colour) on companies, contacts, leads and deals, with
//! rename, merge and usage counts.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};
use serde::Serialize;

use crate::db::schema::{taggings, tags};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{TagId, TenantId, UserId};

pub const DEFAULT_COLOUR: &str = "#6B7280";
/// Colours offered when making a tag.
pub const PALETTE: &[&str] = &[
    "#6B7280", "#EF4444", "#F59E0B", "#10B981", "#3B82F6", "#8B5CF6", "#EC4899", "#14B8A6",
];

/// A tag as shown on a record or a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagChip {
    pub id: i64,
    pub name: String,
    pub colour: String,
}

impl TagChip {
    /// Black or white, whichever reads better on the tag's colour.
    pub fn text_colour(&self) -> &'static str {
        text_colour_for(&self.colour)
    }
}

pub fn text_colour_for(colour: &str) -> &'static str {
    let hex = colour.trim_start_matches('#');
    let channel = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|pair| u8::from_str_radix(pair, 16).ok())
            .map_or(0.5, |v| f64::from(v) / 255.0)
    };
    let luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
    if luminance > 0.55 {
        "#111827"
    } else {
        "#FFFFFF"
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = tags, check_for_backend(diesel::pg::Pg))]
pub struct Tag {
    pub id: TagId,
    pub name: String,
    pub colour: String,
    pub created_at: DateTime<Utc>,
}

/// A tag with how many live records carry it.
#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct TagUsage {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub colour: String,
    #[diesel(sql_type = BigInt)]
    pub companies: i64,
    #[diesel(sql_type = BigInt)]
    pub contacts: i64,
    #[diesel(sql_type = BigInt)]
    pub leads: i64,
    #[diesel(sql_type = BigInt)]
    pub deals: i64,
}

impl TagUsage {
    pub fn total(&self) -> i64 {
        self.companies + self.contacts + self.leads + self.deals
    }

    pub fn text_colour(&self) -> &'static str {
        text_colour_for(&self.colour)
    }
}

/// Every live tag, by name.
pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<Tag>> {
    tags::table
        .filter(tags::deleted_at.is_null())
        .order(tags::name.asc())
        .select(Tag::as_select())
        .load(conn)
}

/// Every live tag with usage counts (taggings the current user can see).
pub fn list_with_usage(conn: &mut PgConnection) -> QueryResult<Vec<TagUsage>> {
    diesel::sql_query(
        "SELECT t.id, t.name, t.colour, \
                count(*) FILTER (WHERE g.entity_type = 'company') AS companies, \
                count(*) FILTER (WHERE g.entity_type = 'contact') AS contacts, \
                count(*) FILTER (WHERE g.entity_type = 'lead') AS leads, \
                count(*) FILTER (WHERE g.entity_type = 'deal') AS deals \
         FROM tags t LEFT JOIN taggings g ON g.tenant_id = t.tenant_id AND g.tag_id = t.id \
         WHERE t.deleted_at IS NULL \
         GROUP BY t.id, t.name, t.colour ORDER BY lower(t.name), t.id",
    )
    .load(conn)
}

pub fn find(conn: &mut PgConnection, id: TagId) -> QueryResult<Option<Tag>> {
    tags::table
        .find(id)
        .filter(tags::deleted_at.is_null())
        .select(Tag::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_name(conn: &mut PgConnection, name: &str) -> QueryResult<Option<Tag>> {
    diesel::sql_query(
        "SELECT id, name, colour, created_at FROM tags \
         WHERE deleted_at IS NULL AND lower(name) = lower($1) LIMIT 1",
    )
    .bind::<Text, _>(name.trim())
    .get_result::<TagByName>(conn)
    .optional()
    .map(|found| found.map(Tag::from))
}

#[derive(QueryableByName)]
struct TagByName {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    colour: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    created_at: DateTime<Utc>,
}

impl From<TagByName> for Tag {
    fn from(row: TagByName) -> Self {
        Tag {
            id: TagId(row.id),
            name: row.name,
            colour: row.colour,
            created_at: row.created_at,
        }
    }
}

/// Checks a tag name; returns it trimmed.
pub fn validate_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        Err("Give the tag a name.".to_owned())
    } else if name.chars().count() > 60 {
        Err("Keep tag names to 60 characters.".to_owned())
    } else {
        Ok(name.to_owned())
    }
}

pub fn validate_colour(colour: &str) -> Result<String, String> {
    let colour = colour.trim();
    let valid = colour.len() == 7
        && colour.starts_with('#')
        && colour[1..].chars().all(|c| c.is_ascii_hexdigit());
    if valid {
        Ok(colour.to_ascii_uppercase())
    } else {
        Err("Pick a colour like #3B82F6.".to_owned())
    }
}

pub fn create(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    name: &str,
    colour: &str,
    actor: Option<UserId>,
) -> QueryResult<Tag> {
    let tag: Tag = diesel::insert_into(tags::table)
        .values((
            tags::tenant_id.eq(tenant_id),
            tags::name.eq(name),
            tags::colour.eq(colour),
        ))
        .returning(Tag::as_returning())
        .get_result(conn)?;
    audit_tag(
        conn,
        tenant_id,
        actor,
        "tag.created",
        tag.id,
        None,
        Some(&tag),
    )?;
    Ok(tag)
}

/// The live tag with this name (any case), created if there is none.
pub fn find_or_create(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    name: &str,
    actor: Option<UserId>,
) -> QueryResult<Tag> {
    match find_by_name(conn, name)? {
        Some(tag) => Ok(tag),
        None => {
            let colour = PALETTE[name.len() % PALETTE.len()];
            create(conn, tenant_id, name.trim(), colour, actor)
        }
    }
}

pub fn update(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    before: &Tag,
    name: &str,
    colour: &str,
    actor: Option<UserId>,
) -> QueryResult<Tag> {
    let tag: Tag = diesel::update(tags::table.find(before.id))
        .set((tags::name.eq(name), tags::colour.eq(colour)))
        .returning(Tag::as_returning())
        .get_result(conn)?;
    audit_tag(
        conn,
        tenant_id,
        actor,
        "tag.updated",
        tag.id,
        Some(before),
        Some(&tag),
    )?;
    Ok(tag)
}

/// Moves every use of `source` to `target` and removes `source`. Returns how many records
/// gained the target tag.
pub fn merge(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    source: &Tag,
    target: &Tag,
    actor: Option<UserId>,
) -> QueryResult<usize> {
    let moved = diesel::sql_query(
        "INSERT INTO taggings (tenant_id, tag_id, entity_type, entity_id) \
         SELECT tenant_id, $2, entity_type, entity_id FROM taggings WHERE tag_id = $1 \
         ON CONFLICT DO NOTHING",
    )
    .bind::<BigInt, _>(source.id.0)
    .bind::<BigInt, _>(target.id.0)
    .execute(conn)?;
    diesel::delete(taggings::table.filter(taggings::tag_id.eq(source.id))).execute(conn)?;
    diesel::update(tags::table.find(source.id))
        .set(tags::deleted_at.eq(Utc::now()))
        .execute(conn)?;
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action: "tag.merged",
            entity_type: "tag",
            entity_id: Some(source.id.0),
            before: audit::snapshot(source),
            after: Some(serde_json::json!({ "merged_into": target.id, "records_moved": moved })),
        },
    )?;
    Ok(moved)
}

/// Deletes a tag and takes it off every record.
pub fn delete(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    tag: &Tag,
    actor: Option<UserId>,
) -> QueryResult<()> {
    diesel::delete(taggings::table.filter(taggings::tag_id.eq(tag.id))).execute(conn)?;
    diesel::update(tags::table.find(tag.id))
        .set(tags::deleted_at.eq(Utc::now()))
        .execute(conn)?;
    audit_tag(
        conn,
        tenant_id,
        actor,
        "tag.deleted",
        tag.id,
        Some(tag),
        None,
    )
}

fn audit_tag(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    action: &str,
    id: TagId,
    before: Option<&Tag>,
    after: Option<&Tag>,
) -> QueryResult<()> {
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action,
            entity_type: "tag",
            entity_id: Some(id.0),
            before: before.and_then(audit::snapshot),
            after: after.and_then(audit::snapshot),
        },
    )
}

/// Puts tags on records (already there: nothing happens). Returns how many were added.
pub fn tag_records(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    tag: TagId,
    entity: &str,
    ids: &[i64],
) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO taggings (tenant_id, tag_id, entity_type, entity_id) \
         SELECT $1, $2, $3, unnest($4::bigint[]) ON CONFLICT DO NOTHING",
    )
    .bind::<BigInt, _>(tenant_id.0)
    .bind::<BigInt, _>(tag.0)
    .bind::<Text, _>(entity)
    .bind::<Array<BigInt>, _>(ids)
    .execute(conn)
}

pub fn untag_records(
    conn: &mut PgConnection,
    tag: TagId,
    entity: &str,
    ids: &[i64],
) -> QueryResult<usize> {
    diesel::delete(
        taggings::table
            .filter(taggings::tag_id.eq(tag))
            .filter(taggings::entity_type.eq(entity))
            .filter(taggings::entity_id.eq_any(ids)),
    )
    .execute(conn)
}

#[derive(QueryableByName)]
struct ChipRow {
    #[diesel(sql_type = BigInt)]
    entity_id: i64,
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    colour: String,
}

/// The tags of many records of one kind, by record id.
pub fn for_records(
    conn: &mut PgConnection,
    entity: &str,
    ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<TagChip>>> {
    let mut out: HashMap<i64, Vec<TagChip>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<ChipRow> = diesel::sql_query(
        "SELECT g.entity_id, t.id, t.name, t.colour FROM taggings g \
         JOIN tags t ON t.tenant_id = g.tenant_id AND t.id = g.tag_id \
         WHERE g.entity_type = $1 AND g.entity_id = ANY($2) AND t.deleted_at IS NULL \
         ORDER BY lower(t.name)",
    )
    .bind::<Text, _>(entity)
    .bind::<Array<BigInt>, _>(ids)
    .load(conn)?;
    for row in rows {
        out.entry(row.entity_id).or_default().push(TagChip {
            id: row.id,
            name: row.name,
            colour: row.colour,
        });
    }
    Ok(out)
}

pub fn for_record(conn: &mut PgConnection, entity: &str, id: i64) -> QueryResult<Vec<TagChip>> {
    Ok(for_records(conn, entity, &[id])?
        .remove(&id)
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_and_names_are_checked() {
        assert_eq!(validate_colour("#3b82f6"), Ok("#3B82F6".to_owned()));
        assert!(validate_colour("blue").is_err());
        assert!(validate_name("   ").is_err());
        assert_eq!(text_colour_for("#FFFFFF"), "#111827");
        assert_eq!(text_colour_for("#1F2937"), "#FFFFFF");
    }
}
