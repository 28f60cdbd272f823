//! Leads: the list, the record form and inline edits, the detail page with BANT and
//! conversion (company + contact + deal in one step, undoable).

mod show;

use actix_web::{HttpRequest, HttpResponse, web};
use diesel::PgConnection;
use diesel::QueryResult;

use crate::domain::custom_fields::FieldDefinition;
use crate::domain::ids::{LeadId, TenantId, UserId};
use crate::domain::lead_edit::{self, LeadChanges};
use crate::domain::lead_list::{self, RATINGS, STATUSES};
use crate::domain::leads::{self, Lead};
use crate::domain::records::RecordKind;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::Page;
use crate::web::form_data::FormData;
use crate::web::identity::Identity;
use crate::web::lists::{self, BulkChoice, ListConfig};
use crate::web::nav::Section;
use crate::web::records::fields::{self, Errors, FieldDef, Input, Parser, Values};
use crate::web::records::{self, RecordType, inline};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/leads", web::get().to(index))
        .route("/leads", web::post().to(create))
        .route("/leads/new", web::get().to(new_form))
        .route("/leads/count", web::get().to(count))
        .route("/leads/export.csv", web::get().to(export))
        .route("/leads/bulk", web::post().to(bulk))
        .route("/leads/{id}", web::get().to(show::show))
        .route("/leads/{id}", web::post().to(update))
        .route("/leads/{id}/edit", web::get().to(edit_form))
        .route("/leads/{id}/delete", web::post().to(delete))
        .route("/leads/{id}/restore", web::post().to(restore))
        .route("/leads/{id}/convert", web::post().to(show::convert))
        .route("/leads/{id}/unconvert", web::post().to(show::unconvert))
        .route("/leads/{id}/fields/{name}", web::get().to(field_show))
        .route("/leads/{id}/fields/{name}", web::post().to(field_update))
        .route("/leads/{id}/fields/{name}/edit", web::get().to(field_edit));
}

/// Statuses a person may choose; "converted" is set by converting.
const EDITABLE_STATUSES: &[(&str, &str)] = &[
    ("new", "New"),
    ("working", "Working"),
    ("nurturing", "Nurturing"),
    ("qualified", "Qualified"),
    ("disqualified", "Disqualified"),
];

pub static LIST: ListConfig = ListConfig {
    title: "Leads",
    singular: "lead",
    new_label: "New lead",
    section: Section::Leads,
    bulk_choice: Some(BulkChoice {
        field: "status",
        label: "Status",
        options: EDITABLE_STATUSES,
    }),
};

const DETAILS: &str = "Details";
const ORIGIN: &str = "Source";
const BANT: &str = "Qualification (BANT)";

static FIELDS: &[FieldDef] = &[
    FieldDef::new("first_name", "First name", Input::Text, DETAILS),
    FieldDef::new("last_name", "Last name", Input::Text, DETAILS),
    FieldDef::new("company_name", "Company", Input::Text, DETAILS),
    FieldDef::new("email", "Email", Input::Email, DETAILS),
    FieldDef::new("phone", "Phone", Input::Phone, DETAILS),
    FieldDef::new("title", "Title", Input::Text, DETAILS),
    FieldDef::new("owner_id", "Owner", Input::Owner, DETAILS),
    FieldDef::new("status", "Status", Input::Select(STATUSES), DETAILS).required(),
    FieldDef::new("rating", "Rating", Input::Select(RATINGS), DETAILS),
    FieldDef::new("score", "Score (0–100)", Input::Integer, DETAILS),
    FieldDef::new(
        "disqualified_reason",
        "Disqualification reason",
        Input::LongText,
        DETAILS,
    ),
    FieldDef::new("source", "Source", Input::Text, ORIGIN),
    FieldDef::new("campaign", "Campaign", Input::Text, ORIGIN),
    FieldDef::new("medium", "Medium", Input::Text, ORIGIN),
    FieldDef::new("referrer", "Referrer", Input::Text, ORIGIN),
    FieldDef::new("budget", "Budget", Input::Text, BANT),
    FieldDef::new("authority", "Authority", Input::Text, BANT),
    FieldDef::new("need", "Need", Input::Text, BANT),
    FieldDef::new("timeline", "Timeline", Input::Text, BANT),
];

pub struct Leads;

fn put(values: &mut Values, name: &str, value: Option<impl ToString>) {
    fields::set(values, name, value.map(|v| v.to_string()));
}

impl RecordType for Leads {
    type Record = Lead;
    type Changes = LeadChanges;
    const KIND: RecordKind = RecordKind::Lead;
    const TITLE: &'static str = "Lead";
    const SECTION: Section = Section::Leads;

