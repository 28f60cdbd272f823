//! Reading the unified timeline: the entries about one or more records (a company with its
//! contacts, a contact with its company, a deal…), filtered, newest first, a page at a time
//! with keyset pagination on (occurred_at, id). Writing goes through
//! [`crate::domain::activities::log_activity`].

mod days;
mod manual;
mod query;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

pub use days::{DayGroup, day_label, group_by_day};
pub use manual::{ActivityDraft, LOGGABLE, LoggedActivity, log_manual};

use crate::domain::activities::{ActivityType, Direction};
use crate::domain::counts::CappedCount;
use crate::domain::ids::{ActivityId, CompanyId, ContactId, DealId, LeadId, TenantId, UserId};

/// The records whose timeline is wanted. Several may be given: the timeline is the union
/// of theirs (a contact together with their company, say).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Subjects {
    pub company_id: Option<CompanyId>,
    pub contact_id: Option<ContactId>,
    pub deal_id: Option<DealId>,
    pub lead_id: Option<LeadId>,
}

impl Subjects {
    pub fn is_empty(&self) -> bool {
        self.company_id.is_none()
            && self.contact_id.is_none()
            && self.deal_id.is_none()
            && self.lead_id.is_none()
    }
}

/// What to show. The default is everything about the subjects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimelineFilter {
    pub subjects: Subjects,
    /// A company's timeline also shows activities logged on its contacts (even ones logged
    /// before the contact joined the company, which carry no company link).
    pub include_company_contacts: bool,
    /// Empty means every type.
    pub types: Vec<ActivityType>,
    pub author: Option<UserId>,
    /// Inclusive lower bound.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound.
    pub until: Option<DateTime<Utc>>,
}

/// A position in the timeline: the last entry already shown. Entries sharing an
/// `occurred_at` are ordered by id, so no entry is skipped or repeated across pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub occurred_at: DateTime<Utc>,
    pub id: ActivityId,
}

impl Cursor {
    /// `<microseconds since the epoch>_<id>`: opaque to clients, stable, URL-safe.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.occurred_at.timestamp_micros(), self.id.0)
    }

    pub fn parse(text: &str) -> Option<Cursor> {
        let (micros, id) = text.trim().split_once('_')?;
        let occurred_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        let id = id.parse::<i64>().ok().filter(|id| *id > 0)?;
        Some(Cursor {
            occurred_at,
            id: ActivityId(id),
        })
    }
}

/// A record an entry is linked to, for a link in the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedRecord {
    pub id: i64,
    pub name: String,
}

/// One timeline entry, with the names of its author and linked records. Links to records
/// the viewer cannot see (or that were deleted) are left out.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub id: ActivityId,
    pub activity_type: ActivityType,
    pub title: String,
    pub description: Option<String>,
    pub content: Option<String>,
    pub direction: Option<Direction>,
    pub duration_seconds: Option<i32>,
    pub participants: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
    pub user_id: Option<UserId>,
    pub user_name: Option<String>,
    pub user_email: Option<String>,
    pub company: Option<LinkedRecord>,
    pub contact: Option<LinkedRecord>,
    pub deal: Option<LinkedRecord>,
    pub lead: Option<LinkedRecord>,
    pub external_source: Option<String>,
    pub external_url: Option<String>,
    pub extra: serde_json::Value,
}

impl TimelineEntry {
    pub fn cursor(&self) -> Cursor {
        Cursor {
            occurred_at: self.occurred_at,
            id: self.id,
        }
    }

    /// Calls carry a direction and a duration worth showing.
    pub fn is_call(&self) -> bool {
        matches!(
            self.activity_type,
            ActivityType::CallLogged
                | ActivityType::CallInbound
                | ActivityType::CallOutbound
                | ActivityType::CallMissed
        )
    }

    /// The external link, only when it is a web address (never `javascript:` and the like).
    pub fn safe_external_url(&self) -> Option<&str> {
        self.external_url.as_deref().filter(|url| is_web_url(url))
    }

    /// Meeting attendees as display names.
    pub fn attendees(&self) -> Vec<String> {
        self.participants
            .as_array()
            .map(|people| {
                people
                    .iter()
                    .filter_map(|person| match person {
                        serde_json::Value::String(name) => Some(name.clone()),
                        serde_json::Value::Object(fields) => fields
                            .get("name")
                            .or_else(|| fields.get("email"))
                            .and_then(|value| value.as_str())
                            .map(str::to_owned),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A text field of `extra` (meeting location and outcome, call outcome).
    pub fn extra_text(&self, key: &str) -> Option<&str> {
        self.extra
            .get(key)
            .and_then(|value| value.as_str())
            .filter(|text| !text.trim().is_empty())
    }

    /// Whether there is anything to show when the entry is expanded.
    pub fn has_details(&self) -> bool {
        self.description.is_some()
            || self.content.is_some()
            || !self.attendees().is_empty()
            || self.extra_text("location").is_some()
            || self.extra_text("outcome").is_some()
    }
}

pub fn is_web_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// One page of entries and where the next one starts (None on the last page).
#[derive(Debug, Clone)]
pub struct TimelinePage {
    pub entries: Vec<TimelineEntry>,
    pub next: Option<Cursor>,
}

/// The page after `after` (or the first page), newest first. Each subject is read through
/// its own index in (occurred_at, id) order, so a page costs about `limit` rows per
/// subject however long the timeline is.
pub fn page(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    filter: &TimelineFilter,
    after: Option<Cursor>,
    limit: i64,
) -> QueryResult<TimelinePage> {
    let limit = limit.clamp(1, 500);
    let mut entries = query::entries(conn, tenant_id, filter, after, limit + 1)?;
    let next = if entries.len() as i64 > limit {
        entries.truncate(limit as usize);
        entries.last().map(TimelineEntry::cursor)
    } else {
        None
    };
    Ok(TimelinePage { entries, next })
}

/// How many entries match, counted up to `cap` ("10,000+" beyond it).
pub fn capped_total(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    filter: &TimelineFilter,
    cap: i64,
) -> QueryResult<CappedCount> {
    let found = query::count_up_to(conn, tenant_id, filter, cap + 1)?;
    Ok(if found > cap {
        CappedCount::AtLeast(cap)
    } else {
        CappedCount::Exact(found)
    })
}

/// The live entry logged for an external record (or a note: see `notes::TIMELINE_SOURCE`).
pub fn find_by_external(
    conn: &mut PgConnection,
    source: &str,
    external_id: &str,
) -> QueryResult<Option<ActivityId>> {
    use crate::db::schema::activities;
    activities::table
        .filter(activities::external_source.eq(source))
        .filter(activities::external_id.eq(external_id))
        .filter(activities::deleted_at.is_null())
        .select(activities::id)
        .first(conn)
        .optional()
}

/// One entry by id, if the viewer can see it.
pub fn find(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: ActivityId,
) -> QueryResult<Option<TimelineEntry>> {
    Ok(query::by_ids(conn, tenant_id, &[id.0])?.pop())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let at = DateTime::from_timestamp_micros(1_768_500_000_123_456).expect("valid time");
        let cursor = Cursor {
            occurred_at: at,
            id: ActivityId(42),
        };
        assert_eq!(cursor.encode(), "1768500000123456_42");
        assert_eq!(Cursor::parse(&cursor.encode()), Some(cursor));
        for bad in ["", "abc", "12", "12_x", "x_12", "12_-3", "12_0"] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_web_links_are_linked() {
        assert!(is_web_url("https://mail.example/123"));
        assert!(is_web_url("HTTP://x.example"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("data:text/html,hi"));
    }
}
