//! The board's URL: pipeline and filters (owner incl. "me", team, tag, expected close
//! month, amount range in major units). Bad values get a message next to their field and
//! keep what was typed; the board then ignores just that filter.

use chrono::NaiveDate;

use crate::domain::board::BoardFilter;
use crate::domain::ids::UserId;
use crate::web::form_data::FormData;
use crate::web::forms::FieldErrors;
use crate::web::records::fields::parse_money;

/// The filter fields, in URL order.
pub const FILTER_FIELDS: [&str; 6] = ["owner", "team", "tag", "close", "min", "max"];

#[derive(Debug, Clone, Default)]
pub struct BoardQuery {
    pub pipeline: Option<i64>,
    /// What was typed, per filter field (same order as [`FILTER_FIELDS`]).
    pub owner: String,
    pub team: String,
    pub tag: String,
    pub close: String,
    pub min: String,
    pub max: String,
    pub filter: BoardFilter,
    pub errors: FieldErrors,
}

fn id(text: &str, field: &'static str, message: &str, errors: &mut FieldErrors) -> Option<i64> {
    if text.is_empty() {
        return None;
    }
    match text.parse::<i64>() {
        Ok(id) if id > 0 => Some(id),
        _ => {
            errors.add(field, message);
            None
        }
    }
}

fn amount(text: &str, field: &'static str, errors: &mut FieldErrors) -> Option<i64> {
    if text.is_empty() {
        return None;
    }
    let parsed = parse_money(text);
    if parsed.is_none() {
        errors.add(
            field,
            format!(
                "\u{201c}{text}\u{201d} is not an amount: enter a number like 1500 or 1500.50."
            ),
        );
    }
    parsed
}

impl BoardQuery {
    pub fn parse(form: &FormData, me: UserId) -> BoardQuery {
        let mut errors = FieldErrors::default();
        let text = |name: &str| form.text(name).chars().take(60).collect::<String>();
        let (owner, team, tag, close, min, max) = (
            text("owner"),
            text("team"),
            text("tag"),
            text("close"),
            text("min"),
            text("max"),
        );
        let owner_id = match owner.as_str() {
            "" => None,
            "me" => Some(me.0),
            other => id(
                other,
                "owner",
                "Choose an owner from the list.",
                &mut errors,
            ),
        };
        let team_id = id(&team, "team", "Choose a team from the list.", &mut errors);
        let tag_id = id(&tag, "tag", "Choose a tag from the list.", &mut errors);
        let close_month = if close.is_empty() {
            None
        } else {
            let parsed = NaiveDate::parse_from_str(&format!("{close}-01"), "%Y-%m-%d").ok();
            if parsed.is_none() {
                errors.add(
                    "close",
                    format!("\u{201c}{close}\u{201d} is not a month: use YYYY-MM, like 2026-03."),
                );
            }
            parsed
        };
        let min_minor = amount(&min, "min", &mut errors);
        let max_minor = amount(&max, "max", &mut errors);
        let (min_minor, max_minor) = match (min_minor, max_minor) {
            (Some(low), Some(high)) if low > high => {
                errors.add("max", "The maximum is below the minimum.");
                (Some(low), None)
            }
            range => range,
        };
        BoardQuery {
            pipeline: form.text("pipeline").parse().ok(),
            filter: BoardFilter {
                owner_id,
                team_id,
                tag_id,
                close_month,
                min_minor,
                max_minor,
            },
            owner,
            team,
            tag,
            close,
            min,
            max,
            errors,
        }
    }

    fn typed(&self) -> [(&'static str, &str); 6] {
        [
            ("owner", &self.owner),
            ("team", &self.team),
            ("tag", &self.tag),
            ("close", &self.close),
            ("min", &self.min),
            ("max", &self.max),
        ]
    }

    /// The valid filters as a query string ("owner=me&min=1000"), for links and forms
    /// that must keep the board's filters (load more, moves, the pipeline switcher).
    pub fn filter_query(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (name, value) in self.typed() {
            if !value.is_empty() && !self.errors.has(name) {
                out.append_pair(name, value);
            }
        }
        out.finish()
    }

    /// `filter_query` with the pipeline first.
    pub fn board_query(&self, pipeline: impl std::borrow::Borrow<i64>) -> String {
        let pipeline = *pipeline.borrow();
        let filters = self.filter_query();
        if filters.is_empty() {
            format!("pipeline={pipeline}")
        } else {
            format!("pipeline={pipeline}&{filters}")
        }
    }

    pub fn is_filtered(&self) -> bool {
        self.filter != BoardFilter::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> BoardQuery {
        let form = FormData::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        );
        BoardQuery::parse(&form, UserId(7))
    }

    #[test]
    fn valid_filters_resolve_and_round_trip() {
        let query = parse(&[
            ("owner", "me"),
            ("close", "2026-03"),
            ("min", "1,500"),
            ("max", "2000.50"),
        ]);
        assert!(query.errors.is_empty());
        assert_eq!(query.filter.owner_id, Some(7));
        assert_eq!(
            query.filter.close_month,
            NaiveDate::from_ymd_opt(2026, 3, 1)
        );
        assert_eq!(query.filter.min_minor, Some(150_000));
        assert_eq!(query.filter.max_minor, Some(200_050));
        assert_eq!(
            query.filter_query(),
            "owner=me&close=2026-03&min=1%2C500&max=2000.50"
        );
    }

    #[test]
    fn bad_values_are_reported_kept_and_ignored() {
        let query = parse(&[("min", "abc"), ("close", "2026-13"), ("tag", "x")]);
        assert!(query.errors.has("min"));
        assert!(query.errors.has("close"));
        assert!(query.errors.has("tag"));
        assert_eq!(query.min, "abc");
        assert_eq!(query.filter, BoardFilter::default());
        assert_eq!(query.filter_query(), "");
    }

    #[test]
    fn an_inverted_range_is_refused() {
        let query = parse(&[("min", "500"), ("max", "100")]);
        assert!(query.errors.has("max"));
        assert_eq!(query.filter.max_minor, None);
    }
}
