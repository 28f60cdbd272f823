//! What the timeline templates show: the section (filters, quick add, list), and small
//! formatting helpers the templates call.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::activities::{ActivityType, Direction};
use crate::domain::record_ref::RecordRef;
use crate::domain::timeline::{DayGroup, LinkedRecord, TimelineEntry};
use crate::web::forms::FieldErrors;
use crate::web::tasks::form::Assignee;
use crate::web::timeline::params::TimelineParams;
use crate::web::timeline::quick_add::QuickAddForms;

/// A record the timeline is about.
#[derive(Debug, Clone)]
pub struct Subject {
    pub record: RecordRef,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub id: i64,
    pub name: String,
}

/// The quick-add panel: four forms (note, call, meeting, task), one of them open after a
/// validation error, and what the last submission did.
#[derive(Debug, Clone, Default)]
pub struct QuickAdd {
    pub open: String,
    pub forms: QuickAddForms,
    pub errors: FieldErrors,
    pub message: Option<String>,
    /// People to pick on a company's timeline ("who did you call?").
    pub contacts: Vec<LinkedRecord>,
    pub assignees: Vec<Assignee>,
    /// "Now" for the date-time inputs, in the viewer's zone.
    pub now_value: String,
}

impl QuickAdd {
    pub fn is_open(&self, kind: &str) -> bool {
        self.open == kind
    }
}

pub struct TimelineView {
    pub params: TimelineParams,
    pub subjects: Vec<Subject>,
    pub groups: Vec<DayGroup>,
    pub next_cursor: Option<String>,
    pub authors: Vec<Person>,
    pub quick_add: QuickAdd,
    pub csrf_token: String,
    pub tz: Tz,
    /// Shown inside another page (a record's), not as the timeline page itself.
    pub embedded: bool,
}

/// Activity types in the filter, grouped as the issue lists them.
const TYPE_GROUPS: [(&str, &[ActivityType]); 4] = [
    (
        "Manual",
        &[
            ActivityType::Note,
            ActivityType::TaskCreated,
            ActivityType::TaskCompleted,
            ActivityType::CallLogged,
            ActivityType::Meeting,
            ActivityType::Visit,
        ],
    ),
    (
        "Communication",
        &[
            ActivityType::EmailSent,
            ActivityType::EmailReceived,
            ActivityType::CallInbound,
            ActivityType::CallOutbound,
            ActivityType::CallMissed,
        ],
    ),
    (
        "Documents",
        &[ActivityType::CardScan, ActivityType::Document],
    ),
    (
        "CRM events",
        &[
            ActivityType::DealCreated,
            ActivityType::DealStageChange,
            ActivityType::DealWon,
            ActivityType::DealLost,
            ActivityType::ContactCreated,
            ActivityType::CompanyCreated,
            ActivityType::LeadConverted,
            ActivityType::Merge,
        ],
    ),
];

impl TimelineView {
    pub fn type_groups(&self) -> &'static [(&'static str, &'static [ActivityType])] {
        &TYPE_GROUPS
    }

    pub fn type_checked(&self, kind: &ActivityType) -> bool {
        self.params.filter.types.contains(kind)
    }

    pub fn author_selected(&self, id: &i64) -> bool {
        self.params.filter.author.map(|author| author.0) == Some(*id)
    }

    pub fn has_company(&self) -> bool {
        self.params.filter.subjects.company_id.is_some()
    }

    pub fn has_subjects(&self) -> bool {
        !self.subjects.is_empty()
    }

    /// "Timeline: Busy Bee Holdings and Ana Lima" / "All activity".
    pub fn title(&self) -> String {
        if self.subjects.is_empty() {
            return "All activity".to_owned();
        }
        let names: Vec<&str> = self.subjects.iter().map(|s| s.name.as_str()).collect();
        format!("Timeline: {}", names.join(" and "))
    }

    /// Hidden fields that keep the subjects in every form.
    pub fn subject_fields(&self) -> Vec<(String, i64)> {
        self.subjects
            .iter()
            .map(|subject| (format!("{}_id", subject.record.kind()), subject.record.id()))
            .collect()
    }

    pub fn subjects_query(&self) -> String {
        self.params.subjects_query()
    }

    /// The list's own URL: it reloads itself from here when something is logged.
    pub fn list_url(&self) -> String {
        with_query("/timeline/entries", &self.params.filter_query())
    }

    /// The full page of this view.
    pub fn page_url(&self) -> String {
        with_query("/timeline", &self.params.filter_query())
    }

    /// "Load more": the next page, continuing the last day shown.
    pub fn more_query(&self) -> Option<String> {
        let cursor = self.next_cursor.as_ref()?;
        let mut query = self.params.filter_query();
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str("cursor=");
        query.push_str(cursor);
        if let Some(last) = self.groups.last() {
            query.push_str("&last_day=");
            query.push_str(&last.key());
        }
        Some(query)
    }

    /// The first day of a "Load more" page continues the previous page's last day: no
    /// second heading for it.
    pub fn continues(&self, group: &DayGroup) -> bool {
        self.params.last_day == Some(group.date)
    }

    /// A link to a linked record, unless the timeline is about that record alone.
    pub fn shows_link(&self, kind: &str, id: &i64) -> bool {
        !(self.subjects.len() == 1
            && self.subjects[0].record.kind() == kind
            && self.subjects[0].record.id() == *id)
    }
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// "14:05" in the viewer's zone.
pub fn clock(at: &DateTime<Utc>, tz: &Tz) -> String {
    at.with_timezone(tz).format("%H:%M").to_string()
}

/// "1h 05m", "12m 30s", "45s".
pub fn duration(seconds: &i32) -> String {
    let seconds = (*seconds).max(0);
    let (hours, minutes, secs) = (seconds / 3600, (seconds % 3600) / 60, seconds % 60);
    if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else if minutes > 0 && secs > 0 {
        format!("{minutes}m {secs:02}s")
    } else if minutes > 0 {
        format!("{minutes}m")
    } else {
        format!("{secs}s")
    }
}

/// How a call went, for the meta line: "Outbound · 12m 30s", "Missed".
pub fn call_summary(entry: &TimelineEntry) -> String {
    let mut parts = Vec::new();
    if entry.activity_type == ActivityType::CallMissed {
        parts.push("Missed".to_owned());
    } else if let Some(direction) = entry.direction {
        parts.push(
            match direction {
                Direction::Inbound => "Inbound",
                Direction::Outbound => "Outbound",
            }
            .to_owned(),
        );
    }
    if let Some(seconds) = entry.duration_seconds {
        parts.push(duration(&seconds));
    }
    if let Some(outcome) = entry.extra_text("outcome")
        && let Some((_, label)) = crate::web::timeline::validate::CALL_OUTCOMES
            .iter()
            .find(|(key, _)| *key == outcome)
    {
        parts.push((*label).to_owned());
    }
    parts.join(" · ")
}

/// Action items recorded with a meeting.
pub fn action_items(entry: &TimelineEntry) -> Vec<String> {
    entry
        .extra
        .get("action_items")
        .and_then(|items| items.as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(&45), "45s");
        assert_eq!(duration(&600), "10m");
        assert_eq!(duration(&750), "12m 30s");
        assert_eq!(duration(&3900), "1h 05m");
    }
}
