//! Known data for tests: two tenants, each with an admin, a manager and a rep, and one of
//! each record kind, so every isolation check has something to try to reach.

use std::sync::OnceLock;

use chrono::Utc;
use rapport::auth::password;
use rapport::db::{Db, TenantScope, scope};
use rapport::domain::companies::{self, NewCompany};
use rapport::domain::contacts::{self, NewContact};
use rapport::domain::deals::{self, NewDeal};
use rapport::domain::ids::{CompanyId, ContactId, DealId, LeadId, TenantId, UserId};
use rapport::domain::leads::{self, NewLead};
use rapport::domain::pipelines;
use rapport::domain::tenants::{self, NewTenant};
use rapport::domain::users::{self, NewUser};

pub const PASSWORD: &str = "correct horse battery";

fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| password::hash(PASSWORD).unwrap_or_else(|err| panic!("cannot hash: {err}")))
}

#[derive(Debug, Clone)]
pub struct TenantFixture {
    pub tenant_id: TenantId,
    pub admin_email: String,
    pub rep_email: String,
    pub admin_id: UserId,
    pub rep_id: UserId,
    pub company_id: CompanyId,
    pub contact_id: ContactId,
    pub lead_id: LeadId,
    pub deal_id: DealId,
}

impl TenantFixture {
    pub fn scope(&self) -> TenantScope {
        TenantScope {
            tenant_id: self.tenant_id.0,
            user_id: Some(self.admin_id.0),
            role: "admin".to_owned(),
            team_id: None,
        }
    }
}

pub struct TwoTenants {
    pub a: TenantFixture,
    pub b: TenantFixture,
}

impl TwoTenants {
    pub fn create(db: &Db) -> TwoTenants {
        TwoTenants {
            a: tenant(db, "alpha", "Alpha Windows"),
            b: tenant(db, "bravo", "Bravo Roofing"),
        }
    }
}

/// Creates a tenant with three users and one company, contact, lead and deal.
pub fn tenant(db: &Db, slug: &str, name: &str) -> TenantFixture {
    let mut conn = db
        .conn()
        .unwrap_or_else(|err| panic!("no connection: {err}"));
    let result: anyhow::Result<TenantFixture> = scope::as_system(&mut conn, |conn| {
        let tenant = tenants::create(
            conn,
            &NewTenant {
                slug,
                name,
                time_zone: "UTC",
                currency: "USD",
            },
        )?;
        scope::set_scope(conn, &TenantScope::service(tenant.id.0))?;
        let user = |conn: &mut diesel::PgConnection, role: &str| {
            let email = format!("{role}@{slug}.test");
            users::create(
                conn,
                &NewUser {
                    tenant_id: tenant.id,
                    email: &email,
                    name: &format!("{} {}", capitalise(role), capitalise(slug)),
                    password_hash: password_hash(),
                    role,
                    team_id: None,
                    manager_id: None,
                },
            )
        };
        let admin = user(conn, "admin")?;
        let _manager = user(conn, "manager")?;
        let rep = user(conn, "rep")?;
        let mut new_company = NewCompany::new(tenant.id, format!("{name} Customer"));
        new_company.owner_id = Some(rep.id);
        let company = companies::create(conn, &new_company, None)?;
        let mut new_contact =
            NewContact::new(tenant.id, "Casey", format!("{}son", capitalise(slug)));
        new_contact.company_id = Some(company.id);
        new_contact.email = Some(format!("casey@{slug}-customer.test"));
        new_contact.owner_id = Some(rep.id);
        let contact = contacts::create(conn, &new_contact, None)?;
        let lead = leads::create(
            conn,
            &NewLead {
                tenant_id: tenant.id,
                first_name: "Lee".to_owned(),
                last_name: "Prospect".to_owned(),
                company_name: None,
                email: Some(format!("lee@{slug}-lead.test")),
                phone: None,
                title: None,
                source: Some("website".to_owned()),
                campaign: None,
                status: "new".to_owned(),
                rating: None,
                score: 10,
                owner_id: Some(rep.id),
                created_by: Some(rep.id),
                created_at: None,
            },
            None,
        )?;
        let pipeline = pipelines::default_pipeline(conn)?;
        let stage = pipelines::stages(conn, pipeline.id)?.remove(0);
        let deal = deals::create(
            conn,
            &NewDeal {
                tenant_id: tenant.id,
                deal_number: 0,
                title: format!("{name} – first deal"),
                company_id: Some(company.id),
                primary_contact_id: Some(contact.id),
                pipeline_id: pipeline.id,
                stage_id: stage.id,
                status: "open".to_owned(),
                amount_minor: 1_250_000,
                currency: "USD".to_owned(),
                probability: stage.probability,
                expected_close_date: None,
                actual_close_date: None,
                stage_entered_at: Utc::now(),
                owner_id: Some(rep.id),
                source: None,
                won_reason: None,
                lost_reason: None,
                created_by: Some(rep.id),
                created_at: None,
            },
            None,
        )?;
        Ok(TenantFixture {
            tenant_id: tenant.id,
            admin_email: admin.email,
            rep_email: rep.email,
            admin_id: admin.id,
            rep_id: rep.id,
            company_id: company.id,
            contact_id: contact.id,
            lead_id: lead.id,
            deal_id: deal.id,
        })
    });
    result.unwrap_or_else(|err| panic!("cannot create fixture tenant {slug}: {err:#}"))
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
