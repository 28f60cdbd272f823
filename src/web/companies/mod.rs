//! Companies: the list, the record form and inline edits, the detail page.

mod show;

use actix_web::{HttpRequest, HttpResponse, web};
use diesel::PgConnection;
use diesel::QueryResult;

use crate::domain::companies::{self, Company};
use crate::domain::company_edit::{self, CompanyChanges};
use crate::domain::company_list::{self, ACCOUNT_TIERS, SIZE_BANDS};
use crate::domain::custom_fields::FieldDefinition;
use crate::domain::ids::{CompanyId, TenantId, UserId};
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
    cfg.route("/companies", web::get().to(index))
        .route("/companies", web::post().to(create))
        .route("/companies/new", web::get().to(new_form))
        .route("/companies/count", web::get().to(count))
        .route("/companies/export.csv", web::get().to(export))
        .route("/companies/bulk", web::post().to(bulk))
        .route("/companies/{id}", web::get().to(show::show))
        .route("/companies/{id}", web::post().to(update))
        .route("/companies/{id}/edit", web::get().to(edit_form))
        .route("/companies/{id}/delete", web::post().to(delete))
        .route("/companies/{id}/restore", web::post().to(restore))
        .route("/companies/{id}/fields/{name}", web::get().to(field_show))
        .route(
            "/companies/{id}/fields/{name}",
            web::post().to(field_update),
        )
        .route(
            "/companies/{id}/fields/{name}/edit",
            web::get().to(field_edit),
        );
}

pub static LIST: ListConfig = ListConfig {
    title: "Companies",
    singular: "company",
    new_label: "New company",
    section: Section::Companies,
    bulk_choice: Some(BulkChoice {
        field: "account_tier",
        label: "Tier",
        options: ACCOUNT_TIERS,
    }),
};

const DETAILS: &str = "Details";
const ADDRESS: &str = "Address";

static FIELDS: &[FieldDef] = &[
    FieldDef::new("name", "Name", Input::Text, DETAILS).required(),
    FieldDef::new("domain", "Domain", Input::Text, DETAILS),
    FieldDef::new("website", "Website", Input::Url, DETAILS),
    FieldDef::new("industry", "Industry", Input::Text, DETAILS),
    FieldDef::new("size_band", "Size", Input::Select(SIZE_BANDS), DETAILS),
    FieldDef::new("employee_count", "Employees", Input::Integer, DETAILS),
    FieldDef::new("annual_revenue", "Annual revenue", Input::Money, DETAILS),
    FieldDef::new("phone", "Phone", Input::Phone, DETAILS),
    FieldDef::new("owner_id", "Owner", Input::Owner, DETAILS),
    FieldDef::new(
        "account_tier",
        "Account tier",
        Input::Select(ACCOUNT_TIERS),
        DETAILS,
    ),
    FieldDef::new(
        "is_target_account",
        "Target account",
        Input::Checkbox,
        DETAILS,
    ),
    FieldDef::new("logo_url", "Logo URL", Input::Url, DETAILS),
    FieldDef::new("description", "Description", Input::LongText, DETAILS),
    FieldDef::new("address_line1", "Address", Input::Text, ADDRESS),
    FieldDef::new("address_line2", "Address line 2", Input::Text, ADDRESS),
    FieldDef::new("city", "City", Input::Text, ADDRESS),
    FieldDef::new("region", "State / region", Input::Text, ADDRESS),
    FieldDef::new("postal_code", "Postal code", Input::Text, ADDRESS),
    FieldDef::new("country", "Country", Input::Text, ADDRESS),
];

pub struct Companies;

fn put(values: &mut Values, name: &str, value: Option<impl ToString>) {
    fields::set(values, name, value.map(|v| v.to_string()));
}

impl RecordType for Companies {
    type Record = Company;
    type Changes = CompanyChanges;
    const KIND: RecordKind = RecordKind::Company;
    const TITLE: &'static str = "Company";
    const SECTION: Section = Section::Companies;

