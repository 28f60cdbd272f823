//! `/admin/pipelines` (pipeline managers): pipelines with their stages; create, rename,
//! make default; add, edit, reorder (up / down), archive stages (moving their open deals
//! to a chosen stage) and choose the won and lost stage. htmx posts answer with the
//! pipelines block re-rendered (the error next to the form it concerns); plain forms are
//! redirected back with a flash.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::ids::{PipelineId, StageId};
use crate::domain::pipeline_admin::{self, AdminError, PipelineWithStages};
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::flash::{self, Flash};
use crate::web::form_data::FormData;
use crate::web::nav::Section;
use crate::web::render::{html_with_status, is_htmx};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/pipelines", web::get().to(index))
        .route("/admin/pipelines", web::post().to(create))
        .route("/admin/pipelines/{id:\\d+}/rename", web::post().to(rename))
        .route(
            "/admin/pipelines/{id:\\d+}/default",
            web::post().to(make_default),
        )
        .route(
            "/admin/pipelines/{id:\\d+}/stages",
            web::post().to(add_stage),
        )
        .route("/admin/stages/{id:\\d+}", web::post().to(update_stage))
        .route(
            "/admin/stages/{id:\\d+}/{action}",
            web::post().to(stage_action),
        );
}

#[derive(Template)]
#[template(path = "admin/pipelines.html", blocks = ["pipelines"])]
struct PipelinesPage {
    chrome: Chrome,
    pipelines: Vec<PipelineWithStages>,
    /// Which form the error belongs to ("new-pipeline", "pipeline-3", "stage-12", …).
    error_for: String,
    error: String,
    new_name: String,
}

impl PipelinesPage {
    fn error_at(&self, key: &str) -> Option<&str> {
        (self.error_for == key).then_some(self.error.as_str())
    }
}

async fn render(
    req: &HttpRequest,
    page: Page,
    state: &AppState,
    failure: Option<(String, String)>,
    new_name: String,
) -> Result<HttpResponse, AppError> {
    let pipelines = state
        .db
        .tenant(&page.identity.scope(), |conn| {
            Ok(pipeline_admin::overview(conn)?)
        })
        .await?;
    let status = if failure.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (error_for, error) = failure.unwrap_or_default();
    let view = PipelinesPage {
        chrome: page.chrome("Pipelines", Section::Pipelines),
        pipelines,
        error_for,
        error,
        new_name,
    };
    if is_htmx(req) {
        let body = view.as_pipelines().render()?;
        return Ok(HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body));
    }
    html_with_status(status, &view)
}

async fn index(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::PipelineManage)?;
    render(&req, page, &state, None, String::new()).await
}

/// Runs one admin change and answers: the block for htmx, a redirect otherwise.
async fn apply<F>(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    error_key: String,
    new_name: String,
    change: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(
            &mut diesel::PgConnection,
            crate::domain::ids::TenantId,
            crate::domain::ids::UserId,
        ) -> Result<(), AdminError>
        + Send
        + 'static,
{
    page.identity.require(Permission::PipelineManage)?;
    let tenant = page.identity.tenant_id;
    let actor = page.identity.user_id;
    let outcome = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            match change(conn, tenant, actor) {
                Ok(()) => Ok(Ok(())),
                Err(AdminError::Invalid(message)) => Ok(Err(message)),
                Err(AdminError::NotFound) => Err(AppError::NotFound),
                Err(AdminError::Database(error)) => Err(error.into()),
            }
        })
        .await?;
    match outcome {
        Ok(()) if is_htmx(&req) => render(&req, page, &state, None, String::new()).await,
        Ok(()) => Ok(flash::redirect(
            &req,
            "/admin/pipelines",
            Flash::success("Saved."),
        )),
        Err(message) if is_htmx(&req) => {
            render(&req, page, &state, Some((error_key, message)), new_name).await
        }
        Err(message) => {
            if error_key == "new-pipeline" {
                return render(&req, page, &state, Some((error_key, message)), new_name).await;
            }
            Ok(flash::redirect(
                &req,
                "/admin/pipelines",
                Flash {
                    level: flash::Level::Error,
                    text: message,
                },
            ))
        }
    }
}

fn form(body: web::Form<Vec<(String, String)>>) -> FormData {
    FormData::new(body.into_inner())
}

async fn create(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    body: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let name = form(body).text("name");
    let typed = name.clone();
    apply(
        req,
        page,
        state,
        "new-pipeline".to_owned(),
        typed,
        move |conn, tenant, actor| {
            pipeline_admin::create_pipeline(conn, tenant, Some(actor), &name).map(|_| ())
        },
    )
    .await
}

async fn rename(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let name = form(body).text("name");
    apply(
        req,
        page,
        state,
        format!("pipeline-{id}"),
        String::new(),
        move |conn, tenant, actor| {
            pipeline_admin::rename_pipeline(conn, tenant, Some(actor), PipelineId(id), &name)
        },
    )
    .await
}

async fn make_default(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    apply(
        req,
        page,
        state,
        format!("pipeline-{id}"),
        String::new(),
        move |conn, tenant, actor| {
            pipeline_admin::make_default(conn, tenant, Some(actor), PipelineId(id))
        },
    )
    .await
}

fn stage_input(form: &FormData) -> Result<pipeline_admin::StageInput, AdminError> {
    pipeline_admin::check_stage(
        &form.text("name"),
        &form.text("probability"),
        &form.text("colour"),
        &form.text("alert"),
    )
    .map_err(|errors| {
        AdminError::Invalid(
            errors
                .into_iter()
                .map(|(_, message)| message)
                .collect::<Vec<_>>()
                .join(" "),
        )
    })
}

async fn add_stage(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let form = form(body);
    apply(
        req,
        page,
        state,
        format!("new-stage-{id}"),
        String::new(),
        move |conn, tenant, actor| {
            let input = stage_input(&form)?;
            pipeline_admin::add_stage(conn, tenant, Some(actor), PipelineId(id), &input).map(|_| ())
        },
    )
    .await
}

async fn update_stage(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let form = form(body);
    apply(
        req,
        page,
        state,
        format!("stage-{id}"),
        String::new(),
        move |conn, tenant, actor| {
            let input = stage_input(&form)?;
            pipeline_admin::update_stage(conn, tenant, Some(actor), StageId(id), &input)
        },
    )
    .await
}

async fn stage_action(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    body: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let move_to = form(body).text("move_to").parse::<i64>().ok().map(StageId);
    let stage = StageId(id);
    apply(
        req,
        page,
        state,
        format!("stage-{id}"),
        String::new(),
        move |conn, tenant, actor| match action.as_str() {
            "up" => pipeline_admin::move_stage(conn, stage, true),
            "down" => pipeline_admin::move_stage(conn, stage, false),
            "won" => pipeline_admin::make_closing(conn, tenant, Some(actor), stage, true),
            "lost" => pipeline_admin::make_closing(conn, tenant, Some(actor), stage, false),
            "archive" => {
                pipeline_admin::archive_stage(conn, tenant, Some(actor), stage, move_to).map(|_| ())
            }
            _ => Err(AdminError::NotFound),
        },
    )
    .await
}
