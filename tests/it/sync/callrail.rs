//! The CallRail connector against the local CallRail fixture: the Token header, page
//! paging, start_date windows with a lookback, optional fields, the hourly limit, faults,
//! and calls logged on the caller's timeline (matched by E.164 phone, or a new contact).

use diesel::prelude::*;
use rapport::db::Db;
use rapport::db::schema::{activities, contacts};
use rapport::domain::contacts::NewContact;
use rapport::domain::ids::TenantId;
use rapport::sync::fixtures::FixtureServer;
use rapport::sync::fixtures::callrail::{self, CallRailConfig};
use rapport::sync::options::SyncOptions;
use serde_json::{Value, json};

use super::helpers::*;
use crate::support::{PASSWORD, TestApp, TestDb, TwoTenants};

struct Setup {
    _db: Option<TestDb>,
    db: Db,
    tenant: TenantId,
    fixture: FixtureServer,
}

fn settings(fixture: &FixtureServer, extra: Value) -> Value {
    let mut settings = json!({
        "base_url": fixture.base_url,
        "account_id": "227799611",
        "history_start": "2024-01-01",
        "timeout_ms": "1500",
        "retry_base_ms": "10",
        "max_retries": "3",
    });
    if let (Some(target), Some(more)) = (settings.as_object_mut(), extra.as_object()) {
        target.extend(more.clone());
    }
    settings
}

