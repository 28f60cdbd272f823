//! Attachments on companies, contacts and deals: upload (streamed to disk under the
//! configured directory, with a size limit and a checksum), download with the file's
//! content type, delete. `GET /attachments/section?entity=company&id=42` is the section a
//! record page shows (the deals page can embed it the same way).

use std::io::Write;

use actix_files::NamedFile;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::domain::attachments::{self, AttachmentRow, NewAttachment};
use crate::domain::records::{self, RecordKind};
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::flash::{self, Flash, Level};
use crate::web::identity::Identity;
use crate::web::render::{html_with_status, is_htmx};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/attachments", web::post().to(upload))
        .route("/attachments/section", web::get().to(section))
        .route("/attachments/{id}", web::get().to(download))
        .route("/attachments/{id}/delete", web::post().to(delete));
}

#[derive(Template)]
#[template(path = "attachments/_section.html")]
pub struct Section {
    pub entity: String,
    pub record_id: i64,
    pub items: Vec<AttachmentRow>,
    pub can_write: bool,
    pub can_delete: bool,
    pub max_mb: u64,
    pub error: Option<String>,
    pub csrf_token: String,
}

/// A rendered template is escaped HTML: record pages embed it as it is.
impl askama::filters::HtmlSafe for Section {}

#[derive(Debug, Deserialize)]
struct Target {
    entity: String,
    id: i64,
}

fn kind_of(entity: &str) -> Result<RecordKind, AppError> {
    if !attachments::ENTITIES.contains(&entity) {
        return Err(AppError::NotFound);
    }
    RecordKind::parse(entity).ok_or(AppError::NotFound)
}

/// The section for a record; 404 when the record is not visible.
pub async fn load_section(
    state: &AppState,
    identity: &Identity,
    entity: &str,
    id: i64,
    error: Option<String>,
) -> Result<Section, AppError> {
    let kind = kind_of(entity)?;
    let items = state
        .db
        .tenant(&identity.scope(), move |conn| {
            if records::visible_live_ids(conn, kind, &[id])?.is_empty() {
                return Err(AppError::NotFound);
            }
            Ok(attachments::list_for(conn, kind.entity(), id)?)
        })
        .await?;
    Ok(Section {
        entity: kind.entity().to_owned(),
        record_id: id,
        items,
        can_write: identity.can(Permission::RecordsWrite),
        can_delete: identity.can(Permission::RecordsDelete),
        max_mb: state.settings.attachment_max_mb,
        error,
        csrf_token: identity.csrf_token().unwrap_or_default().to_owned(),
    })
}

async fn section(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<Target>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let view = load_section(&state, &identity, &query.entity, query.id, None).await?;
    html_with_status(StatusCode::OK, &view)
}

fn random_key() -> Result<String, AppError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|err| AppError::Internal(anyhow::anyhow!("no randomness: {err}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A received file, already on disk under a temporary name.
struct Received {
    file_name: String,
    content_type: String,
    size: i64,
    sha256: String,
    temp: std::path::PathBuf,
}

/// Streams the `file` field to a temporary file in the tenant's directory, hashing as it
/// goes and stopping at the size limit. Err(message) is for the person; Err(AppError) for
/// the log.
async fn receive(
    mut payload: Multipart,
    dir: std::path::PathBuf,
    limit: u64,
) -> Result<Result<Received, String>, AppError> {
    while let Some(field) = payload.next().await {
        let mut field = field
            .map_err(|err| AppError::bad_request(format!("The upload could not be read: {err}")))?;
        if field.name() != Some("file") {
            continue;
        }
        let raw_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename().map(str::to_owned))
            .unwrap_or_default();
        if raw_name.is_empty() {
            return Ok(Err("Choose a file to upload.".to_owned()));
        }
        let file_name = attachments::clean_file_name(&raw_name);
        let declared = field
            .content_type()
            .map(|mime| mime.essence_str().to_owned());
        let content_type = mime_guess::from_path(&file_name)
            .first()
            .map(|mime| mime.essence_str().to_owned())
            .or(declared)
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        std::fs::create_dir_all(&dir).map_err(|err| AppError::Internal(err.into()))?;
        let temp = dir.join(format!("upload-{}", random_key()?));
        let mut file =
            std::fs::File::create(&temp).map_err(|err| AppError::Internal(err.into()))?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        while let Some(chunk) = field.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(err) => {
                    let _ = std::fs::remove_file(&temp);
                    return Err(AppError::bad_request(format!(
                        "The upload was interrupted: {err}"
                    )));
                }
            };
            size += chunk.len() as u64;
            if size > limit {
                drop(file);
                let _ = std::fs::remove_file(&temp);
                // Read (and drop) a bounded remainder, so the browser gets the answer
                // instead of a reset connection.
                let mut drained = size;
                while let Some(Ok(chunk)) = field.next().await {
                    drained += chunk.len() as u64;
                    if drained > limit.saturating_mul(2) {
                        break;
                    }
                }
                return Ok(Err(format!(
                    "That file is larger than the {} MB limit.",
                    limit / (1024 * 1024)
                )));
            }
            hasher.update(&chunk);
            if let Err(err) = file.write_all(&chunk) {
                let _ = std::fs::remove_file(&temp);
                return Err(AppError::Internal(err.into()));
            }
        }
        if size == 0 {
            let _ = std::fs::remove_file(&temp);
            return Ok(Err("That file is empty.".to_owned()));
        }
        let sha256 = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        return Ok(Ok(Received {
            file_name,
            content_type,
            size: size as i64,
            sha256,
            temp,
        }));
    }
    Ok(Err("Choose a file to upload.".to_owned()))
}

