//! The contacts list: its row, columns and filters (see [`crate::domain::listing`]).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use crate::db::schema::contacts;
use crate::domain::company_list::label_of;
use crate::domain::listing::{
    Cell, CellContext, CellKind, ColumnDef, FilterDef, FilterKind, ListRow, ListSpec, SortKey,
    ValueKind,
};

pub const STATUSES: &[(&str, &str)] = &[
    ("new", "New"),
    ("contacted", "Contacted"),
    ("qualified", "Qualified"),
    ("unqualified", "Unqualified"),
    ("customer", "Customer"),
    ("inactive", "Inactive"),
];

pub const SOURCES: &[(&str, &str)] = &[
    ("website", "Website"),
    ("referral", "Referral"),
    ("linkedin", "LinkedIn"),
    ("cold_email", "Cold email"),
    ("trade_show", "Trade show"),
    ("social_media", "Social media"),
    ("other", "Other"),
];

/// The badge tone of a contact status.
pub fn status_tone(status: &str) -> &'static str {
    match status {
        "customer" => "success",
        "qualified" => "accent",
        "contacted" => "info",
        "unqualified" | "inactive" => "muted",
        _ => "",
    }
}

#[derive(Debug, Clone, QueryableByName)]
#[diesel(table_name = contacts)]
pub struct ContactRow {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub company_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub status: String,
    pub source: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub do_not_call: bool,
    pub email_opt_in: bool,
    pub custom_fields: serde_json::Value,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub company_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub owner_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub sort_value: Option<String>,
}

impl ContactRow {
    pub fn full_name(&self) -> String {
        crate::domain::contacts::display_name(
            &self.first_name,
            &self.last_name,
            self.email.as_deref(),
        )
    }
}

