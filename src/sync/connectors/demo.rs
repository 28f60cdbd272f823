//! The demo source: realistic, deterministic companies, contacts, deals and calls, so
//! anyone can try the hub without credentials. Record `i` is a pure function of `i` and
//! time: it appears at a fixed moment and changes on its own schedule (every 1–29 days),
//! so incremental syncs keep finding new and changed records. Settings: how many records
//! per model, a pause per page (to watch progress), and every n-th record invalid.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use crate::seed::words::{
    COLORADO_CITIES, COMPANY_NOUNS, FIRST_NAMES, INDUSTRIES, LAST_NAMES, TITLES,
};
use crate::sync::connector::{
    BoxFuture, ConnectionConfig, Connector, FetchRequest, Fetched, InvalidRecord, Page, RawRecord,
    RecordStream, SyncError,
};
use crate::sync::http::Http;
use crate::sync::model::{
    AuthKind, FieldInfo, FieldType, ModelInfo, SettingField, SettingKind, SourceInfo,
};

pub struct Demo;

static INFO: SourceInfo = SourceInfo {
    id: "demo",
    name: "Demo CRM",
    description: "Generated companies, contacts, deals and calls that change over time. Try the sync hub without credentials.",
    logo_text: "De",
    logo_colour: "#7C3AED",
    auth: AuthKind::None,
    secret_label: None,
    settings: &[
        SettingField {
            key: "records",
            label: "Records per model",
            kind: SettingKind::Number,
            required: false,
            default: "2000",
            help: "Up to 1,000,000.",
        },
        SettingField {
            key: "page_delay_ms",
            label: "Pause per page (ms)",
            kind: SettingKind::Number,
            required: false,
            default: "0",
            help: "Slows the sync down so you can watch it.",
        },
        SettingField {
            key: "invalid_every",
            label: "Every n-th record is invalid",
            kind: SettingKind::Number,
            required: false,
            default: "0",
            help: "0 for none. Invalid records show up in the run's errors.",
        },
    ],
};

static MODELS: [ModelInfo; 4] = [
    ModelInfo {
        id: "companies",
        label: "Companies",
        description: "Accounts with industry, size and city.",
        primary_key: "id",
        cursor_field: Some("updated_at"),
        fields: &[
            FieldInfo::new("id", "ID", FieldType::Text, "/id"),
            FieldInfo::new("name", "Name", FieldType::Text, "/name"),
            FieldInfo::new("industry", "Industry", FieldType::Text, "/industry"),
            FieldInfo::new("employees", "Employees", FieldType::Number, "/employees"),
            FieldInfo::new("city", "City", FieldType::Text, "/city"),
            FieldInfo::new("updated_at", "Updated", FieldType::DateTime, "/updated_at"),
        ],
        order: 0,
        crm_target: None,
    },
    ModelInfo {
        id: "contacts",
        label: "Contacts",
        description: "People with email, phone, title and lifecycle stage.",
        primary_key: "id",
        cursor_field: Some("updated_at"),
        fields: &[
            FieldInfo::new("id", "ID", FieldType::Text, "/id"),
            FieldInfo::new("first_name", "First name", FieldType::Text, "/first_name"),
            FieldInfo::new("last_name", "Last name", FieldType::Text, "/last_name"),
            FieldInfo::new("email", "Email", FieldType::Email, "/email"),
            FieldInfo::new("phone", "Phone", FieldType::Phone, "/phone"),
            FieldInfo::new("title", "Title", FieldType::Text, "/title"),
            FieldInfo::new(
                "stage",
                "Lifecycle stage",
                FieldType::Text,
                "/lifecycle_stage",
            ),
            FieldInfo::new("updated_at", "Updated", FieldType::DateTime, "/updated_at"),
        ],
        order: 1,
        crm_target: None,
    },
    ModelInfo {
        id: "deals",
        label: "Deals",
        description: "Opportunities with amount, stage and close date.",
        primary_key: "id",
        cursor_field: Some("updated_at"),
        fields: &[
            FieldInfo::new("id", "ID", FieldType::Text, "/id"),
            FieldInfo::new("name", "Name", FieldType::Text, "/name"),
            FieldInfo::new("amount", "Amount", FieldType::Money, "/amount"),
            FieldInfo::new("stage", "Stage", FieldType::Text, "/stage"),
            FieldInfo::new("close_date", "Close date", FieldType::Date, "/close_date"),
            FieldInfo::new("updated_at", "Updated", FieldType::DateTime, "/updated_at"),
        ],
        order: 2,
        crm_target: None,
    },
    ModelInfo {
        id: "calls",
        label: "Calls",
        description: "Inbound and outbound calls with duration and outcome.",
        primary_key: "id",
        cursor_field: Some("updated_at"),
        fields: &[
            FieldInfo::new("id", "ID", FieldType::Text, "/id"),
            FieldInfo::new("direction", "Direction", FieldType::Text, "/direction"),
            FieldInfo::new(
                "customer_phone",
                "Customer phone",
                FieldType::Phone,
                "/customer_phone",
            ),
            FieldInfo::new("duration", "Duration (s)", FieldType::Number, "/duration"),
            FieldInfo::new("outcome", "Outcome", FieldType::Text, "/outcome"),
            FieldInfo::new("started_at", "Started", FieldType::DateTime, "/started_at"),
        ],
        order: 3,
        crm_target: None,
    },
];

