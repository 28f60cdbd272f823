//! Companies (accounts).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::companies;
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
        }
    }
}

pub fn create(conn: &mut PgConnection, new: &NewCompany) -> QueryResult<Company> {
    diesel::insert_into(companies::table)
        .values(new)
        .returning(Company::as_returning())
        .get_result(conn)
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
