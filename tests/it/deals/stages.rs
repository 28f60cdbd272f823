//! Stage moves from the deal page and the list: close won / lost with reasons (one
//! history row, the right timeline activity), reopening, moving to another pipeline with
//! an explicit stage, and the bulk stage change (one history row per deal).

use diesel::prelude::*;
use rapport::db::TenantScope;
use rapport::db::schema::{activities, deals, pipeline_stages, pipelines};
use rapport::domain::ids::TenantId;
use reqwest::StatusCode;

use super::helpers::{history_count, htmx_post, stage_id};
use crate::support::{PASSWORD, TestApp, TwoTenants};

/// (status, won_reason, lost_reason, lost_to, pipeline_id, stage_id)
type DealState = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    i64,
);

fn deal_state(db: &rapport::db::Db, tenant: TenantId, deal: i64) -> DealState {
    db.tenant_blocking(
        &TenantScope::service(tenant.0),
        move |conn| -> anyhow::Result<DealState> {
            Ok(deals::table
                .find(deal)
                .select((
                    deals::status,
                    deals::won_reason,
                    deals::lost_reason,
                    deals::lost_to_competitor,
                    deals::pipeline_id,
                    deals::stage_id,
                ))
                .first(conn)?)
        },
    )
    .unwrap_or_else(|err| panic!("{err:#}"))
}

fn activity_types(db: &rapport::db::Db, tenant: TenantId, deal: i64) -> Vec<String> {
    db.tenant_blocking(
        &TenantScope::service(tenant.0),
        move |conn| -> anyhow::Result<Vec<String>> {
            Ok(activities::table
                .filter(activities::deal_id.eq(deal))
                .order(activities::id)
                .select(activities::activity_type)
                .load(conn)?)
        },
    )
    .unwrap_or_else(|err| panic!("{err:#}"))
}

