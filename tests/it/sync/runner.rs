//! The runner with the demo source: every option's effect, idempotence, one run at a
//! time, stopping at a batch boundary, and recovery of a run whose process died.

use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use rapport::db::schema::sync_runs;
use rapport::sync::options::SyncOptions;
use rapport::sync::runs;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::helpers::*;
use crate::support::{TestDb, TwoTenants, wait};

async fn setup(records: u64, extra: serde_json::Value) -> (TestDb, rapport::db::Db, TwoTenants) {
    let test_db = tokio::task::spawn_blocking(TestDb::new)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.pool();
    let tenants = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || TwoTenants::create(&db))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let mut settings = json!({ "records": records.to_string() });
    if let (Some(target), Some(more)) = (settings.as_object_mut(), extra.as_object()) {
        target.extend(more.clone());
    }
    {
        let db = db.clone();
        let tenant = tenants.a.tenant_id;
        tokio::task::spawn_blocking(move || connect(&db, tenant, "demo", settings, None))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    (test_db, db, tenants)
}

#[tokio::test]
async fn a_re_run_with_the_same_data_stores_each_record_exactly_once() {
    let (_guard, db, tenants) = setup(60, json!({})).await;
    let tenant = tenants.a.tenant_id;
    let first = run_sync(&db, tenant, "demo", "contacts", SyncOptions::default()).await;
    assert_eq!(first.status, "success", "{:?}", first.error_message);
    assert_eq!((first.processed, first.created, first.updated), (60, 60, 0));
    assert_eq!(records(&db, tenant, "demo", "contacts").len(), 60);
    let state = model_state(&db, tenant, "demo", "contacts").unwrap_or_else(|| panic!("no state"));
    assert_eq!(state.record_count, 60);
    assert!(state.cursor.is_some(), "the cursor moved");

    // A full re-run finds the same data: nothing new, nothing rewritten.
    let again = run_sync(
        &db,
        tenant,
        "demo",
        "contacts",
        SyncOptions {
            full: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 60));
    assert_eq!(records(&db, tenant, "demo", "contacts").len(), 60);
    // An incremental run resumes at the cursor (inclusive): at most the boundary records.
    let incremental = run_sync(&db, tenant, "demo", "contacts", SyncOptions::default()).await;
    assert!(
        incremental.processed < 60,
        "resumed from the cursor: {}",
        incremental.processed
    );
    assert_eq!(incremental.created + incremental.updated, 0);
    // Another tenant sees none of it.
    assert!(records(&db, tenants.b.tenant_id, "demo", "contacts").is_empty());
}

