//! CallRail API v3: calls, companies and trackers of one account, with the
//! `Authorization: Token token="…"` header.
//!
//! Calls have no "modified" filter, and are edited after the fact (tags, lead status,
//! value), so each sync asks for calls that started since the cursor minus a lookback
//! (`start_date`, inclusive; default 7 days) and lets the hash skip what did not change.
//! A full sync starts at the configured history start: CallRail only returns the last 30
//! days when no date is given. Pages are `page`/`per_page` (≤ 250) in start-time order.
//! Companies and trackers are small lists read whole each time. The hourly request limit
//! answers 429 with no Retry-After: we wait for the next window (the hour).

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::sync::connector::{
    BoxFuture, ConnectionConfig, Connector, FetchRequest, Fetched, InvalidRecord, Page, RawRecord,
    RecordStream, SyncError,
};
use crate::sync::crm::CrmMapper;
use crate::sync::http::Http;
use crate::sync::model::{
    AuthKind, FieldInfo, FieldType, ModelInfo, SettingField, SettingKind, SourceInfo,
};

pub struct CallRail;

pub const DEFAULT_BASE_URL: &str = "https://api.callrail.com";
const CALL_FIELDS: &str =
    "company_id,company_name,lead_status,source,tags,first_call,created_at,agent_email,value";

static INFO: SourceInfo = SourceInfo {
    id: "callrail",
    name: "CallRail",
    description: "Tracked phone calls, logged on the caller's timeline as inbound, outbound or missed calls.",
    logo_text: "Cr",
    logo_colour: "#0F6FDE",
    auth: AuthKind::ApiKey,
    secret_label: Some("API key"),
    settings: &[
        SettingField {
            key: "account_id",
            label: "Account ID",
            kind: SettingKind::Text,
            required: true,
            default: "",
            help: "The number in your CallRail URLs (…/a/227799611/…).",
        },
        SettingField {
            key: "lookback_days",
            label: "Re-read calls from the last (days)",
            kind: SettingKind::Number,
            required: false,
            default: "7",
            help: "Calls are edited after they happen (tags, lead status), so recent days are read again.",
        },
        SettingField {
            key: "history_start",
            label: "Full sync starts on",
            kind: SettingKind::Text,
            required: false,
            default: "2015-01-01",
            help: "YYYY-MM-DD.",
        },
        SettingField {
            key: "base_url",
            label: "API base URL",
            kind: SettingKind::Url,
            required: false,
            default: DEFAULT_BASE_URL,
            help: "Leave empty for CallRail itself.",
        },
    ],
};

static MODELS: [ModelInfo; 3] = [
    ModelInfo {
        id: "companies",
        label: "Companies",
        description: "The CallRail companies (brands or locations) of the account.",
        primary_key: "id",
        cursor_field: None,
        fields: &[
            FieldInfo::new("id", "ID", FieldType::Text, "/id"),
            FieldInfo::new("name", "Name", FieldType::Text, "/name"),
            FieldInfo::new("status", "Status", FieldType::Text, "/status"),
            FieldInfo::new("time_zone", "Time zone", FieldType::Text, "/time_zone"),
        ],
        order: 0,
        crm_target: None,
    },
    ModelInfo {
        id: "trackers",
        label: "Trackers",
        description: "Tracking numbers and the marketing sources they stand for.",
        primary_key: "id",
        cursor_field: None,
        fields: &[
            FieldInfo::new("id", "ID", FieldType::Text, "/id"),
            FieldInfo::new("name", "Name", FieldType::Text, "/name"),
            FieldInfo::new("type", "Type", FieldType::Text, "/type"),
            FieldInfo::new("numbers", "Numbers", FieldType::Phone, "/tracking_numbers"),
            FieldInfo::new("status", "Status", FieldType::Text, "/status"),
        ],
        order: 1,
        crm_target: None,
    },
    ModelInfo {
        id: "calls",
        label: "Calls",
        description: "Every tracked call, with caller, duration, source and lead status.",
        primary_key: "id",
        cursor_field: Some("start_time"),
        fields: &[
            FieldInfo::new("id", "ID", FieldType::Text, "/id"),
            FieldInfo::new("start_time", "Started", FieldType::DateTime, "/start_time"),
            FieldInfo::new("direction", "Direction", FieldType::Text, "/direction"),
            FieldInfo::new("customer_name", "Caller", FieldType::Text, "/customer_name"),
            FieldInfo::new(
                "customer_phone",
                "Caller's number",
                FieldType::Phone,
                "/customer_phone_number",
            ),
            FieldInfo::new("duration", "Duration (s)", FieldType::Number, "/duration"),
            FieldInfo::new("answered", "Answered", FieldType::Boolean, "/answered"),
            FieldInfo::new("source", "Source", FieldType::Text, "/source"),
            FieldInfo::new(
                "lead_status",
                "Lead status",
                FieldType::Text,
                "/lead_status",
            ),
        ],
        order: 2,
        crm_target: Some("timeline calls"),
    },
];

