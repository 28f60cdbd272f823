//! `GET /contacts/{id}`: the contact page. Header with status, company card, the deals the
//! contact is on with their role and "Add to deal", inline editable details, attachments,
//! and lazy slots for the timeline area's notes, tasks and activity feed.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::Contacts;
use crate::domain::attachments;
use crate::domain::companies::{self, Company};
use crate::domain::contact_edit;
use crate::domain::contact_list::{STATUSES, status_tone};
use crate::domain::contacts::{self, Contact};
use crate::domain::counts::CappedCount;
use crate::domain::custom_fields;
use crate::domain::deal_contacts::{self, Link as DealLink, ROLES};
use crate::domain::ids::ContactId;
use crate::domain::records::RecordKind;
use crate::domain::related::{self, Link, RelatedDeal};
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::attachments::Section as Attachments;
use crate::web::chrome::{Chrome, Page};
use crate::web::form_data::FormData;
use crate::web::identity::Identity;
use crate::web::nav::Section;
use crate::web::records::fields::{self, FieldView};
use crate::web::records::{RecordType, form_views, lookups};
use crate::web::render::{html, html_with_status};
use crate::web::tags::RecordTags;

const ACTIVITY_CAP: i64 = 1000;

/// The deals a contact is on, with "Add to deal" (an htmx component).
#[derive(Template)]
#[template(path = "contacts/_deals.html")]
pub struct DealsSection {
    pub contact_id: i64,
    pub deals: Vec<RelatedDeal>,
    pub roles: &'static [(&'static str, &'static str)],
    pub can_write: bool,
    pub error: Option<String>,
}

impl askama::filters::HtmlSafe for DealsSection {}

impl DealsSection {
    fn role_label(&self, role: &Option<String>) -> &'static str {
        role.as_deref()
            .map_or("Primary contact", deal_contacts::role_label)
    }
}

#[derive(Template)]
#[template(path = "contacts/show.html")]
struct ContactPage {
    chrome: Chrome,
    contact: Contact,
    name: String,
    status_label: String,
    status_tone: &'static str,
    company: Option<Company>,
    owner_name: Option<String>,
    groups: Vec<(String, Vec<FieldView>)>,
    deals: DealsSection,
    activity_count: CappedCount,
    open_tasks: CappedCount,
    tags: RecordTags,
    attachments: Attachments,
    can_write: bool,
    can_delete: bool,
    base: String,
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
            let contact = contact_edit::find_any(conn, ContactId(id))?.ok_or(AppError::NotFound)?;
            let live = contact.deleted_at.is_none();
            let custom = custom_fields::list(conn, "contact", false)?;
            let mut values = Contacts::values(&contact);
            fields::custom_values(&custom, &contact.custom_fields, &mut values);
            let lookups = lookups(conn, &values)?;
            let owner_name = contact.owner_id.and_then(|owner| {
                lookups
                    .owners
                    .iter()
                    .find(|o| o.id == owner.0)
                    .map(|o| o.name.clone())
            });
            let groups = form_views::<Contacts>(&values, &custom, &Default::default(), &lookups);
            let company = match contact.company_id {
                Some(company) => companies::find(conn, company)?,
                None => None,
            };
            Ok((
                contact,
                company,
                owner_name,
                groups,
                related::contact_deals(conn, id, 50)?,
                related::activity_count(conn, Link::Contact, id, ACTIVITY_CAP)?,
                related::open_task_count(conn, Link::Contact, id, 100)?,
                RecordTags::load(conn, RecordKind::Contact, id, can_write && live)?,
                attachments::list_for(conn, "contact", id)?,
            ))
        })
        .await?;
    let (contact, company, owner_name, groups, deals, activity_count, open_tasks, tags, files) =
        loaded;
    let live = contact.deleted_at.is_none();
    let name = contact.full_name();
    let view = ContactPage {
        chrome: page.chrome(name.clone(), Section::Contacts),
        status_label: crate::domain::company_list::label_of(STATUSES, &contact.status),
        status_tone: status_tone(&contact.status),
        name,
        company,
        owner_name,
        groups,
        deals: DealsSection {
            contact_id: id,
            deals,
            roles: ROLES,
            can_write: can_write && live,
            error: None,
        },
        activity_count,
        open_tasks,
        tags,
        attachments: Attachments {
            entity: "contact".to_owned(),
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
        base: format!("/contacts/{id}"),
        contact,
    };
    html(&view)
}

async fn render_deals(
    state: &AppState,
    identity: &Identity,
    id: i64,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let deals = state
        .db
        .tenant(&identity.scope(), move |conn| {
            contacts::find(conn, ContactId(id))?.ok_or(AppError::NotFound)?;
            Ok(related::contact_deals(conn, id, 50)?)
        })
        .await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html_with_status(
        status,
        &DealsSection {
            contact_id: id,
            deals,
            roles: ROLES,
            can_write: identity.can(Permission::RecordsWrite),
            error,
        },
    )
}

/// `GET /contacts/{id}/deals`.
pub async fn deals_section(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    render_deals(&state, &identity, path.into_inner(), None).await
}

/// `POST /contacts/{id}/deals`: puts the contact on a deal with a role.
pub async fn add_to_deal(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let id = path.into_inner();
    let form = FormData::new(form.into_inner());
    let role = form.text("role");
    let Ok(deal_id) = form.text("deal_id").parse::<i64>() else {
        return render_deals(&state, &identity, id, Some("Choose a deal.".to_owned())).await;
    };
    if !deal_contacts::valid_role(&role) {
        return render_deals(
            &state,
            &identity,
            id,
            Some("Choose the contact's role on the deal.".to_owned()),
        )
        .await;
    }
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let outcome = state
        .db
        .tenant(&identity.scope(), move |conn| {
            contacts::find(conn, ContactId(id))?.ok_or(AppError::NotFound)?;
            if !deal_contacts::deal_visible(conn, deal_id)? {
                return Ok(Some("That deal no longer exists.".to_owned()));
            }
            deal_contacts::upsert(
                conn,
                tenant,
                Some(actor),
                &DealLink {
                    deal_id,
                    contact_id: id,
                    is_champion: role == "champion",
                    role,
                    influence_level: None,
                },
            )?;
            Ok(None)
        })
        .await?;
    render_deals(&state, &identity, id, outcome).await
}

impl ContactPage {
    fn initials(&self) -> String {
        self.name
            .split_whitespace()
            .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
            .take(2)
            .flat_map(char::to_uppercase)
            .collect()
    }
}
