//! Admin-defined custom fields per entity (text, number, date, select, multi-select,
//! checkbox, URL). Values live in each record's `custom_fields` jsonb under the field key;
//! this module validates input, formats values and manages the definitions.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::db::schema::custom_field_definitions as defs;
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{TenantId, UserId};
use crate::domain::listing::{Cell, CellKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    Date,
    Select,
    MultiSelect,
    Checkbox,
    Url,
}

impl FieldType {
    pub const ALL: [FieldType; 7] = [
        FieldType::Text,
        FieldType::Number,
        FieldType::Date,
        FieldType::Select,
        FieldType::MultiSelect,
        FieldType::Checkbox,
        FieldType::Url,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Date => "date",
            FieldType::Select => "select",
            FieldType::MultiSelect => "multi_select",
            FieldType::Checkbox => "checkbox",
            FieldType::Url => "url",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FieldType::Text => "Text",
            FieldType::Number => "Number",
            FieldType::Date => "Date",
            FieldType::Select => "Select (one)",
            FieldType::MultiSelect => "Multi-select",
            FieldType::Checkbox => "Checkbox",
            FieldType::Url => "URL",
        }
    }

    pub fn parse(text: &str) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|t| t.as_str() == text)
    }

    pub fn has_options(self) -> bool {
        matches!(self, FieldType::Select | FieldType::MultiSelect)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = defs, check_for_backend(diesel::pg::Pg))]
struct DefinitionRow {
    id: i64,
    entity_type: String,
    key: String,
    label: String,
    field_type: String,
    options: Value,
    required: bool,
    position: i32,
    archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldDefinition {
    pub id: i64,
    pub entity_type: String,
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub options: Vec<String>,
    pub required: bool,
    pub position: i32,
    pub archived: bool,
}

impl From<DefinitionRow> for FieldDefinition {
    fn from(row: DefinitionRow) -> Self {
        let options = match row.options {
            Value::Array(items) => items
                .into_iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        FieldDefinition {
            id: row.id,
            entity_type: row.entity_type,
            key: row.key,
            label: row.label,
            field_type: FieldType::parse(&row.field_type).unwrap_or(FieldType::Text),
            options,
            required: row.required,
            position: row.position,
            archived: row.archived_at.is_some(),
        }
    }
}

impl FieldDefinition {
    /// The stored value of this field in a record's `custom_fields`.
    pub fn value<'a>(&self, values: &'a Value) -> Option<&'a Value> {
        values.get(&self.key).filter(|value| !value.is_null())
    }

    /// The value as people read it ("Yes", "Mar 4, 2026", "Gold, Silver").
    pub fn display(&self, values: &Value) -> String {
        let Some(value) = self.value(values) else {
            return String::new();
        };
        match (self.field_type, value) {
            (FieldType::Checkbox, Value::Bool(true)) => "Yes".to_owned(),
            (FieldType::Checkbox, Value::Bool(false)) => "No".to_owned(),
            (FieldType::Date, Value::String(text)) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|date| date.format("%b %-d, %Y").to_string())
                .unwrap_or_else(|_| text.clone()),
            (FieldType::Number, Value::Number(n)) => format_number(n),
            (_, Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            (_, Value::String(text)) => text.clone(),
            (_, other) => other.to_string(),
        }
    }

