//! The file source's setup: upload a file (streamed to disk) or name one in the import
//! folder, then map its columns to the model's fields (with a preview of the first rows).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::Value;

use crate::domain::ids::TenantId;
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::sync::connections::{self, SaveConnection};
use crate::sync::connector::Connector;
use crate::sync::connectors::file::{self, FileSetup, Format};
use crate::sync::model::ModelInfo;
use crate::sync::registry;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::flash::{self, Flash, Level};
use crate::web::forms::FieldErrors;
use crate::web::nav::Section;
use crate::web::render::html_with_status;

/// Uploads larger than this are refused (streamed to disk, never held in memory).
const MAX_UPLOAD_BYTES: u64 = 4 * 1024 * 1024 * 1024;

pub struct FileRow {
    pub model: &'static str,
    pub label: &'static str,
    pub file_name: Option<String>,
    pub format: &'static str,
    pub mapped: usize,
    pub fields: usize,
}

pub struct FileSection {
    pub import_dir: String,
    pub rows: Vec<FileRow>,
}

fn connector() -> &'static dyn Connector {
    // The file source is always registered.
    registry::get("file").unwrap_or_else(|| registry::all()[0])
}

fn model(id: &str) -> Result<&'static ModelInfo, AppError> {
    connector()
        .model(id)
        .ok_or_else(|| AppError::bad_request(format!("The file source has no model `{id}`.")))
}

/// The "Files" card of `/sync/file`.
pub fn section(state: &AppState, settings: &serde_json::Map<String, Value>) -> FileSection {
    let config = crate::sync::connector::ConnectionConfig {
        tenant_id: TenantId(0),
        settings: settings.clone(),
        secret: None,
    };
    FileSection {
        import_dir: file::import_dir(&state.settings.data_dir)
            .display()
            .to_string(),
        rows: connector()
            .models()
            .iter()
            .map(|model| {
                let setup = file::setup_of(&config, model.id);
                FileRow {
                    model: model.id,
                    label: model.label,
                    file_name: setup.as_ref().map(|s| {
                        if s.original_name.is_empty() {
                            s.path.clone()
                        } else {
                            s.original_name.clone()
                        }
                    }),
                    format: setup.as_ref().map_or("", |s| s.format().label()),
                    mapped: setup.as_ref().map_or(0, |s| s.mapping.len()),
                    fields: model.fields.len(),
                }
            })
            .collect(),
    }
}

fn tenant_dir(state: &AppState, tenant: TenantId) -> PathBuf {
    file::import_dir(&state.settings.data_dir).join(tenant.0.to_string())
}

/// Stores a model's file (with a suggested mapping) in the connection settings.
async fn set_file(
    page: &Page,
    state: &AppState,
    model: &'static ModelInfo,
    path: PathBuf,
    original_name: String,
) -> Result<(), AppError> {
    let format = Format::guess(&original_name);
    let columns = {
        let path = path.clone();
        web::block(move || file::detect_columns(&path, format)).await?
    }
    .map_err(|err| AppError::bad_request(format!("That file cannot be read: {err}")))?;
    if columns.is_empty() {
        return Err(AppError::bad_request(
            "That file has no columns: a CSV needs a header row, JSON Lines one object per line.",
        ));
    }
    let setup = FileSetup {
        path: path.display().to_string(),
        original_name,
        format: Some(format),
        mapping: file::suggest_mapping(model, &columns),
    };
    let tenant_id = page.identity.tenant_id;
    let actor = page.identity.user_id;
    state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            let existing = connections::find(conn, "file")?;
            let mut settings = existing.map(|c| c.settings_map()).unwrap_or_default();
            let files = settings
                .entry("files")
                .or_insert_with(|| Value::Object(Default::default()));
            if let Some(files) = files.as_object_mut() {
                files.insert(
                    model.id.to_owned(),
                    serde_json::to_value(&setup).unwrap_or_default(),
                );
            }
            connections::save(
                conn,
                &SaveConnection {
                    tenant_id,
                    source: "file",
                    settings: Value::Object(settings),
                    secret: None,
                    actor: Some(actor),
                },
                None,
            )?;
            Ok(())
        })
        .await
}

