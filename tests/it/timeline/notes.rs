//! Notes over HTTP: add, validate, edit, pin, delete with undo; their timeline entries and
//! audit rows; who may change them; tenant isolation.

use diesel::prelude::*;
use rapport::db::schema::audit_logs;
use reqwest::StatusCode;

use super::{htmx_get, htmx_post, scoped, triggered};
use crate::support::{PASSWORD, TestApp, TwoTenants};

fn note_id(page: &crate::support::Page, css: &str) -> String {
    page.attr(css, "data-note-id")
        .unwrap_or_else(|| panic!("no note matches {css} in:\n{}", page.source))
}

#[tokio::test]
async fn notes_are_added_edited_pinned_and_deleted_with_undo() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.login(&tenants.a.rep_email, PASSWORD).await;
    let contact = tenants.a.contact_id.to_string();
    let company = tenants.a.company_id;
    let section = format!("/notes?contact_id={contact}");
    let (status, page) = client.page(&section).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.text("#notes .empty"), "No notes yet.");

    // Invalid: the error sits next to the body and the title is kept.
    let (status, form, headers) = htmx_post(
        &client,
        "/notes",
        &[
            ("contact_id", &contact),
            ("title", "Access"),
            ("body", "  "),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        form.text("#note-new-body-error"),
        "Write something in the note."
    );
    assert_eq!(
        form.attr("#note-new-title", "value").as_deref(),
        Some("Access")
    );
    assert!(triggered(&headers).is_empty());

    let (status, form, headers) = htmx_post(
        &client,
        "/notes",
        &[
            ("contact_id", &contact),
            ("title", "Access"),
            ("body", "Side gate, code 4411"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(form.attr("#note-new-body", "aria-invalid"), None);
    assert_eq!(form.text("#note-new-body"), "", "a fresh form");
    let events = triggered(&headers);
    assert!(
        events.contains(&"notes-changed".to_owned())
            && events.contains(&"timeline-changed".to_owned())
    );

    let (_, notes) = client.page(&section).await;
    assert_eq!(notes.texts("#notes .note-title"), vec!["Access"]);
    let id = note_id(&notes, "#notes .note");
    // The contact's company sees it too; the pinned section does not, yet.
    let (_, company_notes, _) = htmx_get(&client, &format!("/notes?company_id={company}")).await;
    assert_eq!(
        company_notes.texts(".note-body"),
        vec!["Side gate, code 4411"]
    );
    let (_, pinned, _) = htmx_get(&client, &format!("/notes?company_id={company}&pinned=1")).await;
    assert!(pinned.exists("section#notes-pinned .empty"));
    assert!(
        !pinned.exists("form.note-form"),
        "the pinned section has no add form"
    );
    let (_, timeline, _) = htmx_get(
        &client,
        &format!("/timeline/entries?contact_id={contact}&activity_type=note"),
    )
    .await;
    assert_eq!(
        timeline.texts(".timeline-note .timeline-title"),
        vec!["Access"]
    );
    assert_eq!(
        timeline.text(".timeline-note .timeline-content"),
        "Side gate, code 4411"
    );

    // Pin: the note answers for itself, and shows in the pinned section.
    let (status, item, headers) =
        htmx_post(&client, &format!("/notes/{id}/pin"), &[("pinned", "1")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(item.exists(&format!("li#note-{id}.note-pinned")));
    assert!(triggered(&headers).contains(&"notes-changed".to_owned()));
    let (_, pinned, _) = htmx_get(&client, &format!("/notes?company_id={company}&pinned=1")).await;
    assert_eq!(pinned.texts(".note-title"), vec!["Access"]);

    // Edit in place, with validation.
    let (status, edit, _) = htmx_get(&client, &format!("/notes/{id}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(edit.text("textarea[name=body]"), "Side gate, code 4411");
    let (status, edit, _) = htmx_post(
        &client,
        &format!("/notes/{id}"),
        &[("title", "Access"), ("body", "")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        edit.text("#note-edit-body-error"),
        "Write something in the note."
    );
    let (status, item, _) = htmx_post(
        &client,
        &format!("/notes/{id}"),
        &[
            ("title", "Access"),
            ("body", "Side gate, code 9000"),
            ("pinned", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(item.text(".note-body"), "Side gate, code 9000");
    let (_, timeline, _) = htmx_get(
        &client,
        &format!("/timeline/entries?contact_id={contact}&activity_type=note"),
    )
    .await;
    assert_eq!(
        timeline.texts(".timeline-note .timeline-content"),
        vec!["Side gate, code 9000"],
        "the timeline entry follows the edit instead of adding another"
    );

    // Delete: a toast with Undo; the note and its entry disappear, and come back.
    let (status, toast, headers) = htmx_post(&client, &format!("/notes/{id}/delete"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(toast.text(".toast-text"), "Note deleted.");
    assert_eq!(
        toast.attr("[data-testid=toast] form", "hx-post"),
        Some(format!("/notes/{id}/restore"))
    );
    assert!(triggered(&headers).contains(&"timeline-changed".to_owned()));
    let (_, notes) = client.page(&section).await;
    assert!(notes.exists("#notes .empty"));
    let (_, timeline, _) = htmx_get(
        &client,
        &format!("/timeline/entries?contact_id={contact}&activity_type=note"),
    )
    .await;
    assert!(!timeline.exists(".timeline-note"));
    let (status, toast, _) = htmx_post(&client, &format!("/notes/{id}/restore"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(toast.text(".toast-text"), "Note restored.");
    let (_, notes) = client.page(&section).await;
    assert_eq!(notes.texts("#notes .note-title"), vec!["Access"]);
    let (_, timeline, _) = htmx_get(
        &client,
        &format!("/timeline/entries?contact_id={contact}&activity_type=note"),
    )
    .await;
    assert_eq!(
        timeline.texts(".timeline-note .timeline-title"),
        vec!["Access"]
    );

    let a = tenants.a.clone();
    let actions: Vec<String> = app
        .blocking(move |db| {
            scoped(&db, &a, move |conn| {
                Ok(audit_logs::table
                    .filter(audit_logs::entity_type.eq("note"))
                    .order(audit_logs::id)
                    .select(audit_logs::action)
                    .load(conn)?)
            })
        })
        .await;
    assert_eq!(
        actions,
        vec![
            "note.created",
            "note.pinned",
            "note.updated",
            "note.deleted",
            "note.restored"
        ]
    );
}

#[tokio::test]
async fn only_the_author_or_a_manager_may_change_a_note_and_other_tenants_see_nothing() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let company = tenants.a.company_id.to_string();
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    admin.page(&format!("/notes?company_id={company}")).await;
    htmx_post(
        &admin,
        "/notes",
        &[("company_id", &company), ("body", "Admin's note")],
    )
    .await;
    let (_, page) = admin.page(&format!("/notes?company_id={company}")).await;
    let id = note_id(&page, "#notes .note");
    assert!(page.exists(&format!("#note-{id} .note-actions")));

    // A rep sees the note but may not change it, and gets no buttons for it.
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (_, page) = rep.page(&format!("/notes?company_id={company}")).await;
    assert_eq!(page.texts(".note-body"), vec!["Admin's note"]);
    assert!(!page.exists(&format!("#note-{id} .note-actions")));
    for (path, fields) in [
        (format!("/notes/{id}"), vec![("body", "Rep was here")]),
        (format!("/notes/{id}/pin"), vec![("pinned", "1")]),
        (format!("/notes/{id}/delete"), vec![]),
    ] {
        let (status, _, _) = htmx_post(&rep, &path, &fields).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (status, _, _) = htmx_get(&rep, &format!("/notes/{id}/edit")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The manager may (records.delete), and so may the rep with their own note.
    let manager = app.login("manager@alpha.test", PASSWORD).await;
    manager.page("/").await;
    let (status, _, _) = htmx_post(&manager, &format!("/notes/{id}/pin"), &[("pinned", "1")]).await;
    assert_eq!(status, StatusCode::OK);
    htmx_post(
        &rep,
        "/notes",
        &[("company_id", &company), ("body", "Rep's note")],
    )
    .await;
    let (_, page) = rep.page(&format!("/notes?company_id={company}")).await;
    let own = page
        .select(".note")
        .iter()
        .find(|note| note.text().collect::<String>().contains("Rep's note"))
        .and_then(|note| note.value().attr("data-note-id").map(str::to_owned))
        .unwrap_or_else(|| panic!("the rep's note is listed"));
    let (status, _, _) = htmx_post(&rep, &format!("/notes/{own}/delete"), &[]).await;
    assert_eq!(status, StatusCode::OK);

    // Another tenant's admin cannot reach either note.
    let outsider = app.login(&tenants.b.admin_email, PASSWORD).await;
    outsider.page("/").await;
    for path in [format!("/notes/{id}/edit"), format!("/notes/{id}")] {
        let (status, _, _) = htmx_get(&outsider, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    for path in [
        format!("/notes/{id}/delete"),
        format!("/notes/{own}/restore"),
        format!("/notes/{id}/pin"),
    ] {
        let (status, _, _) = htmx_post(&outsider, &path, &[("pinned", "0")]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}
