//! The deals list: its row, columns and filters (see [`crate::domain::listing`]).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use crate::db::schema::deals;
use crate::domain::company_list::label_of;
use crate::domain::listing::{
    Cell, CellKind, ColumnDef, FilterDef, FilterKind, ListRow, ListSpec, SortKey, ValueKind,
};

pub const STATUSES: &[(&str, &str)] = &[
    ("open", "Open"),
    ("won", "Won"),
    ("lost", "Lost"),
    ("abandoned", "Abandoned"),
];

pub fn status_tone(status: &str) -> &'static str {
    match status {
        "won" => "success",
        "lost" => "danger",
        "abandoned" => "muted",
        _ => "info",
    }
}

#[derive(Debug, Clone, QueryableByName)]
#[diesel(table_name = deals)]
pub struct DealRow {
    pub id: i64,
    pub deal_number: i64,
    pub title: String,
    pub company_id: Option<i64>,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub total_minor: Option<i64>,
    pub probability: i16,
    pub expected_close_date: Option<NaiveDate>,
    pub stage_entered_at: DateTime<Utc>,
    pub source: Option<String>,
    pub custom_fields: serde_json::Value,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub owner_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub company_name: Option<String>,
    #[diesel(sql_type = Text)]
    pub stage_name: String,
    #[diesel(sql_type = Text)]
    pub pipeline_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub sort_value: Option<String>,
}

impl DealRow {
    /// Amount × probability, in minor units.
    pub fn weighted_minor(&self) -> i64 {
        weighted(self.amount_minor, self.probability)
    }
}

/// Amount × probability / 100, rounded half up, in minor units.
pub fn weighted(amount_minor: i64, probability: i16) -> i64 {
    (i128::from(amount_minor) * i128::from(probability) + 50)
        .checked_div(100)
        .and_then(|v| i64::try_from(v).ok())
        .unwrap_or(i64::MAX)
}

impl ListRow for DealRow {
    fn id(&self) -> i64 {
        self.id
    }
    fn sort_value(&self) -> Option<&str> {
        self.sort_value.as_deref()
    }
    fn custom_fields(&self) -> &serde_json::Value {
        &self.custom_fields
    }
}

const fn key(sql: &'static str, kind: ValueKind, nullable: bool) -> Option<SortKey> {
    Some(SortKey {
        sql,
        kind,
        nullable,
    })
}

fn money(minor: i64, currency: &str) -> Cell {
    Cell::plain(crate::web::fmt::money(minor, currency))
        .kind(CellKind::Number)
        .export(format!("{:.2}", minor as f64 / 100.0))
}

pub static COLUMNS: &[ColumnDef<DealRow>] = &[
    ColumnDef {
        key: "title",
        label: "Deal",
        sort: key("d.title", ValueKind::Text, false),
        default: true,
        cell: |r, _| {
            Cell::plain(r.title.clone())
                .kind(CellKind::Primary)
                .link(format!("/deals/{}", r.id))
        },
    },
    ColumnDef {
        key: "number",
        label: "Number",
        sort: key("d.deal_number", ValueKind::BigInt, false),
        default: true,
        cell: |r, _| {
            Cell::plain(format!("#{}", r.deal_number))
                .kind(CellKind::Muted)
                .export(r.deal_number.to_string())
        },
    },
    ColumnDef {
        key: "company",
        label: "Company",
        sort: None,
        default: true,
        cell: |r, _| match (&r.company_name, r.company_id) {
            (Some(name), Some(id)) => Cell::plain(name.clone())
                .kind(CellKind::Link)
                .link(format!("/companies/{id}")),
            _ => Cell::empty(),
        },
    },
    ColumnDef {
        key: "pipeline",
        label: "Pipeline",
        sort: None,
        default: false,
        cell: |r, _| Cell::plain(r.pipeline_name.clone()),
    },
    ColumnDef {
        key: "stage",
        label: "Stage",
        sort: None,
        default: true,
        cell: |r, _| Cell::plain(r.stage_name.clone()),
    },
    ColumnDef {
        key: "status",
        label: "Status",
        sort: key("d.status", ValueKind::Text, false),
        default: true,
        cell: |r, _| {
            Cell::plain(label_of(STATUSES, &r.status))
                .kind(CellKind::Badge)
                .tone(status_tone(&r.status))
                .export(r.status.clone())
        },
    },
    ColumnDef {
        key: "amount",
        label: "Amount",
        sort: key("d.amount_minor", ValueKind::BigInt, false),
        default: true,
        cell: |r, _| money(r.amount_minor, &r.currency),
    },
    ColumnDef {
        key: "total",
        label: "Total",
        sort: None,
        default: false,
        cell: |r, _| money(r.total_minor.unwrap_or(r.amount_minor), &r.currency),
    },
    ColumnDef {
        key: "probability",
        label: "Probability",
        sort: None,
        default: false,
        cell: |r, _| Cell::plain(format!("{}%", r.probability)).kind(CellKind::Number),
    },
    ColumnDef {
        key: "weighted",
        label: "Weighted",
        sort: None,
        default: true,
        cell: |r, _| money(r.weighted_minor(), &r.currency),
    },
    ColumnDef {
        key: "close",
        label: "Expected close",
        sort: key("d.expected_close_date", ValueKind::Date, true),
        default: true,
        cell: |r, _| match r.expected_close_date {
            Some(date) => {
                Cell::plain(date.format("%b %-d, %Y").to_string()).export(date.to_string())
            }
            None => Cell::empty(),
        },
    },
    ColumnDef {
        key: "owner",
        label: "Owner",
        sort: key("o.name", ValueKind::Text, true),
        default: true,
        cell: |r, _| Cell::opt(r.owner_name.as_deref()),
    },
    ColumnDef {
        key: "source",
        label: "Source",
        sort: None,
        default: false,
        cell: |r, _| Cell::opt(r.source.as_deref()),
    },
    ColumnDef {
        key: "tags",
        label: "Tags",
        sort: None,
        default: false,
        cell: |r, ctx| ctx.tags(r.id),
    },
    ColumnDef {
        key: "last_activity",
        label: "Last activity",
        sort: key("d.last_activity_at", ValueKind::Timestamp, true),
        default: false,
        cell: |r, ctx| ctx.date(r.last_activity_at),
    },
    ColumnDef {
        key: "created",
        label: "Created",
        sort: key("d.created_at", ValueKind::Timestamp, false),
        default: false,
        cell: |r, ctx| ctx.date(Some(r.created_at)),
    },
    ColumnDef {
        key: "updated",
        label: "Updated",
        sort: key("d.updated_at", ValueKind::Timestamp, false),
        default: false,
        cell: |r, ctx| ctx.datetime(Some(r.updated_at)),
    },
];

