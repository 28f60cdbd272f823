//! The lists in a real browser: search, sort, paging and columns update the table in place
//! (htmx) with the address bar following; bulk actions with the toast and undo; the command
//! palette from the keyboard.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

use super::helpers;
use crate::support::browser::{self, click, fill, sign_in, wait_for};
use crate::support::{PASSWORD, TestApp, TwoTenants};

async fn url_of(client: &Client) -> String {
    client
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default()
}

async fn count(client: &Client, css: &str) -> usize {
    client
        .find_all(Locator::Css(css))
        .await
        .map(|found| found.len())
        .unwrap_or_default()
}

async fn text(client: &Client, css: &str) -> String {
    wait_for(client, css).await.text().await.unwrap_or_default()
}

#[tokio::test]
async fn search_sort_paging_and_columns_update_the_table_and_the_url() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| helpers::many_companies(&db, tenant, "Zeta", 60, None))
        .await;
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.admin_email, PASSWORD).await;
    wait_for(&client, "h1").await;
    client
        .goto(&format!("{}/companies?per=25", app.base_url))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_for(&client, "#records tbody tr").await;
    assert_eq!(count(&client, "#records tbody tr").await, 25);

    // Typing searches as you go; the URL follows.
    fill(&client, "#list-q", "zeta 05").await;
    wait_for(&client, "#list-results [data-canonical*='q=zeta+05']").await;
    assert!(
        url_of(&client).await.contains("q=zeta+05"),
        "{}",
        url_of(&client).await
    );
    let names = client
        .find_all(Locator::Css("#records .record-link"))
        .await
        .unwrap_or_default();
    let mut shown = Vec::new();
    for name in names {
        shown.push(name.text().await.unwrap_or_default());
    }
    assert!(
        shown.contains(&"Zeta 050".to_owned()) && shown.contains(&"Zeta 059".to_owned()),
        "{shown:?}"
    );

    // Remove the search with its chip, sort by name descending by clicking the header.
    click(&client, "[data-testid=filter-chip] .chip-remove").await;
    wait_for(&client, "#list-results[hx-get='/companies?per=25']").await;
    click(&client, "th[data-col=name] a").await;
    wait_for(&client, "th[data-col=name][aria-sort=descending]").await;
    assert_eq!(
        text(&client, "#records tbody tr .record-link").await,
        "Zeta 060"
    );
    assert!(url_of(&client).await.contains("sort=-name"));

    // Next and back, in place.
    click(&client, "[data-testid=next]").await;
    wait_for(&client, "#list-results [data-canonical*='after=']").await;
    assert_eq!(
        text(&client, "#records tbody tr .record-link").await,
        "Zeta 035"
    );
    assert!(url_of(&client).await.contains("after="));
    click(&client, "[data-testid=prev]").await;
    wait_for(
        &client,
        "#list-results[hx-get='/companies?sort=-name&per=25']",
    )
    .await;
    assert_eq!(
        text(&client, "#records tbody tr .record-link").await,
        "Zeta 060"
    );

    // The column chooser: drop the domain column. The filter panel: a city. (Back at the
    // top first: WebDriver would scroll the toolbar under the sticky top bar.)
    client
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    click(&client, "[data-testid=columns-menu] summary").await;
    click(&client, "input[name=cols][value=domain]").await;
    wait_for(&client, "#list-results [data-canonical*='cols=']").await;
    assert_eq!(count(&client, "#records th[data-col=domain]").await, 0);
    assert_eq!(count(&client, "#records th[data-col=name]").await, 1);
    click(&client, "[data-testid=filters-menu] summary").await;
    fill(&client, "#f-city", "Denver").await;
    click(&client, "[data-testid=filters-menu] button[type=submit]").await;
    wait_for(&client, "[data-testid=filter-chip]").await;
    assert_eq!(
        text(&client, "[data-testid=list-count]").await,
        "30 companies"
    );
    assert!(url_of(&client).await.contains("city=Denver"));
    // The export link follows the view.
    let export = wait_for(&client, "[data-testid=export]")
        .await
        .attr("href")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    assert!(
        export.contains("city=Denver") && export.contains("sort=-name"),
        "{export}"
    );

    // A reload of the address shows the same view.
    client.refresh().await.unwrap_or_else(|err| panic!("{err}"));
    wait_for(&client, "[data-testid=filter-chip]").await;
    assert_eq!(count(&client, "#records th[data-col=domain]").await, 0);
    client.close().await.unwrap_or_else(|err| panic!("{err}"));
}

