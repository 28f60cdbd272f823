//! The sync pages and JSON API over HTTP: permissions from a rep's side and from another
//! tenant, starting a sync from the form, validation, one run at a time, the data table.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::helpers::*;
use crate::support::{PASSWORD, TestApp, TwoTenants};

#[tokio::test]
async fn reps_and_other_tenants_cannot_reach_the_sync_hub() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant_a = tenants.a.tenant_id;
    let run = run_sync(
        &app.pool,
        tenant_a,
        "demo",
        "contacts",
        rapport::sync::options::SyncOptions {
            max_records: Some(5),
            ..Default::default()
        },
    )
    .await;

    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (_, home) = rep.page("/").await;
    assert!(
        !home.exists("nav a[href='/sync']"),
        "no Sync in a rep's navigation"
    );
    for path in [
        "/sync",
        "/sync/demo",
        "/sync/demo/contacts",
        "/sync/runs",
        &format!("/sync/runs/{}", run.id),
    ] {
        let (status, _) = rep.page(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let response = rep
        .post_form("/sync/demo/runs", &[("model", "contacts")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = rep
        .post_form(&format!("/sync/runs/{}/stop", run.id), &[])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (status, body) = rep.get_json("/api/sync/sources").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["status"], 403);
    let response = rep.get("/sync/live").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Bravo's admin sees nothing of Alpha's runs or records.
    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    let (status, _) = other.page(&format!("/sync/runs/{}", run.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = other.get_json(&format!("/api/sync/runs/{}", run.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let response = other
        .post_form(&format!("/sync/runs/{}/stop", run.id), &[])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let (_, page) = other.page("/sync/demo/contacts").await;
    assert!(
        !page.exists("#records tbody tr"),
        "no records of another tenant"
    );
    let (_, page) = other.page("/sync/runs").await;
    assert!(!page.exists(&format!("tr[data-run-id='{}']", run.id)));
    let (_, body) = other
        .get_json("/api/sync/sources/demo/models/contacts/data")
        .await;
    assert_eq!(body["records"], json!([]));
}

#[tokio::test]
async fn an_admin_starts_a_sync_from_the_form_and_browses_the_records() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| connect(&db, tenant, "demo", json!({ "records": "60" }), None))
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;

    let (status, page) = admin.page("/sync").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.exists("nav a[href='/sync'][aria-current=page]"));
    assert_eq!(page.text("[data-source=demo] [data-role=model-count]"), "4");
    assert_eq!(
        page.attr("#live-source-demo", "data-health").as_deref(),
        Some("never")
    );
    assert!(
        page.exists("[hx-sse\\:connect='/sync/live']"),
        "the page listens for live progress"
    );
    let (_, searched) = admin.page("/sync?q=hubspot").await;
    assert!(!searched.exists("[data-source=demo]"));

    let (_, page) = admin.page("/sync/demo").await;
    assert!(page.exists("tr[data-model=contacts] #live-model-demo-contacts"));
    assert!(page.exists("#live-actions-demo-contacts [data-action=sync]"));

    // The modal carries every option.
    let (status, modal) = admin.page("/sync/demo/sync-form?model=contacts").await;
    assert_eq!(status, StatusCode::OK);
    for field in [
        "full",
        "force",
        "dry_run",
        "debug",
        "since",
        "max_records",
        "batch_size",
    ] {
        assert!(modal.exists(&format!("[name={field}]")), "{field}");
    }
    assert_eq!(modal.attr("#since", "type").as_deref(), Some("date"));
    // An empty batch size means the source's own default, and the field says which.
    assert_eq!(
        modal.attr("#batch_size", "placeholder").as_deref(),
        Some("500")
    );
    let (_, file_modal) = admin.page("/sync/file/sync-form?model=contacts").await;
    assert_eq!(
        file_modal.attr("#batch_size", "placeholder").as_deref(),
        Some("5000")
    );

    let response = admin
        .post_form(
            "/sync/demo/runs",
            &[("model", "contacts"), ("batch_size", "25")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, body) = admin
        .get_json("/api/sync/runs?source=demo&model=contacts")
        .await;
    let run_id = body["runs"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no run: {body}"));
    assert_eq!(body["runs"][0]["status"], "queued");
    assert_eq!(body["runs"][0]["trigger"], "dashboard");

    let (runtime, shutdown) = start_workers(&app.pool);
    let run = wait_finished(&app.pool, tenant, run_id).await;
    assert_eq!(run.status, "success", "{:?}", run.error_message);
    assert_eq!(run.created, 60);

    let (_, page) = admin.page("/sync/demo").await;
    assert_eq!(
        page.attr("#live-model-demo-contacts", "data-status")
            .as_deref(),
        Some("success")
    );
    assert_eq!(
        page.text("tr[data-model=contacts] [data-role=records]"),
        "60"
    );

    // The data table: keyset pages, search, CSV.
    let (_, model) = admin.page("/sync/demo/contacts?size=25").await;
    assert_eq!(model.text("[data-stat=records] .stat-value"), "60");
    assert_eq!(model.select("#records tbody tr").len(), 25);
    let next = model
        .attr("a[rel=next]", "href")
        .unwrap_or_else(|| panic!("no next page"));
    let (_, second) = admin.page(&next).await;
    assert_eq!(second.select("#records tbody tr").len(), 25);
    let first_ids: Vec<String> = model
        .select("#records tbody tr")
        .iter()
        .filter_map(|r| r.value().attr("data-source-id").map(str::to_owned))
        .collect();
    let second_ids: Vec<String> = second
        .select("#records tbody tr")
        .iter()
        .filter_map(|r| r.value().attr("data-source-id").map(str::to_owned))
        .collect();
    assert!(
        first_ids.iter().all(|id| !second_ids.contains(id)),
        "pages do not overlap"
    );
    let (_, by_id) = admin
        .page("/sync/demo/contacts?sort=id&dir=asc&size=25")
        .await;
    assert_eq!(
        by_id.attr("#records tbody tr", "data-source-id").as_deref(),
        Some("CON-000000")
    );
    let (_, found) = admin.page("/sync/demo/contacts?q=CON-000042").await;
    assert_eq!(found.select("#records tbody tr").len(), 1);
    let (_, none) = admin.page("/sync/demo/contacts?q=zzzz-nothing").await;
    assert!(none.text(".empty").contains("No record matches"));
    let csv = admin.get("/sync/demo/contacts/export.csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 61, "a header and 60 records");
    assert!(
        lines[0].starts_with("source_id,id,first_name"),
        "{}",
        lines[0]
    );

    // The run page has everything.
    let (_, run_page) = admin.page(&format!("/sync/runs/{run_id}")).await;
    assert_eq!(run_page.text("[data-field=created]"), "60");
    assert_eq!(run_page.text("[data-field=options]"), "--batch-size 25");

    // The JSON API agrees.
    let (_, sources) = admin.get_json("/api/sync/sources").await;
    let demo = sources["sources"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == "demo"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(demo["health"], "success");
    let (_, models) = admin.get_json("/api/sync/sources/demo/models").await;
    let contacts = models["models"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["id"] == "contacts"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(contacts["record_count"], 60);
    let (_, detail) = admin
        .get_json("/api/sync/sources/demo/models/contacts")
        .await;
    assert_eq!(detail["status"], "success");
    let (_, data) = admin
        .get_json("/api/sync/sources/demo/models/contacts/data?limit=10&search=CON-00001")
        .await;
    assert_eq!(data["records"].as_array().map(Vec::len), Some(10));
    assert!(
        data["next_cursor"].is_null(),
        "exactly ten records match CON-00001*"
    );
    let (_, page1) = admin
        .get_json("/api/sync/sources/demo/models/contacts/data?limit=40")
        .await;
    let cursor = page1["next_cursor"]
        .as_str()
        .unwrap_or_else(|| panic!("60 records, pages of 40"))
        .to_owned();
    let (_, page2) = admin
        .get_json(&format!(
            "/api/sync/sources/demo/models/contacts/data?limit=40&cursor={cursor}"
        ))
        .await;
    assert_eq!(page2["records"].as_array().map(Vec::len), Some(20));
    assert!(page2["next_cursor"].is_null());
    let (_, run_json) = admin.get_json(&format!("/api/sync/runs/{run_id}")).await;
    assert_eq!(run_json["created"], 60);
    assert!(run_json["duration_seconds"].as_f64().is_some());

    shutdown.cancel();
    runtime.join().await;
}

#[tokio::test]
async fn bad_options_and_a_second_run_are_refused_with_reasons() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    admin.page("/sync/demo").await;
    let token = admin.csrf_token().unwrap_or_default();

    // htmx submit with bad values: the modal comes back with messages and the input kept.
    let response = admin
        .http
        .post(admin.url("/sync/demo/runs"))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &token)
        .form(&[
            ("model", "contacts"),
            ("batch_size", "0"),
            ("max_records", "lots"),
            ("since", "2999-01-01"),
            ("force", "true"),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let modal = crate::support::Page::parse(response.text().await.unwrap_or_default());
    assert!(modal.text("#batch_size-error").contains("from 1 to 10000"));
    assert!(modal.text("#max_records-error").contains("whole number"));
    assert!(modal.text("#since-error").contains("not in the future"));
    assert_eq!(modal.attr("#max_records", "value").as_deref(), Some("lots"));
    assert!(
        modal.exists("[name=force][checked]"),
        "ticked boxes stay ticked"
    );

    // One run at a time: the second request names the first.
    let active = create_run(&app.pool, tenant, "demo", "contacts", &Default::default())
        .await
        .unwrap_or_else(|a| panic!("{a}"));
    let response = admin
        .http
        .post(admin.url("/sync/demo/runs"))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &token)
        .form(&[("model", "contacts")])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let modal = crate::support::Page::parse(response.text().await.unwrap_or_default());
    assert_eq!(
        modal.attr("[data-role=conflict] a", "href"),
        Some(format!("/sync/runs/{}", active.id))
    );
    let response = admin
        .http
        .post(admin.url("/api/sync/runs"))
        .header("X-CSRF-Token", &token)
        .json(&json!({ "source": "demo", "model": "contacts", "options": { "full": true } }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: Value = response.json().await.unwrap_or_default();
    assert_eq!(body["run_id"], active.id);

    // The API validates the same options the same way.
    let response = admin
        .http
        .post(admin.url("/api/sync/runs"))
        .header("X-CSRF-Token", &token)
        .json(&json!({ "source": "demo", "model": "deals", "options": { "batch_size": 0, "full": true, "since": "2024-01-01" } }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap_or_default();
    assert!(
        body["errors"]["batch_size"].is_string() && body["errors"]["since"].is_string(),
        "{body}"
    );

    // A good API request with a Bearer token starts a run and returns its id.
    let bearer = crate::api_tokens::create_token(&app, &tenants.a.admin_email, "sync script").await;
    let response = reqwest::Client::new()
        .post(format!("{}/api/sync/runs", app.base_url))
        .bearer_auth(&bearer)
        .json(&json!({ "source": "demo", "model": "deals", "options": { "max_records": 5, "dry_run": true } }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap_or_default();
    let run_id = body["run_id"].as_i64().unwrap_or_else(|| panic!("{body}"));
    let response = reqwest::Client::new()
        .post(format!("{}/api/sync/runs/{run_id}/stop", app.base_url))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let body: Value = response.json().await.unwrap_or_default();
    assert_eq!(
        body["outcome"], "cancelled",
        "a queued run is cancelled at once"
    );
    let (_, run) = admin.get_json(&format!("/api/sync/runs/{run_id}")).await;
    assert_eq!(run["status"], "cancelled");
}
