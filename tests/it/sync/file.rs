//! The file source: upload a CSV, map its columns, sync (bad rows reported, good ones
//! kept), re-sync a changed file (updates and deletions), JSON Lines from the import
//! folder, and no reading outside it.

use rapport::config::Settings;
use rapport::sync::options::SyncOptions;
use reqwest::StatusCode;

use super::helpers::*;
use crate::support::app::{TestClient, location};
use crate::support::{PASSWORD, Page, TestApp, TwoTenants};

/// POSTs a multipart upload the way the page's form does (CSRF token in the query).
async fn upload(client: &TestClient, model: &str, name: &str, content: &str) -> reqwest::Response {
    let boundary = "----rapport-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n{model}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n\
         --{boundary}--\r\n"
    );
    client
        .http
        .post(client.url(&format!(
            "/sync/file/upload?csrf_token={}",
            client.csrf_token().unwrap_or_default()
        )))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

const FIRST_FILE: &str = "Customer ID,First Name,Surname,E-mail,Last Modified\n\
C-1,Jane,Doe,jane@example.com,2024-03-01\n\
C-2,John,Smith,john@example.com,2024-03-02\n\
C-3,Maria,Garcia,not-an-email,2024-03-03\n\
,Nobody,Noid,nobody@example.com,2024-03-04\n\
C-5,Wei,Chen,wei@example.com,2024-03-05\n";

