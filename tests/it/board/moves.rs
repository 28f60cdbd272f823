//! Moves over HTTP: one history row and one timeline entry per move, undo, won / lost
//! reasons, and who may move which deal (visibility, other tenants, CSRF).

use chrono::Utc;
use reqwest::StatusCode;

use super::{
    Seed, activities, deal_state, history_count, htmx_post, insert_deal, set_visibility, stages,
};
use crate::support::{PASSWORD, TestApp, TwoTenants};

#[tokio::test]
async fn a_move_writes_one_history_row_and_a_timeline_entry_and_undo_moves_it_back() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let s = app.blocking(move |db| stages(&db, tenant)).await;
    let (prospecting, q) = (s.id("Prospecting"), s.id("Qualification"));
    let deal = tenants.a.deal_id.0;
    let before = history_count(&app.pool, tenant, deal);
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page) = admin.page("/board").await;
    let board_query = page
        .attr("[data-board]", "data-board-query")
        .unwrap_or_default();
    assert_eq!(board_query, format!("pipeline={}", s.pipeline));
    let (deal_s, q_s) = (deal.to_string(), q.to_string());
    let (status, _, moved) = htmx_post(
        &admin,
        "/board/move",
        &[
            ("deal_id", &deal_s),
            ("stage_id", &q_s),
            ("board_query", &board_query),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        moved.text("[data-testid=toast-text]"),
        "Moved to Qualification"
    );
    assert!(moved.exists("[data-testid=undo]"));
    // Both columns come back with their new figures and cards.
    let partial = |stage: i64| format!("hx-partial[hx-target='#column-{stage}']");
    assert_eq!(
        moved.text(&format!("{} [data-testid=column-count]", partial(q))),
        "1"
    );
    assert_eq!(
        moved.text(&format!(
            "{} [data-testid=column-count]",
            partial(prospecting)
        )),
        "0"
    );
    assert!(moved.exists(&format!("{} #card-{deal}", partial(q))));
    let db = app.pool.clone();
    assert_eq!(history_count(&db, tenant, deal), before + 1);
    assert_eq!(deal_state(&db, tenant, deal).0, q);
    let timeline = activities(&db, tenant, deal);
    assert!(
        timeline.contains(&(
            "deal_stage_change".to_owned(),
            "Prospecting → Qualification".to_owned()
        )),
        "{timeline:?}"
    );

    // Undo: back through the same function, one more history row, no further undo.
    let undo_stage = moved
        .attr("[data-testid=toast] input[name=stage_id]", "value")
        .unwrap_or_default();
    assert_eq!(undo_stage, prospecting.to_string());
    let (status, _, undone) = htmx_post(
        &admin,
        "/board/move",
        &[
            ("deal_id", &deal_s),
            ("stage_id", &undo_stage),
            ("board_query", &board_query),
            ("undo", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        undone.text("[data-testid=toast-text]"),
        "Moved back to Prospecting"
    );
    assert!(!undone.exists("[data-testid=undo]"));
    assert_eq!(history_count(&db, tenant, deal), before + 2);
    assert_eq!(deal_state(&db, tenant, deal).0, prospecting);

    // The same stage again records nothing.
    let p_s = prospecting.to_string();
    let (_, _, same) = htmx_post(
        &admin,
        "/board/move",
        &[
            ("deal_id", &deal_s),
            ("stage_id", &p_s),
            ("board_query", &board_query),
        ],
    )
    .await;
    assert_eq!(
        same.text("[data-testid=toast-text]"),
        "Already in Prospecting."
    );
    assert_eq!(history_count(&db, tenant, deal), before + 2);

    // Without JavaScript the card's form redirects back to the board with a flash.
    let response = admin
        .post_form(
            "/board/move",
            &[
                ("deal_id", &deal_s),
                ("stage_id", &q_s),
                ("board_query", &board_query),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        crate::support::app::location(&response),
        format!("/board?{board_query}")
    );
    assert_eq!(history_count(&db, tenant, deal), before + 3);
}

#[tokio::test]
async fn closing_from_the_board_asks_for_the_reason_and_does_not_move_without_it() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let s = app.blocking(move |db| stages(&db, tenant)).await;
    let (won, lost) = (
        s.id("Closed Won").to_string(),
        s.id("Closed Lost").to_string(),
    );
    let deal = tenants.a.deal_id.0;
    let before = history_count(&app.pool, tenant, deal);
    let deal_s = deal.to_string();
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    admin.page("/board").await;
    let db = app.pool.clone();

    let (status, headers, dialog) = htmx_post(
        &admin,
        "/board/move",
        &[("deal_id", &deal_s), ("stage_id", &won)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        headers.get("hx-retarget").and_then(|v| v.to_str().ok()),
        Some("#board-dialog")
    );
    assert!(dialog.exists("[data-testid=reason-dialog] textarea[name=won_reason]"));
    assert!(
        !dialog.exists("#won_reason-error"),
        "no error before the question"
    );
    assert_eq!(history_count(&db, tenant, deal), before);

    let (status, _, dialog) = htmx_post(
        &admin,
        "/board/move",
        &[
            ("deal_id", &deal_s),
            ("stage_id", &won),
            ("won_reason", "  "),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        dialog.text("#won_reason-error"),
        "Say why the deal was won."
    );
    assert_eq!(deal_state(&db, tenant, deal).1, "open");
    assert_eq!(history_count(&db, tenant, deal), before);

    let (status, _, lost_dialog) = htmx_post(
        &admin,
        "/board/move",
        &[("deal_id", &deal_s), ("stage_id", &lost)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(lost_dialog.exists("textarea[name=lost_reason]"));

    let (status, _, moved) = htmx_post(
        &admin,
        "/board/move",
        &[
            ("deal_id", &deal_s),
            ("stage_id", &won),
            ("won_reason", "Best price"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        moved.text("[data-testid=toast-text]"),
        "Moved to Closed Won"
    );
    let state = deal_state(&db, tenant, deal);
    assert_eq!(
        (state.1.as_str(), state.2.as_deref()),
        ("won", Some("Best price"))
    );
    assert_eq!(history_count(&db, tenant, deal), before + 1);
    assert!(
        activities(&db, tenant, deal)
            .iter()
            .any(|(kind, _)| kind == "deal_won")
    );

    // Undoing a reopen carries the old reason back; closing as lost needs its own.
    let (_, _, reopened) = htmx_post(
        &admin,
        "/board/move",
        &[
            ("deal_id", &deal_s),
            ("stage_id", &s.id("Proposal").to_string()),
        ],
    )
    .await;
    assert_eq!(
        reopened.attr("[data-testid=toast] input[name=won_reason]", "value"),
        Some("Best price".to_owned())
    );
    let (status, _, _) = htmx_post(
        &admin,
        "/board/move",
        &[
            ("deal_id", &deal_s),
            ("stage_id", &lost),
            ("lost_reason", "Went quiet"),
            ("lost_to_competitor", "Acme"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let state = deal_state(&db, tenant, deal);
    assert_eq!(
        (state.1.as_str(), state.3.as_deref()),
        ("lost", Some("Went quiet"))
    );
    assert_eq!(history_count(&db, tenant, deal), before + 3);
}

#[tokio::test]
async fn reps_see_and_move_only_deals_they_may_see_and_other_tenants_are_refused() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let s = app.blocking(move |db| stages(&db, tenant)).await;
    let (p, q) = (s.pipeline, s.id("Qualification"));
    let admin_id = tenants.a.admin_id.0;
    let hidden = app
        .blocking(move |db| {
            set_visibility(&db, tenant, "own");
            let mut seed = Seed::new("Admin only", q, 777_700, Utc::now());
            seed.owner = Some(admin_id);
            insert_deal(&db, tenant, p, &seed)
        })
        .await;
    let db = app.pool.clone();

    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, page) = rep.page("/board").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.exists(&format!("#card-{hidden}")));
    assert_eq!(
        page.text(&format!("#column-{q} [data-testid=column-count]")),
        "0"
    );
    assert!(page.exists(&format!("#card-{}", tenants.a.deal_id.0)));
    let (hidden_s, q_s) = (hidden.to_string(), q.to_string());
    let (status, _, _) = htmx_post(
        &rep,
        "/board/move",
        &[("deal_id", &hidden_s), ("stage_id", &q_s)],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(history_count(&db, tenant, hidden), 0);
    let own = tenants.a.deal_id.0.to_string();
    let (status, _, _) = htmx_post(
        &rep,
        "/board/move",
        &[("deal_id", &own), ("stage_id", &q_s)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "a rep moves their own deal");

    // Another tenant: neither the deal nor the stage are reachable.
    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    let (_, page) = other.page("/board").await;
    assert!(!page.exists(&format!("#card-{hidden}")));
    let (status, _, _) = htmx_post(
        &other,
        "/board/move",
        &[("deal_id", &hidden_s), ("stage_id", &q_s)],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let theirs = tenants.b.deal_id.0.to_string();
    let (status, _, _) = htmx_post(
        &other,
        "/board/move",
        &[("deal_id", &theirs), ("stage_id", &q_s)],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a stage of another tenant");
    assert_eq!(history_count(&db, tenant, hidden), 0);
    let response = other.get(&format!("/board/column?stage={q}")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = other.get(&format!("/board?pipeline={p}")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Without the CSRF token the move is refused.
    let response = other
        .post_form_raw("/board/move", &[("deal_id", &theirs), ("stage_id", &q_s)])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
