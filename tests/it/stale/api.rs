//! `GET /api/deals/stale` and `GET /api/deals/{id}/stage-history`: shapes, pages, and
//! 404 for deals the caller may not see (a rep in "own" mode, another tenant).

use chrono::{Duration, Utc};
use rapport::db::TenantScope;
use rapport::domain::ids::{DealId, StageId, TenantId, UserId};
use rapport::domain::stage_changes::{StageChangeRequest, change_stage};
use reqwest::StatusCode;
use serde_json::Value;

use super::{DealSpec, exec, fixture, make_deal, stage};
use crate::support::{PASSWORD, TestApp, TwoTenants};

fn ids(body: &Value) -> Vec<i64> {
    body["deals"]
        .as_array()
        .unwrap_or_else(|| panic!("no deals in {body}"))
        .iter()
        .filter_map(|d| d["id"].as_i64())
        .collect()
}

#[tokio::test]
async fn stale_api_pages_in_order() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let t = tenants.a.clone();
    let now = Utc::now();
    let f = app
        .blocking(move |db| fixture(&db, t.tenant_id, t.admin_id, t.rep_id, now))
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, body) = admin.get_json("/api/deals/stale").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&body), vec![f.c, f.a, f.b2, f.ownerless, f.e]);
    let c = &body["deals"][0];
    assert_eq!(c["title"], "C negotiating");
    assert_eq!(c["stage"]["name"], "Negotiation");
    assert_eq!(c["pipeline"]["name"], "Sales");
    assert_eq!(c["days_in_stage"], 20);
    assert_eq!(c["threshold_days"], 7);
    assert_eq!(c["days_over_threshold"], 13);
    assert_eq!(c["owner"]["id"], tenants.a.admin_id.0);
    assert!(body["next_cursor"].is_null());

    let (_, first) = admin.get_json("/api/deals/stale?limit=3").await;
    assert_eq!(ids(&first), vec![f.c, f.a, f.b2]);
    let cursor = first["next_cursor"]
        .as_str()
        .unwrap_or_else(|| panic!("a next cursor"))
        .to_owned();
    let (_, second) = admin
        .get_json(&format!("/api/deals/stale?limit=3&cursor={cursor}"))
        .await;
    assert_eq!(ids(&second), vec![f.ownerless, f.e]);
    assert!(second["next_cursor"].is_null());
    let (_, mine) = admin.get_json("/api/deals/stale?owner=me").await;
    assert_eq!(ids(&mine), vec![f.c, f.b2, f.e]);
    let (status, _) = admin.get_json("/api/deals/stale?limit=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Signed out: 401 JSON.
    let (status, _) = app.client().get_json("/api/deals/stale").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn stage_history_api_oldest_first_with_durations() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant: TenantId = tenants.a.tenant_id;
    let admin_id: UserId = tenants.a.admin_id;
    let now = Utc::now();
    let deal = app
        .blocking(move |db| {
            let deal = make_deal(
                &db,
                tenant,
                DealSpec::open("Moving", "Prospecting", now - Duration::days(10), admin_id),
            );
            let (qualification, _) = stage(&db, tenant, "Qualification");
            let (proposal, _) = stage(&db, tenant, "Proposal");
            let mv = |to: StageId, at| {
                db.tenant_blocking(
                    &TenantScope::service(tenant.0),
                    |conn| -> anyhow::Result<()> {
                        let mut request = StageChangeRequest::to(to, Some(admin_id));
                        request.at = at;
                        change_stage(conn, tenant, DealId(deal), &request)?;
                        Ok(())
                    },
                )
                .unwrap_or_else(|err| panic!("{err:#}"))
            };
            mv(qualification, now - Duration::days(6));
            mv(proposal, now - Duration::days(2) - Duration::hours(12));
            deal
        })
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, body) = admin
        .get_json(&format!("/api/deals/{deal}/stage-history"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["deal"]["id"], deal);
    assert_eq!(body["deal"]["title"], "Moving");
    assert_eq!(body["current_stage"]["name"], "Proposal");
    assert_eq!(body["current_stage"]["days_in_stage_alert"], 14);
    assert_eq!(body["days_in_stage"], 2);
    assert_eq!(body["is_stale"], false);
    let history = body["stage_history"]
        .as_array()
        .unwrap_or_else(|| panic!("no history"));
    assert_eq!(history.len(), 3);
    assert!(history[0]["from"].is_null());
    assert_eq!(history[0]["to"], "Prospecting");
    assert!(history[0]["duration_days"].is_null());
    assert_eq!(history[1]["from"], "Prospecting");
    assert_eq!(history[1]["to"], "Qualification");
    assert_eq!(history[1]["duration_days"], 4.0);
    assert_eq!(history[1]["changed_by"], "Admin Alpha");
    assert_eq!(history[2]["from"], "Qualification");
    assert_eq!(history[2]["to"], "Proposal");
    assert_eq!(history[2]["duration_days"], 3.5);

    // A stale one says so.
    let (_, fixture_deal) = admin
        .get_json(&format!("/api/deals/{}/stage-history", tenants.a.deal_id.0))
        .await;
    assert_eq!(fixture_deal["is_stale"], false);
    let old = app
        .blocking(move |db| {
            make_deal(
                &db,
                tenant,
                DealSpec::open("Old", "Negotiation", now - Duration::days(8), admin_id),
            )
        })
        .await;
    let (_, body) = admin
        .get_json(&format!("/api/deals/{old}/stage-history"))
        .await;
    assert_eq!(body["is_stale"], true);
    assert_eq!(body["days_in_stage"], 8);

    // Not visible: a rep in "own" mode, and the other tenant.
    app.blocking(move |db| exec(&db, tenant, "UPDATE tenants SET record_visibility = 'own'"))
        .await;
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, _) = rep
        .get_json(&format!("/api/deals/{deal}/stage-history"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = rep
        .get_json(&format!("/api/deals/{}/stage-history", tenants.a.deal_id.0))
        .await;
    assert_eq!(status, StatusCode::OK, "the rep's own deal");
    let (_, stale) = rep.get_json("/api/deals/stale").await;
    assert!(!ids(&stale).contains(&old));
    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    let (status, _) = other
        .get_json(&format!("/api/deals/{deal}/stage-history"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = other.get_json("/api/deals/999999999/stage-history").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
