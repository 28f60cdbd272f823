//! The board over HTTP: column figures, card details, alert classes, keyset "more" pages
//! and filters (moves are in `moves.rs`).

use chrono::{Duration, NaiveDate, Utc};
use diesel::RunQueryDsl;
use reqwest::StatusCode;

use super::{Seed, insert_deal, service, stages};
use crate::support::{PASSWORD, Page, TestApp, TwoTenants};

#[tokio::test]
async fn columns_show_count_total_and_weighted_and_cards_their_details() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let s = app.blocking(move |db| stages(&db, tenant)).await;
    let (p, q, prop, won) = (
        s.pipeline,
        s.id("Qualification"),
        s.id("Proposal"),
        s.id("Closed Won"),
    );
    let now = Utc::now();
    let rep = tenants.a.rep_id.0;
    let ids = app
        .blocking(move |db| {
            let mut seed = Seed::new("Q one", q, 100_000, now - Duration::days(1));
            seed.probability = 25;
            let q1 = insert_deal(&db, tenant, p, &seed);
            let mut seed = Seed::new("Q two", q, 300_000, now - Duration::days(2));
            seed.probability = 25;
            seed.owner = Some(rep);
            insert_deal(&db, tenant, p, &seed);
            // Deleted deals count nowhere.
            let gone = insert_deal(&db, tenant, p, &Seed::new("Gone", q, 999_900, now));
            service(&db, tenant, move |conn| {
                diesel::sql_query("UPDATE deals SET deleted_at = now() WHERE id = $1")
                    .bind::<diesel::sql_types::BigInt, _>(gone)
                    .execute(conn)?;
                Ok(())
            });
            // 999.99 at 50%: weighted 499.995, rounded to 500.00.
            insert_deal(&db, tenant, p, &Seed::new("P one", prop, 99_999, now));
            let mut seed = Seed::new("Won lately", won, 70_000, now - Duration::days(2));
            seed.probability = 100;
            insert_deal(&db, tenant, p, &seed);
            // Closed long ago: not on the board.
            let mut seed = Seed::new("Won long ago", won, 50_000, now - Duration::days(90));
            seed.probability = 100;
            insert_deal(&db, tenant, p, &seed);
            q1
        })
        .await;

    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, page) = admin.page("/board").await;
    assert_eq!(status, StatusCode::OK);
    let col = |stage: i64, what: &str| page.text(&format!("#column-{stage} [data-testid={what}]"));
    assert_eq!(page.select("[data-testid=board-column]").len(), 6);
    assert_eq!(
        page.attr("[data-testid=stale-link]", "href"),
        Some(format!("/deals/stale?pipeline={p}"))
    );
    assert_eq!(col(q, "column-count"), "2");
    assert_eq!(col(q, "column-amount"), "$4,000.00");
    assert_eq!(col(q, "column-weighted"), "$1,000.00");
    assert_eq!(col(prop, "column-count"), "1");
    assert_eq!(col(prop, "column-weighted"), "$500.00");
    let prospecting = s.id("Prospecting");
    assert_eq!(col(prospecting, "column-count"), "1");
    assert_eq!(col(prospecting, "column-amount"), "$12,500.00");
    assert_eq!(col(prospecting, "column-weighted"), "$1,250.00");
    assert_eq!(col(won, "column-count"), "1");
    assert_eq!(col(won, "column-amount"), "$700.00");
    assert_eq!(
        page.texts(&format!("#column-{won} [data-testid=card-title]")),
        vec!["Won lately"]
    );
    assert_eq!(col(s.id("Closed Lost"), "column-count"), "0");

    // The fixture's deal card: title linking to the deal, company, amount, owner, days.
    let deal = tenants.a.deal_id.0;
    let card = format!("#card-{deal}");
    assert_eq!(
        page.attr(&format!("{card} a[data-testid=card-title]"), "href"),
        Some(format!("/deals/{deal}"))
    );
    assert_eq!(
        page.text(&format!("{card} [data-testid=card-company]")),
        "Alpha Windows Customer"
    );
    assert_eq!(
        page.text(&format!("{card} [data-testid=card-amount]")),
        "$12,500.00"
    );
    assert_eq!(
        page.text(&format!("{card} [data-testid=card-owner]")),
        "Rep Alpha"
    );
    assert_eq!(
        page.text(&format!("#card-{ids} [data-testid=card-days]")),
        "1 d"
    );
    // Cards can be dragged and carry the keyboard stage menu.
    assert_eq!(page.attr(&card, "draggable"), Some("true".to_owned()));
    assert!(page.exists(&format!("{card} select[name=stage_id] option[value='{q}']")));
    // The nav has the board, after Deals.
    let nav = page.texts(".nav-list a");
    let deals_at = nav.iter().position(|t| t == "Deals");
    assert_eq!(
        nav.iter().position(|t| t == "Board"),
        deals_at.map(|i| i + 1)
    );
}

