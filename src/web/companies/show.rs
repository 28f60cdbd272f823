//! `GET /companies/{id}`: the company page. Header card with tags and badges, inline
//! editable details, contacts, deals with stage and amount, attachments, and lazy slots for
//! the timeline area's notes, tasks and activity feed.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::Companies;
use crate::domain::attachments;
use crate::domain::companies::Company;
use crate::domain::company_edit;
use crate::domain::counts::CappedCount;
use crate::domain::custom_fields;
use crate::domain::ids::CompanyId;
use crate::domain::records::RecordKind;
use crate::domain::related::{self, Link, RelatedContact, RelatedDeal};
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::attachments::Section as Attachments;
use crate::web::chrome::{Chrome, Page};
use crate::web::nav::Section;
use crate::web::records::fields::{self, FieldView};
use crate::web::records::{RecordType, form_views, lookups};
use crate::web::render::html;
use crate::web::tags::RecordTags;

/// How many contacts and deals the page lists before "View all".
const SHOWN: i64 = 25;
/// Activity counts stop here ("1,000+").
const ACTIVITY_CAP: i64 = 1000;

#[derive(Template)]
#[template(path = "companies/show.html")]
struct CompanyPage {
    chrome: Chrome,
    company: Company,
    owner_name: Option<String>,
    groups: Vec<(String, Vec<FieldView>)>,
    contacts: Vec<RelatedContact>,
    contact_count: CappedCount,
    deals: Vec<RelatedDeal>,
    deal_count: CappedCount,
    activity_count: CappedCount,
    open_tasks: CappedCount,
    tags: RecordTags,
    attachments: Attachments,
    can_write: bool,
    can_delete: bool,
    base: String,
}

impl CompanyPage {
    fn initials(&self) -> String {
        self.company
            .name
            .split_whitespace()
            .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
            .take(2)
            .flat_map(char::to_uppercase)
            .collect()
    }

    fn tier_label(&self) -> Option<String> {
        self.company.account_tier.as_deref().map(|tier| {
            crate::domain::company_list::label_of(crate::domain::company_list::ACCOUNT_TIERS, tier)
        })
    }
}

pub async fn show(
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let identity = &page.identity;
    identity.require(Permission::RecordsRead)?;
    let id = path.into_inner();
    let can_write = identity.can(Permission::RecordsWrite);
    let loaded = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let company = company_edit::find_any(conn, CompanyId(id))?.ok_or(AppError::NotFound)?;
            let live = company.deleted_at.is_none();
            let custom = custom_fields::list(conn, "company", false)?;
            let mut values = Companies::values(&company);
            fields::custom_values(&custom, &company.custom_fields, &mut values);
            let lookups = lookups(conn, &values)?;
            let owner_name = company.owner_id.and_then(|owner| {
                lookups
                    .owners
                    .iter()
                    .find(|o| o.id == owner.0)
                    .map(|o| o.name.clone())
            });
            let groups = form_views::<Companies>(&values, &custom, &Default::default(), &lookups);
            let tags = RecordTags::load(conn, RecordKind::Company, id, can_write && live)?;
            Ok((
                company,
                owner_name,
                groups,
                related::company_contacts(conn, id, SHOWN)?,
                related::contact_count(conn, id, 1000)?,
                related::company_deals(conn, id, SHOWN)?,
                related::deal_count(conn, id, 1000)?,
                related::activity_count(conn, Link::Company, id, ACTIVITY_CAP)?,
                related::open_task_count(conn, Link::Company, id, 100)?,
                tags,
                attachments::list_for(conn, "company", id)?,
            ))
        })
        .await?;
    let (
        company,
        owner_name,
        groups,
        contacts,
        contact_count,
        deals,
        deal_count,
        activity_count,
        open_tasks,
        tags,
        files,
    ) = loaded;
    let live = company.deleted_at.is_none();
    let view = CompanyPage {
        chrome: page.chrome(company.name.clone(), Section::Companies),
        owner_name,
        groups,
        contacts,
        contact_count,
        deals,
        deal_count,
        activity_count,
        open_tasks,
        tags,
        attachments: Attachments {
            entity: "company".to_owned(),
            record_id: id,
            items: files,
            can_write: can_write && live,
            can_delete: identity.can(Permission::RecordsDelete),
            max_mb: state.settings.attachment_max_mb,
            error: None,
            csrf_token: identity.csrf_token().unwrap_or_default().to_owned(),
        },
        can_write: can_write && live,
        can_delete: identity.can(Permission::RecordsDelete),
        base: format!("/companies/{id}"),
        company,
    };
    html(&view)
}
