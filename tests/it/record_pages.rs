//! Record pages together with the components other areas own: the company and contact
//! pages load their timeline, pinned notes and open tasks in place, and a note added from
//! the embedded timeline appears there without a reload.

use crate::support::browser::{self, click, fill, sign_in, wait_for};
use crate::support::{PASSWORD, TestApp, TwoTenants};
use crate::timeline::{assert_same_page, mark_page, wait_until};

#[tokio::test]
async fn company_and_contact_pages_embed_timeline_notes_and_tasks() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.rep_email, PASSWORD).await;
    wait_for(&client, "nav[aria-label=Main]").await;

    client
        .goto(&format!(
            "{}/companies/{}",
            app.base_url, tenants.a.company_id
        ))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    // The lazy slots are replaced by the components themselves.
    wait_for(&client, "section#timeline #timeline-list").await;
    wait_for(&client, "section#notes-pinned.notes").await;
    wait_for(&client, "section#tasks.tasks").await;
    mark_page(&client).await;

    click(
        &client,
        "#quick-add details:has(form[data-kind=note]) > summary",
    )
    .await;
    fill(&client, "#qa-note-title", "Loading dock at the back").await;
    fill(&client, "#qa-note-body", "Trucks before 7am only").await;
    click(&client, "form[data-kind=note] button[type=submit]").await;
    wait_until(
        &client,
        "[...document.querySelectorAll('#timeline .timeline-title')].some(e => e.textContent === 'Loading dock at the back')",
        "the note in the company's embedded timeline",
    )
    .await;
    assert_same_page(&client).await;

    client
        .goto(&format!(
            "{}/contacts/{}",
            app.base_url, tenants.a.contact_id
        ))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_for(&client, "section#timeline #timeline-list").await;
    wait_for(&client, "section#notes-pinned.notes").await;
    wait_for(&client, "section#tasks.tasks").await;
    let unloaded = client
        .find_all(fantoccini::Locator::Css(".lazy-slot"))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        unloaded.is_empty(),
        "every lazy slot on the contact page was replaced"
    );
}
