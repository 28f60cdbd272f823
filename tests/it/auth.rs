//! Sign-in, sign-out, sessions and lockout.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use rapport::db::schema::{security_logs, sessions, users};
use reqwest::StatusCode;

use crate::support::app::location;
use crate::support::{PASSWORD, TestApp, TwoTenants};

#[tokio::test]
async fn signing_in_with_the_right_password_opens_the_home_page() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;

    let client = app.client();
    let response = client.sign_in(&tenants.a.admin_email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/");
    let session_cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("rapport_session="));
    let session_cookie = session_cookie.unwrap_or_else(|| panic!("no session cookie set"));
    assert!(
        session_cookie.contains("HttpOnly") && session_cookie.contains("SameSite=Lax"),
        "{session_cookie}"
    );
    assert!(
        !session_cookie.contains("Secure"),
        "plain-http test server must not set Secure"
    );

    let (status, page) = client.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.text("h1"), "Welcome back, Admin Alpha");
    assert_eq!(page.text(".tenant-name"), "Alpha Windows");

    let successes = app
        .blocking(move |db| {
            db.system_blocking(|conn| -> anyhow::Result<i64> {
                Ok(security_logs::table
                    .filter(security_logs::event.eq("login_success"))
                    .filter(security_logs::tenant_id.eq(tenants.a.tenant_id))
                    .count()
                    .get_result(conn)?)
            })
        })
        .await;
    assert_eq!(successes.ok(), Some(1));
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_the_email_kept() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;

    let client = app.client();
    let response = client
        .sign_in(&tenants.a.admin_email, "not the password")
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .all(|v| !v.to_str().unwrap_or("").starts_with("rapport_session="))
    );
    let page = crate::support::Page::parse(response.text().await.unwrap_or_default());
    assert_eq!(
        page.text("#login-error"),
        "That email and password don't match an account."
    );
    assert_eq!(
        page.attr("#email", "value").as_deref(),
        Some(tenants.a.admin_email.as_str())
    );
    assert_eq!(
        page.attr("#password", "value"),
        None,
        "the password is never echoed back"
    );

    // Still anonymous: the home page sends us to sign in.
    let home = client.get("/").await;
    assert_eq!(home.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&home), "/login?next=%2F");
}

#[tokio::test]
async fn an_unknown_email_is_refused_and_logged_without_a_tenant() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let response = client.sign_in("nobody@nowhere.test", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let logged = app
        .blocking(|db| {
            db.system_blocking(|conn| -> anyhow::Result<(Option<i64>, Option<String>)> {
                let row: (Option<i64>, Option<String>) = security_logs::table
                    .filter(security_logs::event.eq("login_failure"))
                    .select((security_logs::tenant_id, security_logs::email))
                    .first(conn)?;
                Ok(row)
            })
        })
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(logged, (None, Some("nobody@nowhere.test".to_owned())));
}

#[tokio::test]
async fn five_failures_lock_the_account_for_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let email = tenants.a.rep_email.clone();
    let client = app.client();

    for attempt in 1..=4 {
        let response = client.sign_in(&email, "wrong password").await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let fifth = client.sign_in(&email, "wrong password").await;
    assert_eq!(fifth.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = crate::support::Page::parse(fifth.text().await.unwrap_or_default());
    assert!(
        page.text("#login-error")
            .starts_with("Too many failed sign-ins. This account is locked for 1"),
        "{}",
        page.text("#login-error")
    );

    // Even the right password is refused while locked.
    let locked = client.sign_in(&email, PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);

    let (failures, lockouts, locked_until) = app
        .blocking(move |db| {
            db.system_blocking(
                |conn| -> anyhow::Result<(i64, i64, Option<chrono::DateTime<Utc>>)> {
                    let count = |conn: &mut PgConnection, event: &str| -> QueryResult<i64> {
                        security_logs::table
                            .filter(security_logs::user_id.eq(tenants.a.rep_id))
                            .filter(security_logs::event.eq(event))
                            .count()
                            .get_result(conn)
                    };
                    let until = users::table
                        .find(tenants.a.rep_id)
                        .select(users::locked_until)
                        .first(conn)?;
                    Ok((
                        count(conn, "login_failure")?,
                        count(conn, "lockout")?,
                        until,
                    ))
                },
            )
        })
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        failures, 6,
        "five wrong passwords and one attempt while locked"
    );
    assert_eq!(lockouts, 1);
    let until = locked_until.unwrap_or_else(|| panic!("the account is not locked"));
    let minutes = (until - Utc::now()).num_minutes();
    assert!((14..=15).contains(&minutes), "locked for {minutes} minutes");

    // When the lock has passed, the right password works again.
    let rep_id = tenants.a.rep_id;
    app.blocking(move |db| {
        db.system_blocking(|conn| -> anyhow::Result<usize> {
            Ok(diesel::update(users::table.find(rep_id))
                .set(users::locked_until.eq(Some(Utc::now() - Duration::seconds(1))))
                .execute(conn)?)
        })
    })
    .await
    .unwrap_or_else(|err| panic!("{err}"));
    let after = client.sign_in(&email, PASSWORD).await;
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn signing_out_revokes_the_session() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, _) = client.page("/").await;
    assert_eq!(status, StatusCode::OK);

    let response = client.post_form("/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login");
    let revoked = app
        .blocking(|db| {
            db.system_blocking(|conn| -> anyhow::Result<i64> {
                Ok(sessions::table
                    .filter(sessions::revoked_at.is_not_null())
                    .count()
                    .get_result(conn)?)
            })
        })
        .await;
    assert_eq!(revoked.ok(), Some(1));
    assert_eq!(client.get("/").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn idle_and_expired_sessions_are_not_accepted() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let client = app.login(&tenants.a.admin_email, PASSWORD).await;
    assert_eq!(client.get("/").await.status(), StatusCode::OK);

    // Idle for longer than the idle timeout (8 hours by default).
    app.blocking(|db| {
        db.system_blocking(|conn| -> anyhow::Result<usize> {
            Ok(diesel::update(sessions::table)
                .set(sessions::last_seen_at.eq(Utc::now() - Duration::hours(9)))
                .execute(conn)?)
        })
    })
    .await
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(client.get("/").await.status(), StatusCode::SEE_OTHER);

    // Active, but past its absolute expiry.
    let other = app.login(&tenants.a.admin_email, PASSWORD).await;
    app.blocking(|db| {
        db.system_blocking(|conn| -> anyhow::Result<usize> {
            Ok(diesel::update(sessions::table)
                .set(sessions::expires_at.eq(Utc::now() - Duration::seconds(1)))
                .execute(conn)?)
        })
    })
    .await
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(other.get("/").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn after_sign_in_only_local_paths_are_followed() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    for (next, expected) in [
        ("/settings/tokens", "/settings/tokens"),
        ("//evil.test/x", "/"),
        ("https://evil.test", "/"),
        ("/\\evil.test", "/"),
    ] {
        let client = app.client();
        client.page("/login").await;
        let response = client
            .post_form(
                "/login",
                &[
                    ("email", &tenants.a.admin_email),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(location(&response), expected, "next={next}");
    }
}
