//! The migrations go up, down and up again, and `schema.rs` is what they produce.

use std::path::{Path, PathBuf};
use std::process::Command;

use rapport::db::migrations;

use crate::support::TestDb;

#[test]
fn migrations_run_up_down_and_up_again() {
    let db = TestDb::empty();
    let mut conn = db.owner_connection();
    let applied = migrations::run_pending_on(&mut conn).unwrap_or_else(|err| panic!("up: {err:#}"));
    assert!(applied.len() >= 3, "applied {applied:?}");
    let reverted =
        migrations::revert_all_on(&mut conn).unwrap_or_else(|err| panic!("down: {err:#}"));
    assert_eq!(reverted, applied.len());
    let again =
        migrations::run_pending_on(&mut conn).unwrap_or_else(|err| panic!("up again: {err:#}"));
    assert_eq!(again, applied);
    assert!(
        migrations::run_pending_on(&mut conn)
            .unwrap_or_else(|err| panic!("{err:#}"))
            .is_empty(),
        "nothing left to apply"
    );
}

fn diesel_cli() -> PathBuf {
    let candidates = [
        std::env::var_os("CARGO_HOME").map(|home| PathBuf::from(home).join("bin/diesel")),
        std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo/bin/diesel")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|path| path.is_file())
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join("diesel")).find(|path| path.is_file()))
        })
        .unwrap_or_else(|| panic!("the diesel CLI is missing; `make test` installs it (cargo install diesel_cli --no-default-features --features postgres)"))
}

#[test]
fn schema_rs_matches_the_migrations() {
    let db = TestDb::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(diesel_cli())
        .args(["print-schema", "--config-file"])
        .arg(root.join("diesel.toml"))
        .env("DATABASE_URL", &db.url)
        .current_dir(root)
        .output()
        .unwrap_or_else(|err| panic!("cannot run diesel print-schema: {err}"));
    assert!(
        output.status.success(),
        "diesel print-schema failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let generated = String::from_utf8_lossy(&output.stdout);
    let committed = std::fs::read_to_string(root.join("src/db/schema.rs"))
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        generated.trim() == committed.trim(),
        "src/db/schema.rs is out of date: run `make schema` and commit the result"
    );
}
