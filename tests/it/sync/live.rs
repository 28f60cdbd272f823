//! Live progress across processes: a sync run by a separate `rapport worker` process is
//! seen over SSE by a browser connected to the web process (PostgreSQL LISTEN/NOTIFY in
//! between); a reconnect gets the final state; killing the worker mid-sync leaves a run
//! that the heartbeat check fails, with its records kept.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rapport::config::TEST_SECRET_KEY;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::helpers::*;
use crate::support::app::TestClient;
use crate::support::{PASSWORD, TestApp, TwoTenants, wait};

/// A `rapport worker` process, killed when dropped.
struct WorkerProcess(Child);

impl WorkerProcess {
    fn start(database_url: &str) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_rapport"))
            .arg("worker")
            .env("DATABASE_URL", database_url)
            .env("RAPPORT_WORKERS", "1")
            .env("RAPPORT_SECRET_KEY", TEST_SECRET_KEY)
            .env("RAPPORT_JOB_HEARTBEAT_SECS", "1")
            .env("RAPPORT_JOB_STALE_SECS", "3")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start `rapport worker`: {err}"));
        WorkerProcess(child)
    }

    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads SSE messages (the `data:` of each event) from a streaming response.
struct SseReader {
    response: reqwest::Response,
    buffer: String,
}

impl SseReader {
    async fn connect(client: &TestClient) -> SseReader {
        let response = client
            .http
            .get(client.url("/sync/live"))
            .header("Accept", "text/event-stream")
            .send()
            .await
            .unwrap_or_else(|err| panic!("SSE connect: {err}"));
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/event-stream"))
        );
        SseReader {
            response,
            buffer: String::new(),
        }
    }

    /// The next message's data, or None at the deadline.
    async fn next(&mut self, deadline: Instant) -> Option<String> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                let data: Vec<&str> = event
                    .lines()
                    .filter_map(|line| line.strip_prefix("data:"))
                    .map(|line| line.strip_prefix(' ').unwrap_or(line))
                    .collect();
                if data.is_empty() {
                    continue; // a comment (keep-alive) or retry line
                }
                return Some(data.join("\n"));
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// Reads messages until one satisfies `check`.
    async fn until(
        &mut self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&crate::support::Page) -> bool,
    ) -> crate::support::Page {
        let deadline = Instant::now() + timeout;
        loop {
            let Some(data) = self.next(deadline).await else {
                panic!("no SSE message showed {what} within {timeout:?}");
            };
            let page = crate::support::Page::parse(data);
            if check(&page) {
                return page;
            }
        }
    }
}

