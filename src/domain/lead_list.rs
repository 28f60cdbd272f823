//! The leads list: its row, columns and filters (see [`crate::domain::listing`]).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use crate::db::schema::leads;
use crate::domain::company_list::label_of;
use crate::domain::listing::{
    Cell, CellKind, ColumnDef, FilterDef, FilterKind, ListRow, ListSpec, SortKey, ValueKind,
};

pub const STATUSES: &[(&str, &str)] = &[
    ("new", "New"),
    ("working", "Working"),
    ("nurturing", "Nurturing"),
    ("qualified", "Qualified"),
    ("disqualified", "Disqualified"),
    ("converted", "Converted"),
];

pub const RATINGS: &[(&str, &str)] = &[("hot", "Hot"), ("warm", "Warm"), ("cold", "Cold")];

pub fn status_tone(status: &str) -> &'static str {
    match status {
        "converted" => "success",
        "qualified" => "accent",
        "working" => "info",
        "disqualified" => "muted",
        _ => "",
    }
}

pub fn rating_tone(rating: &str) -> &'static str {
    match rating {
        "hot" => "danger",
        "warm" => "warning",
        _ => "info",
    }
}

#[derive(Debug, Clone, QueryableByName)]
#[diesel(table_name = leads)]
pub struct LeadRow {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub source: Option<String>,
    pub campaign: Option<String>,
    pub status: String,
    pub rating: Option<String>,
    pub score: i32,
    pub owner_id: Option<i64>,
    pub custom_fields: serde_json::Value,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub owner_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub sort_value: Option<String>,
}

impl LeadRow {
    pub fn display_name(&self) -> String {
        lead_name(
            &self.first_name,
            &self.last_name,
            self.email.as_deref(),
            self.company_name.as_deref(),
        )
    }
}

/// "First Last", else the email, else the company name.
pub fn lead_name(first: &str, last: &str, email: Option<&str>, company: Option<&str>) -> String {
    let name = format!("{} {}", first.trim(), last.trim());
    let name = name.trim();
    if !name.is_empty() {
        name.to_owned()
    } else {
        email.or(company).unwrap_or("(no name)").to_owned()
    }
}

impl ListRow for LeadRow {
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

pub static COLUMNS: &[ColumnDef<LeadRow>] = &[
    ColumnDef {
        key: "name",
        label: "Name",
        sort: key("l.name_key", ValueKind::Text, false),
        default: true,
        cell: |r, _| {
            Cell::plain(r.display_name())
                .kind(CellKind::Primary)
                .link(format!("/leads/{}", r.id))
        },
    },
    ColumnDef {
        key: "company",
        label: "Company",
        sort: key("l.company_name", ValueKind::Text, true),
        default: true,
        cell: |r, _| Cell::opt(r.company_name.as_deref()),
    },
    ColumnDef {
        key: "email",
        label: "Email",
        sort: key("l.email_key", ValueKind::Text, true),
        default: true,
        cell: |r, _| match &r.email {
            Some(email) => Cell::plain(email.clone()).kind(CellKind::Email),
            None => Cell::empty(),
        },
    },
    ColumnDef {
        key: "phone",
        label: "Phone",
        sort: None,
        default: false,
        cell: |r, _| match &r.phone {
            Some(phone) => Cell::plain(phone.clone()).kind(CellKind::Phone),
            None => Cell::empty(),
        },
    },
    ColumnDef {
        key: "title",
        label: "Title",
        sort: key("l.title", ValueKind::Text, true),
        default: false,
        cell: |r, _| Cell::opt(r.title.as_deref()),
    },
    ColumnDef {
        key: "status",
        label: "Status",
        sort: key("l.status", ValueKind::Text, false),
        default: true,
        cell: |r, _| {
            Cell::plain(label_of(STATUSES, &r.status))
                .kind(CellKind::Badge)
                .tone(status_tone(&r.status))
                .export(r.status.clone())
        },
    },
    ColumnDef {
        key: "rating",
        label: "Rating",
        sort: key("l.rating", ValueKind::Text, true),
        default: true,
        cell: |r, _| match &r.rating {
            Some(rating) => Cell::plain(label_of(RATINGS, rating))
                .kind(CellKind::Badge)
                .tone(rating_tone(rating))
                .export(rating.clone()),
            None => Cell::empty(),
        },
    },
    ColumnDef {
        key: "score",
        label: "Score",
        sort: key("l.score", ValueKind::Int, false),
        default: true,
        cell: |r, _| Cell::plain(r.score.to_string()).kind(CellKind::Number),
    },
    ColumnDef {
        key: "source",
        label: "Source",
        sort: key("l.source", ValueKind::Text, true),
        default: true,
        cell: |r, _| Cell::opt(r.source.as_deref()),
    },
    ColumnDef {
        key: "campaign",
        label: "Campaign",
        sort: key("l.campaign", ValueKind::Text, true),
        default: false,
        cell: |r, _| Cell::opt(r.campaign.as_deref()),
    },
    ColumnDef {
        key: "owner",
        label: "Owner",
        sort: key("o.name", ValueKind::Text, true),
        default: true,
        cell: |r, _| Cell::opt(r.owner_name.as_deref()),
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
        sort: key("l.last_activity_at", ValueKind::Timestamp, true),
        default: false,
        cell: |r, ctx| ctx.date(r.last_activity_at),
    },
    ColumnDef {
        key: "created",
        label: "Created",
        sort: key("l.created_at", ValueKind::Timestamp, false),
        default: true,
        cell: |r, ctx| ctx.date(Some(r.created_at)),
    },
    ColumnDef {
        key: "updated",
        label: "Updated",
        sort: key("l.updated_at", ValueKind::Timestamp, false),
        default: false,
        cell: |r, ctx| ctx.datetime(Some(r.updated_at)),
    },
];

pub static FILTERS: &[FilterDef] = &[
    FilterDef {
        key: "owner",
        label: "Owner",
        kind: FilterKind::Owner {
            column: "l.owner_id",
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
            column: "l.status",
            options: STATUSES,
        },
    },
    FilterDef {
        key: "rating",
        label: "Rating",
        kind: FilterKind::Choice {
            column: "l.rating",
            options: RATINGS,
        },
    },
    FilterDef {
        key: "source",
        label: "Source",
        kind: FilterKind::TextEquals { column: "l.source" },
    },
    FilterDef {
        key: "campaign",
        label: "Campaign",
        kind: FilterKind::TextEquals {
            column: "l.campaign",
        },
    },
    FilterDef {
        key: "created",
        label: "Created",
        kind: FilterKind::DateRange {
            column: "l.created_at",
        },
    },
    FilterDef {
        key: "updated",
        label: "Updated",
        kind: FilterKind::DateRange {
            column: "l.updated_at",
        },
    },
];

pub static SPEC: ListSpec<LeadRow> = ListSpec {
    entity: "lead",
    alias: "l",
    from: "leads l LEFT JOIN users o ON o.tenant_id = l.tenant_id AND o.id = l.owner_id",
    select: "l.id, l.first_name, l.last_name, l.company_name, l.email, l.phone, l.title, l.source, \
             l.campaign, l.status, l.rating, l.score, l.owner_id, l.custom_fields, l.last_activity_at, \
             l.created_at, l.updated_at, l.deleted_at, o.name AS owner_name",
    columns: COLUMNS,
    filters: FILTERS,
    default_sort: "-created",
    base_path: "/leads",
    plural: "leads",
};
