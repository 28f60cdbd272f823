//! The job queue: claims, priorities, retries with backoff, heartbeats and recovery,
//! cancellation, the scheduler, and the admin page.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use rapport::config::Settings;
use rapport::db::schema::jobs;
use rapport::db::{Db, TenantScope, scope};
use rapport::jobs::queue::{self, Backoff};
use rapport::jobs::{
    Enqueued, Job, JobContext, JobError, JobId, JobRegistry, NewJob, Runtime, Schedule,
    WorkerConfig, scheduler, worker,
};
use reqwest::StatusCode;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::support::{PASSWORD, TestApp, TestDb, TwoTenants, wait};

fn fast_config(workers: usize) -> WorkerConfig {
    WorkerConfig {
        workers,
        name: format!("test-{}", std::process::id()),
        poll_interval: Duration::from_millis(50),
        heartbeat_interval: Duration::from_millis(100),
        // Far above the heartbeat interval: with the whole suite running on two cores a
        // live worker's heartbeat can lag by a second or more, and a live job must never
        // be "recovered" and run twice. Recovery tests age the heartbeat by hand instead.
        stale_after: Duration::from_secs(10),
        backoff: Backoff {
            base: Duration::from_millis(20),
            max: Duration::from_millis(200),
        },
        maintenance_interval: Duration::from_millis(100),
        keep_finished: Duration::from_secs(3600),
    }
}

fn enqueue(db: &Db, job: NewJob) -> JobId {
    db.system_blocking(|conn| -> anyhow::Result<_> { Ok(queue::enqueue(conn, &job)?.id()) })
        .unwrap_or_else(|err| panic!("enqueue: {err}"))
}

fn job(db: &Db, id: JobId) -> Job {
    db.system_blocking(|conn| -> anyhow::Result<_> { Ok(queue::find(conn, id)?) })
        .unwrap_or_else(|err| panic!("find: {err}"))
        .unwrap_or_else(|| panic!("job {id} is gone"))
}

async fn wait_for_status(db: &Db, id: JobId, status: &str) -> Job {
    wait::until(
        &format!("job {id} to be {status}"),
        Duration::from_secs(15),
        || {
            let db = db.clone();
            async move {
                let found = tokio::task::spawn_blocking(move || job(&db, id))
                    .await
                    .ok()?;
                (found.status == status).then_some(found)
            }
        },
    )
    .await
}

fn start(db: &Db, registry: JobRegistry, workers: usize) -> (Runtime, CancellationToken) {
    let shutdown = CancellationToken::new();
    let runtime = Runtime::start(
        db.clone(),
        Arc::new(Settings::for_database(db.url().to_owned())),
        Arc::new(registry),
        fast_config(workers),
        Some(rapport::db::listen::Listener::for_rapport(db.url())),
        shutdown.clone(),
    );
    (runtime, shutdown)
}

#[test]
fn claims_take_the_highest_priority_ready_job_first() {
    let test_db = TestDb::new();
    let db = test_db.pool();
    let low = enqueue(&db, NewJob::new("test.work", json!({})).priority(0));
    let high = enqueue(&db, NewJob::new("test.work", json!({})).priority(10));
    let later = enqueue(
        &db,
        NewJob::new("test.work", json!({}))
            .priority(100)
            .run_at(Utc::now() + chrono::Duration::hours(1)),
    );
    let other_kind = enqueue(&db, NewJob::new("test.other", json!({})).priority(50));
    let kinds = vec!["test.work".to_owned()];
    let claim = |db: &Db| {
        db.system_blocking(|conn| -> anyhow::Result<_> { Ok(queue::claim(conn, "w", &kinds)?) })
            .unwrap_or_else(|err| panic!("claim: {err}"))
            .map(|job| job.id)
    };
    assert_eq!(claim(&db), Some(high), "priority first");
    assert_eq!(claim(&db), Some(low));
    assert_eq!(
        claim(&db),
        None,
        "a future job and an unknown kind are not ready"
    );
    let claimed = job(&db, high);
    assert_eq!(claimed.status, "running");
    assert_eq!(claimed.attempts, 1);
    assert_eq!(claimed.locked_by.as_deref(), Some("w"));
    assert_eq!(job(&db, later).status, "queued");
    assert_eq!(job(&db, other_kind).status, "queued");
}

