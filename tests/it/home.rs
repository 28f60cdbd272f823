//! The home page shows the signed-in user, their tenant, and real, capped counts.

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use reqwest::StatusCode;

use crate::support::{PASSWORD, TestApp, TwoTenants};

#[tokio::test]
async fn home_counts_are_the_tenants_own_and_capped() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, page) = client.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.text("[data-stat=companies] .stat-value"), "1");
    assert_eq!(page.text("[data-stat=open_deals] .stat-value"), "1");
    assert_eq!(page.text("h1"), "Welcome back, Rep Alpha");
    assert_eq!(
        page.texts("nav a"),
        vec![
            "Home",
            "Companies",
            "Contacts",
            "Leads",
            "Deals",
            "My tasks",
            "Tags",
            "API tokens"
        ],
        "a rep sees only pages they can open"
    );

    // Beyond 10,000 the page says so instead of counting everything.
    let tenant_id = tenants.a.tenant_id.0;
    app.blocking(move |db| {
        db.system_blocking(|conn| -> anyhow::Result<usize> {
            Ok(diesel::sql_query("INSERT INTO companies (tenant_id, name) SELECT $1, 'Bulk ' || i FROM generate_series(1, 10000) AS i")
                .bind::<BigInt, _>(tenant_id)
                .execute(conn)?)
        })
    })
    .await
    .unwrap_or_else(|err| panic!("{err}"));
    let (_, page) = client.page("/").await;
    assert_eq!(page.text("[data-stat=companies] .stat-value"), "10,000+");
    assert_eq!(page.text("[data-stat=contacts] .stat-value"), "1");

    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page) = admin.page("/").await;
    assert_eq!(
        page.texts("nav a"),
        vec![
            "Home",
            "Companies",
            "Contacts",
            "Leads",
            "Deals",
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
