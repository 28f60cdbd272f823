//! Contacts: the list, the record form and inline edits, the detail page (with the deals
//! the contact is on and "Add to deal").

mod show;

use actix_web::{HttpRequest, HttpResponse, web};
use diesel::PgConnection;
use diesel::QueryResult;

use crate::domain::contact_edit::{self, ContactChanges};
use crate::domain::contact_list::{self, SOURCES, STATUSES};
use crate::domain::contacts::{self, Contact};
use crate::domain::custom_fields::FieldDefinition;
use crate::domain::ids::{CompanyId, ContactId, TenantId, UserId};
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
    cfg.route("/contacts", web::get().to(index))
        .route("/contacts", web::post().to(create))
        .route("/contacts/new", web::get().to(new_form))
        .route("/contacts/count", web::get().to(count))
        .route("/contacts/export.csv", web::get().to(export))
        .route("/contacts/bulk", web::post().to(bulk))
        .route("/contacts/{id}", web::get().to(show::show))
        .route("/contacts/{id}", web::post().to(update))
        .route("/contacts/{id}/edit", web::get().to(edit_form))
        .route("/contacts/{id}/delete", web::post().to(delete))
        .route("/contacts/{id}/restore", web::post().to(restore))
        .route("/contacts/{id}/deals", web::get().to(show::deals_section))
        .route("/contacts/{id}/deals", web::post().to(show::add_to_deal))
        .route("/contacts/{id}/fields/{name}", web::get().to(field_show))
        .route("/contacts/{id}/fields/{name}", web::post().to(field_update))
        .route(
            "/contacts/{id}/fields/{name}/edit",
            web::get().to(field_edit),
        );
}

pub static LIST: ListConfig = ListConfig {
    title: "Contacts",
    singular: "contact",
    new_label: "New contact",
    section: Section::Contacts,
    bulk_choice: Some(BulkChoice {
        field: "status",
        label: "Status",
        options: STATUSES,
    }),
};

const DETAILS: &str = "Details";
const SOCIAL: &str = "Social and consent";
const ADDRESS: &str = "Address";

static FIELDS: &[FieldDef] = &[
    FieldDef::new("first_name", "First name", Input::Text, DETAILS),
    FieldDef::new("last_name", "Last name", Input::Text, DETAILS),
    FieldDef::new("email", "Email", Input::Email, DETAILS),
    FieldDef::new("additional_emails", "Other emails", Input::Text, DETAILS),
    FieldDef::new("phone", "Phone", Input::Phone, DETAILS),
    FieldDef::new("mobile", "Mobile", Input::Phone, DETAILS),
    FieldDef::new("title", "Title", Input::Text, DETAILS),
    FieldDef::new("department", "Department", Input::Text, DETAILS),
    FieldDef::new("company_id", "Company", Input::Company, DETAILS),
    FieldDef::new("owner_id", "Owner", Input::Owner, DETAILS),
    FieldDef::new("status", "Status", Input::Select(STATUSES), DETAILS).required(),
    FieldDef::new("source", "Source", Input::Select(SOURCES), DETAILS),
    FieldDef::new("birthday", "Birthday", Input::Date, DETAILS),
    FieldDef::new("linkedin_url", "LinkedIn", Input::Url, SOCIAL),
    FieldDef::new("twitter_handle", "Twitter / X", Input::Text, SOCIAL),
    FieldDef::new("email_opt_in", "Email opt-in", Input::Checkbox, SOCIAL),
    FieldDef::new("sms_opt_in", "SMS opt-in", Input::Checkbox, SOCIAL),
    FieldDef::new("do_not_call", "Do not call", Input::Checkbox, SOCIAL),
    FieldDef::new("address_line1", "Address", Input::Text, ADDRESS),
    FieldDef::new("address_line2", "Address line 2", Input::Text, ADDRESS),
    FieldDef::new("city", "City", Input::Text, ADDRESS),
    FieldDef::new("region", "State / region", Input::Text, ADDRESS),
    FieldDef::new("postal_code", "Postal code", Input::Text, ADDRESS),
    FieldDef::new("country", "Country", Input::Text, ADDRESS),
];

