//! Tags: the tags page (usage counts, create, rename and recolour, merge, delete) and the
//! tag chips on a record (add by name, remove), which update in place with htmx.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::ids::TagId;
use crate::domain::records::{self, RecordKind};
use crate::domain::roles::Permission;
use crate::domain::tags::{self, TagChip, TagUsage};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::flash::{self, Flash, Level};
use crate::web::form_data::FormData;
use crate::web::identity::Identity;
use crate::web::nav::Section;
use crate::web::render::html_with_status;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tags", web::get().to(index))
        .route("/tags", web::post().to(create))
        .route("/tags/{id}", web::post().to(update))
        .route("/tags/{id}/merge", web::post().to(merge))
        .route("/tags/{id}/delete", web::post().to(delete))
        .route("/records/{entity}/{id}/tags", web::post().to(add_to_record))
        .route(
            "/records/{entity}/{id}/tags/{tag}/remove",
            web::post().to(remove_from_record),
        );
}

#[derive(Template)]
#[template(path = "tags/index.html")]
struct TagsPage {
    chrome: Chrome,
    tags: Vec<TagUsage>,
    palette: &'static [&'static str],
    can_manage: bool,
    can_create: bool,
}

async fn index(page: Page, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::RecordsRead)?;
    let tags = state
        .db
        .tenant(&page.identity.scope(), |conn| {
            Ok(tags::list_with_usage(conn)?)
        })
        .await?;
    html_with_status(
        StatusCode::OK,
        &TagsPage {
            chrome: page.chrome("Tags", Section::Tags),
            tags,
            palette: tags::PALETTE,
            can_manage: page.identity.can(Permission::RecordsDelete),
            can_create: page.identity.can(Permission::RecordsWrite),
        },
    )
}

fn back_with_error(req: &HttpRequest, text: String) -> HttpResponse {
    flash::redirect(
        req,
        "/tags",
        Flash {
            level: Level::Error,
            text,
        },
    )
}

async fn create(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let form = FormData::new(form.into_inner());
    let name = match tags::validate_name(&form.text("name")) {
        Ok(name) => name,
        Err(message) => return Ok(back_with_error(&req, message)),
    };
    let colour = match tags::validate_colour(
        &form
            .optional("colour")
            .unwrap_or_else(|| tags::DEFAULT_COLOUR.to_owned()),
    ) {
        Ok(colour) => colour,
        Err(message) => return Ok(back_with_error(&req, message)),
    };
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let created = state
        .db
        .tenant(&identity.scope(), move |conn| {
            if tags::find_by_name(conn, &name)?.is_some() {
                return Ok(Err(format!("There is already a tag called \"{name}\".")));
            }
            Ok(Ok(tags::create(conn, tenant, &name, &colour, Some(actor))?))
        })
        .await?;
    Ok(match created {
        Ok(tag) => flash::redirect(
            &req,
            "/tags",
            Flash::success(format!("Tag \"{}\" created.", tag.name)),
        ),
        Err(message) => back_with_error(&req, message),
    })
}

async fn update(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsDelete)?;
    let id = TagId(path.into_inner());
    let form = FormData::new(form.into_inner());
    let name = match tags::validate_name(&form.text("name")) {
        Ok(name) => name,
        Err(message) => return Ok(back_with_error(&req, message)),
    };
    let colour = match tags::validate_colour(&form.text("colour")) {
        Ok(colour) => colour,
        Err(message) => return Ok(back_with_error(&req, message)),
    };
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let outcome = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let before = tags::find(conn, id)?.ok_or(AppError::NotFound)?;
            if let Some(other) = tags::find_by_name(conn, &name)?
                && other.id != id
            {
                return Ok(Err(format!(
                    "There is already a tag called \"{name}\". Merge into it instead."
                )));
            }
            Ok(Ok(tags::update(
                conn,
                tenant,
                &before,
                &name,
                &colour,
                Some(actor),
            )?))
        })
        .await?;
    Ok(match outcome {
        Ok(tag) => flash::redirect(
            &req,
            "/tags",
            Flash::success(format!("Tag \"{}\" saved.", tag.name)),
        ),
        Err(message) => back_with_error(&req, message),
    })
}

