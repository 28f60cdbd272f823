//! Phone numbers: what people type ("(303) 555-0123") normalised to E.164 ("+13035550123"),
//! the form used to match calls from any source to contacts.

use phonenumber::country::Id;
use phonenumber::{Mode, parse};

/// The region assumed for numbers written without a country code.
pub const DEFAULT_REGION: Id = Id::US;

/// E.164 form of `raw`, or None when it is not a plausible phone number.
pub fn to_e164(raw: &str) -> Option<String> {
    to_e164_in(raw, DEFAULT_REGION)
}

pub fn to_e164_in(raw: &str, region: Id) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.chars().filter(char::is_ascii_digit).count() < 7 {
        return None;
    }
    let number = parse(Some(region), trimmed).ok()?;
    phonenumber::is_valid(&number).then(|| number.format().mode(Mode::E164).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_us_formats_normalise_to_the_same_number() {
        for raw in [
            "(303) 555-0123",
            "303.555.0123",
            "+1 303 555 0123",
            "1-303-555-0123",
            "3035550123",
        ] {
            assert_eq!(to_e164(raw).as_deref(), Some("+13035550123"), "{raw}");
        }
    }

    #[test]
    fn other_countries_keep_their_code() {
        assert_eq!(
            to_e164("+44 20 7946 0958").as_deref(),
            Some("+442079460958")
        );
    }

    #[test]
    fn junk_is_not_a_number() {
        for raw in ["", "n/a", "12345", "call me"] {
            assert_eq!(to_e164(raw), None, "{raw}");
        }
    }
}