/// Record 0 appears at this moment; one more record per model every 17 minutes after it.
fn origin() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 9, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

const SPACING_MINUTES: i64 = 17;

/// A small deterministic mixer, so fields look random but never change between runs.
fn mix(i: u64, salt: u64) -> u64 {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 29)
}

fn pick<'a>(list: &[&'a str], i: u64, salt: u64) -> &'a str {
    list[(mix(i, salt) % list.len() as u64) as usize]
}

/// When record `i` was created and last changed, as of `now`; None if not created yet.
fn times(i: u64, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>, i64)> {
    let created = origin() + Duration::minutes(SPACING_MINUTES * i as i64);
    if created > now {
        return None;
    }
    let period =
        Duration::days(1 + (mix(i, 7) % 29) as i64) + Duration::minutes((mix(i, 8) % 600) as i64);
    let version = ((now - created).num_seconds() / period.num_seconds().max(1)).max(0);
    Some((created, created + period * version as i32, version))
}

fn record(
    model: &str,
    i: u64,
    version: i64,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
) -> Value {
    let v = version as u64;
    let first = pick(FIRST_NAMES, i, 1);
    let last = pick(LAST_NAMES, i, 2);
    let (city, _zip) = COLORADO_CITIES[(mix(i, 3) % COLORADO_CITIES.len() as u64) as usize];
    let ts = |at: DateTime<Utc>| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    match model {
        "companies" => json!({
            "id": format!("CMP-{i:06}"),
            "name": format!("{last} {}", pick(COMPANY_NOUNS, i, 4)),
            "industry": pick(INDUSTRIES, i, 5),
            "employees": 5 + (mix(i, 6) % 400) + v * 3,
            "city": city,
            "created_at": ts(created),
            "updated_at": ts(updated),
        }),
        "contacts" => {
            let stages = [
                "lead",
                "marketing_qualified",
                "sales_qualified",
                "opportunity",
                "customer",
            ];
            json!({
                "id": format!("CON-{i:06}"),
                "first_name": first,
                "last_name": last,
                "email": format!("{}.{}{}@example.com", first.to_lowercase(), last.to_lowercase().replace([' ', '\''], ""), i),
                "phone": format!("+1303555{:04}", mix(i, 9) % 10_000),
                "title": pick(TITLES, i, 10),
                "company_id": format!("CMP-{:06}", mix(i, 11) % (i + 1)),
                "lifecycle_stage": stages[((mix(i, 12) + v) % stages.len() as u64) as usize],
                "created_at": ts(created),
                "updated_at": ts(updated),
            })
        }
        "deals" => {
            let stages = [
                "appointmentscheduled",
                "qualifiedtobuy",
                "presentationscheduled",
                "contractsent",
                "closedwon",
                "closedlost",
            ];
            let stage = ((mix(i, 13) % 3) + v).min(stages.len() as u64 - 1);
            json!({
                "id": format!("DEA-{i:06}"),
                "name": format!("{last} – {} windows", 4 + mix(i, 14) % 30),
                "amount": format!("{}.00", 2_000 + (mix(i, 15) % 40_000)),
                "stage": stages[stage as usize],
                "close_date": (created + Duration::days(30 + (mix(i, 16) % 90) as i64)).format("%Y-%m-%d").to_string(),
                "company_id": format!("CMP-{:06}", mix(i, 17) % (i + 1)),
                "created_at": ts(created),
                "updated_at": ts(updated),
            })
        }
        _ => {
            let outcomes = ["answered", "voicemail", "missed"];
            json!({
                "id": format!("CAL-{i:06}"),
                "direction": if mix(i, 18).is_multiple_of(3) { "outbound" } else { "inbound" },
                "customer_phone": format!("+1720555{:04}", mix(i, 19) % 10_000),
                "duration": mix(i, 20) % 900,
                "outcome": outcomes[((mix(i, 21) + v) % 3) as usize],
                "tags": if v > 0 { json!(["followed-up"]) } else { json!([]) },
                "started_at": ts(created),
                "updated_at": ts(updated),
            })
        }
    }
}

