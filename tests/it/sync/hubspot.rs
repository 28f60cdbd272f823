//! The HubSpot connector against the local HubSpot fixture: paging, incremental search with
//! the sliding window, archived records, property projection and 414, auth, every fault the
//! fixture injects, cursor safety, and the mapping into Rapport companies, contacts, deals.

use diesel::prelude::*;
use rapport::db::Db;
use rapport::db::schema::{contacts, deals, pipeline_stages};
use rapport::domain::ids::TenantId;
use rapport::sync::fixtures::FixtureServer;
use rapport::sync::fixtures::hubspot::{self, HubSpotConfig};
use rapport::sync::options::SyncOptions;
use serde_json::{Value, json};

use super::helpers::*;
use crate::support::{TestDb, TwoTenants};

pub(super) struct Setup {
    _db: TestDb,
    pub(super) db: Db,
    pub(super) tenant: TenantId,
    fixture: FixtureServer,
    token: String,
}

pub(super) async fn setup(config: HubSpotConfig, extra: Value) -> Setup {
    let test_db = tokio::task::spawn_blocking(TestDb::new)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let db = test_db.pool();
    let tenants = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || TwoTenants::create(&db))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let token = config.token.clone();
    let fixture = hubspot::start(config, 0).unwrap_or_else(|e| panic!("fixture: {e}"));
    let mut settings = json!({
        "base_url": fixture.base_url,
        "timeout_ms": "1500",
        "retry_base_ms": "10",
        "max_retries": "3",
    });
    if let (Some(target), Some(more)) = (settings.as_object_mut(), extra.as_object()) {
        target.extend(more.clone());
    }
    let tenant = tenants.a.tenant_id;
    {
        let db = db.clone();
        let token = token.clone();
        tokio::task::spawn_blocking(move || {
            connect(&db, tenant, "hubspot", settings, Some(&token))
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
    Setup {
        _db: test_db,
        db,
        tenant,
        fixture,
        token,
    }
}

impl Setup {
    pub(super) async fn control(&self, path: &str, body: Value) {
        let response = reqwest::Client::new()
            .post(format!("{}{path}", self.fixture.base_url))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }

    async fn requests(&self) -> Vec<Value> {
        reqwest::get(format!("{}/__fixture/requests", self.fixture.base_url))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    pub(super) async fn sync(
        &self,
        model: &str,
        options: SyncOptions,
    ) -> rapport::sync::runs::SyncRun {
        run_sync(&self.db, self.tenant, "hubspot", model, options).await
    }
}

pub(super) fn small() -> HubSpotConfig {
    HubSpotConfig {
        companies: 12,
        contacts: 40,
        deals: 21,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_full_sync_pages_with_after_and_maps_companies_contacts_and_deals() {
    let setup = setup(small(), json!({})).await;
    let companies = setup.sync("companies", SyncOptions::default()).await;
    assert_eq!(
        (companies.status.as_str(), companies.created),
        ("success", 12),
        "{:?}",
        companies.error_message
    );
    let contacts_run = setup.sync("contacts", SyncOptions::default()).await;
    assert_eq!(
        (contacts_run.status.as_str(), contacts_run.created),
        ("success", 40)
    );
    let deals_run = setup.sync("deals", SyncOptions::default()).await;
    assert_eq!(
        (deals_run.status.as_str(), deals_run.created),
        ("success", 21),
        "{:?}",
        deals_run.error_message
    );

    let requests = setup.requests().await;
    let lists: Vec<&Value> = requests
        .iter()
        .filter(|r| r["path"] == "/crm/v3/objects/contacts")
        .collect();
    assert!(lists.len() >= 2, "archived listing too");
    assert!(requests.iter().all(|r| {
        r["authorization"] == format!("Bearer {}", setup.token).as_str()
            || r["path"]
                .as_str()
                .unwrap_or_default()
                .starts_with("/__fixture")
    }));
    assert!(lists.iter().all(|r| {
        r["query"]
            .as_str()
            .unwrap_or_default()
            .contains("limit=100")
    }));
    assert!(
        lists[0]["query"]
            .as_str()
            .unwrap_or_default()
            .contains("properties=firstname%2Clastname%2Cemail")
    );
    assert!(
        requests
            .iter()
            .any(|r| r["path"] == "/crm/v4/associations/deals/contacts/batch/read")
    );

    // In the CRM: linked to each other, stages mapped.
    let db = setup.db.clone();
    let tenant = setup.tenant;
    let (linked, won, external) = tokio::task::spawn_blocking(move || {
        db.tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<_> {
            let linked: i64 = contacts::table
                .filter(contacts::external_source.eq("hubspot"))
                .filter(contacts::company_id.is_not_null())
                .count()
                .get_result(conn)?;
            let won: i64 = deals::table
                .inner_join(pipeline_stages::table.on(pipeline_stages::id.eq(deals::stage_id)))
                .filter(deals::external_source.eq("hubspot"))
                .filter(pipeline_stages::is_closed_won.eq(true))
                .filter(deals::status.eq("won"))
                .count()
                .get_result(conn)?;
            let external: Option<String> = deals::table
                .filter(deals::external_id.eq("3000000"))
                .select(deals::title)
                .first(conn)
                .optional()?;
            Ok((linked, won, external))
        })
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(linked, 40, "every contact linked to its company");
    assert_eq!(won, 3, "deals 5, 12 and 19 are closedwon");
    assert_eq!(external.as_deref(), Some("Doe – Windows (4)"));
}

#[tokio::test]
async fn incremental_syncs_search_from_the_cursor_and_keep_fields_edited_in_rapport() {
    let setup = setup(small(), json!({})).await;
    setup.sync("companies", SyncOptions::default()).await;
    let first = setup.sync("contacts", SyncOptions::default()).await;
    assert_eq!(first.created, 40);
    let cursor = first
        .cursor_after
        .clone()
        .unwrap_or_else(|| panic!("no cursor"));

    // Someone edits contact 2000003's first name in Rapport; HubSpot changes its last name
    // and its title.
    let db = setup.db.clone();
    let tenant = setup.tenant;
    tokio::task::spawn_blocking(move || {
        db.tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<()> {
            diesel::update(contacts::table.filter(contacts::external_id.eq("2000003")))
                .set(contacts::first_name.eq("Edited"))
                .execute(conn)?;
            Ok(())
        })
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
    .unwrap_or_else(|e| panic!("{e}"));
    setup
        .control("/__fixture/hubspot/mutate", json!({ "object": "contacts", "id": 2000003, "properties": { "firstname": "Wei", "lastname": "Changed", "jobtitle": "Owner" } }))
        .await;

    let second = setup.sync("contacts", SyncOptions::default()).await;
    assert_eq!(second.status, "success");
    assert_eq!(
        (second.created, second.updated),
        (0, 1),
        "only the changed contact"
    );
    assert_eq!(second.cursor_before.as_deref(), Some(cursor.as_str()));
    let requests = setup.requests().await;
    let search = requests
        .iter()
        .rev()
        .find(|r| r["path"] == "/crm/v3/objects/contacts/search")
        .unwrap_or_else(|| panic!("no search request"));
    let body: Value =
        serde_json::from_str(search["body"].as_str().unwrap_or_default()).unwrap_or_default();
    let filter = &body["filterGroups"][0]["filters"][0];
    assert_eq!(filter["propertyName"], "lastmodifieddate");
    assert_eq!(filter["operator"], "GTE");
    let from: i64 = filter["value"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or_default();
    let cursor_ms = chrono::DateTime::parse_from_rfc3339(&cursor)
        .map(|t| t.timestamp_millis())
        .unwrap_or_default();
    assert_eq!(from, cursor_ms - 60_000, "the cursor minus the overlap");
    assert_eq!(body["sorts"][0]["direction"], "ASCENDING");

    let read = move |db: Db| {
        db.tenant_blocking(
            &scope(tenant),
            |conn| -> anyhow::Result<(String, String, Option<String>)> {
                Ok(contacts::table
                    .filter(contacts::external_id.eq("2000003"))
                    .select((contacts::first_name, contacts::last_name, contacts::title))
                    .first(conn)?)
            },
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let db = setup.db.clone();
    let row = tokio::task::spawn_blocking(move || read(db))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        row,
        (
            "Edited".to_owned(),
            "Changed".to_owned(),
            Some("Owner".to_owned())
        ),
        "the edit is kept, the rest updated"
    );

    // --force overwrites the edit.
    let forced = setup
        .sync(
            "contacts",
            SyncOptions {
                full: true,
                force: true,
                ..Default::default()
            },
        )
        .await;
    assert_eq!(forced.status, "success");
    let db = setup.db.clone();
    let row = tokio::task::spawn_blocking(move || read(db))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(row.0, "Wei");
}

#[tokio::test]
async fn search_slides_its_window_before_the_result_cap() {
    let config = HubSpotConfig {
        companies: 0,
        contacts: 530,
        deals: 0,
        search_cap: 200,
        ..Default::default()
    };
    let setup = setup(config, json!({ "search_cap": "200" })).await;
    let since = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok();
    let run = setup
        .sync(
            "contacts",
            SyncOptions {
                since,
                ..Default::default()
            },
        )
        .await;
    assert_eq!(run.status, "success", "{:?}", run.error_message);
    assert_eq!(run.created, 530);
    let windows: std::collections::BTreeSet<String> = setup
        .requests()
        .await
        .iter()
        .filter(|r| r["path"] == "/crm/v3/objects/contacts/search")
        .filter_map(|r| serde_json::from_str::<Value>(r["body"].as_str().unwrap_or_default()).ok())
        .map(|b| {
            b["filterGroups"][0]["filters"][0]["value"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(windows.len() >= 3, "the window slid: {windows:?}");
    assert_eq!(
        records(&setup.db, setup.tenant, "hubspot", "contacts").len(),
        530
    );
}

#[tokio::test]
async fn archived_records_become_deletions() {
    let config = HubSpotConfig {
        companies: 20,
        contacts: 0,
        deals: 0,
        archived_every: 5,
        ..Default::default()
    };
    let setup = setup(config, json!({})).await;
    let run = setup.sync("companies", SyncOptions::default()).await;
    assert_eq!((run.created, run.deleted), (16, 4));
    setup
        .control(
            "/__fixture/hubspot/archive",
            json!({ "object": "companies", "id": 1000000 }),
        )
        .await;
    let again = setup.sync("companies", SyncOptions::default()).await;
    assert_eq!(again.deleted, 1);
    let stored = records(&setup.db, setup.tenant, "hubspot", "companies");
    assert_eq!(stored.iter().filter(|(_, _, deleted)| *deleted).count(), 5);
    let state = model_state(&setup.db, setup.tenant, "hubspot", "companies")
        .unwrap_or_else(|| panic!("state"));
    assert_eq!((state.record_count, state.deleted_count), (15, 5));
}

#[tokio::test]
async fn a_property_list_too_long_for_a_url_uses_the_search_body() {
    let long: Vec<String> = (0..250)
        .map(|i| format!("custom_property_number_{i}"))
        .collect();
    let setup = setup(
        small(),
        json!({ "properties_companies": long.join(","), "max_url_length": "100000" }),
    )
    .await;
    let run = setup.sync("companies", SyncOptions::default()).await;
    assert_eq!(
        (run.status.as_str(), run.created),
        ("success", 12),
        "{:?}",
        run.error_message
    );
    let requests = setup.requests().await;
    assert!(
        requests
            .iter()
            .any(|r| r["path"] == "/crm/v3/objects/companies/search"),
        "switched to search after 414"
    );
    let (_, payload, _) = records(&setup.db, setup.tenant, "hubspot", "companies").remove(0);
    assert!(
        payload["properties"]
            .as_object()
            .is_some_and(|p| p.contains_key("custom_property_number_7")),
        "projection kept"
    );
}

#[tokio::test]
async fn server_errors_timeouts_rate_limits_and_bad_json_are_retried_or_waited_out() {
    let config = HubSpotConfig {
        rate_limit: Some((4, 300)),
        ..small()
    };
    let setup = setup(config, json!({})).await;
    setup
        .control(
            "/__fixture/faults",
            json!([
                { "kind": "status", "status": 503, "times": 2, "path_contains": "companies" },
                { "kind": "malformed_json", "path_contains": "companies" },
                { "kind": "slow", "delay_ms": 3000, "path_contains": "companies" },
                { "kind": "rate_limit", "delay_ms": 200, "path_contains": "companies" },
            ]),
        )
        .await;
    let run = setup
        .sync(
            "companies",
            SyncOptions {
                batch_size: Some(5),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(run.status, "success", "{:?}", run.error_message);
    assert_eq!((run.created, run.failed), (12, 0));
    let seen: Vec<String> = setup
        .requests()
        .await
        .iter()
        .map(|r| format!("{} {}", r["method"], r["path"]))
        .collect();
    assert!(
        run.retries >= 4,
        "503 twice, bad JSON, a timeout: {} {seen:?} {run:?}",
        run.retries
    );
    assert!(run.rate_limit_waits >= 1, "429s are waited out");
}

#[tokio::test]
async fn broken_duplicated_skipped_and_moving_records_are_handled() {
    let setup = setup(
        HubSpotConfig {
            companies: 0,
            contacts: 300,
            deals: 0,
            ..Default::default()
        },
        json!({}),
    )
    .await;
    setup
        .control(
            "/__fixture/faults",
            json!([
                { "kind": "malformed_record", "path_contains": "objects/contacts" },
                { "kind": "duplicate_records", "path_contains": "objects/contacts" },
                { "kind": "mutate_between_pages", "path_contains": "objects/contacts" },
            ]),
        )
        .await;
    let run = setup.sync("contacts", SyncOptions::default()).await;
    assert_eq!(
        run.status, "partial",
        "a broken record makes the run partial"
    );
    assert_eq!(run.failed, 1);
    let errors = run_errors(&setup.db, setup.tenant, run.id);
    assert!(
        errors[0].reason.contains("has no id"),
        "{:?}",
        errors[0].reason
    );
    // Duplicates were dropped: every other record exactly once.
    assert_eq!(
        records(&setup.db, setup.tenant, "hubspot", "contacts").len(),
        299
    );

    // The broken record arrives whole in the next run; a record a sloppy page leaves out
    // is neither lost nor taken for deleted (HubSpot reports deletions itself).
    setup
        .control(
            "/__fixture/faults",
            json!({ "kind": "skip_records", "path_contains": "objects/contacts" }),
        )
        .await;
    let skipped = setup
        .sync(
            "contacts",
            SyncOptions {
                full: true,
                ..Default::default()
            },
        )
        .await;
    assert_eq!(skipped.status, "success");
    assert_eq!(
        (skipped.created, skipped.deleted),
        (1, 0),
        "the record the broken page hid"
    );
    let stored = records(&setup.db, setup.tenant, "hubspot", "contacts");
    assert_eq!(stored.len(), 300);
    assert!(stored.iter().all(|(_, _, deleted)| !deleted));
}

#[tokio::test]
async fn a_run_that_fails_midway_keeps_its_cursor_at_the_last_stored_record() {
    let setup = setup(
        HubSpotConfig {
            companies: 0,
            contacts: 500,
            deals: 0,
            ..Default::default()
        },
        json!({}),
    )
    .await;
    let since = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok();
    // The second search page fails more often than the connector retries.
    let first_page = setup
        .sync(
            "contacts",
            SyncOptions {
                since,
                max_records: Some(200),
                batch_size: Some(200),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(first_page.created, 200);
    let stored_cursor = model_state(&setup.db, setup.tenant, "hubspot", "contacts")
        .and_then(|s| s.cursor)
        .unwrap_or_default();
    setup
        .control("/__fixture/faults", json!({ "kind": "status", "status": 500, "times": 10, "path_contains": "contacts/search" }))
        .await;
    let failed = setup
        .sync(
            "contacts",
            SyncOptions {
                batch_size: Some(100),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(failed.status, "failed");
    assert!(
        failed
            .error_message
            .as_deref()
            .unwrap_or_default()
            .contains("gave up after 3 retries"),
        "{:?}",
        failed.error_message
    );
    let cursor = model_state(&setup.db, setup.tenant, "hubspot", "contacts")
        .and_then(|s| s.cursor)
        .unwrap_or_default();
    assert_eq!(
        cursor, stored_cursor,
        "no cursor past records that were not stored"
    );
    let reqwest_clear = reqwest::Client::new()
        .delete(format!("{}/__fixture/faults", setup.fixture.base_url))
        .send()
        .await;
    assert!(reqwest_clear.is_ok());
    let rerun = setup.sync("contacts", SyncOptions::default()).await;
    assert_eq!(rerun.status, "success", "{:?}", rerun.error_message);
    assert_eq!(
        records(&setup.db, setup.tenant, "hubspot", "contacts").len(),
        500,
        "exactly once after the re-run"
    );
}

#[tokio::test]
async fn a_wrong_token_fails_the_run_with_a_clear_message() {
    let setup = setup(small(), json!({})).await;
    let db = setup.db.clone();
    let tenant = setup.tenant;
    let base = setup.fixture.base_url.clone();
    tokio::task::spawn_blocking(move || {
        connect(
            &db,
            tenant,
            "hubspot",
            json!({ "base_url": base, "max_retries": "0" }),
            Some("pat-wrong"),
        )
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let run = setup.sync("companies", SyncOptions::default()).await;
    assert_eq!(run.status, "failed");
    assert!(
        run.error_message
            .as_deref()
            .unwrap_or_default()
            .contains("refused our credentials"),
        "{:?}",
        run.error_message
    );
}
