//! Analytics snapshots: a slow report is kept and shown "as of" when it was computed,
//! "Recompute now" refreshes it, the refresh job recomputes viewed reports (moving a
//! rolling range to the new day), and a snapshot never crosses visibility scopes.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use rapport::config::Settings;
use rapport::db::{Db, TenantScope, scope};
use rapport::domain::analytics::snapshots;
use rapport::domain::ids::TenantId;
use rapport::jobs::queue;
use rapport::jobs::{JobId, NewJob, Runtime, WorkerConfig};
use reqwest::StatusCode;
use tokio_util::sync::CancellationToken;

use super::fixture::{self, RANGE};
use crate::support::app::location;
use crate::support::{PASSWORD, TestApp, TwoTenants, wait};

/// Runs `work` as Rapport's system role (past every policy), as the tests' own checks do.
fn as_system<T>(db: &Db, work: impl FnOnce(&mut PgConnection) -> anyhow::Result<T>) -> T {
    let mut conn = db
        .conn()
        .unwrap_or_else(|err| panic!("no connection: {err}"));
    scope::as_system(&mut conn, work).unwrap_or_else(|err| panic!("{err:#}"))
}

/// Makes every kept report of the tenant look slow to compute (as on a large tenant).
fn pretend_slow(db: &Db, tenant: TenantId) {
    as_system(db, |conn| {
        diesel::sql_query("UPDATE analytics_snapshots SET compute_ms = 4000 WHERE tenant_id = $1")
            .bind::<BigInt, _>(tenant.0)
            .execute(conn)?;
        Ok(())
    })
}

/// Soft-deletes the fixture deal with this title.
fn delete_deal(db: &Db, tenant: TenantId, title: &str) {
    let title = title.to_owned();
    as_system(db, move |conn| {
        diesel::sql_query(
            "UPDATE deals SET deleted_at = now() WHERE tenant_id = $1 AND title = $2",
        )
        .bind::<BigInt, _>(tenant.0)
        .bind::<Text, _>(title)
        .execute(conn)?;
        Ok(())
    })
}

#[derive(QueryableByName)]
struct Kept {
    #[diesel(sql_type = Text)]
    scope_key: String,
    #[diesel(sql_type = Text)]
    filter_key: String,
}

fn kept(db: &Db, tenant: TenantId) -> Vec<(String, String)> {
    as_system(db, |conn| {
        let rows: Vec<Kept> = diesel::sql_query(
            "SELECT scope_key, filter_key FROM analytics_snapshots WHERE tenant_id = $1 \
             ORDER BY scope_key, filter_key",
        )
        .bind::<BigInt, _>(tenant.0)
        .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.scope_key, r.filter_key))
            .collect())
    })
}

async fn setup() -> (TestApp, TwoTenants) {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let a = tenants.a.clone();
    app.blocking(move |db| fixture::create(&db, &a)).await;
    (app, tenants)
}