    fn fields() -> &'static [FieldDef] {
        FIELDS
    }

    fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Lead>> {
        leads::find(conn, LeadId(id))
    }

    fn name(l: &Lead) -> String {
        lead_list::lead_name(
            &l.first_name,
            &l.last_name,
            l.email.as_deref(),
            l.company_name.as_deref(),
        )
    }

    fn custom_values(record: &Lead) -> &serde_json::Value {
        &record.custom_fields
    }

    fn values(l: &Lead) -> Values {
        let mut v = Values::new();
        put(&mut v, "first_name", Some(&l.first_name));
        put(&mut v, "last_name", Some(&l.last_name));
        put(&mut v, "company_name", l.company_name.as_ref());
        put(&mut v, "email", l.email.as_ref());
        put(&mut v, "phone", l.phone.as_ref());
        put(&mut v, "title", l.title.as_ref());
        put(&mut v, "owner_id", l.owner_id);
        put(&mut v, "status", Some(&l.status));
        put(&mut v, "rating", l.rating.as_ref());
        put(&mut v, "score", Some(l.score));
        put(
            &mut v,
            "disqualified_reason",
            l.disqualified_reason.as_ref(),
        );
        put(&mut v, "source", l.source.as_ref());
        put(&mut v, "campaign", l.campaign.as_ref());
        put(&mut v, "medium", l.medium.as_ref());
        put(&mut v, "referrer", l.referrer.as_ref());
        put(&mut v, "budget", l.budget.as_ref());
        put(&mut v, "authority", l.authority.as_ref());
        put(&mut v, "need", l.need.as_ref());
        put(&mut v, "timeline", l.timeline.as_ref());
        v
    }

    fn blank(me: UserId) -> Values {
        let mut v = Values::new();
        put(&mut v, "owner_id", Some(me));
        put(&mut v, "status", Some("new"));
        put(&mut v, "score", Some(0));
        v
    }

    fn parse(
        values: &Values,
        custom: &[FieldDefinition],
        stored: &serde_json::Value,
    ) -> Result<LeadChanges, Errors> {
        let mut p = Parser::new(values);
        let first_name = p.text("first_name", 100).unwrap_or_default();
        let last_name = p.text("last_name", 100).unwrap_or_default();
        let company_name = p.text("company_name", 200);
        let email = p.email("email");
        if first_name.is_empty()
            && last_name.is_empty()
            && email.is_none()
            && company_name.is_none()
            && !p.errors.contains_key("email")
        {
            p.errors.insert(
                "first_name".to_owned(),
                "Enter a name, an email or a company.".to_owned(),
            );
        }
        let (phone, phone_e164) = p.phone("phone");
        let status = p.choice("status", STATUSES);
        if status.is_none() && !p.errors.contains_key("status") {
            p.errors
                .insert("status".to_owned(), "Choose a status.".to_owned());
        }
        let score = p.integer("score", 0, 100).unwrap_or(0) as i32;
        let mut changes = LeadChanges {
            first_name,
            last_name,
            company_name,
            email,
            phone,
            phone_e164,
            title: p.text("title", 150),
            source: p.text("source", 100),
            campaign: p.text("campaign", 200),
            medium: p.text("medium", 100),
            referrer: p.text("referrer", 500),
            status: status.unwrap_or_else(|| "new".to_owned()),
            rating: p.choice("rating", RATINGS),
            score,
            budget: p.text("budget", 200),
            authority: p.text("authority", 200),
            need: p.text("need", 500),
            timeline: p.text("timeline", 200),
            owner_id: p.id("owner_id").map(UserId),
            disqualified_reason: p.text("disqualified_reason", 2000),
            custom_fields: serde_json::json!({}),
        };
        let mut errors = p.errors;
        if changes.status == "disqualified" && changes.disqualified_reason.is_none() {
            errors.insert(
                "disqualified_reason".to_owned(),
                "Say why the lead is disqualified.".to_owned(),
            );
        }
        if changes.status != "disqualified" {
            changes.disqualified_reason = None;
        }
        changes.custom_fields = fields::parse_custom(custom, values, stored, &mut errors);
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(errors)
        }
    }

    fn owner(changes: &LeadChanges) -> Option<i64> {
        changes.owner_id.map(|id| id.0)
    }

    fn create(
        conn: &mut PgConnection,
        tenant: TenantId,
        actor: UserId,
        changes: LeadChanges,
    ) -> QueryResult<i64> {
        Ok(lead_edit::create(conn, tenant, Some(actor), &changes)?.id.0)
    }

    fn update(
        conn: &mut PgConnection,
        tenant: TenantId,
        actor: UserId,
        id: i64,
        changes: &LeadChanges,
    ) -> QueryResult<bool> {
        Ok(lead_edit::update(conn, tenant, Some(actor), LeadId(id), changes)?.is_some())
    }
}

async fn index(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    lists::list_page(&req, &page, &state, &lead_list::SPEC, &LIST).await
}

async fn count(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    lists::exact_count(&req, &identity, &state, &lead_list::SPEC).await
}

async fn export(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    lists::export::export(&req, &identity, &state, &lead_list::SPEC).await
}

async fn bulk(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let choice = LIST.bulk_choice.as_ref();
    lists::bulk::bulk(
        &req,
        &identity,
        &state,
        RecordKind::Lead,
        choice,
        FormData::new(form.into_inner()),
    )
    .await
}

async fn new_form(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    records::new_form::<Leads>(&req, page, &state).await
}

async fn create(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    records::create::<Leads>(req, page, &state, FormData::new(form.into_inner())).await
}

async fn edit_form(
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    records::edit_form::<Leads>(page, &state, path.into_inner()).await
}

async fn update(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    records::update::<Leads>(
        req,
        page,
        &state,
        path.into_inner(),
        FormData::new(form.into_inner()),
    )
    .await
}

async fn delete(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    records::delete::<Leads>(req, identity, &state, path.into_inner()).await
}

async fn restore(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    records::restore::<Leads>(req, identity, &state, path.into_inner()).await
}

async fn field_show(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, name) = path.into_inner();
    inline::show::<Leads>(identity, &state, id, name).await
}

async fn field_edit(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, name) = path.into_inner();
    inline::edit::<Leads>(identity, &state, id, name).await
}

async fn field_update(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, name) = path.into_inner();
    inline::update::<Leads>(identity, &state, id, name, FormData::new(form.into_inner())).await
}
