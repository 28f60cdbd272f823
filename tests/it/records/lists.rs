//! The record lists over HTTP: search (typo tolerant), filters, sort, keyset paging both
//! ways, columns, capped and exact counts, htmx fragments with the URL, saved views and the
//! CSV export, on real rows in a real database.

use reqwest::StatusCode;

use super::helpers::{self, htmx_get, row_ids, row_names};
use crate::support::app::location;
use crate::support::{PASSWORD, TestApp, TwoTenants};

#[tokio::test]
async fn search_filters_sort_and_keyset_paging() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let (tenant, rep) = (tenants.a.tenant_id, tenants.a.rep_id);
    app.blocking(move |db| helpers::many_companies(&db, tenant, "Zeta", 60, Some(rep)))
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;

    // First page: 25 by name, a Next link, no Previous, an exact count.
    let (status, first) = admin.page("/companies?per=25").await;
    assert_eq!(status, StatusCode::OK);
    let names = row_names(&first);
    assert_eq!(names.len(), 25);
    assert_eq!(names[0], "Alpha Windows Customer");
    assert_eq!(names[1], "Zeta 001");
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted, "sorted by name");
    assert_eq!(first.text("[data-testid=list-count]"), "61 companies");
    assert!(!first.exists("[data-testid=prev]"));

    // Next, next, then back: keyset pages line up exactly.
    let next = first
        .attr("[data-testid=next]", "href")
        .unwrap_or_else(|| panic!("no next link"));
    assert!(next.contains("after="), "{next}");
    let (_, second) = admin.page(&next).await;
    let second_ids = row_ids(&second);
    assert_eq!(row_names(&second)[0], "Zeta 025");
    assert_eq!(second_ids.len(), 25);
    let next = second
        .attr("[data-testid=next]", "href")
        .unwrap_or_else(|| panic!("no next link"));
    let (_, third) = admin.page(&next).await;
    assert_eq!(row_names(&third).len(), 11);
    assert_eq!(
        row_names(&third).last().map(String::as_str),
        Some("Zeta 060")
    );
    assert!(
        !third.exists("[data-testid=next]"),
        "the last page has no next"
    );
    let prev = third
        .attr("[data-testid=prev]", "href")
        .unwrap_or_else(|| panic!("no prev link"));
    let (_, back) = admin.page(&prev).await;
    assert_eq!(
        row_ids(&back),
        second_ids,
        "previous returns to the same page"
    );
    let prev = back
        .attr("[data-testid=prev]", "href")
        .unwrap_or_else(|| panic!("no prev link"));
    let (_, start) = admin.page(&prev).await;
    assert_eq!(row_ids(&start), row_ids(&first));
    assert!(
        !start.exists("[data-testid=prev]"),
        "back at the first page"
    );

    // Sort descending by name.
    let (_, desc) = admin.page("/companies?sort=-name&per=25").await;
    assert_eq!(row_names(&desc)[0], "Zeta 060");
    assert_eq!(
        desc.attr("th[data-col=name]", "aria-sort").as_deref(),
        Some("descending")
    );

    // A nullable sort key (last activity) pages through values, then empties.
    let (_, by_activity) = admin.page("/companies?sort=-last_activity&per=50").await;
    assert_eq!(row_ids(&by_activity).len(), 50);
    assert_eq!(
        row_names(&by_activity)[0],
        "Alpha Windows Customer",
        "the one with activity comes first"
    );
    let next = by_activity
        .attr("[data-testid=next]", "href")
        .unwrap_or_else(|| panic!("no next"));
    let (_, rest) = admin.page(&next).await;
    assert_eq!(row_ids(&rest).len(), 11);

    // Filters: city (any case), owner, and they combine.
    let (_, denver) = admin.page("/companies?city=denver&per=100").await;
    assert_eq!(row_names(&denver).len(), 30);
    assert!(row_names(&denver).iter().all(|n| n.starts_with("Zeta")));
    assert_eq!(denver.texts("[data-testid=filter-chip]").len(), 1);
    let (_, mine) = admin.page("/companies?owner=me").await;
    assert!(row_ids(&mine).is_empty(), "the admin owns nothing");
    assert_eq!(
        mine.text("[data-testid=empty]"),
        "No companies match this view. Clear filters"
    );
    let (_, reps) = admin
        .page(&format!("/companies?owner={}&city=Boulder&per=100", rep.0))
        .await;
    assert_eq!(row_names(&reps).len(), 30);

    // Search: substring, and a typo still finds the company.
    let (_, found) = admin.page("/companies?q=zeta+04").await;
    let found = row_names(&found);
    assert!(
        found.contains(&"Zeta 040".to_owned()) && found.contains(&"Zeta 049".to_owned()),
        "{found:?}"
    );
    let (_, typo) = admin.page("/companies?q=Alpah+Windows").await;
    assert_eq!(
        row_names(&typo).first().map(String::as_str),
        Some("Alpha Windows Customer")
    );

    // Unknown sorts and odd values are reported, not fatal.
    let (status, odd) = admin
        .page("/companies?sort=password&created_from=yesterday")
        .await;
    assert_eq!(status, StatusCode::OK);
    let problems = odd.text(".alert-warning");
    assert!(
        problems.contains("Cannot sort by") && problems.contains("YYYY-MM-DD"),
        "{problems}"
    );
}

