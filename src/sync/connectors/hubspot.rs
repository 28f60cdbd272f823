//! HubSpot CRM v3: companies, contacts and deals, with a private-app bearer token.
//!
//! - Full sync: the list endpoint, `after` cursor, 100 per page, selected properties (no
//!   result cap). When the property list would make the URL too long (HTTP 414), the
//!   search endpoint takes over, with the properties in the body.
//! - Incremental: the search endpoint, last-modified property `GTE` the cursor minus an
//!   overlap (search results can lag a few seconds), sorted ascending, 200 per page. Search
//!   stops at 10,000 results per query, so before reaching it the window slides: a new
//!   search starting at the last modification time seen (duplicates are dropped by id).
//! - Archived records (`archived=true`) arrive as deletions.
//! - Associations (contact → company, deal → company and contact) are read per page from
//!   the v4 batch endpoint and kept in the payload, for linking in the CRM.
//! - 429s wait as HubSpot's `X-HubSpot-RateLimit-*` headers say, without counting as
//!   failures.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::sync::connector::{
    BoxFuture, ConnectionConfig, Connector, FetchRequest, Fetched, InvalidRecord, Page, RawRecord,
    RecordStream, SyncError,
};
use crate::sync::crm::CrmMapper;
use crate::sync::http::Http;
use crate::sync::model::{
    AuthKind, FieldInfo, FieldType, ModelInfo, SettingField, SettingKind, SourceInfo,
};

pub struct HubSpot;

pub const DEFAULT_BASE_URL: &str = "https://api.hubapi.com";

static INFO: SourceInfo = SourceInfo {
    id: "hubspot",
    name: "HubSpot",
    description: "Companies, contacts and deals from HubSpot CRM, with deal stages mapped to your pipeline.",
    logo_text: "Hs",
    logo_colour: "#FF7A59",
    auth: AuthKind::BearerToken,
    secret_label: Some("Private app access token"),
    settings: &[SettingField {
        key: "base_url",
        label: "API base URL",
        kind: SettingKind::Url,
        required: false,
        default: DEFAULT_BASE_URL,
        help: "Leave empty for HubSpot itself.",
    }],
};

static MODELS: [ModelInfo; 3] = [
    ModelInfo {
        id: "companies",
        label: "Companies",
        description: "Accounts with domain, city and phone.",
        primary_key: "id",
        cursor_field: Some("hs_lastmodifieddate"),
        fields: &[
            FieldInfo::new("id", "ID", FieldType::Text, "/id"),
            FieldInfo::new("name", "Name", FieldType::Text, "/properties/name"),
            FieldInfo::new("domain", "Domain", FieldType::Text, "/properties/domain"),
            FieldInfo::new("city", "City", FieldType::Text, "/properties/city"),
            FieldInfo::new("state", "State", FieldType::Text, "/properties/state"),
            FieldInfo::new("phone", "Phone", FieldType::Phone, "/properties/phone"),
            FieldInfo::new("updated", "Modified", FieldType::DateTime, "/updatedAt"),
        ],
        order: 0,
        crm_target: Some("companies"),
    },
    ModelInfo {
        id: "contacts",
        label: "Contacts",
        description: "People, linked to their company.",
        primary_key: "id",
        cursor_field: Some("lastmodifieddate"),
        fields: &[
            FieldInfo::new("id", "ID", FieldType::Text, "/id"),
            FieldInfo::new(
                "first_name",
                "First name",
                FieldType::Text,
                "/properties/firstname",
            ),
            FieldInfo::new(
                "last_name",
                "Last name",
                FieldType::Text,
                "/properties/lastname",
            ),
            FieldInfo::new("email", "Email", FieldType::Email, "/properties/email"),
            FieldInfo::new("phone", "Phone", FieldType::Phone, "/properties/phone"),
            FieldInfo::new(
                "company",
                "Company ID",
                FieldType::Text,
                "/associations/companies",
            ),
            FieldInfo::new("updated", "Modified", FieldType::DateTime, "/updatedAt"),
        ],
        order: 1,
        crm_target: Some("contacts"),
    },
    ModelInfo {
        id: "deals",
        label: "Deals",
        description: "Deals with amount, stage and close date, linked to company and contact.",
        primary_key: "id",
        cursor_field: Some("hs_lastmodifieddate"),
        fields: &[
            FieldInfo::new("id", "ID", FieldType::Text, "/id"),
            FieldInfo::new("name", "Name", FieldType::Text, "/properties/dealname"),
            FieldInfo::new("amount", "Amount", FieldType::Money, "/properties/amount"),
            FieldInfo::new("stage", "Stage", FieldType::Text, "/properties/dealstage"),
            FieldInfo::new(
                "close_date",
                "Close date",
                FieldType::Date,
                "/properties/closedate",
            ),
            FieldInfo::new("updated", "Modified", FieldType::DateTime, "/updatedAt"),
        ],
        order: 2,
        crm_target: Some("deals"),
    },
];

