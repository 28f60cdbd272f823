//! `POST /board/move`: a card dropped on another column, or its stage menu. The move is one
//! [`change_stage`] call (one history row, one timeline entry); closing stages first ask
//! for the won / lost reason. The answer is an undo toast plus the two changed columns
//! (figures and first page), or the reason dialog.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::query::BoardQuery;
use super::view::ColumnView;
use super::{context, parts};
use crate::domain::board;
use crate::domain::deals;
use crate::domain::ids::DealId;
use crate::domain::pipelines;
use crate::domain::roles::Permission;
use crate::domain::stage_changes::{
    StageChangeError, StageChangeOutcome, StageChangeRequest, change_stage,
};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::flash::{self, Flash};
use crate::web::form_data::FormData;
use crate::web::forms::FieldErrors;
use crate::web::nav::Section;
use crate::web::render::{html, html_with_status, is_htmx};

/// Asks for the reason before closing a deal from the board.
#[derive(Template, Default)]
#[template(path = "board/_reason.html")]
pub struct ReasonDialog {
    pub deal_id: i64,
    pub deal_title: String,
    pub stage_id: i64,
    pub stage_name: String,
    pub is_won: bool,
    pub board_query: String,
    pub csrf_token: String,
    pub won_reason: String,
    pub lost_reason: String,
    pub lost_to_competitor: String,
    pub errors: FieldErrors,
}

impl askama::filters::HtmlSafe for ReasonDialog {}

/// The reason dialog as a page, for browsers without JavaScript.
#[derive(Template)]
#[template(path = "board/reason.html")]
struct ReasonPage {
    chrome: Chrome,
    dialog: ReasonDialog,
}

/// What the undo button sends back: the previous stage and, when that stage closed the
/// deal, its reasons (so undoing a reopen closes it again the way it was).
#[derive(Debug, Clone)]
pub struct Undo {
    pub deal_id: i64,
    pub stage_id: i64,
    pub won_reason: Option<String>,
    pub lost_reason: Option<String>,
    pub lost_to_competitor: Option<String>,
}

#[derive(Template)]
#[template(path = "board/_moved.html")]
struct Moved {
    message: String,
    undo: Option<Undo>,
    columns: Vec<ColumnView>,
    csrf_token: String,
    board_query: String,
}

enum Outcome {
    Moved(Moved),
    NeedsReason(ReasonDialog),
}

fn trimmed(form: &FormData, name: &str, max: usize) -> Option<String> {
    form.optional(name)
        .map(|v| v.trim().chars().take(max).collect::<String>())
        .filter(|v| !v.is_empty())
}

fn id(form: &FormData, name: &str) -> Result<i64, AppError> {
    form.text(name)
        .parse()
        .map_err(|_| AppError::bad_request(format!("`{name}` must be an id.")))
}

