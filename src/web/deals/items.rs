//! The deal page's line items and team sections (htmx): add and remove, each answering
//! with the section re-rendered (errors next to the fields, input kept).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::deal_items::{self, LineItem, NewLineItem, TeamMember};
use crate::domain::ids::{DealId, UserId};
use crate::domain::roles::Permission;
use crate::domain::visibility::{self, OwnerChoice};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::form_data::FormData;
use crate::web::forms::FieldErrors;
use crate::web::identity::Identity;
use crate::web::records::fields::parse_money;
use crate::web::render::{html_with_status, is_htmx, see_other};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/deals/{id:\\d+}/items", web::post().to(add_item))
        .route(
            "/deals/{id:\\d+}/items/{item_id:\\d+}/remove",
            web::post().to(remove_item),
        )
        .route("/deals/{id:\\d+}/team", web::post().to(add_member))
        .route(
            "/deals/{id:\\d+}/team/{user_id:\\d+}/remove",
            web::post().to(remove_member),
        );
}

#[derive(Template)]
#[template(path = "deals/_items.html")]
pub struct ItemsSection {
    pub deal_id: i64,
    pub currency: String,
    pub items: Vec<LineItem>,
    pub can_write: bool,
    pub errors: FieldErrors,
    pub product: String,
    pub quantity: String,
    pub unit_price: String,
    pub csrf_token: String,
}

impl ItemsSection {
    pub fn money(&self, minor: impl std::borrow::Borrow<i64>) -> String {
        crate::web::fmt::money(*minor.borrow(), &self.currency)
    }

    pub fn sum(&self) -> i64 {
        self.items
            .iter()
            .fold(0_i64, |sum, item| sum.saturating_add(item.total()))
    }
}

#[derive(Template)]
#[template(path = "deals/_team.html")]
pub struct TeamSection {
    pub deal_id: i64,
    pub members: Vec<TeamMember>,
    pub choices: Vec<OwnerChoice>,
    pub can_write: bool,
    pub error: Option<String>,
    pub csrf_token: String,
}

pub fn load_items(
    conn: &mut diesel::PgConnection,
    deal: &crate::domain::deals::Deal,
    can_write: bool,
    csrf_token: String,
) -> diesel::QueryResult<ItemsSection> {
    Ok(ItemsSection {
        deal_id: deal.id.0,
        currency: deal.currency.clone(),
        items: deal_items::line_items(conn, deal.id)?,
        can_write,
        errors: FieldErrors::default(),
        product: String::new(),
        quantity: "1".to_owned(),
        unit_price: String::new(),
        csrf_token,
    })
}

pub fn load_team(
    conn: &mut diesel::PgConnection,
    deal_id: DealId,
    can_write: bool,
    csrf_token: String,
) -> diesel::QueryResult<TeamSection> {
    let members = deal_items::team(conn, deal_id)?;
    let choices = visibility::owner_choices(conn)?
        .into_iter()
        .filter(|c| c.assignable && !members.iter().any(|m| m.user_id == c.id))
        .collect();
    Ok(TeamSection {
        deal_id: deal_id.0,
        members,
        choices,
        can_write,
        error: None,
        csrf_token,
    })
}

fn back(req: &HttpRequest, id: i64, status: StatusCode) -> Option<HttpResponse> {
    (!is_htmx(req) && status.is_success()).then(|| see_other(req, &format!("/deals/{id}")))
}

