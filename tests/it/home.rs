//! The home page is the signed-in user's sales dashboard: their tenant's figures only (the
//! figures themselves are checked against a hand-computed fixture in `stale::dashboard`).

use reqwest::StatusCode;

use crate::support::{PASSWORD, TestApp, TwoTenants};

#[tokio::test]
async fn home_dashboard_shows_the_users_own_tenant() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, page) = client.page("/").await;
    assert_eq!(status, StatusCode::OK);
    // The fixture deal: open, $12,500.00 at 10% (the other tenant's identical deal is not
    // counted).
    assert_eq!(
        page.text("[data-stat=open_pipeline] .stat-value"),
        "$12,500.00"
    );
    assert_eq!(
        page.text("[data-stat=open_pipeline] .stat-label"),
        "Open pipeline (1 deal)"
    );
    assert_eq!(
        page.text("[data-stat=weighted_pipeline] .stat-value"),
        "$1,250.00"
    );
    assert_eq!(page.text("[data-stat=stale_deals] .stat-value"), "0");
    assert_eq!(page.text("h1"), "Welcome back, Rep Alpha");
    assert_eq!(
        page.texts("nav a"),
        vec![
            "Home",
            "Companies",
            "Contacts",
            "Leads",
            "Deals",
            "Board",
            "My tasks",
            "Tags",
            "API tokens"
        ],
        "a rep sees only pages they can open"
    );

    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page) = admin.page("/?scope=all").await;
    assert_eq!(
        page.text("[data-stat=open_pipeline] .stat-value"),
        "$12,500.00"
    );
    let (_, page) = admin.page("/").await;
    assert_eq!(
        page.texts("nav a"),
        vec![
            "Home",
            "Companies",
            "Contacts",
            "Leads",
            "Deals",
            "Board",
            "Analytics",
            "My tasks",
            "Sync",
            "Tags",
            "Custom fields",
            "Pipelines",
            "Record visibility",
            "API tokens",
            "Users",
            "Security log",
            "Jobs"
        ]
    );
}
