//! The stale rows' quick actions over HTTP (as htmx sends them): change stage (won needs
//! its reason), add a note, create a follow-up task. Each answers with the row.

use chrono::Utc;
use diesel::prelude::*;
use rapport::db::TenantScope;
use rapport::db::schema::{activities, deal_stage_history, deals, notes, tasks};
use reqwest::StatusCode;

use super::{fixture, htmx_post, stage};
use crate::support::{PASSWORD, TestApp, TwoTenants};

#[tokio::test]
async fn quick_actions_change_stage_add_note_and_create_task() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let t = tenants.a.clone();
    let now = Utc::now();
    let f = app
        .blocking(move |db| fixture(&db, t.tenant_id, t.admin_id, t.rep_id, now))
        .await;
    let tenant = tenants.a.tenant_id;
    let (proposal, _) = app.blocking(move |db| stage(&db, tenant, "Proposal")).await;
    let (won, _) = app
        .blocking(move |db| stage(&db, tenant, "Closed Won"))
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    admin.page("/deals/stale").await;

    // Change stage: C leaves Negotiation for Proposal; the row says so and is no longer stale.
    let (status, row) = htmx_post(
        &admin,
        &format!("/deals/stale/{}/stage", f.c),
        &[("stage_id", &proposal.0.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let row_css = format!("tr#stale-{}", f.c);
    assert!(row.exists(&row_css), "the answer is the row");
    assert_eq!(row.text("[data-testid=stale-notice]"), "Moved to Proposal.");
    assert!(row.exists(&format!("{row_css}.stale-row-resolved")));
    assert_eq!(row.text("td[data-col=stage] .stale-stage-name"), "Proposal");

    // Closing won without a reason: 422, the row with the error, nothing moved.
    let (status, row) = htmx_post(
        &admin,
        &format!("/deals/stale/{}/stage", f.a),
        &[("stage_id", &won.0.to_string()), ("won_reason", " ")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        row.text(&format!("#stale-{}-won-error", f.a)),
        "Say why the deal was won."
    );
    assert!(row.exists("details.stale-action[open] [data-testid=stale-won-reason]"));
    // With the reason, it closes.
    let (status, row) = htmx_post(
        &admin,
        &format!("/deals/stale/{}/stage", f.a),
        &[
            ("stage_id", &won.0.to_string()),
            ("won_reason", "Best price"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        row.text("[data-testid=stale-notice]"),
        "Moved to Closed Won."
    );

    // A note on E, then a task on B2 (for its owner, the admin), then a task with no subject.
    let (status, row) = htmx_post(
        &admin,
        &format!("/deals/stale/{}/note", f.e),
        &[("body", "Called, no answer")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(row.text("[data-testid=stale-notice]"), "Note added.");
    let (status, row) = htmx_post(
        &admin,
        &format!("/deals/stale/{}/note", f.e),
        &[("body", "  ")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(row.exists(&format!("#stale-{}-note-error", f.e)));
    let (status, row) = htmx_post(
        &admin,
        &format!("/deals/stale/{}/task", f.b2),
        &[("subject", "Call the buyer"), ("due_at", "2030-01-15")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        row.text("[data-testid=stale-notice]"),
        "Follow-up task created."
    );
    let (status, row) = htmx_post(
        &admin,
        &format!("/deals/stale/{}/task", f.b2),
        &[("subject", ""), ("due_at", "")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(row.exists(&format!("#stale-{}-subject-error", f.b2)));

    // What the database says.
    let (c, a, e, b2) = (f.c, f.a, f.e, f.b2);
    let admin_id = tenants.a.admin_id;
    app.blocking(move |db| {
        db.tenant_blocking(
            &TenantScope::service(tenant.0),
            |conn| -> anyhow::Result<()> {
                let (c_stage, c_status): (i64, String) = deals::table
                    .find(c)
                    .select((deals::stage_id, deals::status))
                    .first(conn)?;
                assert_eq!((c_stage, c_status.as_str()), (proposal.0, "open"));
                let c_history: i64 = deal_stage_history::table
                    .filter(deal_stage_history::deal_id.eq(c))
                    .count()
                    .get_result(conn)?;
                assert_eq!(c_history, 2, "creation plus one move");
                let (a_status, a_reason): (String, Option<String>) = deals::table
                    .find(a)
                    .select((deals::status, deals::won_reason))
                    .first(conn)?;
                assert_eq!(a_status, "won");
                assert_eq!(a_reason.as_deref(), Some("Best price"));
                let bodies: Vec<String> = notes::table
                    .filter(notes::deal_id.eq(e))
                    .select(notes::body)
                    .load(conn)?;
                assert_eq!(bodies, vec!["Called, no answer".to_owned()]);
                let made: Vec<(String, Option<i64>)> = tasks::table
                    .filter(tasks::deal_id.eq(b2))
                    .select((tasks::subject, tasks::assignee_id))
                    .load(conn)?;
                assert_eq!(made, vec![("Call the buyer".to_owned(), Some(admin_id.0))]);
                let logged: i64 = activities::table
                    .filter(activities::deal_id.eq(b2))
                    .filter(activities::activity_type.eq("task_created"))
                    .count()
                    .get_result(conn)?;
                assert_eq!(logged, 1);
                Ok(())
            },
        )
    })
    .await
    .unwrap_or_else(|err| panic!("{err:#}"));

    // Without the CSRF token: refused.
    let response = admin
        .post_form_raw(
            &format!("/deals/stale/{}/note", f.e),
            &[("body", "No token")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Without JavaScript the forms post and come back to the list.
    let response = admin
        .post_form(
            &format!("/deals/stale/{}/note", f.e),
            &[("body", "Plain post")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}