impl ListRow for ContactRow {
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

fn name(row: &ContactRow, _: &CellContext<'_>) -> Cell {
    Cell::plain(row.full_name())
        .kind(CellKind::Primary)
        .link(format!("/contacts/{}", row.id))
}

fn company(row: &ContactRow, _: &CellContext<'_>) -> Cell {
    match (&row.company_name, row.company_id) {
        (Some(name), Some(id)) => Cell::plain(name.clone())
            .kind(CellKind::Link)
            .link(format!("/companies/{id}")),
        _ => Cell::empty(),
    }
}

fn phone(value: &Option<String>) -> Cell {
    match value {
        Some(phone) => Cell::plain(phone.clone()).kind(CellKind::Phone),
        None => Cell::empty(),
    }
}

pub static COLUMNS: &[ColumnDef<ContactRow>] = &[
    ColumnDef {
        key: "name",
        label: "Name",
        sort: key("c.name_key", ValueKind::Text, false),
        default: true,
        cell: name,
    },
    ColumnDef {
        key: "email",
        label: "Email",
        sort: key("c.email_key", ValueKind::Text, true),
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
        default: true,
        cell: |r, _| phone(&r.phone),
    },
    ColumnDef {
        key: "mobile",
        label: "Mobile",
        sort: None,
        default: false,
        cell: |r, _| phone(&r.mobile),
    },
    ColumnDef {
        key: "company",
        label: "Company",
        sort: key("co.name_key", ValueKind::Text, true),
        default: true,
        cell: company,
    },
    ColumnDef {
        key: "title",
        label: "Title",
        sort: key("c.title", ValueKind::Text, true),
        default: true,
        cell: |r, _| Cell::opt(r.title.as_deref()),
    },
    ColumnDef {
        key: "department",
        label: "Department",
        sort: key("c.department", ValueKind::Text, true),
        default: false,
        cell: |r, _| Cell::opt(r.department.as_deref()),
    },
    ColumnDef {
        key: "status",
        label: "Status",
        sort: key("c.status", ValueKind::Text, false),
        default: true,
        cell: |r, _| {
            Cell::plain(label_of(STATUSES, &r.status))
                .kind(CellKind::Badge)
                .tone(status_tone(&r.status))
                .export(r.status.clone())
        },
    },
    ColumnDef {
        key: "source",
        label: "Source",
        sort: key("c.source", ValueKind::Text, true),
        default: false,
        cell: |r, _| match &r.source {
            Some(source) => Cell::plain(label_of(SOURCES, source)).export(source.clone()),
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
        key: "city",
        label: "City",
        sort: key("c.city", ValueKind::Text, true),
        default: false,
        cell: |r, _| Cell::opt(r.city.as_deref()),
    },
    ColumnDef {
        key: "country",
        label: "Country",
        sort: key("c.country", ValueKind::Text, true),
        default: false,
        cell: |r, _| Cell::opt(r.country.as_deref()),
    },
    ColumnDef {
        key: "do_not_call",
        label: "Do not call",
        sort: key("c.do_not_call", ValueKind::Bool, false),
        default: false,
        cell: |r, _| {
            if r.do_not_call {
                Cell::plain("Do not call")
                    .kind(CellKind::Badge)
                    .tone("danger")
                    .export("yes")
            } else {
                Cell::empty().export("no")
            }
        },
    },
    ColumnDef {
        key: "email_opt_in",
        label: "Email opt-in",
        sort: key("c.email_opt_in", ValueKind::Bool, false),
        default: false,
        cell: |r, _| Cell::plain(if r.email_opt_in { "Yes" } else { "No" }),
    },
    ColumnDef {
        key: "tags",
        label: "Tags",
        sort: None,
        default: true,
        cell: |r, ctx| ctx.tags(r.id),
    },
    ColumnDef {
        key: "last_activity",
        label: "Last activity",
        sort: key("c.last_activity_at", ValueKind::Timestamp, true),
        default: true,
        cell: |r, ctx| ctx.date(r.last_activity_at),
    },
    ColumnDef {
        key: "created",
        label: "Created",
        sort: key("c.created_at", ValueKind::Timestamp, false),
        default: false,
        cell: |r, ctx| ctx.date(Some(r.created_at)),
    },
    ColumnDef {
        key: "updated",
        label: "Updated",
        sort: key("c.updated_at", ValueKind::Timestamp, false),
        default: false,
        cell: |r, ctx| ctx.datetime(Some(r.updated_at)),
    },
];

pub static FILTERS: &[FilterDef] = &[
    FilterDef {
        key: "owner",
        label: "Owner",
        kind: FilterKind::Owner {
            column: "c.owner_id",
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
            column: "c.status",
            options: STATUSES,
        },
    },
    FilterDef {
        key: "source",
        label: "Source",
        kind: FilterKind::Choice {
            column: "c.source",
            options: SOURCES,
        },
    },
    FilterDef {
        key: "company",
        label: "Company",
        kind: FilterKind::Reference {
            column: "c.company_id",
        },
    },
    FilterDef {
        key: "city",
        label: "City",
        kind: FilterKind::TextEquals { column: "c.city" },
    },
    FilterDef {
        key: "do_not_call",
        label: "Do not call",
        kind: FilterKind::Flag {
            column: "c.do_not_call",
        },
    },
    FilterDef {
        key: "created",
        label: "Created",
        kind: FilterKind::DateRange {
            column: "c.created_at",
        },
    },
    FilterDef {
        key: "updated",
        label: "Updated",
        kind: FilterKind::DateRange {
            column: "c.updated_at",
        },
    },
];

pub static SPEC: ListSpec<ContactRow> = ListSpec {
    entity: "contact",
    alias: "c",
    from: "contacts c \
           LEFT JOIN companies co ON co.tenant_id = c.tenant_id AND co.id = c.company_id \
           LEFT JOIN users o ON o.tenant_id = c.tenant_id AND o.id = c.owner_id",
    select: "c.id, c.first_name, c.last_name, c.email, c.phone, c.mobile, c.title, c.department, \
             c.company_id, c.owner_id, c.status, c.source, c.city, c.country, c.do_not_call, \
             c.email_opt_in, c.custom_fields, c.last_activity_at, c.created_at, c.updated_at, \
             c.deleted_at, co.name AS company_name, o.name AS owner_name",
    columns: COLUMNS,
    filters: FILTERS,
    default_sort: "name",
    base_path: "/contacts",
    plural: "contacts",
};
