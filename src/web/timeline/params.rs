//! The timeline's query string, shared by the page, the fragment, "Load more" and the API:
//! `company_id`, `contact_id`, `deal_id`, `lead_id` (combinable), `activity_type`
//! (repeated, or comma-separated), `user_id` (author), `start_date` / `end_date` (days in
//! the viewer's time zone, both inclusive; the API also takes RFC 3339 times),
//! `include_contacts` (0 to leave out a company's contacts; the last value wins, so a
//! hidden 0 before a checkbox works), `cursor`, `limit`, `last_day`.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::domain::activities::ActivityType;
use crate::domain::ids::{CompanyId, ContactId, DealId, LeadId, UserId};
use crate::domain::record_ref::RecordRef;
use crate::domain::timeline::{Cursor, Subjects, TimelineFilter};
use crate::web::when;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(Debug, Clone, Default)]
pub struct TimelineParams {
    pub filter: TimelineFilter,
    pub cursor: Option<Cursor>,
    pub limit: i64,
    /// As typed, to show in the filter form.
    pub start_date: String,
    pub end_date: String,
    /// The day the previous page ended on, so a continued day gets no second heading.
    pub last_day: Option<NaiveDate>,
}

impl TimelineParams {
    /// Parses a query string. Errors name the parameter and say what is expected.
    pub fn parse(query: &str, tz: Tz) -> Result<TimelineParams, String> {
        let mut params = TimelineParams {
            limit: DEFAULT_LIMIT,
            ..TimelineParams::default()
        };
        params.filter.include_company_contacts = true;
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let value = value.trim();
            match key.as_ref() {
                "company_id" if !value.is_empty() => {
                    params.filter.subjects.company_id = Some(CompanyId(id(&key, value)?));
                }
                "contact_id" if !value.is_empty() => {
                    params.filter.subjects.contact_id = Some(ContactId(id(&key, value)?));
                }
                "deal_id" if !value.is_empty() => {
                    params.filter.subjects.deal_id = Some(DealId(id(&key, value)?));
                }
                "lead_id" if !value.is_empty() => {
                    params.filter.subjects.lead_id = Some(LeadId(id(&key, value)?));
                }
                "activity_type" | "type" => {
                    for kind in value.split(',').map(str::trim).filter(|k| !k.is_empty()) {
                        let kind = ActivityType::parse(kind)
                            .ok_or_else(|| format!("activity_type: unknown type `{kind}`."))?;
                        if !params.filter.types.contains(&kind) {
                            params.filter.types.push(kind);
                        }
                    }
                }
                "user_id" | "author" if !value.is_empty() => {
                    params.filter.author = Some(UserId(id(&key, value)?));
                }
                "start_date" if !value.is_empty() => {
                    params.filter.from =
                        Some(when::flexible(value, tz).map_err(|e| format!("start_date: {e}"))?);
                    params.start_date = value.to_owned();
                }
                "end_date" if !value.is_empty() => {
                    params.filter.until =
                        Some(end_bound(value, tz).map_err(|e| format!("end_date: {e}"))?);
                    params.end_date = value.to_owned();
                }
                "include_contacts" => {
                    params.filter.include_company_contacts = !matches!(value, "0" | "false" | "no");
                }
                "cursor" if !value.is_empty() => {
                    params.cursor = Some(
                        Cursor::parse(value)
                            .ok_or("cursor: not a cursor this timeline gave out.")?,
                    );
                }
                "limit" if !value.is_empty() => {
                    params.limit = value
                        .parse::<i64>()
                        .ok()
                        .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                        .ok_or_else(|| format!("limit: a number from 1 to {MAX_LIMIT}."))?;
                }
                "last_day" if !value.is_empty() => {
                    params.last_day = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
                }
                _ => {}
            }
        }
        if let (Some(from), Some(until)) = (params.filter.from, params.filter.until)
            && from >= until
        {
            return Err("end_date: the end is before the start.".to_owned());
        }
        Ok(params)
    }

    pub fn subjects(&self) -> Subjects {
        self.filter.subjects
    }

    /// The subjects as records, most specific first.
    pub fn records(&self) -> Vec<RecordRef> {
        let subjects = self.filter.subjects;
        let mut records = Vec::new();
        records.extend(subjects.deal_id.map(RecordRef::Deal));
        records.extend(subjects.contact_id.map(RecordRef::Contact));
        records.extend(subjects.lead_id.map(RecordRef::Lead));
        records.extend(subjects.company_id.map(RecordRef::Company));
        records
    }

    /// `company_id=42&contact_id=7`: which timeline, without filters.
    pub fn subjects_query(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for record in self.records() {
            out.append_pair(&format!("{}_id", record.kind()), &record.id().to_string());
        }
        out.finish()
    }

    /// The whole view (subjects and filters) without paging, for links and refreshes.
    pub fn filter_query(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for record in self.records() {
            out.append_pair(&format!("{}_id", record.kind()), &record.id().to_string());
        }
        for kind in &self.filter.types {
            out.append_pair("activity_type", kind.as_str());
        }
        if let Some(author) = self.filter.author {
            out.append_pair("user_id", &author.0.to_string());
        }
        if !self.start_date.is_empty() {
            out.append_pair("start_date", &self.start_date);
        }
        if !self.end_date.is_empty() {
            out.append_pair("end_date", &self.end_date);
        }
        if !self.filter.include_company_contacts {
            out.append_pair("include_contacts", "0");
        }
        out.finish()
    }

    /// Whether any filter beyond the subjects is set.
    pub fn is_filtered(&self) -> bool {
        !self.filter.types.is_empty()
            || self.filter.author.is_some()
            || self.filter.from.is_some()
            || self.filter.until.is_some()
    }
}

