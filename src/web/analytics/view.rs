//! What the analytics template shows: formatted figures, chart geometry, form state.

use askama::Template;

use super::charts::{self, Chart, Group};
use super::{FieldError, RawParams, Resolved};
use crate::domain::analytics::{Figures, Report, TeamChoice};
use crate::domain::visibility::OwnerChoice;
use crate::web::chrome::Chrome;
use crate::web::fmt::{datetime, money};

pub struct DurationRow {
    pub stage_id: i64,
    pub stage: String,
    pub deals: i64,
    pub avg: String,
    pub median: String,
    pub p75: String,
}

pub struct ConversionRow {
    pub stage: String,
    pub entered: i64,
    pub advanced: i64,
    pub rate: String,
}

pub struct MonthRow {
    /// `2026-03`.
    pub month: String,
    pub label: String,
    pub won: i64,
    pub lost: i64,
    pub won_amount: String,
}

pub struct WeightedRow {
    pub month: String,
    pub label: String,
    pub deals: i64,
    pub amount: String,
    pub weighted: String,
}

#[derive(Template)]
#[template(path = "analytics/index.html")]
pub struct AnalyticsPage {
    pub chrome: Chrome,
    pub errors: Vec<FieldError>,
    pub pipelines: Vec<(String, String)>,
    pub pipeline: String,
    pub owners: Vec<OwnerChoice>,
    pub owner: String,
    pub teams: Vec<TeamChoice>,
    pub team: String,
    pub from: String,
    pub to: String,
    /// The range as the URL had it (empty for the rolling default).
    pub raw_from: String,
    pub raw_to: String,
    pub has_report: bool,
    /// When the figures were computed, in the viewer's zone, and as RFC 3339.
    pub as_of: String,
    pub as_of_iso: String,
    /// The figures came from a snapshot rather than this request.
    pub from_snapshot: bool,
    pub compute_seconds: String,
    pub durations: Vec<DurationRow>,
    pub duration_chart: Chart,
    pub conversions: Vec<ConversionRow>,
    pub conversion_chart: Chart,
    pub won: i64,
    pub lost: i64,
    pub win_rate: String,
    pub avg_size: String,
    pub months: Vec<MonthRow>,
    pub month_chart: Chart,
    pub weighted: Vec<WeightedRow>,
    pub weighted_chart: Chart,
}

fn days(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |d| format!("{d:.1}"))
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |p| format!("{p:.1}%"))
}