pub static FILTERS: &[FilterDef] = &[
    FilterDef {
        key: "owner",
        label: "Owner",
        kind: FilterKind::Owner {
            column: "d.owner_id",
        },
    },
    FilterDef {
        key: "tag",
        label: "Tag",
        kind: FilterKind::Tag,
    },
    FilterDef {
        key: "status",
        label: "Status",
        kind: FilterKind::Choice {
            column: "d.status",
            options: STATUSES,
        },
    },
    FilterDef {
        key: "pipeline",
        label: "Pipeline",
        kind: FilterKind::Reference {
            column: "d.pipeline_id",
        },
    },
    FilterDef {
        key: "stage",
        label: "Stage",
        kind: FilterKind::Reference {
            column: "d.stage_id",
        },
    },
    FilterDef {
        key: "amount",
        label: "Amount",
        kind: FilterKind::MoneyRange {
            column: "d.amount_minor",
        },
    },
    FilterDef {
        key: "company",
        label: "Company",
        kind: FilterKind::Reference {
            column: "d.company_id",
        },
    },
    FilterDef {
        key: "close",
        label: "Expected close",
        kind: FilterKind::DayRange {
            column: "d.expected_close_date",
        },
    },
    FilterDef {
        key: "closed",
        label: "Closed",
        kind: FilterKind::DayRange {
            column: "d.actual_close_date",
        },
    },
    FilterDef {
        key: "source",
        label: "Source",
        kind: FilterKind::TextEquals { column: "d.source" },
    },
    FilterDef {
        key: "created",
        label: "Created",
        kind: FilterKind::DateRange {
            column: "d.created_at",
        },
    },
];

pub static SPEC: ListSpec<DealRow> = ListSpec {
    entity: "deal",
    alias: "d",
    from: "deals d \
           JOIN pipeline_stages st ON st.tenant_id = d.tenant_id AND st.id = d.stage_id \
           JOIN pipelines pl ON pl.tenant_id = d.tenant_id AND pl.id = d.pipeline_id \
           LEFT JOIN companies co ON co.tenant_id = d.tenant_id AND co.id = d.company_id \
           LEFT JOIN users o ON o.tenant_id = d.tenant_id AND o.id = d.owner_id",
    select: "d.id, d.deal_number, d.title, d.company_id, d.status, d.amount_minor, d.currency, \
             d.total_minor, d.probability, d.expected_close_date, d.stage_entered_at, d.source, \
             d.custom_fields, d.last_activity_at, d.created_at, d.updated_at, d.deleted_at, \
             o.name AS owner_name, co.name AS company_name, st.name AS stage_name, \
             pl.name AS pipeline_name",
    columns: COLUMNS,
    filters: FILTERS,
    default_sort: "-updated",
    base_path: "/deals",
    plural: "deals",
};
