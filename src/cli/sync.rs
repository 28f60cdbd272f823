//! `rapport sync <source> <model|all> [--tenant slug] [options]`: runs a sync in the
//! foreground with a progress bar and prints the run's summary; `rapport sync --list`
//! lists sources and models with their last run. Same runner and options as the
//! dashboard.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use tokio_util::sync::CancellationToken;

use crate::cli::database;
use crate::config::Settings;
use crate::db::{Db, TenantScope};
use crate::domain::counts::group_thousands;
use crate::domain::ids::TenantId;
use crate::domain::tenants;
use crate::sync::live::RunEvent;
use crate::sync::options::SyncOptionsInput;
use crate::sync::runner::{self, RunRequest};
use crate::sync::runs::{self, NewRun, RunStatus, SyncRun, Trigger};
use crate::sync::{registry, start, store};

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// List sources and models with their last run, and exit.
    #[arg(long)]
    list: bool,
    /// The source (`demo`, `file`, `hubspot`, `callrail`).
    #[arg(required_unless_present = "list")]
    source: Option<String>,
    /// A model of the source (`contacts`), or `all`.
    #[arg(required_unless_present = "list")]
    model: Option<String>,
    /// The tenant's slug (may be left out when there is only one tenant).
    #[arg(long)]
    tenant: Option<String>,
    /// Overwrite local records even when unchanged (and fields edited in Rapport).
    #[arg(long)]
    force: bool,
    /// Ignore the stored cursor and fetch everything.
    #[arg(long)]
    full: bool,
    /// Fetch records changed since this date (YYYY-MM-DD) instead of the cursor.
    #[arg(long)]
    since: Option<String>,
    /// Fetch and validate, write nothing, report what would change.
    #[arg(long)]
    dry_run: bool,
    /// Stop after this many records.
    #[arg(long)]
    max_records: Option<String>,
    /// Records stored per transaction (default 500).
    #[arg(long)]
    batch_size: Option<String>,
    /// Keep a verbose log with the run (shown on its page).
    #[arg(long)]
    debug: bool,
}

pub async fn run(settings: Settings, args: SyncArgs) -> anyhow::Result<()> {
    let settings = Arc::new(settings);
    let database = database::open(&settings).await?;
    let result = async {
        database::migrate(&database.url).await?;
        let db = database.pool(&settings)?;
        let tenant = resolve_tenant(&db, args.tenant.clone()).await?;
        if args.list {
            list(&db, tenant).await
        } else {
            sync(&db, &settings, tenant, &args).await
        }
    }
    .await;
    let finished = database.finish();
    result?;
    finished
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(work).await?
}

