//! Turns a [`ListQuery`] into SQL for one entity: the FROM (with the search join), the
//! WHERE conditions of every recognised filter, and the sort. Values that cannot be read
//! (a bad date, an unknown choice) are skipped and reported, never passed to SQL.

use chrono::{NaiveDate, TimeZone};

use super::cursor::Cursor;
use super::query::ListQuery;
use super::sql::{Bind, Sql};
use super::{Direction, FilterKind, ListSpec, ShownColumn, ValueKind};
use crate::domain::custom_fields::{FieldDefinition, FieldType};

/// How many search matches a list considers (best first).
pub const SEARCH_LIMIT: i32 = 2000;

#[derive(Debug, Clone)]
pub struct ResolvedSort {
    /// `name`, `cf.region`, `relevance`.
    pub key: String,
    pub sql: String,
    pub kind: ValueKind,
    pub nullable: bool,
    pub dir: Direction,
}

impl ResolvedSort {
    /// The URL form (`-name` for descending).
    pub fn param(&self) -> String {
        match self.dir {
            Direction::Asc => self.key.clone(),
            Direction::Desc => format!("-{}", self.key),
        }
    }
}

/// A filter in use, for the chips above the table.
#[derive(Debug, Clone)]
pub struct ActiveFilter {
    /// The URL parameter(s) to drop to remove it.
    pub params: Vec<String>,
    pub label: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ResolvedList {
    pub entity: &'static str,
    pub alias: &'static str,
    pub from: Sql,
    /// Conditions, starting with the deleted/live condition.
    pub conditions: Sql,
    pub sort: ResolvedSort,
    pub per: u32,
    pub cursor: Option<Cursor>,
    pub active: Vec<ActiveFilter>,
    pub problems: Vec<String>,
    pub searching: bool,
}

/// What resolving needs besides the URL.
pub struct ResolveContext<'a> {
    pub me: i64,
    pub tz: chrono_tz::Tz,
    pub fields: &'a [FieldDefinition],
}

pub fn resolve<R>(spec: &ListSpec<R>, query: &ListQuery, ctx: &ResolveContext<'_>) -> ResolvedList {
    let alias = spec.alias;
    let mut problems = Vec::new();
    let mut active = Vec::new();

    let mut from = Sql::new(spec.from);
    let searching = !query.q.is_empty();
    if searching {
        from.push(&format!(" JOIN rapport_search_records('{}', ", spec.entity))
            .bind(Bind::Text(query.q.clone()))
            .push(&format!(", {SEARCH_LIMIT}) AS s ON s.id = {alias}.id"));
        active.push(ActiveFilter {
            params: vec!["q".to_owned()],
            label: "Search".to_owned(),
            values: vec![query.q.clone()],
        });
    }

    let mut conditions = Sql::new(&format!(
        "{alias}.deleted_at IS {}NULL",
        if query.trash { "NOT " } else { "" }
    ));
    for def in spec.filters {
        filter_condition(
            def.key,
            def.label,
            def.kind,
            spec,
            query,
            ctx,
            &mut conditions,
            &mut active,
            &mut problems,
        );
    }
    for field in ctx.fields {
        custom_condition(
            field,
            alias,
            query,
            &mut conditions,
            &mut active,
            &mut problems,
        );
    }

    let sort = resolve_sort(spec, query, ctx.fields, searching, &mut problems);
    ResolvedList {
        entity: spec.entity,
        alias,
        from,
        conditions,
        sort,
        per: query.per_page(),
        cursor: query.cursor(),
        active,
        problems,
        searching,
    }
}

fn resolve_sort<R>(
    spec: &ListSpec<R>,
    query: &ListQuery,
    fields: &[FieldDefinition],
    searching: bool,
    problems: &mut Vec<String>,
) -> ResolvedSort {
    let requested = query
        .sort
        .clone()
        .or_else(|| searching.then(|| "relevance".to_owned()));
    if let Some(requested) = requested {
        match sort_for(spec, &requested, fields, searching) {
            Some(sort) => return sort,
            None => problems.push(format!(
                "Cannot sort by \"{requested}\"; using the default order."
            )),
        }
    }
    sort_for(spec, spec.default_sort, fields, false).unwrap_or_else(|| ResolvedSort {
        key: "id".to_owned(),
        sql: format!("{}.id", spec.alias),
        kind: ValueKind::BigInt,
        nullable: false,
        dir: Direction::Asc,
    })
}