#[tokio::test]
async fn bulk_owner_change_and_delete_with_undo() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| helpers::many_companies(&db, tenant, "Zeta", 4, None))
        .await;
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.admin_email, PASSWORD).await;
    wait_for(&client, "h1").await;
    client
        .goto(&format!(
            "{}/companies?q=zeta&sort=name&cols=name,owner",
            app.base_url
        ))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_for(&client, "#records tbody tr").await;
    assert_eq!(count(&client, "#records tbody tr").await, 4);

    click(&client, "[data-select-all]").await;
    assert_eq!(text(&client, "[data-bulk-count]").await, "4 selected");
    let owner = wait_for(&client, "#bulk-owner").await;
    owner
        .select_by_value(&tenants.a.rep_id.0.to_string())
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    click(&client, "[data-testid=bulk-owner]").await;
    assert_eq!(
        text(&client, "[data-testid=toast]").await,
        "Changed the owner of 4 companies."
    );
    // The table reloads itself with the new owners.
    wait_for(&client, "#records tbody tr:nth-child(4) td:nth-child(3)").await;
    client
        .wait()
        .for_element(Locator::XPath(
            "//table[@id='records']//tr[4]/td[3][normalize-space()='Rep Alpha']",
        ))
        .await
        .unwrap_or_else(|err| panic!("owners did not refresh: {err}"));

    // Delete two, then undo from the toast.
    click(&client, "#records tbody tr:nth-child(1) input[name=ids]").await;
    click(&client, "#records tbody tr:nth-child(2) input[name=ids]").await;
    assert_eq!(text(&client, "[data-bulk-count]").await, "2 selected");
    click(&client, "[data-testid=bulk-delete]").await;
    wait_for(&client, "[data-testid=undo]").await;
    client
        .wait()
        .for_element(Locator::XPath(
            "//span[@data-testid='list-count'][normalize-space()='2 companies']",
        ))
        .await
        .unwrap_or_else(|err| panic!("rows were not removed: {err}"));
    click(&client, "[data-testid=undo]").await;
    client
        .wait()
        .for_element(Locator::XPath(
            "//div[@data-testid='toast']/span[normalize-space()='Restored 2 companies.']",
        ))
        .await
        .unwrap_or_else(|err| panic!("no restore toast: {err}"));
    client
        .wait()
        .for_element(Locator::XPath(
            "//span[@data-testid='list-count'][normalize-space()='4 companies']",
        ))
        .await
        .unwrap_or_else(|err| panic!("rows did not come back: {err}"));
    client.close().await.unwrap_or_else(|err| panic!("{err}"));
}

#[tokio::test]
async fn the_command_palette_finds_records_from_the_keyboard() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = browser::browser().await;
    sign_in(&client, &app.base_url, &tenants.a.admin_email, PASSWORD).await;
    wait_for(&client, "h1").await;

    // Ctrl-K opens it; typing finds companies, contacts, deals and leads.
    let keys = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down {
            value: Key::Control.into(),
        })
        .then(KeyAction::Down { value: 'k' })
        .then(KeyAction::Up { value: 'k' })
        .then(KeyAction::Up {
            value: Key::Control.into(),
        });
    client
        .perform_actions(keys)
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    let input = wait_for(&client, "dialog#palette[open] #palette-input").await;
    input
        .send_keys("alpha windows")
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_for(&client, ".palette-item").await;
    let groups = client
        .find_all(Locator::Css(".palette-group"))
        .await
        .unwrap_or_default();
    let mut labels = Vec::new();
    for group in groups {
        labels.push(group.text().await.unwrap_or_default().to_lowercase());
    }
    assert_eq!(labels, ["companies", "deals"]);
    // The first result is selected; arrows move; Enter opens the selected one.
    wait_for(
        &client,
        ".palette-list:nth-of-type(1) .palette-item[aria-selected=true]",
    )
    .await;
    input
        .send_keys(&Key::Down.to_string())
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_for(
        &client,
        ".palette-list:nth-of-type(2) .palette-item[aria-selected=true]",
    )
    .await;
    input
        .send_keys(&Key::Up.to_string())
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_for(
        &client,
        ".palette-list:nth-of-type(1) .palette-item[aria-selected=true]",
    )
    .await;
    input
        .send_keys(&Key::Enter.to_string())
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    client
        .wait()
        .for_element(Locator::XPath(
            "//h1[@data-testid='record-name'][normalize-space()='Alpha Windows Customer']",
        ))
        .await
        .unwrap_or_else(|err| panic!("Enter did not open the company: {err}"));

    // "/" opens it too (outside text fields), and a contact is found by email.
    client
        .goto(&format!("{}/companies", app.base_url))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_for(&client, "#records").await;
    wait_for(&client, "body")
        .await
        .send_keys("/")
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    let input = wait_for(&client, "dialog#palette[open] #palette-input").await;
    input
        .send_keys("casey@alpha")
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_for(&client, ".palette-item a[href^='/contacts/']").await;
    input
        .send_keys(&Key::Enter.to_string())
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    client
        .wait()
        .for_element(Locator::XPath(
            "//h1[@data-testid='record-name'][normalize-space()='Casey Alphason']",
        ))
        .await
        .unwrap_or_else(|err| panic!("Enter did not open the contact: {err}"));
    assert!(
        url_of(&client)
            .await
            .ends_with(&format!("/contacts/{}", tenants.a.contact_id))
    );
    client.close().await.unwrap_or_else(|err| panic!("{err}"));
}
