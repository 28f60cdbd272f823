//! Companies (accounts).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::companies;
use crate::domain::activities::{ActivityType, NewActivity, log_activity};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{CompanyId, TenantId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = companies, check_for_backend(diesel::pg::Pg))]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub domain: Option<String>,
    pub website: Option<String>,
    pub industry: Option<String>,
    pub size_band: Option<String>,
    pub employee_count: Option<i32>,
    pub annual_revenue_minor: Option<i64>,
    pub currency: String,
    pub phone: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub description: Option<String>,
    pub owner_id: Option<UserId>,
    pub account_tier: Option<String>,
    pub is_target_account: bool,
    pub logo_url: Option<String>,
    pub custom_fields: serde_json::Value,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub external_source: Option<String>,
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = companies)]
pub struct NewCompany {
    pub tenant_id: TenantId,
    pub name: String,
    pub domain: Option<String>,
    pub website: Option<String>,
    pub industry: Option<String>,
    pub size_band: Option<String>,
    pub employee_count: Option<i32>,
    pub annual_revenue_minor: Option<i64>,
    pub phone: Option<String>,
    pub address_line1: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub description: Option<String>,
    pub owner_id: Option<UserId>,
    pub account_tier: Option<String>,
    pub is_target_account: bool,
    pub created_by: Option<UserId>,
    pub created_at: Option<DateTime<Utc>>,
    pub address_line2: Option<String>,
    pub logo_url: Option<String>,
    pub custom_fields: serde_json::Value,
}

impl NewCompany {
    pub fn new(tenant_id: TenantId, name: impl Into<String>) -> Self {
        NewCompany {
            tenant_id,
            name: name.into(),
            domain: None,
            website: None,
            industry: None,
            size_band: None,
            employee_count: None,
            annual_revenue_minor: None,
            phone: None,
            address_line1: None,
            city: None,
            region: None,
            postal_code: None,
            country: None,
            description: None,
            owner_id: None,
            account_tier: None,
            is_target_account: false,
            created_by: None,
            created_at: None,
            address_line2: None,
            logo_url: None,
            custom_fields: serde_json::json!({}),
        }
    }
}

/// Inserts the row only. Prefer [`create`], which also audits and logs the event.
pub fn insert(conn: &mut PgConnection, new: &NewCompany) -> QueryResult<Company> {
    diesel::insert_into(companies::table)
        .values(new)
        .returning(Company::as_returning())
        .get_result(conn)
}

/// Creates a company: the row, its audit entry and its `company_created` timeline entry,
/// in the caller's transaction.
pub fn create(
    conn: &mut PgConnection,
    new: &NewCompany,
    actor: Option<UserId>,
) -> QueryResult<Company> {
    let company = insert(conn, new)?;
    audit::record(
        conn,
        &AuditEntry {
            tenant_id: new.tenant_id,
            actor_id: actor,
            action: "company.created",
            entity_type: "company",
            entity_id: Some(company.id.0),
            before: None,
            after: audit::snapshot(&company),
        },
    )?;
    let mut event = NewActivity::new(
        ActivityType::CompanyCreated,
        format!("Company {} created", company.name),
        company.created_at,
    );
    event.company_id = Some(company.id);
    event.user_id = actor;
    log_activity(conn, new.tenant_id, event)?;
    Ok(company)
}

/// A live (not deleted) company visible to the current scope.
pub fn find(conn: &mut PgConnection, id: CompanyId) -> QueryResult<Option<Company>> {
    companies::table
        .find(id)
        .filter(companies::deleted_at.is_null())
        .select(Company::as_select())
        .first(conn)
        .optional()
}