impl AnalyticsPage {
    pub fn build(
        chrome: Chrome,
        raw: RawParams,
        resolved: Resolved,
        report: Option<Report>,
    ) -> Self {
        let filters = resolved.filters.as_ref();
        let keep = |text: &str, fallback: Option<String>| {
            if text.trim().is_empty() {
                fallback.unwrap_or_default()
            } else {
                text.to_owned()
            }
        };
        let currency = resolved.currency.clone();
        let report = report.unwrap_or_else(|| {
            Report::assemble(
                Vec::new(),
                Figures {
                    durations: Vec::new(),
                    conversions: Vec::new(),
                    outcomes: Default::default(),
                    weighted: Vec::new(),
                },
                chrono::Utc::now(),
                0,
            )
        });
        let as_of = datetime(report.as_of, chrome.tz);
        let as_of_iso = report.as_of.to_rfc3339();

        let durations: Vec<DurationRow> = report
            .durations
            .iter()
            .map(|d| DurationRow {
                stage_id: d.stage_id,
                stage: d.stage.clone(),
                deals: d.deals,
                avg: days(d.avg_days),
                median: days(d.median_days),
                p75: days(d.p75_days),
            })
            .collect();
        let duration_chart = charts::horizontal(
            "durations",
            "Median days in each stage",
            "bar",
            &report
                .durations
                .iter()
                .map(|d| {
                    (
                        d.stage.clone(),
                        format!("{} d", days(d.median_days)),
                        d.median_days.unwrap_or(0.0),
                    )
                })
                .collect::<Vec<_>>(),
        );

        let conversions: Vec<ConversionRow> = report
            .conversions
            .iter()
            .map(|c| ConversionRow {
                stage: c.stage.clone(),
                entered: c.entered,
                advanced: c.advanced,
                rate: percent(c.rate()),
            })
            .collect();
        let conversion_chart = charts::horizontal(
            "conversion",
            "Conversion to a later stage",
            "bar-conversion",
            &report
                .conversions
                .iter()
                .map(|c| (c.stage.clone(), percent(c.rate()), c.rate().unwrap_or(0.0)))
                .collect::<Vec<_>>(),
        );

        let outcomes = &report.outcomes;
        let months: Vec<MonthRow> = outcomes
            .months
            .iter()
            .map(|m| MonthRow {
                month: m.month.format("%Y-%m").to_string(),
                label: m.month.format("%b %Y").to_string(),
                won: m.won,
                lost: m.lost,
                won_amount: money(m.won_amount_minor, &currency),
            })
            .collect();
        let month_chart = charts::columns(
            "months",
            "Deals won and lost per month",
            &outcomes
                .months
                .iter()
                .map(|m| Group {
                    label: m.month.format("%b %y").to_string(),
                    bars: vec![
                        ("bar-won", format!("{} won", m.won), m.won as f64),
                        ("bar-lost", format!("{} lost", m.lost), m.lost as f64),
                    ],
                })
                .collect::<Vec<_>>(),
        );

        let weighted: Vec<WeightedRow> = report
            .weighted
            .iter()
            .map(|w| WeightedRow {
                month: w
                    .month
                    .map_or_else(|| "none".to_owned(), |m| m.format("%Y-%m").to_string()),
                label: w.month.map_or_else(
                    || "No close date".to_owned(),
                    |m| m.format("%b %Y").to_string(),
                ),
                deals: w.deals,
                amount: money(w.amount_minor, &currency),
                weighted: money(w.weighted_minor, &currency),
            })
            .collect();
        let weighted_chart = charts::horizontal(
            "weighted",
            "Weighted open pipeline by expected close month",
            "bar-weighted",
            &report
                .weighted
                .iter()
                .zip(&weighted)
                .map(|(w, row)| {
                    (
                        row.label.clone(),
                        row.weighted.clone(),
                        w.weighted_minor as f64,
                    )
                })
                .collect::<Vec<_>>(),
        );

        AnalyticsPage {
            chrome,
            pipelines: resolved
                .pipelines
                .iter()
                .map(|p| (p.id.0.to_string(), p.name.clone()))
                .collect(),
            pipeline: filters.map_or_else(String::new, |f| f.pipeline_id.to_string()),
            owner: raw.owner.trim().to_owned(),
            team: raw.team.trim().to_owned(),
            raw_from: raw.from.trim().to_owned(),
            raw_to: raw.to.trim().to_owned(),
            from: keep(&raw.from, filters.map(|f| f.from.to_string())),
            to: keep(&raw.to, filters.map(|f| f.to.to_string())),
            owners: resolved.owners,
            teams: resolved.teams,
            errors: resolved.errors,
            has_report: filters.is_some(),
            as_of,
            as_of_iso,
            from_snapshot: report.from_snapshot,
            compute_seconds: format!("{:.1}", f64::from(report.compute_ms) / 1000.0),
            durations,
            duration_chart,
            conversions,
            conversion_chart,
            won: outcomes.won,
            lost: outcomes.lost,
            win_rate: percent(outcomes.win_rate()),
            avg_size: outcomes
                .avg_won_minor()
                .map_or_else(|| "–".to_owned(), |m| money(m, &currency)),
            months,
            month_chart,
            weighted,
            weighted_chart,
        }
    }

    /// The message for a field, if its value was refused.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}
