//! The analytics filters as the URL carries them: read, checked, and kept as typed for
//! re-showing next to their fields.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::analytics::{Filters, TeamChoice};
use crate::domain::pipelines::Pipeline;

/// The raw query string values (what the user typed is shown back as is).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RawParams {
    #[serde(default)]
    pub pipeline: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

/// A problem with one filter, shown next to its field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// Checks the filters; bad values fall back to the defaults and are reported.
pub fn resolve(
    raw: &RawParams,
    me: i64,
    tenant_id: i64,
    tz: chrono_tz::Tz,
    today: NaiveDate,
    pipelines: &[Pipeline],
    teams: &[TeamChoice],
) -> (Option<Filters>, Vec<FieldError>) {
    let mut errors = Vec::new();
    let mut error = |field: &'static str, message: String| {
        errors.push(FieldError { field, message });
    };

    let pipeline = match raw.pipeline.trim() {
        "" => pipelines.first(),
        text => match pipelines.iter().find(|p| p.id.0.to_string() == text) {
            Some(found) => Some(found),
            None => {
                error("pipeline", "Choose one of the pipelines.".to_owned());
                pipelines.first()
            }
        },
    };

    let owner = match raw.owner.trim() {
        "" => None,
        "me" => Some(me),
        text => match text.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                error("owner", "Choose an owner from the list.".to_owned());
                None
            }
        },
    };

    let team = match raw.team.trim() {
        "" => None,
        text => match teams.iter().find(|t| t.id.to_string() == text) {
            Some(found) => Some(found.id),
            None => {
                error("team", "Choose a team from the list.".to_owned());
                None
            }
        },
    };

    let (default_from, default_to) = Filters::default_range(today);
    let mut date = |field: &'static str, text: &str, default: NaiveDate| match text.trim() {
        "" => Some(default),
        text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(day) => Some(day),
            Err(_) => {
                error(field, format!("\"{text}\" is not a date: use YYYY-MM-DD."));
                None
            }
        },
    };
    let from = date("from", &raw.from, default_from);
    let to = date("to", &raw.to, default_to);
    let (from, to) = match (from, to) {
        (Some(from), Some(to)) if from > to => {
            error(
                "to",
                "The end date must be on or after the start date.".to_owned(),
            );
            (default_from, default_to)
        }
        (from, to) => (from.unwrap_or(default_from), to.unwrap_or(default_to)),
    };

    let filters = pipeline.map(|pipeline| Filters {
        tenant_id,
        pipeline_id: pipeline.id.0,
        owner_id: owner,
        team_id: team,
        from,
        to,
        tz,
        rolling: raw.from.trim().is_empty() && raw.to.trim().is_empty(),
    });
    (filters, errors)
}
