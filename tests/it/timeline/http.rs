//! The timeline component over HTTP: page and fragment, 404s across tenants, filters,
//! "Load more", and day labels in the user's time zone.

use chrono::{Duration, Utc};
use rapport::domain::activities::ActivityType;
use reqwest::StatusCode;

use super::{as_system, htmx_get, log_on_company};
use crate::support::app::location;
use crate::support::{PASSWORD, TestApp, TwoTenants};

#[tokio::test]
async fn the_timeline_is_a_full_page_and_an_htmx_fragment() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.login(&tenants.a.admin_email, PASSWORD).await;
    let path = format!("/timeline?company_id={}", tenants.a.company_id);

    let (status, page) = client.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.exists("nav[aria-label=Main]"),
        "a full page has the shell"
    );
    assert_eq!(page.text("h1"), "Timeline: Alpha Windows Customer");
    assert!(page.exists("section#timeline #timeline-list[hx-get]"));
    let titles = page.texts(".timeline-entry .timeline-title");
    assert!(
        titles
            .iter()
            .any(|t| t == "Company Alpha Windows Customer created"),
        "{titles:?}"
    );
    // The contact created on this company is linked to the contact's page.
    let contact_link = format!(
        ".timeline-entry a[href='/contacts/{}']",
        tenants.a.contact_id
    );
    assert!(page.exists(&contact_link));
    assert_eq!(
        page.texts(".timeline-day-label")
            .first()
            .map(String::as_str),
        Some("Today")
    );

    let (status, fragment, _) = htmx_get(&client, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !fragment.exists("nav[aria-label=Main]"),
        "a fragment has no shell"
    );
    assert!(fragment.exists("section#timeline"));
    assert!(
        fragment
            .source
            .trim_start()
            .starts_with("<section id=\"timeline\"")
    );
    // Quick add carries the subject along.
    assert_eq!(
        fragment.attr(
            "#quick-add form[data-kind=note] input[name=company_id]",
            "value"
        ),
        Some(tenants.a.company_id.to_string())
    );
}

