//! Admin settings for records: who sees which records (`/admin/visibility`) and the custom
//! fields of each entity (`/admin/custom-fields`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::custom_fields::{self, DefinitionInput, FieldDefinition, FieldType};
use crate::domain::roles::Permission;
use crate::domain::visibility::{self, Mode};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::flash::{self, Flash};
use crate::web::form_data::FormData;
use crate::web::nav::Section;
use crate::web::render::html_with_status;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/visibility", web::get().to(visibility_page))
        .route("/admin/visibility", web::post().to(set_visibility))
        .route("/admin/custom-fields", web::get().to(fields_page))
        .route("/admin/custom-fields", web::post().to(create_field))
        .route("/admin/custom-fields/{id}", web::post().to(update_field))
        .route(
            "/admin/custom-fields/{id}/archive",
            web::post().to(archive_field),
        )
        .route(
            "/admin/custom-fields/{id}/restore",
            web::post().to(restore_field),
        );
}

#[derive(Template)]
#[template(path = "records_admin/visibility.html")]
struct VisibilityPage {
    chrome: Chrome,
    current: Mode,
    modes: [Mode; 3],
}

async fn visibility_page(page: Page, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::TenantManage)?;
    let current = state
        .db
        .tenant(&page.identity.scope(), |conn| Ok(visibility::mode(conn)?))
        .await?;
    html_with_status(
        StatusCode::OK,
        &VisibilityPage {
            chrome: page.chrome("Record visibility", Section::Visibility),
            current,
            modes: Mode::ALL,
        },
    )
}

async fn set_visibility(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::TenantManage)?;
    let form = FormData::new(form.into_inner());
    let mode = Mode::parse(&form.text("mode"))
        .ok_or_else(|| AppError::bad_request("Choose all, team or own."))?;
    let tenant = page.identity.tenant_id;
    let actor = page.identity.user_id;
    state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            Ok(visibility::set_mode(conn, tenant, mode, Some(actor))?)
        })
        .await?;
    Ok(flash::redirect(
        &req,
        "/admin/visibility",
        Flash::success(format!("Saved: {}.", mode.label())),
    ))
}

const ENTITIES: &[(&str, &str)] = &[
    ("company", "Companies"),
    ("contact", "Contacts"),
    ("lead", "Leads"),
    ("deal", "Deals"),
];

/// The create form as typed (kept on errors).
#[derive(Default)]
struct NewFieldForm {
    entity_type: String,
    label: String,
    key: String,
    field_type: String,
    options: String,
    required: bool,
}

#[derive(Template)]
#[template(path = "records_admin/custom_fields.html")]
struct FieldsPage {
    chrome: Chrome,
    groups: Vec<(&'static str, &'static str, Vec<FieldDefinition>)>,
    types: [FieldType; 7],
    entities: &'static [(&'static str, &'static str)],
    form: NewFieldForm,
    errors: std::collections::HashMap<&'static str, String>,
}

async fn render_fields(
    page: &Page,
    state: &AppState,
    form: NewFieldForm,
    errors: std::collections::HashMap<&'static str, String>,
) -> Result<HttpResponse, AppError> {
    let groups = state
        .db
        .tenant(&page.identity.scope(), |conn| {
            let mut groups = Vec::new();
            for (entity, label) in ENTITIES {
                groups.push((*entity, *label, custom_fields::list(conn, entity, true)?));
            }
            Ok(groups)
        })
        .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html_with_status(
        status,
        &FieldsPage {
            chrome: page.chrome("Custom fields", Section::CustomFields),
            groups,
            types: FieldType::ALL,
            entities: ENTITIES,
            form,
            errors,
        },
    )
}

async fn fields_page(page: Page, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::TenantManage)?;
    let form = NewFieldForm {
        entity_type: "company".to_owned(),
        field_type: "text".to_owned(),
        ..Default::default()
    };
    render_fields(&page, &state, form, Default::default()).await
}

/// "Renewal date" → "renewal_date".
pub fn key_from_label(label: &str) -> String {
    let mut key = String::new();
    for ch in label.trim().to_lowercase().chars() {
        if ch.is_ascii_alphanumeric() {
            key.push(ch);
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
    }
    let key = key.trim_end_matches('_').to_owned();
    let key = if key.starts_with(|c: char| c.is_ascii_digit()) {
        format!("f_{key}")
    } else {
        key
    };
    key.chars().take(63).collect()
}

fn valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && key.len() <= 63
}

fn parse_options(text: &str) -> Vec<String> {
    let mut options: Vec<String> = Vec::new();
    for option in text
        .split(['\n', ','])
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        if !options.iter().any(|o| o == option) {
            options.push(option.chars().take(100).collect());
        }
    }
    options
}

