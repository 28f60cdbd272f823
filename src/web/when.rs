//! Dates and times typed by people: `<input type="datetime-local">` and `type="date"`
//! values are wall-clock times in the viewer's time zone, turned into UTC here (and back
//! for pre-filling inputs). The API also accepts RFC 3339 timestamps.

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A wall-clock time in `tz`. In the hour skipped by a daylight-saving change there is no
/// such time: that is an error for the person to fix. In the repeated hour, the first.
pub fn local_datetime(text: &str, tz: Tz) -> Result<DateTime<Utc>, &'static str> {
    let text = text.trim();
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .map_err(|_| "Enter a date and time like 2026-01-15 14:30.")?;
    from_local(naive, tz)
        .ok_or("That time does not exist in your time zone (a clock change skips it).")
}

/// Midnight at the start of a local calendar day (`YYYY-MM-DD`).
pub fn local_day_start(text: &str, tz: Tz) -> Result<(NaiveDate, DateTime<Utc>), &'static str> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| "Enter a date like 2026-01-15.")?;
    Ok((date, start_of_day(date, tz)))
}

/// The first instant of `date` in `tz` (a day that starts with a clock change starts
/// at the first time that exists).
pub fn start_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut time = date.and_time(NaiveTime::MIN);
    for _ in 0..4 {
        if let Some(at) = from_local(time, tz) {
            return at;
        }
        time += chrono::Duration::minutes(30);
    }
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
}

/// The viewer's today as UTC bounds: [start of today, start of tomorrow).
pub fn today_bounds(now: DateTime<Utc>, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let today = now.with_timezone(&tz).date_naive();
    let tomorrow = today.checked_add_days(Days::new(1)).unwrap_or(today);
    (start_of_day(today, tz), start_of_day(tomorrow, tz))
}

/// An RFC 3339 timestamp, or else a local date-time or date in `tz` (API inputs).
pub fn flexible(text: &str, tz: Tz) -> Result<DateTime<Utc>, &'static str> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Ok((_, at)) = local_day_start(text, tz) {
        return Ok(at);
    }
    local_datetime(text, tz)
        .map_err(|_| "Use an RFC 3339 time (2026-01-15T14:30:00Z) or a date (2026-01-15).")
}

/// The value for a `datetime-local` input showing `at` in `tz`.
pub fn input_value(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

/// A local time at a given hour `days` days after today (snooze presets).
pub fn days_ahead_at(now: DateTime<Utc>, tz: Tz, days: u64, hour: u32) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    let day = today.checked_add_days(Days::new(days)).unwrap_or(today);
    let time = NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN);
    from_local(day.and_time(time), tz).unwrap_or_else(|| start_of_day(day, tz))
}

fn from_local(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(at) => Some(at.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_become_utc() {
        let denver = chrono_tz::America::Denver;
        let at = local_datetime("2026-01-15T14:30", denver).expect("valid");
        assert_eq!(at.to_rfc3339(), "2026-01-15T21:30:00+00:00");
        assert_eq!(input_value(at, denver), "2026-01-15T14:30");
        assert!(local_datetime("15/01/2026", denver).is_err());
        // 02:30 on the spring-forward day does not exist in Denver.
        assert!(local_datetime("2026-03-08T02:30", denver).is_err());
    }

    #[test]
    fn today_is_the_viewers_today() {
        let now = DateTime::parse_from_rfc3339("2026-01-16T03:00:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        let (start, end) = today_bounds(now, chrono_tz::America::Los_Angeles);
        // 03:00 UTC is still the 15th in Los Angeles.
        assert_eq!(start.to_rfc3339(), "2026-01-15T08:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-01-16T08:00:00+00:00");
    }

    #[test]
    fn api_times_accept_rfc3339_and_dates() {
        let utc = chrono_tz::UTC;
        assert!(flexible("2026-01-15T14:30:00+02:00", utc).is_ok());
        assert_eq!(
            flexible("2026-01-15", utc).map(|at| at.to_rfc3339()),
            Ok("2026-01-15T00:00:00+00:00".to_owned())
        );
        assert!(flexible("yesterday", utc).is_err());
    }
}
