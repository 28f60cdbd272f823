//! Tasks over HTTP: a record's section (add with validation, complete and undo, snooze,
//! edit, subtasks, delete and undo), their timeline entries and audit rows, "My tasks"
//! buckets in the user's time zone with paging, and who may see or change what.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rapport::db::schema::{audit_logs, tasks};
use rapport::domain::ids::TaskId;
use reqwest::StatusCode;

use super::{htmx_get, htmx_post, make_task, scoped, triggered};
use crate::support::{PASSWORD, TestApp, TwoTenants};

fn task_id(page: &crate::support::Page, css: &str) -> String {
    page.attr(css, "data-task-id")
        .unwrap_or_else(|| panic!("no task matches {css} in:\n{}", page.source))
}

#[tokio::test]
async fn a_records_tasks_are_added_completed_snoozed_edited_and_deleted() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.login(&tenants.a.rep_email, PASSWORD).await;
    let company = tenants.a.company_id.to_string();
    let section = format!("/tasks/section?company_id={company}");
    let (status, page) = client.page(&section).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.text("#tasks .empty"), "No open tasks.");
    let rep = tenants.a.rep_id.to_string();

    let (status, form, _) = htmx_post(
        &client,
        "/tasks",
        &[
            ("company_id", &company),
            ("subject", ""),
            ("due_at", "2030-01-10T09:00"),
            ("reminder_at", "2030-01-11T09:00"),
            ("priority", "someday"),
            ("assignee_id", &rep),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        form.text("#task-new-record-subject-error"),
        "Say what needs doing."
    );
    assert_eq!(
        form.text("#task-new-record-reminder-error"),
        "Set the reminder before the due time."
    );
    assert!(form.exists("#task-new-record-priority-error"));
    assert_eq!(
        form.attr("#task-new-record-due", "value").as_deref(),
        Some("2030-01-10T09:00")
    );

    let (status, _, headers) = htmx_post(
        &client,
        "/tasks",
        &[
            ("company_id", &company),
            ("subject", "Send the revised quote"),
            ("due_at", "2030-01-10T09:00"),
            ("reminder_at", "2030-01-10T08:00"),
            ("priority", "urgent"),
            ("assignee_id", &rep),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(triggered(&headers).contains(&"tasks-changed".to_owned()));
    let (_, page) = client.page(&section).await;
    assert_eq!(
        page.texts("#tasks .task-subject"),
        vec!["Send the revised quote"]
    );
    assert!(page.text("#tasks .task-line").contains("Urgent"));
    let id = task_id(&page, "#tasks .task");

    // Complete: a toast offering Undo, a timeline entry, and it leaves the open list.
    let (status, toast, _) = htmx_post(&client, &format!("/tasks/{id}/complete"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        toast.text(".toast-text"),
        "Completed “Send the revised quote”."
    );
    assert_eq!(
        toast.attr("[data-testid=toast] form", "hx-post"),
        Some(format!("/tasks/{id}/reopen"))
    );
    let (_, page) = client.page(&section).await;
    assert!(page.exists("#tasks .empty"));
    let completed = format!("/timeline/entries?company_id={company}&activity_type=task_completed");
    let (_, timeline, _) = htmx_get(&client, &completed).await;
    assert_eq!(
        timeline.texts(".timeline-title"),
        vec!["Completed: Send the revised quote"]
    );
    // Undo.
    let (status, _, _) = htmx_post(&client, &format!("/tasks/{id}/reopen"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = client.page(&section).await;
    assert_eq!(
        page.texts("#tasks .task-subject"),
        vec!["Send the revised quote"]
    );
    let (_, timeline, _) = htmx_get(&client, &completed).await;
    assert!(
        !timeline.exists(".timeline-entry"),
        "a reopened task is no longer completed"
    );

    // Snooze: to tomorrow morning, or to a chosen time; never into the past.
    let (status, toast, _) = htmx_post(
        &client,
        &format!("/tasks/{id}/snooze"),
        &[("until", "tomorrow")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        toast.text(".toast-text").contains("to Tomorrow 09:00"),
        "{}",
        toast.source
    );
    let (status, _, _) = htmx_post(
        &client,
        &format!("/tasks/{id}/snooze"),
        &[("until_at", "2031-02-03T10:30")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = htmx_post(
        &client,
        &format!("/tasks/{id}/snooze"),
        &[("until_at", "2001-01-01T10:00")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let task_key = TaskId(id.parse().unwrap_or_default());
    let a = tenants.a.clone();
    let (due, reminder) = app
        .blocking(move |db| {
            scoped(&db, &a, move |conn| {
                Ok(tasks::table
                    .find(task_key)
                    .select((tasks::due_at, tasks::reminder_at))
                    .first::<(Option<DateTime<Utc>>, Option<DateTime<Utc>>)>(conn)?)
            })
        })
        .await;
    assert_eq!(
        due.map(|d| d.to_rfc3339()),
        Some("2031-02-03T10:30:00+00:00".to_owned())
    );
    assert_eq!(
        reminder.map(|r| r.to_rfc3339()),
        Some("2031-02-03T09:30:00+00:00".to_owned()),
        "the reminder moves along"
    );

    // Edit in place.
    let (status, edit, _) = htmx_get(&client, &format!("/tasks/{id}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        edit.attr("#task-edit-subject", "value").as_deref(),
        Some("Send the revised quote")
    );
    let (status, edit, _) = htmx_post(
        &client,
        &format!("/tasks/{id}"),
        &[("subject", ""), ("priority", "low")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(edit.exists("#task-edit-subject-error"));
    let (status, row, _) = htmx_post(
        &client,
        &format!("/tasks/{id}"),
        &[
            ("subject", "Send the final quote"),
            ("priority", "low"),
            ("due_at", "2031-02-03T10:30"),
            ("assignee_id", &rep),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(row.text(".task-subject"), "Send the final quote");

    // Subtasks: added and ticked off in place, the parent shown expanded.
    let (status, row, _) = htmx_post(
        &client,
        &format!("/tasks/{id}/subtasks"),
        &[("subject", "Check measurements")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(row.exists("details.task-more[open]"));
    assert_eq!(row.texts(".subtask-subject"), vec!["Check measurements"]);
    let sub = row.attr(".subtask", "data-subtask-id").unwrap_or_default();
    let (status, row, _) = htmx_post(&client, &format!("/tasks/{sub}/toggle"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(row.exists(".subtask.subtask-done"));
    assert_eq!(row.text(".task-subtask-count"), "1/1 subtasks");
    let (status, row, _) = htmx_post(
        &client,
        &format!("/tasks/{id}/subtasks"),
        &[("subject", " ")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(row.exists(&format!("#subtask-{id}-error")));

    // Delete with undo.
    let (status, toast, _) = htmx_post(&client, &format!("/tasks/{id}/delete"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        toast.attr("[data-testid=toast] form", "hx-post"),
        Some(format!("/tasks/{id}/restore"))
    );
    let (_, page) = client.page(&section).await;
    assert!(page.exists("#tasks .empty"));
    let (status, _, _) = htmx_post(&client, &format!("/tasks/{id}/restore"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = client.page(&section).await;
    assert_eq!(
        page.texts("#tasks .task-subject"),
        vec!["Send the final quote"]
    );

    let a = tenants.a.clone();
    let actions: Vec<String> = app
        .blocking(move |db| {
            scoped(&db, &a, move |conn| {
                Ok(audit_logs::table
                    .filter(audit_logs::entity_type.eq("task"))
                    .filter(audit_logs::entity_id.eq(task_key.0))
                    .order(audit_logs::id)
                    .select(audit_logs::action)
                    .load(conn)?)
            })
        })
        .await;
    assert_eq!(
        actions,
        vec![
            "task.created",
            "task.completed",
            "task.reopened",
            "task.snoozed",
            "task.snoozed",
            "task.updated",
            "task.deleted",
            "task.restored",
        ]
    );
}

#[tokio::test]
async fn another_tenant_cannot_touch_a_task() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let a = tenants.a.clone();
    let id = app
        .blocking(move |db| make_task(&db, &a, "Alpha only", None, a.rep_id))
        .await;
    let outsider = app.login(&tenants.b.admin_email, PASSWORD).await;
    outsider.page("/").await;
    for path in [format!("/tasks/{id}"), format!("/tasks/{id}/edit")] {
        let (status, _, _) = htmx_get(&outsider, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    for (path, fields) in [
        (format!("/tasks/{id}/complete"), vec![]),
        (format!("/tasks/{id}/reopen"), vec![]),
        (format!("/tasks/{id}/snooze"), vec![("until", "3h")]),
        (format!("/tasks/{id}/delete"), vec![]),
        (format!("/tasks/{id}/restore"), vec![]),
        (format!("/tasks/{id}/subtasks"), vec![("subject", "sneaky")]),
        (format!("/tasks/{id}/toggle"), vec![]),
        (format!("/tasks/{id}"), vec![("subject", "sneaky")]),
    ] {
        let (status, _, _) = htmx_post(&outsider, &path, &fields).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // A task from My tasks cannot be pinned on another tenant's record either.
    let (status, _, _) = htmx_post(
        &outsider,
        "/tasks",
        &[
            ("contact_id", &tenants.a.contact_id.to_string()),
            ("subject", "x"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_javascript_the_same_actions_work_as_plain_pages() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let a = tenants.a.clone();
    let id = app
        .blocking(move |db| make_task(&db, &a, "Plain old task", None, a.rep_id))
        .await;
    let client = app.login(&tenants.a.rep_email, PASSWORD).await;
    let section = format!("/tasks/section?contact_id={}", tenants.a.contact_id);
    let (_, page) = client.page(&section).await;
    assert_eq!(
        page.attr(
            &format!("#task-{id} .task-check-form input[name=return_to]"),
            "value"
        ),
        Some(section.clone())
    );

    // The edit link opens a page with the form.
    let (status, edit) = client.page(&format!("/tasks/{id}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(edit.exists("nav[aria-label=Main]") && edit.exists("form.task-edit"));
    let response = client
        .post_form(
            &format!("/tasks/{id}"),
            &[("subject", ""), ("priority", "normal")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = crate::support::Page::parse(response.text().await.unwrap_or_default());
    assert!(page.exists("nav[aria-label=Main]") && page.exists("#task-edit-subject-error"));

    // Completing goes back where the form said, with a message.
    let response = client
        .post_form(&format!("/tasks/{id}/complete"), &[("return_to", &section)])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(crate::support::app::location(&response), section);
    let (_, page) = client.page(&section).await;
    assert_eq!(page.text(".flash-success"), "Completed “Plain old task”.");
    // Never to another site.
    let response = client
        .post_form(
            &format!("/tasks/{id}/reopen"),
            &[("return_to", "//evil.example/")],
        )
        .await;
    assert_eq!(crate::support::app::location(&response), "/tasks");

    // A row's URL opened directly leads to My tasks.
    let response = client.get(&format!("/tasks/{id}")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(crate::support::app::location(&response), "/tasks");
}