#[tokio::test]
async fn other_tenants_records_are_not_found_and_bad_parameters_are_refused() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.login(&tenants.a.rep_email, PASSWORD).await;
    let b = &tenants.b;
    for path in [
        format!("/timeline?company_id={}", b.company_id),
        format!("/timeline?contact_id={}", b.contact_id),
        format!("/timeline/entries?deal_id={}", b.deal_id),
        format!(
            "/timeline?company_id={}&lead_id={}",
            tenants.a.company_id, b.lead_id
        ),
        format!("/notes?company_id={}", b.company_id),
        format!("/tasks/section?contact_id={}", b.contact_id),
    ] {
        let (status, _) = client.page(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    for path in [
        "/timeline?company_id=abc",
        "/timeline?activity_type=fax",
        "/timeline/entries?cursor=nonsense",
        "/notes",
        "/tasks/section?company_id=1&contact_id=2",
    ] {
        let (status, _) = client.page(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
    }
    // Signed out: pages send you to sign in.
    let anonymous = app.client();
    let response = anonymous
        .get(&format!("/timeline?company_id={}", tenants.a.company_id))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/login"));
}

#[tokio::test]
async fn filters_and_load_more_page_through_everything_once() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let a = tenants.a.clone();
    let start = Utc::now() - Duration::hours(2);
    app.blocking(move |db| {
        for n in 0..70 {
            let kind = if n % 2 == 0 {
                ActivityType::Visit
            } else {
                ActivityType::EmailSent
            };
            // Pairs share a timestamp, so page boundaries fall inside ties.
            log_on_company(
                &db,
                &a,
                kind,
                &format!("entry {n}"),
                start - Duration::minutes(n / 2),
            );
        }
    })
    .await;
    let client = app.login(&tenants.a.admin_email, PASSWORD).await;
    let company = tenants.a.company_id;

    let (status, visits, _) = htmx_get(
        &client,
        &format!("/timeline/entries?company_id={company}&activity_type=visit"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let kinds = visits.texts(".timeline-entry .timeline-kind");
    assert_eq!(kinds.len(), 35);
    assert!(kinds.iter().all(|kind| kind == "Visit"), "{kinds:?}");
    assert!(
        !visits.exists("[data-testid=timeline-more]"),
        "35 fit on one page"
    );

    let mut seen: Vec<String> = Vec::new();
    let mut path = format!("/timeline/entries?company_id={company}");
    let mut pages = 0;
    loop {
        let (status, page, _) = htmx_get(&client, &path).await;
        assert_eq!(status, StatusCode::OK);
        if pages > 0 {
            // A continued day gets no second heading.
            assert!(
                page.select(".timeline-day").first().is_some_and(|day| {
                    day.select(&scraper::Selector::parse("h3").expect("selector"))
                        .next()
                        .is_none()
                }),
                "the first day of page {pages} continues the previous one"
            );
        }
        seen.extend(
            page.select(".timeline-entry")
                .iter()
                .filter_map(|entry| entry.value().attr("data-activity-id").map(str::to_owned)),
        );
        pages += 1;
        match page.attr("[data-testid=timeline-more]", "hx-get") {
            Some(next) => {
                assert!(
                    next.contains("cursor=") && next.contains("last_day="),
                    "{next}"
                );
                path = next;
            }
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 2, "50 per page");
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total, "no entry repeated across pages");
    assert!(total >= 70);
}

#[tokio::test]
async fn today_is_decided_by_the_users_time_zone() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let now = Utc::now();
    let offsets = [6, 12, 18, 30];
    let a = tenants.a.clone();
    app.blocking(move |db| {
        for hours in offsets {
            log_on_company(
                &db,
                &a,
                ActivityType::Visit,
                &format!("{hours}h ago"),
                now - Duration::hours(hours),
            );
        }
        // The rep lives 14 hours ahead of UTC, the admin on UTC.
        as_system(
            &db,
            &format!(
                "UPDATE users SET time_zone = 'Pacific/Kiritimati' WHERE id = {}",
                a.rep_id
            ),
        );
        as_system(
            &db,
            &format!(
                "UPDATE users SET time_zone = 'UTC' WHERE id = {}",
                a.admin_id
            ),
        );
    })
    .await;
    let path = format!(
        "/timeline?company_id={}&activity_type=visit",
        tenants.a.company_id
    );
    let mut seen = Vec::new();
    for (email, tz) in [
        (&tenants.a.admin_email, chrono_tz::UTC),
        (&tenants.a.rep_email, chrono_tz::Pacific::Kiritimati),
    ] {
        let client = app.login(email, PASSWORD).await;
        let (_, page) = client.page(&path).await;
        // (day heading, entries under it) as rendered.
        let entry = scraper::Selector::parse(".timeline-entry").expect("selector");
        let heading = scraper::Selector::parse(".timeline-day-label").expect("selector");
        let labels: Vec<(String, usize)> = page
            .select(".timeline-day")
            .iter()
            .map(|day| {
                let label = day
                    .select(&heading)
                    .next()
                    .map(|h| h.text().collect::<String>().trim().to_owned())
                    .unwrap_or_default();
                (label, day.select(&entry).count())
            })
            .collect();
        // What the user's own calendar says, worked out independently.
        let today = Utc::now().with_timezone(&tz).date_naive();
        let mut expected: Vec<(String, usize)> = Vec::new();
        for hours in offsets {
            let date = (now - Duration::hours(hours))
                .with_timezone(&tz)
                .date_naive();
            let label = if date == today {
                "Today".to_owned()
            } else if Some(date) == today.pred_opt() {
                "Yesterday".to_owned()
            } else {
                date.format("%b %-d, %Y").to_string()
            };
            match expected.last_mut() {
                Some((last, count)) if *last == label => *count += 1,
                _ => expected.push((label, 1)),
            }
        }
        assert_eq!(labels, expected, "labels for {tz}");
        seen.push(labels);
    }
    assert_ne!(
        seen[0], seen[1],
        "a day boundary falls between the two zones' midnights"
    );
}
