//! Notes and tasks in a real browser: every htmx interaction (add with validation, edit in
//! place, pin, delete and undo; complete and undo, snooze, subtasks, "Show more").

use chrono::{Duration, Utc};
use rapport::domain::ids::UserId;
use rapport::domain::record_ref::RecordLinks;
use rapport::domain::tasks::{self as task_records, TaskDraft};

use super::{
    assert_same_page, click_centered, js, mark_page, mark_section, replaced, scoped, wait_until,
};
use crate::support::browser::{self, fill, sign_in, wait_for};
use crate::support::{PASSWORD, TestApp, TwoTenants};

async fn open(client: &fantoccini::Client, url: &str, ready: &str) {
    client
        .goto(url)
        .await
        .unwrap_or_else(|err| panic!("{url}: {err}"));
    wait_for(client, ready).await;
    mark_page(client).await;
}

#[tokio::test]
async fn notes_are_added_edited_pinned_deleted_and_restored_in_place() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.rep_email, PASSWORD).await;
    wait_for(&client, "nav[aria-label=Main]").await;
    open(
        &client,
        &format!("{}/notes?company_id={}", app.base_url, tenants.a.company_id),
        "#notes",
    )
    .await;

    // An empty note is refused next to the field.
    fill(&client, "#note-new-title", "Parking").await;
    click_centered(&client, "#notes-form button[type=submit]").await;
    let error = wait_for(&client, "#note-new-body-error").await;
    assert_eq!(
        error.text().await.unwrap_or_default(),
        "Write something in the note."
    );
    assert_eq!(
        js(&client, "document.querySelector('#note-new-title').value").await,
        "Parking"
    );

    fill(&client, "#note-new-body", "Use the visitor spaces").await;
    click_centered(&client, "#notes-form button[type=submit]").await;
    wait_until(
        &client,
        "[...document.querySelectorAll('#notes .note-body')].some(e => e.textContent === 'Use the visitor spaces')",
        "the new note in the list",
    )
    .await;

    // Edit in place.
    click_centered(&client, "#notes .note-actions a").await;
    let body = wait_for(&client, "#notes .note-editing textarea[name=body]").await;
    body.clear().await.unwrap_or_else(|err| panic!("{err}"));
    body.send_keys("Use the visitor spaces by the gate")
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    // Edits answer with the note and the section reloads itself: wait for both.
    mark_section(&client, "#notes").await;
    click_centered(&client, "#notes .note-editing button[type=submit]").await;
    wait_until(
        &client,
        &format!("{} && !document.querySelector('.note-editing') && document.querySelector('#notes .note-body').textContent === 'Use the visitor spaces by the gate'", replaced("#notes")),
        "the edited note",
    )
    .await;

    // Pin.
    mark_section(&client, "#notes").await;
    click_centered(&client, "#notes .note-actions form[action$='/pin'] button").await;
    wait_until(
        &client,
        &format!(
            "{} && !!document.querySelector('#notes .note.note-pinned .badge')",
            replaced("#notes")
        ),
        "the pinned badge",
    )
    .await;

    // Delete, then undo from the toast.
    click_centered(
        &client,
        "#notes .note-actions form[action$='/delete'] button",
    )
    .await;
    wait_until(
        &client,
        "!!document.querySelector('#toasts [data-testid=undo]') && !!document.querySelector('#notes .empty')",
        "the note gone and an Undo button",
    )
    .await;
    click_centered(&client, "#toasts [data-testid=undo]").await;
    wait_until(
        &client,
        "document.querySelectorAll('#notes .note').length === 1 && document.querySelector('#toasts').textContent.includes('Note restored.')",
        "the note back",
    )
    .await;
    assert_same_page(&client).await;
    client.close().await.unwrap_or_else(|err| panic!("{err}"));
}