/// `POST /sync/file/upload?csrf_token=…` (multipart: `model`, `file`).
pub async fn upload(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    mut payload: Multipart,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::SyncManage)?;
    let dir = tenant_dir(&state, page.identity.tenant_id);
    let mut model_id = None;
    let mut saved: Option<(PathBuf, String)> = None;
    while let Some(field) = payload.next().await {
        let mut field = field
            .map_err(|err| AppError::bad_request(format!("The upload could not be read: {err}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == "model" {
            let mut text = Vec::new();
            while let Some(chunk) = field.next().await {
                text.extend_from_slice(
                    &chunk.map_err(|err| AppError::bad_request(err.to_string()))?,
                );
            }
            model_id = Some(String::from_utf8_lossy(&text).trim().to_owned());
        } else if name == "file" {
            let original = field
                .content_disposition()
                .and_then(|cd| cd.get_filename().map(str::to_owned))
                .unwrap_or_default();
            if original.is_empty() {
                continue;
            }
            std::fs::create_dir_all(&dir).map_err(|err| AppError::Internal(err.into()))?;
            let mut suffix = [0u8; 6];
            getrandom::fill(&mut suffix)
                .map_err(|err| AppError::Internal(anyhow::anyhow!("{err}")))?;
            let stored_name = format!(
                "{}-{}.{}",
                chrono::Utc::now().format("%Y%m%d%H%M%S"),
                suffix
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>(),
                if Format::guess(&original) == Format::Jsonl {
                    "jsonl"
                } else {
                    "csv"
                }
            );
            let path = dir.join(stored_name);
            let mut out =
                std::fs::File::create(&path).map_err(|err| AppError::Internal(err.into()))?;
            let mut written = 0u64;
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|err| {
                    AppError::bad_request(format!("The upload was interrupted: {err}"))
                })?;
                written += chunk.len() as u64;
                if written > MAX_UPLOAD_BYTES {
                    let _ = std::fs::remove_file(&path);
                    return Err(AppError::PayloadTooLarge);
                }
                out.write_all(&chunk)
                    .map_err(|err| AppError::Internal(err.into()))?;
            }
            out.flush().map_err(|err| AppError::Internal(err.into()))?;
            saved = Some((path, original));
        }
    }
    let model_id = model_id.unwrap_or_default();
    let model = model(&model_id)?;
    let Some((path, original)) = saved else {
        return Ok(flash::redirect(
            &req,
            "/sync/file",
            Flash {
                level: Level::Error,
                text: "Choose a file to upload.".into(),
            },
        ));
    };
    set_file(&page, &state, model, path, original).await?;
    Ok(flash::redirect(
        &req,
        &format!("/sync/file/mapping?model={}", model.id),
        Flash::success("File uploaded. Check the mapping, then sync."),
    ))
}

#[derive(Debug, Deserialize)]
pub struct PathForm {
    model: String,
    path: String,
}

/// A path inside the import folder, or an error that says where files may be.
fn resolve_import(import_dir: &Path, requested: &str) -> Result<PathBuf, AppError> {
    let requested = requested.trim();
    let outside = || {
        AppError::bad_request(format!(
            "Only files inside {} can be used.",
            import_dir.display()
        ))
    };
    if requested.is_empty() {
        return Err(AppError::bad_request("Enter a file name."));
    }
    let root = import_dir.canonicalize().map_err(|_| outside())?;
    let candidate = if Path::new(requested).is_absolute() {
        PathBuf::from(requested)
    } else {
        root.join(requested)
    };
    let resolved = candidate.canonicalize().map_err(|_| {
        AppError::bad_request(format!(
            "There is no file {requested} in {}.",
            import_dir.display()
        ))
    })?;
    if !resolved.starts_with(&root) || !resolved.is_file() {
        return Err(outside());
    }
    Ok(resolved)
}

/// `POST /sync/file/path`: a file already on the server, inside the import folder.
pub async fn use_path(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<PathForm>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::SyncManage)?;
    let model = model(&form.model)?;
    let dir = file::import_dir(&state.settings.data_dir);
    let path = match resolve_import(&dir, &form.path) {
        Ok(path) => path,
        Err(AppError::BadRequest(message)) => {
            return Ok(flash::redirect(
                &req,
                "/sync/file",
                Flash {
                    level: Level::Error,
                    text: message,
                },
            ));
        }
        Err(other) => return Err(other),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    set_file(&page, &state, model, path, name).await?;
    Ok(flash::redirect(
        &req,
        &format!("/sync/file/mapping?model={}", model.id),
        Flash::success("File chosen. Check the mapping, then sync."),
    ))
}

pub struct MappingRow {
    pub key: &'static str,
    pub label: &'static str,
    pub required: bool,
    pub column: String,
    pub preview: String,
}

#[derive(Template)]
#[template(path = "sync/file_mapping.html")]
struct MappingPage {
    chrome: Chrome,
    model: &'static str,
    model_label: &'static str,
    file_name: String,
    format: &'static str,
    columns: Vec<String>,
    rows: Vec<MappingRow>,
    errors: FieldErrors,
}

#[derive(Debug, Deserialize)]
pub struct MappingQuery {
    model: String,
}

async fn load_setup(
    page: &Page,
    state: &AppState,
    model: &'static ModelInfo,
) -> Result<FileSetup, AppError> {
    let settings = state
        .db
        .tenant(&page.identity.scope(), |conn| {
            Ok(connections::find(conn, "file")?)
        })
        .await?
        .map(|c| c.settings_map())
        .unwrap_or_default();
    let config = crate::sync::connector::ConnectionConfig {
        tenant_id: page.identity.tenant_id,
        settings,
        secret: None,
    };
    file::setup_of(&config, model.id)
        .ok_or_else(|| AppError::bad_request("Upload a file for this model first."))
}