#[test]
fn concurrent_claims_never_take_the_same_job() {
    let test_db = TestDb::new();
    let db = test_db.pool();
    for _ in 0..60 {
        enqueue(&db, NewJob::new("test.work", json!({})));
    }
    let claimers: Vec<_> = (0..4)
        .map(|n| {
            let db = db.clone();
            std::thread::spawn(move || {
                let kinds = vec!["test.work".to_owned()];
                let mut mine = Vec::new();
                loop {
                    let claimed = db
                        .system_blocking(|conn| -> anyhow::Result<_> {
                            Ok(queue::claim(conn, &format!("w{n}"), &kinds)?)
                        })
                        .unwrap_or_else(|err| panic!("claim: {err}"));
                    match claimed {
                        Some(job) => mine.push(job.id),
                        None => return mine,
                    }
                }
            })
        })
        .collect();
    let mut all: Vec<JobId> = claimers
        .into_iter()
        .flat_map(|claimer| {
            claimer
                .join()
                .unwrap_or_else(|_| panic!("claimer panicked"))
        })
        .collect();
    assert_eq!(all.len(), 60);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 60, "a job was claimed twice");
}

#[tokio::test]
async fn workers_run_each_job_once_and_retry_failures_with_backoff() {
    let test_db = tokio::task::spawn_blocking(TestDb::new)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.pool();
    let runs: Arc<Mutex<HashMap<JobId, usize>>> = Arc::default();
    let mut registry = JobRegistry::new();
    let seen = runs.clone();
    registry.register("test.count", move |ctx: JobContext| {
        let seen = seen.clone();
        async move {
            *seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(ctx.job.id)
                .or_default() += 1;
            Ok(())
        }
    });
    // Fails twice, then succeeds.
    registry.register("test.flaky", |ctx: JobContext| async move {
        if ctx.job.attempts < 3 {
            Err(JobError::Retry(anyhow::anyhow!(
                "flaky attempt {}",
                ctx.job.attempts
            )))
        } else {
            Ok(())
        }
    });
    registry.register("test.broken", |_ctx: JobContext| async move {
        Err::<(), _>(JobError::Retry(anyhow::anyhow!("always broken")))
    });
    registry.register("test.bad_payload", |_ctx: JobContext| async move {
        Err::<(), _>(JobError::permanent("no such record"))
    });
    registry.register("test.panics", |_ctx: JobContext| async move {
        panic!("handler bug");
        #[allow(unreachable_code)]
        Ok(())
    });

    let (counted, flaky, broken, bad, panicky) = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            let counted: Vec<JobId> = (0..30)
                .map(|_| enqueue(&db, NewJob::new("test.count", json!({}))))
                .collect();
            let flaky = enqueue(&db, NewJob::new("test.flaky", json!({})).max_attempts(5));
            let broken = enqueue(&db, NewJob::new("test.broken", json!({})).max_attempts(2));
            let bad = enqueue(&db, NewJob::new("test.bad_payload", json!({})));
            let panicky = enqueue(&db, NewJob::new("test.panics", json!({})).max_attempts(1));
            (counted, flaky, broken, bad, panicky)
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let (runtime, shutdown) = start(&db, registry, 3);

    for id in &counted {
        wait_for_status(&db, *id, "succeeded").await;
    }
    let flaky = wait_for_status(&db, flaky, "succeeded").await;
    assert_eq!(flaky.attempts, 3, "two failures, then success");
    let broken = wait_for_status(&db, broken, "dead").await;
    assert_eq!(broken.attempts, 2);
    assert_eq!(broken.last_error.as_deref(), Some("always broken"));
    let bad = wait_for_status(&db, bad, "dead").await;
    assert_eq!(bad.attempts, 1, "a permanent error is not retried");
    let panicky = wait_for_status(&db, panicky, "dead").await;
    assert!(
        panicky
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("handler bug"),
        "{:?}",
        panicky.last_error
    );
    shutdown.cancel();
    runtime.join().await;
    let runs = runs.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(runs.len(), 30);
    assert!(runs.values().all(|count| *count == 1), "{runs:?}");
}

