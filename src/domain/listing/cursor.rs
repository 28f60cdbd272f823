//! Keyset cursors: the `(sort value, id)` of the row a page starts after or ends before,
//! carried in the URL as opaque base64url text.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A position in a sorted list. `value` is the sort key as text (None for an empty value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorKey {
    pub value: Option<String>,
    pub id: i64,
}

impl CursorKey {
    pub fn encode(&self) -> String {
        let json = serde_json::json!([self.value, self.id]);
        URL_SAFE_NO_PAD.encode(json.to_string())
    }

    /// None for anything that is not a cursor we made (the list then starts at the top).
    pub fn decode(text: &str) -> Option<CursorKey> {
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
        let (value, id): (Option<String>, i64) = serde_json::from_slice(&bytes).ok()?;
        Some(CursorKey { value, id })
    }
}

/// Where a page is, relative to a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    After(CursorKey),
    Before(CursorKey),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        let key = CursorKey {
            value: Some("acme, inc. \"quoted\"".into()),
            id: 42,
        };
        assert_eq!(CursorKey::decode(&key.encode()), Some(key));
        let empty = CursorKey { value: None, id: 7 };
        assert_eq!(CursorKey::decode(&empty.encode()), Some(empty));
        assert_eq!(CursorKey::decode("not a cursor"), None);
        assert_eq!(CursorKey::decode(""), None);
    }
}
