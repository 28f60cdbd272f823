//! Record pages shared by companies, contacts and leads: the new/edit form with inline
//! validation, inline editing of one field on the detail page (htmx), soft delete and
//! restore. Each entity implements [`RecordType`]; its detail page is its own.

pub mod fields;
pub mod inline;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use diesel::PgConnection;
use diesel::QueryResult;

use crate::domain::custom_fields::{self, FieldDefinition};
use crate::domain::ids::{TenantId, UserId};
use crate::domain::records::{self, RecordKind};
use crate::domain::roles::Permission;
use crate::domain::visibility;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::flash::{self, Flash};
use crate::web::form_data::FormData;
use crate::web::nav::Section;
use crate::web::render::html_with_status;
use fields::{Errors, FieldDef, FieldView, Lookups, Values};

/// What the shared record pages need from an entity.
pub trait RecordType: Send + Sync + 'static {
    type Record: Send + 'static;
    type Changes: Send + 'static;
    const KIND: RecordKind;
    /// "Company".
    const TITLE: &'static str;
    const SECTION: Section;

    fn fields() -> &'static [FieldDef];
    fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Self::Record>>;
    fn name(record: &Self::Record) -> String;
    fn custom_values(record: &Self::Record) -> &serde_json::Value;
    /// The built-in values as the form shows them.
    fn values(record: &Self::Record) -> Values;
    /// A new record's starting values.
    fn blank(me: UserId) -> Values;
    /// Values given in the new-record URL (`/contacts/new?company_id=5`).
    fn prefill(_values: &mut Values, _query: &FormData) {}
    /// Checks every value; `stored_custom` keeps custom values the form does not show.
    fn parse(
        values: &Values,
        fields: &[FieldDefinition],
        stored_custom: &serde_json::Value,
    ) -> Result<Self::Changes, Errors>;
    fn owner(changes: &Self::Changes) -> Option<i64>;
    /// A company the changes link to (checked to be visible).
    fn company(_changes: &Self::Changes) -> Option<i64> {
        None
    }
    /// Rules that need the database (e.g. a deal closing needs its reason). `id` is None
    /// for a new record.
    fn check(
        _conn: &mut PgConnection,
        _id: Option<i64>,
        _changes: &Self::Changes,
        _errors: &mut Errors,
    ) -> QueryResult<()> {
        Ok(())
    }
    fn create(
        conn: &mut PgConnection,
        tenant: TenantId,
        actor: UserId,
        changes: Self::Changes,
    ) -> QueryResult<i64>;
    fn update(
        conn: &mut PgConnection,
        tenant: TenantId,
        actor: UserId,
        id: i64,
        changes: &Self::Changes,
    ) -> QueryResult<bool>;
}

#[derive(Template)]
#[template(path = "records/form.html")]
struct FormPage {
    chrome: Chrome,
    heading: String,
    action: String,
    cancel: String,
    submit: &'static str,
    groups: Vec<(String, Vec<FieldView>)>,
    error_count: usize,
}

/// All field views of a form, grouped.
pub fn form_views<T: RecordType>(
    values: &Values,
    custom: &[FieldDefinition],
    errors: &Errors,
    lookups: &Lookups,
) -> Vec<(String, Vec<FieldView>)> {
    let mut groups: Vec<(String, Vec<FieldView>)> = Vec::new();
    let views = T::fields()
        .iter()
        .map(|def| fields::view(def, values, errors, lookups))
        .chain(
            custom
                .iter()
                .map(|field| fields::custom_view(field, values, errors)),
        );
    for view in views {
        match groups.iter_mut().find(|(name, _)| *name == view.group) {
            Some((_, list)) => list.push(view),
            None => groups.push((view.group.clone(), vec![view])),
        }
    }
    groups
}

