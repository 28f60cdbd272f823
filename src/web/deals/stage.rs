//! Stage moves from the deal page and the deal list: the stage menu (any stage of the
//! pipeline, or a stage of another pipeline as the explicit mapping), closing won / lost
//! with the reason, reopening, and the bulk stage change. All go through
//! [`crate::domain::stage_changes::change_stage`] (via `deal_edit::move_to_stage`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::deal_edit;
use crate::domain::ids::{DealId, StageId};
use crate::domain::records::{self, RecordKind};
use crate::domain::roles::Permission;
use crate::domain::stage_changes::{StageChangeError, StageChangeRequest};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::flash::{self, Flash};
use crate::web::form_data::FormData;
use crate::web::forms::FieldErrors;
use crate::web::identity::Identity;
use crate::web::lists::bulk::{MAX_BULK, respond, safe_return};
use crate::web::render::{html_with_status, is_htmx};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/deals/{id:\\d+}/stage", web::post().to(change));
}

/// The stage menu with its close fields; re-rendered with errors next to the fields.
#[derive(Template, Default)]
#[template(path = "deals/_stage_menu.html")]
pub struct StageMenu {
    pub deal_id: i64,
    pub status: String,
    /// (id, label, is_won, is_lost) for the deal's pipeline.
    pub stages: Vec<StageOption>,
    /// "Pipeline › Stage" of other pipelines (moving maps to the chosen stage).
    pub other_stages: Vec<(String, String)>,
    pub reopen_stage_id: Option<i64>,
    pub chosen: String,
    pub won_reason: String,
    pub lost_reason: String,
    pub lost_to_competitor: String,
    pub competitors: Vec<String>,
    pub errors: FieldErrors,
    pub csrf_token: String,
    pub can_write: bool,
}

#[derive(Debug, Clone)]
pub struct StageOption {
    pub id: i64,
    pub name: String,
    pub is_won: bool,
    pub is_lost: bool,
}

/// Loads the menu for a deal in the caller's transaction.
pub fn load_menu(
    conn: &mut diesel::PgConnection,
    deal: &crate::domain::deals::Deal,
    csrf_token: String,
    can_write: bool,
) -> diesel::QueryResult<StageMenu> {
    let stages: Vec<StageOption> = crate::domain::pipelines::stages(conn, deal.pipeline_id)?
        .into_iter()
        .map(|s| StageOption {
            id: s.id.0,
            name: s.name,
            is_won: s.is_closed_won,
            is_lost: s.is_closed_lost,
        })
        .collect();
    let own: std::collections::HashSet<String> = stages.iter().map(|s| s.id.to_string()).collect();
    let other_stages = crate::domain::deal_stages::choices(conn, true)?
        .into_iter()
        .filter(|(id, _)| !own.contains(id))
        .collect();
    Ok(StageMenu {
        deal_id: deal.id.0,
        status: deal.status.clone(),
        reopen_stage_id: stages
            .iter()
            .find(|s| !s.is_won && !s.is_lost)
            .map(|s| s.id),
        stages,
        other_stages,
        chosen: deal.stage_id.0.to_string(),
        won_reason: deal.won_reason.clone().unwrap_or_default(),
        lost_reason: deal.lost_reason.clone().unwrap_or_default(),
        lost_to_competitor: deal.lost_to_competitor.clone().unwrap_or_default(),
        competitors: deal.competitors.clone(),
        errors: FieldErrors::default(),
        csrf_token,
        can_write,
    })
}

fn trimmed(form: &FormData, name: &str, max: usize) -> Option<String> {
    form.optional(name)
        .map(|v| v.trim().chars().take(max).collect::<String>())
        .filter(|v| !v.is_empty())
}

