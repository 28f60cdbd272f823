//! Record visibility (`all` / `team` / `own`), proven from the rep's side: another rep's
//! company cannot be listed, searched, exported, found in the palette, opened by id (page,
//! API, graph) or changed; what hangs off it is hidden too. Deals link records into view;
//! teams and managers widen it; admins see everything; only admins change the mode.

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use rapport::db::TenantScope;
use rapport::domain::activities::{ActivityType, NewActivity, log_activity};
use rapport::domain::ids::{CompanyId, ContactId, UserId};
use reqwest::StatusCode;

use super::helpers::{self, CompanySeed, htmx_get, htmx_post, row_names};
use crate::support::{PASSWORD, TestApp, TwoTenants};

struct Secret {
    rep2: UserId,
    company: CompanyId,
    contact: ContactId,
}

async fn setup(app: &TestApp, tenants: &TwoTenants) -> Secret {
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| {
        let rep2 = helpers::add_user(&db, tenant, "rep2@alpha.test", "Riley Second", "rep", None);
        let company = helpers::company(&db, tenant, CompanySeed { name: "Secret Holdings", owner: Some(rep2), city: Some("Denver"), domain: Some("secret.example") });
        let contact = helpers::contact(&db, tenant, "Sam", "Secret", Some("sam@secret.example"), Some(company), Some(rep2));
        helpers::as_service(&db, tenant, move |conn| {
            let mut call = NewActivity::new(ActivityType::CallLogged, "Call with Sam", chrono::Utc::now());
            call.contact_id = Some(contact);
            log_activity(conn, tenant, call)?;
            diesel::sql_query("INSERT INTO notes (tenant_id, body, company_id) VALUES ($1, 'Secret plans', $2)")
                .bind::<BigInt, _>(tenant.0)
                .bind::<BigInt, _>(company.0)
                .execute(conn)?;
            diesel::sql_query("INSERT INTO tasks (tenant_id, subject, contact_id) VALUES ($1, 'Call Sam back', $2)")
                .bind::<BigInt, _>(tenant.0)
                .bind::<BigInt, _>(contact.0)
                .execute(conn)?;
            let tag = rapport::domain::tags::create(conn, tenant, "Hush", "#111111", None)?;
            rapport::domain::tags::tag_records(conn, tenant, tag.id, "company", &[company.0])?;
            Ok(())
        });
        helpers::set_visibility(&db, tenant, "own");
        Secret { rep2, company, contact }
    })
    .await
}

#[derive(QueryableByName)]
struct Counts {
    #[diesel(sql_type = BigInt)]
    activities: i64,
    #[diesel(sql_type = BigInt)]
    notes: i64,
    #[diesel(sql_type = BigInt)]
    tasks: i64,
    #[diesel(sql_type = BigInt)]
    taggings: i64,
}

/// What of the secret company's world a scope sees, read straight from the database.
fn dependents(
    db: &rapport::db::Db,
    scope: TenantScope,
    secret: (i64, i64),
) -> (i64, i64, i64, i64) {
    let counts: Counts = db
        .tenant_blocking(&scope, |conn| -> anyhow::Result<Counts> {
            Ok(diesel::sql_query(
                "SELECT (SELECT count(*) FROM activities WHERE company_id = $1 OR contact_id = $2) AS activities, \
                        (SELECT count(*) FROM notes WHERE company_id = $1) AS notes, \
                        (SELECT count(*) FROM tasks WHERE contact_id = $2) AS tasks, \
                        (SELECT count(*) FROM taggings WHERE entity_id = $1 AND entity_type = 'company') AS taggings",
            )
            .bind::<BigInt, _>(secret.0)
            .bind::<BigInt, _>(secret.1)
            .get_result(conn)?)
        })
        .unwrap_or_else(|err| panic!("{err:#}"));
    (
        counts.activities,
        counts.notes,
        counts.tasks,
        counts.taggings,
    )
}