async fn add_item(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let id = path.into_inner();
    let form = FormData::new(form.into_inner());
    let product = form.text("product").trim().to_owned();
    let quantity = form.text("quantity").trim().to_owned();
    let unit_price = form.text("unit_price").trim().to_owned();
    let mut errors = FieldErrors::default();
    if product.is_empty() {
        errors.add("product", "Name the product.");
    } else if product.chars().count() > 200 {
        errors.add("product", "Use at most 200 characters.");
    }
    let parsed_quantity = quantity
        .parse::<i32>()
        .ok()
        .filter(|q| (1..=1_000_000).contains(q));
    if parsed_quantity.is_none() {
        errors.add("quantity", "Enter a whole number from 1 to 1,000,000.");
    }
    let price = parse_money(&unit_price);
    if price.is_none() {
        errors.add("unit_price", "Enter a price like 1,200 or 99.50.");
    }
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let csrf = identity.csrf_token().unwrap_or_default().to_owned();
    let (status, section) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let deal = crate::domain::deals::find(conn, DealId(id))?.ok_or(AppError::NotFound)?;
            let status = match (parsed_quantity, price) {
                (Some(quantity), Some(unit_price_minor)) if errors.is_empty() => {
                    let item = NewLineItem {
                        product: product.clone(),
                        quantity,
                        unit_price_minor,
                    };
                    deal_items::add_line_item(conn, tenant, Some(actor), deal.id, &item)?;
                    StatusCode::OK
                }
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let mut section = load_items(conn, &deal, true, csrf)?;
            if !status.is_success() {
                section.errors = errors;
                section.product = product;
                section.quantity = quantity;
                section.unit_price = unit_price;
            }
            Ok((status, section))
        })
        .await?;
    if let Some(redirect) = back(&req, id, status) {
        return Ok(redirect);
    }
    html_with_status(status, &section)
}

async fn remove_item(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let (id, item_id) = path.into_inner();
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let csrf = identity.csrf_token().unwrap_or_default().to_owned();
    let section = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let deal = crate::domain::deals::find(conn, DealId(id))?.ok_or(AppError::NotFound)?;
            if !deal_items::remove_line_item(conn, tenant, Some(actor), deal.id, item_id)? {
                return Err(AppError::NotFound);
            }
            Ok(load_items(conn, &deal, true, csrf)?)
        })
        .await?;
    if let Some(redirect) = back(&req, id, StatusCode::OK) {
        return Ok(redirect);
    }
    html_with_status(StatusCode::OK, &section)
}

async fn add_member(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let id = path.into_inner();
    let form = FormData::new(form.into_inner());
    let user = form.text("user_id").parse::<i64>().ok();
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let csrf = identity.csrf_token().unwrap_or_default().to_owned();
    let (status, section) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let error = match user {
                None => Some("Choose a person."),
                Some(user) if !visibility::can_assign(conn, user)? => {
                    Some("You can only add people whose records you can see.")
                }
                Some(user) => {
                    if !deal_items::add_member(conn, tenant, Some(actor), DealId(id), UserId(user))?
                    {
                        return Err(AppError::NotFound);
                    }
                    None
                }
            };
            if crate::domain::deals::find(conn, DealId(id))?.is_none() {
                return Err(AppError::NotFound);
            }
            let mut section = load_team(conn, DealId(id), true, csrf)?;
            section.error = error.map(str::to_owned);
            let status = if error.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            Ok((status, section))
        })
        .await?;
    if let Some(redirect) = back(&req, id, status) {
        return Ok(redirect);
    }
    html_with_status(status, &section)
}

async fn remove_member(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let (id, user) = path.into_inner();
    let tenant = identity.tenant_id;
    let actor = identity.user_id;
    let csrf = identity.csrf_token().unwrap_or_default().to_owned();
    let section = state
        .db
        .tenant(&identity.scope(), move |conn| {
            if !deal_items::remove_member(conn, tenant, Some(actor), DealId(id), UserId(user))? {
                return Err(AppError::NotFound);
            }
            Ok(load_team(conn, DealId(id), true, csrf)?)
        })
        .await?;
    if let Some(redirect) = back(&req, id, StatusCode::OK) {
        return Ok(redirect);
    }
    html_with_status(StatusCode::OK, &section)
}

// Rendered inside the deal page; their own escaping already happened.
impl askama::filters::HtmlSafe for ItemsSection {}
impl askama::filters::HtmlSafe for TeamSection {}