    /// The value as a form shows it (a date as YYYY-MM-DD, a number unformatted).
    pub fn input_values(&self, values: &Value) -> Vec<String> {
        match self.value(values) {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(text)) => vec![text.clone()],
            Some(Value::Bool(true)) => vec!["true".to_owned()],
            Some(Value::Bool(false)) => Vec::new(),
            Some(other) => vec![other.to_string()],
        }
    }

    /// A list cell for the value; CSV gets the raw value.
    pub fn cell(&self, values: &Value) -> Cell {
        let text = self.display(values);
        let raw = self.input_values(values).join("; ");
        let cell = Cell::plain(text).export(raw.clone());
        match self.field_type {
            FieldType::Number => cell.kind(CellKind::Number),
            FieldType::Url if !raw.is_empty() => cell.kind(CellKind::Url).link(raw),
            _ => cell,
        }
    }

    /// Validates what a form sent for this field. `Ok(None)` means "empty".
    pub fn parse_input(&self, raw: &[String]) -> Result<Option<Value>, String> {
        let values: Vec<&str> = raw
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        let first = values.first().copied();
        let parsed = match self.field_type {
            FieldType::Checkbox => {
                return Ok(Some(Value::Bool(
                    first.is_some_and(|v| matches!(v, "true" | "on" | "yes" | "1")),
                )));
            }
            _ if values.is_empty() => None,
            FieldType::Text => {
                let text = first.unwrap_or_default();
                if text.chars().count() > 1000 {
                    return Err("Keep this under 1,000 characters.".to_owned());
                }
                Some(Value::String(text.to_owned()))
            }
            FieldType::Number => {
                let text = first.unwrap_or_default().replace(',', "");
                let number: f64 = text
                    .parse()
                    .ok()
                    .filter(|n: &f64| n.is_finite())
                    .ok_or_else(|| "Enter a number, like 12 or 3.5.".to_owned())?;
                Some(number_value(number))
            }
            FieldType::Date => {
                let text = first.unwrap_or_default();
                let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|_| "Enter a date as YYYY-MM-DD.".to_owned())?;
                Some(Value::String(date.format("%Y-%m-%d").to_string()))
            }
            FieldType::Select => {
                let text = first.unwrap_or_default();
                if !self.options.iter().any(|option| option == text) {
                    return Err(format!("Choose one of: {}.", self.options.join(", ")));
                }
                Some(Value::String(text.to_owned()))
            }
            FieldType::MultiSelect => {
                let mut chosen = Vec::new();
                for value in &values {
                    if !self.options.iter().any(|option| option == value) {
                        return Err(format!("\"{value}\" is not one of the choices."));
                    }
                    if !chosen.contains(value) {
                        chosen.push(*value);
                    }
                }
                Some(Value::Array(
                    chosen
                        .into_iter()
                        .map(|v| Value::String(v.to_owned()))
                        .collect(),
                ))
            }
            FieldType::Url => {
                let text = first.unwrap_or_default();
                Some(Value::String(normalise_url(text)?))
            }
        };
        if parsed.is_none() && self.required {
            return Err(format!("{} is required.", self.label));
        }
        Ok(parsed)
    }
}

fn number_value(number: f64) -> Value {
    if number.fract() == 0.0 && number.abs() < 9.0e15 {
        Value::from(number as i64)
    } else {
        serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
    }
}

fn format_number(n: &serde_json::Number) -> String {
    match n.as_i64() {
        Some(int) => crate::domain::counts::group_thousands(int),
        None => n.to_string(),
    }
}

/// Accepts `example.com/x` as `https://example.com/x`; rejects anything but http(s).
pub fn normalise_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("https://{text}")
    };
    let lower = with_scheme.to_ascii_lowercase();
    let valid = (lower.starts_with("http://") || lower.starts_with("https://"))
        && with_scheme.len() <= 2000
        && !with_scheme.chars().any(char::is_whitespace)
        && with_scheme
            .split("://")
            .nth(1)
            .is_some_and(|rest| rest.contains('.'));
    if valid {
        Ok(with_scheme)
    } else {
        Err("Enter a web address, like https://example.com.".to_owned())
    }
}

/// The tenant's field definitions for one entity, in display order.
pub fn list(
    conn: &mut PgConnection,
    entity: &str,
    include_archived: bool,
) -> QueryResult<Vec<FieldDefinition>> {
    let mut query = defs::table
        .filter(defs::entity_type.eq(entity))
        .into_boxed();
    if !include_archived {
        query = query.filter(defs::archived_at.is_null());
    }
    Ok(query
        .order((defs::position, defs::id))
        .select(DefinitionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(FieldDefinition::from)
        .collect())
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<FieldDefinition>> {
    Ok(defs::table
        .find(id)
        .select(DefinitionRow::as_select())
        .first(conn)
        .optional()?
        .map(FieldDefinition::from))
}

/// A new or changed definition, already validated.
#[derive(Debug, Clone)]
pub struct DefinitionInput {
    pub entity_type: String,
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub options: Vec<String>,
    pub required: bool,
    pub position: i32,
}

pub fn create(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    input: &DefinitionInput,
    actor: Option<UserId>,
) -> QueryResult<FieldDefinition> {
    let row: DefinitionRow = diesel::insert_into(defs::table)
        .values((
            defs::tenant_id.eq(tenant_id),
            defs::entity_type.eq(&input.entity_type),
            defs::key.eq(&input.key),
            defs::label.eq(&input.label),
            defs::field_type.eq(input.field_type.as_str()),
            defs::options.eq(serde_json::json!(input.options)),
            defs::required.eq(input.required),
            defs::position.eq(input.position),
        ))
        .returning(DefinitionRow::as_returning())
        .get_result(conn)?;
    let definition = FieldDefinition::from(row);
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action: "custom_field.created",
            entity_type: "custom_field",
            entity_id: Some(definition.id),
            before: None,
            after: audit::snapshot(&definition),
        },
    )?;
    Ok(definition)
}