#[tokio::test]
async fn in_own_mode_a_rep_cannot_reach_another_reps_company_by_any_path() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let secret = setup(&app, &tenants).await;
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, list) = rep.page("/companies").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        row_names(&list),
        ["Alpha Windows Customer"],
        "only their own company"
    );
    assert_eq!(list.text("[data-testid=list-count]"), "1 companies");

    // Search, filters, palette, pickers, export.
    for path in [
        "/companies?q=secret",
        "/companies?q=secret.example",
        "/companies?city=Denver",
        "/contacts?q=sam",
    ] {
        let (_, page) = rep.page(path).await;
        assert!(
            row_names(&page).is_empty(),
            "{path} shows {:?}",
            row_names(&page)
        );
    }
    let (_, _, palette) = htmx_get(&rep, "/palette?q=secret").await;
    assert!(palette.exists("[data-testid=palette-empty]"));
    let (_, _, picks) = htmx_get(&rep, "/pick/company?picker_q=secret").await;
    assert!(!picks.exists("[data-pick-id]"));
    let csv = rep
        .get("/companies/export.csv")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(
        csv.contains("Alpha Windows Customer") && !csv.contains("Secret"),
        "{csv}"
    );
    let csv = rep
        .get("/contacts/export.csv?cols=name,email")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(!csv.contains("sam@secret.example"));

    // By id: pages, fragments, graph and API all say "not found".
    let (c, p) = (secret.company.0, secret.contact.0);
    for path in [
        format!("/companies/{c}"),
        format!("/companies/{c}/edit"),
        format!("/companies/{c}/relationships"),
        format!("/contacts/{p}"),
        format!("/api/companies/{c}"),
        format!("/api/companies/{c}/relationships"),
        format!("/api/contacts/{p}/relationships"),
        format!("/attachments/section?entity=company&id={c}"),
    ] {
        let response = rep.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _, _) = htmx_get(&rep, &format!("/companies/{c}/fields/name/edit")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Nor can it be changed.
    let (status, _, _) = htmx_post(
        &rep,
        &format!("/companies/{c}/fields/name"),
        &[("name", "Mine")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, toast) = htmx_post(
        &rep,
        "/companies/bulk",
        &[
            ("ids", &c.to_string()),
            ("action", "tag_add"),
            ("tag_name", "Poke"),
        ],
    )
    .await;
    assert_eq!(toast.text("[data-testid=toast]"), "Tagged 0 companies.");
    let (status, _, _) = htmx_post(
        &rep,
        &format!("/records/company/{c}/tags"),
        &[("name", "Poke")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Reps may only hand records to people whose records they see.
    let (_, _, toast) = htmx_post(
        &rep,
        "/contacts/bulk",
        &[
            ("ids", &tenants.a.contact_id.0.to_string()),
            ("action", "owner"),
            ("owner_id", &secret.rep2.0.to_string()),
        ],
    )
    .await;
    assert_eq!(
        toast.text("[data-testid=toast]"),
        "You can only hand records to people whose records you can see."
    );

    // Everything hanging off it is hidden from the rep, not from its owner or an admin.
    let tenant = tenants.a.tenant_id;
    let ids = (c, p);
    let scope = |user: UserId, role: &str| TenantScope {
        tenant_id: tenant.0,
        user_id: Some(user.0),
        role: role.to_owned(),
        team_id: None,
    };
    let (rep_scope, rep2_scope, admin_scope) = (
        scope(tenants.a.rep_id, "rep"),
        scope(secret.rep2, "rep"),
        scope(tenants.a.admin_id, "admin"),
    );
    let (for_rep, for_owner, for_admin) = app
        .blocking(move |db| {
            (
                dependents(&db, rep_scope, ids),
                dependents(&db, rep2_scope, ids),
                dependents(&db, admin_scope, ids),
            )
        })
        .await;
    assert_eq!(for_rep, (0, 0, 0, 0));
    assert_eq!(for_owner.1, 1);
    assert!(
        for_owner.0 >= 2,
        "company_created, contact_created and the call"
    );
    assert_eq!(for_owner, for_admin);

    // The owner and an admin do see it.
    let owner = app.login("rep2@alpha.test", PASSWORD).await;
    let (status, _) = owner.page(&format!("/companies/{c}")).await;
    assert_eq!(status, StatusCode::OK);
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, list) = admin.page("/companies").await;
    assert_eq!(row_names(&list).len(), 2);
}

#[tokio::test]
async fn deals_teams_and_managers_widen_what_people_see() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let secret = setup(&app, &tenants).await;
    let tenant = tenants.a.tenant_id;
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let c = secret.company.0;

    // A deal the rep owns on the secret company brings the company and its contact into view.
    let (deal, contact) = (tenants.a.deal_id, secret.contact);
    app.blocking(move |db| {
        helpers::as_service(&db, tenant, move |conn| {
            diesel::sql_query("UPDATE deals SET company_id = $1 WHERE id = $2")
                .bind::<BigInt, _>(c)
                .bind::<BigInt, _>(deal.0)
                .execute(conn)?;
            rapport::domain::deal_contacts::upsert(
                conn,
                tenant,
                None,
                &rapport::domain::deal_contacts::Link {
                    deal_id: deal.0,
                    contact_id: contact.0,
                    role: "decision_maker".to_owned(),
                    influence_level: None,
                    is_champion: false,
                },
            )?;
            Ok(())
        })
    })
    .await;
    let (status, _) = rep.page(&format!("/companies/{c}")).await;
    assert_eq!(status, StatusCode::OK, "linked through the rep's deal");
    let (status, _) = rep.page(&format!("/contacts/{}", contact.0)).await;
    assert_eq!(status, StatusCode::OK, "on the rep's deal");

    // Team mode: teammates see each other's records; others do not.
    app.blocking(move |db| {
        helpers::as_service(&db, tenant, move |conn| {
            diesel::sql_query("UPDATE deals SET company_id = NULL WHERE id = $1")
                .bind::<BigInt, _>(deal.0)
                .execute(conn)?;
            diesel::sql_query("DELETE FROM deal_contacts WHERE deal_id = $1")
                .bind::<BigInt, _>(deal.0)
                .execute(conn)?;
            Ok(())
        })
    })
    .await;
    let (status, _) = rep.page(&format!("/companies/{c}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the link is gone");
    let (rep_id, rep2) = (tenants.a.rep_id, secret.rep2);
    let manager = app
        .blocking(|db| helpers::user_id(&db, "manager@alpha.test"))
        .await;
    app.blocking(move |db| {
        helpers::team_with(&db, tenant, "North", &[rep2, manager]);
        helpers::team_with(&db, tenant, "South", &[rep_id]);
        helpers::set_visibility(&db, tenant, "team");
    })
    .await;
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, _) = rep.page(&format!("/companies/{c}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another team's record");
    let manager_client = app.login("manager@alpha.test", PASSWORD).await;
    let (status, _) = manager_client.page(&format!("/companies/{c}")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the manager sees the team's records"
    );
    let (_, list) = manager_client.page("/companies").await;
    assert_eq!(row_names(&list), ["Secret Holdings"]);

    // Own mode: managers still see their team's records.
    app.blocking(move |db| helpers::set_visibility(&db, tenant, "own"))
        .await;
    let manager_client = app.login("manager@alpha.test", PASSWORD).await;
    let (status, _) = manager_client.page(&format!("/companies/{c}")).await;
    assert_eq!(status, StatusCode::OK);

    // And in "all" mode everyone sees everything.
    app.blocking(move |db| helpers::set_visibility(&db, tenant, "all"))
        .await;
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (_, list) = rep.page("/companies").await;
    assert_eq!(row_names(&list).len(), 2);
}

#[tokio::test]
async fn only_admins_change_the_visibility_mode() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, _) = rep.page("/admin/visibility").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    rep.page("/companies").await;
    let refused = rep.post_form("/admin/visibility", &[("mode", "all")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, page) = admin.page("/admin/visibility").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        page.attr("input[name=mode][checked]", "value").as_deref(),
        Some("all")
    );
    let saved = admin
        .post_form("/admin/visibility", &[("mode", "own")])
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.page("/admin/visibility").await;
    assert_eq!(
        page.attr("input[name=mode][checked]", "value").as_deref(),
        Some("own")
    );
    // The other tenant is untouched.
    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    let (_, page) = other.page("/admin/visibility").await;
    assert_eq!(
        page.attr("input[name=mode][checked]", "value").as_deref(),
        Some("all")
    );
}
