//! Tenant B asking for tenant A's records by id, through every page and API endpoint
//! that takes an id, gets 404; a lower role asking for an admin page gets 403.

use diesel::prelude::*;
use rapport::db::schema::security_logs;
use reqwest::StatusCode;

use crate::support::{PASSWORD, TestApp, TwoTenants};

fn id_routes(tenants: &TwoTenants) -> Vec<String> {
    let a = &tenants.a;
    vec![
        format!("/api/companies/{}", a.company_id),
        format!("/api/contacts/{}", a.contact_id),
        format!("/api/leads/{}", a.lead_id),
        format!("/api/deals/{}", a.deal_id),
    ]
}

#[tokio::test]
async fn another_tenants_records_are_not_found_by_session() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let owner = app.login(&tenants.a.admin_email, PASSWORD).await;
    let intruder = app.login(&tenants.b.admin_email, PASSWORD).await;
    for route in id_routes(&tenants) {
        let (status, _) = owner.get_json(&route).await;
        assert_eq!(status, StatusCode::OK, "{route} as its owner");
        let (status, body) = intruder.get_json(&route).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{route} from another tenant");
        assert_eq!(body["error"]["status"], 404);
    }
}

#[tokio::test]
async fn another_tenants_records_are_not_found_by_api_token() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let b_token = crate::api_tokens::create_token(&app, &tenants.b.admin_email, "intruder").await;
    let http = reqwest::Client::new();
    for route in id_routes(&tenants) {
        let response = http
            .get(format!("{}{route}", app.base_url))
            .bearer_auth(&b_token)
            .send()
            .await
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "{route} with tenant B's token"
        );
    }
    // The token does work for B's own records.
    let own = http
        .get(format!(
            "{}/api/companies/{}",
            app.base_url, tenants.b.company_id
        ))
        .bearer_auth(&b_token)
        .send()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(own.status(), StatusCode::OK);
}

#[tokio::test]
async fn revoking_another_tenants_token_is_not_found() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    crate::api_tokens::create_token(&app, &tenants.a.admin_email, "alpha's").await;
    let a_token_id = app
        .blocking(|db| {
            db.system_blocking(|conn| -> anyhow::Result<i64> {
                use rapport::db::schema::api_tokens;
                Ok(api_tokens::table.select(api_tokens::id).first(conn)?)
            })
        })
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    let intruder = app.login(&tenants.b.admin_email, PASSWORD).await;
    intruder.page("/settings/tokens").await;
    let response = intruder
        .post_form(&format!("/settings/tokens/{a_token_id}/revoke"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // A colleague in the same tenant cannot revoke it either: tokens are personal.
    let colleague = app.login(&tenants.a.rep_email, PASSWORD).await;
    colleague.page("/settings/tokens").await;
    let response = colleague
        .post_form(&format!("/settings/tokens/{a_token_id}/revoke"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reps_cannot_open_admin_pages_and_the_attempt_is_logged() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    for path in ["/admin/users", "/admin/security"] {
        let (status, page) = rep.page(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(page.text("h1"), "Permission denied");
    }
    // The rep's navigation does not offer them either.
    let (_, home) = rep.page("/").await;
    assert!(!home.exists("nav a[href='/admin/users']"));
    let denied = app
        .blocking(|db| {
            db.system_blocking(|conn| -> anyhow::Result<i64> {
                Ok(security_logs::table
                    .filter(security_logs::event.eq("permission_denied"))
                    .count()
                    .get_result(conn)?)
            })
        })
        .await;
    assert_eq!(denied.ok(), Some(2));

    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, page) = admin.page("/admin/users").await;
    assert_eq!(status, StatusCode::OK);
    let emails = page.texts("#users tbody td:nth-child(2)");
    assert_eq!(
        emails,
        vec!["admin@alpha.test", "manager@alpha.test", "rep@alpha.test"],
        "only tenant A's users"
    );
}

#[tokio::test]
async fn the_security_log_shows_only_this_tenants_events() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let b = app.client();
    b.sign_in(&tenants.b.admin_email, "wrong").await;
    let a = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, page) = a.page("/admin/security").await;
    assert_eq!(status, StatusCode::OK);
    let events: Vec<String> = page
        .select("#security-log tbody tr")
        .iter()
        .filter_map(|row| row.value().attr("data-event").map(str::to_owned))
        .collect();
    assert_eq!(
        events,
        vec!["login_success"],
        "B's failed sign-in must not show in A's log"
    );
}
