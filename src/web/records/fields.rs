//! Record fields as forms see them: each entity lists its editable fields once
//! ([`FieldDef`]); the same definitions draw the full form, the inline editor on the detail
//! page and the read-only value, and the parsers below check what came back.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::custom_fields::{FieldDefinition, FieldType, normalise_url};
use crate::domain::visibility::OwnerChoice;

/// A record's values as text, by field name (`cf.<key>` for custom fields). Multi-selects
/// hold several values.
pub type Values = HashMap<String, Vec<String>>;

/// Messages by field name.
pub type Errors = HashMap<String, String>;

#[derive(Debug, Clone, Copy)]
pub enum Input {
    Text,
    LongText,
    Email,
    Url,
    Phone,
    Integer,
    Money,
    Date,
    Checkbox,
    Select(&'static [(&'static str, &'static str)]),
    Owner,
    /// A company, chosen with the record picker.
    Company,
    /// A pipeline stage (options from [`Lookups::stages`], "Pipeline › Stage").
    Stage,
}

#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    pub name: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub required: bool,
    /// Fields are grouped on forms ("Details", "Address", …).
    pub group: &'static str,
}

impl FieldDef {
    pub const fn new(
        name: &'static str,
        label: &'static str,
        input: Input,
        group: &'static str,
    ) -> Self {
        FieldDef {
            name,
            label,
            input,
            required: false,
            group,
        }
    }

    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

/// What the templates need to draw one field (input or value).
#[derive(Debug, Clone)]
pub struct FieldView {
    pub name: String,
    pub label: String,
    /// text, textarea, email, url, tel, number, money, date, checkbox, select, multi, company.
    pub kind: &'static str,
    pub value: String,
    pub values: Vec<String>,
    pub options: Vec<(String, String)>,
    pub required: bool,
    pub group: String,
    pub error: Option<String>,
    /// The value as read on the detail page.
    pub display: String,
    pub href: Option<String>,
}

impl FieldView {
    pub fn is_selected(&self, option: &str) -> bool {
        self.values.iter().any(|v| v == option)
    }

    /// A DOM id safe version of the name.
    pub fn dom_id(&self) -> String {
        self.name.replace('.', "-")
    }

    pub fn is_checked(&self) -> bool {
        matches!(self.value.as_str(), "true" | "on" | "yes")
    }
}

/// What drawing values needs beyond the record: owner names, the company's name.
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    pub owners: Vec<OwnerChoice>,
    pub company: Option<(i64, String)>,
    /// The currency of money fields (the record's, else the tenant's default).
    pub currency: String,
    /// Live pipeline stages as (id, "Pipeline › Stage"), loaded for forms with a stage.
    pub stages: Vec<(String, String)>,
}

pub fn one<'a>(values: &'a Values, name: &str) -> &'a str {
    values
        .get(name)
        .and_then(|v| v.first())
        .map(|v| v.trim())
        .unwrap_or_default()
}

pub fn set(values: &mut Values, name: &str, value: Option<String>) {
    values.insert(name.to_owned(), value.into_iter().collect());
}

fn kind_of(input: Input) -> &'static str {
    match input {
        Input::Text => "text",
        Input::LongText => "textarea",
        Input::Email => "email",
        Input::Url => "url",
        Input::Phone => "tel",
        Input::Integer => "number",
        Input::Money => "money",
        Input::Date => "date",
        Input::Checkbox => "checkbox",
        Input::Select(_) | Input::Owner | Input::Stage => "select",
        Input::Company => "company",
    }
}

/// The view of a built-in field.
pub fn view(def: &FieldDef, values: &Values, errors: &Errors, lookups: &Lookups) -> FieldView {
    let value = one(values, def.name).to_owned();
    let options: Vec<(String, String)> = match def.input {
        Input::Select(options) => options
            .iter()
            .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
            .collect(),
        Input::Owner => lookups
            .owners
            .iter()
            .filter(|o| o.assignable || o.id.to_string() == value)
            .map(|o| (o.id.to_string(), o.name.clone()))
            .collect(),
        Input::Stage => lookups.stages.clone(),
        _ => Vec::new(),
    };
    let (display, href) = display_of(def.input, &value, &options, lookups);
    let display = match def.input {
        Input::Money => parse_money(&value).map_or(display, |minor| {
            crate::web::fmt::money(
                minor,
                if lookups.currency.is_empty() {
                    "USD"
                } else {
                    &lookups.currency
                },
            )
        }),
        Input::Integer => value
            .parse::<i64>()
            .map_or(display, crate::domain::counts::group_thousands),
        _ => display,
    };
    FieldView {
        name: def.name.to_owned(),
        label: def.label.to_owned(),
        kind: kind_of(def.input),
        values: values.get(def.name).cloned().unwrap_or_default(),
        options,
        required: def.required,
        group: def.group.to_owned(),
        error: errors.get(def.name).cloned(),
        display,
        href,
        value,
    }
}

