//! `GET /leads/{id}`: the lead page (status, rating, score, BANT, details) with the
//! conversion panel: reuse the matching company and contact or create them, optionally
//! open a deal, all in one step; once converted, links to what it became and "Undo".

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;

use super::Leads;
use crate::domain::companies::{self, Company};
use crate::domain::contacts::{self, Contact};
use crate::domain::counts::CappedCount;
use crate::domain::custom_fields;
use crate::domain::deals;
use crate::domain::ids::{CompanyId, ContactId, LeadId};
use crate::domain::lead_conversion::{
    self, CompanyChoice, ContactChoice, ConvertError, DealPlan, Plan,
};
use crate::domain::lead_edit;
use crate::domain::lead_list::{RATINGS, STATUSES, rating_tone, status_tone};
use crate::domain::leads::Lead;
use crate::domain::records::RecordKind;
use crate::domain::related::{self, Link};
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::flash::{self, Flash};
use crate::web::form_data::FormData;
use crate::web::nav::Section;
use crate::web::records::fields::{self, FieldView, parse_money};
use crate::web::records::{RecordType, form_views, lookups};
use crate::web::render::html_with_status;
use crate::web::tags::RecordTags;

/// The conversion form as shown (the person's input kept on errors).
struct ConvertForm {
    company_choice: String,
    company_id: String,
    company_label: String,
    company_name: String,
    contact_choice: String,
    create_deal: bool,
    deal_title: String,
    deal_amount: String,
    deal_close: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "leads/show.html")]
struct LeadPage {
    chrome: Chrome,
    lead: Lead,
    name: String,
    status_label: String,
    status_tone: &'static str,
    rating_label: Option<String>,
    rating_tone: &'static str,
    groups: Vec<(String, Vec<FieldView>)>,
    matched_company: Option<Company>,
    matched_contact: Option<Contact>,
    converted_company: Option<Company>,
    converted_contact: Option<Contact>,
    converted_deal: Option<(i64, String)>,
    disqualified_by: Option<String>,
    activity_count: CappedCount,
    tags: RecordTags,
    form: ConvertForm,
    can_write: bool,
    can_delete: bool,
    base: String,
}

async fn render(
    page: &Page,
    state: &AppState,
    id: i64,
    form: Option<ConvertForm>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let identity = &page.identity;
    identity.require(Permission::RecordsRead)?;
    let can_write = identity.can(Permission::RecordsWrite);
    let loaded = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let lead = lead_edit::find_any(conn, LeadId(id))?.ok_or(AppError::NotFound)?;
            let live = lead.deleted_at.is_none();
            let custom = custom_fields::list(conn, "lead", false)?;
            let mut values = Leads::values(&lead);
            fields::custom_values(&custom, &lead.custom_fields, &mut values);
            let lookups = lookups(conn, &values)?;
            let groups = form_views::<Leads>(&values, &custom, &Default::default(), &lookups);
            let matches = if lead.status == "converted" {
                Default::default()
            } else {
                lead_conversion::matches(conn, &lead)?
            };
            let converted_company = match lead.converted_company_id {
                Some(company) => companies::find(conn, company)?,
                None => None,
            };
            let converted_contact = match lead.converted_contact_id {
                Some(contact) => contacts::find(conn, contact)?,
                None => None,
            };
            let converted_deal = match lead.converted_deal_id {
                Some(deal) => deals::find(conn, deal)?.map(|d| (d.id.0, d.title)),
                None => None,
            };
            Ok((
                groups,
                matches,
                converted_company,
                converted_contact,
                converted_deal,
                lead_edit::disqualified_by(conn, lead.id)?,
                related::activity_count(conn, Link::Lead, id, 1000)?,
                RecordTags::load(conn, RecordKind::Lead, id, can_write && live)?,
                lead,
            ))
        })
        .await?;
    let (
        groups,
        matches,
        converted_company,
        converted_contact,
        converted_deal,
        disqualified_by,
        activity_count,
        tags,
        lead,
    ) = loaded;
    let name = Leads::name(&lead);
    let form = form.unwrap_or_else(|| ConvertForm {
        company_choice: if matches.company.is_some() {
            "existing"
        } else if lead.company_name.is_some() {
            "new"
        } else {
            "none"
        }
        .to_owned(),
        company_id: matches
            .company
            .as_ref()
            .map(|c| c.id.to_string())
            .unwrap_or_default(),
        company_label: matches
            .company
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        company_name: lead.company_name.clone().unwrap_or_default(),
        contact_choice: if matches.contact.is_some() {
            "existing"
        } else {
            "new"
        }
        .to_owned(),
        create_deal: true,
        deal_title: format!("{} deal", lead.company_name.as_deref().unwrap_or(&name)),
        deal_amount: String::new(),
        deal_close: String::new(),
        error: None,
    });
    let view = LeadPage {
        chrome: page.chrome(name.clone(), Section::Leads),
        status_label: crate::domain::company_list::label_of(STATUSES, &lead.status),
        status_tone: status_tone(&lead.status),
        rating_label: lead
            .rating
            .as_deref()
            .map(|r| crate::domain::company_list::label_of(RATINGS, r)),
        rating_tone: lead.rating.as_deref().map_or("", rating_tone),
        name,
        groups,
        matched_company: matches.company,
        matched_contact: matches.contact,
        converted_company,
        converted_contact,
        converted_deal,
        disqualified_by,
        activity_count,
        tags,
        form,
        can_write: can_write && lead.deleted_at.is_none(),
        can_delete: identity.can(Permission::RecordsDelete),
        base: format!("/leads/{id}"),
        lead,
    };
    html_with_status(status, &view)
}