#[tokio::test]
async fn close_won_and_lost_need_reasons_and_write_one_history_row() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let deal = tenants.a.deal_id.0;
    let won = app
        .blocking(move |db| stage_id(&db, tenant, "Closed Won"))
        .await
        .to_string();
    let lost = app
        .blocking(move |db| stage_id(&db, tenant, "Closed Lost"))
        .await
        .to_string();
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page) = admin.page(&format!("/deals/{deal}")).await;
    assert!(page.exists("[data-testid=stage-menu]"));
    let path = format!("/deals/{deal}/stage");

    // Won without a reason: the error next to the field, nothing recorded.
    let (status, _, menu) =
        htmx_post(&admin, &path, &[("stage_id", &won), ("won_reason", " ")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(menu.text("#won_reason-error"), "Say why the deal was won.");
    assert_eq!(
        menu.attr("#stage-choice option[selected]", "value"),
        Some(won.clone())
    );
    assert_eq!(
        app.blocking(move |db| history_count(&db, tenant, deal))
            .await,
        1
    );

    let (status, headers, _) = htmx_post(
        &admin,
        &path,
        &[("stage_id", &won), ("won_reason", "Best price")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get("HX-Refresh").and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(
        app.blocking(move |db| history_count(&db, tenant, deal))
            .await,
        2
    );
    let (status, reason, ..) = app.blocking(move |db| deal_state(&db, tenant, deal)).await;
    assert_eq!(
        (status.as_str(), reason.as_deref()),
        ("won", Some("Best price"))
    );
    assert_eq!(
        app.blocking(move |db| activity_types(&db, tenant, deal))
            .await
            .last()
            .map(String::as_str),
        Some("deal_won")
    );
    let (_, page) = admin.page(&format!("/deals/{deal}")).await;
    assert_eq!(page.text("[data-testid=deal-status]"), "Won");
    assert!(page.exists("[data-testid=reopen]"));

    // Lost needs its reason; the competitor is kept.
    let (status, _, menu) = htmx_post(
        &admin,
        &path,
        &[("stage_id", &lost), ("lost_to_competitor", "Pane Co")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        menu.text("#lost_reason-error"),
        "Say why the deal was lost."
    );
    assert_eq!(menu.attr("#lost-to", "value").as_deref(), Some("Pane Co"));
    let (status, _, _) = htmx_post(
        &admin,
        &path,
        &[
            ("stage_id", &lost),
            ("lost_reason", "Too slow"),
            ("lost_to_competitor", "Pane Co"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.blocking(move |db| history_count(&db, tenant, deal))
            .await,
        3
    );
    let (status, won_reason, lost_reason, lost_to, ..) =
        app.blocking(move |db| deal_state(&db, tenant, deal)).await;
    assert_eq!(status, "lost");
    assert_eq!(won_reason, None);
    assert_eq!(lost_reason.as_deref(), Some("Too slow"));
    assert_eq!(lost_to.as_deref(), Some("Pane Co"));
    assert_eq!(
        app.blocking(move |db| activity_types(&db, tenant, deal))
            .await
            .last()
            .map(String::as_str),
        Some("deal_lost")
    );

    // Reopen: back to the first open stage.
    let (_, page) = admin.page(&format!("/deals/{deal}")).await;
    assert!(page.exists("[data-testid=lost-reason-shown]"));
    let prospecting = app
        .blocking(move |db| stage_id(&db, tenant, "Prospecting"))
        .await
        .to_string();
    let (status, _, _) = htmx_post(&admin, &path, &[("stage_id", &prospecting)]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, ..) = app.blocking(move |db| deal_state(&db, tenant, deal)).await;
    assert_eq!(status, "open");
    // The same stage again records nothing.
    let (status, _, _) = htmx_post(&admin, &path, &[("stage_id", &prospecting)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.blocking(move |db| history_count(&db, tenant, deal))
            .await,
        4
    );
    let (_, page) = admin.page(&format!("/deals/{deal}")).await;
    assert_eq!(page.texts("[data-testid=history-entry]").len(), 4);
}

#[tokio::test]
async fn move_to_another_pipeline_maps_to_the_chosen_stage() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let deal = tenants.a.deal_id.0;
    let (pipeline, target) = app
        .blocking(move |db| {
            db.tenant_blocking(
                &TenantScope::service(tenant.0),
                move |conn| -> anyhow::Result<(i64, i64)> {
                    let pipeline: i64 = diesel::insert_into(pipelines::table)
                        .values((
                            pipelines::tenant_id.eq(tenant.0),
                            pipelines::name.eq("Consulting"),
                        ))
                        .returning(pipelines::id)
                        .get_result(conn)?;
                    let stage: i64 = diesel::insert_into(pipeline_stages::table)
                        .values((
                            pipeline_stages::tenant_id.eq(tenant.0),
                            pipeline_stages::pipeline_id.eq(pipeline),
                            pipeline_stages::name.eq("Scoping"),
                            pipeline_stages::position.eq(1),
                            pipeline_stages::probability.eq(30_i16),
                        ))
                        .returning(pipeline_stages::id)
                        .get_result(conn)?;
                    Ok((pipeline, stage))
                },
            )
        })
        .await
        .unwrap_or_else(|err| panic!("{err:#}"));
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page) = admin.page(&format!("/deals/{deal}")).await;
    assert!(
        page.texts("#stage-choice option")
            .iter()
            .any(|o| o == "Consulting › Scoping"),
        "other pipelines' stages are offered"
    );
    let (status, _, _) = htmx_post(
        &admin,
        &format!("/deals/{deal}/stage"),
        &[("stage_id", &target.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (.., pipeline_id, stage) = app.blocking(move |db| deal_state(&db, tenant, deal)).await;
    assert_eq!((pipeline_id, stage), (pipeline, target));
    assert_eq!(
        app.blocking(move |db| history_count(&db, tenant, deal))
            .await,
        2
    );
    let (_, page) = admin.page(&format!("/deals/{deal}")).await;
    assert_eq!(page.text("[data-testid=deal-probability]"), "30%");
}

#[tokio::test]
async fn bulk_stage_change_writes_one_history_row_per_deal() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let first = tenants.a.deal_id.0;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let prospecting = app
        .blocking(move |db| stage_id(&db, tenant, "Prospecting"))
        .await
        .to_string();
    let (_, _) = admin.page("/deals/new").await;
    let response = admin
        .post_form(
            "/deals",
            &[
                ("title", "Second"),
                ("stage_id", &prospecting),
                ("currency", "USD"),
                ("amount", "10"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let second: i64 = crate::support::app::location(&response)
        .trim_start_matches("/deals/")
        .parse()
        .unwrap_or_else(|_| panic!("a deal path"));
    let negotiation = app
        .blocking(move |db| stage_id(&db, tenant, "Negotiation"))
        .await
        .to_string();
    let won = app
        .blocking(move |db| stage_id(&db, tenant, "Closed Won"))
        .await
        .to_string();
    let other_tenant_deal = tenants.b.deal_id.0.to_string();
    let (_, _) = admin.page("/deals").await;
    let (first_s, second_s) = (first.to_string(), second.to_string());
    let (status, headers, toast) = htmx_post(
        &admin,
        "/deals/bulk",
        &[
            ("action", "stage"),
            ("stage_id", &won),
            ("ids", &first_s),
            ("ids", &second_s),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers.get("HX-Trigger").is_none(),
        "closing in bulk is refused"
    );
    assert!(
        toast.text(".toast").contains("reason"),
        "{}",
        toast.text(".toast")
    );

    let (status, headers, _) = htmx_post(
        &admin,
        "/deals/bulk",
        &[
            ("action", "stage"),
            ("stage_id", &negotiation),
            ("ids", &first_s),
            ("ids", &second_s),
            ("ids", &other_tenant_deal),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get("HX-Trigger").and_then(|v| v.to_str().ok()),
        Some("records-changed")
    );
    assert_eq!(
        app.blocking(move |db| history_count(&db, tenant, first))
            .await,
        2
    );
    assert_eq!(
        app.blocking(move |db| history_count(&db, tenant, second))
            .await,
        2
    );
    let b = tenants.b.tenant_id;
    let b_deal = tenants.b.deal_id.0;
    assert_eq!(
        app.blocking(move |db| history_count(&db, b, b_deal)).await,
        1,
        "another tenant's deal is untouched"
    );
    let (_, list) = admin.page(&format!("/deals?stage={negotiation}")).await;
    assert_eq!(list.texts("#records tbody tr").len(), 2);
}
