//! `/analytics` in HTML: every figure of the fixture checked against values computed by
//! hand (see `fixture.rs`), the owner filter, bad dates, and who may see the page.

use reqwest::StatusCode;

use super::fixture::{self, RANGE};
use crate::support::{PASSWORD, Page, TestApp, TwoTenants};

fn cells(page: &Page, table: &str, key: &str, value: &str) -> Vec<String> {
    page.texts(&format!(
        "[data-testid={table}] tr[data-{key}=\"{value}\"] td"
    ))
}

async fn setup() -> (TestApp, TwoTenants) {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let a = tenants.a.clone();
    app.blocking(move |db| fixture::create(&db, &a)).await;
    (app, tenants)
}

#[tokio::test]
async fn figures_match_hand_computed_values() {
    let (app, tenants) = setup().await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, page) = admin.page(&format!("/analytics?{RANGE}")).await;
    assert_eq!(status, StatusCode::OK);

    // Days in stage, from the rows that left it in the range. Prospecting: 1, 2, 3, 10.
    assert_eq!(
        cells(&page, "durations", "stage", "Prospecting"),
        ["Prospecting", "4", "4.0", "2.5", "4.8"]
    );
    // Qualification: 14, 7, 10, 26 (D6 left it in January).
    assert_eq!(
        cells(&page, "durations", "stage", "Qualification"),
        ["Qualification", "4", "14.2", "12.0", "17.0"]
    );
    assert_eq!(
        cells(&page, "durations", "stage", "Proposal"),
        ["Proposal", "1", "15.0", "15.0", "15.0"]
    );
    assert_eq!(
        cells(&page, "durations", "stage", "Negotiation"),
        ["Negotiation", "0", "–", "–", "–"]
    );

    // Conversion: entered in range, later reached a further stage (lost does not count).
    assert_eq!(
        cells(&page, "conversion", "stage", "Prospecting"),
        ["Prospecting", "5", "4", "80.0%"]
    );
    assert_eq!(
        cells(&page, "conversion", "stage", "Qualification"),
        ["Qualification", "4", "2", "50.0%"]
    );
    assert_eq!(
        cells(&page, "conversion", "stage", "Proposal"),
        ["Proposal", "1", "1", "100.0%"]
    );
    assert_eq!(
        cells(&page, "conversion", "stage", "Negotiation"),
        ["Negotiation", "0", "0", "–"]
    );
    // Closed stages are not conversion rows.
    assert!(!page.exists("[data-testid=conversion] tr[data-stage=\"Closed Won\"]"));

    // Won D1, D3, D6; lost D2.
    assert_eq!(page.text("[data-stat=win_rate] .stat-value"), "75.0%");
    assert_eq!(page.text("[data-stat=won] .stat-value"), "3");
    assert_eq!(page.text("[data-stat=lost] .stat-value"), "1");
    assert_eq!(page.text("[data-stat=avg_size] .stat-value"), "$2,333.33");

    // Every month of the range, zeros included.
    assert_eq!(page.select("[data-testid=months] tbody tr").len(), 6);
    assert_eq!(
        cells(&page, "months", "month", "2026-01"),
        ["Jan 2026", "2", "0", "$2,000.00"]
    );
    assert_eq!(
        cells(&page, "months", "month", "2026-02"),
        ["Feb 2026", "0", "1", "$0.00"]
    );
    assert_eq!(
        cells(&page, "months", "month", "2026-03"),
        ["Mar 2026", "1", "0", "$5,000.00"]
    );
    assert_eq!(
        cells(&page, "months", "month", "2026-05"),
        ["May 2026", "0", "0", "$0.00"]
    );

    // Open deals by expected close month: D4 2,000 × 25 % + D5 4,000 × 10 %.
    assert_eq!(
        cells(&page, "weighted", "month", "2026-07"),
        ["Jul 2026", "2", "$6,000.00", "$900.00"]
    );
    // The fixture's own open deal has no close date.
    assert_eq!(
        cells(&page, "weighted", "month", "none"),
        ["No close date", "1", "$12,500.00", "$1,250.00"]
    );

    // The charts are SVG drawn on the server, one bar per stage / month.
    assert_eq!(page.select("svg[data-chart=durations] rect").len(), 4);
    assert_eq!(page.select("svg[data-chart=months] rect.bar-won").len(), 6);
    assert_eq!(page.select("svg[data-chart=weighted] rect").len(), 2);
    // The filters are in the form, so the URL holds the view.
    assert_eq!(
        page.attr("#an-from", "value").as_deref(),
        Some("2026-01-01")
    );
    assert_eq!(page.attr("#an-to", "value").as_deref(), Some("2026-06-30"));
}

