//! What a connector declares about itself: the source (name, description, logo, how to
//! authenticate, its settings) and its models (primary key, cursor field, fields with
//! types and labels). The dashboard, the CLI and the API are all built from these.

use serde::Serialize;

/// How a source proves who we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// Nothing to enter (the demo source).
    None,
    /// A bearer token (HubSpot private app token).
    BearerToken,
    /// An API key sent in a vendor-specific header (CallRail).
    ApiKey,
    /// A file uploaded or read from the server (no credentials).
    File,
}

impl AuthKind {
    pub fn label(self) -> &'static str {
        match self {
            AuthKind::None => "No credentials needed",
            AuthKind::BearerToken => "Private app access token",
            AuthKind::ApiKey => "API key",
            AuthKind::File => "File upload",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingKind {
    Text,
    Url,
    Number,
}

/// A non-secret connection setting shown on the connection form.
#[derive(Debug, Clone, Serialize)]
pub struct SettingField {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: SettingKind,
    pub required: bool,
    pub default: &'static str,
    pub help: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    /// Short lowercase id used in URLs and on the command line (`hubspot`).
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// Two letters and a colour for the logo badge (no third-party artwork is shipped).
    pub logo_text: &'static str,
    pub logo_colour: &'static str,
    pub auth: AuthKind,
    /// The label of the secret field, when the source has one.
    pub secret_label: Option<&'static str>,
    pub settings: &'static [SettingField],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Email,
    Phone,
    Number,
    Money,
    Boolean,
    Date,
    DateTime,
}

/// A field of a model, read from the raw payload at a JSON pointer.
#[derive(Debug, Clone, Serialize)]
pub struct FieldInfo {
    pub key: &'static str,
    pub label: &'static str,
    pub field_type: FieldType,
    /// JSON pointer into the payload (`/properties/email`).
    pub pointer: &'static str,
}

impl FieldInfo {
    pub const fn new(
        key: &'static str,
        label: &'static str,
        field_type: FieldType,
        pointer: &'static str,
    ) -> Self {
        FieldInfo {
            key,
            label,
            field_type,
            pointer,
        }
    }

    /// The field's value in `payload`, as display text.
    pub fn text(&self, payload: &serde_json::Value) -> String {
        match payload.pointer(self.pointer) {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(text)) => text.clone(),
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            Some(other) => other.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    /// The vendor's plural noun (`contacts`, `calls`).
    pub id: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    /// The payload field that identifies a record at the source.
    pub primary_key: &'static str,
    /// The field incremental syncs resume from, if the model has one.
    pub cursor_field: Option<&'static str>,
    pub fields: &'static [FieldInfo],
    /// Models that must be synced first when syncing "all" (e.g. companies before
    /// contacts, so contacts can link to them).
    pub order: u8,
    /// What the records become in the CRM, if anything ("contacts", "timeline calls").
    pub crm_target: Option<&'static str>,
}

impl ModelInfo {
    pub fn field(&self, key: &str) -> Option<&FieldInfo> {
        self.fields.iter().find(|field| field.key == key)
    }
}