/// CallRail's limits are hourly and it sends no Retry-After: wait for the next window.
fn window_wait(window: Duration) -> Duration {
    let window_ms = window.as_millis().max(1) as i64;
    let now = Utc::now().timestamp_millis();
    Duration::from_millis((window_ms - now.rem_euclid(window_ms)) as u64 + 50)
}

fn auth_header(key: &str) -> String {
    format!("Token token=\"{key}\"")
}

struct CallRailStream {
    model: &'static str,
    url: String,
    key: String,
    http: Http,
    page: usize,
    per_page: usize,
    start_date: Option<DateTime<Utc>>,
    done: bool,
    window: Duration,
}

impl CallRailStream {
    async fn next(&mut self) -> Result<Option<Page>, SyncError> {
        if self.done {
            return Ok(None);
        }
        let mut query: Vec<(String, String)> = vec![
            ("page".into(), self.page.to_string()),
            ("per_page".into(), self.per_page.to_string()),
        ];
        if self.model == "calls" {
            if let Some(start) = self.start_date {
                query.push((
                    "start_date".into(),
                    start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ));
            }
            query.push(("sort".into(), "start_time".into()));
            query.push(("order".into(), "asc".into()));
            query.push(("fields".into(), CALL_FIELDS.into()));
        }
        let header = auth_header(&self.key);
        let window = self.window;
        let wait = move |_: &HeaderMap, _: &[u8]| window_wait(window);
        let reply: Value = self
            .http
            .json(
                |client| {
                    client
                        .get(&self.url)
                        .query(&query)
                        .header("Authorization", &header)
                },
                &wait,
            )
            .await?;
        let items = reply[self.model].as_array().cloned().unwrap_or_default();
        let total_pages = reply["total_pages"].as_u64().unwrap_or(1) as usize;
        let total = reply["total_records"].as_u64();
        self.done = self.page >= total_pages || items.is_empty();
        self.page += 1;
        let records = items
            .into_iter()
            .map(|item| record(self.model, item))
            .collect();
        Ok(Some(Page {
            items: records,
            expected_total: total,
        }))
    }
}

/// "Test connection" does not wait for the next hour.
fn short_window(_: &HeaderMap, _: &[u8]) -> Duration {
    Duration::from_secs(1)
}