async fn create_field(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::TenantManage)?;
    let data = FormData::new(form.into_inner());
    let form = NewFieldForm {
        entity_type: data.text("entity_type"),
        label: data.text("label"),
        key: data.text("key"),
        field_type: data.text("field_type"),
        options: data.text("options"),
        required: data.checked("required"),
    };
    let mut errors = std::collections::HashMap::new();
    if !ENTITIES.iter().any(|(e, _)| *e == form.entity_type) {
        errors.insert(
            "entity_type",
            "Choose which records the field is for.".to_owned(),
        );
    }
    if form.label.is_empty() || form.label.chars().count() > 80 {
        errors.insert(
            "label",
            "Give the field a label of up to 80 characters.".to_owned(),
        );
    }
    let key = if form.key.is_empty() {
        key_from_label(&form.label)
    } else {
        form.key.clone()
    };
    if !valid_key(&key) {
        errors.insert(
            "key",
            "Use lowercase letters, digits and underscores, starting with a letter.".to_owned(),
        );
    }
    let field_type = FieldType::parse(&form.field_type);
    let options = parse_options(&form.options);
    match field_type {
        None => {
            errors.insert("field_type", "Choose a type.".to_owned());
        }
        Some(t) if t.has_options() && options.is_empty() => {
            errors.insert("options", "List the choices, one per line.".to_owned());
        }
        _ => {}
    }
    if !errors.is_empty() {
        return render_fields(&page, &state, form, errors).await;
    }
    let input = DefinitionInput {
        entity_type: form.entity_type.clone(),
        key: key.clone(),
        label: form.label.clone(),
        field_type: field_type.unwrap_or(FieldType::Text),
        options,
        required: form.required,
        position: 0,
    };
    let tenant = page.identity.tenant_id;
    let actor = page.identity.user_id;
    let created = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            let existing = custom_fields::list(conn, &input.entity_type, true)?;
            if existing.iter().any(|f| f.key == input.key) {
                return Ok(None);
            }
            let mut input = input;
            input.position = existing.iter().map(|f| f.position).max().unwrap_or(0) + 1;
            Ok(Some(custom_fields::create(
                conn,
                tenant,
                &input,
                Some(actor),
            )?))
        })
        .await?;
    match created {
        Some(field) => Ok(flash::redirect(
            &req,
            "/admin/custom-fields",
            Flash::success(format!("Field \"{}\" added.", field.label)),
        )),
        None => {
            errors.insert(
                "key",
                format!("There is already a field with the key \"{key}\"."),
            );
            render_fields(&page, &state, form, errors).await
        }
    }
}

async fn update_field(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::TenantManage)?;
    let id = path.into_inner();
    let data = FormData::new(form.into_inner());
    let label = data.text("label");
    let options = parse_options(&data.text("options"));
    let required = data.checked("required");
    let position = data.text("position").parse::<i32>().unwrap_or(0);
    let tenant = page.identity.tenant_id;
    let actor = page.identity.user_id;
    let outcome = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            let before = custom_fields::find(conn, id)?.ok_or(AppError::NotFound)?;
            if label.is_empty() || label.chars().count() > 80 {
                return Ok(Err(
                    "Give the field a label of up to 80 characters.".to_owned()
                ));
            }
            if before.field_type.has_options() && options.is_empty() {
                return Ok(Err("A choice field needs at least one choice.".to_owned()));
            }
            let input = DefinitionInput {
                entity_type: before.entity_type.clone(),
                key: before.key.clone(),
                label,
                field_type: before.field_type,
                options,
                required,
                position,
            };
            Ok(Ok(custom_fields::update(
                conn,
                tenant,
                &before,
                &input,
                Some(actor),
            )?))
        })
        .await?;
    Ok(match outcome {
        Ok(field) => flash::redirect(
            &req,
            "/admin/custom-fields",
            Flash::success(format!("Field \"{}\" saved.", field.label)),
        ),
        Err(text) => flash::redirect(
            &req,
            "/admin/custom-fields",
            Flash {
                level: flash::Level::Error,
                text,
            },
        ),
    })
}

async fn set_archived(
    req: HttpRequest,
    page: Page,
    state: &AppState,
    id: i64,
    archived: bool,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::TenantManage)?;
    let tenant = page.identity.tenant_id;
    let actor = page.identity.user_id;
    let changed = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            Ok(custom_fields::set_archived(
                conn,
                tenant,
                id,
                archived,
                Some(actor),
            )?)
        })
        .await?;
    if !changed {
        return Err(AppError::NotFound);
    }
    let text = if archived {
        "Field archived. Its values are kept."
    } else {
        "Field restored."
    };
    Ok(flash::redirect(
        &req,
        "/admin/custom-fields",
        Flash::success(text),
    ))
}

async fn archive_field(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    set_archived(req, page, &state, path.into_inner(), true).await
}

async fn restore_field(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    set_archived(req, page, &state, path.into_inner(), false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_labels() {
        assert_eq!(key_from_label("Renewal date"), "renewal_date");
        assert_eq!(key_from_label("  # of seats!"), "of_seats");
        assert_eq!(key_from_label("2024 budget"), "f_2024_budget");
        assert!(valid_key("renewal_date"));
        assert!(!valid_key("Renewal"));
        assert_eq!(parse_options("Gold\nSilver, Gold\n"), ["Gold", "Silver"]);
    }
}