struct DemoStream {
    model: &'static str,
    /// (index, version, created, updated) of the records to send, oldest change first.
    due: Vec<(u64, i64, DateTime<Utc>, DateTime<Utc>)>,
    position: usize,
    page_size: usize,
    delay: std::time::Duration,
    invalid_every: u64,
    http: Http,
    full: bool,
}

impl RecordStream for DemoStream {
    fn next_page(&mut self) -> BoxFuture<'_, Result<Option<Page>, SyncError>> {
        Box::pin(async move {
            if self.position >= self.due.len() {
                return Ok(None);
            }
            if !self.delay.is_zero() {
                self.http.pause(self.delay).await?;
            }
            let end = (self.position + self.page_size).min(self.due.len());
            let mut items = Vec::with_capacity(end - self.position);
            for &(i, version, created, updated) in &self.due[self.position..end] {
                let payload = record(self.model, i, version, created, updated);
                let source_id = payload["id"].as_str().unwrap_or_default().to_owned();
                if self.invalid_every > 0 && (i + 1).is_multiple_of(self.invalid_every) {
                    items.push(Fetched::Invalid(InvalidRecord {
                        source_id: Some(source_id),
                        reason: "required field `name` is empty".to_owned(),
                        payload,
                    }));
                } else {
                    items.push(Fetched::Record(RawRecord {
                        source_id,
                        payload,
                        updated_at: Some(updated),
                        deleted: false,
                    }));
                }
            }
            self.http
                .log
                .line(|| format!("demo page {}..{} of {}", self.position, end, self.due.len()));
            self.position = end;
            Ok(Some(Page {
                items,
                expected_total: Some(self.due.len() as u64),
            }))
        })
    }

    fn endpoint(&self) -> String {
        format!("demo://{}", self.model)
    }

    fn ordered(&self) -> bool {
        true
    }

    fn complete_listing(&self) -> bool {
        self.full
    }
}

impl Connector for Demo {
    fn info(&self) -> &'static SourceInfo {
        &INFO
    }

    fn models(&self) -> &'static [ModelInfo] {
        &MODELS
    }

    fn test_connection<'a>(
        &'a self,
        connection: &'a ConnectionConfig,
        _http: &'a Http,
    ) -> BoxFuture<'a, Result<String, SyncError>> {
        Box::pin(async move {
            let count = connection.number_or("records", 2000).min(1_000_000);
            Ok(format!("Ready: up to {count} generated records per model."))
        })
    }

    fn open(&self, request: FetchRequest) -> Result<Box<dyn RecordStream>, SyncError> {
        let count = request.connection.number_or("records", 2000).min(1_000_000);
        let now = Utc::now();
        let mut due: Vec<(u64, i64, DateTime<Utc>, DateTime<Utc>)> = (0..count)
            .filter_map(|i| {
                times(i, now).map(|(created, updated, version)| (i, version, created, updated))
            })
            .filter(|(_, _, _, updated)| request.since.is_none_or(|since| *updated >= since))
            .collect();
        due.sort_by_key(|(i, _, _, updated)| (*updated, *i));
        Ok(Box::new(DemoStream {
            model: request.model.id,
            due,
            position: 0,
            page_size: request.page_size.clamp(1, 1000),
            delay: std::time::Duration::from_millis(
                request.connection.number_or("page_delay_ms", 0),
            ),
            invalid_every: request.connection.number_or("invalid_every", 0),
            http: request.http,
            full: request.since.is_none(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_deterministic_and_change_over_time() {
        let now = origin() + Duration::days(400);
        let (created, updated, version) = times(42, now).unwrap_or_else(|| panic!("exists"));
        assert_eq!(
            record("contacts", 42, version, created, updated),
            record("contacts", 42, version, created, updated)
        );
        assert!(updated <= now && updated >= created);
        let later = times(42, now + Duration::days(60)).unwrap_or_else(|| panic!("exists"));
        assert!(later.1 > updated, "record 42 changes within 60 days");
        assert!(
            times(10_000_000, now).is_none(),
            "far records do not exist yet"
        );
    }
}
