//! The `rapport` command line: `serve` (the default), `worker`, `sync`, `migrate`, `seed`,
//! `user`, `bench`, `bench-sync`.

mod bench;
mod bench_sync;
mod database;
mod seed;
mod serve;
mod sync;
mod user;
mod worker;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;

#[derive(Debug, Parser)]
#[command(name = "rapport", version, about = "Rapport: a fast, self-hosted CRM.")]
struct Cli {
    #[command(flatten)]
    settings: Settings,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web app (the default). Without DATABASE_URL, runs a private PostgreSQL
    /// cluster and seeds demo data on first start.
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Load demo data or a large synthetic tenant.
    Seed(seed::SeedArgs),
    /// Run a sync in the foreground, or list sources and models (`--list`).
    Sync(sync::SyncArgs),
    /// Run background job workers only (no web server); several may share one database.
    Worker,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// Time real pages against a tenant (use a release build and `seed --scale large`).
    Bench(bench::BenchArgs),
    /// Sync hub throughput: file source vs COPY, HubSpot from its fixture, then the
    /// dashboard of the loaded model (use a release build).
    BenchSync(bench_sync::BenchSyncArgs),
    /// Print `diesel print-schema` for the migrated database (for `make schema`).
    #[command(hide = true)]
    PrintSchema,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Benchmarks print a table; per-request log lines would drown it.
    init_tracing(
        if matches!(cli.command, Some(Command::Bench(_) | Command::BenchSync(_))) {
            "warn"
        } else {
            "info,actix_server=warn"
        },
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let settings = cli.settings;
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve::run(settings).await,
            Command::Worker => worker::run(settings).await,
            Command::Sync(args) => sync::run(settings, args).await,
            Command::Migrate => database::migrate_command(&settings).await,
            Command::Seed(args) => seed::run(&settings, args).await,
            Command::User { command } => user::run(&settings, command).await,
            Command::Bench(args) => bench::run(&settings, args).await,
            Command::BenchSync(args) => bench_sync::run(settings, args).await,
            Command::PrintSchema => database::print_schema(&settings).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
}
