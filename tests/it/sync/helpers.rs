//! Helpers for the sync tests: run a sync in-process, read what it stored.

use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use rapport::config::Settings;
use rapport::db::{Db, TenantScope};
use rapport::domain::ids::TenantId;
use rapport::sync::connections::{self, SaveConnection};
use rapport::sync::crypto::SecretBox;
use rapport::sync::options::SyncOptions;
use rapport::sync::runner::{self, RunRequest};
use rapport::sync::runs::{self, NewRun, SyncRun, Trigger};
use rapport::sync::store;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub fn settings(db: &Db) -> Arc<Settings> {
    let mut settings = Settings::for_database(db.url().to_owned());
    settings.job_heartbeat_secs = 1;
    settings.job_stale_secs = 3;
    Arc::new(settings)
}

pub fn scope(tenant: TenantId) -> TenantScope {
    TenantScope::service(tenant.0)
}

/// Saves the tenant's connection to `source` (settings object, optional secret).
pub fn connect(db: &Db, tenant: TenantId, source: &str, settings: Value, secret: Option<&str>) {
    let secrets = SecretBox::from_settings(&Settings::for_database(db.url().to_owned()))
        .unwrap_or_else(|err| panic!("{err}"));
    db.tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<()> {
        connections::save(
            conn,
            &SaveConnection {
                tenant_id: tenant,
                source,
                settings,
                secret,
                actor: None,
            },
            secrets.as_ref(),
        )?;
        Ok(())
    })
    .unwrap_or_else(|err| panic!("connect {source}: {err:#}"));
}

/// Creates a running run and runs it to the end in this task.
pub async fn run_sync(
    db: &Db,
    tenant: TenantId,
    source: &str,
    model: &str,
    options: SyncOptions,
) -> SyncRun {
    run_sync_with(db, tenant, source, model, options, CancellationToken::new()).await
}

pub async fn run_sync_with(
    db: &Db,
    tenant: TenantId,
    source: &str,
    model: &str,
    options: SyncOptions,
    cancel: CancellationToken,
) -> SyncRun {
    let run = create_run(db, tenant, source, model, &options)
        .await
        .unwrap_or_else(|active| panic!("a run of {source} {model} is already active: #{active}"));
    runner::execute(RunRequest {
        db: db.clone(),
        settings: settings(db),
        run,
        cancel,
        on_progress: None,
    })
    .await
    .unwrap_or_else(|err| panic!("run failed to record: {err:#}"))
}

pub async fn create_run(
    db: &Db,
    tenant: TenantId,
    source: &str,
    model: &str,
    options: &SyncOptions,
) -> Result<SyncRun, i64> {
    let db = db.clone();
    let (source, model, options) = (source.to_owned(), model.to_owned(), options.clone());
    tokio::task::spawn_blocking(move || {
        db.tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<_> {
            Ok(runs::create(
                conn,
                &NewRun {
                    tenant_id: tenant,
                    source: &source,
                    model: &model,
                    trigger: Trigger::Cli,
                    requested_by: None,
                    options: &options,
                },
                true,
                Some("test"),
                Duration::from_secs(3),
            )?)
        })
    })
    .await
    .unwrap_or_else(|err| panic!("{err}"))
    .unwrap_or_else(|err| panic!("create run: {err:#}"))
}

/// (source id, payload, deleted) of every stored record of a model, by source id.
pub fn records(db: &Db, tenant: TenantId, source: &str, model: &str) -> Vec<(String, Value, bool)> {
    use rapport::db::schema::sync_records;
    db.tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<_> {
        let Some(state) = store::find_model(conn, source, model)? else {
            return Ok(Vec::new());
        };
        Ok(sync_records::table
            .filter(sync_records::model_id.eq(state.id))
            .order(sync_records::source_id)
            .select((
                sync_records::source_id,
                sync_records::payload,
                sync_records::deleted_at.is_not_null(),
            ))
            .load(conn)?)
    })
    .unwrap_or_else(|err| panic!("{err:#}"))
}

pub fn model_state(
    db: &Db,
    tenant: TenantId,
    source: &str,
    model: &str,
) -> Option<store::ModelState> {
    db.tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<_> {
        Ok(store::find_model(conn, source, model)?)
    })
    .unwrap_or_else(|err| panic!("{err:#}"))
}

pub fn run_errors(db: &Db, tenant: TenantId, run_id: i64) -> Vec<runs::RunErrorRow> {
    db.tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<_> {
        Ok(runs::errors(conn, run_id, 0, 1000)?)
    })
    .unwrap_or_else(|err| panic!("{err:#}"))
}

pub fn find_run(db: &Db, tenant: TenantId, run_id: i64) -> SyncRun {
    db.tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<_> {
        Ok(runs::find(conn, run_id)?)
    })
    .unwrap_or_else(|err| panic!("{err:#}"))
    .unwrap_or_else(|| panic!("run {run_id} not found"))
}

pub fn debug_log(db: &Db, tenant: TenantId, run_id: i64) -> Option<String> {
    db.tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<_> {
        Ok(runs::debug_log(conn, run_id)?)
    })
    .unwrap_or_else(|err| panic!("{err:#}"))
}

/// In-process job workers with Rapport's job kinds (as `serve` runs them), fast intervals.
pub fn start_workers(db: &Db) -> (rapport::jobs::Runtime, CancellationToken) {
    let registry = rapport::jobs::kinds::registry().unwrap_or_else(|err| panic!("{err}"));
    let shutdown = CancellationToken::new();
    let mut config = rapport::jobs::WorkerConfig::from_settings(&settings(db), 2);
    config.poll_interval = Duration::from_millis(100);
    config.maintenance_interval = Duration::from_millis(500);
    let runtime = rapport::jobs::Runtime::start(
        db.clone(),
        settings(db),
        Arc::new(registry),
        config,
        Some(rapport::db::listen::Listener::for_rapport(db.url())),
        shutdown.clone(),
    );
    (runtime, shutdown)
}

/// Waits until the run has finished (any final status) and returns it.
pub async fn wait_finished(db: &Db, tenant: TenantId, run_id: i64) -> SyncRun {
    crate::support::wait::until(
        &format!("run {run_id} to finish"),
        Duration::from_secs(30),
        || {
            let db = db.clone();
            async move {
                tokio::task::spawn_blocking(move || find_run(&db, tenant, run_id))
                    .await
                    .ok()
                    .filter(|run| run.finished_at.is_some())
            }
        },
    )
    .await
}
