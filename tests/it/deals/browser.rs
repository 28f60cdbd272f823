//! The deal page's htmx interactions in a real browser: inline edit, the stage menu
//! (error in place, then close won with the reason and the page refreshes), line items,
//! the team, and the list's bulk stage change.

use fantoccini::{Client, Locator};

use super::helpers::stage_id;
use crate::support::browser::{self, click, fill, sign_in, wait_for};
use crate::support::{PASSWORD, TestApp, TwoTenants};

async fn wait_xpath(client: &Client, xpath: &str, what: &str) {
    client
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|err| panic!("{what}: {err}"));
}

async fn choose(client: &Client, css: &str, value: &str) {
    wait_for(client, css)
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|err| panic!("cannot choose {value} in {css}: {err}"));
}

#[tokio::test]
async fn deal_page_inline_edit_stage_menu_items_and_team() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let won = app
        .blocking(move |db| stage_id(&db, tenant, "Closed Won"))
        .await
        .to_string();
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.admin_email, PASSWORD).await;
    wait_for(&client, "h1").await;
    let deal = tenants.a.deal_id.0;
    client
        .goto(&format!("{}/deals/{deal}", app.base_url))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_for(&client, "[data-testid=record-name]").await;

    // Inline edit of one field.
    click(&client, "button[data-edit=source]").await;
    fill(&client, "#in-source", "Trade show").await;
    click(&client, "#field-source button[type=submit]").await;
    wait_xpath(
        &client,
        "//span[@data-value='source'][normalize-space()='Trade show']",
        "the source did not update",
    )
    .await;

    // Line items: an error in place, then an item.
    click(&client, "[data-testid=add-item-submit]").await;
    wait_for(&client, "#line-items .field-error").await;
    fill(&client, "#item-product", "Sliding door").await;
    fill(&client, "#item-quantity", "2").await;
    fill(&client, "#item-price", "950").await;
    click(&client, "[data-testid=add-item-submit]").await;
    wait_xpath(
        &client,
        "//section[@id='line-items']//td[normalize-space()='Sliding door']",
        "the item did not appear",
    )
    .await;

    // Team: add the rep.
    choose(
        &client,
        "[data-testid=team-user]",
        &tenants.a.rep_id.0.to_string(),
    )
    .await;
    click(&client, "[data-testid=team-add]").await;
    wait_xpath(
        &client,
        "//section[@id='deal-team']//li[contains(normalize-space(), 'Rep Alpha')]",
        "the member did not appear",
    )
    .await;

    // Stage menu: won without a reason shows the error in place; with it the page reloads.
    choose(&client, "#stage-choice", &won).await;
    click(&client, "[data-testid=stage-submit]").await;
    wait_for(&client, "#won_reason-error").await;
    fill(&client, "#won-reason", "Fastest install date").await;
    click(&client, "[data-testid=stage-submit]").await;
    wait_xpath(
        &client,
        "//*[@data-testid='deal-status'][normalize-space()='Won']",
        "the deal did not close",
    )
    .await;
    wait_for(&client, "[data-testid=won-reason-shown]").await;
    wait_for(&client, "[data-testid=reopen]").await;
    client.close().await.unwrap_or_else(|err| panic!("{err}"));
}

#[tokio::test]
async fn bulk_stage_change_from_the_list() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let proposal = app
        .blocking(move |db| stage_id(&db, tenant, "Proposal"))
        .await
        .to_string();
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.admin_email, PASSWORD).await;
    wait_for(&client, "h1").await;
    client
        .goto(&format!("{}/deals", app.base_url))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    click(&client, "#records tbody input[name=ids]").await;
    choose(&client, "#bulk-stage", &proposal).await;
    click(&client, "[data-testid=bulk-stage]").await;
    wait_xpath(
        &client,
        "//*[@data-testid='toast'][contains(., 'Moved 1 deal')]",
        "no toast",
    )
    .await;
    wait_xpath(
        &client,
        "//table[@id='records']//td[normalize-space()='Proposal']",
        "the list did not reload with the new stage",
    )
    .await;
    client.close().await.unwrap_or_else(|err| panic!("{err}"));
}