#[tokio::test]
async fn dry_run_writes_nothing_but_reports_what_would_change() {
    let (_guard, db, tenants) = setup(40, json!({})).await;
    let tenant = tenants.a.tenant_id;
    let run = run_sync(
        &db,
        tenant,
        "demo",
        "companies",
        SyncOptions {
            dry_run: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(run.status, "success");
    assert_eq!((run.processed, run.created), (40, 40));
    assert!(records(&db, tenant, "demo", "companies").is_empty());
    let state = model_state(&db, tenant, "demo", "companies").unwrap_or_else(|| panic!("no state"));
    assert_eq!((state.cursor, state.record_count), (None, 0));
}

#[tokio::test]
async fn max_records_batch_size_since_force_and_debug_each_take_effect() {
    let (_guard, db, tenants) = setup(50, json!({})).await;
    let tenant = tenants.a.tenant_id;
    // --max-records and --batch-size.
    let limited = run_sync(
        &db,
        tenant,
        "demo",
        "deals",
        SyncOptions {
            max_records: Some(20),
            batch_size: Some(7),
            ..Default::default()
        },
    )
    .await;
    assert_eq!((limited.processed, limited.created), (20, 20));
    assert_eq!(limited.pages, 3, "pages of 7 records: 7 + 7 + 6");
    assert_eq!(records(&db, tenant, "demo", "deals").len(), 20);
    // The cursor stopped at the last stored record: the next run picks up the rest.
    let rest = run_sync(&db, tenant, "demo", "deals", SyncOptions::default()).await;
    assert_eq!(rest.created, 30);
    assert_eq!(records(&db, tenant, "demo", "deals").len(), 50);

    // --force rewrites unchanged records.
    let forced = run_sync(
        &db,
        tenant,
        "demo",
        "deals",
        SyncOptions {
            full: true,
            force: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!((forced.updated, forced.unchanged), (50, 0));

    // --since only fetches records changed since then.
    let all = records(&db, tenant, "demo", "deals");
    let mut times: Vec<chrono::DateTime<Utc>> = all
        .iter()
        .filter_map(|(_, payload, _)| payload["updated_at"].as_str().and_then(|t| t.parse().ok()))
        .collect();
    times.sort();
    let since = times[40];
    let expected = times.iter().filter(|t| **t >= since).count() as i64;
    let partial = run_sync(
        &db,
        tenant,
        "demo",
        "deals",
        SyncOptions {
            since: Some(since),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(partial.processed, expected);

    // --debug keeps a log with the run.
    let debugged = run_sync(
        &db,
        tenant,
        "demo",
        "deals",
        SyncOptions {
            debug: true,
            full: true,
            ..Default::default()
        },
    )
    .await;
    let log = debug_log(&db, tenant, debugged.id).unwrap_or_default();
    assert!(
        log.contains("batch stored") && log.contains("resuming from the beginning"),
        "{log}"
    );
    assert!(
        debug_log(&db, tenant, partial.id).is_none(),
        "no log without --debug"
    );
}

#[tokio::test]
async fn invalid_records_are_listed_and_the_run_ends_partial() {
    let (_guard, db, tenants) = setup(30, json!({ "invalid_every": "10" })).await;
    let tenant = tenants.a.tenant_id;
    let run = run_sync(&db, tenant, "demo", "contacts", SyncOptions::default()).await;
    assert_eq!(run.status, "partial");
    assert_eq!((run.processed, run.created, run.failed), (30, 27, 3));
    let errors = run_errors(&db, tenant, run.id);
    let ids: Vec<String> = errors.iter().filter_map(|e| e.source_id.clone()).collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.contains(&"CON-000009".to_owned()), "{ids:?}");
    assert!(
        errors
            .iter()
            .all(|e| e.reason.contains("required field") && e.payload_excerpt.is_some())
    );
}

#[tokio::test]
async fn only_one_run_per_model_at_a_time() {
    let (_guard, db, tenants) = setup(10, json!({})).await;
    let tenant = tenants.a.tenant_id;
    let first = create_run(&db, tenant, "demo", "calls", &SyncOptions::default())
        .await
        .unwrap_or_else(|active| panic!("already active: {active}"));
    let second = create_run(&db, tenant, "demo", "calls", &SyncOptions::default()).await;
    assert_eq!(
        second.err(),
        Some(first.id),
        "the second request names the running run"
    );
    // Another model, or another tenant, is not blocked.
    assert!(
        create_run(&db, tenant, "demo", "deals", &SyncOptions::default())
            .await
            .is_ok()
    );
    assert!(
        create_run(
            &db,
            tenants.b.tenant_id,
            "demo",
            "calls",
            &SyncOptions::default()
        )
        .await
        .is_ok()
    );
}

#[tokio::test]
async fn stop_ends_the_run_cancelled_at_a_batch_boundary_keeping_what_it_stored() {
    let (_guard, db, tenants) = setup(300, json!({ "page_delay_ms": "40" })).await;
    let tenant = tenants.a.tenant_id;
    let options = SyncOptions {
        batch_size: Some(10),
        ..Default::default()
    };
    let run = create_run(&db, tenant, "demo", "contacts", &options)
        .await
        .unwrap_or_else(|active| panic!("{active}"));
    let run_id = run.id;
    let running = tokio::spawn(rapport::sync::runner::execute(
        rapport::sync::runner::RunRequest {
            db: db.clone(),
            settings: settings(&db),
            run,
            cancel: CancellationToken::new(),
            on_progress: None,
        },
    ));
    // Once some records are stored, someone presses Stop.
    wait::until("the run to store a batch", Duration::from_secs(20), || {
        let db = db.clone();
        async move {
            tokio::task::spawn_blocking(move || find_run(&db, tenant, run_id))
                .await
                .ok()
                .filter(|r| r.processed > 0)
        }
    })
    .await;
    {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            db.tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<_> {
                Ok(runs::stop(conn, run_id)?)
            })
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let finished = running
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(finished.status, "cancelled");
    assert!(
        finished.processed < 300,
        "stopped early: {}",
        finished.processed
    );
    let kept = records(&db, tenant, "demo", "contacts").len() as i64;
    assert_eq!(kept, finished.created, "what it stored is kept");
    // A re-run completes without duplicates.
    let rerun = run_sync(
        &db,
        tenant,
        "demo",
        "contacts",
        SyncOptions {
            batch_size: Some(100),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(rerun.status, "success");
    assert_eq!(records(&db, tenant, "demo", "contacts").len(), 300);
}

#[tokio::test]
async fn a_run_whose_process_died_is_failed_by_the_heartbeat_check_and_data_kept() {
    let (_guard, db, tenants) = setup(20, json!({})).await;
    let tenant = tenants.a.tenant_id;
    let done = run_sync(
        &db,
        tenant,
        "demo",
        "companies",
        SyncOptions {
            max_records: Some(5),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(done.created, 5);
    // A second run "dies" mid-way: it stays running and its heartbeat goes stale.
    let dead = create_run(&db, tenant, "demo", "companies", &SyncOptions::default())
        .await
        .unwrap_or_else(|active| panic!("{active}"));
    {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            db.system_blocking(|conn| -> anyhow::Result<()> {
                diesel::update(sync_runs::table.find(dead.id))
                    .set(sync_runs::heartbeat_at.eq(Utc::now() - chrono::Duration::minutes(5)))
                    .execute(conn)?;
                Ok(())
            })
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let recovered = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            db.system_blocking(|conn| -> anyhow::Result<_> {
                Ok(runs::recover_stale(conn, Duration::from_secs(3))?)
            })
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(recovered, 1);
    let failed = find_run(&db, tenant, dead.id);
    assert_eq!(failed.status, "failed");
    assert!(
        failed
            .error_message
            .as_deref()
            .unwrap_or_default()
            .contains("stopped responding")
    );
    assert_eq!(
        records(&db, tenant, "demo", "companies").len(),
        5,
        "partial data kept"
    );
    // The model is free again; the re-run finishes the job without duplicates.
    let rerun = run_sync(&db, tenant, "demo", "companies", SyncOptions::default()).await;
    assert_eq!((rerun.status.as_str(), rerun.created), ("success", 15));
    assert_eq!(records(&db, tenant, "demo", "companies").len(), 20);
}
