//! Converting a lead into a company, a contact and (optionally) a deal in one step,
//! reusing a company or contact that already matches, recorded on the lead
//! (`converted_*`, `conversion_detail`) and on the timeline (`lead_converted`). Undo removes
//! exactly what the conversion made and puts the lead back as it was.

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{activities, companies, contacts, leads};
use crate::domain::activities::{ActivityType, NewActivity, log_activity};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::companies::{self as company_records, Company, NewCompany};
use crate::domain::contacts::{self as contact_records, Contact, NewContact};
use crate::domain::deals::{self, NewDeal};
use crate::domain::ids::{CompanyId, ContactId, DealId, LeadId, TenantId, UserId};
use crate::domain::leads::Lead;
use crate::domain::records::{self, RecordKind};
use crate::domain::{contact_list, pipelines};

/// Existing records that match the lead, offered for reuse.
#[derive(Debug, Clone, Default)]
pub struct Matches {
    pub company: Option<Company>,
    pub contact: Option<Contact>,
}

/// The company (by name or email domain) and contact (by email) a conversion would reuse.
pub fn matches(conn: &mut PgConnection, lead: &Lead) -> QueryResult<Matches> {
    let contact = match &lead.email {
        Some(email) => crate::domain::contact_edit::find_by_email(conn, email)?,
        None => None,
    };
    let mut company = None;
    if let Some(company_id) = contact.as_ref().and_then(|c| c.company_id) {
        company = company_records::find(conn, company_id)?;
    }
    if company.is_none()
        && let Some(name) = lead
            .company_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
    {
        company = companies::table
            .filter(companies::name_key.eq(name.to_lowercase()))
            .filter(companies::deleted_at.is_null())
            .order(companies::id)
            .select(Company::as_select())
            .first(conn)
            .optional()?;
    }
    if company.is_none()
        && let Some(domain) = lead.email.as_deref().and_then(email_domain)
    {
        company = companies::table
            .filter(companies::domain_key.eq(domain))
            .filter(companies::deleted_at.is_null())
            .order(companies::id)
            .select(Company::as_select())
            .first(conn)
            .optional()?;
    }
    Ok(Matches { company, contact })
}