/// The sort named by a URL value, if this list can sort that way.
pub fn sort_for<R>(
    spec: &ListSpec<R>,
    param: &str,
    fields: &[FieldDefinition],
    searching: bool,
) -> Option<ResolvedSort> {
    let (key, dir) = match param.strip_prefix('-') {
        Some(key) => (key, Direction::Desc),
        None => (param, Direction::Asc),
    };
    if key == "relevance" {
        return searching.then(|| ResolvedSort {
            key: "relevance".to_owned(),
            sql: "s.rank".to_owned(),
            kind: ValueKind::Real,
            nullable: false,
            // Best match first whatever the URL says.
            dir: Direction::Desc,
        });
    }
    if let Some(column) = spec.column(key) {
        let sort = column.sort?;
        return Some(ResolvedSort {
            key: key.to_owned(),
            sql: sort.sql.to_owned(),
            kind: sort.kind,
            nullable: sort.nullable,
            dir,
        });
    }
    let field_key = key.strip_prefix("cf.")?;
    let field = fields
        .iter()
        .find(|f| f.key == field_key && is_safe_key(&f.key))?;
    let value = format!("({}.custom_fields->>'{}')", spec.alias, field.key);
    let (sql, kind, nullable) = match field.field_type {
        FieldType::Number => (
            format!(
                "(CASE WHEN {value} ~ '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$' THEN {value}::double precision END)"
            ),
            ValueKind::Float,
            true,
        ),
        FieldType::Date => (
            format!(
                "(CASE WHEN {value} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$' THEN {value}::date END)"
            ),
            ValueKind::Date,
            true,
        ),
        FieldType::Checkbox => (
            format!("coalesce({value} = 'true', false)"),
            ValueKind::Bool,
            false,
        ),
        _ => (value, ValueKind::Text, true),
    };
    Some(ResolvedSort {
        key: key.to_owned(),
        sql,
        kind,
        nullable,
        dir,
    })
}

/// Field keys are checked by the database (`^[a-z][a-z0-9_]{0,62}$`); checked again here
/// because they are written into SQL text.
fn is_safe_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && key.len() <= 63
}

