//! The timeline in a real browser: quick add (note, call, meeting with an action item,
//! task) appearing in place without a reload, validation errors, "Load more", filters and
//! expandable details.

use chrono::{Duration, Utc};
use rapport::domain::activities::ActivityType;

use super::{assert_same_page, click_centered, js, log_on_company, mark_page, wait_until};
use crate::support::browser::{self, click, fill, sign_in, wait_for};
use crate::support::{PASSWORD, TestApp, TwoTenants};

fn summary_of(kind: &str) -> String {
    format!("#quick-add details:has(form[data-kind={kind}]) > summary")
}

#[tokio::test]
async fn quick_add_filters_and_load_more_work_in_place() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let a = tenants.a.clone();
    let start = Utc::now() - Duration::days(2);
    app.blocking(move |db| {
        for n in 0..55 {
            log_on_company(
                &db,
                &a,
                ActivityType::Visit,
                &format!("Visit {n}"),
                start - Duration::hours(n),
            );
        }
    })
    .await;
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.rep_email, PASSWORD).await;
    wait_for(&client, "nav[aria-label=Main]").await;
    client
        .goto(&format!(
            "{}/timeline?company_id={}",
            app.base_url, tenants.a.company_id
        ))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_for(&client, "#timeline-list").await;
    mark_page(&client).await;

    // A note: typed, added, and in the list without a reload.
    click(&client, &summary_of("note")).await;
    fill(&client, "#qa-note-title", "Gate code").await;
    fill(&client, "#qa-note-body", "4411, side entrance").await;
    click(&client, "form[data-kind=note] button[type=submit]").await;
    wait_until(
        &client,
        "[...document.querySelectorAll('.timeline-note .timeline-title')].some(e => e.textContent === 'Gate code')",
        "the new note in the timeline",
    )
    .await;
    assert_eq!(
        js(
            &client,
            "document.querySelector('[data-testid=quick-add-message]').textContent"
        )
        .await,
        "Note added."
    );

    // A meeting: first without a title (the error shows next to it), then complete.
    click(&client, &summary_of("meeting")).await;
    fill(&client, "#qa-meeting-location", "Site office").await;
    click(&client, "form[data-kind=meeting] button[type=submit]").await;
    let error = wait_for(&client, "#qa-meeting-title-error").await;
    assert_eq!(error.text().await.unwrap_or_default(), "Give it a title.");
    assert_eq!(
        js(
            &client,
            "document.querySelector('#qa-meeting-location').value"
        )
        .await,
        "Site office",
        "what was typed is kept"
    );
    fill(&client, "#qa-meeting-title", "Measure-up visit").await;
    fill(&client, "#qa-meeting-attendees", "Casey, Pat").await;
    fill(&client, "#qa-meeting-actions", "Send the quote").await;
    click(&client, "form[data-kind=meeting] button[type=submit]").await;
    wait_until(
        &client,
        "[...document.querySelectorAll('.timeline-title')].some(e => e.textContent === 'Task: Send the quote')",
        "the action item's task in the timeline",
    )
    .await;
    assert_eq!(
        js(
            &client,
            "document.querySelector('[data-testid=quick-add-message]').textContent"
        )
        .await,
        "Meeting logged, with 1 task."
    );

    // A call with the company's contact.
    click(&client, &summary_of("call")).await;
    click(
        &client,
        &format!("#qa-call-contact option[value='{}']", tenants.a.contact_id),
    )
    .await;
    fill(&client, "#qa-call-duration", "7").await;
    click(&client, "form[data-kind=call] button[type=submit]").await;
    wait_until(
        &client,
        "[...document.querySelectorAll('.timeline-call_logged .timeline-title')].some(e => e.textContent === 'Call with Casey Alphason')",
        "the logged call",
    )
    .await;

    // A task.
    click(&client, &summary_of("task")).await;
    fill(&client, "#qa-task-subject", "Order the glass").await;
    click(&client, "form[data-kind=task] button[type=submit]").await;
    wait_until(
        &client,
        "[...document.querySelectorAll('.timeline-title')].some(e => e.textContent === 'Task: Order the glass')",
        "the new task's entry",
    )
    .await;
    assert_same_page(&client).await;

    // Details expand.
    click_centered(
        &client,
        ".timeline-meeting details.timeline-details > summary",
    )
    .await;
    wait_until(
        &client,
        "document.querySelector('.timeline-meeting details.timeline-details').open && document.querySelector('.timeline-meeting details.timeline-details').textContent.includes('Casey, Pat')",
        "the meeting's attendees",
    )
    .await;

    // Load more: the next page is added below, until there is no more.
    let before = js(
        &client,
        "document.querySelectorAll('.timeline-entry').length",
    )
    .await;
    assert_eq!(before, 50);
    click_centered(&client, "[data-testid=timeline-more]").await;
    wait_until(
        &client,
        "document.querySelectorAll('.timeline-entry').length > 50 && !document.querySelector('[data-testid=timeline-more]')",
        "the second page",
    )
    .await;
    let ids = js(
        &client,
        "(() => { const ids = [...document.querySelectorAll('.timeline-entry')].map(e => e.dataset.activityId); return ids.length === new Set(ids).size; })()",
    )
    .await;
    assert_eq!(ids, true, "no entry shown twice");

    // Filter to meetings only.
    click_centered(&client, "[data-testid=timeline-types] > summary").await;
    click_centered(&client, "[data-testid=timeline-types] input[value=meeting]").await;
    click_centered(&client, "[data-testid=timeline-apply]").await;
    wait_until(
        &client,
        "document.querySelectorAll('.timeline-entry').length === 1 && document.querySelector('.timeline-entry').classList.contains('timeline-meeting')",
        "only the meeting",
    )
    .await;
    assert_same_page(&client).await;
    client.close().await.unwrap_or_else(|err| panic!("{err}"));
}
