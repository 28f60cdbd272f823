//! `/admin/pipelines`: pipeline managers only; new pipelines start with one won and one
//! lost stage; the flags move but never double or vanish; closing stages cannot be
//! archived; archiving a stage with open deals needs a target stage and moves them with a
//! history row each; reorder up / down in the browser.

use diesel::prelude::*;
use rapport::db::TenantScope;
use rapport::db::schema::{deals, pipeline_stages, pipelines};
use rapport::domain::ids::TenantId;
use reqwest::StatusCode;

use super::helpers::{history_count, htmx_post, stage_id};
use crate::support::browser::{self, click, sign_in, wait_for};
use crate::support::{PASSWORD, TestApp, TwoTenants};

/// (name, won, lost) of a pipeline's live stages in order.
fn stages_of(db: &rapport::db::Db, tenant: TenantId, pipeline: &str) -> Vec<(String, bool, bool)> {
    let pipeline = pipeline.to_owned();
    db.tenant_blocking(
        &TenantScope::service(tenant.0),
        move |conn| -> anyhow::Result<_> {
            Ok(pipeline_stages::table
                .inner_join(pipelines::table.on(pipelines::id.eq(pipeline_stages::pipeline_id)))
                .filter(pipelines::name.eq(&pipeline))
                .filter(pipeline_stages::archived_at.is_null())
                .order((pipeline_stages::position, pipeline_stages::id))
                .select((
                    pipeline_stages::name,
                    pipeline_stages::is_closed_won,
                    pipeline_stages::is_closed_lost,
                ))
                .load(conn)?)
        },
    )
    .unwrap_or_else(|err| panic!("{err:#}"))
}

#[tokio::test]
async fn pipeline_rules_and_archiving_with_a_mapping() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let deal = tenants.a.deal_id.0;

    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, _) = rep.page("/admin/pipelines").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let manager = app.login("manager@alpha.test", PASSWORD).await;
    let (status, _) = manager.page("/admin/pipelines").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, page) = admin.page("/admin/pipelines").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.exists("[data-pipeline=Sales] [data-testid=default-badge]"));

    // Create: a name is required and unique; the new pipeline has won and lost stages.
    let (status, _, block) = htmx_post(&admin, "/admin/pipelines", &[("name", "sales")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        block.text("#new-pipeline-error"),
        "Another pipeline has that name."
    );
    assert_eq!(
        block.attr("#new-pipeline-name", "value").as_deref(),
        Some("sales")
    );
    let (status, _, _) = htmx_post(&admin, "/admin/pipelines", &[("name", "Consulting")]).await;
    assert_eq!(status, StatusCode::OK);
    let stages = app
        .blocking(move |db| stages_of(&db, tenant, "Consulting"))
        .await;
    assert_eq!(stages.iter().filter(|s| s.1).count(), 1, "one won stage");
    assert_eq!(stages.iter().filter(|s| s.2).count(), 1, "one lost stage");

    // The won flag moves; it never doubles. The lost stage cannot become won.
    let proposal = app
        .blocking(move |db| stage_id(&db, tenant, "Proposal"))
        .await;
    let lost = app
        .blocking(move |db| stage_id(&db, tenant, "Closed Lost"))
        .await;
    let won = app
        .blocking(move |db| stage_id(&db, tenant, "Closed Won"))
        .await;
    let (status, _, block) = htmx_post(&admin, &format!("/admin/stages/{lost}/won"), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        block
            .text("[data-testid=stage-error]")
            .contains("either the won or the lost")
    );
    let (status, _, _) = htmx_post(&admin, &format!("/admin/stages/{proposal}/won"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let sales = app
        .blocking(move |db| stages_of(&db, tenant, "Sales"))
        .await;
    let won_names: Vec<&str> = sales.iter().filter(|s| s.1).map(|s| s.0.as_str()).collect();
    assert_eq!(won_names, vec!["Proposal"]);
    // Back again, then closing stages cannot be archived.
    let (status, _, _) = htmx_post(&admin, &format!("/admin/stages/{won}/won"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, block) = htmx_post(&admin, &format!("/admin/stages/{won}/archive"), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        block
            .text("[data-testid=stage-error]")
            .contains("won and lost stage")
    );

    // Archiving the fixture deal's stage needs a target; then the deal moves (one row).
    let prospecting = app
        .blocking(move |db| stage_id(&db, tenant, "Prospecting"))
        .await;
    let (status, _, block) =
        htmx_post(&admin, &format!("/admin/stages/{prospecting}/archive"), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        block
            .text("[data-testid=stage-error]")
            .contains("choose the stage")
    );
    let qualification = app
        .blocking(move |db| stage_id(&db, tenant, "Qualification"))
        .await;
    let (status, _, _) = htmx_post(
        &admin,
        &format!("/admin/stages/{prospecting}/archive"),
        &[("move_to", &qualification.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.blocking(move |db| history_count(&db, tenant, deal))
            .await,
        2
    );
    let stage_now: i64 = app
        .blocking(move |db| {
            db.tenant_blocking(
                &TenantScope::service(tenant.0),
                move |conn| -> anyhow::Result<i64> {
                    Ok(deals::table
                        .find(deal)
                        .select(deals::stage_id)
                        .first(conn)?)
                },
            )
        })
        .await
        .unwrap_or_else(|err| panic!("{err:#}"));
    assert_eq!(stage_now, qualification);
    let sales = app
        .blocking(move |db| stages_of(&db, tenant, "Sales"))
        .await;
    assert!(!sales.iter().any(|s| s.0 == "Prospecting"));

    // Stage validation: errors, nothing saved.
    let (status, _, block) = htmx_post(
        &admin,
        &format!("/admin/stages/{qualification}"),
        &[
            ("name", ""),
            ("probability", "120"),
            ("colour", "red"),
            ("alert", "0"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = block.text("[data-testid=stage-error]");
    assert!(message.contains("probability from 0 to 100"), "{message}");

    // Another tenant's stage is not found.
    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    let (_, _) = other.page("/admin/pipelines").await;
    let (status, _, _) = htmx_post(&other, &format!("/admin/stages/{qualification}/up"), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reorder_stages_in_the_browser() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.admin_email, PASSWORD).await;
    wait_for(&client, "h1").await;
    client
        .goto(&format!("{}/admin/pipelines", app.base_url))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    click(&client, "tr[data-stage=Proposal] [data-testid=stage-up]").await;
    client
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(fantoccini::Locator::Css(
            "#pipeline-1 tbody tr:nth-child(2)[data-stage=Proposal], [data-pipeline=Sales] tbody tr:nth-child(2)[data-stage=Proposal]",
        ))
        .await
        .unwrap_or_else(|err| panic!("Proposal did not move up: {err}"));
    let sales = app
        .blocking(move |db| stages_of(&db, tenant, "Sales"))
        .await;
    let names: Vec<&str> = sales.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names[..3], ["Prospecting", "Proposal", "Qualification"]);
    client.close().await.unwrap_or_else(|err| panic!("{err}"));
}
