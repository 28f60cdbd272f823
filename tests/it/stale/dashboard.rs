//! The home dashboard against a hand-computed fixture: the rep's own figures, the admin's
//! "everyone", the links behind each figure (followed: the list shows exactly those deals),
//! the scope toggle by role, and nothing from another tenant.

use chrono::{Datelike, Duration, Months, Utc};
use reqwest::StatusCode;

use super::{DealSpec, exec, make_deal};
use crate::support::{PASSWORD, TestApp, TwoTenants};

#[tokio::test]
async fn dashboard_figures_and_their_links() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let (admin_id, rep_id) = (tenants.a.admin_id, tenants.a.rep_id);
    let now = Utc::now();
    // Tenants are in UTC: "this month" is the UTC month.
    let today = now.date_naive();
    let last_month = today
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(1)))
        .unwrap_or_else(|| panic!("no last month"));
    let (r1, r2, r3) = app
        .blocking(move |db| {
            // The rep: the fixture deal (open, $12,500.00, Prospecting 10%) plus these.
            let mut r1 = DealSpec::open("R1 closing", "Qualification", now - Duration::days(30), rep_id);
            r1.amount_minor = 1_000_000;
            r1.expected_close = Some(today);
            let r1 = make_deal(&db, tenant, r1);
            let mut r2 = DealSpec::open("R2 won now", "Closed Won", now, rep_id);
            r2.status = "won";
            r2.amount_minor = 500_000;
            r2.actual_close = Some(today);
            let r2 = make_deal(&db, tenant, r2);
            let mut r3 = DealSpec::open("R3 won before", "Closed Won", now - Duration::days(40), rep_id);
            r3.status = "won";
            r3.amount_minor = 200_000;
            r3.actual_close = Some(last_month);
            let r3 = make_deal(&db, tenant, r3);
            // The admin: one open deal of $40,000.00 at 50%.
            let mut a1 = DealSpec::open("A1 big", "Proposal", now, admin_id);
            a1.amount_minor = 4_000_000;
            make_deal(&db, tenant, a1);
            // The rep's tasks: one overdue, one due tomorrow.
            exec(
                &db,
                tenant,
                "INSERT INTO tasks (tenant_id, subject, due_at, assignee_id) \
                 SELECT tenant_id, s, d, id FROM users, \
                   (VALUES ('Overdue call', now() - interval '2 days'), ('Tomorrow', now() + interval '1 day')) AS t(s, d) \
                 WHERE email = 'rep@alpha.test'",
            );
            (r1, r2, r3)
        })
        .await;

    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, page) = rep.page("/").await;
    assert_eq!(status, StatusCode::OK);
    let value = |page: &crate::support::Page, stat: &str| {
        page.text(&format!("[data-stat={stat}] .stat-value"))
    };
    let label = |page: &crate::support::Page, stat: &str| {
        page.text(&format!("[data-stat={stat}] .stat-label"))
    };
    // Open: 12,500 + 10,000; weighted: 1,250 (10%) + 2,500 (25%).
    assert_eq!(value(&page, "open_pipeline"), "$22,500.00");
    assert_eq!(label(&page, "open_pipeline"), "Open pipeline (2 deals)");
    assert_eq!(value(&page, "weighted_pipeline"), "$3,750.00");
    assert_eq!(value(&page, "closing_this_month"), "$10,000.00");
    assert_eq!(value(&page, "won_this_month"), "$5,000.00");
    assert_eq!(value(&page, "won_last_month"), "$2,000.00");
    assert_eq!(
        value(&page, "stale_deals"),
        "1",
        "R1: 30 days in a 21-day stage"
    );
    assert_eq!(value(&page, "overdue_tasks"), "1");
    assert!(
        !page.exists("[data-testid=scope-toggle]"),
        "a rep has only their own"
    );
    assert_eq!(
        page.texts("#stale-widget li a"),
        vec!["R1 closing".to_owned()]
    );
    assert!(page.exists(&format!(".recent-list a[href='/deals/{r3}']")));

    // Every figure links to its list, and the list shows exactly those deals.
    let link = |page: &crate::support::Page, stat: &str| {
        page.attr(&format!("[data-stat={stat}]"), "href")
            .unwrap_or_else(|| panic!("{stat} has no link"))
    };
    let open_link = link(&page, "open_pipeline");
    assert_eq!(open_link, "/deals?status=open&owner=me");
    let listed = |path: String| {
        let rep = &rep;
        async move {
            let (status, list) = rep.page(&path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            let mut titles = list.texts("table tbody tr td a[href^='/deals/']");
            titles.retain(|t| !t.is_empty());
            titles.sort();
            titles
        }
    };
    assert_eq!(
        listed(open_link).await,
        vec![
            "Alpha Windows – first deal".to_owned(),
            "R1 closing".to_owned()
        ]
    );
    assert_eq!(
        listed(link(&page, "closing_this_month")).await,
        vec!["R1 closing".to_owned()]
    );
    assert_eq!(
        listed(link(&page, "won_this_month")).await,
        vec!["R2 won now".to_owned()]
    );
    assert_eq!(
        listed(link(&page, "won_last_month")).await,
        vec!["R3 won before".to_owned()]
    );
    let (_, stale) = rep.page(&link(&page, "stale_deals")).await;
    assert_eq!(super::row_ids(&stale), vec![r1]);
    assert_eq!(link(&page, "overdue_tasks"), "/tasks#bucket-overdue");
    let (_, tasks) = rep.page("/tasks").await;
    assert!(tasks.text("#bucket-overdue").contains("Overdue call"));
    let _ = r2;

    // The admin: their own by default, everyone on request; another tenant's deal never.
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page) = admin.page("/").await;
    assert_eq!(value(&page, "open_pipeline"), "$40,000.00");
    assert_eq!(
        page.texts("[data-testid=scope-toggle] a"),
        vec!["Mine", "My team", "Everyone"]
    );
    let (_, page) = admin.page("/?scope=all").await;
    assert_eq!(value(&page, "open_pipeline"), "$62,500.00");
    assert_eq!(value(&page, "weighted_pipeline"), "$23,750.00");
    assert_eq!(link(&page, "open_pipeline"), "/deals?status=open");
    assert_eq!(
        page.attr("[data-scope=all]", "aria-current").as_deref(),
        Some("page")
    );
    // A manager: the rep reports to them, so "My team" holds the rep's deals; no "Everyone".
    app.blocking(move |db| {
        exec(
            &db,
            tenant,
            "UPDATE users SET manager_id = (SELECT id FROM users WHERE email = 'manager@alpha.test') \
             WHERE email = 'rep@alpha.test'",
        )
    })
    .await;
    let manager = app.login("manager@alpha.test", PASSWORD).await;
    let (_, page) = manager.page("/").await;
    assert_eq!(
        value(&page, "open_pipeline"),
        "0",
        "the manager owns no deals"
    );
    assert_eq!(
        page.texts("[data-testid=scope-toggle] a"),
        vec!["Mine", "My team"]
    );
    let (_, page) = manager.page("/?scope=team").await;
    assert_eq!(value(&page, "open_pipeline"), "$22,500.00");
    assert_eq!(value(&page, "stale_deals"), "1");
    let team_link = link(&page, "open_pipeline");
    assert!(
        team_link.starts_with("/deals?status=open&owner=")
            && team_link.contains(&format!("owner={}", rep_id.0)),
        "{team_link}"
    );
    let (_, page) = manager.page("/?scope=all").await;
    assert_eq!(
        value(&page, "open_pipeline"),
        "0",
        "managers cannot pick everyone"
    );

    // A rep asking for everyone gets their own.
    let (_, page) = rep.page("/?scope=all").await;
    assert_eq!(value(&page, "open_pipeline"), "$22,500.00");
}