/// `POST /deals/{id}/stage` (stage_id, won_reason, lost_reason, lost_to_competitor).
/// htmx: 422 with the menu and its errors, or `HX-Refresh` after the move.
async fn change(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let id = path.into_inner();
    let form = FormData::new(form.into_inner());
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let csrf = identity.csrf_token().unwrap_or_default().to_owned();
    let chosen = form.text("stage_id");
    let won_reason = trimmed(&form, "won_reason", 2000);
    let lost_reason = trimmed(&form, "lost_reason", 2000);
    let lost_to = trimmed(&form, "lost_to_competitor", 200);
    let outcome = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let deal = crate::domain::deals::find(conn, DealId(id))?.ok_or(AppError::NotFound)?;
            let mut errors = FieldErrors::default();
            let target = match chosen.parse::<i64>() {
                Ok(stage_id) => deal_edit::stage(conn, StageId(stage_id))?,
                Err(_) => None,
            };
            match &target {
                None => errors.add("stage_id", "Choose a stage."),
                Some(stage) if stage.is_closed_won && won_reason.is_none() => {
                    errors.add("won_reason", "Say why the deal was won.")
                }
                Some(stage) if stage.is_closed_lost && lost_reason.is_none() => {
                    errors.add("lost_reason", "Say why the deal was lost.")
                }
                Some(_) => {}
            }
            if let Some(stage) = target.filter(|_| errors.is_empty()) {
                let mut request = StageChangeRequest::to(stage.id, Some(actor));
                request.won_reason = won_reason.clone();
                request.lost_reason = lost_reason.clone();
                request.lost_to_competitor = lost_to.clone();
                match deal_edit::move_to_stage(conn, tenant, deal.id, &request) {
                    Ok(_) => return Ok(Ok(())),
                    Err(StageChangeError::Database(error)) => return Err(error.into()),
                    Err(StageChangeError::DealNotFound) => return Err(AppError::NotFound),
                    Err(StageChangeError::InvalidStage) => {
                        errors.add("stage_id", "That stage is no longer available.")
                    }
                }
            }
            let mut menu = load_menu(conn, &deal, csrf, true)?;
            menu.chosen = chosen;
            menu.won_reason = won_reason.unwrap_or_default();
            menu.lost_reason = lost_reason.unwrap_or_default();
            menu.lost_to_competitor = lost_to.unwrap_or_default();
            menu.errors = errors;
            Ok(Err(menu))
        })
        .await?;
    let back = format!("/deals/{id}");
    match outcome {
        Ok(()) if is_htmx(&req) => Ok(HttpResponse::Ok()
            .insert_header(("HX-Refresh", "true"))
            .finish()),
        Ok(()) => Ok(flash::redirect(
            &req,
            &back,
            Flash::success("Stage changed."),
        )),
        Err(menu) if is_htmx(&req) => html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &menu),
        Err(menu) => {
            let message = menu
                .errors
                .iter()
                .map(|(_, m)| m.to_owned())
                .collect::<Vec<_>>()
                .join(" ");
            Ok(flash::redirect(
                &req,
                &back,
                Flash {
                    level: flash::Level::Error,
                    text: message,
                },
            ))
        }
    }
}

/// The list's bulk "Move to stage": one `change_stage` per deal (each writes its own
/// history row). Closing stages are refused here: they need a reason per deal.
pub async fn bulk_stage(
    req: &HttpRequest,
    identity: &Identity,
    state: &AppState,
    form: FormData,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let ids = form.ids("ids");
    let back = safe_return(&form.text("return_to"), "/deals");
    if ids.is_empty() {
        return Ok(respond(
            req,
            &back,
            "Select at least one record.".to_owned(),
            "error",
            None,
            false,
        ));
    }
    if ids.len() > MAX_BULK {
        let message = format!("Select at most {MAX_BULK} records at a time.");
        return Ok(respond(req, &back, message, "error", None, false));
    }
    let Ok(stage_id) = form.text("stage_id").parse::<i64>() else {
        return Ok(respond(
            req,
            &back,
            "Choose a stage.".to_owned(),
            "error",
            None,
            false,
        ));
    };
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let result = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let Some(stage) = deal_edit::stage(conn, StageId(stage_id))? else {
                return Ok(Err("That stage is no longer available.".to_owned()));
            };
            if stage.is_closed() {
                return Ok(Err(
                    "Close deals one by one from their page: won and lost need a reason."
                        .to_owned(),
                ));
            }
            let mut moved = 0;
            for id in records::visible_live_ids(conn, RecordKind::Deal, &ids)? {
                let request = StageChangeRequest::to(stage.id, Some(actor));
                match deal_edit::move_to_stage(conn, tenant, DealId(id), &request) {
                    Ok(crate::domain::stage_changes::StageChangeOutcome::Changed { .. }) => {
                        moved += 1
                    }
                    Ok(_) => {}
                    Err(StageChangeError::Database(error)) => return Err(error.into()),
                    Err(_) => {}
                }
            }
            Ok(Ok((moved, stage.name)))
        })
        .await?;
    match result {
        Ok((moved, stage)) => {
            let message = format!("Moved {} to {stage}.", RecordKind::Deal.count_noun(moved));
            Ok(respond(req, &back, message, "success", None, true))
        }
        Err(message) => Ok(respond(req, &back, message, "error", None, false)),
    }
}

// Rendered inside the deal page; its own escaping already happened.
impl askama::filters::HtmlSafe for StageMenu {}