#[tokio::test]
async fn a_slow_report_is_kept_until_recomputed() {
    let (app, tenants) = setup().await;
    let tenant = tenants.a.tenant_id;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page) = admin.page(&format!("/analytics?{RANGE}")).await;
    assert_eq!(page.text("[data-stat=won] .stat-value"), "3");
    // Quick to compute: shown live, not as a kept snapshot.
    assert!(!page.text("[data-testid=as-of]").contains("kept"));

    // The same report on a large tenant: kept, so a change shows only after a recompute.
    app.blocking(move |db| pretend_slow(&db, tenant)).await;
    app.blocking(move |db| delete_deal(&db, tenant, "D1")).await;
    let (_, page) = admin.page(&format!("/analytics?{RANGE}")).await;
    assert_eq!(page.text("[data-stat=won] .stat-value"), "3");
    assert!(
        page.text("[data-testid=as-of]")
            .contains("kept from an earlier computation")
    );
    assert!(page.exists("[data-testid=as-of] time[datetime]"));
    // The stage-duration API answers from the same snapshot and says when.
    let (status, body) = admin
        .get_json(&format!("/api/analytics/stage-duration?{RANGE}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["as_of"].is_string(), "{body}");

    // "Recompute now" posts the view's filters back, then shows the view.
    let pipeline = page
        .attr("[data-testid=recompute] input[name=pipeline]", "value")
        .unwrap_or_default();
    let response = admin
        .post_form(
            "/analytics/recompute",
            &[
                ("pipeline", pipeline.as_str()),
                ("owner", ""),
                ("team", ""),
                ("from", "2026-01-01"),
                ("to", "2026-06-30"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let back = location(&response);
    assert!(back.starts_with("/analytics?"), "{back}");
    let (_, page) = admin.page(&back).await;
    assert_eq!(page.text("[data-stat=won] .stat-value"), "2");
    assert!(!page.text("[data-testid=as-of]").contains("kept"));

    // Without the CSRF token the recompute is refused.
    let response = admin
        .post_form_raw("/analytics/recompute", &[("pipeline", pipeline.as_str())])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // Reps may not recompute either.
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let _ = rep.page("/").await;
    let response = rep
        .post_form("/analytics/recompute", &[("pipeline", pipeline.as_str())])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_snapshot_is_never_shown_to_another_scope() {
    let (app, tenants) = setup().await;
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| crate::board::set_visibility(&db, tenant, "own"))
        .await;
    // The admin sees every deal; the report is kept as slow.
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (_, page) = admin.page(&format!("/analytics?{RANGE}")).await;
    assert_eq!(page.text("[data-stat=won] .stat-value"), "3");
    app.blocking(move |db| pretend_slow(&db, tenant)).await;

    // The manager (no team, `own` mode) owns none of them: same filters, own figures.
    let manager = app.login("manager@alpha.test", PASSWORD).await;
    let (status, page) = manager.page(&format!("/analytics?{RANGE}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.text("[data-stat=won] .stat-value"), "0");
    let snapshots = app.blocking(move |db| kept(&db, tenant)).await;
    assert_eq!(snapshots.len(), 2, "{snapshots:?}");
    assert_eq!(snapshots[0].0, "all");
    assert!(snapshots[1].0.starts_with("owners:"), "{snapshots:?}");

    // Even in SQL, the manager's scope reads only its own snapshot, and cannot write one
    // for another scope.
    let manager_id: i64 = app
        .blocking(move |db| {
            as_system(&db, move |conn| {
                use rapport::db::schema::users;
                Ok(users::table
                    .filter(users::email.eq("manager@alpha.test"))
                    .select(users::id)
                    .first(conn)?)
            })
        })
        .await;
    let scope = TenantScope {
        tenant_id: tenant.0,
        user_id: Some(manager_id),
        role: "manager".to_owned(),
        team_id: None,
    };
    let (visible, forged) = app
        .blocking(move |db| {
            db.tenant_blocking(&scope, |conn| {
                let visible: Vec<Kept> =
                    diesel::sql_query("SELECT scope_key, filter_key FROM analytics_snapshots")
                        .load(conn)?;
                // In a savepoint, so the refusal leaves the transaction usable.
                let forged = conn.transaction(|conn| {
                    diesel::sql_query(
                        "INSERT INTO analytics_snapshots (tenant_id, scope_key, filter_key, \
                         filters, report, computed_at, compute_ms) \
                         VALUES ($1, 'all', 'forged', '{}', '{}', now(), 9999)",
                    )
                    .bind::<BigInt, _>(tenant.0)
                    .execute(conn)
                });
                Ok::<_, anyhow::Error>((visible, forged.is_err()))
            })
            .unwrap_or_else(|err| panic!("{err:#}"))
        })
        .await;
    assert_eq!(visible.len(), 1);
    assert!(visible[0].scope_key.starts_with("owners:"));
    assert!(forged, "a manager wrote a snapshot for the 'all' scope");

    // Another tenant's admin, with A's pipeline id in the URL, gets nothing of A's.
    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    let (_, page) = other.page(&format!("/analytics?{RANGE}")).await;
    assert_eq!(page.text("[data-stat=won] .stat-value"), "0");
}

#[tokio::test]
async fn the_refresh_job_recomputes_viewed_reports_and_moves_rolling_ranges() {
    let (app, tenants) = setup().await;
    let tenant = tenants.a.tenant_id;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    // One fixed range and the rolling default (the last twelve months).
    let (_, page) = admin.page(&format!("/analytics?{RANGE}")).await;
    assert_eq!(page.text("[data-stat=won] .stat-value"), "3");
    let (_, _) = admin.page("/analytics").await;
    // A manager who sees only their own deals has a snapshot of their own scope.
    app.blocking(move |db| crate::board::set_visibility(&db, tenant, "own"))
        .await;
    let manager = app.login("manager@alpha.test", PASSWORD).await;
    let (status, _) = manager.page(&format!("/analytics?{RANGE}")).await;
    assert_eq!(status, StatusCode::OK);
    app.blocking(move |db| pretend_slow(&db, tenant)).await;
    app.blocking(move |db| delete_deal(&db, tenant, "D3")).await;

    // Nothing is due yet: both were computed moments ago.
    let run = |at: chrono::DateTime<Utc>| {
        move |db: Db| snapshots::run_job(&db, tenant, at).unwrap_or_else(|err| panic!("{err:#}"))
    };
    let done = app.blocking(run(Utc::now())).await;
    assert_eq!(done.recomputed, 0);
    let (_, page) = admin.page(&format!("/analytics?{RANGE}")).await;
    assert_eq!(page.text("[data-stat=won] .stat-value"), "3");

    // Ten minutes on, both are recomputed and the fixed range shows the change.
    let later = Utc::now() + Duration::minutes(10);
    let done = app.blocking(run(later)).await;
    assert_eq!(done.recomputed, 2);
    let (_, page) = admin.page(&format!("/analytics?{RANGE}")).await;
    assert_eq!(page.text("[data-stat=won] .stat-value"), "2");

    // Two days on, the rolling report is recomputed for the new day's range and replaces
    // the old one; the fixed range stays under its own key.
    // (A recompute records the real, quick time: pretend again.)
    app.blocking(move |db| pretend_slow(&db, tenant)).await;
    let before = app.blocking(move |db| kept(&db, tenant)).await;
    let in_two_days = Utc::now() + Duration::days(2);
    let done = app.blocking(run(in_two_days)).await;
    assert_eq!(done.recomputed, 2);
    let after = app.blocking(move |db| kept(&db, tenant)).await;
    assert_eq!(after.len(), 3, "{after:?}");
    // The job has no session of the manager's: their snapshot waits for their next view.
    assert_eq!(
        after
            .iter()
            .filter(|(scope, _)| scope.starts_with("owners:"))
            .count(),
        1
    );
    let today = in_two_days.date_naive().to_string();
    assert!(
        after
            .iter()
            .any(|(_, key)| key.contains(&format!("..{today}"))),
        "{after:?}"
    );
    assert!(
        after
            .iter()
            .any(|(_, key)| key.contains("2026-01-01..2026-06-30"))
    );
    assert_ne!(before, after);

    // Nobody looks for a week: the job drops them, the manager's scope's too.
    let done = app.blocking(run(Utc::now() + Duration::days(9))).await;
    assert_eq!((done.dropped, done.recomputed), (3, 0));
    assert!(app.blocking(move |db| kept(&db, tenant)).await.is_empty());
}

#[tokio::test]
async fn the_queued_job_drops_week_old_snapshots_of_every_scope() {
    let (app, tenants) = setup().await;
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| crate::board::set_visibility(&db, tenant, "own"))
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    admin.page(&format!("/analytics?{RANGE}")).await;
    let manager = app.login("manager@alpha.test", PASSWORD).await;
    manager.page(&format!("/analytics?{RANGE}")).await;
    let scopes = app.blocking(move |db| kept(&db, tenant)).await;
    assert_eq!(scopes.len(), 2, "an admin's and a manager's: {scopes:?}");
    app.blocking(move |db| {
        as_system(&db, |conn| {
            diesel::sql_query(
                "UPDATE analytics_snapshots SET last_viewed_at = now() - interval '8 days' \
                 WHERE tenant_id = $1",
            )
            .bind::<BigInt, _>(tenant.0)
            .execute(conn)?;
            Ok(())
        })
    })
    .await;

    // Through the queue, as the scheduler enqueues it.
    let registry = rapport::jobs::kinds::registry().unwrap_or_else(|err| panic!("{err:#}"));
    let db = app.pool.clone();
    let settings = Arc::new(Settings::for_database(db.url().to_owned()));
    let shutdown = CancellationToken::new();
    let runtime = Runtime::start(
        db.clone(),
        settings.clone(),
        Arc::new(registry),
        WorkerConfig::from_settings(&settings, 1),
        Some(rapport::db::listen::Listener::for_rapport(db.url())),
        shutdown.clone(),
    );
    let id = app
        .blocking(move |db| {
            db.system_blocking(|conn| -> anyhow::Result<JobId> {
                Ok(queue::enqueue(
                    conn,
                    &NewJob::new(snapshots::JOB_KIND, serde_json::json!({})).for_tenant(tenant),
                )?
                .id())
            })
            .unwrap_or_else(|err| panic!("{err:#}"))
        })
        .await;
    wait::until(
        "the refresh job to succeed",
        StdDuration::from_secs(20),
        || {
            let db = db.clone();
            async move {
                let status = tokio::task::spawn_blocking(move || {
                    db.system_blocking(|conn| -> anyhow::Result<_> { Ok(queue::find(conn, id)?) })
                })
                .await
                .ok()?
                .ok()??
                .status;
                (status == "succeeded").then_some(())
            }
        },
    )
    .await;
    shutdown.cancel();
    runtime.join().await;
    assert!(app.blocking(move |db| kept(&db, tenant)).await.is_empty());
}
