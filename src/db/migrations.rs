//! The embedded Diesel migrations. They run as the connecting role, which owns the tables.

use anyhow::Context;
use diesel::PgConnection;
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(database_url: &str) -> anyhow::Result<Vec<String>> {
    let mut conn =
        PgConnection::establish(database_url).context("cannot connect to run migrations")?;
    run_pending_on(&mut conn)
}

pub fn run_pending_on(conn: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|err| anyhow::anyhow!("migration failed: {err}"))?;
    Ok(applied.iter().map(|version| version.to_string()).collect())
}

/// Reverts every migration (used by the test that proves down migrations work).
pub fn revert_all_on(conn: &mut PgConnection) -> anyhow::Result<usize> {
    let reverted = conn
        .revert_all_migrations(MIGRATIONS)
        .map_err(|err| anyhow::anyhow!("reverting migrations failed: {err}"))?;
    Ok(reverted.len())
}
