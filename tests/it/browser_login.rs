//! The sign-in flow in a real browser.

use crate::support::browser::{self, click, fill, sign_in, wait_for};
use crate::support::{PASSWORD, TestApp, TwoTenants};

#[tokio::test]
async fn signing_in_and_out_in_a_real_browser() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = browser::browser().await;

    // A signed-out visit to an admin page goes to sign-in, then back to that page.
    client
        .goto(&format!("{}/admin/users", app.base_url))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    wait_for(&client, "form[action='/login']").await;
    assert!(
        client
            .current_url()
            .await
            .map(|url| url.to_string())
            .unwrap_or_default()
            .contains("/login?next=%2Fadmin%2Fusers")
    );

    // A wrong password shows the error and keeps the email.
    fill(&client, "#email", &tenants.a.admin_email).await;
    fill(&client, "#password", "not it").await;
    click(&client, "form[action='/login'] button[type=submit]").await;
    let error = wait_for(&client, "#login-error").await;
    assert_eq!(
        error.text().await.unwrap_or_default(),
        "That email and password don't match an account."
    );
    let kept = wait_for(&client, "#email")
        .await
        .prop("value")
        .await
        .unwrap_or_default();
    assert_eq!(kept.as_deref(), Some(tenants.a.admin_email.as_str()));

    fill(&client, "#password", PASSWORD).await;
    click(&client, "form[action='/login'] button[type=submit]").await;
    let heading = wait_for(&client, "#users").await;
    assert!(
        heading
            .text()
            .await
            .unwrap_or_default()
            .contains("rep@alpha.test")
    );

    // The theme toggle switches to light and remembers it.
    click(&client, "[data-theme-toggle]").await;
    let theme = client
        .find(fantoccini::Locator::Css("html"))
        .await
        .unwrap_or_else(|err| panic!("{err}"))
        .attr("data-theme")
        .await
        .unwrap_or_default();
    assert_eq!(theme.as_deref(), Some("light"));
    client.refresh().await.unwrap_or_else(|err| panic!("{err}"));
    wait_for(&client, "html[data-theme=light]").await;

    click(&client, "[data-testid=sign-out]").await;
    let flash = wait_for(&client, ".flash-info").await;
    assert_eq!(
        flash.text().await.unwrap_or_default(),
        "You have signed out."
    );

    // And a fresh sign-in lands on the home page.
    sign_in(&client, &app.base_url, &tenants.b.admin_email, PASSWORD).await;
    let heading = wait_for(&client, "h1").await;
    assert_eq!(
        heading.text().await.unwrap_or_default(),
        "Welcome back, Admin Bravo"
    );
    client.close().await.unwrap_or_else(|err| panic!("{err}"));
}