fn id(key: &str, value: &str) -> Result<i64, String> {
    value
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| format!("{key}: expected a record id, got `{value}`."))
}

/// An end date includes its whole day: the bound is the start of the next day. A full
/// RFC 3339 time is taken as it is.
fn end_bound(value: &str, tz: Tz) -> Result<DateTime<Utc>, &'static str> {
    if let Ok((date, _)) = when::local_day_start(value, tz) {
        let next = date.checked_add_days(Days::new(1)).unwrap_or(date);
        return Ok(when::start_of_day(next, tz));
    }
    when::flexible(value, tz)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_repeated_and_comma_separated_types() {
        let params = TimelineParams::parse(
            "company_id=4&activity_type=note&activity_type=call_logged,meeting&include_contacts=0&include_contacts=1",
            chrono_tz::UTC,
        )
        .expect("valid");
        assert_eq!(
            params.filter.types,
            vec![
                ActivityType::Note,
                ActivityType::CallLogged,
                ActivityType::Meeting
            ]
        );
        assert!(
            params.filter.include_company_contacts,
            "the last value wins"
        );
        assert_eq!(
            params.filter_query(),
            "company_id=4&activity_type=note&activity_type=call_logged&activity_type=meeting"
        );
    }

    #[test]
    fn end_date_includes_its_day_in_the_viewers_zone() {
        let params = TimelineParams::parse(
            "start_date=2026-01-15&end_date=2026-01-15",
            chrono_tz::America::New_York,
        )
        .expect("valid");
        assert_eq!(
            params.filter.from.map(|at| at.to_rfc3339()),
            Some("2026-01-15T05:00:00+00:00".to_owned())
        );
        assert_eq!(
            params.filter.until.map(|at| at.to_rfc3339()),
            Some("2026-01-16T05:00:00+00:00".to_owned())
        );
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        for bad in [
            "company_id=abc",
            "activity_type=fax",
            "limit=0",
            "limit=1000",
            "cursor=nope",
            "start_date=2026-02-01&end_date=2026-01-01",
        ] {
            assert!(TimelineParams::parse(bad, chrono_tz::UTC).is_err(), "{bad}");
        }
    }
}
