//! `rapport seed --demo` and `rapport seed --scale <preset|counts>`.

use std::time::Instant;

use anyhow::bail;
use clap::Args;

use crate::cli::database;
use crate::config::Settings;
use crate::seed::{self, scale::ScaleCounts};

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Load the demo tenants (Acme Home Services and Globex). Safe to run twice.
    #[arg(long, conflicts_with = "scale")]
    demo: bool,

    /// Create a large synthetic tenant: a preset (small, medium, large) or counts such as
    /// `companies=1000,contacts=5000,deals=2000,activities=50000`.
    #[arg(long, value_name = "PRESET|COUNTS")]
    scale: Option<String>,

    /// Slug of the tenant the scale seed creates.
    #[arg(long, default_value = "scale", requires = "scale")]
    tenant: String,

    /// Delete that tenant first if it exists.
    #[arg(long, requires = "scale")]
    replace: bool,
}

pub async fn run(settings: &Settings, args: SeedArgs) -> anyhow::Result<()> {
    let work = match (args.demo, &args.scale) {
        (true, _) => None,
        (false, Some(spec)) => Some(ScaleCounts::parse(spec)?),
        (false, None) => bail!("say what to seed: --demo, or --scale <preset|counts>"),
    };
    let database = database::open(settings).await?;
    let result = async {
        database::migrate(&database.url).await?;
        let db = database.pool(settings)?;
        let started = Instant::now();
        let summary = match work {
            None => tokio::task::spawn_blocking(move || seed::demo(&db))
                .await??
                .to_string(),
            Some(counts) => {
                let (tenant, replace) = (args.tenant.clone(), args.replace);
                tokio::task::spawn_blocking(move || seed::scale::run(&db, &tenant, counts, replace))
                    .await??
            }
        };
        println!("{summary}");
        println!("Seeding took {:.1} s.", started.elapsed().as_secs_f64());
        anyhow::Ok(())
    }
    .await;
    let finished = database.finish();
    result?;
    finished
}
