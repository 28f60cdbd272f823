//! A fresh, migrated database per test, copied from the template (tens of milliseconds)
//! and dropped when the test ends.

use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use rapport::db::Db;
use rapport::db::local_cluster::{APP_ROLE, quote_ident};

use super::cluster::{self, TEMPLATE_DB};

static NEXT: AtomicUsize = AtomicUsize::new(0);

pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub fn new() -> TestDb {
        let _ = cluster::cluster();
        let name = format!(
            "test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        cluster::admin_connection()
            .batch_execute(&format!(
                "CREATE DATABASE {} TEMPLATE {TEMPLATE_DB} OWNER {APP_ROLE} STRATEGY FILE_COPY",
                quote_ident(&name)
            ))
            .unwrap_or_else(|err| panic!("cannot create test database {name}: {err}"));
        let url = cluster::app_url(&name);
        TestDb { name, url }
    }

    /// The application's pool (connections run as rapport_app until scoped).
    pub fn pool(&self) -> Db {
        Db::connect(&self.url, 4).unwrap_or_else(|err| panic!("cannot open a pool: {err}"))
    }

    /// A connection as the owner role, which is what migrations use.
    pub fn owner_connection(&self) -> PgConnection {
        PgConnection::establish(&self.url)
            .unwrap_or_else(|err| panic!("cannot connect to {}: {err}", self.name))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let dropped = cluster::admin_connection().batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&self.name)
        ));
        if let Err(err) = dropped {
            eprintln!("warning: cannot drop test database {}: {err}", self.name);
        }
    }
}

impl TestDb {
    /// An empty database (no migrations), for testing the migrations themselves.
    pub fn empty() -> TestDb {
        let _ = cluster::cluster();
        let name = format!(
            "empty_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        cluster::admin_connection()
            .batch_execute(&format!(
                "CREATE DATABASE {} OWNER {APP_ROLE} TEMPLATE template0",
                quote_ident(&name)
            ))
            .unwrap_or_else(|err| panic!("cannot create {name}: {err}"));
        let url = cluster::app_url(&name);
        TestDb { name, url }
    }
}
