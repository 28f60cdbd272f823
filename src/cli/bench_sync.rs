//! `rapport bench-sync [--tenant syncbench] [--records 1000000] [--hubspot-records 50000]
//! [--batch-size N] [--iterations 30]`: the sync hub's load throughput against `COPY`, the
//! HubSpot connector's rate, then the `sync` page suite on the model just loaded.

use std::sync::Arc;

use clap::Args;

use crate::bench::{self, Options, sync_load};
use crate::cli::database;
use crate::config::Settings;

#[derive(Debug, Args)]
pub struct BenchSyncArgs {
    /// The tenant to load into (created small when missing).
    #[arg(long, default_value = "syncbench")]
    tenant: String,
    /// JSON Lines records the file source loads (and COPY copies).
    #[arg(long, default_value_t = 1_000_000)]
    records: usize,
    /// Contacts the HubSpot fixture serves.
    #[arg(long, default_value_t = 50_000)]
    hubspot_records: usize,
    /// The file run's batch size (default: the sync default).
    #[arg(long)]
    batch_size: Option<u32>,
    /// Timed requests per page (after 3 warm-up requests).
    #[arg(long, default_value_t = 30)]
    iterations: usize,
    /// Only time the pages (the data is already loaded).
    #[arg(long)]
    pages_only: bool,
}

pub async fn run(settings: Settings, args: BenchSyncArgs) -> anyhow::Result<()> {
    let settings = Arc::new(settings);
    let database = database::open(&settings).await?;
    let result = async {
        database::migrate(&database.url).await?;
        let db = database.pool(&settings)?;
        if !args.pages_only {
            sync_load::run(
                &settings,
                &db,
                &sync_load::LoadOptions {
                    tenant: args.tenant.clone(),
                    records: args.records,
                    hubspot_records: args.hubspot_records,
                    batch_size: args.batch_size,
                },
            )
            .await?;
            println!();
        }
        bench::run(
            &settings,
            db,
            Options {
                tenant: args.tenant.clone(),
                iterations: args.iterations.max(1),
                suites: vec!["sync".to_owned()],
            },
        )
        .await
    }
    .await;
    let finished = database.finish();
    result?;
    finished
}
