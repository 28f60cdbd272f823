//! The stale list's quick actions in a real browser (htmx swaps the row in place): a
//! note, closing won (the missing reason comes back in the row, then it closes), a task.

use chrono::Utc;
use diesel::prelude::*;
use fantoccini::Locator;
use rapport::db::TenantScope;
use rapport::db::schema::{deals, notes, tasks};

use super::{fixture, stage};
use crate::support::browser::{self, click, fill, sign_in, wait_for};
use crate::support::{PASSWORD, TestApp, TwoTenants};

async fn wait_xpath(client: &fantoccini::Client, xpath: &str, what: &str) {
    client
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|err| panic!("{what}: {err}"));
}

#[tokio::test]
async fn stale_row_quick_actions_swap_in_place() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let t = tenants.a.clone();
    let now = Utc::now();
    let f = app
        .blocking(move |db| fixture(&db, t.tenant_id, t.admin_id, t.rep_id, now))
        .await;
    let tenant = tenants.a.tenant_id;
    let (won, _) = app
        .blocking(move |db| stage(&db, tenant, "Closed Won"))
        .await;
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.admin_email, PASSWORD).await;
    wait_for(&client, "h1").await;
    client
        .goto(&format!("{}/deals/stale", app.base_url))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    let c = f.c;
    wait_for(&client, &format!("#stale-{c}")).await;

    // A note on C.
    click(&client, &format!("#stale-{c} [data-testid=action-note]")).await;
    fill(&client, &format!("#stale-{c}-note"), "Left a voicemail").await;
    click(
        &client,
        &format!("#stale-{c} [data-testid=stale-note-submit]"),
    )
    .await;
    wait_xpath(
        &client,
        &format!(
            "//tr[@id='stale-{c}']//*[@data-testid='stale-notice'][normalize-space()='Note added.']"
        ),
        "the note notice did not appear in the row",
    )
    .await;

    // Close C won without a reason: the row comes back with the error, form open.
    click(&client, &format!("#stale-{c} [data-testid=action-stage]")).await;
    wait_for(&client, &format!("#stale-{c}-stage"))
        .await
        .select_by_value(&won.0.to_string())
        .await
        .unwrap_or_else(|err| panic!("cannot choose the stage: {err}"));
    click(
        &client,
        &format!("#stale-{c} [data-testid=stale-stage-submit]"),
    )
    .await;
    wait_for(&client, &format!("#stale-{c}-won-error")).await;
    fill(&client, &format!("#stale-{c}-won"), "Signed at last").await;
    click(
        &client,
        &format!("#stale-{c} [data-testid=stale-stage-submit]"),
    )
    .await;
    wait_xpath(
        &client,
        &format!("//tr[@id='stale-{c}'][contains(@class,'stale-row-resolved')]//*[@data-testid='stale-notice'][normalize-space()='Moved to Closed Won.']"),
        "the row did not show the move",
    )
    .await;

    // A follow-up task on A; the other rows are untouched.
    let a = f.a;
    click(&client, &format!("#stale-{a} [data-testid=action-task]")).await;
    fill(
        &client,
        &format!("#stale-{a}-subject"),
        "Send the revised quote",
    )
    .await;
    click(
        &client,
        &format!("#stale-{a} [data-testid=stale-task-submit]"),
    )
    .await;
    wait_xpath(
        &client,
        &format!("//tr[@id='stale-{a}']//*[@data-testid='stale-notice'][normalize-space()='Follow-up task created.']"),
        "the task notice did not appear",
    )
    .await;
    let rows = client
        .find_all(Locator::Css("tr.stale-row"))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(rows.len(), 5, "rows are replaced, not added or lost");
    client.close().await.unwrap_or_else(|err| panic!("{err}"));

    app.blocking(move |db| {
        db.tenant_blocking(
            &TenantScope::service(tenant.0),
            |conn| -> anyhow::Result<()> {
                let status: String = deals::table.find(c).select(deals::status).first(conn)?;
                assert_eq!(status, "won");
                let noted: i64 = notes::table
                    .filter(notes::deal_id.eq(c))
                    .count()
                    .get_result(conn)?;
                assert_eq!(noted, 1);
                let subjects: Vec<String> = tasks::table
                    .filter(tasks::deal_id.eq(a))
                    .select(tasks::subject)
                    .load(conn)?;
                assert_eq!(subjects, vec!["Send the revised quote".to_owned()]);
                Ok(())
            },
        )
    })
    .await
    .unwrap_or_else(|err| panic!("{err:#}"));
}
