//! Every unsafe request needs a valid CSRF token; a missing or wrong one changes nothing.

use diesel::prelude::*;
use rapport::db::schema::{api_tokens, security_logs};
use reqwest::StatusCode;

use crate::support::{PASSWORD, TestApp, TwoTenants};

async fn token_count(app: &TestApp) -> i64 {
    app.blocking(|db| {
        db.system_blocking(|conn| -> anyhow::Result<i64> {
            Ok(api_tokens::table.count().get_result(conn)?)
        })
    })
    .await
    .unwrap_or_else(|err| panic!("{err}"))
}

async fn csrf_rejections(app: &TestApp) -> i64 {
    app.blocking(|db| {
        db.system_blocking(|conn| -> anyhow::Result<i64> {
            Ok(security_logs::table
                .filter(security_logs::event.eq("csrf_rejected"))
                .count()
                .get_result(conn)?)
        })
    })
    .await
    .unwrap_or_else(|err| panic!("{err}"))
}

#[tokio::test]
async fn a_post_without_a_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.login(&tenants.a.admin_email, PASSWORD).await;
    client.page("/settings/tokens").await;

    let missing = client
        .post_form_raw("/settings/tokens", &[("name", "sneaky")])
        .await;
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    let wrong = client
        .post_form_raw(
            "/settings/tokens",
            &[("name", "sneaky"), ("csrf_token", "forged")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let page = crate::support::Page::parse(wrong.text().await.unwrap_or_default());
    assert_eq!(page.text("h1"), "Form expired");

    assert_eq!(token_count(&app).await, 0);
    assert_eq!(csrf_rejections(&app).await, 2);

    // The same request with the page's token goes through.
    let ok = client
        .post_form("/settings/tokens", &[("name", "legit")])
        .await;
    assert_eq!(ok.status(), StatusCode::CREATED);
    assert_eq!(token_count(&app).await, 1);
}

#[tokio::test]
async fn the_header_token_htmx_sends_is_accepted() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.login(&tenants.a.admin_email, PASSWORD).await;
    client.page("/").await;
    let token = client.csrf_token().unwrap_or_default();
    let response = client
        .http
        .post(client.url("/settings/tokens"))
        .header("X-CSRF-Token", token)
        .header("HX-Request", "true")
        .form(&[("name", "from htmx")])
        .send()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(token_count(&app).await, 1);
}

#[tokio::test]
async fn another_sessions_token_does_not_work() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let mallory = app.login(&tenants.a.rep_email, PASSWORD).await;
    mallory.page("/").await;
    let malloys_token = mallory.csrf_token().unwrap_or_default();
    let victim = app.login(&tenants.a.admin_email, PASSWORD).await;
    let response = victim
        .post_form_raw(
            "/settings/tokens",
            &[("name", "x"), ("csrf_token", &malloys_token)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(token_count(&app).await, 0);
}

#[tokio::test]
async fn sign_in_without_the_form_cookie_is_refused() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.client();
    // No GET /login first, so no anonymous CSRF cookie.
    let response = client
        .post_form_raw(
            "/login",
            &[
                ("email", &tenants.a.admin_email),
                ("password", PASSWORD),
                ("csrf_token", "guess"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(csrf_rejections(&app).await, 1);
    assert_eq!(
        client.get("/").await.status(),
        StatusCode::SEE_OTHER,
        "still signed out"
    );
}

#[tokio::test]
async fn api_json_errors_for_csrf_failures_on_session_requests() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.login(&tenants.a.admin_email, PASSWORD).await;
    let response = client
        .http
        .post(client.url("/api/me"))
        .send()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    assert_eq!(body["error"]["status"], 403);
}