#[tokio::test]
async fn a_sync_in_a_worker_process_streams_progress_to_the_browser_over_sse() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| {
        connect(
            &db,
            tenant,
            "demo",
            json!({ "records": "400", "page_delay_ms": "60" }),
            None,
        )
    })
    .await;
    let mut worker = WorkerProcess::start(app.pool.url());
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    admin.page("/sync/demo").await;
    let mut live = SseReader::connect(&admin).await;
    // Bravo's admin listens too, and must hear nothing of Alpha's sync.
    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    let mut other_live = SseReader::connect(&other).await;

    let response = admin
        .http
        .post(admin.url("/api/sync/runs"))
        .header("X-CSRF-Token", admin.csrf_token().unwrap_or_default())
        .json(&json!({ "source": "demo", "model": "contacts", "options": { "batch_size": 20 } }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap_or_default();
    let run_id = body["run_id"].as_i64().unwrap_or_else(|| panic!("{body}"));

    // Counts move while the other process works…
    let cell = "#live-model-demo-contacts";
    let moving = live
        .until(
            "a running sync with records",
            Duration::from_secs(30),
            |page| {
                page.attr(cell, "data-status").as_deref() == Some("running")
                    && page.exists(&format!("{cell} [data-role=counts]"))
                    && !page
                        .text(&format!("{cell} [data-role=counts]"))
                        .starts_with("0 processed")
            },
        )
        .await;
    assert_eq!(moving.attr(cell, "hx-swap-oob").as_deref(), Some("true"));
    assert!(
        moving.exists("#live-actions-demo-contacts [data-action=stop]"),
        "Stop while running"
    );
    assert!(moving.exists(&format!("#live-run-{run_id}")));

    // A network blip: the stream drops, the run finishes meanwhile, the browser reconnects.
    drop(live);
    let finished = wait_finished(&app.pool, tenant, run_id).await;
    assert_eq!(finished.status, "success", "{:?}", finished.error_message);
    let mut again = SseReader::connect(&admin).await;
    let first = again
        .until(
            "the final state after reconnecting",
            Duration::from_secs(5),
            |page| page.exists(cell),
        )
        .await;
    assert_eq!(first.attr(cell, "data-status").as_deref(), Some("success"));
    assert!(
        first
            .text(&format!("{cell} [data-role=counts]"))
            .starts_with("400 processed")
    );
    assert!(first.exists("#live-actions-demo-contacts [data-action=sync]"));
    assert_eq!(
        first.attr("#live-source-demo", "data-health").as_deref(),
        Some("success")
    );

    // Nothing of it reached the other tenant.
    let deadline = Instant::now() + Duration::from_millis(300);
    while let Some(data) = other_live.next(deadline).await {
        assert!(
            !data.contains("live-model-demo-contacts"),
            "leaked to another tenant: {data}"
        );
    }
    worker.kill();
}

#[tokio::test]
async fn killing_the_worker_mid_sync_fails_the_run_and_keeps_its_records() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| {
        connect(
            &db,
            tenant,
            "demo",
            json!({ "records": "2000", "page_delay_ms": "50" }),
            None,
        )
    })
    .await;
    let mut worker = WorkerProcess::start(app.pool.url());
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    admin.page("/sync").await;
    let response = admin
        .http
        .post(admin.url("/api/sync/runs"))
        .header("X-CSRF-Token", admin.csrf_token().unwrap_or_default())
        .json(&json!({ "source": "demo", "model": "calls", "options": { "batch_size": 10 } }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let body: Value = response.json().await.unwrap_or_default();
    let run_id = body["run_id"].as_i64().unwrap_or_else(|| panic!("{body}"));
    wait::until(
        "the worker to store some records",
        Duration::from_secs(30),
        || {
            let db = app.pool.clone();
            async move {
                tokio::task::spawn_blocking(move || find_run(&db, tenant, run_id))
                    .await
                    .ok()
                    .filter(|run| run.processed >= 20)
            }
        },
    )
    .await;
    worker.kill();

    // Any process's maintenance notices the silence and fails the run.
    let registry =
        std::sync::Arc::new(rapport::jobs::kinds::registry().unwrap_or_else(|e| panic!("{e}")));
    let mut config = rapport::jobs::WorkerConfig::from_settings(&settings(&app.pool), 0);
    config.stale_after = Duration::from_secs(3);
    let failed = wait::until(
        "the heartbeat check to fail the run",
        Duration::from_secs(20),
        || {
            let db = app.pool.clone();
            let registry = registry.clone();
            let config = config.clone();
            async move {
                rapport::jobs::worker::maintain_once(&db, &registry, &config)
                    .await
                    .ok()?;
                tokio::task::spawn_blocking(move || find_run(&db, tenant, run_id))
                    .await
                    .ok()
                    .filter(|run| run.status == "failed")
            }
        },
    )
    .await;
    assert!(
        failed
            .error_message
            .as_deref()
            .unwrap_or_default()
            .contains("stopped responding"),
        "{:?}",
        failed.error_message
    );
    let kept = app
        .blocking(move |db| records(&db, tenant, "demo", "calls").len())
        .await as i64;
    assert!(
        kept >= 20 && kept == failed.created,
        "kept {kept}, created {}",
        failed.created
    );
    // The job is not left running either.
    let (_, jobs_page) = admin.page("/admin/jobs?status=running").await;
    assert!(!jobs_page.exists("#jobs tbody tr"), "no job left running");
}
