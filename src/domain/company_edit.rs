//! Changing companies: the full set of editable values, update with audit, soft delete and
//! restore live in [`crate::domain::records`].

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::companies;
use crate::domain::audit::{self, AuditEntry};
use crate::domain::companies::{Company, NewCompany};
use crate::domain::ids::{CompanyId, TenantId, UserId};

/// Every value a person can edit on a company. Empty values are stored as NULL.
#[derive(Debug, Clone, PartialEq, AsChangeset, Serialize)]
#[diesel(table_name = companies, treat_none_as_null = true)]
pub struct CompanyChanges {
    pub name: String,
    pub domain: Option<String>,
    pub website: Option<String>,
    pub industry: Option<String>,
    pub size_band: Option<String>,
    pub employee_count: Option<i32>,
    pub annual_revenue_minor: Option<i64>,
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
}

impl CompanyChanges {
    pub fn of(company: &Company) -> Self {
        CompanyChanges {
            name: company.name.clone(),
            domain: company.domain.clone(),
            website: company.website.clone(),
            industry: company.industry.clone(),
            size_band: company.size_band.clone(),
            employee_count: company.employee_count,
            annual_revenue_minor: company.annual_revenue_minor,
            phone: company.phone.clone(),
            address_line1: company.address_line1.clone(),
            address_line2: company.address_line2.clone(),
            city: company.city.clone(),
            region: company.region.clone(),
            postal_code: company.postal_code.clone(),
            country: company.country.clone(),
            description: company.description.clone(),
            owner_id: company.owner_id,
            account_tier: company.account_tier.clone(),
            is_target_account: company.is_target_account,
            logo_url: company.logo_url.clone(),
            custom_fields: company.custom_fields.clone(),
        }
    }

    /// A blank company (for the new-company form).
    pub fn blank(owner: Option<UserId>) -> Self {
        CompanyChanges {
            name: String::new(),
            domain: None,
            website: None,
            industry: None,
            size_band: None,
            employee_count: None,
            annual_revenue_minor: None,
            phone: None,
            address_line1: None,
            address_line2: None,
            city: None,
            region: None,
            postal_code: None,
            country: None,
            description: None,
            owner_id: owner,
            account_tier: None,
            is_target_account: false,
            logo_url: None,
            custom_fields: serde_json::json!({}),
        }
    }

    pub fn into_new(self, tenant_id: TenantId, created_by: Option<UserId>) -> NewCompany {
        let mut new = NewCompany::new(tenant_id, self.name);
        new.domain = self.domain;
        new.website = self.website;
        new.industry = self.industry;
        new.size_band = self.size_band;
        new.employee_count = self.employee_count;
        new.annual_revenue_minor = self.annual_revenue_minor;
        new.phone = self.phone;
        new.address_line1 = self.address_line1;
        new.address_line2 = self.address_line2;
        new.city = self.city;
        new.region = self.region;
        new.postal_code = self.postal_code;
        new.country = self.country;
        new.description = self.description;
        new.owner_id = self.owner_id;
        new.account_tier = self.account_tier;
        new.is_target_account = self.is_target_account;
        new.logo_url = self.logo_url;
        new.custom_fields = self.custom_fields;
        new.created_by = created_by;
        new
    }
}

/// Saves the changes with an audit entry (before and after). None when the company is not
/// visible or deleted.
pub fn update(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    id: CompanyId,
    changes: &CompanyChanges,
) -> QueryResult<Option<Company>> {
    let Some(before) = crate::domain::companies::find(conn, id)? else {
        return Ok(None);
    };
    let after: Company = diesel::update(companies::table.find(id))
        .set(changes)
        .returning(Company::as_returning())
        .get_result(conn)?;
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action: "company.updated",
            entity_type: "company",
            entity_id: Some(id.0),
            before: audit::snapshot(&before),
            after: audit::snapshot(&after),
        },
    )?;
    Ok(Some(after))
}

/// A company by id whether deleted or not (for the restore banner).
pub fn find_any(conn: &mut PgConnection, id: CompanyId) -> QueryResult<Option<Company>> {
    companies::table
        .find(id)
        .select(Company::as_select())
        .first(conn)
        .optional()
}