#[test]
fn a_failed_attempt_waits_for_its_backoff() {
    let test_db = TestDb::new();
    let db = test_db.pool();
    let id = enqueue(&db, NewJob::new("test.work", json!({})).max_attempts(3));
    let kinds = vec!["test.work".to_owned()];
    let backoff = Backoff {
        base: Duration::from_secs(60),
        max: Duration::from_secs(600),
    };
    let claimed = db
        .system_blocking(|conn| -> anyhow::Result<_> { Ok(queue::claim(conn, "w", &kinds)?) })
        .unwrap_or_else(|err| panic!("{err}"))
        .unwrap_or_else(|| panic!("nothing claimed"));
    let before = Utc::now();
    db.system_blocking(|conn| -> anyhow::Result<_> {
        Ok(queue::fail(conn, &claimed, "w", "boom", false, backoff)?)
    })
    .unwrap_or_else(|err| panic!("{err}"));
    let failed = job(&db, id);
    assert_eq!(failed.status, "failed");
    let wait = failed.run_at - before;
    assert!(
        wait >= chrono::Duration::seconds(44) && wait <= chrono::Duration::seconds(76),
        "first retry after ~60 s ±25%, got {wait}"
    );
    assert!(
        db.system_blocking(|conn| -> anyhow::Result<_> { Ok(queue::claim(conn, "w", &kinds)?) })
            .unwrap_or_else(|err| panic!("{err}"))
            .is_none(),
        "not ready before its backoff"
    );
}

#[tokio::test]
async fn a_job_whose_worker_died_is_recovered_and_its_hook_runs() {
    let test_db = tokio::task::spawn_blocking(TestDb::new)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.pool();
    let abandoned = Arc::new(AtomicUsize::new(0));
    let mut registry = JobRegistry::new();
    registry.register("test.work", |_ctx: JobContext| async move { Ok(()) });
    let seen = abandoned.clone();
    registry.on_abandoned("test.work", move |_conn, _job| {
        seen.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });
    let registry = Arc::new(registry);
    let id = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            let id = enqueue(&db, NewJob::new("test.work", json!({})).max_attempts(3));
            // A worker claims it and dies: its heartbeat stops.
            db.system_blocking(|conn| -> anyhow::Result<()> {
                queue::claim(conn, "dead-worker", &["test.work".to_owned()])?;
                diesel::update(jobs::table.find(id))
                    .set(jobs::heartbeat_at.eq(Utc::now() - chrono::Duration::minutes(10)))
                    .execute(conn)?;
                Ok(())
            })
            .unwrap_or_else(|err| panic!("{err}"));
            id
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    };
    worker::maintain_once(&db, &registry, &fast_config(0))
        .await
        .unwrap_or_else(|err| panic!("maintenance: {err}"));
    let recovered = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || job(&db, id))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(
        recovered.status, "failed",
        "back for a retry, not left running"
    );
    assert!(recovered.locked_by.is_none());
    assert!(
        recovered
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("stopped responding"),
        "{:?}",
        recovered.last_error
    );
    assert_eq!(abandoned.load(Ordering::SeqCst), 1);
    // A live worker then picks it up and finishes it.
    let shutdown = CancellationToken::new();
    let runtime = Runtime::start(
        db.clone(),
        Arc::new(Settings::for_database(db.url().to_owned())),
        registry,
        fast_config(1),
        None,
        shutdown.clone(),
    );
    let done = wait_for_status(&db, id, "succeeded").await;
    assert_eq!(done.attempts, 2);
    shutdown.cancel();
    runtime.join().await;
}

#[tokio::test]
async fn a_running_job_stops_when_an_admin_cancels_it() {
    let test_db = tokio::task::spawn_blocking(TestDb::new)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.pool();
    let mut registry = JobRegistry::new();
    registry.register("test.long", |ctx: JobContext| async move {
        ctx.cancel.cancelled().await;
        Err::<(), _>(JobError::Cancelled)
    });
    let id = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || enqueue(&db, NewJob::new("test.long", json!({}))))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let (runtime, shutdown) = start(&db, registry, 1);
    wait_for_status(&db, id, "running").await;
    let action = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            db.system_blocking(|conn| -> anyhow::Result<_> {
                Ok(rapport::jobs::admin::cancel(conn, id)?)
            })
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|err| panic!("{err}"))
    };
    assert_eq!(action, rapport::jobs::admin::AdminAction::CancelRequested);
    let cancelled = wait_for_status(&db, id, "cancelled").await;
    assert!(cancelled.finished_at.is_some());
    shutdown.cancel();
    runtime.join().await;
}

