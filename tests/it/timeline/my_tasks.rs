//! "My tasks" over HTTP: buckets in the user's time zone, "Show more", the self-refreshing
//! list, and whose list a manager or a rep may open.

use chrono::{Duration, Utc};
use reqwest::StatusCode;

use super::{as_system, htmx_get, htmx_post, make_task};
use crate::support::{PASSWORD, TestApp, TwoTenants};

fn task_id(page: &crate::support::Page, css: &str) -> String {
    page.attr(css, "data-task-id")
        .unwrap_or_else(|| panic!("no task matches {css} in:\n{}", page.source))
}

#[tokio::test]
async fn my_tasks_are_bucketed_in_the_users_time_zone_and_paged() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tz = chrono_tz::Pacific::Kiritimati;
    let a = tenants.a.clone();
    let (start_today, start_tomorrow) = rapport::web::when::today_bounds(Utc::now(), tz);
    app.blocking(move |db| {
        as_system(
            &db,
            &format!(
                "UPDATE users SET time_zone = 'Pacific/Kiritimati' WHERE id = {}",
                a.rep_id
            ),
        );
        make_task(
            &db,
            &a,
            "Overdue one",
            Some(start_today - Duration::minutes(1)),
            a.rep_id,
        );
        make_task(
            &db,
            &a,
            "Due today",
            Some(start_today + Duration::minutes(1)),
            a.rep_id,
        );
        make_task(
            &db,
            &a,
            "Also today",
            Some(start_tomorrow - Duration::minutes(1)),
            a.rep_id,
        );
        for n in 0..30 {
            make_task(
                &db,
                &a,
                &format!("Later {n:02}"),
                Some(start_tomorrow + Duration::hours(n)),
                a.rep_id,
            );
        }
        make_task(&db, &a, "Whenever", None, a.rep_id);
        make_task(&db, &a, "Someone else's", Some(start_today), a.admin_id);
    })
    .await;
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, page) = rep.page("/tasks").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.text("nav a[aria-current=page]"), "My tasks");
    assert_eq!(
        page.texts("#bucket-overdue .task-subject"),
        vec!["Overdue one"]
    );
    assert_eq!(
        page.texts("#bucket-today .task-subject"),
        vec!["Due today", "Also today"]
    );
    assert_eq!(
        page.texts("#bucket-no_date .task-subject"),
        vec!["Whenever"]
    );
    assert_eq!(page.text("#bucket-upcoming h2 .badge"), "30");
    let upcoming = page.texts("#bucket-upcoming .task-subject");
    assert_eq!(upcoming.len(), 25);
    assert_eq!(upcoming.first().map(String::as_str), Some("Later 00"));
    assert!(!page.source.contains("Someone else's"));

    let more = page
        .attr("#bucket-upcoming [data-testid=tasks-more]", "hx-get")
        .unwrap_or_default();
    let (status, rows, _) = htmx_get(&rep, &more).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        rows.texts(".task-subject"),
        (25..30)
            .map(|n| format!("Later {n:02}"))
            .collect::<Vec<_>>()
    );
    assert!(!rows.exists("[data-testid=tasks-more]"));

    // The list reloads itself from /tasks/list (after completing one, say).
    let overdue = task_id(&page, "#bucket-overdue .task");
    htmx_post(&rep, &format!("/tasks/{overdue}/complete"), &[]).await;
    let (_, list, _) = htmx_get(&rep, "/tasks/list").await;
    assert!(!list.exists("#bucket-overdue"));

    // Someone else's list: managers yes, reps no.
    let admin = tenants.a.admin_id;
    let (status, _) = rep.page(&format!("/tasks?assignee_id={admin}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let manager = app.login("manager@alpha.test", PASSWORD).await;
    let (status, page) = manager.page(&format!("/tasks?assignee_id={admin}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.texts(".task-subject"), vec!["Someone else's"]);
    let (status, _) = manager
        .page(&format!("/tasks?assignee_id={}", tenants.b.admin_id))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nobody of that name here");
}