async fn merge(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsDelete)?;
    let source = TagId(path.into_inner());
    let form = FormData::new(form.into_inner());
    let Ok(target) = form.text("into").parse::<i64>().map(TagId) else {
        return Ok(back_with_error(
            &req,
            "Choose the tag to merge into.".to_owned(),
        ));
    };
    if target == source {
        return Ok(back_with_error(
            &req,
            "Choose a different tag to merge into.".to_owned(),
        ));
    }
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let (from, into, moved) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let from = tags::find(conn, source)?.ok_or(AppError::NotFound)?;
            let into = tags::find(conn, target)?.ok_or(AppError::NotFound)?;
            let moved = tags::merge(conn, tenant, &from, &into, Some(actor))?;
            Ok((from, into, moved))
        })
        .await?;
    Ok(flash::redirect(
        &req,
        "/tags",
        Flash::success(format!(
            "Merged \"{}\" into \"{}\" ({moved} records retagged).",
            from.name, into.name
        )),
    ))
}

async fn delete(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsDelete)?;
    let id = TagId(path.into_inner());
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let tag = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let tag = tags::find(conn, id)?.ok_or(AppError::NotFound)?;
            tags::delete(conn, tenant, &tag, Some(actor))?;
            Ok(tag)
        })
        .await?;
    Ok(flash::redirect(
        &req,
        "/tags",
        Flash::info(format!("Tag \"{}\" deleted.", tag.name)),
    ))
}

/// The tag chips of one record.
#[derive(Template)]
#[template(path = "tags/_record_tags.html")]
pub struct RecordTags {
    pub entity: &'static str,
    pub id: i64,
    pub tags: Vec<TagChip>,
    pub all: Vec<TagChip>,
    pub editable: bool,
    pub error: Option<String>,
}

/// A rendered template is escaped HTML: record pages embed it as it is.
impl askama::filters::HtmlSafe for RecordTags {}

impl RecordTags {
    /// Loads a record's tags (and every tag, for suggestions) in the caller's transaction.
    pub fn load(
        conn: &mut diesel::PgConnection,
        kind: RecordKind,
        id: i64,
        editable: bool,
    ) -> diesel::QueryResult<RecordTags> {
        Ok(RecordTags {
            entity: kind.entity(),
            id,
            tags: tags::for_record(conn, kind.entity(), id)?,
            all: tags::list(conn)?
                .into_iter()
                .map(|t| TagChip {
                    id: t.id.0,
                    name: t.name,
                    colour: t.colour,
                })
                .collect(),
            editable,
            error: None,
        })
    }
}

async fn add_to_record(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let (entity, id) = path.into_inner();
    let kind = RecordKind::parse(&entity).ok_or(AppError::NotFound)?;
    let form = FormData::new(form.into_inner());
    let name = tags::validate_name(&form.text("name"));
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let view = state
        .db
        .tenant(&identity.scope(), move |conn| {
            if records::visible_live_ids(conn, kind, &[id])?.is_empty() {
                return Err(AppError::NotFound);
            }
            let error = match name {
                Ok(name) => {
                    let tag = tags::find_or_create(conn, tenant, &name, Some(actor))?;
                    records::apply_bulk(
                        conn,
                        tenant,
                        Some(actor),
                        kind,
                        &[id],
                        &records::BulkAction::AddTag(tag.id),
                    )?;
                    None
                }
                Err(message) => Some(message),
            };
            let mut view = RecordTags::load(conn, kind, id, true)?;
            view.error = error;
            Ok(view)
        })
        .await?;
    let status = if view.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html_with_status(status, &view)
}

async fn remove_from_record(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(String, i64, i64)>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let (entity, id, tag) = path.into_inner();
    let kind = RecordKind::parse(&entity).ok_or(AppError::NotFound)?;
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let view = state
        .db
        .tenant(&identity.scope(), move |conn| {
            if records::visible_live_ids(conn, kind, &[id])?.is_empty() {
                return Err(AppError::NotFound);
            }
            records::apply_bulk(
                conn,
                tenant,
                Some(actor),
                kind,
                &[id],
                &records::BulkAction::RemoveTag(TagId(tag)),
            )?;
            Ok(RecordTags::load(conn, kind, id, true)?)
        })
        .await?;
    html_with_status(StatusCode::OK, &view)
}
