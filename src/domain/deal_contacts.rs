//! The people on a deal: deal ↔ contact links with a role (decision maker, influencer,
//! champion, gatekeeper, user), an influence level (1–5) and a champion flag. The deal's
//! primary contact is shown with them.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Int2, Nullable, Text};
use serde::Serialize;

use crate::db::schema::deal_contacts;
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{TenantId, UserId};

pub const ROLES: &[(&str, &str)] = &[
    ("decision_maker", "Decision maker"),
    ("influencer", "Influencer"),
    ("champion", "Champion"),
    ("gatekeeper", "Gatekeeper"),
    ("user", "User"),
];

pub fn role_label(role: &str) -> &'static str {
    ROLES
        .iter()
        .find(|(key, _)| *key == role)
        .map_or("Contact", |(_, label)| label)
}

pub fn valid_role(role: &str) -> bool {
    ROLES.iter().any(|(key, _)| *key == role)
}

/// A contact as listed on a deal.
#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct DealContact {
    #[diesel(sql_type = BigInt)]
    pub contact_id: i64,
    #[diesel(sql_type = Text)]
    pub first_name: String,
    #[diesel(sql_type = Text)]
    pub last_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub title: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub company_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub company_name: Option<String>,
    /// None for a primary contact not (yet) given a role.
    #[diesel(sql_type = Nullable<Text>)]
    pub role: Option<String>,
    #[diesel(sql_type = Nullable<Int2>)]
    pub influence_level: Option<i16>,
    #[diesel(sql_type = Bool)]
    pub is_champion: bool,
    #[diesel(sql_type = Bool)]
    pub is_primary: bool,
}

impl DealContact {
    pub fn name(&self) -> String {
        crate::domain::contacts::display_name(
            &self.first_name,
            &self.last_name,
            self.email.as_deref(),
        )
    }

    pub fn role_label(&self) -> &'static str {
        self.role.as_deref().map_or("Primary contact", role_label)
    }
}

/// The deal's contacts (visible ones), the primary contact first, then by name.
pub fn list(conn: &mut PgConnection, deal_id: i64) -> QueryResult<Vec<DealContact>> {
    diesel::sql_query(
        "WITH deal AS (SELECT id, primary_contact_id FROM deals WHERE id = $1), \
              linked AS (SELECT contact_id, role, influence_level, is_champion FROM deal_contacts WHERE deal_id = $1 \
                         UNION ALL \
                         SELECT primary_contact_id, NULL, NULL, false FROM deal \
                         WHERE primary_contact_id IS NOT NULL \
                           AND NOT EXISTS (SELECT 1 FROM deal_contacts dc WHERE dc.deal_id = $1 AND dc.contact_id = deal.primary_contact_id)) \
         SELECT c.id AS contact_id, c.first_name, c.last_name, c.email, c.title, c.company_id, co.name AS company_name, \
                l.role, l.influence_level, l.is_champion, \
                coalesce(c.id = (SELECT primary_contact_id FROM deal), false) AS is_primary \
         FROM linked l JOIN contacts c ON c.id = l.contact_id \
         LEFT JOIN companies co ON co.tenant_id = c.tenant_id AND co.id = c.company_id \
         WHERE c.deleted_at IS NULL \
         ORDER BY 11 DESC, c.name_key, c.id",
    )
    .bind::<BigInt, _>(deal_id)
    .load(conn)
}

/// What a person chose for a contact on a deal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub deal_id: i64,
    pub contact_id: i64,
    pub role: String,
    pub influence_level: Option<i16>,
    pub is_champion: bool,
}

/// Adds the contact to the deal, or updates its role when already there. Returns true when
/// it was added.
pub fn upsert(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    link: &Link,
) -> QueryResult<bool> {
    let existed = deal_contacts::table
        .filter(deal_contacts::deal_id.eq(link.deal_id))
        .filter(deal_contacts::contact_id.eq(link.contact_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    diesel::insert_into(deal_contacts::table)
        .values((
            deal_contacts::tenant_id.eq(tenant_id),
            deal_contacts::deal_id.eq(link.deal_id),
            deal_contacts::contact_id.eq(link.contact_id),
            deal_contacts::role.eq(&link.role),
            deal_contacts::influence_level.eq(link.influence_level),
            deal_contacts::is_champion.eq(link.is_champion),
            deal_contacts::created_by.eq(actor.map(|a| a.0)),
        ))
        .on_conflict((
            deal_contacts::tenant_id,
            deal_contacts::deal_id,
            deal_contacts::contact_id,
        ))
        .do_update()
        .set((
            deal_contacts::role.eq(&link.role),
            deal_contacts::influence_level.eq(link.influence_level),
            deal_contacts::is_champion.eq(link.is_champion),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action: if existed {
                "deal.contact_updated"
            } else {
                "deal.contact_added"
            },
            entity_type: "deal",
            entity_id: Some(link.deal_id),
            before: None,
            after: Some(serde_json::json!({
                "contact_id": link.contact_id,
                "role": link.role,
                "influence_level": link.influence_level,
                "is_champion": link.is_champion,
            })),
        },
    )?;
    Ok(!existed)
}

/// Takes the contact off the deal. Returns false when it was not on it.
pub fn remove(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    deal_id: i64,
    contact_id: i64,
) -> QueryResult<bool> {
    let removed = diesel::delete(
        deal_contacts::table
            .filter(deal_contacts::deal_id.eq(deal_id))
            .filter(deal_contacts::contact_id.eq(contact_id)),
    )
    .execute(conn)?;
    if removed > 0 {
        audit::record(
            conn,
            &AuditEntry {
                tenant_id,
                actor_id: actor,
                action: "deal.contact_removed",
                entity_type: "deal",
                entity_id: Some(deal_id),
                before: Some(serde_json::json!({ "contact_id": contact_id })),
                after: None,
            },
        )?;
    }
    Ok(removed > 0)
}

/// Is the deal live and visible?
pub fn deal_visible(conn: &mut PgConnection, deal_id: i64) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Bool)]
        found: bool,
    }
    Ok(diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM deals WHERE id = $1 AND deleted_at IS NULL) AS found",
    )
    .bind::<BigInt, _>(deal_id)
    .get_result::<Found>(conn)?
    .found)
}