/// Owner choices and the linked company's name, for drawing values.
pub fn lookups(conn: &mut PgConnection, values: &Values) -> QueryResult<Lookups> {
    let company = match fields::one(values, "company_id").parse::<i64>() {
        Ok(id) => crate::domain::companies::find(conn, crate::domain::ids::CompanyId(id))?
            .map(|company| (company.id.0, company.name)),
        Err(_) => None,
    };
    Ok(Lookups {
        owners: visibility::owner_choices(conn)?,
        company,
        currency: fields::one(values, "currency").to_owned(),
        // Only deal forms carry a stage.
        stages: if values.contains_key("stage_id") {
            crate::domain::deal_stages::choices(conn, true)?
        } else {
            Vec::new()
        },
    })
}

fn form_values(form: &FormData) -> Values {
    form.grouped()
}

async fn render_form<T: RecordType>(
    page: &Page,
    state: &AppState,
    values: Values,
    errors: Errors,
    existing: Option<(i64, String)>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = page.identity.scope();
    let lookup_values = values.clone();
    let (custom, lookups) = state
        .db
        .tenant(&scope, move |conn| {
            Ok((
                custom_fields::list(conn, T::KIND.entity(), false)?,
                lookups(conn, &lookup_values)?,
            ))
        })
        .await?;
    let path = T::KIND.path();
    let (heading, action, cancel, submit) = match &existing {
        Some((id, name)) => (
            format!("Edit {name}"),
            format!("{path}/{id}"),
            format!("{path}/{id}"),
            "Save changes",
        ),
        None => (
            format!("New {}", T::TITLE.to_lowercase()),
            path.to_owned(),
            path.to_owned(),
            "Create",
        ),
    };
    let error_count = errors.len();
    let view = FormPage {
        chrome: page.chrome(heading.clone(), T::SECTION),
        heading,
        action,
        cancel,
        submit,
        groups: form_views::<T>(&values, &custom, &errors, &lookups),
        error_count,
    };
    html_with_status(status, &view)
}

/// `GET /<entities>/new`.
pub async fn new_form<T: RecordType>(
    req: &HttpRequest,
    page: Page,
    state: &AppState,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::RecordsWrite)?;
    let mut values = T::blank(page.identity.user_id);
    let query = FormData::new(
        form_urlencoded::parse(req.query_string().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    );
    T::prefill(&mut values, &query);
    render_form::<T>(&page, state, values, Errors::new(), None, StatusCode::OK).await
}

/// Checks what the database would refuse anyway, with messages next to the fields.
fn check_links<T: RecordType>(
    conn: &mut PgConnection,
    id: Option<i64>,
    changes: &T::Changes,
    errors: &mut Errors,
) -> QueryResult<()> {
    T::check(conn, id, changes, errors)?;
    if let Some(owner) = T::owner(changes)
        && !visibility::can_assign(conn, owner)?
    {
        errors.insert(
            "owner_id".to_owned(),
            "You can only choose an owner whose records you can see.".to_owned(),
        );
    }
    if let Some(company) = T::company(changes)
        && crate::domain::companies::find(conn, crate::domain::ids::CompanyId(company))?.is_none()
    {
        errors.insert(
            "company_id".to_owned(),
            "That company no longer exists.".to_owned(),
        );
    }
    Ok(())
}

