//! The sync hub's JSON API under `/api/sync/` (session + CSRF, or a Bearer API token). The
//! same runner and options as the dashboard and the CLI.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::sync::connections;
use crate::sync::connector::Connector;
use crate::sync::data::{self, Cursor, DataQuery, Sort};
use crate::sync::model::AuthKind;
use crate::sync::options::SyncOptionsInput;
use crate::sync::runs::{self, RunFilter, StopOutcome, SyncRun, Trigger};
use crate::sync::start::{self, StartError, StartRequest};
use crate::sync::{registry, store};
use crate::web::AppState;
use crate::web::identity::Identity;
use crate::web::sync::runs::RunsQuery;
use crate::web::sync::{provenance, views};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/sync/sources", web::get().to(sources))
        .route("/api/sync/sources/{source}/models", web::get().to(models))
        .route(
            "/api/sync/sources/{source}/models/{model}",
            web::get().to(model),
        )
        .route(
            "/api/sync/sources/{source}/models/{model}/data",
            web::get().to(model_data),
        )
        .route("/api/sync/runs", web::get().to(list_runs))
        .route("/api/sync/runs", web::post().to(start_run))
        .route("/api/sync/runs/{id}", web::get().to(run))
        .route("/api/sync/runs/{id}/stop", web::post().to(stop_run))
        .route("/api/sync/provenance", web::get().to(provenance::json));
}

pub fn run_json(run: &SyncRun) -> Value {
    let mut value = serde_json::to_value(run).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert("duration_seconds".into(), json!(run.duration_seconds()));
        object.insert("records_per_second".into(), json!(run.records_per_second()));
        object.insert("url".into(), json!(format!("/sync/runs/{}", run.id)));
    }
    value
}

fn connector(source: &str) -> Result<&'static dyn Connector, AppError> {
    super::connector(source)
}

async fn sources(identity: Identity, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    identity.require(Permission::SyncManage)?;
    let (latest, connected) = state
        .db
        .tenant(&identity.scope(), |conn| {
            Ok((
                runs::latest_per_model(conn, None)?,
                connections::list(conn)?
                    .into_iter()
                    .map(|c| c.source)
                    .collect::<Vec<_>>(),
            ))
        })
        .await?;
    let sources: Vec<Value> = registry::all()
        .iter()
        .map(|connector| {
            let info = connector.info();
            let source_runs: Vec<&SyncRun> = latest.iter().filter(|run| run.source == info.id).collect();
            json!({
                "id": info.id,
                "name": info.name,
                "description": info.description,
                "auth": info.auth,
                "model_count": connector.models().len(),
                "connected": info.auth == AuthKind::None || connected.iter().any(|c| c == info.id),
                "last_sync": source_runs.iter().filter_map(|run| run.finished_at.or(run.started_at)).max(),
                "health": views::health(source_runs.iter().copied()),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "sources": sources })))
}

async fn models(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::SyncManage)?;
    let connector = connector(&path)?;
    let source = connector.info().id;
    let (states, latest) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok((
                store::models_of_source(conn, source)?,
                runs::latest_per_model(conn, Some(source))?,
            ))
        })
        .await?;
    let models: Vec<Value> = connector
        .models()
        .iter()
        .map(|model| {
            let last = latest.iter().find(|run| run.model == model.id);
            json!({
                "id": model.id,
                "label": model.label,
                "primary_key": model.primary_key,
                "cursor_field": model.cursor_field,
                "fields": model.fields,
                "record_count": states.iter().find(|s| s.model == model.id).map_or(0, |s| s.record_count),
                "status": last.map_or("never", |run| run.status.as_str()),
                "last_run": last.map(run_json),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "source": source, "models": models })))
}

async fn model(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::SyncManage)?;
    let (source, model_id) = path.into_inner();
    let connector = connector(&source)?;
    let model = connector.model(&model_id).ok_or(AppError::NotFound)?;
    let source = connector.info().id;
    let (state_row, last, errors) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let filter = RunFilter {
                source: Some(source.to_owned()),
                model: Some(model.id.to_owned()),
                ..Default::default()
            };
            Ok((
                store::find_model(conn, source, model.id)?,
                runs::list(conn, &filter, 1)?.into_iter().next(),
                runs::recent_errors(conn, source, model.id, 20)?,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "source": source,
        "model": model,
        "record_count": state_row.as_ref().map_or(0, |s| s.record_count),
        "deleted_count": state_row.as_ref().map_or(0, |s| s.deleted_count),
        "cursor": state_row.as_ref().and_then(|s| s.cursor.clone()),
        "status": last.as_ref().map_or("never", |run| run.status.as_str()),
        "last_sync": last.as_ref().and_then(|run| run.finished_at.or(run.started_at)),
        "last_run": last.as_ref().map(run_json),
        "recent_errors": errors,
    })))
}

#[derive(Debug, Deserialize)]
struct DataParams {
    #[serde(default)]
    search: String,
    #[serde(default)]
    cursor: String,
    limit: Option<i64>,
    #[serde(default)]
    sort: String,
}

