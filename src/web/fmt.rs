//! Formatting for templates: dates in the viewer's time zone, money, counts.

use std::borrow::Borrow;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Templates pass values by reference (sometimes twice over); these accept any depth.
pub trait Instant {
    fn instant(&self) -> DateTime<Utc>;
}

impl Instant for DateTime<Utc> {
    fn instant(&self) -> DateTime<Utc> {
        *self
    }
}

impl<T: Instant + ?Sized> Instant for &T {
    fn instant(&self) -> DateTime<Utc> {
        (**self).instant()
    }
}

/// "Mar 4, 2026, 14:05" in the viewer's time zone.
pub fn datetime(at: impl Instant, tz: impl Borrow<Tz>) -> String {
    at.instant()
        .with_timezone(tz.borrow())
        .format("%b %-d, %Y, %H:%M")
        .to_string()
}

/// "Mar 4, 2026".
pub fn date(at: impl Instant, tz: impl Borrow<Tz>) -> String {
    at.instant()
        .with_timezone(tz.borrow())
        .format("%b %-d, %Y")
        .to_string()
}

pub fn is_past(at: impl Borrow<Option<DateTime<Utc>>>) -> bool {
    at.borrow().is_some_and(|at| at <= Utc::now())
}

/// "$12,345.00" style, from integer minor units.
pub fn money(minor: i64, currency: &str) -> String {
    let symbol = match currency {
        "USD" | "CAD" | "AUD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        _ => "",
    };
    let sign = if minor < 0 { "-" } else { "" };
    let units = crate::domain::counts::group_thousands(minor.abs() / 100);
    let cents = minor.abs() % 100;
    if symbol.is_empty() {
        format!("{sign}{units}.{cents:02} {currency}")
    } else {
        format!("{sign}{symbol}{units}.{cents:02}")
    }
}

/// The badge colour for a security log event.
pub fn security_event_tone(event: impl AsRef<str>) -> &'static str {
    match event.as_ref() {
        "login_success" | "logout" | "api_token_created" => "success",
        "login_failure" | "api_token_revoked" => "warning",
        _ => "danger",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_and_keeps_cents() {
        assert_eq!(money(1_234_567, "USD"), "$12,345.67");
        assert_eq!(money(-5, "EUR"), "-€0.05");
        assert_eq!(money(100, "JPY"), "1.00 JPY");
    }

    #[test]
    fn datetime_uses_the_viewers_zone() {
        let at =
            DateTime::parse_from_rfc3339("2026-01-15T03:30:00Z").map(|at| at.with_timezone(&Utc));
        let at = at.expect("valid timestamp");
        assert_eq!(
            datetime(at, chrono_tz::America::Denver),
            "Jan 14, 2026, 20:30"
        );
        assert_eq!(datetime(at, chrono_tz::UTC), "Jan 15, 2026, 03:30");
    }
}
