//! Starting syncs from the dashboard, the API or a schedule: in the caller's transaction,
//! one queued run per model and one job that runs them in model order (so companies land
//! before the contacts that link to them). The CLI runs in the foreground instead.

use std::time::Duration;

use diesel::PgConnection;
use serde_json::json;

use crate::domain::ids::{TenantId, UserId};
use crate::jobs::{self, NewJob};
use crate::sync::connections;
use crate::sync::connector::Connector;
use crate::sync::model::AuthKind;
use crate::sync::options::SyncOptions;
use crate::sync::registry;
use crate::sync::runs::{self, NewRun, Trigger};

pub const JOB_KIND: &str = "sync.run";

pub struct StartRequest<'a> {
    pub tenant_id: TenantId,
    pub user_id: Option<UserId>,
    pub source: &'a str,
    /// A model id, or `all`.
    pub model: &'a str,
    pub options: &'a SyncOptions,
    pub trigger: Trigger,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("there is no source `{0}`")]
    UnknownSource(String),
    #[error("{source_name} has no model `{model}`")]
    UnknownModel { source_name: String, model: String },
    #[error("{0} is not connected yet: add the connection first")]
    NotConnected(String),
    #[error("a sync of {model} is already running")]
    AlreadyRunning { run_id: i64, model: String },
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

#[derive(Debug, Clone)]
pub struct Started {
    pub run_ids: Vec<i64>,
    pub job_id: i64,
    /// Models skipped because they were already running (only with `all`): (model, run).
    pub already_running: Vec<(String, i64)>,
}

/// The models `model` names, in the order they should run.
pub fn models_for(
    connector: &'static dyn Connector,
    model: &str,
) -> Option<Vec<&'static crate::sync::model::ModelInfo>> {
    if model == "all" {
        let mut models: Vec<_> = connector.models().iter().collect();
        models.sort_by_key(|model| model.order);
        Some(models)
    } else {
        connector.model(model).map(|model| vec![model])
    }
}

pub fn start(
    conn: &mut PgConnection,
    request: &StartRequest<'_>,
    stale_after: Duration,
) -> Result<Started, StartError> {
    let connector = registry::get(request.source)
        .ok_or_else(|| StartError::UnknownSource(request.source.to_owned()))?;
    let models = models_for(connector, request.model).ok_or_else(|| StartError::UnknownModel {
        source_name: connector.info().name.to_owned(),
        model: request.model.to_owned(),
    })?;
    if connector.info().auth != AuthKind::None && connections::find(conn, request.source)?.is_none()
    {
        return Err(StartError::NotConnected(connector.info().name.to_owned()));
    }
    let mut run_ids = Vec::new();
    let mut already_running = Vec::new();
    for model in &models {
        let created = runs::create(
            conn,
            &NewRun {
                tenant_id: request.tenant_id,
                source: request.source,
                model: model.id,
                trigger: request.trigger,
                requested_by: request.user_id,
                options: request.options,
            },
            false,
            None,
            stale_after,
        )?;
        match created {
            Ok(run) => run_ids.push(run.id),
            Err(active) => already_running.push((model.id.to_owned(), active)),
        }
    }
    if run_ids.is_empty() {
        let (model, run_id) = already_running
            .into_iter()
            .next()
            .unwrap_or_else(|| (request.model.to_owned(), 0));
        return Err(StartError::AlreadyRunning { run_id, model });
    }
    let mut job = NewJob::new(JOB_KIND, json!({ "run_ids": run_ids }))
        .for_tenant(request.tenant_id)
        // A sync that fails is re-run by a person, not retried blindly: the connector
        // already retried each request.
        .max_attempts(1)
        .priority(5);
    if let Some(user) = request.user_id {
        job = job.created_by(user);
    }
    let job_id = jobs::enqueue(conn, &job)?.id().0;
    for run_id in &run_ids {
        runs::set_job(conn, *run_id, job_id)?;
    }
    Ok(Started {
        run_ids,
        job_id,
        already_running,
    })
}
