//! Stage lookups and htmx-style requests for the deal tests.

use diesel::prelude::*;
use rapport::db::schema::{deal_stage_history, pipeline_stages, pipelines};
use rapport::db::{Db, TenantScope};
use rapport::domain::ids::TenantId;
use reqwest::StatusCode;

use crate::support::Page;
use crate::support::app::TestClient;

/// The id of the default pipeline's stage with this name.
pub fn stage_id(db: &Db, tenant: TenantId, name: &str) -> i64 {
    let wanted = name.to_owned();
    db.tenant_blocking(
        &TenantScope::service(tenant.0),
        move |conn| -> anyhow::Result<i64> {
            Ok(pipeline_stages::table
                .inner_join(pipelines::table.on(pipelines::id.eq(pipeline_stages::pipeline_id)))
                .filter(pipelines::is_default.eq(true))
                .filter(pipeline_stages::name.eq(&wanted))
                .select(pipeline_stages::id)
                .first(conn)?)
        },
    )
    .unwrap_or_else(|err| panic!("no stage {name}: {err:#}"))
}

/// How many history rows the deal has.
pub fn history_count(db: &Db, tenant: TenantId, deal: i64) -> i64 {
    db.tenant_blocking(
        &TenantScope::service(tenant.0),
        move |conn| -> anyhow::Result<i64> {
            Ok(deal_stage_history::table
                .filter(deal_stage_history::deal_id.eq(deal))
                .count()
                .get_result(conn)?)
        },
    )
    .unwrap_or_else(|err| panic!("{err:#}"))
}

/// A POST the way htmx sends it (CSRF header, HX-Request).
pub async fn htmx_post(
    client: &TestClient,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, Page) {
    let token = client
        .csrf_token()
        .unwrap_or_else(|| panic!("load a page before POST {path}"));
    let response = client
        .http
        .post(client.url(path))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token)
        .form(fields)
        .send()
        .await
        .unwrap_or_else(|err| panic!("POST {path}: {err}"));
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_else(|err| panic!("{err}"));
    (status, headers, Page::parse(text))
}
