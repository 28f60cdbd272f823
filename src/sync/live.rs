//! Live run state across processes: whichever process runs a sync publishes the run's
//! state with `pg_notify` in the transaction that recorded it; every web process listens
//! ([`crate::db::listen`]) and forwards it to the browsers of that tenant over SSE.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};

use crate::db::listen::SYNC_CHANNEL;
use crate::sync::runs::{self, SyncRun};

/// What a live view needs to draw a run (small: NOTIFY payloads are capped at 8000 bytes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEvent {
    pub tenant_id: i64,
    pub run_id: i64,
    pub source: String,
    pub model: String,
    pub status: String,
    pub processed: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub failed: i64,
    pub deleted: i64,
    pub expected_total: Option<i64>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub stopping: bool,
    pub error: Option<String>,
}

impl RunEvent {
    pub fn of(run: &SyncRun) -> Self {
        RunEvent {
            tenant_id: run.tenant_id,
            run_id: run.id,
            source: run.source.clone(),
            model: run.model.clone(),
            status: run.status.clone(),
            processed: run.processed,
            created: run.created,
            updated: run.updated,
            unchanged: run.unchanged,
            failed: run.failed,
            deleted: run.deleted,
            expected_total: run.expected_total,
            started_at: run.started_at,
            finished_at: run.finished_at,
            stopping: run.cancel_requested_at.is_some() && run.status == "running",
            error: run
                .error_message
                .as_ref()
                .map(|message| message.chars().take(300).collect()),
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == "queued" || self.status == "running"
    }

    pub fn records_per_second(&self) -> Option<f64> {
        let started = self.started_at?;
        let end = self.finished_at.unwrap_or_else(Utc::now);
        let seconds = (end - started).num_milliseconds() as f64 / 1000.0;
        (seconds > 0.2).then(|| self.processed as f64 / seconds)
    }

    /// 0–100 when the total is known.
    pub fn percent(&self) -> Option<u8> {
        let total = self.expected_total.filter(|total| *total > 0)?;
        Some(((self.processed as f64 / total as f64) * 100.0).clamp(0.0, 100.0) as u8)
    }
}

/// Publishes the run's current state (delivered when the transaction commits).
pub fn publish_run(conn: &mut PgConnection, run_id: i64) -> QueryResult<()> {
    if let Some(run) = runs::find(conn, run_id)? {
        publish(conn, &RunEvent::of(&run))?;
    }
    Ok(())
}

pub fn publish(conn: &mut PgConnection, event: &RunEvent) -> QueryResult<()> {
    let payload = serde_json::to_string(event).unwrap_or_default();
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(SYNC_CHANNEL)
        .bind::<Text, _>(payload)
        .execute(conn)?;
    Ok(())
}

pub fn parse(payload: &str) -> Option<RunEvent> {
    serde_json::from_str(payload).ok()
}