#[allow(clippy::too_many_arguments)]
fn filter_condition<R>(
    key: &'static str,
    label: &'static str,
    kind: FilterKind,
    spec: &ListSpec<R>,
    query: &ListQuery,
    ctx: &ResolveContext<'_>,
    sql: &mut Sql,
    active: &mut Vec<ActiveFilter>,
    problems: &mut Vec<String>,
) {
    let values = query.values(key);
    let chip = |values: Vec<String>| ActiveFilter {
        params: vec![key.to_owned()],
        label: label.to_owned(),
        values,
    };
    match kind {
        FilterKind::Owner { column } => {
            if values.is_empty() {
                return;
            }
            let mut ids = Vec::new();
            let mut none = false;
            for value in values {
                match value.as_str() {
                    "me" => ids.push(ctx.me),
                    "none" => none = true,
                    other => match other.parse::<i64>() {
                        Ok(id) => ids.push(id),
                        Err(_) => problems.push(format!("Ignored owner \"{other}\".")),
                    },
                }
            }
            if ids.is_empty() && !none {
                return;
            }
            sql.push(&format!(" AND ({column} = ANY("))
                .bind(Bind::BigInts(ids));
            let close = if none {
                format!(") OR {column} IS NULL)")
            } else {
                "))".to_owned()
            };
            sql.push(&close);
            active.push(chip(values.to_vec()));
        }
        FilterKind::Tag => {
            let ids: Vec<i64> = values.iter().filter_map(|v| v.parse().ok()).collect();
            if ids.is_empty() {
                return;
            }
            let alias = spec.alias;
            sql.push(&format!(
                " AND EXISTS (SELECT 1 FROM taggings tg WHERE tg.tenant_id = {alias}.tenant_id \
                 AND tg.entity_type = '{}' AND tg.entity_id = {alias}.id AND tg.tag_id = ANY(",
                spec.entity
            ))
            .bind(Bind::BigInts(ids))
            .push("))");
            active.push(chip(values.to_vec()));
        }
        FilterKind::Choice { column, options } => {
            let chosen: Vec<String> = values
                .iter()
                .filter(|v| options.iter().any(|(value, _)| value == v))
                .cloned()
                .collect();
            if chosen.len() < values.len() {
                problems.push(format!("Ignored an unknown {}.", label.to_lowercase()));
            }
            if chosen.is_empty() {
                return;
            }
            sql.push(&format!(" AND {column} = ANY("))
                .bind(Bind::Texts(chosen.clone()))
                .push(")");
            let labels = chosen
                .iter()
                .map(|v| {
                    options
                        .iter()
                        .find(|(value, _)| value == v)
                        .map_or(v.clone(), |(_, label)| (*label).to_owned())
                })
                .collect();
            active.push(chip(labels));
        }
        FilterKind::TextEquals { column } => {
            if values.is_empty() {
                return;
            }
            let lowered: Vec<String> = values.iter().map(|v| v.to_lowercase()).collect();
            sql.push(&format!(" AND lower({column}) = ANY("))
                .bind(Bind::Texts(lowered))
                .push(")");
            active.push(chip(values.to_vec()));
        }
        FilterKind::Flag { column } => match query.value(key) {
            Some("yes") => {
                sql.push(&format!(" AND {column}"));
                active.push(chip(vec!["Yes".to_owned()]));
            }
            Some("no") => {
                sql.push(&format!(" AND NOT {column}"));
                active.push(chip(vec!["No".to_owned()]));
            }
            Some(other) => problems.push(format!("Ignored {} \"{other}\".", label.to_lowercase())),
            None => {}
        },
        FilterKind::Reference { column } => {
            let Some(value) = query.value(key) else {
                return;
            };
            match value.parse::<i64>() {
                Ok(id) => {
                    sql.push(&format!(" AND {column} = "))
                        .bind(Bind::BigInt(id));
                    active.push(chip(vec![value.to_owned()]));
                }
                Err(_) => problems.push(format!("Ignored {} \"{value}\".", label.to_lowercase())),
            }
        }
        FilterKind::MoneyRange { column } => {
            let mut shown = Vec::new();
            let mut params = Vec::new();
            for (suffix, op, word) in [("_min", ">=", "at least"), ("_max", "<=", "at most")] {
                let param = format!("{key}{suffix}");
                let Some(text) = query.value(&param) else {
                    continue;
                };
                match major_to_minor(text) {
                    Some(minor) => {
                        sql.push(&format!(" AND {column} {op} "))
                            .bind(Bind::BigInt(minor));
                        shown.push(format!("{word} {text}"));
                        params.push(param);
                    }
                    None => problems.push(format!(
                        "Ignored {} \"{text}\" (use an amount such as 1,500 or 1500.50).",
                        label.to_lowercase()
                    )),
                }
            }
            if !shown.is_empty() {
                active.push(ActiveFilter {
                    params,
                    label: label.to_owned(),
                    values: vec![shown.join(", ")],
                });
            }
        }
        FilterKind::DateRange { column } | FilterKind::DayRange { column } => {
            let days = matches!(kind, FilterKind::DayRange { .. });
            let from_key = format!("{key}_from");
            let to_key = format!("{key}_to");
            let mut shown = Vec::new();
            let mut params = Vec::new();
            for (param, is_end) in [(&from_key, false), (&to_key, true)] {
                let Some(text) = query.value(param) else {
                    continue;
                };
                match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                    Ok(date) => {
                        let day = if is_end {
                            date.succ_opt().unwrap_or(date)
                        } else {
                            date
                        };
                        let op = if is_end { "<" } else { ">=" };
                        if days {
                            sql.push(&format!(" AND {column} {op} "))
                                .bind(Bind::Date(day));
                        } else {
                            let Some(start) = day
                                .and_hms_opt(0, 0, 0)
                                .and_then(|at| ctx.tz.from_local_datetime(&at).earliest())
                            else {
                                continue;
                            };
                            sql.push(&format!(" AND {column} {op} "))
                                .bind(Bind::Timestamp(start.with_timezone(&chrono::Utc)));
                        }
                        shown.push(format!("{} {}", if is_end { "to" } else { "from" }, text));
                        params.push(param.clone());
                    }
                    Err(_) => problems.push(format!(
                        "Ignored {} date \"{text}\" (use YYYY-MM-DD).",
                        label.to_lowercase()
                    )),
                }
            }
            if !shown.is_empty() {
                active.push(ActiveFilter {
                    params,
                    label: label.to_owned(),
                    values: vec![shown.join(" ")],
                });
            }
        }
    }
}