    fn fields() -> &'static [FieldDef] {
        FIELDS
    }

    fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Company>> {
        companies::find(conn, CompanyId(id))
    }

    fn name(record: &Company) -> String {
        record.name.clone()
    }

    fn custom_values(record: &Company) -> &serde_json::Value {
        &record.custom_fields
    }

    fn values(c: &Company) -> Values {
        let mut v = Values::new();
        put(&mut v, "name", Some(&c.name));
        put(&mut v, "domain", c.domain.as_ref());
        put(&mut v, "website", c.website.as_ref());
        put(&mut v, "industry", c.industry.as_ref());
        put(&mut v, "size_band", c.size_band.as_ref());
        put(&mut v, "employee_count", c.employee_count);
        put(
            &mut v,
            "annual_revenue",
            c.annual_revenue_minor.map(fields::money_input),
        );
        put(&mut v, "phone", c.phone.as_ref());
        put(&mut v, "owner_id", c.owner_id);
        put(&mut v, "account_tier", c.account_tier.as_ref());
        put(
            &mut v,
            "is_target_account",
            c.is_target_account.then_some("true"),
        );
        put(&mut v, "logo_url", c.logo_url.as_ref());
        put(&mut v, "description", c.description.as_ref());
        put(&mut v, "address_line1", c.address_line1.as_ref());
        put(&mut v, "address_line2", c.address_line2.as_ref());
        put(&mut v, "city", c.city.as_ref());
        put(&mut v, "region", c.region.as_ref());
        put(&mut v, "postal_code", c.postal_code.as_ref());
        put(&mut v, "country", c.country.as_ref());
        put(&mut v, "currency", Some(&c.currency));
        v
    }

    fn blank(me: UserId) -> Values {
        let mut v = Values::new();
        put(&mut v, "owner_id", Some(me));
        v
    }

    fn parse(
        values: &Values,
        custom: &[FieldDefinition],
        stored: &serde_json::Value,
    ) -> Result<CompanyChanges, Errors> {
        let mut p = Parser::new(values);
        let name = p.required("name", "Name", 200);
        let domain = match p.text("domain", 253) {
            Some(text) => match fields::normalise_domain(&text) {
                Ok(domain) => Some(domain),
                Err(message) => {
                    p.errors.insert("domain".to_owned(), message);
                    None
                }
            },
            None => None,
        };
        let (phone, _) = p.phone("phone");
        let mut changes = CompanyChanges {
            name,
            domain,
            website: p.url("website"),
            industry: p.text("industry", 100),
            size_band: p.choice("size_band", SIZE_BANDS),
            employee_count: p.integer("employee_count", 0, 10_000_000).map(|n| n as i32),
            annual_revenue_minor: p.money("annual_revenue"),
            phone,
            address_line1: p.text("address_line1", 200),
            address_line2: p.text("address_line2", 200),
            city: p.text("city", 100),
            region: p.text("region", 100),
            postal_code: p.text("postal_code", 20),
            country: p.text("country", 100),
            description: p.text("description", 10_000),
            owner_id: p.id("owner_id").map(UserId),
            account_tier: p.choice("account_tier", ACCOUNT_TIERS),
            is_target_account: p.checkbox("is_target_account"),
            logo_url: p.url("logo_url"),
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

    fn owner(changes: &CompanyChanges) -> Option<i64> {
        changes.owner_id.map(|id| id.0)
    }

    fn create(
        conn: &mut PgConnection,
        tenant: TenantId,
        actor: UserId,
        changes: CompanyChanges,
    ) -> QueryResult<i64> {
        let new = changes.into_new(tenant, Some(actor));
        Ok(companies::create(conn, &new, Some(actor))?.id.0)
    }

    fn update(
        conn: &mut PgConnection,
        tenant: TenantId,
        actor: UserId,
        id: i64,
        changes: &CompanyChanges,
    ) -> QueryResult<bool> {
        Ok(company_edit::update(conn, tenant, Some(actor), CompanyId(id), changes)?.is_some())
    }
}

async fn index(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    lists::list_page(&req, &page, &state, &company_list::SPEC, &LIST).await
}

async fn count(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    lists::exact_count(&req, &identity, &state, &company_list::SPEC).await
}

async fn export(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    lists::export::export(&req, &identity, &state, &company_list::SPEC).await
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
        RecordKind::Company,
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
    records::new_form::<Companies>(&req, page, &state).await
}

async fn create(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    records::create::<Companies>(req, page, &state, FormData::new(form.into_inner())).await
}

async fn edit_form(
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    records::edit_form::<Companies>(page, &state, path.into_inner()).await
}

async fn update(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    records::update::<Companies>(
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
    records::delete::<Companies>(req, identity, &state, path.into_inner()).await
}

async fn restore(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    records::restore::<Companies>(req, identity, &state, path.into_inner()).await
}

async fn field_show(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, name) = path.into_inner();
    inline::show::<Companies>(identity, &state, id, name).await
}

async fn field_edit(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, name) = path.into_inner();
    inline::edit::<Companies>(identity, &state, id, name).await
}

async fn field_update(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, name) = path.into_inner();
    inline::update::<Companies>(identity, &state, id, name, FormData::new(form.into_inner())).await
}
