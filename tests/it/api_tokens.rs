//! Personal API tokens: created from the settings page, shown once, used as Bearer tokens,
//! revoked.

use reqwest::StatusCode;

use crate::support::{PASSWORD, TestApp, TwoTenants};

/// Signs in as `email`, creates a token through the page, returns the token.
pub async fn create_token(app: &TestApp, email: &str, name: &str) -> String {
    let client = app.login(email, PASSWORD).await;
    client.page("/settings/tokens").await;
    let response = client
        .post_form(
            "/settings/tokens",
            &[("name", name), ("expires_in_days", "")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let page = crate::support::Page::parse(response.text().await.unwrap_or_default());
    page.text("#new-token-value")
}

#[tokio::test]
async fn a_token_is_shown_once_and_authenticates_api_calls() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let token = create_token(&app, &tenants.a.rep_email, "Reporting script").await;
    assert!(token.starts_with("rpt_") && token.len() > 40, "{token}");

    // Listed afterwards by prefix only.
    let client = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (_, page) = client.page("/settings/tokens").await;
    assert!(!page.exists("#new-token-value"));
    assert!(
        !page.source.contains(&token),
        "the full token is never shown again"
    );
    assert_eq!(
        page.texts("#tokens tbody td:first-child"),
        vec!["Reporting script"]
    );
    assert!(
        page.text("#tokens tbody td:nth-child(2)")
            .starts_with(&token[..8])
    );

    let http = reqwest::Client::new();
    let me: serde_json::Value = http
        .get(format!("{}/api/me", app.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_or_else(|err| panic!("{err}"))
        .json()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(me["user"]["email"], tenants.a.rep_email.as_str());
    assert_eq!(me["tenant"]["slug"], "alpha");

    // Bearer tokens need no CSRF token, and only work under /api.
    let page_with_token = http
        .get(format!("{}/settings/tokens", app.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        page_with_token.status(),
        StatusCode::OK,
        "the redirect is followed to the sign-in page"
    );
    assert!(page_with_token.url().path().starts_with("/login"));
}

#[tokio::test]
async fn a_revoked_or_expired_token_stops_working() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let token = create_token(&app, &tenants.a.admin_email, "temporary").await;
    let http = reqwest::Client::new();
    let call = |token: String| {
        let http = http.clone();
        let url = format!("{}/api/me", app.base_url);
        async move {
            http.get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap_or_else(|err| panic!("{err}"))
                .status()
        }
    };
    assert_eq!(call(token.clone()).await, StatusCode::OK);

    let client = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page) = client.page("/settings/tokens").await;
    let revoke_action = page.attr("#tokens form", "action").unwrap_or_default();
    let response = client.post_form(&revoke_action, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = client.page("/settings/tokens").await;
    assert_eq!(
        page.text(".flash-success"),
        "Token revoked. Requests using it now fail."
    );
    assert_eq!(page.text("#tokens .badge"), "Revoked");
    let (status, body) = {
        let response = http
            .get(format!("{}/api/me", app.base_url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap_or_else(|err| panic!("{err}"));
        (
            response.status(),
            response
                .json::<serde_json::Value>()
                .await
                .unwrap_or_default(),
        )
    };
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["title"], "Sign-in required");

    let expiring = create_token(&app, &tenants.a.admin_email, "expiring").await;
    assert_eq!(call(expiring.clone()).await, StatusCode::OK);
    app.blocking(|db| {
        db.system_blocking(|conn| -> anyhow::Result<usize> {
            use diesel::prelude::*;
            use rapport::db::schema::api_tokens;
            Ok(diesel::update(api_tokens::table)
                .set(
                    api_tokens::expires_at
                        .eq(Some(chrono::Utc::now() - chrono::Duration::minutes(1))),
                )
                .execute(conn)?)
        })
    })
    .await
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(call(expiring).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_token_forms_keep_the_input_and_explain() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.login(&tenants.a.admin_email, PASSWORD).await;
    client.page("/settings/tokens").await;
    let response = client
        .post_form(
            "/settings/tokens",
            &[("name", "  "), ("expires_in_days", "forever")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = crate::support::Page::parse(response.text().await.unwrap_or_default());
    assert_eq!(
        page.text("#name-error"),
        "Give the token a name, e.g. \"Reporting script\"."
    );
    assert_eq!(
        page.text("#expires_in_days-error"),
        "Enter a number of days from 1 to 3650, or leave it empty."
    );
    assert_eq!(
        page.attr("#expires_in_days", "value").as_deref(),
        Some("forever")
    );
    assert_eq!(page.attr("#name", "aria-invalid").as_deref(), Some("true"));
    assert!(!page.exists("#new-token-value"));
}
