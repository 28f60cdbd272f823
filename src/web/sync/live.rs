//! `GET /sync/live`: the tenant's sync progress as server-sent events. Each message is a
//! set of out-of-band swaps (the model's status cell and actions, the run's row, the
//! source's health badge); elements a page does not have are ignored, so every sync page
//! uses the same stream. On (re)connect the stream starts with the current state of every
//! active or recently finished run, so a reconnect after a blip never loses a final state.

use std::time::Duration;

use actix_web::{Responder, web};
use actix_web_lab::sse::{self, Sse};
use askama::Template;
use tokio::sync::{broadcast, mpsc};

use crate::db::TenantScope;
use crate::db::listen::{Notice, SYNC_CHANNEL};
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::sync::live::{self, RunEvent};
use crate::sync::runs;
use crate::web::AppState;
use crate::web::identity::Identity;
use crate::web::sync::views::{self, Live};

#[derive(Template)]
#[template(path = "sync/_live_model.html")]
pub struct LiveModel<'a> {
    pub live: &'a Live,
    pub oob: bool,
}

#[derive(Template)]
#[template(path = "sync/_live_actions.html")]
pub struct LiveActions<'a> {
    pub live: &'a Live,
    pub oob: bool,
}

#[derive(Template)]
#[template(path = "sync/_live_run.html")]
pub struct LiveRun<'a> {
    pub live: &'a Live,
    pub oob: bool,
}

#[derive(Template)]
#[template(path = "sync/_live_source.html")]
pub struct LiveSource<'a> {
    pub source: &'a str,
    pub health: &'a str,
    pub oob: bool,
}

/// The swaps for one run's new state.
fn render_event(event: &RunEvent, health: Option<&str>) -> Result<String, askama::Error> {
    let live = Live::from_event(event);
    let mut html = LiveModel {
        live: &live,
        oob: true,
    }
    .render()?;
    html.push_str(
        &LiveActions {
            live: &live,
            oob: true,
        }
        .render()?,
    );
    html.push_str(
        &LiveRun {
            live: &live,
            oob: true,
        }
        .render()?,
    );
    if let Some(health) = health {
        html.push_str(
            &LiveSource {
                source: &event.source,
                health,
                oob: true,
            }
            .render()?,
        );
    }
    Ok(html)
}

pub async fn live(
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<impl Responder, AppError> {
    identity.require(Permission::SyncManage)?;
    let mut notices = state.listener.subscribe();
    // Subscribed before reading the snapshot: nothing can slip between the two.
    state.listener.wait_ready(Duration::from_secs(3)).await;
    let scope = identity.scope();
    let first = snapshot(&state, &scope).await?;
    let (sender, receiver) = mpsc::channel::<sse::Event>(32);
    let state = state.into_inner();
    actix_web::rt::spawn(async move {
        if sender.send(sse::Data::new(first).into()).await.is_err() {
            return;
        }
        loop {
            let notice = tokio::select! {
                () = sender.closed() => return,
                notice = notices.recv() => notice,
            };
            let message = match notice {
                Ok(Notice { channel, payload }) if channel == SYNC_CHANNEL => {
                    match live::parse(&payload) {
                        Some(event) if event.tenant_id == scope.tenant_id => {
                            on_event(&state, &scope, &event).await
                        }
                        _ => continue,
                    }
                }
                Ok(notice) if notice.is_reconnect() => snapshot(&state, &scope).await,
                Ok(_) => continue,
                // Fell behind: whatever was missed, the current state covers it.
                Err(broadcast::error::RecvError::Lagged(_)) => snapshot(&state, &scope).await,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            match message {
                Ok(html) if !html.is_empty() => {
                    if sender.send(sse::Data::new(html).into()).await.is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "cannot render live sync state"),
            }
        }
    });
    Ok(Sse::from_infallible_receiver(receiver)
        .with_keep_alive(Duration::from_secs(15))
        .with_retry_duration(Duration::from_secs(1))
        .customize()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Accel-Buffering", "no")))
}

/// A finished run may change its source's health: read it then (not on every batch).
async fn on_event(
    state: &AppState,
    scope: &TenantScope,
    event: &RunEvent,
) -> Result<String, AppError> {
    let health = if event.is_active() {
        "running".to_owned()
    } else {
        let source = event.source.clone();
        state
            .db
            .tenant(scope, move |conn| {
                let latest = runs::latest_per_model(conn, Some(&source))?;
                Ok(views::health(latest.iter()).to_owned())
            })
            .await?
    };
    Ok(render_event(event, Some(&health))?)
}

/// The current state of every active or recently finished run (newest last, so the
/// latest run of a model is the one left on the page).
async fn snapshot(state: &AppState, scope: &TenantScope) -> Result<String, AppError> {
    let (recent, latest) = state
        .db
        .tenant(scope, |conn| {
            Ok((
                runs::active_or_recent(conn, 30)?,
                runs::latest_per_model(conn, None)?,
            ))
        })
        .await?;
    let mut html = String::new();
    for run in recent.iter().rev() {
        let is_latest = latest.iter().any(|l| l.id == run.id);
        let event = RunEvent::of(run);
        if is_latest {
            let health = views::health(latest.iter().filter(|l| l.source == run.source));
            html.push_str(&render_event(&event, Some(health))?);
        } else {
            html.push_str(
                &LiveRun {
                    live: &Live::from_event(&event),
                    oob: true,
                }
                .render()?,
            );
        }
    }
    Ok(html)
}
