//! Creating and changing leads from forms: every editable value, with the disqualification
//! bookkeeping (who and when) kept in step with the status. Audited like everything else.

use chrono::Utc;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::leads;
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{LeadId, TenantId, UserId};
use crate::domain::leads::Lead;

/// Every value a person can edit on a lead. Empty values are stored as NULL.
#[derive(Debug, Clone, PartialEq, AsChangeset, Insertable, Serialize)]
#[diesel(table_name = leads, treat_none_as_null = true)]
pub struct LeadChanges {
    pub first_name: String,
    pub last_name: String,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub phone_e164: Option<String>,
    pub title: Option<String>,
    pub source: Option<String>,
    pub campaign: Option<String>,
    pub medium: Option<String>,
    pub referrer: Option<String>,
    pub status: String,
    pub rating: Option<String>,
    pub score: i32,
    pub budget: Option<String>,
    pub authority: Option<String>,
    pub need: Option<String>,
    pub timeline: Option<String>,
    pub owner_id: Option<UserId>,
    pub disqualified_reason: Option<String>,
    pub custom_fields: serde_json::Value,
}

/// Inserts a lead with every value from the form, audited as `lead.created`.
pub fn create(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    changes: &LeadChanges,
) -> QueryResult<Lead> {
    let disqualified = changes.status == "disqualified";
    let lead: Lead = diesel::insert_into(leads::table)
        .values((
            leads::tenant_id.eq(tenant_id),
            changes,
            leads::created_by.eq(actor),
            leads::disqualified_by.eq(actor.filter(|_| disqualified)),
            leads::disqualified_at.eq(disqualified.then(Utc::now)),
        ))
        .returning(Lead::as_returning())
        .get_result(conn)?;
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action: "lead.created",
            entity_type: "lead",
            entity_id: Some(lead.id.0),
            before: None,
            after: audit::snapshot(&lead),
        },
    )?;
    Ok(lead)
}

/// Saves the changes. Moving into "disqualified" records who and when; moving out clears it.
pub fn update(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    id: LeadId,
    changes: &LeadChanges,
) -> QueryResult<Option<Lead>> {
    let Some(before) = crate::domain::leads::find(conn, id)? else {
        return Ok(None);
    };
    // "Converted" is reached by converting and left by undoing, never by editing.
    let mut changes = changes.clone();
    if (before.status == "converted") != (changes.status == "converted") {
        changes.status = before.status.clone();
    }
    let changes = &changes;
    let after: Lead = diesel::update(leads::table.find(id))
        .set(changes)
        .returning(Lead::as_returning())
        .get_result(conn)?;
    let now_disqualified = changes.status == "disqualified";
    if now_disqualified != (before.status == "disqualified") {
        diesel::update(leads::table.find(id))
            .set((
                leads::disqualified_by.eq(actor.filter(|_| now_disqualified)),
                leads::disqualified_at.eq(now_disqualified.then(Utc::now)),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action: "lead.updated",
            entity_type: "lead",
            entity_id: Some(id.0),
            before: audit::snapshot(&before),
            after: audit::snapshot(&after),
        },
    )?;
    Ok(Some(after))
}

pub fn find_any(conn: &mut PgConnection, id: LeadId) -> QueryResult<Option<Lead>> {
    leads::table
        .find(id)
        .select(Lead::as_select())
        .first(conn)
        .optional()
}

/// Who disqualified the lead (a name), if anyone.
pub fn disqualified_by(conn: &mut PgConnection, id: LeadId) -> QueryResult<Option<String>> {
    use crate::db::schema::users;
    leads::table
        .find(id)
        .inner_join(users::table.on(users::id.nullable().eq(leads::disqualified_by)))
        .select(users::name)
        .first(conn)
        .optional()
}
