//! The deal board (`/board`): a Kanban column per live stage of a pipeline with count,
//! amount and weighted amount, cards loaded a page at a time per column, filters in the
//! URL, and moves by drag-and-drop or each card's stage menu (see [`moves`]).

mod moves;
pub mod query;
pub mod view;

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use diesel::prelude::*;

use crate::db::schema::teams;
use crate::domain::board::{self, CardCursor};
use crate::domain::ids::{PipelineId, StageId};
use crate::domain::pipelines::{self, Pipeline};
use crate::domain::roles::Permission;
use crate::domain::visibility::{self, OwnerChoice};
use crate::domain::{deal_edit, tags};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::form_data::FormData;
use crate::web::identity::Identity;
use crate::web::nav::Section;
use crate::web::render::html;

use query::BoardQuery;
use view::{BoardContext, ColumnView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/board", web::get().to(index))
        .route("/board/column", web::get().to(column))
        .route("/board/move", web::post().to(moves::move_card));
}

#[derive(Template)]
#[template(path = "board/index.html")]
struct BoardPage {
    chrome: Chrome,
    pipelines: Vec<Pipeline>,
    pipeline_id: i64,
    query: BoardQuery,
    owners: Vec<OwnerChoice>,
    teams: Vec<(i64, String)>,
    tags: Vec<(i64, String)>,
    columns: Vec<ColumnView>,
    can_write: bool,
    board_query: String,
}

/// The board context for a pipeline (its live stages) as `identity` sees it.
fn context(
    conn: &mut PgConnection,
    identity_parts: &(crate::domain::ids::TenantId, bool, String),
    pipeline_id: PipelineId,
    query: &BoardQuery,
) -> QueryResult<BoardContext> {
    let (tenant_id, can_write, csrf_token) = identity_parts.clone();
    Ok(BoardContext {
        tenant_id,
        filter: query.filter.clone(),
        board_query: query.board_query(pipeline_id.0),
        stages: pipelines::stages(conn, pipeline_id)?,
        can_write,
        csrf_token,
        now: Utc::now(),
    })
}

fn parts(identity: &Identity) -> (crate::domain::ids::TenantId, bool, String) {
    (
        identity.tenant_id,
        identity.can(Permission::RecordsWrite),
        identity.csrf_token().unwrap_or_default().to_owned(),
    )
}

/// `GET /board?pipeline=ID&owner=&team=&tag=&close=YYYY-MM&min=&max=`.
async fn index(
    page: Page,
    state: web::Data<AppState>,
    params: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let identity = &page.identity;
    identity.require(Permission::RecordsRead)?;
    let query = BoardQuery::parse(&FormData::new(params.into_inner()), identity.user_id);
    let parts = parts(identity);
    let chrome = page.chrome("Board", Section::Board);
    let view = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let pipelines = board::pipelines(conn)?;
            let chosen = match query.pipeline {
                Some(id) => pipelines.iter().find(|p| p.id.0 == id),
                None => pipelines.first(),
            }
            .ok_or(AppError::NotFound)?
            .id;
            let ctx = context(conn, &parts, chosen, &query)?;
            let teams: Vec<(i64, String)> = teams::table
                .filter(teams::deleted_at.is_null())
                .order((teams::name, teams::id))
                .select((teams::id, teams::name))
                .load(conn)?;
            let tags = tags::list(conn)?
                .into_iter()
                .map(|tag| (tag.id.0, tag.name))
                .collect();
            Ok(BoardPage {
                chrome,
                columns: ctx.columns(conn)?,
                board_query: ctx.board_query,
                can_write: ctx.can_write,
                pipeline_id: chosen.0,
                pipelines,
                owners: visibility::owner_choices(conn)?,
                teams,
                tags,
                query,
            })
        })
        .await?;
    html(&view)
}

/// `GET /board/column?stage=ID&after=CURSOR&(filters)`: the next cards of one column.
async fn column(
    identity: Identity,
    state: web::Data<AppState>,
    params: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let form = FormData::new(params.into_inner());
    let stage_id = form
        .text("stage")
        .parse::<i64>()
        .map_err(|_| AppError::bad_request("Which column? `stage` must be a stage id."))?;
    let after = match form.optional("after") {
        Some(text) => Some(
            CardCursor::decode(&text)
                .ok_or_else(|| AppError::bad_request("`after` is not a board position."))?,
        ),
        None => None,
    };
    let query = BoardQuery::parse(&form, identity.user_id);
    let parts = parts(&identity);
    let fragment = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let stage = deal_edit::stage(conn, StageId(stage_id))?.ok_or(AppError::NotFound)?;
            let ctx = context(conn, &parts, stage.pipeline_id, &query)?;
            Ok(ctx.cards(conn, &stage, after)?)
        })
        .await?;
    html(&fragment)
}
