//! Grouping entries by day in the viewer's time zone: the viewer's calendar decides what
//! "Today" is, not the server's and not UTC.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;

use super::TimelineEntry;

/// The entries of one local day, newest first.
#[derive(Debug, Clone)]
pub struct DayGroup {
    pub date: NaiveDate,
    /// "Today", "Yesterday" or "Jan 15, 2026".
    pub label: String,
    pub entries: Vec<TimelineEntry>,
}

impl DayGroup {
    /// `2026-01-15`, for ids and for telling the next page which day it continues.
    pub fn key(&self) -> String {
        self.date.format("%Y-%m-%d").to_string()
    }
}

/// "Today", "Yesterday", otherwise "Jan 15, 2026" (entries dated after today, which
/// happen with scheduled meetings, get their date too).
pub fn day_label(date: NaiveDate, today: NaiveDate) -> String {
    if date == today {
        "Today".to_owned()
    } else if today.checked_sub_days(Days::new(1)) == Some(date) {
        "Yesterday".to_owned()
    } else {
        date.format("%b %-d, %Y").to_string()
    }
}

/// Splits newest-first entries into consecutive local days.
pub fn group_by_day(entries: Vec<TimelineEntry>, tz: Tz, now: DateTime<Utc>) -> Vec<DayGroup> {
    let today = now.with_timezone(&tz).date_naive();
    let mut groups: Vec<DayGroup> = Vec::new();
    for entry in entries {
        let date = entry.occurred_at.with_timezone(&tz).date_naive();
        match groups.last_mut() {
            Some(group) if group.date == date => group.entries.push(entry),
            _ => groups.push(DayGroup {
                date,
                label: day_label(date, today),
                entries: vec![entry],
            }),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("valid date")
    }

    #[test]
    fn labels_today_yesterday_and_dates() {
        let today = date("2026-01-16");
        assert_eq!(day_label(date("2026-01-16"), today), "Today");
        assert_eq!(day_label(date("2026-01-15"), today), "Yesterday");
        assert_eq!(day_label(date("2026-01-05"), today), "Jan 5, 2026");
        assert_eq!(day_label(date("2026-01-17"), today), "Jan 17, 2026");
    }
}