/// The first few values of each column, for the preview.
fn preview(setup: &FileSetup, limit: usize) -> BTreeMap<String, Vec<String>> {
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Ok(file) = std::fs::File::open(&setup.path) else {
        return values;
    };
    match setup.format() {
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
            let Ok(headers) = reader.headers().cloned() else {
                return values;
            };
            for record in reader.records().take(limit).flatten() {
                for (header, value) in headers.iter().zip(record.iter()) {
                    values
                        .entry(header.trim().to_owned())
                        .or_default()
                        .push(value.to_owned());
                }
            }
        }
        Format::Jsonl => {
            use std::io::BufRead;
            for line in std::io::BufReader::new(file).lines().take(limit).flatten() {
                if let Ok(Value::Object(object)) = serde_json::from_str::<Value>(&line) {
                    for (key, value) in object {
                        let text = match value {
                            Value::String(s) => s,
                            other => other.to_string(),
                        };
                        values.entry(key).or_default().push(text);
                    }
                }
            }
        }
    }
    values
}

async fn render_mapping(
    page: &Page,
    model: &'static ModelInfo,
    setup: &FileSetup,
    chosen: &BTreeMap<String, String>,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (columns, samples) = {
        let setup = setup.clone();
        web::block(move || {
            (
                file::detect_columns(Path::new(&setup.path), setup.format()),
                preview(&setup, 3),
            )
        })
        .await?
    };
    let columns = columns
        .map_err(|err| AppError::bad_request(format!("The file cannot be read any more: {err}")))?;
    let rows = model
        .fields
        .iter()
        .map(|field| {
            let column = chosen.get(field.key).cloned().unwrap_or_default();
            MappingRow {
                key: field.key,
                label: field.label,
                required: field.key == "id",
                preview: samples
                    .get(&column)
                    .map(|v| v.join(" · "))
                    .unwrap_or_default(),
                column,
            }
        })
        .collect();
    html_with_status(
        status,
        &MappingPage {
            chrome: page.chrome(format!("Map {}", model.label), Section::Sync),
            model: model.id,
            model_label: model.label,
            file_name: if setup.original_name.is_empty() {
                setup.path.clone()
            } else {
                setup.original_name.clone()
            },
            format: setup.format().label(),
            columns,
            rows,
            errors,
        },
    )
}

pub async fn mapping_page(
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<MappingQuery>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::SyncManage)?;
    let model = model(&query.model)?;
    let setup = load_setup(&page, &state, model).await?;
    render_mapping(
        &page,
        model,
        &setup,
        &setup.mapping,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn save_mapping(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<BTreeMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::SyncManage)?;
    let form = form.into_inner();
    let model = model(form.get("model").map_or("", String::as_str))?;
    let mut setup = load_setup(&page, &state, model).await?;
    let columns = {
        let setup = setup.clone();
        web::block(move || file::detect_columns(Path::new(&setup.path), setup.format())).await?
    }
    .map_err(|err| AppError::bad_request(format!("The file cannot be read any more: {err}")))?;
    let mut chosen = BTreeMap::new();
    let mut errors = FieldErrors::default();
    for field in model.fields {
        let column = form
            .get(&format!("map_{}", field.key))
            .map(|c| c.trim().to_owned())
            .unwrap_or_default();
        if column.is_empty() {
            if field.key == "id" {
                errors.add("id", "Choose the column that identifies each row.");
            }
            continue;
        }
        if !columns.contains(&column) {
            errors.add(field.key, format!("The file has no column “{column}”."));
            continue;
        }
        chosen.insert(field.key.to_owned(), column);
    }
    if !errors.is_empty() {
        return render_mapping(
            &page,
            model,
            &setup,
            &chosen,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    setup.mapping = chosen;
    let tenant_id = page.identity.tenant_id;
    let actor = page.identity.user_id;
    state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            let mut settings = connections::find(conn, "file")?
                .map(|c| c.settings_map())
                .unwrap_or_default();
            let files = settings
                .entry("files")
                .or_insert_with(|| Value::Object(Default::default()));
            if let Some(files) = files.as_object_mut() {
                files.insert(
                    model.id.to_owned(),
                    serde_json::to_value(&setup).unwrap_or_default(),
                );
            }
            connections::save(
                conn,
                &SaveConnection {
                    tenant_id,
                    source: "file",
                    settings: Value::Object(settings),
                    secret: None,
                    actor: Some(actor),
                },
                None,
            )?;
            Ok(())
        })
        .await?;
    Ok(flash::redirect(
        &req,
        "/sync/file",
        Flash::success(format!(
            "Mapping saved. Sync {} to load the file.",
            model.label.to_lowercase()
        )),
    ))
}