#[tokio::test]
async fn cards_turn_amber_past_the_alert_and_red_past_twice_it() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let s = app.blocking(move |db| stages(&db, tenant)).await;
    let (p, q, prop) = (s.pipeline, s.id("Qualification"), s.id("Proposal"));
    let now = Utc::now();
    // Qualification alerts after 21 days; Proposal's alert is removed: 30 days then.
    let ids: Vec<i64> = app
        .blocking(move |db| {
            service(&db, tenant, move |conn| {
                diesel::sql_query(
                    "UPDATE pipeline_stages SET days_in_stage_alert = NULL WHERE id = $1",
                )
                .bind::<diesel::sql_types::BigInt, _>(prop)
                .execute(conn)?;
                Ok(())
            });
            [(q, 21), (q, 22), (q, 42), (q, 43), (prop, 31), (prop, 61)]
                .into_iter()
                .map(|(stage, days)| {
                    let entered = now - Duration::days(days) - Duration::hours(1);
                    insert_deal(&db, tenant, p, &Seed::new("Aging", stage, 1_000, entered))
                })
                .collect()
        })
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page) = admin.page("/board").await;
    let class = |id: i64| {
        page.attr(&format!("#card-{id}"), "class")
            .unwrap_or_default()
    };
    let has = |id: i64, name: &str| class(id).split_whitespace().any(|c| c == name);
    assert!(
        !has(ids[0], "card-amber") && !has(ids[0], "card-red"),
        "21 days"
    );
    assert!(has(ids[1], "card-amber"), "22 days: {}", class(ids[1]));
    assert!(
        has(ids[2], "card-amber") && !has(ids[2], "card-red"),
        "42 days"
    );
    assert!(has(ids[3], "card-red"), "43 days: {}", class(ids[3]));
    assert!(has(ids[4], "card-amber"), "31 days, default alert");
    assert!(has(ids[5], "card-red"), "61 days, default alert");
    assert_eq!(
        page.text(&format!("#card-{} [data-testid=card-days]", ids[3])),
        "43 d"
    );
}

/// Follows a column's "more" sentinels (as htmx does when they scroll into view).
async fn all_pages(client: &crate::support::app::TestClient, first: &Page, stage: i64) -> Vec<i64> {
    let ids_of = |page: &Page| -> Vec<i64> {
        page.select("[data-testid=board-card]")
            .iter()
            .filter_map(|card| card.value().attr("data-deal-id"))
            .filter_map(|id| id.parse().ok())
            .collect()
    };
    let column = format!("#column-{stage}");
    let mut ids: Vec<i64> = first
        .select(&format!("{column} [data-testid=board-card]"))
        .iter()
        .filter_map(|card| card.value().attr("data-deal-id"))
        .filter_map(|id| id.parse().ok())
        .collect();
    let mut next = first.attr(&format!("{column} [data-testid=board-more]"), "hx-get");
    while let Some(url) = next {
        let (status, page) = client.page(&url).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        let got = ids_of(&page);
        assert!(got.len() <= 20, "a page holds at most 20 cards");
        ids.extend(got);
        next = page.attr("[data-testid=board-more]", "hx-get");
    }
    ids
}

