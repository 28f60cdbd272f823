//! The deal list, the form (errors next to fields, input kept, probability from the
//! stage unless overridden), the detail page, line items, team, delete and restore, and
//! permissions from the other side (another tenant, a rep).

use diesel::prelude::*;
use rapport::db::TenantScope;
use rapport::db::schema::deals;
use reqwest::StatusCode;

use super::helpers::{history_count, htmx_post, stage_id};
use crate::support::app::location;
use crate::support::{PASSWORD, Page, TestApp, TwoTenants};

#[tokio::test]
async fn create_with_validation_then_show_list_and_filter() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let proposal = app
        .blocking(move |db| stage_id(&db, tenant, "Proposal"))
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, form) = admin.page("/deals/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.exists("#in-stage_id option"),
        "stage choices are listed"
    );

    // Errors next to the fields, input kept.
    let response = admin
        .post_form(
            "/deals",
            &[
                ("title", " "),
                ("stage_id", ""),
                ("currency", "USD"),
                ("amount", "lots"),
                ("discount", ""),
                ("probability", "140"),
                ("source", "Referral"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(response.text().await.unwrap_or_default());
    for field in ["title", "stage_id", "amount", "probability"] {
        assert!(
            page.exists(&format!("[data-field={field}] .field-error")),
            "an error for {field}"
        );
    }
    assert_eq!(
        page.attr("#in-source", "value").as_deref(),
        Some("Referral")
    );

    // A valid deal follows the stage's probability.
    let stage = proposal.to_string();
    let response = admin
        .post_form(
            "/deals",
            &[
                ("title", "Window retrofit"),
                ("stage_id", &stage),
                ("currency", "EUR"),
                ("amount", "20,000"),
                ("discount", "1,000"),
                ("tax", "500"),
                ("probability", ""),
                ("competitors", "Acme Glass, Pane Co"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let path = location(&response);
    let (status, page) = admin.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.text("[data-testid=deal-stage]"), "Proposal");
    assert_eq!(page.text("[data-testid=deal-probability]"), "50%");
    assert_eq!(page.text("[data-testid=deal-amount]"), "€20,000.00");
    assert_eq!(page.text("[data-testid=deal-total]"), "€19,500.00");
    assert_eq!(page.text("[data-testid=deal-weighted]"), "€10,000.00");
    assert_eq!(page.texts("[data-testid=history-entry]").len(), 1);
    assert!(!page.exists("[data-testid=stale-badge]"));

    // An override sticks; clearing it goes back to the stage's.
    let id: i64 = path
        .trim_start_matches("/deals/")
        .parse()
        .unwrap_or_else(|_| panic!("{path}"));
    let (status, _, _) = htmx_post(
        &admin,
        &format!("/deals/{id}/fields/probability"),
        &[("probability", "65")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = admin.page(&path).await;
    assert!(
        page.text("[data-testid=deal-probability]")
            .starts_with("65%")
    );

    // The list: search, filters and the new deal in it.
    let (status, list) = admin.page("/deals?q=retrofit").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list.texts("#records tbody tr .record-link"),
        vec!["Window retrofit"]
    );
    let (_, list) = admin.page(&format!("/deals?stage={proposal}")).await;
    assert_eq!(
        list.texts("#records tbody tr .record-link"),
        vec!["Window retrofit"]
    );
    let (_, list) = admin.page("/deals?status=won").await;
    assert!(list.texts("#records tbody tr .record-link").is_empty());
    let (_, list) = admin.page("/deals?sort=-amount").await;
    let titles = list.texts("#records tbody tr .record-link");
    assert_eq!(titles.len(), 2);
    assert_eq!(titles[0], "Window retrofit", "largest amount first");
    let export = admin.get("/deals/export.csv").await;
    assert_eq!(export.status(), StatusCode::OK);
    let csv = export.text().await.unwrap_or_default();
    assert!(csv.contains("Window retrofit"), "{csv}");
}

#[tokio::test]
async fn line_items_team_delete_restore() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let deal = tenants.a.deal_id.0;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, _) = admin.page(&format!("/deals/{deal}")).await;

    let (status, _, section) = htmx_post(
        &admin,
        &format!("/deals/{deal}/items"),
        &[("product", ""), ("quantity", "0"), ("unit_price", "x")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(section.texts("#line-items .field-error").len(), 3);
    assert_eq!(
        section.attr("#item-quantity", "value").as_deref(),
        Some("0")
    );
    let (status, _, section) = htmx_post(
        &admin,
        &format!("/deals/{deal}/items"),
        &[
            ("product", "Triple glazing"),
            ("quantity", "3"),
            ("unit_price", "1,200"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(section.texts("#line-items tbody tr").len(), 1);
    let (_, page) = admin.page(&format!("/deals/{deal}")).await;
    assert_eq!(
        page.text("[data-testid=deal-amount]"),
        "$3,600.00",
        "amount follows the items"
    );

    let (status, json) = admin.get_json(&format!("/api/deals/{deal}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["line_items"][0]["product"], "Triple glazing");
    assert_eq!(json["line_items"][0]["total_minor"], 360_000);
    assert_eq!(json["amount_minor"], 360_000);
    assert!(json["weighted_minor"].is_i64());
    let rep = tenants.a.rep_id.0.to_string();
    let (status, _, team) =
        htmx_post(&admin, &format!("/deals/{deal}/team"), &[("user_id", &rep)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(team.texts("#deal-team li").len(), 1);

    let response = admin.post_form(&format!("/deals/{deal}/delete"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.page(&format!("/deals/{deal}")).await;
    assert!(page.exists("[data-testid=deleted-banner]"));
    let (_, list) = admin.page("/deals").await;
    assert!(list.texts("#records tbody tr .record-link").is_empty());
    let response = admin
        .post_form(&format!("/deals/{deal}/restore"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, list) = admin.page("/deals").await;
    assert_eq!(list.texts("#records tbody tr .record-link").len(), 1);
}

#[tokio::test]
async fn other_tenant_gets_404_and_rep_cannot_delete() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let deal = tenants.a.deal_id.0;
    let tenant = tenants.a.tenant_id;
    let proposal = app
        .blocking(move |db| stage_id(&db, tenant, "Proposal"))
        .await;

    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    let (status, _) = other.page(&format!("/deals/{deal}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _) = other.page("/deals").await;
    let (status, _, _) = htmx_post(
        &other,
        &format!("/deals/{deal}/stage"),
        &[("stage_id", &proposal.to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = htmx_post(
        &other,
        &format!("/deals/{deal}/items"),
        &[("product", "X"), ("quantity", "1"), ("unit_price", "1")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = htmx_post(
        &other,
        &format!("/deals/{deal}/fields/title"),
        &[("title", "Stolen")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let a_scope = TenantScope::service(tenant.0);
    let title: String = app
        .blocking(move |db| {
            db.tenant_blocking(&a_scope, move |conn| -> anyhow::Result<String> {
                Ok(deals::table.find(deal).select(deals::title).first(conn)?)
            })
        })
        .await
        .unwrap_or_else(|err| panic!("{err:#}"));
    assert_ne!(title, "Stolen");
    assert_eq!(
        app.blocking(move |db| history_count(&db, tenant, deal))
            .await,
        1
    );

    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, _) = rep.page(&format!("/deals/{deal}")).await;
    assert_eq!(status, StatusCode::OK);
    let response = rep.post_form(&format!("/deals/{deal}/delete"), &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