/// Custom field filters: `cf.<key>` (text contains, choice equals, checkbox yes/no),
/// `cf.<key>.min`/`.max` for numbers and `cf.<key>.from`/`.to` for dates.
fn custom_condition(
    field: &FieldDefinition,
    alias: &str,
    query: &ListQuery,
    sql: &mut Sql,
    active: &mut Vec<ActiveFilter>,
    problems: &mut Vec<String>,
) {
    if !is_safe_key(&field.key) {
        return;
    }
    let param = format!("cf.{}", field.key);
    let value = format!("({alias}.custom_fields->>'{}')", field.key);
    let chip = |params: Vec<String>, values: Vec<String>| ActiveFilter {
        params,
        label: field.label.clone(),
        values,
    };
    match field.field_type {
        FieldType::Text | FieldType::Url => {
            let Some(text) = query.value(&param) else {
                return;
            };
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            sql.push(&format!(" AND lower({value}) LIKE "))
                .bind(Bind::Text(pattern));
            active.push(chip(vec![param], vec![format!("contains \"{text}\"")]));
        }
        FieldType::Select => {
            let values: Vec<String> = query.values(&param).to_vec();
            if values.is_empty() {
                return;
            }
            sql.push(&format!(" AND {value} = ANY("))
                .bind(Bind::Texts(values.clone()))
                .push(")");
            active.push(chip(vec![param], values));
        }
        FieldType::MultiSelect => {
            let values: Vec<String> = query.values(&param).to_vec();
            if values.is_empty() {
                return;
            }
            // Any of the chosen options.
            sql.push(&format!(
                " AND ({alias}.custom_fields->'{}') ?| ",
                field.key
            ))
            .bind(Bind::Texts(values.clone()));
            active.push(chip(vec![param], values));
        }
        FieldType::Checkbox => match query.value(&param) {
            Some("yes") => {
                sql.push(&format!(" AND {value} = 'true'"));
                active.push(chip(vec![param], vec!["Yes".to_owned()]));
            }
            Some("no") => {
                sql.push(&format!(" AND coalesce({value}, 'false') <> 'true'"));
                active.push(chip(vec![param], vec!["No".to_owned()]));
            }
            _ => {}
        },
        FieldType::Number => {
            let number = format!(
                "(CASE WHEN {value} ~ '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$' THEN {value}::double precision END)"
            );
            let mut shown = Vec::new();
            let mut params = Vec::new();
            for (suffix, op, word) in [("min", ">=", "at least"), ("max", "<=", "at most")] {
                let key = format!("{param}.{suffix}");
                let Some(text) = query.value(&key) else {
                    continue;
                };
                match text.replace(',', "").parse::<f64>() {
                    Ok(n) if n.is_finite() => {
                        sql.push(&format!(" AND {number} {op} "))
                            .bind(Bind::Float(n));
                        shown.push(format!("{word} {text}"));
                        params.push(key);
                    }
                    _ => problems.push(format!(
                        "Ignored {} \"{text}\" (not a number).",
                        field.label
                    )),
                }
            }
            if !shown.is_empty() {
                active.push(chip(params, vec![shown.join(", ")]));
            }
        }
        FieldType::Date => {
            let date = format!(
                "(CASE WHEN {value} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$' THEN {value}::date END)"
            );
            let mut shown = Vec::new();
            let mut params = Vec::new();
            for (suffix, op, word) in [("from", ">=", "from"), ("to", "<=", "to")] {
                let key = format!("{param}.{suffix}");
                let Some(text) = query.value(&key) else {
                    continue;
                };
                match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                    Ok(day) => {
                        sql.push(&format!(" AND {date} {op} "))
                            .bind(Bind::Date(day));
                        shown.push(format!("{word} {text}"));
                        params.push(key);
                    }
                    Err(_) => problems.push(format!(
                        "Ignored {} \"{text}\" (use YYYY-MM-DD).",
                        field.label
                    )),
                }
            }
            if !shown.is_empty() {
                active.push(chip(params, vec![shown.join(" ")]));
            }
        }
    }
}

/// "1,500.25" → 150025 minor units; None for anything that is not a plain non-negative
/// amount with at most two decimals.
pub fn major_to_minor(text: &str) -> Option<i64> {
    let cleaned: String = text.trim().chars().filter(|c| *c != ',').collect();
    let (units, cents) = match cleaned.split_once('.') {
        Some((units, cents)) => (units, cents),
        None => (cleaned.as_str(), ""),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if units.is_empty() && cents.is_empty() || !digits(units) || !digits(cents) || cents.len() > 2 {
        return None;
    }
    let units: i64 = if units.is_empty() {
        0
    } else {
        units.parse().ok()?
    };
    let cents: i64 = format!("{cents:0<2}").parse().ok()?;
    units.checked_mul(100)?.checked_add(cents)
}

pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The columns to show: the URL's choice (unknown keys dropped), else the defaults.
pub fn shown_columns<R>(
    spec: &ListSpec<R>,
    query: &ListQuery,
    fields: &[FieldDefinition],
) -> Vec<ShownColumn<R>> {
    let chosen: Vec<ShownColumn<R>> = query
        .cols
        .iter()
        .flatten()
        .filter_map(|key| match key.strip_prefix("cf.") {
            Some(field_key) => fields
                .iter()
                .find(|f| f.key == field_key)
                .map(|f| ShownColumn::Custom(f.clone())),
            None => spec.column(key).map(ShownColumn::Builtin),
        })
        .collect();
    if chosen.is_empty() {
        spec.columns
            .iter()
            .filter(|column| column.default)
            .map(ShownColumn::Builtin)
            .collect()
    } else {
        chosen
    }
}