#[tokio::test]
async fn owner_filter_counts_only_their_deals() {
    let (app, tenants) = setup().await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let rep = tenants.a.rep_id.0;
    let (status, page) = admin.page(&format!("/analytics?owner={rep}&{RANGE}")).await;
    assert_eq!(status, StatusCode::OK);
    // D1, D2, D4 left Prospecting after 1, 2 and 10 days.
    assert_eq!(
        cells(&page, "durations", "stage", "Prospecting"),
        ["Prospecting", "3", "4.3", "2.0", "6.0"]
    );
    assert_eq!(page.text("[data-stat=win_rate] .stat-value"), "50.0%");
    assert_eq!(page.text("[data-stat=avg_size] .stat-value"), "$1,000.00");
    assert_eq!(
        page.attr("#an-owner option[selected]", "value").as_deref(),
        Some(rep.to_string().as_str())
    );
}

#[tokio::test]
async fn bad_dates_are_reported_next_to_the_field_and_kept() {
    let (app, tenants) = setup().await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, page) = admin.page("/analytics?from=2026-13-45&to=2026-06-30").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.text("#an-from-error").contains("YYYY-MM-DD"));
    assert_eq!(
        page.attr("#an-from", "value").as_deref(),
        Some("2026-13-45")
    );
    assert_eq!(
        page.attr("#an-from", "aria-invalid").as_deref(),
        Some("true")
    );
    assert!(page.exists("[data-testid=form-errors]"));
    // The page still shows figures (the default range).
    assert!(page.exists("[data-testid=durations]"));

    let (_, page) = admin.page("/analytics?from=2026-06-30&to=2026-01-01").await;
    assert!(page.text("#an-to-error").contains("on or after"));
    assert_eq!(page.attr("#an-to", "value").as_deref(), Some("2026-01-01"));
}

#[tokio::test]
async fn reps_are_refused_and_do_not_see_the_nav_entry() {
    let (app, tenants) = setup().await;
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, page) = rep.page("/analytics").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!page.exists("nav a[href=\"/analytics\"]"));

    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, page) = admin.page("/analytics").await;
    assert_eq!(status, StatusCode::OK);
    // Listed right after Deals and its board.
    let links: Vec<String> = page
        .select("nav a")
        .iter()
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect();
    let board = links.iter().position(|h| h == "/board");
    let analytics = links.iter().position(|h| h == "/analytics");
    assert!(
        board.is_some() && analytics == board.map(|i| i + 1),
        "{links:?}"
    );

    let manager = app.login("manager@alpha.test", PASSWORD).await;
    let (status, _) = manager.page(&format!("/analytics?{RANGE}")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn another_tenants_deals_are_never_counted() {
    let (app, tenants) = setup().await;
    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    let (status, page) = other.page(&format!("/analytics?{RANGE}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        cells(&page, "durations", "stage", "Prospecting"),
        ["Prospecting", "0", "–", "–", "–"]
    );
    assert_eq!(page.text("[data-stat=won] .stat-value"), "0");
    assert_eq!(page.text("[data-stat=win_rate] .stat-value"), "–");
    // Only B's own open deal.
    assert_eq!(page.select("[data-testid=weighted] tbody tr").len(), 1);
    assert_eq!(
        cells(&page, "weighted", "month", "none"),
        ["No close date", "1", "$12,500.00", "$1,250.00"]
    );

    // A's pipeline id is not one B can choose.
    let admin_a = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page_a) = admin_a.page("/analytics").await;
    let a_pipeline = page_a
        .attr("#an-pipeline option[selected]", "value")
        .unwrap_or_default();
    let (status, page) = other
        .page(&format!("/analytics?pipeline={a_pipeline}&{RANGE}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.exists("#an-pipeline-error"));
    assert_eq!(page.text("[data-stat=won] .stat-value"), "0");
}