/// The domain of a work email; free-mail domains say nothing about a company.
fn email_domain(email: &str) -> Option<String> {
    const FREE: &[&str] = &[
        "gmail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "icloud.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
    ];
    let domain = email.rsplit_once('@')?.1.trim().to_lowercase();
    (!domain.is_empty() && !FREE.contains(&domain.as_str())).then_some(domain)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompanyChoice {
    Existing(CompanyId),
    New(String),
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactChoice {
    Existing(ContactId),
    New,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealPlan {
    pub title: String,
    pub amount_minor: i64,
    pub expected_close_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub company: CompanyChoice,
    pub contact: ContactChoice,
    pub deal: Option<DealPlan>,
}

/// What a conversion did, kept on the lead for its undo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    pub previous_status: String,
    pub company_created: bool,
    pub contact_created: bool,
    pub deal_created: bool,
    pub activity_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    pub company_id: Option<CompanyId>,
    pub contact_id: ContactId,
    pub deal_id: Option<DealId>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

fn invalid(message: &str) -> ConvertError {
    ConvertError::Invalid(message.to_owned())
}

/// Converts the lead as planned, in the caller's transaction.
pub fn convert(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: UserId,
    lead_id: LeadId,
    plan: &Plan,
) -> Result<Converted, ConvertError> {
    let lead: Lead = leads::table
        .find(lead_id)
        .filter(leads::deleted_at.is_null())
        .select(Lead::as_select())
        .for_update()
        .first(conn)
        .optional()?
        .ok_or_else(|| invalid("That lead no longer exists."))?;
    if lead.status == "converted" {
        return Err(invalid("This lead has already been converted."));
    }
    let owner = lead.owner_id.or(Some(actor));
    let now = Utc::now();

    let (company, company_created) = match &plan.company {
        CompanyChoice::Existing(id) => (
            Some(
                company_records::find(conn, *id)?
                    .ok_or_else(|| invalid("That company no longer exists."))?,
            ),
            false,
        ),
        CompanyChoice::New(name) => {
            let name = name.trim();
            if name.is_empty() {
                return Err(invalid("Name the new company."));
            }
            let mut new = NewCompany::new(tenant_id, name);
            new.owner_id = owner;
            new.created_by = Some(actor);
            new.domain = lead.email.as_deref().and_then(email_domain);
            (
                Some(company_records::create(conn, &new, Some(actor))?),
                true,
            )
        }
        CompanyChoice::None => (None, false),
    };
    let company_id = company.as_ref().map(|c| c.id);

    let (contact, contact_created) = match &plan.contact {
        ContactChoice::Existing(id) => {
            let contact = contact_records::find(conn, *id)?
                .ok_or_else(|| invalid("That contact no longer exists."))?;
            if contact.company_id.is_none() && company_id.is_some() {
                diesel::update(contacts::table.find(contact.id))
                    .set(contacts::company_id.eq(company_id))
                    .execute(conn)?;
            }
            (contact, false)
        }
        ContactChoice::New => {
            let mut new =
                NewContact::new(tenant_id, lead.first_name.clone(), lead.last_name.clone());
            if new.first_name.trim().is_empty()
                && new.last_name.trim().is_empty()
                && lead.email.is_none()
            {
                new.first_name = lead
                    .company_name
                    .clone()
                    .unwrap_or_else(|| "Unnamed".to_owned());
            }
            new.email = lead.email.clone();
            new.phone = lead.phone.clone();
            new.phone_e164 = lead
                .phone
                .as_deref()
                .and_then(crate::domain::phones::to_e164);
            new.title = lead.title.clone();
            new.company_id = company_id;
            new.owner_id = owner;
            new.status = "qualified".to_owned();
            new.source = lead
                .source
                .as_deref()
                .map(|s| s.trim().to_lowercase().replace(' ', "_"))
                .map(|s| {
                    if contact_list::SOURCES.iter().any(|(k, _)| *k == s) {
                        s
                    } else {
                        "other".to_owned()
                    }
                });
            new.created_by = Some(actor);
            (contact_records::create(conn, &new, Some(actor))?, true)
        }
    };

    let deal = match &plan.deal {
        Some(deal_plan) => {
            let title = deal_plan.title.trim();
            if title.is_empty() {
                return Err(invalid("Give the deal a title."));
            }
            let pipeline = pipelines::default_pipeline(conn)?;
            let stage = pipelines::stages(conn, pipeline.id)?
                .into_iter()
                .find(|stage| !stage.is_closed())
                .ok_or_else(|| invalid("The default pipeline has no open stage."))?;
            let new = NewDeal {
                tenant_id,
                deal_number: 0,
                title: title.to_owned(),
                company_id,
                primary_contact_id: Some(contact.id),
                pipeline_id: pipeline.id,
                stage_id: stage.id,
                status: "open".to_owned(),
                amount_minor: deal_plan.amount_minor,
                currency: "USD".to_owned(),
                probability: stage.probability,
                expected_close_date: deal_plan.expected_close_date,
                actual_close_date: None,
                stage_entered_at: now,
                owner_id: owner,
                source: lead.source.clone(),
                won_reason: None,
                lost_reason: None,
                created_by: Some(actor),
                created_at: None,
            };
            let deal = deals::create(conn, &new, Some(actor))?;
            diesel::update(crate::db::schema::deals::table.find(deal.id))
                .set(crate::db::schema::deals::lead_id.eq(lead.id))
                .execute(conn)?;
            Some(deal)
        }
        None => None,
    };
    let deal_id = deal.as_ref().map(|d| d.id);

    let mut event = NewActivity::new(
        ActivityType::LeadConverted,
        format!("Lead {} converted", lead_label(&lead)),
        now,
    );
    event.lead_id = Some(lead.id);
    event.contact_id = Some(contact.id);
    event.company_id = company_id;
    event.deal_id = deal_id;
    event.user_id = Some(actor);
    event.description = Some(describe(
        company.as_ref(),
        company_created,
        &contact,
        contact_created,
        deal.as_ref().map(|d| d.title.as_str()),
    ));
    let activity = log_activity(conn, tenant_id, event)?.id();

    let detail = Detail {
        previous_status: lead.status.clone(),
        company_created,
        contact_created,
        deal_created: deal.is_some(),
        activity_id: Some(activity.0),
    };
    diesel::update(leads::table.find(lead.id))
        .set((
            leads::status.eq("converted"),
            leads::converted_at.eq(Some(now)),
            leads::converted_by.eq(Some(actor)),
            leads::converted_company_id.eq(company_id),
            leads::converted_contact_id.eq(Some(contact.id)),
            leads::converted_deal_id.eq(deal_id),
            leads::conversion_detail.eq(serde_json::to_value(&detail).ok()),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: Some(actor),
            action: "lead.converted",
            entity_type: "lead",
            entity_id: Some(lead.id.0),
            before: audit::snapshot(&lead),
            after: Some(serde_json::json!({
                "company_id": company_id, "contact_id": contact.id, "deal_id": deal_id, "detail": detail,
            })),
        },
    )?;
    Ok(Converted {
        company_id,
        contact_id: contact.id,
        deal_id,
    })
}

fn lead_label(lead: &Lead) -> String {
    crate::domain::lead_list::lead_name(
        &lead.first_name,
        &lead.last_name,
        lead.email.as_deref(),
        lead.company_name.as_deref(),
    )
}

fn describe(
    company: Option<&Company>,
    company_created: bool,
    contact: &Contact,
    contact_created: bool,
    deal: Option<&str>,
) -> String {
    let mut parts = Vec::new();
    if let Some(company) = company {
        parts.push(format!(
            "{} company {}",
            if company_created { "new" } else { "existing" },
            company.name
        ));
    }
    parts.push(format!(
        "{} contact {}",
        if contact_created { "new" } else { "existing" },
        contact.full_name()
    ));
    if let Some(title) = deal {
        parts.push(format!("new deal {title}"));
    }
    format!("Converted into {}.", parts.join(", "))
}

/// Undoes a conversion: removes (soft-deletes) what it created, hides its timeline entry
/// and gives the lead its previous status. Returns false when the lead is not converted.
pub fn undo(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: UserId,
    lead_id: LeadId,
) -> QueryResult<bool> {
    #[derive(Queryable)]
    struct State {
        status: String,
        company: Option<CompanyId>,
        contact: Option<ContactId>,
        deal: Option<DealId>,
        detail: Option<serde_json::Value>,
    }
    let found: Option<State> = leads::table
        .find(lead_id)
        .filter(leads::deleted_at.is_null())
        .select((
            leads::status,
            leads::converted_company_id,
            leads::converted_contact_id,
            leads::converted_deal_id,
            leads::conversion_detail,
        ))
        .for_update()
        .first(conn)
        .optional()?;
    let Some(state) = found.filter(|s| s.status == "converted") else {
        return Ok(false);
    };
    let detail: Detail = state
        .detail
        .clone()
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or(Detail {
            previous_status: "qualified".to_owned(),
            company_created: false,
            contact_created: false,
            deal_created: false,
            activity_id: None,
        });
    let actor_id = Some(actor);
    if let (true, Some(deal)) = (detail.deal_created, state.deal) {
        records::soft_delete(conn, tenant_id, actor_id, RecordKind::Deal, &[deal.0])?;
    }
    if let (true, Some(contact)) = (detail.contact_created, state.contact) {
        records::soft_delete(conn, tenant_id, actor_id, RecordKind::Contact, &[contact.0])?;
    }
    if let (true, Some(company)) = (detail.company_created, state.company) {
        records::soft_delete(conn, tenant_id, actor_id, RecordKind::Company, &[company.0])?;
    }
    if let Some(activity) = detail.activity_id {
        diesel::update(activities::table.find(crate::domain::ids::ActivityId(activity)))
            .set(activities::deleted_at.eq(Some(Utc::now())))
            .execute(conn)?;
    }
    diesel::update(leads::table.find(lead_id))
        .set((
            leads::status.eq(&detail.previous_status),
            leads::converted_at.eq(None::<chrono::DateTime<Utc>>),
            leads::converted_by.eq(None::<UserId>),
            leads::converted_company_id.eq(None::<CompanyId>),
            leads::converted_contact_id.eq(None::<ContactId>),
            leads::converted_deal_id.eq(None::<DealId>),
            leads::conversion_detail.eq(None::<serde_json::Value>),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id,
            action: "lead.conversion_undone",
            entity_type: "lead",
            entity_id: Some(lead_id.0),
            before: Some(serde_json::json!({
                "company_id": state.company, "contact_id": state.contact, "deal_id": state.deal, "detail": detail,
            })),
            after: Some(serde_json::json!({ "status": detail.previous_status })),
        },
    )?;
    Ok(true)
}