#[test]
fn enqueue_belongs_to_the_callers_transaction_and_dedupes() {
    let test_db = TestDb::new();
    let db = test_db.pool();
    let tenants = TwoTenants::create(&db);
    let scope = tenants.a.scope();
    // Rolled back: no job.
    let rolled_back: Result<(), anyhow::Error> = db.tenant_blocking(&scope, |conn| {
        queue::enqueue(
            conn,
            &NewJob::new("test.work", json!({})).for_tenant(tenants.a.tenant_id),
        )?;
        anyhow::bail!("the caller's work failed")
    });
    assert!(rolled_back.is_err());
    let count = |db: &Db| {
        db.system_blocking(|conn| -> anyhow::Result<i64> {
            Ok(jobs::table.count().get_result(conn)?)
        })
        .unwrap_or_else(|err| panic!("{err}"))
    };
    assert_eq!(count(&db), 0);
    let first = db
        .tenant_blocking(&scope, |conn| -> anyhow::Result<_> {
            Ok(queue::enqueue(
                conn,
                &NewJob::new("test.work", json!({}))
                    .for_tenant(tenants.a.tenant_id)
                    .dedupe_key("daily"),
            )?)
        })
        .unwrap_or_else(|err| panic!("{err}"));
    let second = db
        .tenant_blocking(&scope, |conn| -> anyhow::Result<_> {
            Ok(queue::enqueue(
                conn,
                &NewJob::new("test.work", json!({}))
                    .for_tenant(tenants.a.tenant_id)
                    .dedupe_key("daily"),
            )?)
        })
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(matches!(first, Enqueued::Created(_)));
    assert_eq!(second, Enqueued::Existing(first.id()));
    assert_eq!(count(&db), 1);
    // A tenant cannot enqueue work for another tenant: row-level security refuses it.
    let foreign: Result<_, anyhow::Error> = db.tenant_blocking(&scope, |conn| {
        Ok(queue::enqueue(
            conn,
            &NewJob::new("test.work", json!({})).for_tenant(tenants.b.tenant_id),
        )?)
    });
    assert!(foreign.is_err(), "enqueued a job into another tenant");
}

#[test]
fn the_scheduler_enqueues_each_due_time_once_across_processes() {
    let test_db = TestDb::new();
    let db = test_db.pool();
    let tenants = TwoTenants::create(&db);
    let now = Utc::now();
    let schedules = vec![
        Schedule::new("test-hourly", "@hourly", "test.work"),
        Schedule::new("test-daily-per-tenant", "0 6 * * *", "test.work").per_tenant(),
    ];
    db.system_blocking(|conn| -> anyhow::Result<()> {
        scheduler::store_schedules(conn, &schedules, now)?;
        // Both are due (as if the time had come).
        diesel::sql_query("UPDATE job_schedules SET next_run_at = now() - interval '1 minute'")
            .execute(conn)?;
        Ok(())
    })
    .unwrap_or_else(|err| panic!("{err}"));
    // Several "processes" tick at once.
    let tickers: Vec<_> = (0..4)
        .map(|_| {
            let db = db.clone();
            std::thread::spawn(move || {
                db.system_blocking(|conn| scheduler::tick(conn, Utc::now()))
                    .unwrap_or_else(|err| panic!("tick: {err}"))
            })
        })
        .collect();
    let created: usize = tickers
        .into_iter()
        .map(|t| t.join().unwrap_or_else(|_| panic!("ticker panicked")))
        .sum();
    assert_eq!(created, 3, "one system job plus one per tenant");
    let tenants_with_jobs: Vec<Option<i64>> = db
        .system_blocking(|conn| -> anyhow::Result<_> {
            Ok(jobs::table
                .select(jobs::tenant_id)
                .order(jobs::tenant_id.asc().nulls_first())
                .load::<Option<rapport::domain::ids::TenantId>>(conn)?
                .into_iter()
                .map(|id| id.map(|id| id.0))
                .collect())
        })
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        tenants_with_jobs,
        vec![
            None,
            Some(tenants.a.tenant_id.0),
            Some(tenants.b.tenant_id.0)
        ]
    );
    // The next tick finds nothing due: the schedules moved to their next times.
    let again = db
        .system_blocking(|conn| scheduler::tick(conn, Utc::now()))
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(again, 0);
    // Registering an unknown kind or a bad expression fails early.
    let mut registry = JobRegistry::new();
    assert!(
        registry
            .schedule(Schedule::new("x", "@daily", "nope"))
            .is_err()
    );
    registry.register("ok", |_ctx: JobContext| async { Ok(()) });
    assert!(
        registry
            .schedule(Schedule::new("x", "every day", "ok"))
            .is_err()
    );
    assert!(
        registry
            .schedule(Schedule::new("x", "@daily", "ok"))
            .is_ok()
    );
}