fn properties(model: &str) -> &'static [&'static str] {
    match model {
        "companies" => &["name", "domain", "city", "state", "phone", "industry"],
        "contacts" => &[
            "firstname",
            "lastname",
            "email",
            "phone",
            "jobtitle",
            "lifecyclestage",
            "company",
        ],
        _ => &["dealname", "amount", "dealstage", "pipeline", "closedate"],
    }
}

fn associated(model: &str) -> &'static [&'static str] {
    match model {
        "contacts" => &["companies"],
        "deals" => &["companies", "contacts"],
        _ => &[],
    }
}

pub fn modified_property(model: &str) -> &'static str {
    if model == "contacts" {
        "lastmodifieddate"
    } else {
        "hs_lastmodifieddate"
    }
}

/// How long HubSpot wants us to wait after a 429.
pub fn rate_limit_wait(headers: &HeaderMap, body: &[u8]) -> Duration {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if headers.contains_key(reqwest::header::RETRY_AFTER) {
        return crate::sync::http::retry_after(headers, body);
    }
    if let Some(ms) = header("X-HubSpot-RateLimit-Interval-Milliseconds") {
        return Duration::from_millis(ms.clamp(100, 10_000));
    }
    if header("X-HubSpot-RateLimit-Secondly-Remaining") == Some(0) {
        return Duration::from_secs(1);
    }
    let policy = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|b| b["policyName"].as_str().map(str::to_owned));
    if policy.as_deref() == Some("DAILY") {
        // The daily limit resets at midnight UTC.
        let now = Utc::now();
        let midnight = (now + chrono::Duration::days(1))
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc());
        return midnight
            .and_then(|m| (m - now).to_std().ok())
            .unwrap_or(Duration::from_secs(3600));
    }
    // Search responses carry no headers; search allows about four requests a second.
    Duration::from_secs(1)
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    List {
        after: Option<String>,
    },
    Search {
        from_ms: i64,
        after: usize,
        last_ms: i64,
    },
    Archived {
        after: Option<String>,
    },
    Done,
}

struct HubSpotStream {
    model: &'static str,
    base_url: String,
    token: String,
    http: Http,
    phase: Phase,
    search_cap: usize,
    max_url_length: usize,
    properties: Vec<String>,
}

