//! The home page: who you are, which tenant, and what it holds.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::counts::{self, RecordCounts};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::nav::Section;
use crate::web::render::html;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home));
}

#[derive(Template)]
#[template(path = "home/index.html")]
struct HomePage {
    chrome: Chrome,
    user_name: String,
    tenant_name: String,
    counts: RecordCounts,
}

async fn home(page: Page, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let counts = state
        .db
        .tenant(&page.identity.scope(), |conn| {
            Ok(counts::record_counts(conn, counts::DEFAULT_CAP)?)
        })
        .await?;
    html(&HomePage {
        chrome: page.chrome("Home", Section::Home),
        user_name: page.identity.name.clone(),
        tenant_name: page.identity.tenant_name.clone(),
        counts,
    })
}
