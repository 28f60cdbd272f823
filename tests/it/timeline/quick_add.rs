//! Quick add from the timeline over HTTP: notes, calls, meetings (with action items that
//! become tasks) and tasks; errors next to fields with input kept; plain-form fallback.

use diesel::prelude::*;
use rapport::db::schema::{activities, notes, tasks};
use reqwest::StatusCode;

use super::{htmx_get, htmx_post, scoped, triggered};
use crate::support::app::location;
use crate::support::{PASSWORD, TestApp, TwoTenants};

#[tokio::test]
async fn quick_add_logs_notes_calls_meetings_and_tasks_in_place() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.login(&tenants.a.rep_email, PASSWORD).await;
    let a = tenants.a.clone();
    let company = a.company_id.to_string();
    let contact = a.contact_id.to_string();
    client
        .page(&format!("/timeline?company_id={company}"))
        .await;

    let (status, panel, headers) = htmx_post(
        &client,
        "/timeline/activities",
        &[
            ("kind", "note"),
            ("company_id", &company),
            ("title", "Gate"),
            ("body", "Code 4411"),
            ("pinned", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(panel.text("[data-testid=quick-add-message]"), "Note added.");
    assert!(
        panel
            .source
            .trim_start()
            .starts_with("<div id=\"quick-add\"")
    );
    let events = triggered(&headers);
    assert!(
        events.contains(&"timeline-changed".to_owned())
            && events.contains(&"notes-changed".to_owned())
    );

    let (status, _, headers) = htmx_post(
        &client,
        "/timeline/activities",
        &[
            ("kind", "call"),
            ("company_id", &company),
            ("with_contact_id", &contact),
            ("direction", "inbound"),
            ("outcome", "connected"),
            ("duration_minutes", "12"),
            ("occurred_at", ""),
            ("summary", "Wants a quote for six windows"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(triggered(&headers), vec!["timeline-changed".to_owned()]);

    let (status, panel, _) = htmx_post(
        &client,
        "/timeline/activities",
        &[
            ("kind", "meeting"),
            ("company_id", &company),
            ("title", "Site walk-through"),
            ("duration_minutes", "45"),
            ("location", "12 Elm St"),
            ("attendees", "Casey, Pat"),
            ("outcome", "Measured all openings"),
            ("action_items", "Send quote\nBook the installer"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        panel.text("[data-testid=quick-add-message]"),
        "Meeting logged, with 2 tasks."
    );

    let (status, _, _) = htmx_post(
        &client,
        "/timeline/activities",
        &[
            ("kind", "task"),
            ("company_id", &company),
            ("subject", "Call back Friday"),
            ("due_at", "2030-05-03T10:00"),
            ("priority", "high"),
            ("assignee_id", &a.rep_id.to_string()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The timeline now shows all four, newest first, with the call's details.
    let (_, list, _) = htmx_get(&client, &format!("/timeline/entries?company_id={company}")).await;
    let titles = list.texts(".timeline-entry .timeline-title");
    for expected in [
        "Gate",
        "Call with Casey Alphason",
        "Site walk-through",
        "Task: Call back Friday",
        "Task: Send quote",
    ] {
        assert!(
            titles.contains(&expected.to_owned()),
            "{expected} in {titles:?}"
        );
    }
    let call = list
        .select(".timeline-call_logged")
        .first()
        .map(|entry| entry.text().collect::<String>())
        .unwrap_or_default();
    assert!(call.contains("Inbound · 12m · Connected"), "{call}");

    let rep = a.rep_id;
    let (note_rows, task_subjects, call_row) = app
        .blocking(move |db| {
            scoped(&db, &a, move |conn| {
                let note_rows: Vec<(Option<String>, bool)> = notes::table
                    .filter(notes::company_id.eq(a.company_id))
                    .select((notes::title, notes::pinned))
                    .load(conn)?;
                let task_subjects: Vec<String> = tasks::table
                    .filter(tasks::assignee_id.eq(rep))
                    .order(tasks::id)
                    .select(tasks::subject)
                    .load(conn)?;
                let call_row: (Option<i64>, Option<i32>, Option<String>) = activities::table
                    .filter(activities::activity_type.eq("call_logged"))
                    .select((
                        activities::contact_id,
                        activities::duration_seconds,
                        activities::direction,
                    ))
                    .first(conn)?;
                Ok((note_rows, task_subjects, call_row))
            })
        })
        .await;
    assert_eq!(note_rows, vec![(Some("Gate".to_owned()), true)]);
    assert_eq!(
        task_subjects,
        vec!["Send quote", "Book the installer", "Call back Friday"]
    );
    assert_eq!(
        call_row,
        (
            Some(tenants.a.contact_id.0),
            Some(720),
            Some("inbound".to_owned())
        )
    );
}

#[tokio::test]
async fn quick_add_shows_errors_next_to_fields_and_keeps_input() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.login(&tenants.a.admin_email, PASSWORD).await;
    let company = tenants.a.company_id.to_string();
    client
        .page(&format!("/timeline?company_id={company}"))
        .await;

    let (status, panel, headers) = htmx_post(
        &client,
        "/timeline/activities",
        &[
            ("kind", "meeting"),
            ("company_id", &company),
            ("title", ""),
            ("duration_minutes", "abc"),
            ("location", "Back office"),
            ("occurred_at", "2026-13-45T99:00"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(triggered(&headers).is_empty(), "nothing changed");
    assert!(
        panel.exists("details[open] form[data-kind=meeting]"),
        "the meeting form stays open"
    );
    assert_eq!(panel.text("#qa-meeting-title-error"), "Give it a title.");
    assert_eq!(
        panel.text("#qa-meeting-duration-error"),
        "Enter whole minutes, from 0 to 1440."
    );
    assert!(panel.exists("#qa-meeting-when-error"));
    assert_eq!(
        panel.attr("#qa-meeting-location", "value").as_deref(),
        Some("Back office")
    );
    assert_eq!(
        panel.attr("#qa-meeting-title", "aria-invalid").as_deref(),
        Some("true")
    );

    let (status, panel, _) = htmx_post(
        &client,
        "/timeline/activities",
        &[
            ("kind", "task"),
            ("company_id", &company),
            ("subject", " "),
            ("assignee_id", "999999"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(panel.exists("#qa-task-subject-error"));
    assert!(
        panel.exists("#qa-task-assignee-error"),
        "someone from another tenant or nobody at all"
    );

    // Without htmx, a failed form re-renders the whole page with the errors.
    let response = client
        .post_form(
            "/timeline/activities",
            &[("kind", "note"), ("company_id", &company), ("body", "")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = crate::support::Page::parse(response.text().await.unwrap_or_default());
    assert!(page.exists("nav[aria-label=Main]"));
    assert_eq!(
        page.text("#qa-note-body-error"),
        "Write something in the note."
    );

    // And a good one redirects back to the timeline.
    let response = client
        .post_form(
            "/timeline/activities",
            &[
                ("kind", "note"),
                ("company_id", &company),
                ("body", "Plain form"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response),
        format!("/timeline?company_id={company}")
    );

    // Another tenant's record cannot be written to.
    let (status, _, _) = htmx_post(
        &client,
        "/timeline/activities",
        &[
            ("kind", "note"),
            ("company_id", &tenants.b.company_id.to_string()),
            ("body", "x"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
