//! Leads: people or companies not yet qualified into contacts and deals.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::leads;
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{CompanyId, ContactId, DealId, LeadId, TenantId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = leads, check_for_backend(diesel::pg::Pg))]
pub struct Lead {
    pub id: LeadId,
    pub first_name: String,
    pub last_name: String,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
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
    pub disqualified_at: Option<DateTime<Utc>>,
    pub converted_at: Option<DateTime<Utc>>,
    pub converted_company_id: Option<CompanyId>,
    pub converted_contact_id: Option<ContactId>,
    pub converted_deal_id: Option<DealId>,
    pub custom_fields: serde_json::Value,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = leads)]
pub struct NewLead {
    pub tenant_id: TenantId,
    pub first_name: String,
    pub last_name: String,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub source: Option<String>,
    pub campaign: Option<String>,
    pub status: String,
    pub rating: Option<String>,
    pub score: i32,
    pub owner_id: Option<UserId>,
    pub created_by: Option<UserId>,
    pub created_at: Option<DateTime<Utc>>,
}

/// Inserts the row only. Prefer [`create`], which also audits.
pub fn insert(conn: &mut PgConnection, new: &NewLead) -> QueryResult<Lead> {
    diesel::insert_into(leads::table)
        .values(new)
        .returning(Lead::as_returning())
        .get_result(conn)
}

/// Creates a lead with its audit entry, in the caller's transaction. (There is no
/// timeline entry type for a new lead; conversion is logged as `lead_converted`.)
pub fn create(conn: &mut PgConnection, new: &NewLead, actor: Option<UserId>) -> QueryResult<Lead> {
    let lead = insert(conn, new)?;
    audit::record(
        conn,
        &AuditEntry {
            tenant_id: new.tenant_id,
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

pub fn find(conn: &mut PgConnection, id: LeadId) -> QueryResult<Option<Lead>> {
    leads::table
        .find(id)
        .filter(leads::deleted_at.is_null())
        .select(Lead::as_select())
        .first(conn)
        .optional()
}
