//! The companies list: its row, columns and filters (see [`crate::domain::listing`]).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use crate::db::schema::companies;
use crate::domain::listing::{
    Cell, CellContext, CellKind, ColumnDef, FilterDef, FilterKind, ListRow, ListSpec, SortKey,
    ValueKind,
};

pub const SIZE_BANDS: &[(&str, &str)] = &[
    ("1-10", "1–10"),
    ("11-50", "11–50"),
    ("51-200", "51–200"),
    ("201-500", "201–500"),
    ("501-1000", "501–1,000"),
    ("1001-5000", "1,001–5,000"),
    ("5000+", "5,000+"),
];

pub const ACCOUNT_TIERS: &[(&str, &str)] = &[
    ("strategic", "Strategic"),
    ("enterprise", "Enterprise"),
    ("mid_market", "Mid-market"),
    ("smb", "SMB"),
];

pub fn label_of(options: &[(&str, &'static str)], value: &str) -> String {
    options
        .iter()
        .find(|(key, _)| *key == value)
        .map_or_else(|| value.to_owned(), |(_, label)| (*label).to_owned())
}

#[derive(Debug, Clone, QueryableByName)]
#[diesel(table_name = companies)]
pub struct CompanyRow {
    pub id: i64,
    pub name: String,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub size_band: Option<String>,
    pub employee_count: Option<i32>,
    pub annual_revenue_minor: Option<i64>,
    pub currency: String,
    pub phone: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub owner_id: Option<i64>,
    pub account_tier: Option<String>,
    pub is_target_account: bool,
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

impl ListRow for CompanyRow {
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

fn name(row: &CompanyRow, _: &CellContext<'_>) -> Cell {
    Cell::plain(row.name.clone())
        .kind(CellKind::Primary)
        .link(format!("/companies/{}", row.id))
}

fn domain(row: &CompanyRow, _: &CellContext<'_>) -> Cell {
    match &row.domain {
        Some(domain) => Cell::plain(domain.clone())
            .kind(CellKind::Url)
            .link(format!("https://{domain}")),
        None => Cell::empty(),
    }
}

fn location(row: &CompanyRow) -> String {
    [row.city.as_deref(), row.region.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

pub static COLUMNS: &[ColumnDef<CompanyRow>] = &[
    ColumnDef {
        key: "name",
        label: "Name",
        sort: key("c.name_key", ValueKind::Text, false),
        default: true,
        cell: name,
    },
    ColumnDef {
        key: "domain",
        label: "Domain",
        sort: key("c.domain_key", ValueKind::Text, true),
        default: true,
        cell: domain,
    },
    ColumnDef {
        key: "industry",
        label: "Industry",
        sort: key("c.industry", ValueKind::Text, true),
        default: true,
        cell: |r, _| Cell::opt(r.industry.as_deref()),
    },
    ColumnDef {
        key: "city",
        label: "City",
        sort: key("c.city", ValueKind::Text, true),
        default: true,
        cell: |r, _| Cell::plain(location(r)),
    },
    ColumnDef {
        key: "country",
        label: "Country",
        sort: key("c.country", ValueKind::Text, true),
        default: false,
        cell: |r, _| Cell::opt(r.country.as_deref()),
    },
    ColumnDef {
        key: "owner",
        label: "Owner",
        sort: key("o.name", ValueKind::Text, true),
        default: true,
        cell: |r, _| Cell::opt(r.owner_name.as_deref()),
    },
    ColumnDef {
        key: "tier",
        label: "Tier",
        sort: key("c.account_tier", ValueKind::Text, true),
        default: false,
        cell: |r, _| match &r.account_tier {
            Some(tier) => Cell::plain(label_of(ACCOUNT_TIERS, tier))
                .kind(CellKind::Badge)
                .export(tier.clone()),
            None => Cell::empty(),
        },
    },
    ColumnDef {
        key: "size",
        label: "Size",
        sort: key("c.size_band", ValueKind::Text, true),
        default: false,
        cell: |r, _| Cell::opt(r.size_band.as_deref()),
    },
    ColumnDef {
        key: "employees",
        label: "Employees",
        sort: key("c.employee_count", ValueKind::Int, true),
        default: false,
        cell: |r, _| match r.employee_count {
            Some(n) => Cell::plain(crate::domain::counts::group_thousands(i64::from(n)))
                .kind(CellKind::Number)
                .export(n.to_string()),
            None => Cell::empty(),
        },
    },
    ColumnDef {
        key: "revenue",
        label: "Annual revenue",
        sort: key("c.annual_revenue_minor", ValueKind::BigInt, true),
        default: false,
        cell: |r, _| match r.annual_revenue_minor {
            Some(minor) => Cell::plain(crate::web::fmt::money(minor, &r.currency))
                .kind(CellKind::Number)
                .export(format!("{:.2}", minor as f64 / 100.0)),
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
        key: "target",
        label: "Target account",
        sort: key("c.is_target_account", ValueKind::Bool, false),
        default: false,
        cell: |r, _| {
            if r.is_target_account {
                Cell::plain("Target")
                    .kind(CellKind::Badge)
                    .tone("accent")
                    .export("yes")
            } else {
                Cell::empty().export("no")
            }
        },
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
        key: "industry",
        label: "Industry",
        kind: FilterKind::TextEquals {
            column: "c.industry",
        },
    },
    FilterDef {
        key: "city",
        label: "City",
        kind: FilterKind::TextEquals { column: "c.city" },
    },
    FilterDef {
        key: "tier",
        label: "Tier",
        kind: FilterKind::Choice {
            column: "c.account_tier",
            options: ACCOUNT_TIERS,
        },
    },
    FilterDef {
        key: "size",
        label: "Size",
        kind: FilterKind::Choice {
            column: "c.size_band",
            options: SIZE_BANDS,
        },
    },
    FilterDef {
        key: "target",
        label: "Target account",
        kind: FilterKind::Flag {
            column: "c.is_target_account",
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

pub static SPEC: ListSpec<CompanyRow> = ListSpec {
    entity: "company",
    alias: "c",
    from: "companies c LEFT JOIN users o ON o.tenant_id = c.tenant_id AND o.id = c.owner_id",
    select: "c.id, c.name, c.domain, c.industry, c.size_band, c.employee_count, \
             c.annual_revenue_minor, c.currency, c.phone, c.city, c.region, c.country, c.owner_id, \
             c.account_tier, c.is_target_account, c.custom_fields, c.last_activity_at, \
             c.created_at, c.updated_at, c.deleted_at, o.name AS owner_name",
    columns: COLUMNS,
    filters: FILTERS,
    default_sort: "name",
    base_path: "/companies",
    plural: "companies",
};
