//! The connector contract. A connector declares its source and models and, for a model,
//! opens a [`RecordStream`]: pages of records fetched from the source, oldest change first
//! when it can. The runner owns everything else (storage, cursor, counts, retries of the
//! run, cancellation), so a connector is only "how to talk to this API".

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::ids::TenantId;
use crate::sync::crm::CrmMapper;
use crate::sync::http::Http;
use crate::sync::model::{ModelInfo, SourceInfo};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a fetch failed. Transient failures (5xx, timeouts, 429) are retried inside
/// [`Http`] before they become one of these.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the source refused our credentials: {0}")]
    Auth(String),
    #[error("the connection is not set up: {0}")]
    Config(String),
    #[error("the source answered {status}: {message}")]
    Http { status: u16, message: String },
    #[error("the source could not be reached: {0}")]
    Network(String),
    #[error("the source sent something we cannot read: {0}")]
    Malformed(String),
    #[error("stopped")]
    Cancelled,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// A connection's settings and (decrypted) secret, as a connector sees them.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    pub tenant_id: TenantId,
    pub settings: serde_json::Map<String, Value>,
    pub secret: Option<String>,
}

impl ConnectionConfig {
    /// A setting as text; empty values count as unset.
    pub fn setting(&self, key: &str) -> Option<String> {
        match self.settings.get(key)? {
            Value::String(text) if text.trim().is_empty() => None,
            Value::String(text) => Some(text.trim().to_owned()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    pub fn setting_or(&self, key: &str, default: &str) -> String {
        self.setting(key).unwrap_or_else(|| default.to_owned())
    }

    pub fn number_or(&self, key: &str, default: u64) -> u64 {
        self.setting(key)
            .and_then(|text| text.parse().ok())
            .unwrap_or(default)
    }

    pub fn require_secret(&self) -> Result<&str, SyncError> {
        self.secret
            .as_deref()
            .filter(|secret| !secret.is_empty())
            .ok_or_else(|| SyncError::Config("no credentials are stored".to_owned()))
    }
}

/// One record as the source sent it.
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub source_id: String,
    pub payload: Value,
    /// The record's modification time at the source (its cursor value), if known.
    pub updated_at: Option<DateTime<Utc>>,
    /// The source reports it deleted (archived).
    pub deleted: bool,
}

/// A record that failed validation: kept in the run's error list, never stored.
#[derive(Debug, Clone)]
pub struct InvalidRecord {
    pub source_id: Option<String>,
    pub reason: String,
    pub payload: Value,
}

#[derive(Debug, Clone)]
pub enum Fetched {
    Record(RawRecord),
    Invalid(InvalidRecord),
}

#[derive(Debug, Default)]
pub struct Page {
    pub items: Vec<Fetched>,
    /// How many records the whole fetch will return, when the source says.
    pub expected_total: Option<u64>,
}

/// Pages of one model's records.
pub trait RecordStream: Send {
    /// The next page, or None when done.
    fn next_page(&mut self) -> BoxFuture<'_, Result<Option<Page>, SyncError>>;
    /// What is being read, for the run record (`GET /crm/v3/objects/contacts`).
    fn endpoint(&self) -> String;
    /// True when records arrive in ascending cursor order: the cursor may then advance
    /// after each stored batch. Otherwise it advances only when the fetch completes.
    fn ordered(&self) -> bool;
    /// True when the fetch lists every live record (a full listing): records not seen by
    /// a complete run are then marked deleted.
    fn complete_listing(&self) -> bool {
        false
    }
}

/// What the runner asks a connector to fetch.
pub struct FetchRequest {
    pub model: &'static ModelInfo,
    pub connection: ConnectionConfig,
    /// Fetch records changed at or after this time (the stored cursor or `--since`); None
    /// means everything.
    pub since: Option<DateTime<Utc>>,
    /// Records per request, when the source lets us choose (from `--batch-size`).
    pub page_size: usize,
    pub http: Http,
}

pub trait Connector: Send + Sync + 'static {
    fn info(&self) -> &'static SourceInfo;
    fn models(&self) -> &'static [ModelInfo];
    /// Checks the credentials and settings with one cheap request; a short description of
    /// what was found on success ("Connected: 3 calls in the last 30 days").
    fn test_connection<'a>(
        &'a self,
        connection: &'a ConnectionConfig,
        http: &'a Http,
    ) -> BoxFuture<'a, Result<String, SyncError>>;
    fn open(&self, request: FetchRequest) -> Result<Box<dyn RecordStream>, SyncError>;
    /// How records become CRM records, for sources that feed the CRM.
    fn mapper(&self) -> Option<&'static dyn CrmMapper> {
        None
    }

    /// Records per batch when `--batch-size` is not given.
    fn default_batch_size(&self) -> u32 {
        crate::sync::options::DEFAULT_BATCH_SIZE
    }

    fn model(&self, id: &str) -> Option<&'static ModelInfo> {
        self.models().iter().find(|model| model.id == id)
    }
}
