//! `rapport bench [--tenant scale] [--iterations 30] [SUITE…]`.

use clap::Args;

use crate::bench::{self, Options};
use crate::cli::database;
use crate::config::Settings;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The tenant whose pages are timed.
    #[arg(long, default_value = "scale")]
    tenant: String,
    /// Timed requests per page (after 3 warm-up requests).
    #[arg(long, default_value_t = 30)]
    iterations: usize,
    /// Suites to run (default: all).
    suites: Vec<String>,
}

pub async fn run(settings: &Settings, args: BenchArgs) -> anyhow::Result<()> {
    let database = database::open(settings).await?;
    let result = async {
        database::migrate(&database.url).await?;
        let db = database.pool(settings)?;
        bench::run(
            settings,
            db,
            Options {
                tenant: args.tenant,
                iterations: args.iterations.max(1),
                suites: args.suites,
            },
        )
        .await
    }
    .await;
    let finished = database.finish();
    result?;
    finished
}