#[tokio::test]
async fn a_records_tasks_are_managed_in_place() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.rep_email, PASSWORD).await;
    wait_for(&client, "nav[aria-label=Main]").await;
    open(
        &client,
        &format!(
            "{}/tasks/section?contact_id={}",
            app.base_url, tenants.a.contact_id
        ),
        "#tasks",
    )
    .await;

    click_centered(&client, "#task-new-record button[type=submit]").await;
    let error = wait_for(&client, "#task-new-record-subject-error").await;
    assert_eq!(
        error.text().await.unwrap_or_default(),
        "Say what needs doing."
    );
    fill(
        &client,
        "#task-new-record-subject",
        "Confirm the install date",
    )
    .await;
    click_centered(&client, "#task-new-record button[type=submit]").await;
    wait_until(
        &client,
        "[...document.querySelectorAll('#tasks .task-subject')].some(e => e.textContent === 'Confirm the install date')",
        "the new task",
    )
    .await;

    // Subtasks: add one, tick it off.
    click_centered(&client, "#tasks .task details.task-more > summary").await;
    fill(
        &client,
        "#tasks .subtask-form input[name=subject]",
        "Call the installer",
    )
    .await;
    click_centered(&client, "#tasks .subtask-form button[type=submit]").await;
    wait_until(
        &client,
        "document.querySelector('#tasks .subtask-subject') && document.querySelector('#tasks .subtask-subject').textContent === 'Call the installer'",
        "the subtask",
    )
    .await;
    click_centered(&client, "#tasks .subtask-toggle").await;
    wait_until(
        &client,
        "!!document.querySelector('#tasks .subtask.subtask-done')",
        "the ticked subtask",
    )
    .await;

    // Edit.
    click_centered(&client, "#tasks .task-actions a").await;
    fill(
        &client,
        "#task-edit-subject",
        "Confirm the install date with Casey",
    )
    .await;
    mark_section(&client, "#tasks").await;
    click_centered(&client, "#tasks .task-editing button[type=submit]").await;
    wait_until(
        &client,
        &format!("{} && !document.querySelector('.task-editing') && document.querySelector('#tasks .task-subject').textContent === 'Confirm the install date with Casey'", replaced("#tasks")),
        "the edited task",
    )
    .await;

    // Snooze to tomorrow morning.
    click_centered(&client, "#tasks .task details.snooze > summary").await;
    click_centered(&client, "#tasks .snooze-tomorrow").await;
    wait_until(
        &client,
        "document.querySelector('#toasts').textContent.includes('Snoozed') && document.querySelector('#tasks .task-due').textContent.includes('Tomorrow 09:00')",
        "the snoozed due date",
    )
    .await;

    // Complete, then undo.
    click_centered(&client, "#tasks .task-check").await;
    wait_until(
        &client,
        "!!document.querySelector('#tasks .empty') && !!document.querySelector('#toasts [data-testid=undo]')",
        "the completed task gone, with Undo",
    )
    .await;
    click_centered(&client, "#toasts [data-testid=undo]").await;
    wait_until(
        &client,
        "document.querySelectorAll('#tasks .task').length === 1",
        "the task reopened",
    )
    .await;

    // Delete, then undo.
    click_centered(
        &client,
        "#tasks .task-actions form[action$='/delete'] button",
    )
    .await;
    wait_until(
        &client,
        "!!document.querySelector('#tasks .empty')",
        "the task deleted",
    )
    .await;
    js(&client, "document.querySelectorAll('#toasts .toast').forEach((t, i, all) => { if (i < all.length - 1) t.remove(); })").await;
    click_centered(&client, "#toasts [data-testid=undo]").await;
    wait_until(
        &client,
        "document.querySelectorAll('#tasks .task').length === 1",
        "the task restored",
    )
    .await;
    assert_same_page(&client).await;
    client.close().await.unwrap_or_else(|err| panic!("{err}"));
}

#[tokio::test]
async fn my_tasks_show_more_complete_and_add_in_place() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let a = tenants.a.clone();
    app.blocking(move |db| {
        let soon = Utc::now() + Duration::days(2);
        for n in 0..30 {
            let draft = TaskDraft {
                subject: format!("Follow up {n:02}"),
                description: None,
                due_at: Some(soon + Duration::hours(n)),
                reminder_at: None,
                priority: "normal".to_owned(),
                assignee_id: Some(a.rep_id),
            };
            let tenant_id = a.tenant_id;
            scoped(&db, &a, move |conn| {
                Ok(task_records::create(
                    conn,
                    tenant_id,
                    &draft,
                    RecordLinks::default(),
                    None,
                    None::<UserId>,
                )?)
            });
        }
    })
    .await;
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.rep_email, PASSWORD).await;
    wait_for(&client, "nav[aria-label=Main]").await;
    click_centered(&client, "nav a[href='/tasks']").await;
    wait_for(&client, "#my-tasks").await;
    mark_page(&client).await;
    assert_eq!(
        js(
            &client,
            "document.querySelectorAll('#bucket-upcoming .task').length"
        )
        .await,
        25
    );

    click_centered(&client, "#bucket-upcoming [data-testid=tasks-more]").await;
    wait_until(
        &client,
        "document.querySelectorAll('#bucket-upcoming .task').length === 30 && !document.querySelector('[data-testid=tasks-more]')",
        "all 30 upcoming tasks",
    )
    .await;

    click_centered(&client, "#bucket-upcoming .task:first-child .task-check").await;
    wait_until(
        &client,
        "document.querySelector('#bucket-upcoming h2 .badge').textContent === '29' && document.querySelector('#toasts').textContent.includes('Completed “Follow up 00”.')",
        "one fewer upcoming task",
    )
    .await;

    fill(&client, "#task-new-mine-subject", "Book a site visit").await;
    click_centered(&client, "#task-new-mine button[type=submit]").await;
    wait_until(
        &client,
        "[...document.querySelectorAll('#bucket-no_date .task-subject')].some(e => e.textContent === 'Book a site visit')",
        "the new undated task",
    )
    .await;
    assert_same_page(&client).await;
    client.close().await.unwrap_or_else(|err| panic!("{err}"));
}
