//! Creating, editing, deleting and restoring companies, contacts and leads through the
//! pages: errors next to the fields with the input kept, inline edits of one field (htmx),
//! soft delete with restore, audit rows and timeline entries.

use diesel::prelude::*;
use rapport::db::schema::{activities, audit_logs, companies, contacts};
use reqwest::StatusCode;

use super::helpers::{self, htmx_get, htmx_post};
use crate::support::app::location;
use crate::support::{PASSWORD, TestApp, TwoTenants};

#[tokio::test]
async fn company_create_validation_edit_delete_restore() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, form) = admin.page("/companies/new").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        form.attr("#in-owner_id option[selected]", "value"),
        Some(tenants.a.admin_id.0.to_string()),
        "new records are owned by their maker"
    );

    // Errors next to each bad field; everything typed is kept.
    let response = admin
        .post_form(
            "/companies",
            &[
                ("name", "  "),
                ("domain", "not a domain"),
                ("website", "javascript:alert(1)"),
                ("employee_count", "lots"),
                ("annual_revenue", "12.345"),
                ("phone", "12"),
                ("industry", "Roofing"),
                ("size_band", "huge"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = crate::support::Page::parse(response.text().await.unwrap_or_default());
    for field in [
        "name",
        "domain",
        "website",
        "employee_count",
        "annual_revenue",
        "phone",
        "size_band",
    ] {
        assert!(
            page.exists(&format!("[data-field={field}] .field-error")),
            "an error for {field}"
        );
    }
    assert_eq!(
        page.text("[data-field=name] .field-error"),
        "Name is required."
    );
    assert_eq!(
        page.attr("#in-industry", "value").as_deref(),
        Some("Roofing")
    );
    assert_eq!(
        page.attr("#in-domain", "value").as_deref(),
        Some("not a domain")
    );
    assert_eq!(
        page.attr("#in-domain", "aria-invalid").as_deref(),
        Some("true")
    );

    // A good company: normalised values, an audit row and a timeline entry.
    let response = admin
        .post_form(
            "/companies",
            &[
                ("name", "Granite Peak Roofing"),
                ("domain", "https://www.GranitePeak.com/about"),
                ("website", "granitepeak.com"),
                ("employee_count", "1,250"),
                ("annual_revenue", "2,500,000.50"),
                ("phone", "(303) 555-0199"),
                ("city", "Golden"),
                ("owner_id", &tenants.a.rep_id.0.to_string()),
                ("account_tier", "enterprise"),
                ("is_target_account", "true"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let url = location(&response);
    let id: i64 = url
        .trim_start_matches("/companies/")
        .parse()
        .unwrap_or_else(|_| panic!("{url}"));
    let (_, page) = admin.page(&url).await;
    assert_eq!(
        page.text("[data-testid=record-name]"),
        "Granite Peak Roofing"
    );
    assert_eq!(page.text("[data-value=domain]"), "granitepeak.com");
    assert_eq!(page.text("[data-value=website]"), "https://granitepeak.com");
    assert_eq!(page.text("[data-value=annual_revenue]"), "$2,500,000.50");
    assert_eq!(page.text("[data-value=employee_count]"), "1,250");
    assert_eq!(page.text("[data-value=is_target_account]"), "Yes");
    assert_eq!(page.text("[data-value=owner_id]"), "Rep Alpha");
    assert!(
        page.exists("#timeline[hx-get]")
            && page.exists("#notes[hx-get]")
            && page.exists("#tasks[hx-get]")
    );
    assert_eq!(
        page.attr("#timeline", "hx-get"),
        Some(format!("/timeline?company_id={id}"))
    );

    // Full edit form: errors keep input, then a good save.
    let edit = admin
        .post_form(&url, &[("name", "Granite Peak"), ("employee_count", "-5")])
        .await;
    assert_eq!(edit.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let saved = admin
        .post_form(&url, &[("name", "Granite Peak"), ("city", "Golden")])
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.page(&url).await;
    assert_eq!(page.text("[data-testid=record-name]"), "Granite Peak");
    assert_eq!(
        page.text("[data-value=domain]"),
        "—",
        "fields left out of the form are cleared"
    );

    // Soft delete: gone from the list, restorable, audited.
    let deleted = admin.post_form(&format!("{url}/delete"), &[]).await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    let (_, list) = admin.page("/companies").await;
    assert!(!list.exists(&format!("tr[data-id='{id}']")));
    let (_, trash) = admin.page("/companies?trash=1").await;
    assert!(trash.exists(&format!("tr[data-id='{id}']")));
    let (status, page) = admin.page(&url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.exists("[data-testid=deleted-banner]"));
    let restored = admin.post_form(&format!("{url}/restore"), &[]).await;
    assert_eq!(restored.status(), StatusCode::SEE_OTHER);
    let (_, list) = admin.page("/companies").await;
    assert!(list.exists(&format!("tr[data-id='{id}']")));

    let actions: Vec<String> = app
        .blocking(move |db| {
            helpers::as_service(&db, tenants.a.tenant_id, move |conn| {
                Ok(audit_logs::table
                    .filter(audit_logs::entity_type.eq("company"))
                    .filter(audit_logs::entity_id.eq(id))
                    .order(audit_logs::id)
                    .select(audit_logs::action)
                    .load(conn)?)
            })
        })
        .await;
    assert_eq!(
        actions,
        [
            "company.created",
            "company.updated",
            "company.deleted",
            "company.restored"
        ]
    );
    let created_events: i64 = app
        .blocking(move |db| {
            helpers::as_service(&db, tenants.a.tenant_id, move |conn| {
                Ok(activities::table
                    .filter(activities::company_id.eq(id))
                    .filter(activities::activity_type.eq("company_created"))
                    .count()
                    .get_result(conn)?)
            })
        })
        .await;
    assert_eq!(created_events, 1);
}

#[tokio::test]
async fn inline_edit_of_one_field() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let base = format!("/companies/{}", tenants.a.company_id);
    admin.page(&base).await;

    let (status, _, editor) = htmx_get(&admin, &format!("{base}/fields/industry/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        editor.attr("form[data-inline-edit]", "hx-post"),
        Some(format!("{base}/fields/industry"))
    );
    let (status, _, shown) = htmx_post(
        &admin,
        &format!("{base}/fields/industry"),
        &[("industry", "Solar")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown.text("[data-value=industry]"), "Solar");

    // A bad value comes back as the editor with the message and the input.
    let (status, _, editor) = htmx_post(
        &admin,
        &format!("{base}/fields/employee_count"),
        &[("employee_count", "many")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        editor.text(".field-error"),
        "Enter a whole number from 0 to 10000000."
    );
    assert_eq!(
        editor.attr("#in-employee_count", "value").as_deref(),
        Some("many")
    );

    // Only this field changed.
    let tenant = tenants.a.tenant_id;
    let company = tenants.a.company_id;
    let (industry, name): (Option<String>, String) = app
        .blocking(move |db| {
            helpers::as_service(&db, tenant, move |conn| {
                Ok(companies::table
                    .find(company)
                    .select((companies::industry, companies::name))
                    .first(conn)?)
            })
        })
        .await;
    assert_eq!(industry.as_deref(), Some("Solar"));
    assert_eq!(name, "Alpha Windows Customer");

    // A checkbox unticked sends nothing and saves false.
    let (_, _, shown) = htmx_post(
        &admin,
        &format!("{base}/fields/is_target_account"),
        &[("is_target_account", "true")],
    )
    .await;
    assert_eq!(shown.text("[data-value=is_target_account]"), "Yes");
    let (_, _, shown) = htmx_post(&admin, &format!("{base}/fields/is_target_account"), &[]).await;
    assert_eq!(shown.text("[data-value=is_target_account]"), "No");

    // Unknown fields and other tenants' records are not found.
    let (status, _, _) = htmx_get(&admin, &format!("{base}/fields/tenant_id/edit")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = htmx_post(
        &admin,
        &format!("/companies/{}/fields/name", tenants.b.company_id),
        &[("name", "Mine")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn contacts_and_leads_validate_and_reps_cannot_delete() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    rep.page("/contacts/new").await;

    let response = rep
        .post_form(
            "/contacts",
            &[
                ("first_name", ""),
                ("last_name", ""),
                ("email", "nope@"),
                ("mobile", "abc"),
                ("status", "vip"),
                ("birthday", "31/12/1990"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = crate::support::Page::parse(response.text().await.unwrap_or_default());
    assert_eq!(
        page.text("[data-field=email] .field-error"),
        "Enter an email address like ana@example.com."
    );
    assert!(page.exists("[data-field=mobile] .field-error"));
    assert!(page.exists("[data-field=status] .field-error"));
    assert!(page.exists("[data-field=birthday] .field-error"));
    assert_eq!(page.attr("#in-email", "value").as_deref(), Some("nope@"));

    let company = tenants.a.company_id.0.to_string();
    let response = rep
        .post_form(
            "/contacts",
            &[
                ("first_name", "Dana"),
                ("last_name", "Ortiz"),
                ("email", "dana@example.com"),
                ("phone", "303.555.0142"),
                ("company_id", &company),
                ("status", "contacted"),
                ("owner_id", &tenants.a.rep_id.0.to_string()),
                ("twitter_handle", "@dana"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let url = location(&response);
    let (_, page) = rep.page(&url).await;
    assert_eq!(page.text("[data-testid=record-name]"), "Dana Ortiz");
    assert_eq!(
        page.text("[data-testid=company-link]"),
        "Alpha Windows Customer"
    );
    assert_eq!(page.text("[data-value=twitter_handle]"), "dana");
    let id: i64 = url
        .trim_start_matches("/contacts/")
        .parse()
        .unwrap_or_default();
    let tenant = tenants.a.tenant_id;
    let e164: Option<String> = app
        .blocking(move |db| {
            helpers::as_service(&db, tenant, move |conn| {
                Ok(contacts::table
                    .find(rapport::domain::ids::ContactId(id))
                    .select(contacts::phone_e164)
                    .first(conn)?)
            })
        })
        .await;
    assert_eq!(e164.as_deref(), Some("+13035550142"));

    // A company from another tenant cannot be linked.
    let other = tenants.b.company_id.0.to_string();
    let response = rep
        .post_form(
            &url,
            &[
                ("first_name", "Dana"),
                ("status", "new"),
                ("company_id", &other),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Reps may not delete (403, logged); managers may.
    let response = rep.post_form(&format!("{url}/delete"), &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let manager = app.login("manager@alpha.test", PASSWORD).await;
    manager.page(&url).await;
    let response = manager.post_form(&format!("{url}/delete"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    // Leads: a disqualified lead needs a reason; who and when are recorded.
    rep.page("/leads/new").await;
    let response = rep
        .post_form(
            "/leads",
            &[
                ("company_name", "Sunrise HOA"),
                ("status", "disqualified"),
                ("score", "140"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = crate::support::Page::parse(response.text().await.unwrap_or_default());
    assert_eq!(
        page.text("[data-field=disqualified_reason] .field-error"),
        "Say why the lead is disqualified."
    );
    assert!(page.exists("[data-field=score] .field-error"));
    let response = rep
        .post_form(
            "/leads",
            &[
                ("company_name", "Sunrise HOA"),
                ("status", "disqualified"),
                ("score", "40"),
                ("disqualified_reason", "No budget this year"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = rep.page(&location(&response)).await;
    assert_eq!(page.text("[data-testid=record-name]"), "Sunrise HOA");
    assert!(
        page.text("[data-testid=disqualified]")
            .contains("No budget this year")
    );
    assert!(
        page.text("[data-testid=disqualified]")
            .contains("By Rep Alpha")
    );
}
