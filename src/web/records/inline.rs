//! Inline editing of one field on a detail page (htmx): `GET …/fields/{name}` shows the
//! value, `GET …/fields/{name}/edit` the editor, `POST …/fields/{name}` saves it and answers
//! with the value (200) or the editor with its error (422, which htmx 4 swaps in).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::fields::{self, FieldView, Values};
use super::{RecordType, form_views, lookups, save};
use crate::domain::custom_fields;
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::form_data::FormData;
use crate::web::identity::Identity;
use crate::web::render::html_with_status;

#[derive(Template)]
#[template(path = "records/_field.html")]
pub struct FieldFragment {
    pub base: String,
    pub field: FieldView,
    pub editable: bool,
}

#[derive(Template)]
#[template(path = "records/_field_edit.html")]
struct FieldEditor {
    base: String,
    field: FieldView,
}

/// The record's field views (built-in and custom), in form order, with the record's
/// current values; `replace` swaps in submitted values for one field.
async fn field_view<T: RecordType>(
    identity: &Identity,
    state: &AppState,
    id: i64,
    name: &str,
    replace: Option<Vec<String>>,
    errors: fields::Errors,
) -> Result<FieldView, AppError> {
    let known = T::fields().iter().any(|def| def.name == name) || name.starts_with("cf.");
    if !known {
        return Err(AppError::NotFound);
    }
    let name = name.to_owned();
    state
        .db
        .tenant(&identity.scope(), move |conn| {
            let record = T::find(conn, id)?.ok_or(AppError::NotFound)?;
            let custom = custom_fields::list(conn, T::KIND.entity(), false)?;
            let mut values: Values = T::values(&record);
            fields::custom_values(&custom, T::custom_values(&record), &mut values);
            if let Some(submitted) = replace {
                values.insert(name.clone(), submitted);
            }
            let lookups = lookups(conn, &values)?;
            form_views::<T>(&values, &custom, &errors, &lookups)
                .into_iter()
                .flat_map(|(_, views)| views)
                .find(|view| view.name == name)
                .ok_or(AppError::NotFound)
        })
        .await
}

fn base<T: RecordType>(id: i64) -> String {
    format!("{}/{id}", T::KIND.path())
}

pub async fn show<T: RecordType>(
    identity: Identity,
    state: &AppState,
    id: i64,
    name: String,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let field = field_view::<T>(&identity, state, id, &name, None, fields::Errors::new()).await?;
    html_with_status(
        StatusCode::OK,
        &FieldFragment {
            base: base::<T>(id),
            field,
            editable: identity.can(Permission::RecordsWrite),
        },
    )
}

pub async fn edit<T: RecordType>(
    identity: Identity,
    state: &AppState,
    id: i64,
    name: String,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let field = field_view::<T>(&identity, state, id, &name, None, fields::Errors::new()).await?;
    html_with_status(
        StatusCode::OK,
        &FieldEditor {
            base: base::<T>(id),
            field,
        },
    )
}

pub async fn update<T: RecordType>(
    identity: Identity,
    state: &AppState,
    id: i64,
    name: String,
    form: FormData,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    // An unchecked checkbox or an emptied multi-select sends nothing.
    let submitted = form.all(&name);
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let field_name = name.clone();
    let replacement = submitted.clone();
    let outcome = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let record = T::find(conn, id)?.ok_or(AppError::NotFound)?;
            let custom = custom_fields::list(conn, T::KIND.entity(), false)?;
            let mut values = T::values(&record);
            fields::custom_values(&custom, T::custom_values(&record), &mut values);
            values.insert(field_name, replacement);
            save::<T>(conn, tenant, actor, id, &values)
        })
        .await?;
    match outcome {
        Ok(()) => {
            let field =
                field_view::<T>(&identity, state, id, &name, None, fields::Errors::new()).await?;
            html_with_status(
                StatusCode::OK,
                &FieldFragment {
                    base: base::<T>(id),
                    field,
                    editable: true,
                },
            )
        }
        Err(mut errors) => {
            // Only this field's message is shown; others cannot have changed.
            let message = errors.remove(&name).unwrap_or_else(|| {
                errors
                    .into_values()
                    .next()
                    .unwrap_or_else(|| "That value cannot be saved.".to_owned())
            });
            let mut shown = fields::Errors::new();
            shown.insert(name.clone(), message);
            let field =
                field_view::<T>(&identity, state, id, &name, Some(submitted), shown).await?;
            html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FieldEditor {
                    base: base::<T>(id),
                    field,
                },
            )
        }
    }
}
