//! `/sync/{source}`: the connection, the models with their live status and actions, and
//! the source's run history.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::sync::connections::{self, Connection};
use crate::sync::connector::Connector;
use crate::sync::model::{AuthKind, ModelInfo, SettingKind, SourceInfo};
use crate::sync::runs::{self, RunFilter, SyncRun};
use crate::sync::store;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::forms::FieldErrors;
use crate::web::nav::Section;
use crate::web::render::html_with_status;
use crate::web::sync::views::{self, Live};

pub struct SettingView {
    pub key: &'static str,
    pub label: &'static str,
    pub input_type: &'static str,
    pub required: bool,
    pub default: &'static str,
    pub help: &'static str,
    pub value: String,
}

pub struct ModelRow {
    pub info: &'static ModelInfo,
    pub records: i64,
    pub last_sync: String,
    pub live: Live,
}

pub struct TestView {
    pub ok: bool,
    pub message: String,
    pub when: String,
}

impl TestView {
    pub fn of(connection: &Connection) -> Option<Self> {
        Some(TestView {
            ok: connection.last_test_ok?,
            message: connection.last_test_message.clone().unwrap_or_default(),
            when: views::relative_opt(&connection.last_tested_at),
        })
    }
}

#[derive(Template)]
#[template(path = "sync/source.html")]
pub struct SourcePage {
    pub chrome: Chrome,
    pub info: &'static SourceInfo,
    pub show_connection: bool,
    pub needs_connection: bool,
    pub connection: Option<Connection>,
    pub secret_hint: Option<String>,
    pub settings: Vec<SettingView>,
    pub errors: FieldErrors,
    pub test: Option<TestView>,
    pub can_sync: bool,
    pub models: Vec<ModelRow>,
    pub runs: Vec<SyncRun>,
    pub file_section: Option<crate::web::sync::file::FileSection>,
}

/// Values typed into the connection form, kept when it is re-rendered with errors.
pub type FormValues = BTreeMap<String, String>;

pub async fn page(
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::SyncManage)?;
    let connector = super::connector(&path)?;
    render(
        &page,
        &state,
        connector,
        FieldErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn render(
    page: &Page,
    state: &AppState,
    connector: &'static dyn Connector,
    errors: FieldErrors,
    typed: Option<FormValues>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let info = connector.info();
    let source = info.id;
    let (connection, states, latest, history) = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            Ok((
                connections::find(conn, source)?,
                store::models_of_source(conn, source)?,
                runs::latest_per_model(conn, Some(source))?,
                runs::list(
                    conn,
                    &RunFilter {
                        source: Some(source.to_owned()),
                        ..Default::default()
                    },
                    20,
                )?,
            ))
        })
        .await?;
    let settings = info
        .settings
        .iter()
        .map(|field| SettingView {
            key: field.key,
            label: field.label,
            input_type: match field.kind {
                SettingKind::Url => "url",
                SettingKind::Number => "number",
                SettingKind::Text => "text",
            },
            required: field.required,
            default: field.default,
            help: field.help,
            value: match &typed {
                Some(values) => values.get(field.key).cloned().unwrap_or_default(),
                None => connection
                    .as_ref()
                    .map(|c| c.setting(field.key))
                    .unwrap_or_default(),
            },
        })
        .collect();
    let models = connector
        .models()
        .iter()
        .map(|model| {
            let last = latest.iter().find(|run| run.model == model.id);
            ModelRow {
                info: model,
                records: states
                    .iter()
                    .find(|state| state.model == model.id)
                    .map_or(0, |state| state.record_count),
                last_sync: last
                    .and_then(|run| run.finished_at.or(run.started_at))
                    .map_or_else(|| "never".to_owned(), views::relative),
                live: Live::new(source, model.id, last),
            }
        })
        .collect();
    let needs_connection = info.auth != AuthKind::None && info.auth != AuthKind::File;
    let file_section = (info.auth == AuthKind::File).then(|| {
        let settings = connection
            .as_ref()
            .map(|c| c.settings_map())
            .unwrap_or_default();
        crate::web::sync::file::section(state, &settings)
    });
    let view = SourcePage {
        chrome: page.chrome(info.name, Section::Sync),
        info,
        show_connection: info.secret_label.is_some() || !info.settings.is_empty(),
        needs_connection,
        secret_hint: connection.as_ref().and_then(|c| c.secret_hint.clone()),
        test: connection.as_ref().and_then(TestView::of),
        can_sync: info.auth == AuthKind::None || connection.is_some(),
        connection,
        settings,
        errors,
        models,
        runs: history,
        file_section,
    };
    html_with_status(status, &view)
}
