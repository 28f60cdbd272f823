//! What the list templates show, built from a fetched page. Entity-agnostic: cells are
//! already strings with a kind, so one template renders every list.

use crate::domain::custom_fields::{FieldDefinition, FieldType};
use crate::domain::listing::filters::{ResolvedList, ResolvedSort};
use crate::domain::listing::{
    Cell, CellContext, Direction, FilterKind, ListPage, ListQuery, ListRow, ListSpec, ShownColumn,
};
use crate::domain::saved_views::SavedView;
use crate::domain::tags::TagChip;
use crate::domain::visibility::OwnerChoice;

/// Per-entity settings of a list page.
pub struct ListConfig {
    pub title: &'static str,
    pub singular: &'static str,
    pub new_label: &'static str,
    pub section: crate::web::nav::Section,
    /// A field bulk edit can set besides owner and tags (contact status, company tier).
    pub bulk_choice: Option<BulkChoice>,
}

pub struct BulkChoice {
    pub field: &'static str,
    pub label: &'static str,
    pub options: &'static [(&'static str, &'static str)],
}

pub struct HeaderCell {
    pub key: String,
    pub label: String,
    pub sort_url: Option<String>,
    /// "ascending" / "descending" when the list is sorted by this column.
    pub sorted: &'static str,
    pub numeric: bool,
}

pub struct RowView {
    pub id: i64,
    pub cells: Vec<Cell>,
}

pub struct Chip {
    pub label: String,
    pub value: String,
    pub remove_url: String,
}

pub enum FilterInput {
    Select {
        options: Vec<(String, String)>,
        selected: String,
    },
    Text {
        value: String,
    },
    Range {
        kind: &'static str,
        from_param: String,
        from: String,
        to_param: String,
        to: String,
    },
}

pub struct FilterField {
    pub param: String,
    pub label: String,
    pub input: FilterInput,
}

pub struct ColumnChoice {
    pub key: String,
    pub label: String,
    pub checked: bool,
}

pub struct ListView {
    pub title: &'static str,
    pub singular: &'static str,
    pub plural: &'static str,
    pub new_label: &'static str,
    pub base_path: &'static str,
    pub query: ListQuery,
    /// This exact page.
    pub canonical: String,
    pub clear_url: String,
    pub export_url: String,
    pub count_url: String,
    pub trash_url: String,
    pub live_url: String,
    pub headers: Vec<HeaderCell>,
    pub rows: Vec<RowView>,
    pub next_url: Option<String>,
    pub prev_url: Option<String>,
    pub count: String,
    pub count_exact: bool,
    pub chips: Vec<Chip>,
    pub problems: Vec<String>,
    pub filters: Vec<FilterField>,
    pub columns: Vec<ColumnChoice>,
    pub views: Vec<SavedView>,
    pub current_view: Option<SavedView>,
    /// The list differs from the saved view it came from.
    pub view_modified: bool,
    pub view_owned: bool,
    pub view_query: String,
    pub sort_param: String,
    /// The sort the URL chose ("" for the default), carried by the toolbar form.
    pub sort_explicit: String,
    pub per: u32,
    pub per_choices: [u32; 3],
    pub can_write: bool,
    pub can_delete: bool,
    pub trash: bool,
    pub owners: Vec<OwnerChoice>,
    pub tags: Vec<TagChip>,
    pub bulk_choice: Option<&'static BulkChoice>,
    pub active_filters: usize,
    /// Open stages a bulk "move to stage" may choose (deal lists only).
    pub bulk_stages: Vec<(String, String)>,
}

/// What the database gave for one list request.
pub struct ListData<R: 'static> {
    pub query: ListQuery,
    pub resolved: ResolvedList,
    pub page: ListPage<R>,
    pub columns: Vec<ShownColumn<R>>,
    pub fields: Vec<FieldDefinition>,
    pub tags_by_row: std::collections::HashMap<i64, Vec<TagChip>>,
    pub count: crate::domain::counts::CappedCount,
    pub owners: Vec<OwnerChoice>,
    pub tags: Vec<TagChip>,
    pub views: Vec<SavedView>,
    pub current_view: Option<SavedView>,
    pub view_problem: Option<String>,
    /// Names for record ids used as filters (`company=42` shows the company's name).
    pub reference_names: Vec<(String, String)>,
    /// Open stages for the bulk stage change (deal lists only).
    pub bulk_stages: Vec<(String, String)>,
    /// Dropdown choices for reference filters, by filter key (deal pipeline and stage).
    pub filter_choices: Vec<(&'static str, Vec<(String, String)>)>,
}

pub struct Permissions {
    pub can_write: bool,
    pub can_delete: bool,
}