pub async fn show(
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    render(&page, &state, path.into_inner(), None, StatusCode::OK).await
}

/// Reads the conversion form into a plan, or the form back with a message.
fn plan_from(form: &FormData) -> Result<Plan, String> {
    let company = match form.text("company_choice").as_str() {
        "existing" => match form.text("company_id").parse::<i64>() {
            Ok(id) => CompanyChoice::Existing(CompanyId(id)),
            Err(_) => return Err("Pick the existing company, or create a new one.".to_owned()),
        },
        "new" => CompanyChoice::New(form.text("company_name")),
        _ => CompanyChoice::None,
    };
    let contact = match (
        form.text("contact_choice").as_str(),
        form.text("contact_id").parse::<i64>(),
    ) {
        ("existing", Ok(id)) => ContactChoice::Existing(ContactId(id)),
        _ => ContactChoice::New,
    };
    let deal = if form.checked("create_deal") {
        let amount = match form.optional("deal_amount") {
            Some(text) => parse_money(&text)
                .ok_or_else(|| "Enter the deal amount like 12,500 or 12500.50.".to_owned())?,
            None => 0,
        };
        let close = match form.optional("deal_close") {
            Some(text) => Some(
                NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                    .map_err(|_| "Enter the close date as YYYY-MM-DD.".to_owned())?,
            ),
            None => None,
        };
        Some(DealPlan {
            title: form.text("deal_title"),
            amount_minor: amount,
            expected_close_date: close,
        })
    } else {
        None
    };
    Ok(Plan {
        company,
        contact,
        deal,
    })
}

/// `POST /leads/{id}/convert`.
pub async fn convert(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::RecordsWrite)?;
    let id = path.into_inner();
    let form = FormData::new(form.into_inner());
    let kept = |error: String| ConvertForm {
        company_choice: form.text("company_choice"),
        company_id: form.text("company_id"),
        company_label: form.text("picker_q"),
        company_name: form.text("company_name"),
        contact_choice: form.text("contact_choice"),
        create_deal: form.checked("create_deal"),
        deal_title: form.text("deal_title"),
        deal_amount: form.text("deal_amount"),
        deal_close: form.text("deal_close"),
        error: Some(error),
    };
    let plan = match plan_from(&form) {
        Ok(plan) => plan,
        Err(message) => {
            return render(
                &page,
                &state,
                id,
                Some(kept(message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let tenant = page.identity.tenant_id;
    let actor = page.identity.user_id;
    let outcome = state
        .db
        .tenant(
            &page.identity.scope(),
            move |conn| match lead_conversion::convert(conn, tenant, actor, LeadId(id), &plan) {
                Ok(done) => Ok(Ok(done)),
                Err(ConvertError::Invalid(message)) => Ok(Err(message)),
                Err(ConvertError::Database(err)) => Err(AppError::Database(err)),
            },
        )
        .await?;
    match outcome {
        Ok(_) => Ok(flash::redirect(
            &req,
            &format!("/leads/{id}"),
            Flash::success("Lead converted."),
        )),
        Err(message) => {
            render(
                &page,
                &state,
                id,
                Some(kept(message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `POST /leads/{id}/unconvert`.
pub async fn unconvert(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::RecordsWrite)?;
    let id = path.into_inner();
    let tenant = page.identity.tenant_id;
    let actor = page.identity.user_id;
    let undone = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            Ok(lead_conversion::undo(conn, tenant, actor, LeadId(id))?)
        })
        .await?;
    if !undone {
        return Err(AppError::NotFound);
    }
    Ok(flash::redirect(
        &req,
        &format!("/leads/{id}"),
        Flash::success("Conversion undone. What it created was removed."),
    ))
}