#[tokio::test]
async fn column_pages_follow_the_keyset_without_duplicates_or_gaps() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let s = app.blocking(move |db| stages(&db, tenant)).await;
    let (p, neg) = (s.pipeline, s.id("Negotiation"));
    let base = Utc::now() - Duration::days(3);
    // 47 deals, entered in groups of five at the same instant: ties everywhere.
    let mut expected: Vec<(chrono::DateTime<Utc>, i64)> = app
        .blocking(move |db| {
            (0..47)
                .map(|k| {
                    let entered = base + Duration::minutes((k / 5) as i64);
                    let title = format!("Tie {k}");
                    (
                        entered,
                        insert_deal(&db, tenant, p, &Seed::new(&title, neg, 500, entered)),
                    )
                })
                .collect()
        })
        .await;
    expected.sort();
    let expected: Vec<i64> = expected.into_iter().map(|(_, id)| id).collect();
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page) = admin.page("/board").await;
    assert_eq!(
        page.text(&format!("#column-{neg} [data-testid=column-count]")),
        "47"
    );
    assert_eq!(
        page.select(&format!("#column-{neg} [data-testid=board-card]"))
            .len(),
        20
    );
    let more = page
        .attr(
            &format!("#column-{neg} [data-testid=board-more]"),
            "hx-trigger",
        )
        .unwrap_or_default();
    assert!(more.contains("revealed"), "{more}");
    let ids = all_pages(&admin, &page, neg).await;
    assert_eq!(ids, expected, "every deal once, oldest first, ties by id");

    // Filters travel with the "more" links: only the 300-minor deals, 5 of them.
    let cheap: Vec<i64> = expected.iter().step_by(9).copied().collect();
    let cheap_ids = cheap.clone();
    app.blocking(move |db| {
        service(&db, tenant, move |conn| {
            diesel::sql_query("UPDATE deals SET amount_minor = 30000 WHERE id = ANY($1)")
                .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(cheap_ids)
                .execute(conn)?;
            Ok(())
        })
    })
    .await;
    let (_, page) = admin.page("/board?min=300&max=300").await;
    assert_eq!(all_pages(&admin, &page, neg).await, cheap);

    // A broken cursor is refused, not guessed at.
    let response = admin
        .get(&format!("/board/column?stage={neg}&after=zzz"))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn filters_narrow_the_board_and_bad_input_is_explained_and_kept() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let s = app.blocking(move |db| stages(&db, tenant)).await;
    let (p, q) = (s.pipeline, s.id("Qualification"));
    let (admin_id, rep_id) = (tenants.a.admin_id.0, tenants.a.rep_id.0);
    let now = Utc::now();
    let march = NaiveDate::from_ymd_opt(2031, 3, 14);
    let (mine, tagged, big) = app
        .blocking(move |db| {
            let mut seed = Seed::new("Admin's deal", q, 150_000, now);
            seed.owner = Some(admin_id);
            seed.close = march;
            let mine = insert_deal(&db, tenant, p, &seed);
            let mut seed = Seed::new("Tagged deal", q, 50_000, now);
            seed.owner = Some(rep_id);
            let tagged = insert_deal(&db, tenant, p, &seed);
            let mut seed = Seed::new("Big deal", q, 5_000_000, now);
            seed.owner = Some(rep_id);
            let big = insert_deal(&db, tenant, p, &seed);
            service(&db, tenant, move |conn| {
                            use diesel::sql_types::BigInt;
                diesel::sql_query(
                    "WITH t AS (INSERT INTO tags (tenant_id, name) VALUES ($1, 'Hot') RETURNING id) \
                     INSERT INTO taggings (tenant_id, tag_id, entity_type, entity_id) \
                     SELECT $1, t.id, 'deal', $2 FROM t",
                )
                .bind::<BigInt, _>(tenant.0)
                .bind::<BigInt, _>(tagged)
                .execute(conn)?;
                diesel::sql_query(
                    "WITH t AS (INSERT INTO teams (tenant_id, name) VALUES ($1, 'North') RETURNING id) \
                     UPDATE users SET team_id = (SELECT id FROM t) WHERE id = $2",
                )
                .bind::<BigInt, _>(tenant.0)
                .bind::<BigInt, _>(admin_id)
                .execute(conn)?;
                Ok(())
            });
            (mine, tagged, big)
        })
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let titles = |page: &Page| {
        let mut t = page.texts(&format!("#column-{q} [data-testid=card-title]"));
        t.sort();
        t
    };
    let (_, page) = admin.page("/board?owner=me").await;
    assert_eq!(titles(&page), vec!["Admin's deal"]);
    assert_eq!(
        page.text(&format!("#column-{q} [data-testid=column-count]")),
        "1"
    );
    // The filters stay in the links that keep the board (switcher, moves, more).
    assert!(
        page.attr("[data-board]", "data-board-query")
            .unwrap_or_default()
            .ends_with("&owner=me")
    );
    let (_, page) = admin.page(&format!("/board?owner={rep_id}")).await;
    assert_eq!(titles(&page), vec!["Big deal", "Tagged deal"]);
    let tag_id = page
        .select("#filter-tag option")
        .iter()
        .find(|o| o.text().collect::<String>() == "Hot")
        .and_then(|o| o.value().attr("value"))
        .unwrap_or_default()
        .to_owned();
    let (_, page) = admin.page(&format!("/board?tag={tag_id}")).await;
    assert_eq!(titles(&page), vec!["Tagged deal"]);
    let team_id = page
        .select("#filter-team option")
        .iter()
        .find(|o| o.text().collect::<String>() == "North")
        .and_then(|o| o.value().attr("value"))
        .unwrap_or_default()
        .to_owned();
    let (_, page) = admin.page(&format!("/board?team={team_id}")).await;
    assert_eq!(titles(&page), vec!["Admin's deal"]);
    let (_, page) = admin.page("/board?close=2031-03").await;
    assert_eq!(titles(&page), vec!["Admin's deal"]);
    let (_, page) = admin.page("/board?min=400&max=1500").await;
    assert_eq!(titles(&page), vec!["Admin's deal", "Tagged deal"]);
    assert_eq!(
        page.text(&format!("#column-{q} [data-testid=column-amount]")),
        "$2,000.00"
    );
    let (_, page) = admin.page("/board?min=10000").await;
    assert_eq!(titles(&page), vec!["Big deal"]);
    let _ = (mine, tagged, big);

    // Bad input: a clear message next to the field, what was typed kept, the rest applied.
    let (status, page) = admin.page("/board?min=abc&owner=me").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.text("#min-error")
            .contains("\u{201c}abc\u{201d} is not an amount")
    );
    assert_eq!(page.attr("#filter-min", "value"), Some("abc".to_owned()));
    assert_eq!(
        page.attr("#filter-min", "aria-invalid"),
        Some("true".to_owned())
    );
    assert!(page.exists("[data-testid=filter-errors]"));
    assert_eq!(titles(&page), vec!["Admin's deal"]);
    let (_, page) = admin.page("/board?close=March").await;
    assert!(page.exists("#close-error"));
    let (_, page) = admin.page("/board?min=900&max=100").await;
    assert_eq!(page.text("#max-error"), "The maximum is below the minimum.");
}
