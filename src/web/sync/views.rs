//! What the sync pages show, computed once for the templates: health, relative times,
//! number formatting, and the live status of a model or run.

use chrono::{DateTime, Utc};

use crate::domain::counts::group_thousands;
use crate::sync::live::RunEvent;
use crate::sync::runs::SyncRun;

/// "3 minutes ago".
pub fn relative(at: impl crate::web::fmt::Instant) -> String {
    let seconds = (Utc::now() - at.instant()).num_seconds();
    let (value, unit) = match seconds {
        s if s < 45 => return "just now".to_owned(),
        s if s < 90 * 60 => ((s + 30) / 60, "minute"),
        s if s < 36 * 3600 => ((s + 1800) / 3600, "hour"),
        s => ((s + 43_200) / 86_400, "day"),
    };
    format!("{value} {unit}{} ago", if value == 1 { "" } else { "s" })
}

pub fn relative_opt(at: &Option<DateTime<Utc>>) -> String {
    at.as_ref()
        .map_or_else(|| "never".to_owned(), |at| relative(*at))
}

pub fn number(n: impl std::borrow::Borrow<i64>) -> String {
    group_thousands(*n.borrow())
}

pub fn seconds(value: impl std::borrow::Borrow<Option<f64>>) -> String {
    match value.borrow() {
        None => "—".to_owned(),
        Some(s) if *s < 10.0 => format!("{s:.1} s"),
        Some(s) if *s < 120.0 => format!("{s:.0} s"),
        Some(s) => format!("{}m {:02}s", (*s as i64) / 60, (*s as i64) % 60),
    }
}

pub fn rate(value: impl std::borrow::Borrow<Option<f64>>) -> String {
    value.borrow().map_or_else(
        || "—".to_owned(),
        |rate| format!("{}/s", group_thousands(rate.round() as i64)),
    )
}

/// The badge tone of a run status or health.
pub fn tone(status: impl AsRef<str>) -> &'static str {
    match status.as_ref() {
        "success" => "success",
        "partial" => "warning",
        "failed" => "danger",
        "running" | "queued" => "info",
        _ => "muted",
    }
}

/// A source's (or the overview's) overall state from its models' latest runs: anything
/// running wins, then the worst finished result.
pub fn health<'a>(latest: impl IntoIterator<Item = &'a SyncRun>) -> &'static str {
    let mut result = "never";
    for run in latest {
        let rank = |status: &str| match status {
            "running" | "queued" => 5,
            "failed" => 4,
            "partial" => 3,
            "cancelled" => 2,
            "success" => 1,
            _ => 0,
        };
        let status = match run.status.as_str() {
            "queued" => "running",
            other => other,
        };
        if rank(status) > rank(result) {
            result = match status {
                "running" => "running",
                "failed" => "failed",
                "partial" => "partial",
                "cancelled" => "cancelled",
                "success" => "success",
                _ => "never",
            };
        }
    }
    result
}

pub fn health_label(health: impl AsRef<str>) -> &'static str {
    match health.as_ref() {
        "running" => "Running",
        "failed" => "Failed",
        "partial" => "Partial",
        "cancelled" => "Stopped",
        "success" => "Healthy",
        _ => "Never synced",
    }
}

/// The live cell of a model (or of a run): its latest run's state.
#[derive(Debug, Clone)]
pub struct Live {
    pub source: String,
    pub model: String,
    pub event: Option<RunEvent>,
}

impl Live {
    pub fn new(source: &str, model: &str, run: Option<&SyncRun>) -> Self {
        Live {
            source: source.to_owned(),
            model: model.to_owned(),
            event: run.map(RunEvent::of),
        }
    }

    pub fn from_event(event: &RunEvent) -> Self {
        Live {
            source: event.source.clone(),
            model: event.model.clone(),
            event: Some(event.clone()),
        }
    }

    pub fn status(&self) -> &str {
        self.event
            .as_ref()
            .map_or("never", |event| event.status.as_str())
    }

    pub fn is_active(&self) -> bool {
        self.event.as_ref().is_some_and(RunEvent::is_active)
    }

    pub fn run_id(&self) -> Option<i64> {
        self.event.as_ref().map(|event| event.run_id)
    }

    pub fn label(&self) -> String {
        match &self.event {
            None => "never synced".to_owned(),
            Some(event) if event.stopping => "stopping…".to_owned(),
            Some(event) => event.status.clone(),
        }
    }

    pub fn percent(&self) -> Option<u8> {
        self.event.as_ref().and_then(RunEvent::percent)
    }

    pub fn counts(&self) -> String {
        match &self.event {
            None => String::new(),
            Some(event) => {
                let mut parts = vec![format!("{} processed", group_thousands(event.processed))];
                parts.push(format!("{} new", group_thousands(event.created)));
                parts.push(format!("{} updated", group_thousands(event.updated)));
                if event.deleted > 0 {
                    parts.push(format!("{} deleted", group_thousands(event.deleted)));
                }
                parts.push(format!("{} failed", group_thousands(event.failed)));
                if event.is_active()
                    && let Some(rate) = event.records_per_second()
                {
                    parts.push(format!("{}/s", group_thousands(rate.round() as i64)));
                }
                parts.join(" · ")
            }
        }
    }
}
