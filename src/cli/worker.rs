//! `rapport worker`: runs job workers (and the scheduler and stuck-job recovery) without a
//! web server, so several processes or machines can share one database.

use std::sync::Arc;

use anyhow::bail;
use tokio_util::sync::CancellationToken;

use crate::cli::database;
use crate::cli::serve::spawn_signal_listener;
use crate::config::Settings;
use crate::db::listen::Listener;
use crate::jobs::{self, Runtime, WorkerConfig};

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    if settings.workers == 0 {
        bail!(
            "`rapport worker` needs at least one worker: set --workers or RAPPORT_WORKERS to 1 or more"
        );
    }
    let settings = Arc::new(settings);
    let database = database::open(&settings).await?;
    let result = async {
        database::migrate(&database.url).await?;
        let db = database.pool(&settings)?;
        let registry = Arc::new(jobs::kinds::registry()?);
        let shutdown = CancellationToken::new();
        spawn_signal_listener(shutdown.clone());
        let config = WorkerConfig::from_settings(&settings, settings.workers);
        println!(
            "Rapport worker {} running {} worker(s) for: {}. Press Ctrl-C to stop.",
            config.name,
            config.workers,
            registry.kinds().join(", ")
        );
        let runtime = Runtime::start(
            db.clone(),
            settings.clone(),
            registry,
            config,
            Some(Listener::for_rapport(db.url())),
            shutdown,
        );
        runtime.join().await;
        println!("Rapport worker stopped.");
        anyhow::Ok(())
    }
    .await;
    let finished = database.finish();
    result?;
    finished
}