fn record(model: &str, item: Value) -> Fetched {
    let id = match &item["id"] {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let Some(id) = id else {
        return Fetched::Invalid(InvalidRecord {
            source_id: None,
            reason: "the record has no id".into(),
            payload: item,
        });
    };
    if model != "calls" {
        return Fetched::Record(RawRecord {
            source_id: id,
            payload: item,
            updated_at: None,
            deleted: false,
        });
    }
    let start = item["start_time"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
    match start {
        Some(start) => Fetched::Record(RawRecord {
            source_id: id,
            payload: item,
            updated_at: Some(start.with_timezone(&Utc)),
            deleted: false,
        }),
        None => Fetched::Invalid(InvalidRecord {
            source_id: Some(id),
            reason: format!(
                "start_time `{}` is not a valid time",
                item["start_time"].as_str().unwrap_or("")
            ),
            payload: item,
        }),
    }
}

impl RecordStream for CallRailStream {
    fn next_page(&mut self) -> BoxFuture<'_, Result<Option<Page>, SyncError>> {
        Box::pin(self.next())
    }

    fn endpoint(&self) -> String {
        format!("GET {}", self.url)
    }

    fn ordered(&self) -> bool {
        self.model == "calls"
    }

    fn complete_listing(&self) -> bool {
        // Companies and trackers are read whole; calls only ever in a window.
        self.model != "calls"
    }
}

fn base(connection: &ConnectionConfig) -> String {
    connection
        .setting_or("base_url", DEFAULT_BASE_URL)
        .trim_end_matches('/')
        .to_owned()
}

fn account(connection: &ConnectionConfig) -> Result<String, SyncError> {
    connection
        .setting("account_id")
        .ok_or_else(|| SyncError::Config("the CallRail account ID is missing".into()))
}

impl Connector for CallRail {
    fn info(&self) -> &'static SourceInfo {
        &INFO
    }

    fn models(&self) -> &'static [ModelInfo] {
        &MODELS
    }

    fn test_connection<'a>(
        &'a self,
        connection: &'a ConnectionConfig,
        http: &'a Http,
    ) -> BoxFuture<'a, Result<String, SyncError>> {
        Box::pin(async move {
            let key = connection.require_secret()?.to_owned();
            let account_id = account(connection)?;
            let url = format!("{}/v3/a.json", base(connection));
            let header = auth_header(&key);
            let reply: Value = http
                .json(
                    |client| client.get(&url).header("Authorization", &header),
                    &short_window,
                )
                .await?;
            let accounts = reply["accounts"].as_array().cloned().unwrap_or_default();
            match accounts.iter().find(|a| {
                a["id"].as_str() == Some(account_id.as_str())
                    || a["id"]
                        .as_u64()
                        .is_some_and(|id| id.to_string() == account_id)
            }) {
                Some(found) => Ok(format!(
                    "The key works for account {} ({}).",
                    account_id,
                    found["name"].as_str().unwrap_or("unnamed")
                )),
                None => Err(SyncError::Config(format!(
                    "the key works, but it has no account {account_id} (it has: {})",
                    accounts
                        .iter()
                        .map(|a| a["id"].to_string().trim_matches('"').to_owned())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
            }
        })
    }

    fn open(&self, request: FetchRequest) -> Result<Box<dyn RecordStream>, SyncError> {
        let key = request.connection.require_secret()?.to_owned();
        let account_id = account(&request.connection)?;
        let lookback =
            chrono::Duration::days(request.connection.number_or("lookback_days", 7) as i64);
        let history_start = request
            .connection
            .setting("history_start")
            .and_then(|text| NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok())
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(2015, 1, 1).unwrap_or_default())
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc());
        let start_date = match request.since {
            Some(since) => Some(since - lookback),
            None => history_start,
        };
        Ok(Box::new(CallRailStream {
            model: request.model.id,
            url: format!(
                "{}/v3/a/{account_id}/{}.json",
                base(&request.connection),
                request.model.id
            ),
            key,
            http: request.http,
            page: 1,
            per_page: request.page_size.clamp(1, 250),
            start_date,
            done: false,
            window: Duration::from_secs(
                request
                    .connection
                    .number_or("rate_limit_window_secs", 3600)
                    .max(1),
            ),
        }))
    }

    fn mapper(&self) -> Option<&'static dyn CrmMapper> {
        Some(&crate::sync::crm::callrail::CallRailMapper)
    }
}