/// `POST /<entities>`.
pub async fn create<T: RecordType>(
    req: HttpRequest,
    page: Page,
    state: &AppState,
    form: FormData,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::RecordsWrite)?;
    let values = form_values(&form);
    let tenant = page.identity.tenant_id;
    let actor = page.identity.user_id;
    let submitted = values.clone();
    let outcome = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            let custom = custom_fields::list(conn, T::KIND.entity(), false)?;
            let changes = match T::parse(&submitted, &custom, &serde_json::json!({})) {
                Ok(changes) => changes,
                Err(errors) => return Ok(Err(errors)),
            };
            let mut errors = Errors::new();
            check_links::<T>(conn, None, &changes, &mut errors)?;
            if !errors.is_empty() {
                return Ok(Err(errors));
            }
            Ok(Ok(T::create(conn, tenant, actor, changes)?))
        })
        .await?;
    match outcome {
        Ok(id) => Ok(flash::redirect(
            &req,
            &format!("{}/{id}", T::KIND.path()),
            Flash::success(format!("{} created.", T::TITLE)),
        )),
        Err(errors) => {
            render_form::<T>(
                &page,
                state,
                values,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The record's current values (built-in and custom), or 404.
async fn current<T: RecordType>(
    state: &AppState,
    page_scope: &crate::db::TenantScope,
    id: i64,
) -> Result<(String, Values), AppError> {
    state
        .db
        .tenant(page_scope, move |conn| {
            let record = T::find(conn, id)?.ok_or(AppError::NotFound)?;
            let custom = custom_fields::list(conn, T::KIND.entity(), false)?;
            let mut values = T::values(&record);
            fields::custom_values(&custom, T::custom_values(&record), &mut values);
            Ok((T::name(&record), values))
        })
        .await
}

/// `GET /<entities>/{id}/edit`.
pub async fn edit_form<T: RecordType>(
    page: Page,
    state: &AppState,
    id: i64,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::RecordsWrite)?;
    let (name, values) = current::<T>(state, &page.identity.scope(), id).await?;
    render_form::<T>(
        &page,
        state,
        values,
        Errors::new(),
        Some((id, name)),
        StatusCode::OK,
    )
    .await
}

/// Applies new values to a record: parse, check links, update. Err holds field errors.
pub fn save<T: RecordType>(
    conn: &mut PgConnection,
    tenant: TenantId,
    actor: UserId,
    id: i64,
    values: &Values,
) -> Result<Result<(), Errors>, AppError> {
    let record = T::find(conn, id)?.ok_or(AppError::NotFound)?;
    let custom = custom_fields::list(conn, T::KIND.entity(), false)?;
    let changes = match T::parse(values, &custom, T::custom_values(&record)) {
        Ok(changes) => changes,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut errors = Errors::new();
    check_links::<T>(conn, Some(id), &changes, &mut errors)?;
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    if !T::update(conn, tenant, actor, id, &changes)? {
        return Err(AppError::NotFound);
    }
    Ok(Ok(()))
}

/// `POST /<entities>/{id}`.
pub async fn update<T: RecordType>(
    req: HttpRequest,
    page: Page,
    state: &AppState,
    id: i64,
    form: FormData,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::RecordsWrite)?;
    let values = form_values(&form);
    let tenant = page.identity.tenant_id;
    let actor = page.identity.user_id;
    let submitted = values.clone();
    let outcome = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            save::<T>(conn, tenant, actor, id, &submitted)
        })
        .await?;
    match outcome {
        Ok(()) => Ok(flash::redirect(
            &req,
            &format!("{}/{id}", T::KIND.path()),
            Flash::success("Changes saved."),
        )),
        Err(errors) => {
            let (name, _) = current::<T>(state, &page.identity.scope(), id).await?;
            render_form::<T>(
                &page,
                state,
                values,
                errors,
                Some((id, name)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `POST /<entities>/{id}/delete`: soft delete.
pub async fn delete<T: RecordType>(
    req: HttpRequest,
    identity: crate::web::identity::Identity,
    state: &AppState,
    id: i64,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsDelete)?;
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let deleted = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(records::soft_delete(
                conn,
                tenant,
                Some(actor),
                T::KIND,
                &[id],
            )?)
        })
        .await?;
    if deleted.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(flash::redirect(
        &req,
        &format!("{}/{id}", T::KIND.path()),
        Flash::info(format!(
            "{} deleted. You can restore it from this page or the deleted list.",
            T::TITLE
        )),
    ))
}

/// `POST /<entities>/{id}/restore`.
pub async fn restore<T: RecordType>(
    req: HttpRequest,
    identity: crate::web::identity::Identity,
    state: &AppState,
    id: i64,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsDelete)?;
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let restored = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(records::restore(conn, tenant, Some(actor), T::KIND, &[id])?)
        })
        .await?;
    if restored.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(flash::redirect(
        &req,
        &format!("{}/{id}", T::KIND.path()),
        Flash::success(format!("{} restored.", T::TITLE)),
    ))
}
