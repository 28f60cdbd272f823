//! Validation of a logged activity, shared by the quick-add forms and `POST /api/activities`
//! so both accept and refuse the same things, with the same messages.

use chrono::{DateTime, Duration, Utc};

use crate::domain::activities::{ActivityType, Direction, ExternalRef};
use crate::domain::timeline::{ActivityDraft, LOGGABLE, is_web_url};
use crate::web::forms::FieldErrors;

pub const TITLE_MAX: usize = 300;
pub const TEXT_MAX: usize = 100_000;
pub const SHORT_MAX: usize = 300;
pub const MAX_ATTENDEES: usize = 50;
pub const MAX_ACTION_ITEMS: usize = 20;
pub const MAX_DURATION_SECONDS: i64 = 24 * 3600;
/// Outcomes a logged call can have (stored in `extra.outcome`).
pub const CALL_OUTCOMES: [(&str, &str); 5] = [
    ("connected", "Connected"),
    ("left_voicemail", "Left voicemail"),
    ("no_answer", "No answer"),
    ("busy", "Busy"),
    ("wrong_number", "Wrong number"),
];

/// An activity as received, before validation. Empty strings mean "not given".
#[derive(Debug, Clone, Default)]
pub struct RawActivity {
    pub activity_type: String,
    pub title: String,
    pub description: String,
    pub content: String,
    pub direction: String,
    pub duration_seconds: Option<i64>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub attendees: Vec<String>,
    pub location: String,
    pub outcome: String,
    pub action_items: Vec<String>,
    pub external_source: String,
    pub external_id: String,
    pub external_url: String,
}

pub fn validate(
    raw: &RawActivity,
    now: DateTime<Utc>,
    errors: &mut FieldErrors,
) -> Option<ActivityDraft> {
    let activity_type = match ActivityType::parse(raw.activity_type.trim()) {
        Some(kind) if LOGGABLE.contains(&kind) => Some(kind),
        Some(kind) => {
            errors.add(
                "activity_type",
                format!(
                    "`{}` entries are written by Rapport when that happens; they cannot be logged.",
                    kind.as_str()
                ),
            );
            None
        }
        None => {
            let known: Vec<&str> = LOGGABLE.iter().map(|kind| kind.as_str()).collect();
            errors.add(
                "activity_type",
                format!("Choose one of: {}.", known.join(", ")),
            );
            None
        }
    };
    let title = raw.title.trim();
    if title.is_empty() {
        errors.add("title", "Give it a title.");
    } else if title.chars().count() > TITLE_MAX {
        errors.add(
            "title",
            format!("Keep the title under {TITLE_MAX} characters."),
        );
    }
    let description = text(&raw.description, "description", TEXT_MAX, errors);
    let content = text(&raw.content, "content", TEXT_MAX, errors);
    let direction = match raw.direction.trim() {
        "" => None,
        "inbound" => Some(Direction::Inbound),
        "outbound" => Some(Direction::Outbound),
        _ => {
            errors.add("direction", "Choose inbound or outbound.");
            None
        }
    };
    let duration_seconds = match raw.duration_seconds {
        None => None,
        Some(seconds) if (0..=MAX_DURATION_SECONDS).contains(&seconds) => {
            i32::try_from(seconds).ok()
        }
        Some(_) => {
            errors.add("duration_seconds", "Enter a duration from 0 to 24 hours.");
            None
        }
    };
    let occurred_at = raw.occurred_at.unwrap_or(now);
    if occurred_at > now + Duration::days(366) {
        errors.add("occurred_at", "That is more than a year from now.");
    } else if occurred_at.timestamp() < 0 {
        errors.add("occurred_at", "That is before 1970.");
    }
    let attendees = list(&raw.attendees, "attendees", MAX_ATTENDEES, errors);
    let location = text(&raw.location, "location", SHORT_MAX, errors);
    let outcome = text(&raw.outcome, "outcome", 2_000, errors);
    let action_items = list(&raw.action_items, "action_items", MAX_ACTION_ITEMS, errors);
    let external = match (raw.external_source.trim(), raw.external_id.trim()) {
        ("", "") => None,
        ("", _) | (_, "") => {
            errors.add(
                "external_id",
                "Give both external_source and external_id, or neither.",
            );
            None
        }
        (source, _) if source.starts_with("rapport") => {
            errors.add(
                "external_source",
                "Sources starting with `rapport` are reserved.",
            );
            None
        }
        (source, id) if source.len() > 100 || id.len() > 300 => {
            errors.add("external_id", "The external source or id is too long.");
            None
        }
        (source, id) => Some(ExternalRef {
            source: source.to_owned(),
            id: id.to_owned(),
        }),
    };
    let external_url = match raw.external_url.trim() {
        "" => None,
        url if is_web_url(url) && url.len() <= 2_000 => Some(url.to_owned()),
        _ => {
            errors.add("external_url", "Use an http:// or https:// address.");
            None
        }
    };
    if !errors.is_empty() {
        return None;
    }
    Some(ActivityDraft {
        activity_type: activity_type?,
        title: title.to_owned(),
        description,
        content,
        direction,
        duration_seconds,
        occurred_at,
        attendees,
        location,
        outcome,
        action_items,
        external,
        external_url,
    })
}

/// Splits a textarea into items: one per line (commas too, for attendees).
pub fn lines(text: &str, split_commas: bool) -> Vec<String> {
    text.split(|c| c == '\n' || (split_commas && c == ',') || c == ';')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

fn text(value: &str, field: &'static str, max: usize, errors: &mut FieldErrors) -> Option<String> {
    let value = value.trim();
    if value.chars().count() > max {
        errors.add(field, format!("Keep this under {max} characters."));
    }
    (!value.is_empty()).then(|| value.to_owned())
}

fn list(
    items: &[String],
    field: &'static str,
    max: usize,
    errors: &mut FieldErrors,
) -> Vec<String> {
    let items: Vec<String> = items
        .iter()
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect();
    if items.len() > max {
        errors.add(field, format!("At most {max}, please."));
    } else if items.iter().any(|item| item.chars().count() > SHORT_MAX) {
        errors.add(
            field,
            format!("Keep each one under {SHORT_MAX} characters."),
        );
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_crm_events_and_unknown_types() {
        for kind in ["deal_won", "fax", ""] {
            let mut errors = FieldErrors::default();
            let raw = RawActivity {
                activity_type: kind.to_owned(),
                title: "x".to_owned(),
                ..RawActivity::default()
            };
            assert!(validate(&raw, Utc::now(), &mut errors).is_none());
            assert!(errors.has("activity_type"), "{kind}");
        }
    }

    #[test]
    fn checks_links_durations_and_external_refs() {
        let raw = RawActivity {
            activity_type: "call_logged".to_owned(),
            title: "Call".to_owned(),
            duration_seconds: Some(-1),
            external_source: "ringcentral".to_owned(),
            external_url: "javascript:alert(1)".to_owned(),
            ..RawActivity::default()
        };
        let mut errors = FieldErrors::default();
        assert!(validate(&raw, Utc::now(), &mut errors).is_none());
        for field in ["duration_seconds", "external_id", "external_url"] {
            assert!(errors.has(field), "{field}");
        }
    }

    #[test]
    fn splits_lines_and_commas() {
        assert_eq!(lines("Ana, Bo\n\n Cy ", true), vec!["Ana", "Bo", "Cy"]);
        assert_eq!(
            lines("Send quote, today\nCall back", false),
            vec!["Send quote, today", "Call back"]
        );
    }
}