async fn resolve_tenant(db: &Db, slug: Option<String>) -> anyhow::Result<TenantId> {
    let db = db.clone();
    blocking(move || {
        db.system_blocking(|conn| -> anyhow::Result<TenantId> {
            match slug {
                Some(slug) => Ok(tenants::find_by_slug(conn, &slug)?
                    .with_context(|| format!("no tenant `{slug}`"))?
                    .id),
                None => {
                    let all = tenants::list_all(conn)?;
                    match all.as_slice() {
                        [only] => Ok(only.id),
                        [] => {
                            bail!("there are no tenants yet: create one with `rapport user create`")
                        }
                        many => bail!(
                            "there are {} tenants: choose one with --tenant ({})",
                            many.len(),
                            many.iter()
                                .map(|t| t.slug.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    }
                }
            }
        })
    })
    .await
}

async fn list(db: &Db, tenant: TenantId) -> anyhow::Result<()> {
    let db = db.clone();
    let scope = TenantScope::service(tenant.0);
    let (latest, models) = blocking(move || {
        db.tenant_blocking(&scope, |conn| -> anyhow::Result<_> {
            Ok((
                runs::latest_per_model(conn, None)?,
                store::all_models(conn)?,
            ))
        })
    })
    .await?;
    for connector in registry::all() {
        let info = connector.info();
        println!("{}  {} — {}", info.id, info.name, info.description);
        for model in connector.models() {
            let last = latest
                .iter()
                .find(|run| run.source == info.id && run.model == model.id);
            let count = models
                .iter()
                .find(|state| state.source == info.id && state.model == model.id)
                .map_or(0, |state| state.record_count);
            let last = match last {
                Some(run) => format!(
                    "last run #{} {} {} ({} processed)",
                    run.id,
                    run.status,
                    run.finished_at
                        .or(run.started_at)
                        .map_or("—".to_owned(), |at| at
                            .format("%Y-%m-%d %H:%M UTC")
                            .to_string()),
                    group_thousands(run.processed)
                ),
                None => "never synced".to_owned(),
            };
            println!(
                "    {:<18} {:>12} records   {last}",
                model.id,
                group_thousands(count)
            );
        }
    }
    Ok(())
}

async fn sync(
    db: &Db,
    settings: &Arc<Settings>,
    tenant: TenantId,
    args: &SyncArgs,
) -> anyhow::Result<()> {
    let source = args.source.clone().unwrap_or_default();
    let model_arg = args.model.clone().unwrap_or_default();
    let connector = registry::get(&source).with_context(|| {
        let known: Vec<&str> = registry::all().iter().map(|c| c.info().id).collect();
        format!("unknown source `{source}` (known: {})", known.join(", "))
    })?;
    let models = start::models_for(connector, &model_arg).with_context(|| {
        let known: Vec<&str> = connector.models().iter().map(|m| m.id).collect();
        format!(
            "{} has no model `{model_arg}` (known: {}, or all)",
            connector.info().name,
            known.join(", ")
        )
    })?;
    let input = SyncOptionsInput {
        force: args.force,
        full: args.full,
        since: args.since.clone(),
        dry_run: args.dry_run,
        max_records: args.max_records.clone(),
        batch_size: args.batch_size.clone(),
        debug: args.debug,
    };
    let options = input.validate(chrono::Utc::now()).map_err(|errors| {
        let messages: Vec<String> = errors
            .iter()
            .map(|(field, message)| format!("--{}: {message}", field.replace('_', "-")))
            .collect();
        anyhow::anyhow!("{}", messages.join("\n"))
    })?;
    let cancel = CancellationToken::new();
    {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\nStopping at the next batch…");
                cancel.cancel();
            }
        });
    }
    let stale_after = Duration::from_secs(settings.job_stale_secs.max(2));
    let worker = format!("cli pid {}", std::process::id());
    let mut failures = 0;
    for model in models {
        if cancel.is_cancelled() {
            break;
        }
        let db_create = db.clone();
        let scope = TenantScope::service(tenant.0);
        let (source_id, model_id, create_options, create_worker) =
            (source.clone(), model.id, options.clone(), worker.clone());
        let created = blocking(move || {
            db_create.tenant_blocking(&scope, |conn| -> anyhow::Result<_> {
                Ok(runs::create(
                    conn,
                    &NewRun {
                        tenant_id: tenant,
                        source: &source_id,
                        model: model_id,
                        trigger: Trigger::Cli,
                        requested_by: None,
                        options: &create_options,
                    },
                    true,
                    Some(&create_worker),
                    stale_after,
                )?)
            })
        })
        .await?;
        let run = match created {
            Ok(run) => run,
            Err(active) => {
                eprintln!(
                    "A sync of {source} {} is already running: run #{active} ({}/sync/runs/{active}). Stop it first, or wait.",
                    model.id,
                    settings.display_url()
                );
                failures += 1;
                continue;
            }
        };
        println!(
            "Syncing {source} {} ({}) — run #{}",
            model.id,
            options.describe(),
            run.id
        );
        let bar = progress_bar();
        let drawn = bar.clone();
        let finished = runner::execute(RunRequest {
            db: db.clone(),
            settings: settings.clone(),
            run,
            cancel: cancel.child_token(),
            on_progress: Some(Arc::new(move |event: &RunEvent| draw(&drawn, event))),
        })
        .await?;
        bar.finish_and_clear();
        print_summary(db, tenant, &finished, settings).await?;
        if matches!(finished.status(), RunStatus::Failed | RunStatus::Cancelled) {
            failures += 1;
        }
    }
    if failures > 0 {
        bail!("{failures} sync(s) did not finish");
    }
    Ok(())
}

fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn draw(bar: &ProgressBar, event: &RunEvent) {
    if let Some(total) = event.expected_total {
        bar.set_length(total.max(0) as u64);
    }
    bar.set_position(event.processed.max(0) as u64);
    bar.set_message(format!(
        "{} created, {} updated, {} unchanged, {} failed{}",
        event.created,
        event.updated,
        event.unchanged,
        event.failed,
        event
            .records_per_second()
            .map_or(String::new(), |rate| format!(" · {rate:.0}/s"))
    ));
}

async fn print_summary(
    db: &Db,
    tenant: TenantId,
    run: &SyncRun,
    settings: &Settings,
) -> anyhow::Result<()> {
    println!(
        "Run #{} {}: {} processed · {} created · {} updated · {} unchanged · {} deleted · {} failed",
        run.id,
        run.status.to_uppercase(),
        group_thousands(run.processed),
        group_thousands(run.created),
        group_thousands(run.updated),
        group_thousands(run.unchanged),
        group_thousands(run.deleted),
        group_thousands(run.failed)
    );
    println!(
        "  {:.1} s · {} records/s · {} pages · {} requests · {} retries · {} rate-limit waits ({} ms)",
        run.duration_seconds().unwrap_or_default(),
        run.records_per_second()
            .map_or("—".to_owned(), |rate| format!("{rate:.0}")),
        run.pages,
        run.requests,
        run.retries,
        run.rate_limit_waits,
        run.rate_limit_wait_ms
    );
    if let Some(cursor) = &run.cursor_after {
        println!("  cursor: {cursor}");
    }
    if let Some(error) = &run.error_message {
        println!("  {error}");
    }
    if run.failed > 0 {
        let db = db.clone();
        let run_id = run.id;
        let scope = TenantScope::service(tenant.0);
        let errors = blocking(move || {
            db.tenant_blocking(&scope, |conn| -> anyhow::Result<_> {
                Ok(runs::errors(conn, run_id, 0, 10)?)
            })
        })
        .await?;
        println!("  first errors:");
        for error in errors {
            println!(
                "    {}: {}",
                error.source_id.as_deref().unwrap_or("(no id)"),
                error.reason
            );
        }
    }
    println!("  details: {}/sync/runs/{}", settings.display_url(), run.id);
    Ok(())
}
