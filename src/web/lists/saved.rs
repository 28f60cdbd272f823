//! Saved views: `POST /views` (save the current list as a named view, private or shared),
//! `POST /views/{id}` (update it with the current list), `POST /views/{id}/delete`.
//! Plain form posts that land on the view's URL (`/companies?view=12`), which anyone it is
//! shared with can open.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::domain::listing::ListQuery;
use crate::domain::records::RecordKind;
use crate::domain::roles::Permission;
use crate::domain::saved_views;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::flash::{self, Flash, Level};
use crate::web::form_data::FormData;
use crate::web::identity::Identity;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/views", web::post().to(create))
        .route("/views/{id}", web::post().to(update))
        .route("/views/{id}/delete", web::post().to(delete));
}

fn error(req: &HttpRequest, back: &str, text: String) -> HttpResponse {
    flash::redirect(
        req,
        back,
        Flash {
            level: Level::Error,
            text,
        },
    )
}

/// The list's definition as sent by the form, in canonical form.
fn definition(form: &FormData) -> String {
    ListQuery::parse(&form.text("query")).view_definition()
}

async fn create(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let form = FormData::new(form.into_inner());
    let kind = RecordKind::parse(&form.text("entity")).ok_or(AppError::NotFound)?;
    let back = format!("{}?{}", kind.path(), form.text("query"));
    let name = match saved_views::validate_name(&form.text("name")) {
        Ok(name) => name,
        Err(message) => return Ok(error(&req, &back, message)),
    };
    let shared = form.checked("shared");
    let query = definition(&form);
    let tenant = identity.tenant_id;
    let owner = identity.user_id;
    let view = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(saved_views::create(
                conn,
                tenant,
                owner,
                kind.entity(),
                &name,
                shared,
                &query,
            )?)
        })
        .await?;
    Ok(flash::redirect(
        &req,
        &format!("{}?view={}", kind.path(), view.id),
        Flash::success(format!("Saved the view \"{}\".", view.name)),
    ))
}

async fn update(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let id = path.into_inner();
    let form = FormData::new(form.into_inner());
    let kind = RecordKind::parse(&form.text("entity")).ok_or(AppError::NotFound)?;
    let back = format!("{}?view={id}", kind.path());
    let name = match saved_views::validate_name(&form.text("name")) {
        Ok(name) => name,
        Err(message) => return Ok(error(&req, &back, message)),
    };
    let shared = form.checked("shared");
    let query = definition(&form);
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let updated = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(saved_views::update(
                conn, tenant, actor, id, &name, shared, &query,
            )?)
        })
        .await?;
    match updated {
        Some(view) => Ok(flash::redirect(
            &req,
            &back,
            Flash::success(format!("Updated the view \"{}\".", view.name)),
        )),
        // Another person's shared view: readable, not changeable.
        None => Err(AppError::NotFound),
    }
}

async fn delete(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let id = path.into_inner();
    let form = FormData::new(form.into_inner());
    let kind = RecordKind::parse(&form.text("entity")).ok_or(AppError::NotFound)?;
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let deleted = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(saved_views::delete(conn, tenant, actor, id)?)
        })
        .await?;
    if !deleted {
        return Err(AppError::NotFound);
    }
    Ok(flash::redirect(
        &req,
        kind.path(),
        Flash::info("View deleted."),
    ))
}
