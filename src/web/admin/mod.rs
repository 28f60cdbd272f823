//! Admin pages: the tenant's users and its security log.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::roles::Permission;
use crate::domain::security_log::{self, SecurityLogRow};
use crate::domain::users::{self, UserListRow};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::nav::Section;
use crate::web::render::html;

const SECURITY_PAGE_SIZE: i64 = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(users_page))
        .route("/admin/security", web::get().to(security_page));
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserListRow>,
}

async fn users_page(page: Page, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::UsersManage)?;
    let users = state
        .db
        .tenant(&page.identity.scope(), |conn| Ok(users::list(conn)?))
        .await?;
    html(&UsersPage {
        chrome: page.chrome("Users", Section::Users),
        users,
    })
}

#[derive(Template)]
#[template(path = "admin/security.html")]
struct SecurityPage {
    chrome: Chrome,
    entries: Vec<SecurityLogRow>,
    next_before: Option<i64>,
    paged: bool,
}

#[derive(Debug, Deserialize)]
struct SecurityQuery {
    before: Option<i64>,
}

async fn security_page(
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<SecurityQuery>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::SecurityRead)?;
    let before = query.before;
    let mut entries = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            Ok(security_log::list(conn, before, SECURITY_PAGE_SIZE + 1)?)
        })
        .await?;
    let has_more = entries.len() as i64 > SECURITY_PAGE_SIZE;
    entries.truncate(SECURITY_PAGE_SIZE as usize);
    let next_before = if has_more {
        entries.last().map(|entry| entry.id)
    } else {
        None
    };
    html(&SecurityPage {
        chrome: page.chrome("Security log", Section::SecurityLog),
        entries,
        next_before,
        paged: before.is_some(),
    })
}