fn display_of(
    input: Input,
    value: &str,
    options: &[(String, String)],
    lookups: &Lookups,
) -> (String, Option<String>) {
    if value.is_empty() {
        return match input {
            Input::Checkbox => ("No".to_owned(), None),
            _ => (String::new(), None),
        };
    }
    match input {
        Input::Select(_) | Input::Owner | Input::Stage => (
            options
                .iter()
                .find(|(v, _)| v == value)
                .map_or_else(|| value.to_owned(), |(_, label)| label.clone()),
            None,
        ),
        Input::Checkbox => (
            (if matches!(value, "true" | "on") {
                "Yes"
            } else {
                "No"
            })
            .to_owned(),
            None,
        ),
        Input::Email => (value.to_owned(), Some(format!("mailto:{value}"))),
        Input::Phone => (value.to_owned(), Some(format!("tel:{value}"))),
        Input::Url => (value.to_owned(), Some(value.to_owned())),
        Input::Date => (
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_or_else(|_| value.to_owned(), |d| d.format("%b %-d, %Y").to_string()),
            None,
        ),
        Input::Company => match &lookups.company {
            Some((id, name)) => (name.clone(), Some(format!("/companies/{id}"))),
            None => (String::new(), None),
        },
        _ => (value.to_owned(), None),
    }
}

/// The view of a custom field.
pub fn custom_view(field: &FieldDefinition, values: &Values, errors: &Errors) -> FieldView {
    let name = format!("cf.{}", field.key);
    let all = values.get(&name).cloned().unwrap_or_default();
    let kind = match field.field_type {
        FieldType::Text => "text",
        FieldType::Number => "number",
        FieldType::Date => "date",
        FieldType::Select => "select",
        FieldType::MultiSelect => "multi",
        FieldType::Checkbox => "checkbox",
        FieldType::Url => "url",
    };
    let stored = field
        .parse_input(&all)
        .ok()
        .flatten()
        .map(|value| serde_json::json!({ field.key.clone(): value }))
        .unwrap_or_else(|| serde_json::json!({}));
    let display = if field.field_type == FieldType::Checkbox && all.is_empty() {
        "No".to_owned()
    } else {
        field.display(&stored)
    };
    FieldView {
        label: field.label.clone(),
        kind,
        value: all.first().cloned().unwrap_or_default(),
        options: field
            .options
            .iter()
            .map(|o| (o.clone(), o.clone()))
            .collect(),
        required: field.required,
        group: "Custom fields".to_owned(),
        error: errors.get(&name).cloned(),
        href: (field.field_type == FieldType::Url && !display.is_empty()).then(|| display.clone()),
        display,
        values: all,
        name,
    }
}

/// Custom field values of a record, as form values.
pub fn custom_values(fields: &[FieldDefinition], stored: &serde_json::Value, values: &mut Values) {
    for field in fields {
        values.insert(format!("cf.{}", field.key), field.input_values(stored));
    }
}

/// Parses the custom fields back into the record's jsonb, keeping values of fields that are
/// archived or unknown here.
pub fn parse_custom(
    fields: &[FieldDefinition],
    values: &Values,
    stored: &serde_json::Value,
    errors: &mut Errors,
) -> serde_json::Value {
    let mut out = match stored {
        serde_json::Value::Object(map) => map.clone(),
        _ => serde_json::Map::new(),
    };
    for field in fields {
        let name = format!("cf.{}", field.key);
        let raw = values.get(&name).cloned().unwrap_or_default();
        match field.parse_input(&raw) {
            Ok(Some(value)) => {
                out.insert(field.key.clone(), value);
            }
            Ok(None) => {
                out.remove(&field.key);
            }
            Err(message) => {
                errors.insert(name, message);
            }
        }
    }
    serde_json::Value::Object(out)
}

/// Parsers for built-in fields. Each returns the stored value or records an error.
pub struct Parser<'a> {
    pub values: &'a Values,
    pub errors: Errors,
}

impl<'a> Parser<'a> {
    pub fn new(values: &'a Values) -> Self {
        Parser {
            values,
            errors: Errors::new(),
        }
    }

    fn fail(&mut self, name: &str, message: impl Into<String>) {
        self.errors
            .entry(name.to_owned())
            .or_insert_with(|| message.into());
    }

    pub fn text(&mut self, name: &str, max: usize) -> Option<String> {
        let text = one(self.values, name);
        if text.chars().count() > max {
            self.fail(name, format!("Keep this under {max} characters."));
            return None;
        }
        (!text.is_empty()).then(|| text.to_owned())
    }

    pub fn required(&mut self, name: &str, label: &str, max: usize) -> String {
        match self.text(name, max) {
            Some(text) => text,
            None => {
                self.fail(name, format!("{label} is required."));
                String::new()
            }
        }
    }