#[tokio::test]
async fn a_csv_is_uploaded_mapped_and_synced_with_bad_rows_reported() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page) = admin.page("/sync/file").await;
    assert!(page.exists("#files tr[data-file-model=contacts] input[type=file]"));

    let response = upload(&admin, "contacts", "customers.csv", FIRST_FILE).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/sync/file/mapping?model=contacts");
    let (_, mapping) = admin.page("/sync/file/mapping?model=contacts").await;
    assert_eq!(
        mapping.attr("#map-id option[selected]", "value").as_deref(),
        Some("Customer ID"),
        "suggested"
    );
    assert_eq!(
        mapping
            .attr("#map-last_name option[selected]", "value")
            .as_deref(),
        Some("Surname")
    );
    assert!(
        mapping
            .text("tr[data-field=first_name] td.small")
            .starts_with("Jane · John · Maria")
    );

    // The ID column is required.
    let response = admin
        .post_form(
            "/sync/file/mapping",
            &[
                ("model", "contacts"),
                ("map_id", ""),
                ("map_email", "E-mail"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(response.text().await.unwrap_or_default());
    assert!(page.text("#id-error").contains("identifies each row"));
    assert_eq!(
        page.attr("#map-email option[selected]", "value").as_deref(),
        Some("E-mail"),
        "choices kept"
    );

    let response = admin
        .post_form(
            "/sync/file/mapping",
            &[
                ("model", "contacts"),
                ("map_id", "Customer ID"),
                ("map_first_name", "First Name"),
                ("map_last_name", "Surname"),
                ("map_email", "E-mail"),
                ("map_updated_at", "Last Modified"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.page("/sync/file").await;
    assert_eq!(
        page.text("tr[data-file-model=contacts] [data-role=mapping-link]"),
        "5 of 8 fields mapped"
    );

    let run = run_sync(
        &app.pool,
        tenant,
        "file",
        "contacts",
        SyncOptions::default(),
    )
    .await;
    assert_eq!(run.status, "partial");
    assert_eq!((run.processed, run.created, run.failed), (5, 3, 2));
    let reasons: Vec<String> = run_errors(&app.pool, tenant, run.id)
        .into_iter()
        .map(|e| e.reason)
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r == "line 4: `not-an-email` is not an email address"),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r == "line 5: the ID column `Customer ID` is empty"),
        "{reasons:?}"
    );
    let stored = records(&app.pool, tenant, "file", "contacts");
    assert_eq!(stored[0].1["last_name"], "Doe");

    // The file changes: a row edited, one gone, one added.
    let second = "Customer ID,First Name,Surname,E-mail,Last Modified\n\
C-1,Jane,Doe-Smith,jane@example.com,2024-04-01\n\
C-5,Wei,Chen,wei@example.com,2024-03-05\n\
C-6,Emma,Brown,emma@example.com,2024-04-02\n";
    admin.page("/sync/file").await;
    upload(&admin, "contacts", "customers.csv", second).await;
    let run = run_sync(
        &app.pool,
        tenant,
        "file",
        "contacts",
        SyncOptions::default(),
    )
    .await;
    assert_eq!(run.status, "success", "{:?}", run.error_message);
    assert_eq!(
        (run.created, run.updated, run.unchanged, run.deleted),
        (1, 1, 1, 1)
    );
    let stored = records(&app.pool, tenant, "file", "contacts");
    let gone: Vec<&str> = stored
        .iter()
        .filter(|(_, _, deleted)| *deleted)
        .map(|(id, _, _)| id.as_str())
        .collect();
    assert_eq!(
        gone,
        vec!["C-2"],
        "a row missing from a complete read is marked deleted"
    );

    // --since reads only rows changed since then (and deletes nothing).
    let since = rapport::sync::options::parse_since("2024-04-01");
    let partial = run_sync(
        &app.pool,
        tenant,
        "file",
        "contacts",
        SyncOptions {
            since,
            force: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!((partial.processed, partial.deleted), (2, 0));
}

#[tokio::test]
async fn json_lines_from_the_import_folder_and_nothing_outside_it() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let import_dir = rapport::sync::connectors::file::import_dir(
        &Settings::for_database(String::new()).data_dir,
    );
    std::fs::create_dir_all(&import_dir).unwrap_or_else(|e| panic!("{e}"));
    let name = format!("deals-{}-{}.jsonl", std::process::id(), tenant.0);
    let lines: Vec<String> = (0..250)
        .map(|i| format!(r#"{{"deal_id": {i}, "title": "Deal {i}", "value": {}, "stage": "open", "extra": {{"nested": true}}}}"#, i * 100))
        .chain(["{not json".to_owned()])
        .collect();
    std::fs::write(import_dir.join(&name), lines.join("\n")).unwrap_or_else(|e| panic!("{e}"));

    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    admin.page("/sync/file").await;
    let response = admin
        .post_form(
            "/sync/file/path",
            &[("model", "deals"), ("path", "../../../../etc/passwd")],
        )
        .await;
    assert_eq!(location(&response), "/sync/file");
    let (_, page) = admin.page("/sync/file").await;
    assert!(
        page.text(".flash-error").contains("Only files inside"),
        "{}",
        page.text(".flashes")
    );
    assert!(!page.exists("tr[data-file-model=deals] [data-role=mapping-link]"));

    let response = admin
        .post_form("/sync/file/path", &[("model", "deals"), ("path", &name)])
        .await;
    assert_eq!(location(&response), "/sync/file/mapping?model=deals");
    let (_, mapping) = admin.page("/sync/file/mapping?model=deals").await;
    assert_eq!(
        mapping
            .attr("#map-amount option[selected]", "value")
            .as_deref(),
        Some("value")
    );
    admin
        .post_form(
            "/sync/file/mapping",
            &[
                ("model", "deals"),
                ("map_id", "deal_id"),
                ("map_name", "title"),
                ("map_amount", "value"),
                ("map_stage", "stage"),
            ],
        )
        .await;
    // 26 batches: the file source stores two at a time.
    let in_tens = SyncOptions {
        batch_size: Some(10),
        ..Default::default()
    };
    let run = run_sync(&app.pool, tenant, "file", "deals", in_tens.clone()).await;
    assert_eq!(
        (run.status.as_str(), run.processed, run.created, run.failed),
        ("partial", 251, 250, 1)
    );
    assert_eq!(records(&app.pool, tenant, "file", "deals").len(), 250);
    let errors = run_errors(&app.pool, tenant, run.id);
    assert!(
        errors[0].reason.starts_with("line 251: not valid JSON"),
        "{}",
        errors[0].reason
    );
    // The same file again: every record once, nothing new.
    let again = run_sync(&app.pool, tenant, "file", "deals", in_tens).await;
    assert_eq!(
        (again.created, again.updated, again.unchanged, again.failed),
        (0, 0, 250, 1)
    );
    let (_, page) = admin.page("/sync/file/deals?q=Deal%20249").await;
    assert_eq!(
        page.attr("#records tbody tr", "data-source-id").as_deref(),
        Some("249")
    );
    let _ = std::fs::remove_file(import_dir.join(&name));
}