#[tokio::test]
async fn htmx_gets_the_results_fragment_and_the_canonical_url() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| helpers::many_companies(&db, tenant, "Kappa", 5, None))
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    admin.page("/companies").await;
    let (status, headers, fragment) = htmx_get(
        &admin,
        "/companies?cols=name&cols=city&q=&owner=&sort=-name",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !fragment.exists("header.topbar"),
        "a fragment, not the page"
    );
    assert_eq!(
        fragment.texts("#records thead th[data-col]"),
        ["Name ▼", "City"]
    );
    assert_eq!(
        headers.get("HX-Push-Url").and_then(|v| v.to_str().ok()),
        Some("/companies?sort=-name&cols=name%2Ccity"),
        "empty parameters dropped, one canonical order"
    );
    assert_eq!(
        fragment.attr("#list-results", "hx-get").as_deref(),
        Some("/companies?sort=-name&cols=name%2Ccity")
    );
    // The bookmark opens the same view as a full page.
    let (_, page) = admin.page("/companies?sort=-name&cols=name%2Ccity").await;
    assert_eq!(
        page.texts("#records thead th[data-col]"),
        ["Name ▼", "City"]
    );
    assert_eq!(
        page.attr("input[name=cols][value=city]", "checked")
            .as_deref(),
        Some("")
    );
}

#[tokio::test]
async fn counts_are_capped_and_exact_on_demand() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| helpers::many_companies(&db, tenant, "Bulk", 999, None))
        .await;
    app.blocking(move |db| helpers::many_companies(&db, tenant, "More", 999, None))
        .await;
    app.blocking(move |db| {
        helpers::as_service(&db, tenant, |conn| {
            use diesel::prelude::*;
            diesel::sql_query("INSERT INTO companies (tenant_id, name) SELECT $1, 'Extra ' || i FROM generate_series(1, 8100) i")
                .bind::<diesel::sql_types::BigInt, _>(tenant.0)
                .execute(conn)?;
            Ok(())
        })
    })
    .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page) = admin.page("/companies").await;
    assert_eq!(page.text("[data-testid=list-count]"), "10,000+ companies");
    let count_url = page
        .attr("[data-testid=count-exact]", "hx-get")
        .unwrap_or_else(|| panic!("no exact count button"));
    let (status, _, exact) = htmx_get(&admin, &count_url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(exact.text("[data-testid=list-count]"), "10,099 companies");
    let (_, _, filtered) = htmx_get(&admin, "/companies/count?q=bulk+001").await;
    assert!(
        filtered
            .text("[data-testid=list-count]")
            .ends_with("companies")
    );
}

#[tokio::test]
async fn saved_views_are_private_or_shared_and_open_by_url() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| helpers::many_companies(&db, tenant, "Zeta", 10, None))
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    admin.page("/companies").await;

    let saved = admin
        .post_form(
            "/views",
            &[
                ("entity", "company"),
                ("name", "Denver, newest"),
                ("query", "city=Denver&sort=-name&after=xyz"),
                ("shared", ""),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let private_url = location(&saved);
    assert!(private_url.starts_with("/companies?view="), "{private_url}");
    let (_, view) = admin.page(&private_url).await;
    assert_eq!(
        view.text("[data-testid=current-view]"),
        "View: Denver, newest"
    );
    assert_eq!(
        row_names(&view),
        ["Zeta 010", "Zeta 008", "Zeta 006", "Zeta 004", "Zeta 002"]
    );

    // A private view is the owner's: someone else opening its URL gets the plain list.
    rep.page("/companies").await;
    let (status, theirs) = rep.page(&private_url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        theirs
            .text(".alert-warning")
            .contains("not shared with you")
    );
    assert_eq!(row_names(&theirs).len(), 11);

    // Shared: the same URL works for everyone, but only its owner may change it.
    let shared = admin
        .post_form(
            "/views",
            &[
                ("entity", "company"),
                ("name", "Boulder"),
                ("query", "city=Boulder"),
                ("shared", "on"),
            ],
        )
        .await;
    let shared_url = location(&shared);
    let (_, view) = rep.page(&shared_url).await;
    assert_eq!(row_names(&view).len(), 5);
    assert!(
        view.exists(&format!("a[href='{shared_url}']")),
        "listed in the views menu"
    );
    let id = shared_url.rsplit('=').next().unwrap_or_default().to_owned();
    let refused = rep
        .post_form(
            &format!("/views/{id}"),
            &[("entity", "company"), ("name", "Mine now"), ("query", "")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let refused = rep
        .post_form(&format!("/views/{id}/delete"), &[("entity", "company")])
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let deleted = admin
        .post_form(&format!("/views/{id}/delete"), &[("entity", "company")])
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);

    // Another tenant never sees them.
    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    let (_, page) = other.page(&private_url).await;
    assert!(page.text(".alert-warning").contains("not shared with you"));
}

#[tokio::test]
async fn csv_export_streams_the_current_view() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| {
        helpers::many_companies(&db, tenant, "Zeta", 2500, None);
        helpers::company(
            &db,
            tenant,
            helpers::CompanySeed {
                name: "=HYPERLINK(\"http://evil\")",
                owner: None,
                city: Some("Denver"),
                domain: None,
            },
        );
    })
    .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let response = admin
        .get("/companies/export.csv?city=Denver&cols=name,city&sort=name")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    assert!(
        response
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("attachment; filename=\"companies-"))
    );
    let body = response.text().await.unwrap_or_default();
    let mut reader = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader
        .headers()
        .map(|h| h.iter().map(str::to_owned).collect::<Vec<_>>())
        .unwrap_or_default();
    assert_eq!(headers, ["id", "Name", "City"]);
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(|r| r.unwrap_or_else(|err| panic!("{err}")))
        .collect();
    assert_eq!(
        rows.len(),
        1251,
        "every Denver company, across many batches"
    );
    assert_eq!(
        &rows[0][1], "'=HYPERLINK(\"http://evil\")",
        "formulas are defused"
    );
    assert_eq!(&rows[1][1], "Zeta 0002");
    assert!(rows.iter().all(|row| &row[2] == "Denver"));
}
