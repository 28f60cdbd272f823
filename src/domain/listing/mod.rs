//! Entity-agnostic record lists: column, filter and sort definitions, URL parameters,
//! keyset pagination, capped counts and batch iteration for exports.
//!
//! An entity describes itself once with a [`ListSpec`] (its table, the columns it can show,
//! the filters it offers); everything else (parsing the URL, building the SQL, paging,
//! counting, exporting) is shared. Companies, contacts and leads use it; deals can too.
//!
//! Paging is keyset (never OFFSET): the page is fetched after or before the last seen
//! `(sort value, id)`. Sort keys are plain stored columns compared with leakproof operators,
//! so under row-level security they still drive an index (see the records_search
//! migration). Empty values sort last in either direction.

pub mod cursor;
pub mod fetch;
pub mod filters;
pub mod query;
pub mod sql;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

pub use cursor::{Cursor, CursorKey};
pub use fetch::{ListPage, capped_count, exact_count, fetch_page, for_each_batch};
pub use filters::{ActiveFilter, ResolvedList, resolve};
pub use query::ListQuery;
pub use sql::{Bind, Sql};

use crate::domain::custom_fields::FieldDefinition;
use crate::domain::tags::TagChip;

/// How a sort value is typed in SQL, so a cursor's text value is cast back exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    BigInt,
    Int,
    Real,
    Float,
    Timestamp,
    Date,
    Bool,
}

impl ValueKind {
    pub fn sql_type(self) -> &'static str {
        match self {
            ValueKind::Text => "text",
            ValueKind::BigInt => "bigint",
            ValueKind::Int => "integer",
            ValueKind::Real => "real",
            ValueKind::Float => "double precision",
            ValueKind::Timestamp => "timestamptz",
            ValueKind::Date => "date",
            ValueKind::Bool => "boolean",
        }
    }
}

/// A column (or expression) a list can be sorted and paged by.
#[derive(Debug, Clone, Copy)]
pub struct SortKey {
    /// Fixed SQL, qualified with the list's alias, e.g. `c.name_key`.
    pub sql: &'static str,
    pub kind: ValueKind,
    pub nullable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// How a cell is shown; the template picks the markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Plain,
    /// The record's own name, linking to it.
    Primary,
    Link,
    Email,
    Phone,
    Url,
    Badge,
    Number,
    Tags,
    Muted,
}

#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    pub kind: CellKind,
    /// The value written to CSV when it differs from the text (ISO dates, raw numbers).
    pub export: Option<String>,
    pub tags: Vec<TagChip>,
    /// A tone for badges ("success", "warning", …).
    pub tone: &'static str,
}

impl Cell {
    pub fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            href: None,
            kind: CellKind::Plain,
            export: None,
            tags: Vec::new(),
            tone: "",
        }
    }

    pub fn empty() -> Cell {
        Cell::plain("")
    }

    pub fn opt(text: Option<&str>) -> Cell {
        Cell::plain(text.unwrap_or_default())
    }

    pub fn kind(mut self, kind: CellKind) -> Cell {
        self.kind = kind;
        self
    }

    pub fn link(mut self, href: impl Into<String>) -> Cell {
        self.href = Some(href.into());
        self
    }

    pub fn export(mut self, raw: impl Into<String>) -> Cell {
        self.export = Some(raw.into());
        self
    }

    pub fn tone(mut self, tone: &'static str) -> Cell {
        self.tone = tone;
        self
    }

    pub fn export_value(&self) -> String {
        match (&self.export, self.kind) {
            (Some(raw), _) => raw.clone(),
            (None, CellKind::Tags) => self
                .tags
                .iter()
                .map(|tag| tag.name.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            (None, _) => self.text.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.tags.is_empty()
    }

    /// The kind as a name, for templates.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            CellKind::Plain => "plain",
            CellKind::Primary => "primary",
            CellKind::Link => "link",
            CellKind::Email => "email",
            CellKind::Phone => "phone",
            CellKind::Url => "url",
            CellKind::Badge => "badge",
            CellKind::Number => "number",
            CellKind::Tags => "tags",
            CellKind::Muted => "muted",
        }
    }
}

/// What cell functions may look up besides the row itself.
pub struct CellContext<'a> {
    pub tags: &'a HashMap<i64, Vec<TagChip>>,
    pub tz: chrono_tz::Tz,
}

