//! `GET /api/analytics/stage-duration`: shape, values, filters, errors and permissions.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::fixture::{self, RANGE};
use crate::support::{PASSWORD, TestApp, TwoTenants};

fn stage<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["stages"]
        .as_array()
        .and_then(|stages| stages.iter().find(|s| s["stage"] == name))
        .unwrap_or_else(|| panic!("no stage {name} in {body}"))
}

#[tokio::test]
async fn stage_duration_reports_each_stage() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let a = tenants.a.clone();
    app.blocking(move |db| fixture::create(&db, &a)).await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;

    let (status, body) = admin
        .get_json(&format!("/api/analytics/stage-duration?{RANGE}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let names: Vec<&str> = body["stages"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["stage"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        ["Prospecting", "Qualification", "Proposal", "Negotiation"]
    );
    let prospecting = stage(&body, "Prospecting");
    assert!(prospecting["stage_id"].as_i64().is_some());
    assert_eq!(prospecting["deals"], json!(4));
    assert_eq!(prospecting["avg_days"], json!(4.0));
    assert_eq!(prospecting["median_days"], json!(2.5));
    assert_eq!(prospecting["p75_days"], json!(4.75));
    let qualification = stage(&body, "Qualification");
    assert_eq!(qualification["avg_days"], json!(14.25));
    assert_eq!(qualification["median_days"], json!(12.0));
    assert_eq!(qualification["p75_days"], json!(17.0));
    let negotiation = stage(&body, "Negotiation");
    assert_eq!(negotiation["deals"], json!(0));
    assert_eq!(negotiation["median_days"], Value::Null);
    assert_eq!(body["from"], json!("2026-01-01"));
    assert_eq!(body["to"], json!("2026-06-30"));

    // Owner filter: D3 and D6 belong to the admin.
    let admin_id = tenants.a.admin_id.0;
    let (_, body) = admin
        .get_json(&format!(
            "/api/analytics/stage-duration?owner={admin_id}&{RANGE}"
        ))
        .await;
    let qualification = stage(&body, "Qualification");
    assert_eq!(qualification["deals"], json!(2));
    assert_eq!(qualification["avg_days"], json!(18.0));
    assert_eq!(stage(&body, "Prospecting")["median_days"], json!(3.0));

    // Narrower range: only February's exits.
    let (_, body) = admin
        .get_json("/api/analytics/stage-duration?from=2026-02-01&to=2026-02-28")
        .await;
    assert_eq!(stage(&body, "Prospecting")["deals"], json!(2));
    assert_eq!(stage(&body, "Qualification")["deals"], json!(2));
}

#[tokio::test]
async fn stage_duration_refuses_bad_input_reps_and_strangers() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let a = tenants.a.clone();
    app.blocking(move |db| fixture::create(&db, &a)).await;

    let (status, _) = app.client().get_json("/api/analytics/stage-duration").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, _) = rep.get_json("/api/analytics/stage-duration").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, body) = admin
        .get_json("/api/analytics/stage-duration?from=yesterday")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"][0]["field"], json!("from"));

    // B's admin: none of A's history, and A's pipeline is not B's to ask for.
    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    let (status, body) = other
        .get_json(&format!("/api/analytics/stage-duration?{RANGE}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["stages"]
            .as_array()
            .is_some_and(|s| s.iter().all(|s| s["deals"] == json!(0))),
        "{body}"
    );
    let (_, mine) = admin
        .get_json(&format!("/api/analytics/stage-duration?{RANGE}"))
        .await;
    let a_pipeline = mine["pipeline_id"].clone();
    let (status, body) = other
        .get_json(&format!(
            "/api/analytics/stage-duration?pipeline={a_pipeline}&{RANGE}"
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], json!("pipeline"));
}