    pub fn email(&mut self, name: &str) -> Option<String> {
        let text = self.text(name, 254)?;
        if valid_email(&text) {
            Some(text)
        } else {
            self.fail(name, "Enter an email address like ana@example.com.");
            None
        }
    }

    pub fn url(&mut self, name: &str) -> Option<String> {
        let text = self.text(name, 2000)?;
        match normalise_url(&text) {
            Ok(url) => Some(url),
            Err(message) => {
                self.fail(name, message);
                None
            }
        }
    }

    /// A phone number as typed, and its E.164 form.
    pub fn phone(&mut self, name: &str) -> (Option<String>, Option<String>) {
        let Some(text) = self.text(name, 40) else {
            return (None, None);
        };
        match crate::domain::phones::to_e164(&text) {
            Some(e164) => (Some(text), Some(e164)),
            None => {
                self.fail(
                    name,
                    "Enter a phone number like (303) 555-0123 or +44 20 7946 0000.",
                );
                (None, None)
            }
        }
    }

    pub fn integer(&mut self, name: &str, min: i64, max: i64) -> Option<i64> {
        let text = self.text(name, 30)?.replace([',', ' '], "");
        match text.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.fail(name, format!("Enter a whole number from {min} to {max}."));
                None
            }
        }
    }

    /// "12,500.50" → 1250050 minor units.
    pub fn money(&mut self, name: &str) -> Option<i64> {
        let text = self.text(name, 30)?;
        match parse_money(&text) {
            Some(minor) => Some(minor),
            None => {
                self.fail(name, "Enter an amount like 12,500 or 12500.50.");
                None
            }
        }
    }

    pub fn date(&mut self, name: &str) -> Option<NaiveDate> {
        let text = self.text(name, 20)?;
        match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                self.fail(name, "Enter a date as YYYY-MM-DD.");
                None
            }
        }
    }

    pub fn checkbox(&self, name: &str) -> bool {
        matches!(one(self.values, name), "on" | "true" | "yes" | "1")
    }

    pub fn choice(&mut self, name: &str, options: &[(&str, &str)]) -> Option<String> {
        let text = one(self.values, name);
        if text.is_empty() {
            return None;
        }
        if options.iter().any(|(v, _)| *v == text) {
            Some(text.to_owned())
        } else {
            self.fail(name, "Choose one of the options.");
            None
        }
    }

    pub fn id(&mut self, name: &str) -> Option<i64> {
        let text = one(self.values, name);
        if text.is_empty() {
            return None;
        }
        match text.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                self.fail(name, "Choose from the list.");
                None
            }
        }
    }
}

pub fn valid_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == ';')
}

pub fn parse_money(text: &str) -> Option<i64> {
    let cleaned: String = text
        .trim()
        .trim_start_matches(['$', '€', '£'])
        .chars()
        .filter(|c| *c != ',' && *c != ' ')
        .collect();
    let (units, cents) = match cleaned.split_once('.') {
        Some((units, cents)) if cents.len() <= 2 && cents.chars().all(|c| c.is_ascii_digit()) => {
            (units, format!("{cents:0<2}"))
        }
        Some(_) => return None,
        None => (cleaned.as_str(), "00".to_owned()),
    };
    if units.is_empty() || !units.chars().all(|c| c.is_ascii_digit()) || units.len() > 13 {
        return None;
    }
    Some(units.parse::<i64>().ok()? * 100 + cents.parse::<i64>().ok()?)
}

/// Minor units as a form shows them ("12500.50").
pub fn money_input(minor: i64) -> String {
    if minor % 100 == 0 {
        (minor / 100).to_string()
    } else {
        format!("{}.{:02}", minor / 100, minor % 100)
    }
}

/// A web domain from what people paste: "https://www.Acme.com/about" → "acme.com".
pub fn normalise_domain(text: &str) -> Result<String, String> {
    let lower = text.trim().to_ascii_lowercase();
    let without_scheme = lower.split("://").last().unwrap_or_default();
    let host = without_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(host);
    let valid = host.contains('.')
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !host.starts_with(['.', '-'])
        && !host.ends_with(['.', '-']);
    if valid {
        Ok(host.to_owned())
    } else {
        Err("Enter a domain like acme.com.".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_domains_parse_the_way_people_type_them() {
        assert_eq!(parse_money("12,500.5"), Some(1_250_050));
        assert_eq!(parse_money("$99"), Some(9_900));
        assert_eq!(parse_money("1.234"), None);
        assert_eq!(parse_money("ten"), None);
        assert_eq!(money_input(1_250_050), "12500.50");
        assert_eq!(
            normalise_domain("https://www.Acme.com/about").as_deref(),
            Ok("acme.com")
        );
        assert!(normalise_domain("not a domain").is_err());
        assert!(valid_email("ana@example.com"));
        assert!(!valid_email("ana@example"));
        assert!(!valid_email("ana example.com"));
    }
}
