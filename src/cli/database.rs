//! Which database a command uses: `DATABASE_URL`, or the private local cluster under the
//! data directory (started if needed, and stopped afterwards if this command started it).

use anyhow::Context;

use crate::config::Settings;
use crate::db::local_cluster::{LocalCluster, Started, Tuning};
use crate::db::{Db, migrations};

pub const LOCAL_DATABASE: &str = "rapport";

pub struct Database {
    pub url: String,
    cluster: Option<(LocalCluster, Started)>,
}

impl Database {
    pub fn is_local(&self) -> bool {
        self.cluster.is_some()
    }

    /// Stops the local cluster if this process started it.
    pub fn finish(self) -> anyhow::Result<()> {
        if let Some((cluster, Started::Now)) = self.cluster {
            cluster.stop()?;
        }
        Ok(())
    }

    /// Stops the local cluster whoever started it: `serve` owns the development cluster,
    /// so a cluster left behind by a killed run does not outlive the next one.
    pub fn stop(self) -> anyhow::Result<()> {
        if let Some((cluster, _)) = self.cluster {
            cluster.stop()?;
        }
        Ok(())
    }

    pub fn pool(&self, settings: &Settings) -> anyhow::Result<Db> {
        Db::connect(&self.url, settings.db_pool_size)
    }
}

pub async fn open(settings: &Settings) -> anyhow::Result<Database> {
    if let Some(url) = &settings.database_url {
        return Ok(Database {
            url: url.clone(),
            cluster: None,
        });
    }
    let root = settings.data_dir.join("pg");
    tokio::task::spawn_blocking(move || {
        let cluster = LocalCluster::new(&root, Tuning::Development)?;
        let started = cluster.start()?;
        let url = cluster.ensure_app_database(LOCAL_DATABASE)?;
        Ok(Database {
            url,
            cluster: Some((cluster, started)),
        })
    })
    .await
    .context("cluster start-up panicked")?
}

pub async fn migrate(url: &str) -> anyhow::Result<Vec<String>> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || migrations::run_pending(&url)).await?
}

pub async fn migrate_command(settings: &Settings) -> anyhow::Result<()> {
    let database = open(settings).await?;
    let applied = migrate(&database.url).await;
    let finished = database.finish();
    let applied = applied?;
    finished?;
    if applied.is_empty() {
        println!("The database is up to date.");
    } else {
        println!(
            "Applied {} migration(s): {}",
            applied.len(),
            applied.join(", ")
        );
    }
    Ok(())
}

/// Runs the diesel CLI's `print-schema` against the migrated database and prints it.
pub async fn print_schema(settings: &Settings) -> anyhow::Result<()> {
    let database = open(settings).await?;
    let result = async {
        migrate(&database.url).await?;
        let output = tokio::process::Command::new("diesel")
            .arg("print-schema")
            .env("DATABASE_URL", &database.url)
            .output()
            .await
            .context("cannot run `diesel` (install it: cargo install diesel_cli --no-default-features --features postgres)")?;
        anyhow::ensure!(output.status.success(), "diesel print-schema failed: {}", String::from_utf8_lossy(&output.stderr));
        print!("{}", String::from_utf8_lossy(&output.stdout));
        Ok(())
    }
    .await;
    let finished = database.finish();
    result?;
    finished
}
