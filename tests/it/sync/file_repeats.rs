//! A file that lists a record more than once (an export with later corrections appended):
//! the newest copy is the one stored, whether the copies share a batch or not, and the
//! batches stored side by side never let an older copy win.

use rapport::domain::ids::TenantId;
use rapport::sync::options::SyncOptions;
use serde_json::{Value, json};

use super::helpers::*;
use crate::support::{TestApp, TwoTenants};

/// Writes `lines` as a JSON Lines file and points the tenant's file contacts at it.
fn connect_file(
    app: &TestApp,
    tenant: TenantId,
    name: &str,
    lines: &[Value],
) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("rapport-test-files");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join(format!("{name}-{}-{}.jsonl", std::process::id(), tenant.0));
    let text: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(&path, text.join("\n")).unwrap_or_else(|e| panic!("{e}"));
    let mapping: serde_json::Map<String, Value> = ["id", "first_name", "updated_at"]
        .iter()
        .map(|column| ((*column).to_owned(), json!(column)))
        .collect();
    connect(
        &app.pool,
        tenant,
        "file",
        json!({ "files": { "contacts": {
            "path": path.display().to_string(),
            "format": "jsonl",
            "mapping": mapping,
        }}}),
        None,
    );
    path
}

fn contact(id: &str, name: &str, updated: &str) -> Value {
    json!({ "id": id, "first_name": name, "updated_at": updated })
}

fn stored_names(app: &TestApp, tenant: TenantId) -> Vec<(String, String)> {
    records(&app.pool, tenant, "file", "contacts")
        .into_iter()
        .map(|(id, payload, _)| (id, payload["first_name"].as_str().unwrap_or("").to_owned()))
        .collect()
}

#[tokio::test]
async fn the_newest_copy_of_a_repeated_record_is_stored() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    // Batches of 4: R-1 repeats within its batch, R-2 two batches later, R-3's second copy
    // is older than its first, and R-9 is corrected three times in three batches.
    let mut lines = vec![
        contact("R-1", "first", "2026-01-01T00:00:00Z"),
        contact("R-2", "first", "2026-01-01T00:00:00Z"),
        contact("R-1", "second", "2026-02-01T00:00:00Z"),
        contact("R-3", "first", "2026-03-01T00:00:00Z"),
    ];
    for i in 10..14 {
        lines.push(contact(&format!("R-{i}"), "filler", "2026-01-01T00:00:00Z"));
    }
    lines.extend([
        contact("R-2", "second", "2026-02-01T00:00:00Z"),
        contact("R-3", "older", "2026-01-01T00:00:00Z"),
        contact("R-9", "v1", "2026-01-01T00:00:00Z"),
        contact("R-20", "filler", "2026-01-01T00:00:00Z"),
    ]);
    for version in 2..=4 {
        lines.push(contact(
            "R-9",
            &format!("v{version}"),
            &format!("2026-0{version}-01T00:00:00Z"),
        ));
        for i in 0..3 {
            lines.push(contact(
                &format!("R-{version}{i}x"),
                "filler",
                "2026-01-01T00:00:00Z",
            ));
        }
    }
    let path = connect_file(&app, tenant, "repeats", &lines);
    let in_fours = SyncOptions {
        batch_size: Some(4),
        ..Default::default()
    };

    let run = run_sync(&app.pool, tenant, "file", "contacts", in_fours.clone()).await;
    assert_eq!(
        (
            run.status.as_str(),
            run.failed,
            run.error_message.as_deref()
        ),
        ("success", 0, None)
    );
    let names = stored_names(&app, tenant);
    let name_of = |id: &str| {
        names
            .iter()
            .find(|(stored, _)| stored == id)
            .map(|(_, name)| name.as_str())
    };
    assert_eq!(name_of("R-1"), Some("second"));
    assert_eq!(name_of("R-2"), Some("second"));
    assert_eq!(name_of("R-3"), Some("first"));
    assert_eq!(name_of("R-9"), Some("v4"));
    // One stored row per id: 4 + 4 fillers + R-20 + 9 fillers after R-9's corrections.
    assert_eq!(names.len(), 3 + 4 + 2 + 9);
    assert_eq!(run.created, names.len() as i64);

    // The same file again creates nothing and ends with the newest copies stored.
    let again = run_sync(&app.pool, tenant, "file", "contacts", in_fours).await;
    assert_eq!((again.status.as_str(), again.created), ("success", 0));
    assert_eq!(stored_names(&app, tenant), names);
    let _ = std::fs::remove_file(path);
}

fn stored(id: &str, name: &str) -> rapport::sync::store::StoredRecord {
    let payload = json!({ "id": id, "first_name": name });
    rapport::sync::store::StoredRecord {
        source_id: id.to_owned(),
        hash: rapport::sync::store::payload_hash(&payload),
        payload: payload.to_string(),
        updated_at: None,
        deleted: false,
    }
}

/// A first import inserts without conflict handling; a batch that meets a record stored
/// after all rolls back to its savepoint and is upserted instead. One transaction per
/// batch, as in a run.
#[tokio::test]
async fn a_first_import_batch_that_meets_a_stored_record_is_upserted_instead() {
    use rapport::sync::store;
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let insert = |run_id: i64, batch: Vec<store::StoredRecord>| {
        app.pool
            .tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<_> {
                let model = store::ensure_model(conn, tenant, "file", "contacts")?;
                let empty_before = !store::has_records(conn, model.id)?;
                let outcome =
                    store::insert_new_batch(conn, tenant, model.id, run_id, &batch, false, true)?;
                outcome.add_to_counts(conn, model.id)?;
                Ok((empty_before, outcome))
            })
            .unwrap_or_else(|err| panic!("{err:#}"))
    };
    let (empty_before, first) = insert(1, vec![stored("N-1", "Ana"), stored("N-2", "Bo")]);
    assert!(empty_before);
    assert_eq!((first.created, first.updated), (2, 0));
    assert_eq!(first.changed, ["N-1", "N-2"]);

    let (empty_before, second) = insert(
        2,
        vec![
            stored("N-2", "Bo"),
            stored("N-3", "Carla"),
            stored("N-1", "Ana B"),
        ],
    );
    assert!(!empty_before);
    assert_eq!(
        (second.created, second.updated, second.unchanged),
        (1, 1, 1)
    );
    let mut changed = second.changed.clone();
    changed.sort();
    assert_eq!(changed, ["N-1", "N-3"]);
    assert_eq!(
        model_state(&app.pool, tenant, "file", "contacts").map(|state| state.record_count),
        Some(3)
    );
    assert_eq!(
        stored_names(&app, tenant),
        [
            ("N-1".to_owned(), "Ana B".to_owned()),
            ("N-2".to_owned(), "Bo".to_owned()),
            ("N-3".to_owned(), "Carla".to_owned())
        ]
    );
}