pub fn build<R: ListRow>(
    spec: &ListSpec<R>,
    config: &'static ListConfig,
    data: ListData<R>,
    tz: chrono_tz::Tz,
    permissions: Permissions,
) -> ListView {
    let base = spec.base_path;
    // A "previous" that reached the start is the first page, with the first page's URL.
    let query = &if data.page.first {
        data.query.first_page()
    } else {
        data.query.clone()
    };
    let sort = &data.resolved.sort;
    let ctx = CellContext {
        tags: &data.tags_by_row,
        tz,
    };
    let headers = data
        .columns
        .iter()
        .map(|column| header(column, query, sort, base))
        .collect();
    let rows = data
        .page
        .rows
        .iter()
        .map(|row| RowView {
            id: row.id(),
            cells: data
                .columns
                .iter()
                .map(|column| column.cell(row, &ctx))
                .collect(),
        })
        .collect();
    let chips = data
        .resolved
        .active
        .iter()
        .map(|active| {
            let mut without = query.first_page();
            for param in &active.params {
                without = without.without(param);
            }
            Chip {
                label: active.label.clone(),
                value: chip_value(
                    &active.params,
                    &active.values,
                    &data.owners,
                    &data.tags,
                    &data.reference_names,
                ),
                remove_url: without.url(base, false),
            }
        })
        .collect();
    let mut problems = data.resolved.problems.clone();
    problems.extend(data.view_problem.clone());
    let view_query = query.view_definition();
    let view_modified = data
        .current_view
        .as_ref()
        .is_some_and(|view| ListQuery::parse(&view.query).view_definition() != view_query);
    let mut trash_query = query.first_page();
    trash_query.trash = true;
    let mut live_query = query.first_page();
    live_query.trash = false;
    let export_query = ListQuery {
        view: None,
        ..query.first_page()
    };
    ListView {
        title: config.title,
        singular: config.singular,
        plural: spec.plural,
        new_label: config.new_label,
        base_path: base,
        canonical: query.url(base, true),
        clear_url: ListQuery {
            cols: query.cols.clone(),
            sort: query.sort.clone(),
            per: query.per,
            trash: query.trash,
            ..ListQuery::default()
        }
        .url(base, false),
        export_url: export_query.url(&format!("{base}/export.csv"), false),
        count_url: query.first_page().url(&format!("{base}/count"), false),
        trash_url: trash_query.url(base, false),
        live_url: live_query.url(base, false),
        headers,
        rows,
        next_url: data
            .page
            .next
            .as_ref()
            .map(|key| query.after(key).url(base, true)),
        prev_url: data
            .page
            .prev
            .as_ref()
            .map(|key| query.before(key).url(base, true)),
        count: data.count.display(),
        count_exact: matches!(data.count, crate::domain::counts::CappedCount::Exact(_)),
        chips,
        problems,
        filters: filter_fields(
            spec,
            query,
            &data.fields,
            &data.owners,
            &data.tags,
            &data.filter_choices,
        ),
        columns: column_choices(spec, &data.columns, &data.fields),
        views: data.views,
        view_owned: false,
        current_view: data.current_view,
        view_modified,
        view_query,
        sort_param: sort.param(),
        sort_explicit: query.sort.clone().unwrap_or_default(),
        per: query.per_page(),
        per_choices: crate::domain::listing::query::PER_PAGE_CHOICES,
        can_write: permissions.can_write,
        can_delete: permissions.can_delete,
        trash: query.trash,
        owners: data.owners,
        tags: data.tags,
        bulk_choice: config.bulk_choice.as_ref(),
        bulk_stages: data.bulk_stages,
        active_filters: data
            .resolved
            .active
            .iter()
            .filter(|a| a.params != ["q"])
            .count(),
        query: query.clone(),
    }
}

fn header<R>(
    column: &ShownColumn<R>,
    query: &ListQuery,
    sort: &ResolvedSort,
    base: &str,
) -> HeaderCell {
    let key = column.key();
    let sorted = if sort.key == key {
        match sort.dir {
            Direction::Asc => "ascending",
            Direction::Desc => "descending",
        }
    } else {
        ""
    };
    let sort_url = column.sortable().then(|| {
        let next = if sorted == "ascending" {
            format!("-{key}")
        } else {
            key.clone()
        };
        query.with_sort(&next).url(base, false)
    });
    let numeric = match column {
        ShownColumn::Builtin(def) => matches!(def.key, "employees" | "revenue" | "score"),
        ShownColumn::Custom(field) => field.field_type == FieldType::Number,
    };
    HeaderCell {
        label: column.label(),
        key,
        sort_url,
        sorted,
        numeric,
    }
}