impl CellContext<'_> {
    pub fn datetime(&self, at: Option<DateTime<Utc>>) -> Cell {
        match at {
            Some(at) => Cell::plain(crate::web::fmt::datetime(at, self.tz)).export(at.to_rfc3339()),
            None => Cell::empty(),
        }
    }

    pub fn date(&self, at: Option<DateTime<Utc>>) -> Cell {
        match at {
            Some(at) => Cell::plain(crate::web::fmt::date(at, self.tz)).export(at.to_rfc3339()),
            None => Cell::empty(),
        }
    }

    pub fn tags(&self, id: i64) -> Cell {
        let mut cell = Cell::empty().kind(CellKind::Tags);
        cell.tags = self.tags.get(&id).cloned().unwrap_or_default();
        cell
    }
}

/// One column an entity can show.
pub struct ColumnDef<R: 'static> {
    pub key: &'static str,
    pub label: &'static str,
    pub sort: Option<SortKey>,
    /// Shown when the URL does not choose columns.
    pub default: bool,
    pub cell: fn(&R, &CellContext<'_>) -> Cell,
}

/// A filter an entity offers, read from the URL parameter named `key` (or `key_from` /
/// `key_to` for ranges).
#[derive(Debug, Clone, Copy)]
pub struct FilterDef {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: FilterKind,
}

#[derive(Debug, Clone, Copy)]
pub enum FilterKind {
    /// `owner=me`, `owner=none`, `owner=<user id>` (several: any of them).
    Owner { column: &'static str },
    /// Tagged with any of the tag ids.
    Tag,
    /// One of a fixed set of values.
    Choice {
        column: &'static str,
        options: &'static [(&'static str, &'static str)],
    },
    /// Equal to the text, ignoring case.
    TextEquals { column: &'static str },
    /// Between two dates (in the viewer's time zone), either end optional.
    DateRange { column: &'static str },
    /// Between two days, either end optional, on a `date` column (compared as dates, so
    /// the viewer's time zone does not shift the ends).
    DayRange { column: &'static str },
    /// `yes` or `no`.
    Flag { column: &'static str },
    /// A record id (e.g. the company of a contact).
    Reference { column: &'static str },
    /// An amount in major units between `key_min` and `key_max` (either optional),
    /// compared with a column of minor units.
    MoneyRange { column: &'static str },
}

/// Everything a list needs to know about an entity.
pub struct ListSpec<R: 'static> {
    /// `company`, `contact`, …: taggings, custom fields, saved views and search use it.
    pub entity: &'static str,
    /// The table alias used in every fragment below.
    pub alias: &'static str,
    /// `companies c` plus any joins the select needs.
    pub from: &'static str,
    /// The select list, matching the row type's `QueryableByName` fields.
    pub select: &'static str,
    pub columns: &'static [ColumnDef<R>],
    pub filters: &'static [FilterDef],
    /// `name`, or `-updated` for descending.
    pub default_sort: &'static str,
    /// Where the list and the records live (`/companies`).
    pub base_path: &'static str,
    /// The noun for counts and exports ("companies").
    pub plural: &'static str,
}

impl<R> ListSpec<R> {
    pub fn column(&self, key: &str) -> Option<&'static ColumnDef<R>> {
        self.columns.iter().find(|column| column.key == key)
    }

    pub fn filter(&self, key: &str) -> Option<&'static FilterDef> {
        self.filters.iter().find(|filter| filter.key == key)
    }
}

/// A row of a list.
pub trait ListRow: diesel::QueryableByName<diesel::pg::Pg> + Send + 'static {
    fn id(&self) -> i64;
    /// The sort key of this row as text (selected as `sort_value`), for the cursor.
    fn sort_value(&self) -> Option<&str>;
    fn custom_fields(&self) -> &serde_json::Value;
}

/// A shown column: built in, or a custom field.
#[derive(Clone)]
pub enum ShownColumn<R: 'static> {
    Builtin(&'static ColumnDef<R>),
    Custom(FieldDefinition),
}

impl<R> ShownColumn<R> {
    pub fn key(&self) -> String {
        match self {
            ShownColumn::Builtin(def) => def.key.to_owned(),
            ShownColumn::Custom(def) => format!("cf.{}", def.key),
        }
    }

    pub fn label(&self) -> String {
        match self {
            ShownColumn::Builtin(def) => def.label.to_owned(),
            ShownColumn::Custom(def) => def.label.clone(),
        }
    }

    pub fn sortable(&self) -> bool {
        match self {
            ShownColumn::Builtin(def) => def.sort.is_some(),
            ShownColumn::Custom(_) => true,
        }
    }

    pub fn cell(&self, row: &R, ctx: &CellContext<'_>) -> Cell
    where
        R: ListRow,
    {
        match self {
            ShownColumn::Builtin(def) => (def.cell)(row, ctx),
            ShownColumn::Custom(def) => def.cell(row.custom_fields()),
        }
    }
}