async fn model_data(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    params: web::Query<DataParams>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::SyncManage)?;
    let (source, model_id) = path.into_inner();
    let connector = connector(&source)?;
    let model = connector.model(&model_id).ok_or(AppError::NotFound)?;
    let source = connector.info().id;
    let limit = params.limit.unwrap_or(50).clamp(1, 1000);
    let after = match params.cursor.trim() {
        "" => None,
        text => Some(Cursor::decode(text).ok_or_else(|| AppError::bad_request("Invalid cursor."))?),
    };
    let sort = Sort::parse(params.sort.trim())
        .ok_or_else(|| AppError::bad_request("sort is `updated` or `id`."))?;
    let query = DataQuery {
        search: Some(params.search.trim().to_owned()).filter(|s| !s.is_empty()),
        sort,
        descending: true,
        after,
        limit: limit + 1,
        include_deleted: false,
    };
    let mut rows = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(match store::find_model(conn, source, model.id)? {
                Some(state_row) => data::page(conn, state_row.id, model.fields, &query)?,
                None => Vec::new(),
            })
        })
        .await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|row| row.cursor().encode())
    } else {
        None
    };
    let records: Vec<Value> = rows
        .iter()
        .map(|row| {
            let fields: serde_json::Map<String, Value> = model
                .fields
                .iter()
                .map(|field| {
                    (
                        field.key.to_owned(),
                        row.payload
                            .pointer(field.pointer)
                            .cloned()
                            .unwrap_or(Value::Null),
                    )
                })
                .collect();
            json!({
                "source_id": row.source_id,
                "fields": fields,
                "payload": row.payload,
                "updated_at": row.source_updated_at,
                "first_seen_at": row.first_seen_at,
                "last_seen_at": row.last_seen_at,
                "deleted_at": row.deleted_at,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "records": records, "next_cursor": next })))
}

#[derive(Debug, Deserialize)]
struct StartBody {
    source: String,
    model: String,
    #[serde(default)]
    options: SyncOptionsInput,
}

async fn start_run(
    identity: Identity,
    state: web::Data<AppState>,
    body: web::Json<StartBody>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::SyncManage)?;
    let body = body.into_inner();
    let options = match body.options.validate(chrono::Utc::now()) {
        Ok(options) => options,
        Err(errors) => {
            let errors: serde_json::Map<String, Value> = errors
                .iter()
                .map(|(field, message)| (field.to_owned(), json!(message)))
                .collect();
            return Ok(HttpResponse::UnprocessableEntity().json(json!({
                "error": { "status": 422, "title": "Invalid options", "message": "Some options are not valid." },
                "errors": errors,
            })));
        }
    };
    let stale = std::time::Duration::from_secs(state.settings.job_stale_secs.max(2));
    let (tenant_id, user_id) = (identity.tenant_id, identity.user_id);
    let started = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let request = StartRequest {
                tenant_id,
                user_id: Some(user_id),
                source: &body.source,
                model: &body.model,
                options: &options,
                trigger: Trigger::Api,
            };
            match start::start(conn, &request, stale) {
                Err(StartError::Database(err)) => Err(err.into()),
                other => Ok(other),
            }
        })
        .await?;
    match started {
        Ok(started) => Ok(HttpResponse::Created().json(json!({
            "run_id": started.run_ids.first(),
            "run_ids": started.run_ids,
            "job_id": started.job_id,
            "already_running": started.already_running.iter().map(|(model, run)| json!({"model": model, "run_id": run})).collect::<Vec<_>>(),
        }))),
        Err(StartError::AlreadyRunning { run_id, model }) => Ok(HttpResponse::Conflict().json(json!({
            "error": {
                "status": 409,
                "title": "Already running",
                "message": format!("A sync of {model} is already running (run #{run_id})."),
            },
            "run_id": run_id,
            "url": format!("/sync/runs/{run_id}"),
        }))),
        Err(StartError::UnknownSource(_) | StartError::UnknownModel { .. }) => Err(AppError::NotFound),
        Err(other) => Err(AppError::bad_request(other.to_string())),
    }
}

async fn run(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::SyncManage)?;
    let run_id = path.into_inner();
    let (run, errors, log) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let run = runs::find(conn, run_id)?.ok_or(AppError::NotFound)?;
            Ok((
                run,
                runs::errors(conn, run_id, 0, 100)?,
                runs::debug_log(conn, run_id)?,
            ))
        })
        .await?;
    let mut value = run_json(&run);
    if let Some(object) = value.as_object_mut() {
        object.insert("options_flags".into(), json!(run.options().describe()));
        object.insert("errors".into(), json!(errors));
        object.insert("debug_log".into(), json!(log));
    }
    Ok(HttpResponse::Ok().json(value))
}

async fn stop_run(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::SyncManage)?;
    let run_id = path.into_inner();
    let outcome = state
        .db
        .tenant(&identity.scope(), move |conn| {
            runs::find(conn, run_id)?.ok_or(AppError::NotFound)?;
            Ok(runs::stop(conn, run_id)?)
        })
        .await?;
    let outcome = match outcome {
        StopOutcome::Cancelled => "cancelled",
        StopOutcome::Requested => "stopping",
        StopOutcome::NotRunning => "not_running",
    };
    Ok(HttpResponse::Ok().json(json!({ "run_id": run_id, "outcome": outcome })))
}

async fn list_runs(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<RunsQuery>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::SyncManage)?;
    let filter = query.filter()?;
    let mut found = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(runs::list(conn, &filter, 101)?)
        })
        .await?;
    let next_before = if found.len() > 100 {
        found.truncate(100);
        found.last().map(|run| run.id)
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(json!({
        "runs": found.iter().map(run_json).collect::<Vec<_>>(),
        "next_before": next_before,
    })))
}