/// `POST /board/move` (deal_id, stage_id, board_query, won_reason, lost_reason,
/// lost_to_competitor, undo).
pub async fn move_card(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let identity = &page.identity;
    identity.require(Permission::RecordsWrite)?;
    let form = FormData::new(form.into_inner());
    let deal_id = id(&form, "deal_id")?;
    let stage_id = id(&form, "stage_id")?;
    let undoing = form.has("undo");
    let board_form = FormData::new(
        form_urlencoded::parse(form.text("board_query").as_bytes())
            .into_owned()
            .collect(),
    );
    let query = BoardQuery::parse(&board_form, identity.user_id);
    let won_reason = trimmed(&form, "won_reason", 2000);
    let lost_reason = trimmed(&form, "lost_reason", 2000);
    let lost_to = trimmed(&form, "lost_to_competitor", 200);
    let reason_sent = form.has("won_reason") || form.has("lost_reason");
    let parts = parts(identity);
    let (tenant, actor) = (identity.tenant_id, identity.user_id);
    let outcome = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let deal = deals::find(conn, DealId(deal_id))?.ok_or(AppError::NotFound)?;
            let stages = pipelines::stages(conn, deal.pipeline_id)?;
            let target = stages
                .iter()
                .find(|s| s.id.0 == stage_id)
                .cloned()
                .ok_or_else(|| AppError::bad_request("That stage is not on this deal's board."))?;
            let board_query = query.board_query(deal.pipeline_id.0);
            let missing = (target.is_closed_won && won_reason.is_none())
                || (target.is_closed_lost && lost_reason.is_none());
            if missing {
                let mut errors = FieldErrors::default();
                if reason_sent && target.is_closed_won {
                    errors.add("won_reason", "Say why the deal was won.");
                } else if reason_sent {
                    errors.add("lost_reason", "Say why the deal was lost.");
                }
                return Ok(Outcome::NeedsReason(ReasonDialog {
                    deal_id,
                    deal_title: deal.title,
                    stage_id,
                    stage_name: target.name,
                    is_won: target.is_closed_won,
                    board_query,
                    csrf_token: parts.2.clone(),
                    lost_to_competitor: lost_to.unwrap_or_default(),
                    errors,
                    ..ReasonDialog::default()
                }));
            }
            let mut request = StageChangeRequest::to(target.id, Some(actor));
            request.won_reason = won_reason;
            request.lost_reason = lost_reason;
            request.lost_to_competitor = lost_to;
            let from = match change_stage(conn, tenant, deal.id, &request) {
                Ok(StageChangeOutcome::Changed { from, .. }) => Some(from),
                Ok(StageChangeOutcome::Unchanged) => None,
                Err(StageChangeError::Database(error)) => return Err(error.into()),
                Err(StageChangeError::DealNotFound) => return Err(AppError::NotFound),
                Err(StageChangeError::InvalidStage) => {
                    return Err(AppError::bad_request("That stage is no longer available."));
                }
            };
            let ctx = context(conn, &parts, deal.pipeline_id, &query)?;
            let Some(from) = from else {
                return Ok(Outcome::Moved(Moved {
                    message: format!("Already in {}.", target.name),
                    undo: None,
                    columns: Vec::new(),
                    csrf_token: ctx.csrf_token,
                    board_query,
                }));
            };
            let totals = board::totals(
                conn,
                tenant,
                deal.pipeline_id,
                &ctx.stages,
                &ctx.filter,
                ctx.now,
            )?;
            let mut columns = Vec::new();
            for stage in ctx
                .stages
                .iter()
                .filter(|s| s.id == from || s.id == target.id)
            {
                columns.push(ctx.column(conn, stage, &totals)?);
            }
            let from_live = ctx.stages.iter().any(|s| s.id == from);
            let undo = (!undoing && from_live).then(|| Undo {
                deal_id,
                stage_id: from.0,
                won_reason: deal.won_reason.clone(),
                lost_reason: deal.lost_reason.clone(),
                lost_to_competitor: deal.lost_to_competitor.clone(),
            });
            let verb = if undoing { "Moved back to" } else { "Moved to" };
            Ok(Outcome::Moved(Moved {
                message: format!("{verb} {}", target.name),
                undo,
                columns,
                csrf_token: ctx.csrf_token,
                board_query,
            }))
        })
        .await?;
    match outcome {
        Outcome::Moved(moved) if is_htmx(&req) => html(&moved),
        Outcome::Moved(moved) => Ok(flash::redirect(
            &req,
            &format!("/board?{}", moved.board_query),
            Flash::success(format!("{}.", moved.message.trim_end_matches('.'))),
        )),
        Outcome::NeedsReason(dialog) if is_htmx(&req) => {
            let mut response = html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &dialog)?;
            let headers = response.headers_mut();
            headers.insert(
                actix_web::http::header::HeaderName::from_static("hx-retarget"),
                actix_web::http::header::HeaderValue::from_static("#board-dialog"),
            );
            headers.insert(
                actix_web::http::header::HeaderName::from_static("hx-reswap"),
                actix_web::http::header::HeaderValue::from_static("innerHTML"),
            );
            Ok(response)
        }
        Outcome::NeedsReason(dialog) => {
            let chrome = page.chrome("Close the deal", Section::Board);
            html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ReasonPage { chrome, dialog },
            )
        }
    }
}