fn tenant_job(
    db: &Db,
    scope: &TenantScope,
    tenant: rapport::domain::ids::TenantId,
    status: &str,
    error: Option<&str>,
) -> JobId {
    let id = db
        .tenant_blocking(scope, |conn| -> anyhow::Result<_> {
            Ok(queue::enqueue(
                conn,
                &NewJob::new("test.work", json!({})).for_tenant(tenant),
            )?
            .id())
        })
        .unwrap_or_else(|err| panic!("{err}"));
    let mut conn = db.conn().unwrap_or_else(|err| panic!("{err}"));
    scope::as_system(&mut conn, |conn| -> anyhow::Result<()> {
        diesel::update(jobs::table.find(id))
            .set((jobs::status.eq(status), jobs::last_error.eq(error)))
            .execute(conn)?;
        Ok(())
    })
    .unwrap_or_else(|err| panic!("{err}"));
    id
}

#[tokio::test]
async fn the_jobs_page_lists_the_tenants_jobs_and_retries_or_cancels_them() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let (a, b) = (tenants.a.clone(), tenants.b.clone());
    let (dead, queued, other) = app
        .blocking(move |db| {
            let dead = tenant_job(
                &db,
                &a.scope(),
                a.tenant_id,
                "dead",
                Some("HubSpot said 401"),
            );
            let queued = tenant_job(&db, &a.scope(), a.tenant_id, "queued", None);
            let other = tenant_job(&db, &b.scope(), b.tenant_id, "dead", Some("bravo's error"));
            (dead, queued, other)
        })
        .await;

    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, page) = admin.page("/admin/jobs?status=dead").await;
    assert_eq!(status, StatusCode::OK);
    let rows = page.select("#jobs tbody tr");
    assert_eq!(rows.len(), 1, "only alpha's dead job");
    assert_eq!(
        page.attr("#jobs tbody tr", "data-job-id"),
        Some(dead.to_string())
    );
    assert_eq!(page.text("#jobs .job-error"), "HubSpot said 401");
    assert!(page.exists("nav.tabs a[aria-current=page][href='/admin/jobs?status=dead']"));
    assert!(
        page.exists("nav a[href='/admin/jobs']"),
        "in the navigation"
    );

    let response = admin
        .post_form(&format!("/admin/jobs/{dead}/retry"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.page("/admin/jobs?status=queued").await;
    let ids = page
        .select("#jobs tbody tr")
        .iter()
        .filter_map(|row| row.value().attr("data-job-id").map(str::to_owned))
        .collect::<Vec<_>>();
    assert!(
        ids.contains(&dead.to_string()) && ids.contains(&queued.to_string()),
        "{ids:?}"
    );

    let response = admin
        .post_form(&format!("/admin/jobs/{queued}/cancel"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.page("/admin/jobs?status=cancelled").await;
    assert_eq!(
        page.attr("#jobs tbody tr", "data-job-id"),
        Some(queued.to_string())
    );

    // Another tenant's job is invisible, and so are its actions.
    let response = admin
        .post_form(&format!("/admin/jobs/{other}/retry"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let (_, page) = admin.page("/admin/jobs").await;
    assert!(!page.source.contains("bravo's error"));

    // A rep may not see the page or act.
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, page) = rep.page("/admin/jobs").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!page.exists("nav a[href='/admin/jobs']"));
    let response = rep
        .post_form(&format!("/admin/jobs/{dead}/cancel"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
