//! The deal-list gaps closed with analytics: the amount range filter, pipeline and stage
//! dropdowns, `GET /api/deals` (same filters, keyset cursor), and the edit form's rule that
//! closing a deal needs its won / lost reason.

use diesel::prelude::*;
use rapport::db::TenantScope;
use rapport::db::schema::deals;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::fixture;
use super::fixture::{history_count, stage_id};
use crate::support::{PASSWORD, Page, TestApp, TwoTenants};

fn titles(body: &Value) -> Vec<String> {
    body["deals"]
        .as_array()
        .map(|deals| {
            deals
                .iter()
                .filter_map(|d| d["title"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn amount_range_and_stage_dropdowns_on_the_deal_list() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let a = tenants.a.clone();
    app.blocking(move |db| fixture::create(&db, &a)).await;
    let tenant = tenants.a.tenant_id;
    let qualification = app
        .blocking(move |db| stage_id(&db, tenant, "Qualification"))
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;

    // 2,000 to 4,000 in major units, both ends included: D4 2,000, D2 3,000, D5 4,000.
    let (status, page) = admin
        .page("/deals?amount_min=2%2C000&amount_max=4000&sort=amount")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        page.texts("#records tbody tr .record-link"),
        ["D4", "D2", "D5"]
    );
    // The panel keeps the values; the chip says what is applied.
    assert_eq!(page.attr("#f-amount", "value").as_deref(), Some("2,000"));
    assert!(
        page.texts("[data-testid=filter-chip]")
            .iter()
            .any(|chip| chip.contains("Amount") && chip.contains("at least 2,000"))
    );

    // Cents count: 1,000.01 leaves out the 1,000.00 deals.
    let (_, page) = admin.page("/deals?amount_max=1000.00&sort=amount").await;
    assert_eq!(page.texts("#records tbody tr .record-link"), ["D1", "D6"]);
    let (_, page) = admin
        .page("/deals?amount_min=1000.01&amount_max=2000&sort=amount")
        .await;
    assert_eq!(page.texts("#records tbody tr .record-link"), ["D4"]);

    // A bad amount is ignored and reported, not passed on.
    let (status, page) = admin.page("/deals?amount_min=lots").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.text(".alert-warning")
            .contains("Ignored amount \"lots\"")
    );
    assert_eq!(page.select("#records tbody tr").len(), 7);

    // Pipeline and stage are dropdowns, not free text.
    assert!(page.exists("select#f-pipeline option"));
    let stage_options = page.texts("select#f-stage option");
    assert!(
        stage_options.iter().any(|o| o.contains("Qualification")),
        "{stage_options:?}"
    );
    let (_, page) = admin.page(&format!("/deals?stage={qualification}")).await;
    assert_eq!(
        page.attr("select#f-stage option[selected]", "value"),
        Some(qualification.to_string())
    );
    assert_eq!(page.texts("#records tbody tr .record-link"), ["D4"]);
}

#[tokio::test]
async fn deals_api_filters_and_pages_with_a_cursor() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let a = tenants.a.clone();
    app.blocking(move |db| fixture::create(&db, &a)).await;
    let a = tenants.a.clone();
    app.blocking(move |db| fixture::create_bulk(&db, &a, 30))
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;

    let (status, body) = admin
        .get_json("/api/deals?amount_min=2000&amount_max=4000&sort=amount")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Bulk nn is nn × 100.00; equal amounts follow the id (D4 and D2 came first).
    let mut expected = vec!["D4".to_owned()];
    expected.extend((20..30).map(|n| format!("Bulk {n}")));
    expected.extend(["D2", "Bulk 30", "D5"].map(str::to_owned));
    assert_eq!(titles(&body), expected);
    let d4 = &body["deals"][0];
    assert_eq!(d4["amount_minor"], json!(200_000));
    assert_eq!(d4["weighted_minor"], json!(50_000));
    assert_eq!(d4["stage"], json!("Qualification"));
    assert_eq!(d4["expected_close_date"], json!("2026-07-15"));
    assert_eq!(body["next_cursor"], Value::Null);

    // 37 deals, 25 a page: the cursor brings the rest, no repeats.
    let (_, first) = admin.get_json("/api/deals?sort=amount&per=25").await;
    let mut seen = titles(&first);
    assert_eq!(seen.len(), 25);
    let next = first["next"].as_str().unwrap_or_default().to_owned();
    assert!(next.starts_with("/api/deals?"), "{first}");
    let (status, second) = admin.get_json(&next).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(titles(&second).len(), 12);
    assert_eq!(second["next_cursor"], Value::Null);
    seen.extend(titles(&second));
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 37);
    assert_eq!(seen.first().map(String::as_str), Some("Bulk 01"));
    assert_eq!(
        seen.last().map(String::as_str),
        Some("Alpha Windows – first deal")
    );

    // Filters the page would ignore are refused here.
    let (status, body) = admin.get_json("/api/deals?amount_max=cheap").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cheap"))
    );

    // Another tenant sees only its own deal; no session is a 401.
    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    let (status, body) = other.get_json("/api/deals").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(titles(&body), ["Bravo Roofing – first deal"]);
    let (status, _) = app.client().get_json("/api/deals").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_edit_form_needs_a_reason_to_close_a_deal() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let deal = tenants.a.deal_id.0;
    let won = app
        .blocking(move |db| stage_id(&db, tenant, "Closed Won"))
        .await
        .to_string();
    let lost = app
        .blocking(move |db| stage_id(&db, tenant, "Closed Lost"))
        .await
        .to_string();
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, form) = admin.page(&format!("/deals/{deal}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.exists("#in-won_reason"));
    let path = format!("/deals/{deal}");
    let fields = |stage: &str, won_reason: &str, lost_reason: &str| {
        vec![
            ("title".to_owned(), "Renamed while closing".to_owned()),
            ("stage_id".to_owned(), stage.to_owned()),
            ("currency".to_owned(), "USD".to_owned()),
            ("amount".to_owned(), "12,500".to_owned()),
            ("won_reason".to_owned(), won_reason.to_owned()),
            ("lost_reason".to_owned(), lost_reason.to_owned()),
        ]
    };
    let post = |fields: Vec<(String, String)>| {
        let admin = &admin;
        let path = path.clone();
        async move {
            let borrowed: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            admin.post_form(&path, &borrowed).await
        }
    };

    // Won without a reason: the error next to the field, the input kept, nothing moved.
    let response = post(fields(&won, "  ", "")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(response.text().await.unwrap_or_default());
    assert!(
        page.text("[data-field=won_reason] .field-error")
            .contains("won")
    );
    assert_eq!(
        page.attr("#in-title", "value").as_deref(),
        Some("Renamed while closing")
    );
    // Lost without a reason (a won reason does not count).
    let response = post(fields(&lost, "Great fit", "")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(response.text().await.unwrap_or_default());
    assert!(page.exists("[data-field=lost_reason] .field-error"));
    assert_eq!(
        app.blocking(move |db| history_count(&db, tenant, deal))
            .await,
        1
    );

    // With the reason: closed as won through the one stage change, reason stored.
    let response = post(fields(&won, "Best price", "")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (status, reason) = app
        .blocking(move |db| {
            db.tenant_blocking(
                &TenantScope::service(tenant.0),
                move |conn| -> anyhow::Result<(String, Option<String>)> {
                    Ok(deals::table
                        .find(deal)
                        .select((deals::status, deals::won_reason))
                        .first(conn)?)
                },
            )
            .unwrap_or_else(|err| panic!("{err:#}"))
        })
        .await;
    assert_eq!(status, "won");
    assert_eq!(reason.as_deref(), Some("Best price"));
    assert_eq!(
        app.blocking(move |db| history_count(&db, tenant, deal))
            .await,
        2
    );

    // Saving again without touching the stage needs nothing new.
    let response = post(fields(&won, "Best price", "")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}