pub struct Contacts;

fn put(values: &mut Values, name: &str, value: Option<impl ToString>) {
    fields::set(values, name, value.map(|v| v.to_string()));
}

impl RecordType for Contacts {
    type Record = Contact;
    type Changes = ContactChanges;
    const KIND: RecordKind = RecordKind::Contact;
    const TITLE: &'static str = "Contact";
    const SECTION: Section = Section::Contacts;

    fn fields() -> &'static [FieldDef] {
        FIELDS
    }

    fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Contact>> {
        contacts::find(conn, ContactId(id))
    }

    fn name(record: &Contact) -> String {
        record.full_name()
    }

    fn custom_values(record: &Contact) -> &serde_json::Value {
        &record.custom_fields
    }

    fn values(c: &Contact) -> Values {
        let mut v = Values::new();
        put(&mut v, "first_name", Some(&c.first_name));
        put(&mut v, "last_name", Some(&c.last_name));
        put(&mut v, "email", c.email.as_ref());
        put(
            &mut v,
            "additional_emails",
            (!c.additional_emails.is_empty()).then(|| c.additional_emails.join(", ")),
        );
        put(&mut v, "phone", c.phone.as_ref());
        put(&mut v, "mobile", c.mobile.as_ref());
        put(&mut v, "title", c.title.as_ref());
        put(&mut v, "department", c.department.as_ref());
        put(&mut v, "company_id", c.company_id);
        put(&mut v, "owner_id", c.owner_id);
        put(&mut v, "status", Some(&c.status));
        put(&mut v, "source", c.source.as_ref());
        put(&mut v, "birthday", c.birthday.map(|d| d.format("%Y-%m-%d")));
        put(&mut v, "linkedin_url", c.linkedin_url.as_ref());
        put(&mut v, "twitter_handle", c.twitter_handle.as_ref());
        put(&mut v, "email_opt_in", c.email_opt_in.then_some("true"));
        put(&mut v, "sms_opt_in", c.sms_opt_in.then_some("true"));
        put(&mut v, "do_not_call", c.do_not_call.then_some("true"));
        put(&mut v, "address_line1", c.address_line1.as_ref());
        put(&mut v, "address_line2", c.address_line2.as_ref());
        put(&mut v, "city", c.city.as_ref());
        put(&mut v, "region", c.region.as_ref());
        put(&mut v, "postal_code", c.postal_code.as_ref());
        put(&mut v, "country", c.country.as_ref());
        v
    }

    fn blank(me: UserId) -> Values {
        let mut v = Values::new();
        put(&mut v, "owner_id", Some(me));
        put(&mut v, "status", Some("new"));
        v
    }

    fn prefill(values: &mut Values, query: &FormData) {
        if let Some(company) = query
            .optional("company_id")
            .filter(|id| id.parse::<i64>().is_ok())
        {
            put(values, "company_id", Some(company));
        }
    }

    fn parse(
        values: &Values,
        custom: &[FieldDefinition],
        stored: &serde_json::Value,
    ) -> Result<ContactChanges, Errors> {
        let mut p = Parser::new(values);
        let first_name = p.text("first_name", 100).unwrap_or_default();
        let last_name = p.text("last_name", 100).unwrap_or_default();
        let email = p.email("email");
        let mut additional = Vec::new();
        for part in fields::one(values, "additional_emails")
            .split([',', ';', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            if fields::valid_email(part) {
                additional.push(part.to_owned());
            } else {
                p.errors.insert(
                    "additional_emails".to_owned(),
                    format!("\"{part}\" is not an email address."),
                );
            }
        }
        if first_name.is_empty()
            && last_name.is_empty()
            && email.is_none()
            && !p.errors.contains_key("email")
        {
            p.errors.insert(
                "first_name".to_owned(),
                "Enter a name or an email address.".to_owned(),
            );
        }
        let (phone, phone_e164) = p.phone("phone");
        let (mobile, mobile_e164) = p.phone("mobile");
        let twitter = p
            .text("twitter_handle", 50)
            .map(|t| t.trim_start_matches('@').to_owned());
        let status = p.choice("status", STATUSES);
        if status.is_none() && !p.errors.contains_key("status") {
            p.errors
                .insert("status".to_owned(), "Choose a status.".to_owned());
        }
        let mut changes = ContactChanges {
            first_name,
            last_name,
            email,
            additional_emails: additional,
            phone,
            phone_e164,
            mobile,
            mobile_e164,
            title: p.text("title", 150),
            department: p.text("department", 150),
            company_id: p.id("company_id").map(CompanyId),
            owner_id: p.id("owner_id").map(UserId),
            status: status.unwrap_or_else(|| "new".to_owned()),
            source: p.choice("source", SOURCES),
            address_line1: p.text("address_line1", 200),
            address_line2: p.text("address_line2", 200),
            city: p.text("city", 100),
            region: p.text("region", 100),
            postal_code: p.text("postal_code", 20),
            country: p.text("country", 100),
            linkedin_url: p.url("linkedin_url"),
            twitter_handle: twitter,
            email_opt_in: p.checkbox("email_opt_in"),
            sms_opt_in: p.checkbox("sms_opt_in"),
            do_not_call: p.checkbox("do_not_call"),
            birthday: p.date("birthday"),
            custom_fields: serde_json::json!({}),
        };
        let mut errors = p.errors;
        changes.custom_fields = fields::parse_custom(custom, values, stored, &mut errors);
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(errors)
        }
    }

    fn owner(changes: &ContactChanges) -> Option<i64> {
        changes.owner_id.map(|id| id.0)
    }

    fn company(changes: &ContactChanges) -> Option<i64> {
        changes.company_id.map(|id| id.0)
    }

    fn create(
        conn: &mut PgConnection,
        tenant: TenantId,
        actor: UserId,
        changes: ContactChanges,
    ) -> QueryResult<i64> {
        let new = changes.into_new(tenant, Some(actor));
        Ok(contacts::create(conn, &new, Some(actor))?.id.0)
    }

    fn update(
        conn: &mut PgConnection,
        tenant: TenantId,
        actor: UserId,
        id: i64,
        changes: &ContactChanges,
    ) -> QueryResult<bool> {
        Ok(contact_edit::update(conn, tenant, Some(actor), ContactId(id), changes)?.is_some())
    }
}

async fn index(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    lists::list_page(&req, &page, &state, &contact_list::SPEC, &LIST).await
}

async fn count(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    lists::exact_count(&req, &identity, &state, &contact_list::SPEC).await
}

async fn export(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    lists::export::export(&req, &identity, &state, &contact_list::SPEC).await
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
        RecordKind::Contact,
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
    records::new_form::<Contacts>(&req, page, &state).await
}

async fn create(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    records::create::<Contacts>(req, page, &state, FormData::new(form.into_inner())).await
}

async fn edit_form(
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    records::edit_form::<Contacts>(page, &state, path.into_inner()).await
}

async fn update(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    records::update::<Contacts>(
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
    records::delete::<Contacts>(req, identity, &state, path.into_inner()).await
}

async fn restore(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    records::restore::<Contacts>(req, identity, &state, path.into_inner()).await
}

async fn field_show(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, name) = path.into_inner();
    inline::show::<Contacts>(identity, &state, id, name).await
}

async fn field_edit(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, name) = path.into_inner();
    inline::edit::<Contacts>(identity, &state, id, name).await
}

async fn field_update(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, name) = path.into_inner();
    inline::update::<Contacts>(identity, &state, id, name, FormData::new(form.into_inner())).await
}
