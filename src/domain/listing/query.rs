//! A list's state as URL parameters: search, filters, sort, columns, page size, cursor,
//! saved view. Parsed leniently (unknown or empty parameters are ignored) and written back
//! in one canonical order, so the same view always has the same URL.

use std::collections::BTreeMap;

use super::cursor::{Cursor, CursorKey};

pub const DEFAULT_PER_PAGE: u32 = 50;
pub const PER_PAGE_CHOICES: [u32; 3] = [25, 50, 100];

/// Parameters with a meaning of their own; everything else is a filter.
const RESERVED: &[&str] = &[
    "q",
    "sort",
    "cols",
    "after",
    "before",
    "per",
    "view",
    "trash",
    "csrf_token",
    "ids",
    "action",
    "value",
    "exact",
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub q: String,
    /// `name` or `-name` (descending).
    pub sort: Option<String>,
    /// Chosen columns; None shows the entity's defaults.
    pub cols: Option<Vec<String>>,
    /// Filter parameters, each possibly repeated.
    pub params: BTreeMap<String, Vec<String>>,
    pub after: Option<String>,
    pub before: Option<String>,
    pub per: Option<u32>,
    /// The saved view this list came from.
    pub view: Option<i64>,
    /// Showing deleted records (to restore them).
    pub trash: bool,
}

impl ListQuery {
    pub fn parse(query_string: &str) -> ListQuery {
        let mut query = ListQuery::default();
        for (key, value) in form_urlencoded::parse(query_string.as_bytes()) {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key.as_ref() {
                "q" => query.q = value.chars().take(200).collect(),
                "sort" => query.sort = Some(value.to_owned()),
                "cols" => query.cols.get_or_insert_with(Vec::new).extend(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_owned),
                ),
                "after" => query.after = Some(value.to_owned()),
                "before" => query.before = Some(value.to_owned()),
                "per" => query.per = value.parse().ok().filter(|n| PER_PAGE_CHOICES.contains(n)),
                "view" => query.view = value.parse().ok(),
                "trash" => query.trash = matches!(value, "1" | "true" | "yes" | "on"),
                other if RESERVED.contains(&other) => {}
                other if other.len() <= 80 => {
                    let values = query.params.entry(other.to_owned()).or_default();
                    if !values.iter().any(|existing| existing == value) && values.len() < 50 {
                        values.push(value.chars().take(200).collect());
                    }
                }
                _ => {}
            }
        }
        if let Some(cols) = &mut query.cols {
            let mut seen = std::collections::HashSet::new();
            cols.retain(|col| seen.insert(col.clone()));
        }
        query
    }

    pub fn values(&self, key: &str) -> &[String] {
        self.params.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn value(&self, key: &str) -> Option<&str> {
        self.values(key).first().map(String::as_str)
    }

    pub fn per_page(&self) -> u32 {
        self.per.unwrap_or(DEFAULT_PER_PAGE)
    }

    pub fn cursor(&self) -> Option<Cursor> {
        if let Some(key) = self.after.as_deref().and_then(CursorKey::decode) {
            return Some(Cursor::After(key));
        }
        self.before
            .as_deref()
            .and_then(CursorKey::decode)
            .map(Cursor::Before)
    }

    /// Does the URL filter or search anything?
    pub fn is_filtered(&self) -> bool {
        !self.q.is_empty() || !self.params.is_empty()
    }

    /// The canonical query string (no leading `?`). The cursor is included on request.
    pub fn to_query_string(&self, with_cursor: bool) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        if let Some(view) = self.view {
            out.append_pair("view", &view.to_string());
        }
        if !self.q.is_empty() {
            out.append_pair("q", &self.q);
        }
        for (key, values) in &self.params {
            for value in values {
                out.append_pair(key, value);
            }
        }
        if let Some(sort) = &self.sort {
            out.append_pair("sort", sort);
        }
        if let Some(cols) = &self.cols {
            out.append_pair("cols", &cols.join(","));
        }
        if let Some(per) = self.per {
            out.append_pair("per", &per.to_string());
        }
        if self.trash {
            out.append_pair("trash", "1");
        }
        if with_cursor {
            if let Some(after) = &self.after {
                out.append_pair("after", after);
            } else if let Some(before) = &self.before {
                out.append_pair("before", before);
            }
        }
        out.finish()
    }

    /// `path?query` (or just `path`).
    pub fn url(&self, path: &str, with_cursor: bool) -> String {
        let query = self.to_query_string(with_cursor);
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        }
    }

    /// The same view from its first page.
    pub fn first_page(&self) -> ListQuery {
        ListQuery {
            after: None,
            before: None,
            ..self.clone()
        }
    }

    pub fn with_sort(&self, sort: &str) -> ListQuery {
        ListQuery {
            sort: Some(sort.to_owned()),
            ..self.first_page()
        }
    }

    pub fn after(&self, key: &CursorKey) -> ListQuery {
        ListQuery {
            after: Some(key.encode()),
            before: None,
            ..self.clone()
        }
    }

    pub fn before(&self, key: &CursorKey) -> ListQuery {
        ListQuery {
            after: None,
            before: Some(key.encode()),
            ..self.clone()
        }
    }

    /// The view without one filter parameter (for the "×" on a filter chip).
    pub fn without(&self, key: &str) -> ListQuery {
        let mut query = self.first_page();
        query.params.remove(key);
        if key == "q" {
            query.q.clear();
        }
        query
    }

    /// What a saved view keeps: everything but the cursor and the view id itself.
    pub fn view_definition(&self) -> String {
        ListQuery {
            view: None,
            ..self.first_page()
        }
        .to_query_string(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_repeated_filters_and_writes_them_back_in_one_order() {
        let query = ListQuery::parse(
            "sort=-updated&owner=3&q=+acme+&owner=me&tag=&cols=name,owner&cols=city&per=25&csrf_token=x",
        );
        assert_eq!(query.q, "acme");
        assert_eq!(query.values("owner"), ["3", "me"]);
        assert!(
            !query.params.contains_key("tag"),
            "empty values are ignored"
        );
        assert_eq!(
            query.cols.as_deref(),
            Some(&["name".to_owned(), "owner".to_owned(), "city".to_owned()][..])
        );
        assert_eq!(
            query.to_query_string(false),
            "q=acme&owner=3&owner=me&sort=-updated&cols=name%2Cowner%2Ccity&per=25"
        );
        assert_eq!(ListQuery::parse(&query.to_query_string(true)), query);
    }

    #[test]
    fn odd_page_sizes_and_cursors_are_ignored() {
        let query = ListQuery::parse("per=5000&after=garbage");
        assert_eq!(query.per_page(), DEFAULT_PER_PAGE);
        assert_eq!(query.cursor(), None);
    }
}