impl HubSpotStream {
    fn list_url(&self, after: &Option<String>, archived: bool) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("limit", "100");
        if let Some(after) = after {
            query.append_pair("after", after);
        }
        query.append_pair("properties", &self.properties.join(","));
        query.append_pair("archived", if archived { "true" } else { "false" });
        format!(
            "{}/crm/v3/objects/{}?{}",
            self.base_url,
            self.model,
            query.finish()
        )
    }

    async fn get(&self, url: &str) -> Result<Value, SyncError> {
        let token = self.token.clone();
        self.http
            .json(
                |client| client.get(url).bearer_auth(&token),
                &rate_limit_wait,
            )
            .await
    }

    async fn search(&self, from_ms: i64, after: usize) -> Result<Value, SyncError> {
        let modified = modified_property(self.model);
        let body = json!({
            "filterGroups": [{ "filters": [{ "propertyName": modified, "operator": "GTE", "value": from_ms.to_string() }] }],
            "sorts": [{ "propertyName": modified, "direction": "ASCENDING" }],
            "properties": self.properties,
            "limit": 200,
            "after": after.to_string(),
        });
        let url = format!("{}/crm/v3/objects/{}/search", self.base_url, self.model);
        let token = self.token.clone();
        self.http
            .json(
                |client| client.post(&url).bearer_auth(&token).json(&body),
                &rate_limit_wait,
            )
            .await
    }

    /// Association ids per record, from the v4 batch endpoint (100 ids per request).
    async fn associations(
        &self,
        ids: &[String],
    ) -> Result<std::collections::HashMap<String, serde_json::Map<String, Value>>, SyncError> {
        let mut found: std::collections::HashMap<String, serde_json::Map<String, Value>> =
            std::collections::HashMap::new();
        for to in associated(self.model) {
            for chunk in ids.chunks(100) {
                let url = format!(
                    "{}/crm/v4/associations/{}/{to}/batch/read",
                    self.base_url, self.model
                );
                let body = json!({ "inputs": chunk.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>() });
                let token = self.token.clone();
                let reply: Value = self
                    .http
                    .json(
                        |client| client.post(&url).bearer_auth(&token).json(&body),
                        &rate_limit_wait,
                    )
                    .await?;
                for result in reply["results"].as_array().into_iter().flatten() {
                    let Some(from) = result["from"]["id"].as_str() else {
                        continue;
                    };
                    let mut targets: Vec<String> = result["to"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|t| match &t["toObjectId"] {
                            Value::Number(n) => Some(n.to_string()),
                            Value::String(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect();
                    // Sorted, so the same associations always hash the same.
                    targets.sort();
                    found
                        .entry(from.to_owned())
                        .or_default()
                        .insert((*to).to_owned(), json!(targets));
                }
            }
        }
        Ok(found)
    }

    /// Turns HubSpot objects into records (with their associations).
    async fn records(&self, results: &[Value], deleted: bool) -> Result<Vec<Fetched>, SyncError> {
        let ids: Vec<String> = results
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_owned))
            .collect();
        let mut associations = if deleted || associated(self.model).is_empty() {
            Default::default()
        } else {
            self.associations(&ids).await?
        };
        let modified = modified_property(self.model);
        Ok(results
            .iter()
            .map(|result| {
                let id = result["id"]
                    .as_str()
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned);
                let Some(id) = id else {
                    return Fetched::Invalid(InvalidRecord {
                        source_id: None,
                        reason: "the record has no id".to_owned(),
                        payload: result.clone(),
                    });
                };
                let updated = result["updatedAt"]
                    .as_str()
                    .or_else(|| result["properties"][modified].as_str())
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc));
                let Some(updated) = updated else {
                    return Fetched::Invalid(InvalidRecord {
                        source_id: Some(id),
                        reason: "the record has no valid modification time".to_owned(),
                        payload: result.clone(),
                    });
                };
                let mut payload = result.clone();
                if !associated(self.model).is_empty() && !deleted {
                    let mut links = associations.remove(&id).unwrap_or_default();
                    for to in associated(self.model) {
                        links.entry((*to).to_owned()).or_insert_with(|| json!([]));
                    }
                    payload["associations"] = Value::Object(links);
                }
                Fetched::Record(RawRecord {
                    source_id: id,
                    payload,
                    updated_at: Some(updated),
                    deleted,
                })
            })
            .collect())
    }

    async fn next(&mut self) -> Result<Option<Page>, SyncError> {
        loop {
            match self.phase.clone() {
                Phase::Done => return Ok(None),
                Phase::List { after } => {
                    let url = self.list_url(&after, false);
                    if url.len() > self.max_url_length {
                        self.http.log.line(|| {
                            format!(
                                "property list too long for a URL ({} chars): using search",
                                url.len()
                            )
                        });
                        self.phase = Phase::Search {
                            from_ms: 0,
                            after: 0,
                            last_ms: 0,
                        };
                        continue;
                    }
                    let reply = match self.get(&url).await {
                        Err(SyncError::Http { status: 414, .. }) => {
                            self.http
                                .log
                                .line(|| "414 URI too long: using search".to_owned());
                            self.phase = Phase::Search {
                                from_ms: 0,
                                after: 0,
                                last_ms: 0,
                            };
                            continue;
                        }
                        other => other?,
                    };
                    let results = reply["results"].as_array().cloned().unwrap_or_default();
                    self.phase = match reply["paging"]["next"]["after"].as_str() {
                        Some(next) => Phase::List {
                            after: Some(next.to_owned()),
                        },
                        None => Phase::Archived { after: None },
                    };
                    let items = self.records(&results, false).await?;
                    return Ok(Some(Page {
                        items,
                        expected_total: None,
                    }));
                }
                Phase::Search {
                    from_ms,
                    after,
                    last_ms,
                } => {
                    // Slide the window before the 10,000-result cap: restart at the last
                    // modification time seen (inclusive; repeats are dropped by id).
                    let (from_ms, after) = if after + 200 > self.search_cap {
                        if last_ms <= from_ms {
                            return Err(SyncError::Other(anyhow::anyhow!(
                                "more than {} records share one modification time; cannot page past them",
                                self.search_cap
                            )));
                        }
                        self.http
                            .log
                            .line(|| format!("search window slides to {last_ms} ms"));
                        (last_ms, 0)
                    } else {
                        (from_ms, after)
                    };
                    let reply = self.search(from_ms, after).await?;
                    let results = reply["results"].as_array().cloned().unwrap_or_default();
                    let modified = modified_property(self.model);
                    let newest = results
                        .iter()
                        .filter_map(|r| {
                            r["updatedAt"]
                                .as_str()
                                .or_else(|| r["properties"][modified].as_str())
                        })
                        .filter_map(|t| DateTime::parse_from_rfc3339(t).ok())
                        .map(|t| t.timestamp_millis())
                        .max()
                        .unwrap_or(last_ms)
                        .max(last_ms);
                    let total = reply["total"].as_u64();
                    self.phase = match reply["paging"]["next"]["after"]
                        .as_str()
                        .and_then(|a| a.parse::<usize>().ok())
                    {
                        Some(next) if !results.is_empty() => Phase::Search {
                            from_ms,
                            after: next,
                            last_ms: newest,
                        },
                        _ => Phase::Archived { after: None },
                    };
                    let items = self.records(&results, false).await?;
                    return Ok(Some(Page {
                        items,
                        expected_total: total,
                    }));
                }
                Phase::Archived { after } => {
                    let url = self.list_url(&after, true);
                    let reply = match self.get(&url).await {
                        Err(SyncError::Http { status: 414, .. }) => {
                            self.phase = Phase::Done;
                            continue;
                        }
                        other => other?,
                    };
                    let results = reply["results"].as_array().cloned().unwrap_or_default();
                    self.phase = match reply["paging"]["next"]["after"].as_str() {
                        Some(next) => Phase::Archived {
                            after: Some(next.to_owned()),
                        },
                        None => Phase::Done,
                    };
                    let items = self.records(&results, true).await?;
                    return Ok(Some(Page {
                        items,
                        expected_total: None,
                    }));
                }
            }
        }
    }
}

