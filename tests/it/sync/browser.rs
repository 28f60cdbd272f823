//! The dashboard in a real browser: open the start-sync modal, get a validation message,
//! start the sync, watch the counts move over SSE, stop it, see it end cancelled.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::json;

use super::helpers::*;
use crate::support::browser::{self, click, fill, sign_in, wait_for};
use crate::support::{PASSWORD, TestApp, TwoTenants};

async fn text(client: &Client, css: &str) -> String {
    wait_for(client, css).await.text().await.unwrap_or_default()
}

async fn attr(client: &Client, css: &str, name: &str) -> Option<String> {
    client
        .find(Locator::Css(css))
        .await
        .ok()?
        .attr(name)
        .await
        .ok()
        .flatten()
}

/// Waits (with a deadline) until `check` holds for the element's text.
async fn wait_text(client: &Client, css: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
            && check(&text)
        {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what} in {css}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn screenshot(client: &Client, name: &str) {
    // Kept for looking at the pages when working on them; not an assertion.
    if let Ok(dir) = std::env::var("RAPPORT_SCREENSHOTS")
        && let Ok(png) = client.screenshot().await
    {
        let _ = std::fs::write(format!("{dir}/{name}.png"), png);
    }
}

#[tokio::test]
async fn start_a_sync_from_the_modal_watch_counts_move_and_stop_it() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| {
        connect(
            &db,
            tenant,
            "demo",
            json!({ "records": "3000", "page_delay_ms": "80" }),
            None,
        )
    })
    .await;
    let (runtime, shutdown) = start_workers(&app.pool);
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.admin_email, PASSWORD).await;
    client
        .goto(&format!("{}/sync", app.base_url))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for(&client, "[data-source=demo]").await;
    screenshot(&client, "sync-overview").await;
    click(&client, "[data-source=demo] a.button").await;
    wait_for(&client, "tr[data-model=contacts]").await;

    // Open the modal; a bad batch size is refused in place, the input kept.
    click(&client, "#live-actions-demo-contacts [data-action=sync]").await;
    wait_for(&client, "[data-modal] form").await;
    fill(&client, "#batch_size", "0").await;
    click(&client, "[data-action=start-sync]").await;
    let error = text(&client, "#batch_size-error").await;
    assert!(error.contains("from 1 to 10000"), "{error}");
    screenshot(&client, "sync-modal-error").await;
    fill(&client, "#batch_size", "25").await;
    click(&client, "[data-action=start-sync]").await;
    wait_for(&client, "[data-role=sync-started]").await;
    assert!(
        client.find(Locator::Css("[data-modal]")).await.is_err(),
        "the modal closed"
    );

    // Counts move on the page, without reloading it.
    let cell = "#live-model-demo-contacts";
    wait_text(
        &client,
        &format!("{cell} [data-role=status]"),
        "running",
        |t| t.eq_ignore_ascii_case("running"),
    )
    .await;
    let first = wait_text(
        &client,
        &format!("{cell} [data-role=counts]"),
        "records",
        |t| t.split(' ').next().is_some_and(|n| n != "0"),
    )
    .await;
    let later = wait_text(
        &client,
        &format!("{cell} [data-role=counts]"),
        "more records",
        |t| t != first,
    )
    .await;
    assert_ne!(first, later, "the counts moved");
    assert!(
        client
            .find(Locator::Css(&format!("{cell} progress")))
            .await
            .is_ok(),
        "a progress bar while running"
    );
    screenshot(&client, "sync-running").await;

    // Stop it: the row ends cancelled and offers Sync again.
    click(&client, "#live-actions-demo-contacts [data-action=stop]").await;
    wait_text(
        &client,
        &format!("{cell} [data-role=status]"),
        "cancelled",
        |t| t.eq_ignore_ascii_case("cancelled"),
    )
    .await;
    wait_for(&client, "#live-actions-demo-contacts [data-action=sync]").await;
    assert_eq!(
        attr(&client, cell, "data-status").await.as_deref(),
        Some("cancelled")
    );
    screenshot(&client, "sync-stopped").await;

    // The run page tells the story.
    client
        .goto(&format!("{}/sync/runs", app.base_url))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&client, "#runs tbody tr a").await;
    let status = text(&client, "[data-field=status]").await;
    assert_eq!(status, "cancelled");
    screenshot(&client, "sync-run").await;
    client
        .goto(&format!("{}/sync/demo/contacts", app.base_url))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for(&client, "#records tbody tr").await;
    screenshot(&client, "sync-model").await;

    client.close().await.unwrap_or_else(|e| panic!("{e}"));
    shutdown.cancel();
    runtime.join().await;
}

/// Company and contact pages load "From HubSpot, last synced …" into their header; a
/// record that was never synced shows nothing there.
#[tokio::test]
async fn record_pages_show_where_a_synced_record_came_from() {
    use rapport::sync::crm::links::{self, SaveLink};

    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let company_id = tenants.a.company_id;
    let contact_id = tenants.a.contact_id;
    app.blocking(move |db| {
        db.tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<()> {
            Ok(links::save(
                conn,
                &SaveLink {
                    tenant_id: tenant,
                    source: "hubspot",
                    model: "companies",
                    source_id: "9001",
                    entity_type: "company",
                    entity_id: company_id.0,
                    synced_values: &serde_json::Map::new(),
                },
            )?)
        })
        .unwrap_or_else(|e| panic!("{e}"))
    })
    .await;
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.admin_email, PASSWORD).await;
    client
        .goto(&format!("{}/companies/{}", app.base_url, company_id.0))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let shown = text(&client, ".record-header .provenance").await;
    assert!(
        shown.starts_with("From HubSpot, last synced"),
        "provenance: {shown}"
    );
    assert_eq!(
        attr(&client, ".record-header .provenance", "data-source")
            .await
            .as_deref(),
        Some("hubspot")
    );

    // The contact was typed in by hand: its slot loads an empty marker and shows nothing.
    client
        .goto(&format!("{}/contacts/{}", app.base_url, contact_id.0))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for(&client, ".record-header .provenance-none").await;
    assert!(client.find(Locator::Css("#provenance")).await.is_err());
    assert!(client.find(Locator::Css(".provenance")).await.is_err());
    client.close().await.unwrap_or_else(|e| panic!("{e}"));
}
