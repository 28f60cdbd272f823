//! `/sync`: a card per source with its model count, last sync, health and connection;
//! search; "Sync all".

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::sync::model::{AuthKind, SourceInfo};
use crate::sync::options::SyncOptions;
use crate::sync::runs::{self, Trigger};
use crate::sync::start::{self, StartError, StartRequest};
use crate::sync::{connections, registry};
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::flash::{self, Flash};
use crate::web::identity::Identity;
use crate::web::nav::Section;
use crate::web::render::html;
use crate::web::sync::views;

pub struct Card {
    pub info: &'static SourceInfo,
    pub model_count: usize,
    pub last_sync: String,
    pub health: &'static str,
    pub connected: bool,
}

#[derive(Template)]
#[template(path = "sync/index.html")]
struct OverviewPage {
    chrome: Chrome,
    cards: Vec<Card>,
    query: String,
}

#[derive(Debug, Deserialize)]
pub struct OverviewQuery {
    #[serde(default)]
    q: String,
}

fn matches(query: &str, info: &SourceInfo, models: &[crate::sync::model::ModelInfo]) -> bool {
    let query = query.trim().to_lowercase();
    query.is_empty()
        || info.name.to_lowercase().contains(&query)
        || info.id.contains(&query)
        || info.description.to_lowercase().contains(&query)
        || models
            .iter()
            .any(|model| model.id.contains(&query) || model.label.to_lowercase().contains(&query))
}

pub async fn page(
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<OverviewQuery>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::SyncManage)?;
    let (latest, connected) = state
        .db
        .tenant(&page.identity.scope(), |conn| {
            Ok((
                runs::latest_per_model(conn, None)?,
                connections::list(conn)?
                    .into_iter()
                    .map(|c| c.source)
                    .collect::<Vec<_>>(),
            ))
        })
        .await?;
    let cards = registry::all()
        .iter()
        .filter(|connector| matches(&query.q, connector.info(), connector.models()))
        .map(|connector| {
            let info = connector.info();
            let source_runs: Vec<_> = latest.iter().filter(|run| run.source == info.id).collect();
            let last = source_runs
                .iter()
                .filter_map(|run| run.finished_at.or(run.started_at))
                .max();
            Card {
                info,
                model_count: connector.models().len(),
                last_sync: last.map_or_else(|| "never".to_owned(), views::relative),
                health: views::health(source_runs.iter().copied()),
                connected: info.auth == AuthKind::None || connected.iter().any(|c| c == info.id),
            }
        })
        .collect();
    html(&OverviewPage {
        chrome: page.chrome("Sync", Section::Sync),
        cards,
        query: query.into_inner().q,
    })
}

/// Starts every model of every connected source.
pub async fn sync_all(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::SyncManage)?;
    let stale = std::time::Duration::from_secs(state.settings.job_stale_secs.max(2));
    let tenant_id = identity.tenant_id;
    let user_id = identity.user_id;
    let (started, skipped) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let connected: Vec<String> = connections::list(conn)?
                .into_iter()
                .map(|c| c.source)
                .collect();
            let mut started = 0;
            let mut skipped = 0;
            for connector in registry::all() {
                let info = connector.info();
                if info.auth != AuthKind::None && !connected.iter().any(|c| c == info.id) {
                    continue;
                }
                let request = StartRequest {
                    tenant_id,
                    user_id: Some(user_id),
                    source: info.id,
                    model: "all",
                    options: &SyncOptions::default(),
                    trigger: Trigger::Dashboard,
                };
                match start::start(conn, &request, stale) {
                    Ok(done) => {
                        started += done.run_ids.len();
                        skipped += done.already_running.len();
                    }
                    Err(StartError::AlreadyRunning { .. }) | Err(StartError::NotConnected(_)) => {
                        skipped += 1
                    }
                    Err(StartError::Database(err)) => return Err(err.into()),
                    Err(other) => return Err(AppError::bad_request(other.to_string())),
                }
            }
            Ok((started, skipped))
        })
        .await?;
    let message = match (started, skipped) {
        (0, 0) => "Nothing to sync: connect a source first.".to_owned(),
        (0, _) => "Every model is already syncing.".to_owned(),
        (n, 0) => format!("Started {n} syncs."),
        (n, s) => format!("Started {n} syncs; {s} were already running."),
    };
    Ok(flash::redirect(&req, "/sync", Flash::success(message)))
}