async fn setup(config: CallRailConfig, extra: Value) -> Setup {
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
    let key = config.api_key.clone();
    let fixture = callrail::start(config, 0).unwrap_or_else(|e| panic!("fixture: {e}"));
    let tenant = tenants.a.tenant_id;
    let connection = settings(&fixture, extra);
    {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            connect(&db, tenant, "callrail", connection, Some(&key))
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
    Setup {
        _db: Some(test_db),
        db,
        tenant,
        fixture,
    }
}

impl Setup {
    async fn requests(&self) -> Vec<Value> {
        reqwest::get(format!("{}/__fixture/requests", self.fixture.base_url))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    async fn control(&self, path: &str, body: Value) {
        let response = reqwest::Client::new()
            .post(format!("{}{path}", self.fixture.base_url))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(response.status().is_success());
    }
}

fn timeline(db: &Db, tenant: TenantId) -> Vec<(String, String, Option<i64>)> {
    db.tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<_> {
        Ok(activities::table
            .filter(activities::external_source.eq("callrail"))
            .order(activities::occurred_at)
            .select((
                activities::activity_type,
                activities::title,
                activities::contact_id,
            ))
            .load::<(String, String, Option<rapport::domain::ids::ContactId>)>(conn)?
            .into_iter()
            .map(|(kind, title, contact)| (kind, title, contact.map(|c| c.0)))
            .collect())
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn calls_land_on_the_callers_timeline_matched_by_phone_or_as_new_contacts() {
    let setup = setup(
        CallRailConfig {
            calls: 120,
            distinct_callers: 10,
            ..Default::default()
        },
        json!({}),
    )
    .await;
    // Caller 1 is already a contact, written the way people type numbers.
    let db = setup.db.clone();
    let tenant = setup.tenant;
    let known = tokio::task::spawn_blocking(move || {
        db.tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<_> {
            let mut new = NewContact::new(tenant, "Maria", "Garcia");
            new.phone = Some("(303) 555-0001".into());
            new.phone_e164 = rapport::domain::phones::to_e164("(303) 555-0001");
            Ok(rapport::domain::contacts::create(conn, &new, None)?.id.0)
        })
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
    .unwrap_or_else(|e| panic!("{e}"));

    let run = run_sync(
        &setup.db,
        setup.tenant,
        "callrail",
        "calls",
        SyncOptions::default(),
    )
    .await;
    assert_eq!(
        (run.status.as_str(), run.created),
        ("success", 120),
        "{:?}",
        run.error_message
    );
    let requests = setup.requests().await;
    let calls: Vec<&Value> = requests
        .iter()
        .filter(|r| r["path"] == "/v3/a/227799611/calls.json")
        .collect();
    assert!(
        calls
            .iter()
            .all(|r| r["authorization"] == "Token token=\"callrail-fixture-key-0001\"")
    );
    let query = calls[0]["query"].as_str().unwrap_or_default();
    assert!(
        query.contains("start_date=2024-01-01"),
        "a full sync starts at the history start: {query}"
    );
    assert!(
        query.contains("per_page=250") && query.contains("fields=company_id"),
        "{query}"
    );
    assert!(query.contains("order=asc"));

    let entries = timeline(&setup.db, setup.tenant);
    assert_eq!(entries.len(), 120);
    let kinds: std::collections::BTreeSet<&str> =
        entries.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["call_inbound", "call_missed", "call_outbound"]
            .into_iter()
            .collect()
    );
    assert!(
        entries
            .iter()
            .any(|(k, t, _)| k == "call_missed" && t.starts_with("Missed call from"))
    );
    let on_known = entries.iter().filter(|(_, _, c)| *c == Some(known)).count();
    assert_eq!(
        on_known, 12,
        "caller 1's twelve calls are on the existing contact"
    );
    let db = setup.db.clone();
    let created: i64 = tokio::task::spawn_blocking(move || {
        db.tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<i64> {
            Ok(contacts::table
                .filter(contacts::phone_e164.like("+1303555%"))
                .count()
                .get_result(conn)?)
        })
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(created, 10, "nine new contacts plus the existing one");

    // A re-run logs nothing twice.
    let again = run_sync(
        &setup.db,
        setup.tenant,
        "callrail",
        "calls",
        SyncOptions {
            full: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!((again.created, again.updated), (0, 0));
    assert_eq!(timeline(&setup.db, setup.tenant).len(), 120);
}

#[tokio::test]
async fn incremental_syncs_reread_a_lookback_window_and_pick_up_edited_calls() {
    let setup = setup(
        CallRailConfig {
            calls: 200,
            spacing_minutes: 60 * 4,
            ..Default::default()
        },
        json!({ "lookback_days": "3" }),
    )
    .await;
    let first = run_sync(
        &setup.db,
        setup.tenant,
        "callrail",
        "calls",
        SyncOptions::default(),
    )
    .await;
    assert_eq!(first.created, 200);
    let cursor =
        chrono::DateTime::parse_from_rfc3339(first.cursor_after.as_deref().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
    // A call from two days ago gets tagged and scored later.
    let calls = records(&setup.db, setup.tenant, "callrail", "calls");
    let (edited_id, _, _) = calls
        .iter()
        .find(|(_, payload, _)| {
            payload["start_time"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .is_some_and(|t| (cursor - t).num_hours() == 48)
        })
        .cloned()
        .unwrap_or_else(|| panic!("no call two days before the cursor"));
    setup.control("/__fixture/callrail/mutate", json!({ "id": edited_id, "fields": { "lead_status": "good_lead", "tags": ["estimate-booked"] } })).await;
    let second = run_sync(
        &setup.db,
        setup.tenant,
        "callrail",
        "calls",
        SyncOptions::default(),
    )
    .await;
    assert_eq!(second.status, "success");
    assert_eq!(
        (second.created, second.updated),
        (0, 1),
        "the edited call, nothing else"
    );
    let query = setup
        .requests()
        .await
        .iter()
        .rev()
        .find(|r| r["path"] == "/v3/a/227799611/calls.json")
        .map(|r| r["query"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    let expected = (cursor - chrono::Duration::days(3))
        .with_timezone(&chrono::Utc)
        .format("start_date=%Y-%m-%dT%H%%3A%M%%3A%SZ")
        .to_string();
    assert!(
        query.contains(&expected),
        "{query} should contain {expected}"
    );
    assert!(
        second.processed < 200 && second.processed >= 18,
        "three days of calls: {}",
        second.processed
    );
}

#[tokio::test]
async fn the_hourly_limit_is_waited_out_and_faults_are_handled() {
    let config = CallRailConfig {
        calls: 300,
        quota: Some((3, 1)),
        ..Default::default()
    };
    let setup = setup(config, json!({ "rate_limit_window_secs": "1" })).await;
    setup
        .control(
            "/__fixture/faults",
            json!([
                { "kind": "status", "status": 502, "path_contains": "calls" },
                { "kind": "malformed_json", "path_contains": "calls" },
                { "kind": "malformed_record", "path_contains": "calls" },
            ]),
        )
        .await;
    let run = run_sync(
        &setup.db,
        setup.tenant,
        "callrail",
        "calls",
        SyncOptions {
            batch_size: Some(50),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(run.status, "partial", "{:?}", run.error_message);
    assert_eq!((run.created, run.failed), (299, 1));
    assert!(
        run.rate_limit_waits >= 1,
        "three requests a second: {}",
        run.rate_limit_waits
    );
    assert!(run.retries >= 2);
    let errors = run_errors(&setup.db, setup.tenant, run.id);
    assert!(
        errors[0].reason.contains("start_time `not a time`"),
        "{:?}",
        errors[0].reason
    );
    // Companies and trackers are read whole.
    let companies = run_sync(
        &setup.db,
        setup.tenant,
        "callrail",
        "companies",
        SyncOptions::default(),
    )
    .await;
    let trackers = run_sync(
        &setup.db,
        setup.tenant,
        "callrail",
        "trackers",
        SyncOptions::default(),
    )
    .await;
    assert_eq!((companies.created, trackers.created), (3, 4));
}

#[tokio::test]
async fn the_connection_form_stores_the_key_encrypted_and_tests_it() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let fixture = callrail::start(CallRailConfig::default(), 0).unwrap_or_else(|e| panic!("{e}"));
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page) = admin.page("/sync/callrail").await;
    assert!(page.exists("form[action='/sync/callrail/connection'] #secret[type=password]"));
    assert!(
        !page.exists("[data-action=sync-all-models]"),
        "nothing to sync before connecting"
    );

    // Missing key and a bad URL: errors next to the fields, input kept.
    let response = admin
        .post_form(
            "/sync/callrail/connection",
            &[
                ("secret", ""),
                ("account_id", "227799611"),
                ("base_url", "not a url"),
            ],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let page = crate::support::Page::parse(response.text().await.unwrap_or_default());
    assert!(page.text("#secret-error").contains("Paste the api key"));
    assert!(page.text("#base_url-error").contains("full URL"));
    assert_eq!(
        page.attr("#setting-account_id", "value").as_deref(),
        Some("227799611")
    );

    let key = "callrail-fixture-key-0001";
    let response = admin
        .post_form(
            "/sync/callrail/connection",
            &[
                ("secret", key),
                ("account_id", "227799611"),
                ("base_url", &fixture.base_url),
            ],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    let (_, page) = admin.page("/sync/callrail").await;
    assert!(!page.source.contains(key), "the key is never shown again");
    assert_eq!(page.text("[data-role=secret-hint] code"), "•••• 0001");
    let stored: Vec<u8> = app
        .blocking(|db| {
            use rapport::db::schema::sync_connections;
            db.system_blocking(|conn| -> anyhow::Result<Vec<u8>> {
                Ok(sync_connections::table
                    .select(sync_connections::secret_ciphertext.assume_not_null())
                    .first(conn)?)
            })
            .unwrap_or_else(|e| panic!("{e}"))
        })
        .await;
    assert!(
        !String::from_utf8_lossy(&stored).contains("callrail-fixture"),
        "encrypted at rest"
    );

    // Saving again without a key keeps the stored one; "Test connection" uses it.
    let response = admin
        .post_form(
            "/sync/callrail/connection",
            &[
                ("secret", ""),
                ("account_id", "227799611"),
                ("base_url", &fixture.base_url),
            ],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    let response = admin
        .http
        .post(admin.url("/sync/callrail/connection/test"))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", admin.csrf_token().unwrap_or_default())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let fragment = crate::support::Page::parse(response.text().await.unwrap_or_default());
    assert_eq!(
        fragment
            .attr("#connection-test [data-ok]", "data-ok")
            .as_deref(),
        Some("true")
    );
    assert!(
        fragment
            .text("#connection-test")
            .contains("account 227799611")
    );

    // A wrong account is reported, not hidden.
    admin.page("/sync/callrail").await;
    admin
        .post_form(
            "/sync/callrail/connection",
            &[
                ("secret", ""),
                ("account_id", "999"),
                ("base_url", &fixture.base_url),
            ],
        )
        .await;
    let response = admin
        .http
        .post(admin.url("/sync/callrail/connection/test"))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", admin.csrf_token().unwrap_or_default())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let fragment = crate::support::Page::parse(response.text().await.unwrap_or_default());
    assert_eq!(
        fragment
            .attr("#connection-test [data-ok]", "data-ok")
            .as_deref(),
        Some("false")
    );
    assert!(fragment.text("#connection-test").contains("no account 999"));

    // A rep cannot touch connections.
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    rep.page("/").await;
    let response = rep
        .post_form(
            "/sync/callrail/connection",
            &[("secret", "x"), ("account_id", "1")],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::FORBIDDEN);
    let response = rep.post_form("/sync/callrail/connection/test", &[]).await;
    assert_eq!(response.status(), reqwest::StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn synced_records_show_where_they_came_from() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let fixture = callrail::start(
        CallRailConfig {
            calls: 5,
            distinct_callers: 1,
            ..Default::default()
        },
        0,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let tenant = tenants.a.tenant_id;
    let connection = settings(&fixture, json!({}));
    app.blocking(move |db| {
        connect(
            &db,
            tenant,
            "callrail",
            connection,
            Some("callrail-fixture-key-0001"),
        )
    })
    .await;
    let run = run_sync(
        &app.pool,
        tenant,
        "callrail",
        "calls",
        SyncOptions::default(),
    )
    .await;
    assert_eq!(run.created, 5);
    let contact_id: i64 = app
        .blocking(move |db| {
            db.tenant_blocking(&scope(tenant), |conn| -> anyhow::Result<i64> {
                Ok(contacts::table
                    .filter(contacts::phone_e164.eq("+13035550000"))
                    .select(contacts::id)
                    .first::<rapport::domain::ids::ContactId>(conn)?
                    .0)
            })
            .unwrap_or_else(|e| panic!("{e}"))
        })
        .await;
    // Anyone who can see the contact sees its provenance (a rep too).
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, fragment) = rep
        .page(&format!("/sync/provenance?entity=contact&id={contact_id}"))
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(
        fragment.attr(".provenance", "data-source").as_deref(),
        Some("callrail")
    );
    assert!(
        fragment
            .text(".provenance")
            .starts_with("From CallRail, last synced")
    );
    let (_, json) = rep
        .get_json(&format!(
            "/api/sync/provenance?entity=contact&id={contact_id}"
        ))
        .await;
    assert_eq!(
        (json["synced"].clone(), json["source"].clone()),
        (json!(true), json!("callrail"))
    );
    // The contact page loads that fragment in place.
    let (status, page) = rep.page(&format!("/contacts/{contact_id}")).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(
        page.attr("#provenance.lazy-slot", "hx-get").as_deref(),
        Some(format!("/sync/provenance?entity=contact&id={contact_id}").as_str())
    );
    // A contact typed in by hand has none; another tenant's contact is not found.
    let (_, none) = rep
        .page(&format!(
            "/sync/provenance?entity=contact&id={}",
            tenants.a.contact_id
        ))
        .await;
    assert!(!none.exists(".provenance"));
    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    let (status, _) = other
        .page(&format!("/sync/provenance?entity=contact&id={contact_id}"))
        .await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);
    let (status, _) = rep.page("/sync/provenance?entity=invoice&id=1").await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
}
