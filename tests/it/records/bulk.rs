//! Bulk actions on the selected rows: owner, tags, status, soft delete with undo; each
//! audited per record; reps may not bulk delete.

use diesel::prelude::*;
use rapport::db::schema::{audit_logs, companies, contacts};
use reqwest::StatusCode;

use super::helpers::{self, htmx_post, row_ids};
use crate::support::app::TestClient;
use crate::support::{PASSWORD, TestApp, TwoTenants};

async fn bulk(
    client: &TestClient,
    ids: &[String],
    extra: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, crate::support::Page) {
    let mut fields: Vec<(&str, &str)> = ids.iter().map(|id| ("ids", id.as_str())).collect();
    fields.extend_from_slice(extra);
    htmx_post(client, "/companies/bulk", &fields).await
}

#[tokio::test]
async fn bulk_edit_owner_tags_status_and_delete_with_undo() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| helpers::many_companies(&db, tenant, "Zeta", 6, None))
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page) = admin.page("/companies?q=zeta&sort=name").await;
    let ids = row_ids(&page);
    assert_eq!(ids.len(), 6);
    let chosen: Vec<String> = ids[..3].iter().map(i64::to_string).collect();
    let rep = tenants.a.rep_id.0.to_string();
    let (status, headers, toast) =
        bulk(&admin, &chosen, &[("action", "owner"), ("owner_id", &rep)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get("HX-Trigger").and_then(|v| v.to_str().ok()),
        Some("records-changed")
    );
    assert_eq!(
        toast.text("[data-testid=toast]"),
        "Changed the owner of 3 companies."
    );

    let (_, _, toast) = bulk(
        &admin,
        &chosen,
        &[("action", "tag_add"), ("tag_name", "Priority")],
    )
    .await;
    assert_eq!(toast.text("[data-testid=toast]"), "Tagged 3 companies.");
    let (_, _, toast) = bulk(
        &admin,
        &chosen,
        &[("action", "choice"), ("choice_value", "strategic")],
    )
    .await;
    assert_eq!(toast.text("[data-testid=toast]"), "Updated 3 companies.");
    let (_, list) = admin.page("/companies?tier=strategic").await;
    assert_eq!(row_ids(&list), ids[..3].to_vec());
    let (_, list) = admin.page(&format!("/companies?owner={rep}&q=zeta")).await;
    assert_eq!(row_ids(&list).len(), 3);
    assert!(
        list.texts("#records .tag")
            .iter()
            .all(|t| t.contains("Priority"))
    );

    // Nothing chosen, or a bad choice: a message, nothing changed.
    let (_, _, toast) = htmx_post(&admin, "/companies/bulk", &[("action", "delete")]).await;
    assert_eq!(
        toast.text("[data-testid=toast]"),
        "Select at least one record."
    );
    let (_, _, toast) = bulk(
        &admin,
        &chosen,
        &[("action", "choice"), ("choice_value", "platinum")],
    )
    .await;
    assert_eq!(toast.text("[data-testid=toast]"), "Choose a tier.");

    // Delete, then undo from the toast.
    let (_, _, toast) = bulk(&admin, &chosen, &[("action", "delete")]).await;
    assert_eq!(
        toast.text("[data-testid=toast]"),
        "Deleted 3 companies. Undo"
    );
    let undo = toast
        .attr("[data-testid=undo]", "hx-post")
        .unwrap_or_else(|| panic!("no undo"));
    let (_, list) = admin.page("/companies?q=zeta").await;
    assert_eq!(row_ids(&list).len(), 3);
    let (status, headers, toast) = htmx_post(&admin, &undo, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get("HX-Trigger").and_then(|v| v.to_str().ok()),
        Some("records-changed")
    );
    assert_eq!(toast.text("[data-testid=toast]"), "Restored 3 companies.");
    let (_, list) = admin.page("/companies?q=zeta").await;
    assert_eq!(row_ids(&list).len(), 6);
    let (status, _, _) = htmx_post(&admin, &undo, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an undo works once");

    // Every change is audited per record.
    let first = ids[0];
    let actions: Vec<String> = app
        .blocking(move |db| {
            helpers::as_service(&db, tenant, move |conn| {
                Ok(audit_logs::table
                    .filter(audit_logs::entity_type.eq("company"))
                    .filter(audit_logs::entity_id.eq(first))
                    .order(audit_logs::id)
                    .select(audit_logs::action)
                    .load(conn)?)
            })
        })
        .await;
    assert_eq!(
        actions,
        [
            "company.bulk_owner_changed",
            "company.bulk_updated",
            "company.deleted",
            "company.restored"
        ]
    );
    let tier: Option<String> = app
        .blocking(move |db| {
            helpers::as_service(&db, tenant, move |conn| {
                Ok(companies::table
                    .find(rapport::domain::ids::CompanyId(first))
                    .select(companies::account_tier)
                    .first(conn)?)
            })
        })
        .await;
    assert_eq!(tier.as_deref(), Some("strategic"));
}

#[tokio::test]
async fn reps_bulk_edit_but_cannot_bulk_delete() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (_, page) = rep.page("/contacts").await;
    assert!(
        !page.exists("[data-testid=bulk-delete]"),
        "no delete button for reps"
    );
    let id = tenants.a.contact_id.0.to_string();
    let (status, _, toast) = htmx_post(
        &rep,
        "/contacts/bulk",
        &[
            ("ids", &id),
            ("action", "choice"),
            ("choice_value", "customer"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(toast.text("[data-testid=toast]"), "Updated 1 contact.");
    let (status, _, _) = htmx_post(
        &rep,
        "/contacts/bulk",
        &[("ids", &id), ("action", "delete")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let tenant = tenants.a.tenant_id;
    let contact = tenants.a.contact_id;
    let (status, deleted): (String, Option<chrono::DateTime<chrono::Utc>>) = app
        .blocking(move |db| {
            helpers::as_service(&db, tenant, move |conn| {
                Ok(contacts::table
                    .find(contact)
                    .select((contacts::status, contacts::deleted_at))
                    .first(conn)?)
            })
        })
        .await;
    assert_eq!(status, "customer");
    assert!(deleted.is_none());
    // Another tenant's ids are simply not touched.
    let other = tenants.b.contact_id.0.to_string();
    let (_, _, toast) = htmx_post(
        &rep,
        "/contacts/bulk",
        &[
            ("ids", &other),
            ("action", "choice"),
            ("choice_value", "inactive"),
        ],
    )
    .await;
    assert_eq!(toast.text("[data-testid=toast]"), "Updated 0 contacts.");
}
