//! The start-sync modal (`GET /sync/{source}/sync-form?model=`) and starting a sync
//! (`POST /sync/{source}/runs`): validated options, one active run per model (a second
//! request says which run is active), runs queued for a worker.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::sync::options::SyncOptionsInput;
use crate::sync::runs::Trigger;
use crate::sync::start::{self, StartError, StartRequest, Started};
use crate::web::AppState;
use crate::web::flash::{self, Flash};
use crate::web::forms::FieldErrors;
use crate::web::identity::Identity;
use crate::web::render::{html, html_with_status, is_htmx};

/// The modal's fields as typed (checkboxes arrive only when ticked).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct SyncForm {
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub full: Option<String>,
    #[serde(default)]
    pub force: Option<String>,
    #[serde(default)]
    pub dry_run: Option<String>,
    #[serde(default)]
    pub debug: Option<String>,
    #[serde(default)]
    pub since: String,
    #[serde(default)]
    pub max_records: String,
    #[serde(default)]
    pub batch_size: String,
}

/// What the template reads (checkbox states as booleans).
pub struct FormView {
    pub full: bool,
    pub force: bool,
    pub dry_run: bool,
    pub debug: bool,
    pub since: String,
    pub max_records: String,
    pub batch_size: String,
}

impl SyncForm {
    fn ticked(value: &Option<String>) -> bool {
        value
            .as_deref()
            .is_some_and(|v| !v.is_empty() && v != "false")
    }

    pub fn input(&self) -> SyncOptionsInput {
        SyncOptionsInput {
            force: Self::ticked(&self.force),
            full: Self::ticked(&self.full),
            since: Some(self.since.clone()),
            dry_run: Self::ticked(&self.dry_run),
            max_records: Some(self.max_records.clone()),
            batch_size: Some(self.batch_size.clone()),
            debug: Self::ticked(&self.debug),
        }
    }

    fn view(&self) -> FormView {
        FormView {
            full: Self::ticked(&self.full),
            force: Self::ticked(&self.force),
            dry_run: Self::ticked(&self.dry_run),
            debug: Self::ticked(&self.debug),
            since: self.since.clone(),
            max_records: self.max_records.clone(),
            batch_size: self.batch_size.clone(),
        }
    }
}

pub struct Conflict {
    pub model: String,
    pub run_id: i64,
}

#[derive(Template)]
#[template(path = "sync/_modal.html")]
struct Modal {
    csrf_token: String,
    source: &'static str,
    source_name: &'static str,
    model: String,
    model_label: String,
    form: FormView,
    errors: FieldErrors,
    conflict: Option<Conflict>,
    general_error: Option<String>,
    /// The source's batch size when the field is left empty.
    default_batch_size: u32,
}

#[derive(Template)]
#[template(path = "sync/_started.html")]
struct StartedView {
    run_ids: String,
    first_run: i64,
    message: String,
}

#[derive(Debug, Deserialize)]
pub struct FormQuery {
    #[serde(default)]
    model: String,
}

fn model_label(
    connector: &'static dyn crate::sync::connector::Connector,
    model: &str,
) -> Option<String> {
    if model == "all" {
        Some("all models".to_owned())
    } else {
        connector.model(model).map(|m| m.label.to_owned())
    }
}

pub async fn form(
    identity: Identity,
    path: web::Path<String>,
    query: web::Query<FormQuery>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::SyncManage)?;
    let connector = super::connector(&path)?;
    let label = model_label(connector, &query.model).ok_or(AppError::NotFound)?;
    html(&Modal {
        csrf_token: identity.csrf_token().unwrap_or_default().to_owned(),
        source: connector.info().id,
        source_name: connector.info().name,
        model: query.model.clone(),
        model_label: label,
        form: SyncForm::default().view(),
        errors: FieldErrors::default(),
        conflict: None,
        general_error: None,
        default_batch_size: connector.default_batch_size(),
    })
}

pub async fn submit(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<SyncForm>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::SyncManage)?;
    let connector = super::connector(&path)?;
    let form = form.into_inner();
    let label = model_label(connector, &form.model).ok_or_else(|| {
        AppError::bad_request(format!(
            "{} has no model `{}`.",
            connector.info().name,
            form.model
        ))
    })?;
    let modal = |form: &SyncForm,
                 errors: FieldErrors,
                 conflict: Option<Conflict>,
                 general_error: Option<String>| Modal {
        csrf_token: identity.csrf_token().unwrap_or_default().to_owned(),
        source: connector.info().id,
        source_name: connector.info().name,
        model: form.model.clone(),
        model_label: label.clone(),
        form: form.view(),
        errors,
        conflict,
        general_error,
        default_batch_size: connector.default_batch_size(),
    };
    let back = format!("/sync/{}", connector.info().id);
    let options = match form.input().validate(chrono::Utc::now()) {
        Ok(options) => options,
        Err(errors) => {
            if !is_htmx(&req) {
                let first = errors
                    .iter()
                    .next()
                    .map(|(_, m)| m.to_owned())
                    .unwrap_or_default();
                return Ok(flash::redirect(&req, &back, error_flash(first)));
            }
            return html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &modal(&form, errors, None, None),
            );
        }
    };
    let stale = std::time::Duration::from_secs(state.settings.job_stale_secs.max(2));
    let (tenant_id, user_id) = (identity.tenant_id, identity.user_id);
    let source = connector.info().id;
    let model = form.model.clone();
    let started: Result<Started, StartError> = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let request = StartRequest {
                tenant_id,
                user_id: Some(user_id),
                source,
                model: &model,
                options: &options,
                trigger: Trigger::Dashboard,
            };
            match start::start(conn, &request, stale) {
                Err(StartError::Database(err)) => Err(err.into()),
                other => Ok(other),
            }
        })
        .await?;
    match started {
        Ok(started) => {
            let first = started.run_ids.first().copied().unwrap_or_default();
            let mut message = if started.run_ids.len() == 1 {
                format!("Sync of {label} started (run #{first}).")
            } else {
                format!(
                    "Started {} syncs of {}.",
                    started.run_ids.len(),
                    connector.info().name
                )
            };
            for (model, run) in &started.already_running {
                message.push_str(&format!(" {model} was already running (run #{run})."));
            }
            if !is_htmx(&req) {
                return Ok(flash::redirect(&req, &back, Flash::success(message)));
            }
            html(&StartedView {
                run_ids: started
                    .run_ids
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
                first_run: first,
                message,
            })
        }
        Err(StartError::AlreadyRunning { run_id, model }) => {
            if !is_htmx(&req) {
                return Ok(flash::redirect(
                    &req,
                    &format!("/sync/runs/{run_id}"),
                    error_flash(format!(
                        "A sync of {model} is already running (run #{run_id})."
                    )),
                ));
            }
            html_with_status(
                StatusCode::CONFLICT,
                &modal(
                    &form,
                    FieldErrors::default(),
                    Some(Conflict { model, run_id }),
                    None,
                ),
            )
        }
        Err(other) => {
            if !is_htmx(&req) {
                return Ok(flash::redirect(&req, &back, error_flash(other.to_string())));
            }
            html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &modal(
                    &form,
                    FieldErrors::default(),
                    None,
                    Some(capitalise(&other.to_string())),
                ),
            )
        }
    }
}

fn error_flash(text: String) -> Flash {
    Flash {
        level: crate::web::flash::Level::Error,
        text,
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
