//! `rapport bench`: server-side render times of real pages against a (large) tenant.
//!
//! Requests go through the whole application in-process (middleware, session lookup,
//! queries, templates), signed in as the tenant's admin, so the figures are what the
//! server spends per page. Run it on a release build against `seed --scale large`.
//! Each area adds a suite: a function that picks the URLs worth timing.

mod analytics;
mod board;
mod home;
mod records;
mod stale;
mod sync;
pub mod sync_load;
mod timeline;

use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::test;
use anyhow::{Context, bail};
use chrono::Utc;
use diesel::PgConnection;

use crate::auth::tokens;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::ids::{TenantId, UserId};
use crate::domain::sessions::{self, NewSession};
use crate::domain::tenants;
use crate::web::identity::SESSION_COOKIE;
use crate::web::{self, AppState};

/// One page to time.
pub struct Target {
    pub label: String,
    pub path: String,
}

impl Target {
    pub fn new(label: impl Into<String>, path: impl Into<String>) -> Self {
        Target {
            label: label.into(),
            path: path.into(),
        }
    }
}

/// What a suite may use to choose its URLs (system scope: it sees every tenant).
pub struct SuiteContext<'a> {
    pub conn: &'a mut PgConnection,
    pub tenant_id: TenantId,
    pub admin_id: UserId,
}

pub struct Suite {
    pub name: &'static str,
    pub targets: fn(&mut SuiteContext<'_>) -> anyhow::Result<Vec<Target>>,
}

/// Every suite. Add yours here.
pub const SUITES: &[Suite] = &[
    Suite {
        name: "home",
        targets: home::targets,
    },
    Suite {
        name: "records",
        targets: records::targets,
    },
    Suite {
        name: "timeline",
        targets: timeline::targets,
    },
    Suite {
        name: "tasks",
        targets: timeline::task_targets,
    },
    Suite {
        name: "sync",
        targets: sync::targets,
    },
    Suite {
        name: "board",
        targets: board::targets,
    },
    Suite {
        name: "stale",
        targets: stale::targets,
    },
    Suite {
        name: "dashboard",
        targets: stale::dashboard_targets,
    },
    Suite {
        name: "analytics",
        targets: analytics::targets,
    },
];

/// A suite's name and the pages it chose.
type Plan = (&'static str, Vec<Target>);

pub struct Options {
    pub tenant: String,
    pub iterations: usize,
    pub suites: Vec<String>,
}

pub async fn run(settings: &Settings, db: Db, options: Options) -> anyhow::Result<()> {
    let selected: Vec<&Suite> = if options.suites.is_empty() {
        SUITES.iter().collect()
    } else {
        options
            .suites
            .iter()
            .map(|name| {
                SUITES
                    .iter()
                    .find(|suite| suite.name == name)
                    .with_context(|| {
                        let known: Vec<&str> = SUITES.iter().map(|suite| suite.name).collect();
                        format!("unknown suite `{name}` (known: {})", known.join(", "))
                    })
            })
            .collect::<anyhow::Result<_>>()?
    };
    let tenant_slug = options.tenant.clone();
    let planning_db = db.clone();
    let (cookie, plans) =
        tokio::task::spawn_blocking(move || -> anyhow::Result<(String, Vec<Plan>)> {
            planning_db.system_blocking(|conn| -> anyhow::Result<_> {
                let tenant = tenants::find_by_slug(conn, &tenant_slug)?.with_context(|| {
                    format!(
                        "no tenant `{tenant_slug}`: create one with `rapport seed --scale large`"
                    )
                })?;
                let admin_id = first_admin(conn, tenant.id)?;
                let token = tokens::random_token()?;
                sessions::create(
                    conn,
                    &NewSession {
                        tenant_id: tenant.id,
                        user_id: admin_id,
                        token_hash: &tokens::hash_token(&token),
                        csrf_token: &tokens::random_token()?,
                        expires_at: Utc::now() + chrono::Duration::hours(2),
                        user_agent: Some("rapport bench"),
                        ip: None,
                    },
                )?;
                let mut context = SuiteContext {
                    conn,
                    tenant_id: tenant.id,
                    admin_id,
                };
                let mut plans = Vec::new();
                for suite in selected {
                    plans.push((suite.name, (suite.targets)(&mut context)?));
                }
                Ok((token, plans))
            })
        })
        .await??;

    let state = AppState {
        listener: crate::db::listen::Listener::for_rapport(db.url()),
        db,
        settings: std::sync::Arc::new(settings.clone()),
    };
    let app = test::init_service(web::app(state)).await;
    println!(
        "{:<10} {:<34} {:>9} {:>9} {:>9} {:>9}",
        "suite", "page", "median", "p95", "max", "size"
    );
    for (suite, targets) in plans {
        for target in targets {
            let mut times = Vec::with_capacity(options.iterations);
            let mut size = 0;
            for round in 0..options.iterations + 3 {
                let request = test::TestRequest::get()
                    .uri(&target.path)
                    .cookie(actix_web::cookie::Cookie::new(
                        SESSION_COOKIE,
                        cookie.clone(),
                    ))
                    .to_request();
                let started = Instant::now();
                let response = test::call_service(&app, request).await;
                let status = response.status();
                let body = test::read_body(response).await;
                let elapsed = started.elapsed();
                if status != StatusCode::OK {
                    bail!(
                        "{} answered {status}: {}",
                        target.path,
                        String::from_utf8_lossy(&body)
                            .chars()
                            .take(300)
                            .collect::<String>()
                    );
                }
                size = body.len();
                if round >= 3 {
                    times.push(elapsed);
                }
            }
            times.sort();
            println!(
                "{suite:<10} {:<34} {:>9} {:>9} {:>9} {:>8}k",
                target.label,
                ms(percentile(&times, 50)),
                ms(percentile(&times, 95)),
                ms(times.last().copied().unwrap_or_default()),
                size / 1024
            );
        }
    }
    Ok(())
}

fn first_admin(conn: &mut PgConnection, tenant_id: TenantId) -> anyhow::Result<UserId> {
    use diesel::prelude::*;

    use crate::db::schema::users;
    Ok(users::table
        .filter(users::tenant_id.eq(tenant_id))
        .filter(users::role.eq("admin"))
        .order(users::id)
        .select(users::id)
        .first(conn)?)
}

fn percentile(sorted: &[Duration], pct: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) * pct).div_ceil(100);
    sorted[index.min(sorted.len() - 1)]
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}
