//! `GET /api/timeline` and `POST /api/activities`: the documented shape, paging, capped
//! totals, filters, validation, dedupe by external id, and tenant isolation.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use rapport::db::schema::notes;
use rapport::domain::activities::ActivityType;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{as_system, log_on_company, scoped};
use crate::api_tokens::create_token;
use crate::support::{PASSWORD, TestApp, TwoTenants};

async fn post_json(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/activities", app.base_url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|err| panic!("POST /api/activities: {err}"));
    let status = response.status();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn the_timeline_api_has_the_documented_shape_and_pages_by_cursor() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let a = tenants.a.clone();
    let base = Utc::now() - Duration::days(1);
    app.blocking(move |db| {
        for n in 0..5 {
            log_on_company(
                &db,
                &a,
                ActivityType::EmailSent,
                &format!("Email {n}"),
                base - Duration::hours(n),
            );
        }
        log_on_company(
            &db,
            &a,
            ActivityType::Visit,
            "Old visit",
            base - Duration::days(40),
        );
    })
    .await;
    let client = app.login(&tenants.a.admin_email, PASSWORD).await;
    let company = tenants.a.company_id;

    let (status, body) = client
        .get_json(&format!(
            "/api/timeline?company_id={company}&activity_type=email_sent,visit&limit=2"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    for key in [
        "timeline",
        "total",
        "total_capped",
        "has_more",
        "next_cursor",
    ] {
        assert!(body.get(key).is_some(), "{key} in {body}");
    }
    assert_eq!(body["total"], 6);
    assert_eq!(body["total_capped"], false);
    assert_eq!(body["has_more"], true);
    let first = &body["timeline"][0];
    for key in [
        "id",
        "activity_type",
        "title",
        "description",
        "occurred_at",
        "user_email",
        "direction",
        "duration_seconds",
        "external_url",
        "linked_entities",
    ] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
    assert_eq!(first["title"], "Email 0");
    assert_eq!(
        first["linked_entities"]["company"],
        json!({ "id": company.0, "name": "Alpha Windows Customer" })
    );
    assert_eq!(first["linked_entities"]["contact"], Value::Null);

    // Following next_cursor walks everything once.
    let mut titles = Vec::new();
    let mut cursor = String::new();
    loop {
        let (_, page) = client
            .get_json(&format!(
                "/api/timeline?company_id={company}&activity_type=email_sent&activity_type=visit&limit=2&cursor={cursor}"
            ))
            .await;
        titles.extend(
            page["timeline"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| e["title"].to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => {
                assert_eq!(page["has_more"], false);
                break;
            }
        }
    }
    assert_eq!(titles.len(), 6);

    // Dates are days in the user's zone, both ends included.
    let day = (base - Duration::days(40)).date_naive();
    let (_, old) = client
        .get_json(&format!(
            "/api/timeline?company_id={company}&start_date={day}&end_date={day}"
        ))
        .await;
    assert_eq!(old["timeline"].as_array().map(Vec::len), Some(1));
    assert_eq!(old["timeline"][0]["title"], "Old visit");

    // Errors are JSON too.
    let (status, error) = client.get_json("/api/timeline?activity_type=fax").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("fax")
    );
    let (status, _) = client
        .get_json(&format!(
            "/api/timeline?company_id={}",
            tenants.b.company_id
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn totals_beyond_ten_thousand_say_they_are_capped() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let (tenant, company) = (tenants.a.tenant_id, tenants.a.company_id);
    app.blocking(move |db| {
        as_system(
            &db,
            &format!(
                "INSERT INTO activities (tenant_id, activity_type, title, occurred_at, company_id) \
                 SELECT {tenant}, 'visit', 'Visit ' || n, now() - n * interval '1 minute', {company} \
                 FROM generate_series(1, 10005) AS n"
            ),
        );
    })
    .await;
    let client = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, body) = client
        .get_json(&format!(
            "/api/timeline?company_id={company}&activity_type=visit&limit=1"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 10_000);
    assert_eq!(body["total_capped"], true);
    assert_eq!(body["total_display"], "10,000+");
}

#[tokio::test]
async fn posting_an_activity_validates_links_and_dedupes_by_external_id() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let token = create_token(&app, &tenants.a.rep_email, "Phone sync").await;
    let contact = tenants.a.contact_id.0;

    let email = |subject: &str| {
        json!({
            "activity_type": "email_received", "title": subject, "content": "Hi,\nSee attached.",
            "direction": "inbound", "occurred_at": "2026-02-01T09:30:00Z", "contact_id": contact,
            "external_source": "gmail", "external_id": "msg-77",
            "external_url": "https://mail.example/msg-77",
        })
    };
    let (status, created) = post_json(&app, &token, email("Quote")).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["result"], "created");
    let activity = &created["activity"];
    assert_eq!(activity["user_email"], tenants.a.rep_email.as_str());
    assert_eq!(
        activity["linked_entities"]["contact"]["name"],
        "Casey Alphason"
    );
    assert_eq!(
        activity["linked_entities"]["company"]["id"], tenants.a.company_id.0,
        "the contact's company is linked"
    );
    let (status, again) = post_json(&app, &token, email("Quote")).await;
    assert_eq!(
        (status, again["result"].as_str()),
        (StatusCode::OK, Some("unchanged"))
    );
    let (status, changed) = post_json(&app, &token, email("Quote v2")).await;
    assert_eq!(
        (status, changed["result"].as_str()),
        (StatusCode::OK, Some("updated"))
    );
    assert_eq!(changed["activity"]["id"], activity["id"], "the same entry");

    let (status, meeting) = post_json(
        &app,
        &token,
        json!({
            "activity_type": "meeting", "title": "Kick-off", "company_id": tenants.a.company_id.0,
            "participants": ["Casey", { "name": "Pat", "email": "pat@x.test" }],
            "location": "Office", "action_items": ["Send plan"], "duration_seconds": 1800,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{meeting}");
    assert_eq!(meeting["tasks"][0]["subject"], "Send plan");
    assert_eq!(
        meeting["activity"]["participants"],
        json!([{ "name": "Casey" }, { "name": "Pat" }])
    );

    let (status, note) = post_json(
        &app,
        &token,
        json!({ "activity_type": "note", "content": "Prefers mornings", "contact_id": contact }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    let a = tenants.a.clone();
    let bodies: Vec<String> = app
        .blocking(move |db| {
            scoped(&db, &a, move |conn| {
                Ok(notes::table
                    .filter(notes::contact_id.eq(a.contact_id))
                    .select(notes::body)
                    .load(conn)?)
            })
        })
        .await;
    assert_eq!(
        bodies,
        vec!["Prefers mornings"],
        "an API note is a real note"
    );

    for (body, field) in [
        (
            json!({ "activity_type": "deal_won", "title": "x", "contact_id": contact }),
            "activity_type",
        ),
        (
            json!({ "activity_type": "visit", "title": "No link" }),
            "contact_id",
        ),
        (
            json!({ "activity_type": "visit", "title": "x", "contact_id": tenants.b.contact_id.0 }),
            "contact_id",
        ),
        (
            json!({ "activity_type": "visit", "title": "x", "contact_id": contact, "occurred_at": "soon" }),
            "occurred_at",
        ),
        (
            json!({ "activity_type": "visit", "title": "", "contact_id": contact }),
            "title",
        ),
        (
            json!({ "activity_type": "visit", "title": "x", "contact_id": contact, "external_source": "rapport.note", "external_id": "1" }),
            "external_source",
        ),
        (
            json!({ "activity_type": "call_inbound", "title": "x", "contact_id": contact, "direction": "sideways" }),
            "direction",
        ),
        (
            json!({ "activity_type": "note", "contact_id": contact }),
            "content",
        ),
    ] {
        let (status, error) = post_json(&app, &token, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            error["error"]["fields"].get(field).is_some(),
            "{field} flagged for {body}: {error}"
        );
    }
}

#[tokio::test]
async fn a_session_needs_its_csrf_token_to_post() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.login(&tenants.a.admin_email, PASSWORD).await;
    let body = json!({ "activity_type": "visit", "title": "Drive-by", "company_id": tenants.a.company_id.0 });
    let refused = client
        .http
        .post(client.url("/api/activities"))
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    client.page("/").await;
    let accepted = client
        .http
        .post(client.url("/api/activities"))
        .header("X-CSRF-Token", client.csrf_token().unwrap_or_default())
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(accepted.status(), StatusCode::CREATED);
}