impl RecordStream for HubSpotStream {
    fn next_page(&mut self) -> BoxFuture<'_, Result<Option<Page>, SyncError>> {
        Box::pin(self.next())
    }

    fn endpoint(&self) -> String {
        match self.phase {
            Phase::Search { .. } => format!(
                "POST {}/crm/v3/objects/{}/search",
                self.base_url, self.model
            ),
            _ => format!("GET {}/crm/v3/objects/{}", self.base_url, self.model),
        }
    }

    fn ordered(&self) -> bool {
        // Search pages come oldest change first; list pages come in id order.
        matches!(self.phase, Phase::Search { .. })
    }

    fn complete_listing(&self) -> bool {
        // HubSpot lists deletions itself (archived records); a record missing from a page
        // is not evidence that it is gone.
        false
    }
}

pub fn base_url(connection: &ConnectionConfig) -> String {
    connection
        .setting_or("base_url", DEFAULT_BASE_URL)
        .trim_end_matches('/')
        .to_owned()
}

impl Connector for HubSpot {
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
            let token = connection.require_secret()?.to_owned();
            let url = format!(
                "{}/crm/v3/objects/contacts?limit=1&archived=false",
                base_url(connection)
            );
            let reply: Value = http
                .json(
                    |client| client.get(&url).bearer_auth(&token),
                    &rate_limit_wait,
                )
                .await?;
            let sample = reply["results"].as_array().map_or(0, Vec::len);
            Ok(if sample > 0 {
                "The token works: contacts are readable.".to_owned()
            } else {
                "The token works, but the account has no contacts yet.".to_owned()
            })
        })
    }

    fn open(&self, request: FetchRequest) -> Result<Box<dyn RecordStream>, SyncError> {
        let token = request.connection.require_secret()?.to_owned();
        let model = request.model.id;
        let mut props: Vec<String> = properties(model).iter().map(|p| (*p).to_owned()).collect();
        props.push(modified_property(model).to_owned());
        if let Some(extra) = request.connection.setting(&format!("properties_{model}")) {
            props.extend(
                extra
                    .split(',')
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty()),
            );
        }
        let overlap = request.connection.number_or("search_overlap_seconds", 60) as i64;
        let phase = match request.since {
            Some(since) => Phase::Search {
                from_ms: (since - chrono::Duration::seconds(overlap))
                    .timestamp_millis()
                    .max(0),
                after: 0,
                last_ms: 0,
            },
            None => Phase::List { after: None },
        };
        Ok(Box::new(HubSpotStream {
            model,
            base_url: base_url(&request.connection),
            token,
            http: request.http,
            phase,
            search_cap: request.connection.number_or("search_cap", 10_000) as usize,
            max_url_length: request.connection.number_or("max_url_length", 3000) as usize,
            properties: props,
        }))
    }

    fn mapper(&self) -> Option<&'static dyn CrmMapper> {
        Some(&crate::sync::crm::hubspot::HubSpotMapper)
    }
}
