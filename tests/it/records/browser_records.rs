//! Record pages in a real browser: inline edit of one field (save, error, Escape), tag
//! chips, attachments upload, and the deal contacts component with the record picker.

use fantoccini::key::Key;
use fantoccini::{Client, Locator};

use super::helpers;
use crate::support::browser::{self, click, fill, sign_in, wait_for};
use crate::support::{PASSWORD, TestApp, TwoTenants};

async fn text(client: &Client, css: &str) -> String {
    wait_for(client, css).await.text().await.unwrap_or_default()
}

async fn wait_xpath(client: &Client, xpath: &str, what: &str) {
    client
        .wait()
        .for_element(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|err| panic!("{what}: {err}"));
}

#[tokio::test]
async fn inline_edit_tags_and_attachments_on_the_company_page() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.admin_email, PASSWORD).await;
    wait_for(&client, "h1").await;
    client
        .goto(&format!(
            "{}/companies/{}",
            app.base_url, tenants.a.company_id
        ))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_for(&client, "[data-testid=record-name]").await;

    // Edit one field in place.
    click(&client, "button[data-edit=industry]").await;
    fill(&client, "#in-industry", "Solar installs").await;
    click(&client, "#field-industry button[type=submit]").await;
    wait_xpath(
        &client,
        "//span[@data-value='industry'][normalize-space()='Solar installs']",
        "the value did not update",
    )
    .await;

    // A bad value shows the message in place and keeps the input; Escape gives up.
    click(&client, "button[data-edit=employee_count]").await;
    fill(&client, "#in-employee_count", "loads").await;
    click(&client, "#field-employee_count button[type=submit]").await;
    assert_eq!(
        text(&client, "#field-employee_count .field-error").await,
        "Enter a whole number from 0 to 10000000."
    );
    let kept = wait_for(&client, "#in-employee_count")
        .await
        .prop("value")
        .await
        .ok()
        .flatten();
    assert_eq!(kept.as_deref(), Some("loads"));
    wait_for(&client, "#in-employee_count")
        .await
        .send_keys(&Key::Escape.to_string())
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_for(
        &client,
        "#field-employee_count:not(.editing) button[data-edit=employee_count]",
    )
    .await;

    // Tags: add by name, remove with ×.
    fill(&client, "[data-testid=record-tags] input[name=name]", "Hot").await;
    click(&client, "[data-testid=record-tags] button[type=submit]").await;
    wait_for(&client, "[data-testid=record-tags] .tag[data-tag=Hot]").await;
    click(
        &client,
        "[data-testid=record-tags] .tag[data-tag=Hot] .tag-remove",
    )
    .await;
    client
        .wait()
        .for_element(Locator::Css("[data-testid=record-tags] input[name=name]"))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_xpath(
        &client,
        "//div[@data-testid='record-tags'][not(.//span[@data-tag])]",
        "the tag was not removed",
    )
    .await;

    // Attachments: upload a real file through the form.
    let path = std::env::temp_dir().join(format!("rapport-upload-{}.txt", std::process::id()));
    std::fs::write(&path, b"site survey notes").unwrap_or_else(|err| panic!("{err}"));
    let input = wait_for(&client, "[data-testid=upload-form] input[type=file]").await;
    input
        .send_keys(&path.display().to_string())
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    click(&client, "[data-testid=upload-form] button[type=submit]").await;
    wait_for(&client, "[data-testid=attachments] .file-name").await;
    assert!(
        text(&client, "[data-testid=attachments] .file-name")
            .await
            .starts_with("rapport-upload-")
    );
    click(
        &client,
        "[data-testid=attachments] .file button[type=submit]",
    )
    .await;
    wait_xpath(
        &client,
        "//section[@data-testid='attachments']//p[@class='empty']",
        "the file was not deleted",
    )
    .await;
    let _ = std::fs::remove_file(&path);
    client.close().await.unwrap_or_else(|err| panic!("{err}"));
}

#[tokio::test]
async fn deal_contacts_are_added_changed_and_removed_in_place() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let (tenant, company) = (tenants.a.tenant_id, tenants.a.company_id);
    app.blocking(move |db| {
        helpers::contact(
            &db,
            tenant,
            "Morgan",
            "Buyer",
            Some("morgan@customer.test"),
            Some(company),
            None,
        )
    })
    .await;
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.admin_email, PASSWORD).await;
    wait_for(&client, "h1").await;
    client
        .goto(&format!(
            "{}/deals/{}/contacts",
            app.base_url, tenants.a.deal_id
        ))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_for(&client, "[data-testid=deal-contacts]").await;
    wait_for(&client, "[data-flag=single_threaded]").await;

    // Pick a contact by typing, choose a role, add.
    fill(
        &client,
        "[data-testid=add-deal-contact] [data-picker-input]",
        "morg",
    )
    .await;
    click(&client, "[data-testid=add-deal-contact] [data-pick-id]").await;
    let role = wait_for(&client, "[data-testid=add-deal-contact] select[name=role]").await;
    role.select_by_value("decision_maker")
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    click(
        &client,
        "[data-testid=add-deal-contact] button[type=submit]",
    )
    .await;
    wait_xpath(
        &client,
        "//section[@data-testid='deal-contacts']//tbody//a[normalize-space()='Morgan Buyer']",
        "the contact was not added",
    )
    .await;
    assert_eq!(
        client
            .find_all(Locator::Css("[data-flag=single_threaded]"))
            .await
            .map(|f| f.len())
            .unwrap_or(9),
        0
    );
    assert_eq!(
        client
            .find_all(Locator::Css("[data-flag=no_decision_maker]"))
            .await
            .map(|f| f.len())
            .unwrap_or(9),
        0
    );

    // Changing the role saves at once.
    let select = wait_for(&client, "tr:not(.primary-contact) select[name=role]").await;
    select
        .select_by_value("champion")
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_for(&client, "[data-flag=no_decision_maker]").await;
    assert_eq!(
        client
            .find_all(Locator::Css("[data-flag=no_champion]"))
            .await
            .map(|f| f.len())
            .unwrap_or(9),
        0
    );

    // Remove.
    click(
        &client,
        "tr:not(.primary-contact) [data-testid=remove-contact]",
    )
    .await;
    wait_for(&client, "[data-flag=single_threaded]").await;
    client.close().await.unwrap_or_else(|err| panic!("{err}"));
}