/// Names instead of ids on owner and tag chips.
fn chip_value(
    params: &[String],
    values: &[String],
    owners: &[OwnerChoice],
    tags: &[TagChip],
    references: &[(String, String)],
) -> String {
    let param = params.first().map(String::as_str).unwrap_or_default();
    values
        .iter()
        .map(|value| match (param, value.as_str()) {
            ("owner", "me") => "Me".to_owned(),
            ("owner", "none") => "No owner".to_owned(),
            ("owner", id) => owners
                .iter()
                .find(|o| o.id.to_string() == id)
                .map_or_else(|| id.to_owned(), |o| o.name.clone()),
            ("tag", id) => tags
                .iter()
                .find(|t| t.id.to_string() == id)
                .map_or_else(|| id.to_owned(), |t| t.name.clone()),
            (_, id) => references
                .iter()
                .find(|(key, _)| key == id)
                .map_or_else(|| id.to_owned(), |(_, name)| name.clone()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn select(
    param: &str,
    label: &str,
    options: Vec<(String, String)>,
    query: &ListQuery,
) -> FilterField {
    let mut all = vec![(String::new(), "Any".to_owned())];
    all.extend(options);
    FilterField {
        param: param.to_owned(),
        label: label.to_owned(),
        input: FilterInput::Select {
            options: all,
            selected: query.value(param).unwrap_or_default().to_owned(),
        },
    }
}

fn range(
    kind: &'static str,
    param: &str,
    label: &str,
    suffixes: (&str, &str),
    query: &ListQuery,
) -> FilterField {
    let from_param = format!("{param}{}", suffixes.0);
    let to_param = format!("{param}{}", suffixes.1);
    FilterField {
        param: param.to_owned(),
        label: label.to_owned(),
        input: FilterInput::Range {
            kind,
            from: query.value(&from_param).unwrap_or_default().to_owned(),
            to: query.value(&to_param).unwrap_or_default().to_owned(),
            from_param,
            to_param,
        },
    }
}

fn text(param: &str, label: &str, query: &ListQuery) -> FilterField {
    FilterField {
        param: param.to_owned(),
        label: label.to_owned(),
        input: FilterInput::Text {
            value: query.value(param).unwrap_or_default().to_owned(),
        },
    }
}

fn yes_no() -> Vec<(String, String)> {
    vec![("yes".into(), "Yes".into()), ("no".into(), "No".into())]
}

fn filter_fields<R>(
    spec: &ListSpec<R>,
    query: &ListQuery,
    fields: &[FieldDefinition],
    owners: &[OwnerChoice],
    tags: &[TagChip],
    choices: &[(&'static str, Vec<(String, String)>)],
) -> Vec<FilterField> {
    let mut out = Vec::new();
    for def in spec.filters {
        let field = match def.kind {
            FilterKind::Owner { .. } => {
                let mut options = vec![
                    ("me".to_owned(), "Me".to_owned()),
                    ("none".to_owned(), "No owner".to_owned()),
                ];
                options.extend(owners.iter().map(|o| (o.id.to_string(), o.name.clone())));
                select(def.key, def.label, options, query)
            }
            FilterKind::Tag => select(
                def.key,
                def.label,
                tags.iter()
                    .map(|t| (t.id.to_string(), t.name.clone()))
                    .collect(),
                query,
            ),
            FilterKind::Choice { options, .. } => select(
                def.key,
                def.label,
                options
                    .iter()
                    .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
                    .collect(),
                query,
            ),
            FilterKind::TextEquals { .. } => text(def.key, def.label, query),
            FilterKind::Flag { .. } => select(def.key, def.label, yes_no(), query),
            FilterKind::DateRange { .. } | FilterKind::DayRange { .. } => {
                range("date", def.key, def.label, ("_from", "_to"), query)
            }
            FilterKind::MoneyRange { .. } => {
                range("number", def.key, def.label, ("_min", "_max"), query)
            }
            // Offered as a dropdown when the entity lists its choices (deal pipelines and
            // stages); else set by links (a company's "all contacts") and shown as a chip.
            FilterKind::Reference { .. } => match choices.iter().find(|(key, _)| *key == def.key) {
                Some((_, options)) => select(def.key, def.label, options.clone(), query),
                None => continue,
            },
        };
        out.push(field);
    }
    for field in fields {
        let param = format!("cf.{}", field.key);
        out.push(match field.field_type {
            FieldType::Text | FieldType::Url => text(&param, &field.label, query),
            FieldType::Select | FieldType::MultiSelect => select(
                &param,
                &field.label,
                field
                    .options
                    .iter()
                    .map(|o| (o.clone(), o.clone()))
                    .collect(),
                query,
            ),
            FieldType::Checkbox => select(&param, &field.label, yes_no(), query),
            FieldType::Number => range("number", &param, &field.label, (".min", ".max"), query),
            FieldType::Date => range("date", &param, &field.label, (".from", ".to"), query),
        });
    }
    out
}

fn column_choices<R>(
    spec: &ListSpec<R>,
    shown: &[ShownColumn<R>],
    fields: &[FieldDefinition],
) -> Vec<ColumnChoice> {
    let shown_keys: Vec<String> = shown.iter().map(ShownColumn::key).collect();
    spec.columns
        .iter()
        .map(|c| (c.key.to_owned(), c.label.to_owned()))
        .chain(
            fields
                .iter()
                .map(|f| (format!("cf.{}", f.key), f.label.clone())),
        )
        .map(|(key, label)| ColumnChoice {
            checked: shown_keys.contains(&key),
            key,
            label,
        })
        .collect()
}
