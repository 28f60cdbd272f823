//! The stale list: exact membership and order against controlled timestamps, keyset
//! pages, filters, and visibility (a rep in "own" mode, a second tenant).

use chrono::{Duration, Utc};
use rapport::db::TenantScope;
use rapport::domain::stale_deals::{self, StaleFilter};
use reqwest::StatusCode;

use super::{exec, fixture, row_ids};
use crate::support::{PASSWORD, TestApp, TwoTenants};

#[tokio::test]
async fn stale_deals_in_order_with_pages_and_filters() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let t = tenants.a.clone();
    let now = Utc::now();
    let f = app
        .blocking(move |db| fixture(&db, t.tenant_id, t.admin_id, t.rep_id, now))
        .await;
    let expected = vec![f.c, f.a, f.b2, f.ownerless, f.e];

    // The domain function, with an exact `now`, two rows a page.
    let tenant = tenants.a.tenant_id;
    let (first, second, third, later) = app
        .blocking(move |db| {
            db.tenant_blocking(
                &TenantScope::service(tenant.0),
                |conn| -> anyhow::Result<_> {
                    let all = StaleFilter::default();
                    let first = stale_deals::page(conn, &all, now, None, 2)?;
                    let second = stale_deals::page(conn, &all, now, first.next, 2)?;
                    let third = stale_deals::page(conn, &all, now, second.next, 2)?;
                    // A day later, D (14 days + 2 hours in a 14-day stage) has gone stale.
                    let later = stale_deals::page(conn, &all, now + Duration::days(1), None, 50)?;
                    Ok((first, second, third, later))
                },
            )
        })
        .await
        .unwrap_or_else(|err| panic!("{err:#}"));
    let ids = |rows: &[stale_deals::StaleDeal]| rows.iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(&first.rows), vec![f.c, f.a]);
    assert_eq!(ids(&second.rows), vec![f.b2, f.ownerless]);
    assert_eq!(ids(&third.rows), vec![f.e]);
    assert!(third.next.is_none(), "the last page has no next");
    assert_eq!(first.rows[0].days_in_stage(now), 20);
    assert_eq!(first.rows[0].days_over(now), 13);
    assert_eq!(
        second.rows[0].threshold_days, 30,
        "no alert set: the default"
    );
    assert!(ids(&later.rows).contains(&f.d));
    for not_stale in [f.b, f.abandoned, f.won, f.deleted, tenants.a.deal_id.0] {
        assert!(
            !ids(&later.rows).contains(&not_stale),
            "{not_stale} is not stale"
        );
    }

    // The page, as the admin: the same rows in the same order.
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, page) = admin.page("/deals/stale").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(row_ids(&page), expected);
    assert_eq!(
        page.text(&format!("#stale-{} [data-testid=days-in-stage]", f.c)),
        "20 days"
    );
    assert!(page.exists("form[hx-post] input[name=csrf_token]"));

    // Owner filters: me, a user id; the pipeline filter.
    let (_, page) = admin.page("/deals/stale?owner=me").await;
    assert_eq!(row_ids(&page), vec![f.c, f.b2, f.e]);
    let rep = tenants.a.rep_id.0;
    let (_, page) = admin.page(&format!("/deals/stale?owner={rep}")).await;
    assert_eq!(row_ids(&page), vec![f.a]);
    let (_, page) = admin.page("/deals/stale?pipeline=999999").await;
    assert!(row_ids(&page).is_empty());
    assert!(page.exists("[data-testid=stale-empty]"));
    let (status, _) = admin.page("/deals/stale?owner=nobody").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Team filter: put the rep in a team.
    app.blocking(move |db| {
        exec(&db, tenant, "INSERT INTO teams (tenant_id, name) SELECT id, 'East' FROM tenants WHERE slug = 'alpha'");
        exec(&db, tenant, "UPDATE users SET team_id = (SELECT id FROM teams WHERE name = 'East') WHERE email = 'rep@alpha.test'");
    })
    .await;
    let (_, page) = admin.page("/deals/stale").await;
    let team = page
        .attr("#stale-team option:nth-child(2)", "value")
        .unwrap_or_else(|| panic!("no team choice"));
    let (_, page) = admin.page(&format!("/deals/stale?team={team}")).await;
    assert_eq!(row_ids(&page), vec![f.a]);
}

#[tokio::test]
async fn reps_and_other_tenants_see_only_their_stale_deals() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let t = tenants.a.clone();
    let now = Utc::now();
    let f = app
        .blocking(move |db| fixture(&db, t.tenant_id, t.admin_id, t.rep_id, now))
        .await;
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| {
        exec(&db, tenant, "UPDATE tenants SET record_visibility = 'own'");
    })
    .await;

    // The rep owns only A.
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, page) = rep.page("/deals/stale").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(row_ids(&page), vec![f.a]);
    // The rep cannot act on another's deal.
    let (status, _) = super::htmx_post(
        &rep,
        &format!("/deals/stale/{}/note", f.c),
        &[("body", "Sneaky")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The other tenant's admin sees none of them.
    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    let (_, page) = other.page("/deals/stale").await;
    assert!(row_ids(&page).is_empty());
    let (status, _) = super::htmx_post(
        &other,
        &format!("/deals/stale/{}/stage", f.a),
        &[("stage_id", "1")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
