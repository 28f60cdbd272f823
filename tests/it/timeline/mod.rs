//! Tests of the timeline lane: the timeline (domain, pages, API, quick add), notes and
//! tasks. Helpers here are specific to these areas.

mod api;
mod browser_notes_tasks;
mod browser_timeline;
mod domain;
mod http;
mod my_tasks;
mod notes;
mod quick_add;
mod reads;
mod tasks;

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use diesel::connection::SimpleConnection;
use rapport::db::Db;
use rapport::domain::activities::{ActivityType, NewActivity, log_activity};
use rapport::domain::ids::ActivityId;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use rapport::domain::ids::TaskId;
use rapport::domain::record_ref::RecordLinks;
use rapport::domain::tasks::{self as task_records, TaskDraft};
use rapport::domain::timeline::{Subjects, TimelineFilter};

use crate::support::app::TestClient;
use crate::support::fixtures::TenantFixture;
use crate::support::html::Page;

/// Runs `work` in one transaction scoped to the fixture tenant, as its admin.
pub fn scoped<T>(
    db: &Db,
    tenant: &TenantFixture,
    work: impl FnOnce(&mut PgConnection) -> anyhow::Result<T>,
) -> T {
    db.tenant_blocking(&tenant.scope(), work)
        .unwrap_or_else(|err: anyhow::Error| panic!("scoped work failed: {err:#}"))
}

/// Runs SQL as the system role (fixtures that no user could write).
pub fn as_system(db: &Db, sql: &str) {
    db.system_blocking(|conn| -> anyhow::Result<()> {
        conn.batch_execute(sql)?;
        Ok(())
    })
    .unwrap_or_else(|err| panic!("system SQL failed: {err:#}\n{sql}"));
}

/// Logs an activity on the fixture's company at `at`.
pub fn log_on_company(
    db: &Db,
    tenant: &TenantFixture,
    kind: ActivityType,
    title: &str,
    at: DateTime<Utc>,
) -> ActivityId {
    let (company, tenant_id) = (tenant.company_id, tenant.tenant_id);
    let title = title.to_owned();
    scoped(db, tenant, move |conn| {
        let mut event = NewActivity::new(kind, title, at);
        event.company_id = Some(company);
        Ok(log_activity(conn, tenant_id, event)?.id())
    })
}

/// A GET as htmx makes it.
pub async fn htmx_get(client: &TestClient, path: &str) -> (StatusCode, Page, HeaderMap) {
    let response = client
        .http
        .get(client.url(path))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap_or_else(|err| panic!("GET {path}: {err}"));
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    (status, Page::parse(body), headers)
}

/// A POST as htmx makes it: the form fields plus the session's CSRF token in the header.
pub async fn htmx_post(
    client: &TestClient,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, Page, HeaderMap) {
    let token = client
        .csrf_token()
        .unwrap_or_else(|| panic!("load a page before POST {path}"));
    let response = client
        .http
        .post(client.url(path))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token)
        .form(fields)
        .send()
        .await
        .unwrap_or_else(|err| panic!("POST {path}: {err}"));
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    (status, Page::parse(body), headers)
}

/// The events an htmx response announces in `HX-Trigger`.
pub fn triggered(headers: &HeaderMap) -> Vec<String> {
    let value = headers
        .get("hx-trigger")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("{}");
    let parsed: serde_json::Value = serde_json::from_str(value).unwrap_or_default();
    parsed
        .as_object()
        .map(|events| events.keys().cloned().collect())
        .unwrap_or_default()
}

/// Waits (up to 10 s, woken by DOM changes, not by sleeping) until a JavaScript expression
/// is true in the page; panics with `what` otherwise.
pub async fn wait_until(client: &fantoccini::Client, condition: &str, what: &str) {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         const ok = () => {{ try {{ return !!({condition}); }} catch (e) {{ return false; }} }};
         if (ok()) {{ done(true); return; }}
         const observer = new MutationObserver(() => {{ if (ok()) {{ observer.disconnect(); done(true); }} }});
         observer.observe(document, {{ subtree: true, childList: true, attributes: true, characterData: true }});
         setTimeout(() => {{ observer.disconnect(); done(ok()); }}, 10000);"
    );
    let result = client
        .execute_async(&script, vec![])
        .await
        .unwrap_or_else(|err| panic!("waiting for {what}: {err}"));
    assert_eq!(
        result,
        serde_json::Value::Bool(true),
        "timed out waiting for {what}"
    );
}

/// Evaluates a JavaScript expression in the page.
pub async fn js(client: &fantoccini::Client, expression: &str) -> serde_json::Value {
    client
        .execute(&format!("return ({expression});"), vec![])
        .await
        .unwrap_or_else(|err| panic!("script `{expression}` failed: {err}"))
}

/// Marks the page so a later check can prove it was not reloaded.
pub async fn mark_page(client: &fantoccini::Client) {
    js(client, "window.__sameDocument = 'yes'").await;
}

pub async fn assert_same_page(client: &fantoccini::Client) {
    assert_eq!(
        js(client, "window.__sameDocument || 'reloaded'").await,
        serde_json::Value::from("yes"),
        "the page was reloaded"
    );
}

/// Clicks an element after scrolling it to the middle of the window (away from the sticky
/// top bar). If htmx replaced the element between finding and clicking it, finds it again.
pub async fn click_centered(client: &fantoccini::Client, css: &str) {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let element = crate::support::browser::wait_for(client, css).await;
        let scrolled = client
            .execute(
                "arguments[0].scrollIntoView({ block: 'center' });",
                vec![serde_json::to_value(&element).unwrap_or_default()],
            )
            .await;
        let clicked = match scrolled {
            Ok(_) => element.click().await.map(|_| ()),
            Err(err) => Err(err),
        };
        match clicked {
            Ok(()) => return,
            Err(err) if attempts < 3 && err.to_string().contains("stale element") => continue,
            Err(err) => panic!("cannot click {css}: {err}"),
        }
    }
}

/// Marks a section; `replaced(css)` is then true once htmx has swapped in a new one.
pub async fn mark_section(client: &fantoccini::Client, css: &str) {
    js(
        client,
        &format!("document.querySelector('{css}').dataset.old = 'yes'"),
    )
    .await;
}

pub fn replaced(css: &str) -> String {
    format!("(document.querySelector('{css}') && !document.querySelector('{css}').dataset.old)")
}

/// Creates a task for `assignee` directly (fixtures for "My tasks").
pub fn make_task(
    db: &rapport::db::Db,
    tenant: &TenantFixture,
    subject: &str,
    due_at: Option<DateTime<Utc>>,
    assignee: rapport::domain::ids::UserId,
) -> TaskId {
    let draft = TaskDraft {
        subject: subject.to_owned(),
        description: None,
        due_at,
        reminder_at: None,
        priority: "normal".to_owned(),
        assignee_id: Some(assignee),
    };
    let links = RecordLinks {
        contact_id: Some(tenant.contact_id),
        ..RecordLinks::default()
    };
    let tenant_id = tenant.tenant_id;
    scoped(db, tenant, move |conn| {
        Ok(task_records::create(conn, tenant_id, &draft, links, None, None)?.id)
    })
}

/// Everything about one company, its contacts included.
pub fn company_filter(company: rapport::domain::ids::CompanyId) -> TimelineFilter {
    TimelineFilter {
        subjects: Subjects {
            company_id: Some(company),
            ..Subjects::default()
        },
        include_company_contacts: true,
        ..TimelineFilter::default()
    }
}
