//! The `sync.run` job kind: runs the queued runs in its payload one after the other in the
//! job's tenant scope; plus the upkeep that fails runs whose process died.

use std::sync::Arc;

use diesel::prelude::*;
use serde::Deserialize;

use crate::db::TenantScope;
use crate::db::schema::sync_runs;
use crate::jobs::{JobContext, JobError, JobRegistry};
use crate::sync::runner::{self, RunRequest};
use crate::sync::runs;
use crate::sync::start::JOB_KIND;

#[derive(Debug, Deserialize)]
struct Payload {
    run_ids: Vec<i64>,
}

pub fn register(registry: &mut JobRegistry) {
    registry.register(JOB_KIND, run_job);
    registry.on_abandoned(JOB_KIND, |conn, job| {
        // The job's worker died: its running sync died with it.
        let ids: Vec<i64> = diesel::update(sync_runs::table)
            .filter(sync_runs::job_id.eq(job.id.0))
            .filter(sync_runs::status.eq("running"))
            .set((
                sync_runs::status.eq("failed"),
                sync_runs::finished_at.eq(diesel::dsl::now),
                sync_runs::error_message.eq(
                    "The worker running this sync stopped responding. The records it stored are kept; run it again to continue.",
                ),
            ))
            .returning(sync_runs::id)
            .get_results(conn)?;
        for id in ids {
            crate::sync::live::publish_run(conn, id)?;
        }
        Ok(())
    });
    registry.on_maintenance(|conn, stale_after| {
        runs::recover_stale(conn, stale_after)?;
        Ok(())
    });
}

async fn run_job(ctx: JobContext) -> Result<(), JobError> {
    let payload: Payload = ctx.payload()?;
    let scope = ctx
        .tenant_scope()
        .ok_or_else(|| JobError::permanent("a sync job needs a tenant"))?;
    let worker = ctx
        .job
        .locked_by
        .clone()
        .unwrap_or_else(|| format!("job {}", ctx.job.id));
    for run_id in payload.run_ids {
        if ctx.cancel.is_cancelled() {
            stop_queued(&ctx, &scope, run_id).await?;
            continue;
        }
        let db = ctx.db.clone();
        let begin_scope = scope.clone();
        let begin_worker = worker.clone();
        let run = tokio::task::spawn_blocking(move || {
            db.tenant_blocking(&begin_scope, |conn| -> anyhow::Result<_> {
                if runs::begin(conn, run_id, &begin_worker)? {
                    Ok(runs::find(conn, run_id)?)
                } else {
                    Ok(None)
                }
            })
        })
        .await
        .map_err(|err| JobError::Retry(anyhow::anyhow!("{err}")))??;
        let Some(run) = run else {
            // Stopped while queued.
            continue;
        };
        runner::execute(RunRequest {
            db: ctx.db.clone(),
            settings: Arc::clone(&ctx.settings),
            run,
            cancel: ctx.cancel.child_token(),
            on_progress: None,
        })
        .await?;
    }
    Ok(())
}

async fn stop_queued(ctx: &JobContext, scope: &TenantScope, run_id: i64) -> Result<(), JobError> {
    let db = ctx.db.clone();
    let scope = scope.clone();
    tokio::task::spawn_blocking(move || {
        db.tenant_blocking(&scope, |conn| -> anyhow::Result<()> {
            runs::stop(conn, run_id)?;
            Ok(())
        })
    })
    .await
    .map_err(|err| JobError::Retry(anyhow::anyhow!("{err}")))??;
    Ok(())
}
