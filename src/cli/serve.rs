//! `rapport serve`: migrate, seed the demo on a fresh local cluster, serve until Ctrl-C.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use tokio_util::sync::CancellationToken;

use crate::app::Application;
use crate::cli::database::{self, Database};
use crate::config::Settings;
use crate::db::Db;
use crate::domain::tenants;
use crate::jobs;
use crate::seed;

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let settings = Arc::new(settings);
    // One `serve` per local data directory: a second start says so instead of sharing it.
    let _lock = match settings.database_url {
        None => Some(acquire_serve_lock(&settings.data_dir, &settings.bind)?),
        Some(_) => None,
    };
    let database = database::open(&settings).await?;
    let served = serve(&settings, &database).await;
    let stopped = if database.is_local() {
        println!("Stopping the local PostgreSQL cluster…");
        database.stop()
    } else {
        database.finish()
    };
    served?;
    stopped
}

async fn serve(settings: &Arc<Settings>, database: &Database) -> anyhow::Result<()> {
    let applied = database::migrate(&database.url).await?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied migrations");
    }
    let db = database.pool(settings)?;
    if database.is_local() && no_tenants(&db).await? {
        println!("First start: loading demo data…");
        let seeding_db = db.clone();
        let summary = tokio::task::spawn_blocking(move || seed::demo(&seeding_db)).await??;
        println!("{summary}");
    }
    let demo_loaded = demo_present(&db).await?;
    let registry = Arc::new(jobs::kinds::registry()?);
    let app = Application::build(settings.clone(), db.clone())?;
    let shutdown = CancellationToken::new();
    spawn_signal_listener(shutdown.clone());
    let jobs = jobs::Runtime::start(
        db,
        settings.clone(),
        registry,
        jobs::WorkerConfig::from_settings(settings, settings.workers),
        Some(app.listener()),
        shutdown.clone(),
    );
    print_banner(settings, app.port(), demo_loaded);
    let served = app.run_until(shutdown.clone()).await;
    // The server can also stop on its own (an error): stop the workers with it.
    shutdown.cancel();
    jobs.join().await;
    served.context("the web server failed")?;
    println!("Rapport stopped.");
    Ok(())
}

async fn no_tenants(db: &Db) -> anyhow::Result<bool> {
    let db = db.clone();
    tokio::task::spawn_blocking(move || {
        db.system_blocking(|conn| -> anyhow::Result<bool> {
            Ok(tenants::list_all(conn)?.is_empty())
        })
    })
    .await?
}

async fn demo_present(db: &Db) -> anyhow::Result<bool> {
    let db = db.clone();
    tokio::task::spawn_blocking(move || {
        db.system_blocking(|conn| -> anyhow::Result<bool> {
            Ok(tenants::find_by_slug(conn, seed::DEMO_TENANT_SLUG)?.is_some())
        })
    })
    .await?
}

fn print_banner(settings: &Settings, port: u16, demo_loaded: bool) {
    let url = match &settings.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let host = settings
                .bind
                .rsplit_once(':')
                .map_or("127.0.0.1", |(host, _)| host);
            format!("http://{host}:{port}")
        }
    };
    println!();
    println!("  Rapport is running at {url}");
    if demo_loaded {
        println!();
        println!(
            "  Demo sign-ins (password `{}`; demo data only, never for real use):",
            seed::DEMO_PASSWORD
        );
        for (email, role) in seed::DEMO_LOGINS {
            println!("    {email:<22} {role}");
        }
    }
    println!();
    println!("  Press Ctrl-C to stop.");
    println!();
}

pub(crate) fn spawn_signal_listener(shutdown: CancellationToken) {
    tokio::spawn(async move {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::select! {
            result = tokio::signal::ctrl_c() => {
                if let Err(err) = result {
                    tracing::warn!(error = %err, "cannot listen for Ctrl-C");
                    return;
                }
            }
            () = terminate => {}
        }
        println!("\nShutting down…");
        shutdown.cancel();
    });
}

/// Holds `serve.lock` for the life of the process (the OS releases it if we die).
fn acquire_serve_lock(data_dir: &Path, bind: &str) -> anyhow::Result<File> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let path = data_dir.join("serve.lock");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    if file.try_lock().is_err() {
        let mut holder = String::new();
        // Only for the message: an unreadable lock file still means "already running".
        let _ = file.read_to_string(&mut holder);
        bail!(
            "Rapport is already running with the data directory {} ({}). Stop it first, or set \
             RAPPORT_DATA_DIR and RAPPORT_BIND to run a second, separate instance.",
            data_dir.display(),
            holder.trim()
        );
    }
    file.set_len(0)?;
    file.rewind()?;
    write!(file, "pid {} serving {bind}", std::process::id())?;
    file.flush()?;
    Ok(file)
}
