//! Run options, the same for the CLI, the dashboard's modal and the JSON API: each of them
//! fills a [`SyncOptionsInput`] and [`SyncOptionsInput::validate`] decides.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::web::forms::FieldErrors;

pub const DEFAULT_BATCH_SIZE: u32 = 500;
pub const MAX_BATCH_SIZE: u32 = 10_000;

/// Validated options, stored with the run as its configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncOptions {
    /// Overwrite local records even when unchanged, including fields edited in Rapport.
    #[serde(default)]
    pub force: bool,
    /// Ignore the stored cursor: fetch everything.
    #[serde(default)]
    pub full: bool,
    /// Fetch records changed since this time instead of the cursor.
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    /// Fetch and validate, write nothing, report what would change.
    #[serde(default)]
    pub dry_run: bool,
    /// Stop after this many records.
    #[serde(default)]
    pub max_records: Option<u64>,
    /// Records stored per transaction (and requested per page where the source allows).
    #[serde(default)]
    pub batch_size: Option<u32>,
    /// Keep a verbose log with the run.
    #[serde(default)]
    pub debug: bool,
}

impl SyncOptions {
    pub fn batch_size(&self) -> usize {
        self.batch_size_or(DEFAULT_BATCH_SIZE)
    }

    /// The batch size asked for, else the source's own default.
    pub fn batch_size_or(&self, source_default: u32) -> usize {
        self.batch_size
            .unwrap_or(source_default)
            .clamp(1, MAX_BATCH_SIZE) as usize
    }

    /// As command-line flags: `--full --max-records 100`.
    pub fn describe(&self) -> String {
        let mut flags = Vec::new();
        if self.force {
            flags.push("--force".to_owned());
        }
        if self.full {
            flags.push("--full".to_owned());
        }
        if let Some(since) = self.since {
            flags.push(format!("--since {}", since.format("%Y-%m-%d")));
        }
        if self.dry_run {
            flags.push("--dry-run".to_owned());
        }
        if let Some(max) = self.max_records {
            flags.push(format!("--max-records {max}"));
        }
        if let Some(batch) = self.batch_size {
            flags.push(format!("--batch-size {batch}"));
        }
        if self.debug {
            flags.push("--debug".to_owned());
        }
        if flags.is_empty() {
            "default (incremental)".to_owned()
        } else {
            flags.join(" ")
        }
    }
}

/// Options as entered, before validation. JSON bodies deserialize into it directly; the
/// dashboard's form and the CLI fill it field by field.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SyncOptionsInput {
    #[serde(default)]
    pub force: bool,
    #[serde(default)]
    pub full: bool,
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default, deserialize_with = "number_or_text")]
    pub max_records: Option<String>,
    #[serde(default, deserialize_with = "number_or_text")]
    pub batch_size: Option<String>,
    #[serde(default)]
    pub debug: bool,
}

/// JSON may send `100` or `"100"`.
fn number_or_text<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(de)?;
    Ok(match value {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(text)) => Some(text),
        Some(other) => Some(other.to_string()),
    })
}

/// Parses `2024-03-01` (midnight UTC) or an RFC 3339 time.
pub fn parse_since(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|naive| naive.and_utc())
        .or_else(|| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|at| at.with_timezone(&Utc))
        })
}

impl SyncOptionsInput {
    pub fn validate(&self, now: DateTime<Utc>) -> Result<SyncOptions, FieldErrors> {
        let mut errors = FieldErrors::default();
        let since = match self.since.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match parse_since(text) {
                Some(at) if at > now => {
                    errors.add("since", "Choose a date that is not in the future.");
                    None
                }
                Some(at) => Some(at),
                None => {
                    errors.add("since", "Enter a date as YYYY-MM-DD.");
                    None
                }
            },
        };
        if since.is_some() && self.full {
            errors.add(
                "since",
                "Choose either “full” (everything) or a start date, not both.",
            );
        }
        let max_records = match self.max_records.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match text.parse::<u64>() {
                Ok(n) if n >= 1 => Some(n),
                _ => {
                    errors.add("max_records", "Enter a whole number of records, 1 or more.");
                    None
                }
            },
        };
        let batch_size = match self.batch_size.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match text.parse::<u32>() {
                Ok(n) if (1..=MAX_BATCH_SIZE).contains(&n) => Some(n),
                _ => {
                    errors.add(
                        "batch_size",
                        format!("Enter a batch size from 1 to {MAX_BATCH_SIZE}."),
                    );
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SyncOptions {
            force: self.force,
            full: self.full,
            since,
            dry_run: self.dry_run,
            max_records,
            batch_size,
            debug: self.debug,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        parse_since("2026-06-01T12:00:00Z").unwrap_or_default()
    }

    #[test]
    fn good_options_validate() {
        let input = SyncOptionsInput {
            force: true,
            since: Some("2026-03-01".to_owned()),
            max_records: Some("100".to_owned()),
            batch_size: Some("50".to_owned()),
            debug: true,
            ..Default::default()
        };
        let options = input.validate(now()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(options.since, parse_since("2026-03-01T00:00:00Z"));
        assert_eq!(options.max_records, Some(100));
        assert_eq!(options.batch_size(), 50);
        assert_eq!(
            options.describe(),
            "--force --since 2026-03-01 --max-records 100 --batch-size 50 --debug"
        );
    }

    #[test]
    fn bad_options_get_a_message_per_field() {
        let input = SyncOptionsInput {
            full: true,
            since: Some("2026-07-01".to_owned()),
            max_records: Some("zero".to_owned()),
            batch_size: Some("20000".to_owned()),
            ..Default::default()
        };
        let errors = input.validate(now()).err().unwrap_or_default();
        assert!(errors.has("since") && errors.has("max_records") && errors.has("batch_size"));
        let both = SyncOptionsInput {
            full: true,
            since: Some("2026-01-01".to_owned()),
            ..Default::default()
        };
        assert!(both.validate(now()).err().unwrap_or_default().has("since"));
    }

    #[test]
    fn json_numbers_and_strings_both_work() {
        let input: SyncOptionsInput =
            serde_json::from_str(r#"{"max_records": 5, "batch_size": "7", "dry_run": true}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        let options = input.validate(now()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (options.max_records, options.batch_size, options.dry_run),
            (Some(5), Some(7), true)
        );
    }
}