async fn upload(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<Target>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let kind = kind_of(&query.entity)?;
    let record_id = query.id;
    // The record must be visible before anything is written.
    load_section(&state, &identity, kind.entity(), record_id, None).await?;
    let dir = state
        .settings
        .attachments_path()
        .join(identity.tenant_id.0.to_string());
    let received = receive(payload, dir.clone(), state.settings.attachment_max_bytes()).await?;
    let received = match received {
        Ok(received) => received,
        Err(message) => {
            return respond(&req, &state, &identity, kind, record_id, Some(message)).await;
        }
    };
    let key = random_key()?;
    let final_path = dir.join(&key);
    std::fs::rename(&received.temp, &final_path).map_err(|err| AppError::Internal(err.into()))?;
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let saved = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(attachments::insert(
                conn,
                tenant,
                Some(actor),
                &NewAttachment {
                    entity_type: kind.entity(),
                    entity_id: record_id,
                    file_name: &received.file_name,
                    content_type: &received.content_type,
                    byte_size: received.size,
                    storage_key: &key,
                    sha256: &received.sha256,
                },
            )?)
        })
        .await;
    if let Err(err) = saved {
        let _ = std::fs::remove_file(&final_path);
        return Err(err);
    }
    respond(&req, &state, &identity, kind, record_id, None).await
}

async fn respond(
    req: &HttpRequest,
    state: &AppState,
    identity: &Identity,
    kind: RecordKind,
    id: i64,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    if is_htmx(req) {
        let status = if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        let view = load_section(state, identity, kind.entity(), id, error).await?;
        return html_with_status(status, &view);
    }
    let back = format!("{}/{id}#attachments", kind.path());
    Ok(match error {
        Some(text) => flash::redirect(
            req,
            &back,
            Flash {
                level: Level::Error,
                text,
            },
        ),
        None => flash::redirect(req, &back, Flash::success("File uploaded.")),
    })
}

async fn download(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let id = path.into_inner();
    let attachment = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(attachments::find(conn, id)?)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let file_path = attachments::file_path(
        &state.settings.attachments_path(),
        identity.tenant_id,
        &attachment.storage_key,
    )
    .ok_or(AppError::NotFound)?;
    let opened = file_path.clone();
    let file = web::block(move || NamedFile::open(&opened))
        .await?
        .map_err(|err| {
            tracing::error!(error = %err, path = %file_path.display(), "attachment file missing");
            AppError::NotFound
        })?;
    let mime: mime_guess::mime::Mime = attachment
        .content_type
        .parse()
        .unwrap_or(mime_guess::mime::APPLICATION_OCTET_STREAM);
    let ascii: String = attachment
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: attachment.file_name.clone().into_bytes(),
            }),
        ],
    };
    let mut response = file
        .set_content_type(mime)
        .set_content_disposition(disposition)
        .use_etag(false)
        .into_response(&req);
    // Uploaded content never runs as part of the app.
    response.headers_mut().insert(
        actix_web::http::header::CONTENT_SECURITY_POLICY,
        actix_web::http::header::HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(response)
}

async fn delete(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let id = path.into_inner();
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let may_delete_any = identity.can(Permission::RecordsDelete);
    let deleted = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let Some(found) = attachments::find(conn, id)? else {
                return Err(AppError::NotFound);
            };
            if !may_delete_any && found.uploaded_by != Some(actor.0) {
                return Err(AppError::Forbidden);
            }
            attachments::delete(conn, tenant, Some(actor), id)?.ok_or(AppError::NotFound)
        })
        .await?;
    if let Some(file) = attachments::file_path(
        &state.settings.attachments_path(),
        tenant,
        &deleted.storage_key,
    ) && let Err(err) = std::fs::remove_file(&file)
    {
        tracing::warn!(error = %err, "could not remove a deleted attachment's file");
    }
    let kind = kind_of(&deleted.entity_type)?;
    respond(&req, &state, &identity, kind, deleted.entity_id, None).await
}
