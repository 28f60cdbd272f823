//! The deal routes' thin handlers: each hands over to the shared list and record pages.

use actix_web::{HttpRequest, HttpResponse, web};

use super::{Deals, LIST, stage};
use crate::domain::records::RecordKind;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::Page;
use crate::web::form_data::FormData;
use crate::web::identity::Identity;
use crate::web::lists;
use crate::web::records::{self, inline};

pub(super) async fn index(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    lists::list_page(&req, &page, &state, &crate::domain::deal_list::SPEC, &LIST).await
}

pub(super) async fn count(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    lists::exact_count(&req, &identity, &state, &crate::domain::deal_list::SPEC).await
}

pub(super) async fn export(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    lists::export::export(&req, &identity, &state, &crate::domain::deal_list::SPEC).await
}

pub(super) async fn bulk(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let form = FormData::new(form.into_inner());
    if form.text("action") == "stage" {
        return stage::bulk_stage(&req, &identity, &state, form).await;
    }
    let choice = LIST.bulk_choice.as_ref();
    lists::bulk::bulk(&req, &identity, &state, RecordKind::Deal, choice, form).await
}

pub(super) async fn new_form(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    records::new_form::<Deals>(&req, page, &state).await
}

pub(super) async fn create(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    records::create::<Deals>(req, page, &state, FormData::new(form.into_inner())).await
}

pub(super) async fn edit_form(
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    records::edit_form::<Deals>(page, &state, path.into_inner()).await
}

pub(super) async fn update(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    records::update::<Deals>(
        req,
        page,
        &state,
        path.into_inner(),
        FormData::new(form.into_inner()),
    )
    .await
}

pub(super) async fn delete(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    records::delete::<Deals>(req, identity, &state, path.into_inner()).await
}

pub(super) async fn restore(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    records::restore::<Deals>(req, identity, &state, path.into_inner()).await
}

pub(super) async fn field_show(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, name) = path.into_inner();
    inline::show::<Deals>(identity, &state, id, name).await
}

pub(super) async fn field_edit(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, name) = path.into_inner();
    inline::edit::<Deals>(identity, &state, id, name).await
}

pub(super) async fn field_update(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, name) = path.into_inner();
    inline::update::<Deals>(identity, &state, id, name, FormData::new(form.into_inner())).await
}