/// Changes label, options, required and position (the key and type are fixed once made,
/// because stored values depend on them).
pub fn update(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    before: &FieldDefinition,
    input: &DefinitionInput,
    actor: Option<UserId>,
) -> QueryResult<FieldDefinition> {
    let row: DefinitionRow = diesel::update(defs::table.find(before.id))
        .set((
            defs::label.eq(&input.label),
            defs::options.eq(serde_json::json!(input.options)),
            defs::required.eq(input.required),
            defs::position.eq(input.position),
        ))
        .returning(DefinitionRow::as_returning())
        .get_result(conn)?;
    let definition = FieldDefinition::from(row);
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action: "custom_field.updated",
            entity_type: "custom_field",
            entity_id: Some(definition.id),
            before: audit::snapshot(before),
            after: audit::snapshot(&definition),
        },
    )?;
    Ok(definition)
}

/// Archives (hides) or brings back a field. Values stay on the records.
pub fn set_archived(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: i64,
    archived: bool,
    actor: Option<UserId>,
) -> QueryResult<bool> {
    let at = archived.then(Utc::now);
    let changed = diesel::update(defs::table.find(id))
        .set(defs::archived_at.eq(at))
        .execute(conn)?;
    if changed > 0 {
        audit::record(
            conn,
            &AuditEntry {
                tenant_id,
                actor_id: actor,
                action: if archived {
                    "custom_field.archived"
                } else {
                    "custom_field.restored"
                },
                entity_type: "custom_field",
                entity_id: Some(id),
                before: None,
                after: None,
            },
        )?;
    }
    Ok(changed > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(field_type: FieldType) -> FieldDefinition {
        FieldDefinition {
            id: 1,
            entity_type: "company".into(),
            key: "tier".into(),
            label: "Tier".into(),
            field_type,
            options: vec!["Gold".into(), "Silver".into()],
            required: false,
            position: 0,
            archived: false,
        }
    }

    #[test]
    fn validates_each_type() {
        let s = |v: &str| vec![v.to_owned()];
        assert_eq!(
            field(FieldType::Number).parse_input(&s("1,200")),
            Ok(Some(Value::from(1200)))
        );
        assert!(field(FieldType::Number).parse_input(&s("lots")).is_err());
        assert_eq!(
            field(FieldType::Date).parse_input(&s("2026-03-04")),
            Ok(Some(Value::from("2026-03-04")))
        );
        assert!(
            field(FieldType::Date)
                .parse_input(&s("04/03/2026"))
                .is_err()
        );
        assert!(field(FieldType::Select).parse_input(&s("Bronze")).is_err());
        assert_eq!(
            field(FieldType::MultiSelect).parse_input(&[
                "Gold".into(),
                "Silver".into(),
                "Gold".into()
            ]),
            Ok(Some(serde_json::json!(["Gold", "Silver"])))
        );
        assert_eq!(
            field(FieldType::Checkbox).parse_input(&[]),
            Ok(Some(Value::Bool(false)))
        );
        assert_eq!(
            field(FieldType::Url).parse_input(&s("example.com/a")),
            Ok(Some(Value::from("https://example.com/a")))
        );
        assert!(
            field(FieldType::Url)
                .parse_input(&s("javascript:alert(1)"))
                .is_err()
        );
        let mut required = field(FieldType::Text);
        required.required = true;
        assert_eq!(
            required.parse_input(&s("  ")),
            Err("Tier is required.".to_owned())
        );
    }

    #[test]
    fn displays_values_for_people() {
        let values = serde_json::json!({"tier": ["Gold", "Silver"]});
        assert_eq!(
            field(FieldType::MultiSelect).display(&values),
            "Gold, Silver"
        );
        let values = serde_json::json!({"tier": "2026-03-04"});
        assert_eq!(field(FieldType::Date).display(&values), "Mar 4, 2026");
        let values = serde_json::json!({"tier": 12000});
        assert_eq!(field(FieldType::Number).display(&values), "12,000");
    }
}
