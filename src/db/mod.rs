//! Database access: the connection pool, the tenant-scoped transaction bridge, migrations
//! and the private local cluster.
//!
//! Diesel is blocking. Web handlers reach the database only through [`Db::tenant`] and
//! [`Db::system`], which run the closure on the blocking thread pool inside one
//! transaction with the right role and tenant set. Jobs and CLI commands, which already run
//! on blocking threads, use the `_blocking` forms.

pub mod joins;
pub mod listen;
pub mod local_cluster;
pub mod migrations;
pub mod schema;
pub mod scope;
pub mod types;

use std::time::Duration;

use diesel::PgConnection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};

pub use scope::TenantScope;

use crate::error::AppError;

pub type PgPool = Pool<ConnectionManager<PgConnection>>;
pub type PooledConn = PooledConnection<ConnectionManager<PgConnection>>;

/// The shared pool. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: PgPool,
    /// Where the pool connects, for the few things that need their own connection
    /// (the LISTEN connection of [`listen::Listener`]).
    url: std::sync::Arc<str>,
}

/// Every pooled connection starts as `rapport_app`, so a query that somehow ran outside a
/// scoped transaction would still see no tenant rows.
#[derive(Debug)]
struct AppRoleCustomizer;

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for AppRoleCustomizer {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute("SET application_name = 'rapport'; SET ROLE rapport_app;")
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl Db {
    /// Builds the pool. Connections open lazily (min_idle 1) so start-up stays fast.
    pub fn connect(database_url: &str, max_size: u32) -> anyhow::Result<Db> {
        let manager = ConnectionManager::<PgConnection>::new(database_url);
        let pool = Pool::builder()
            .max_size(max_size.max(1))
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .connection_customizer(Box::new(AppRoleCustomizer))
            .build(manager)
            .map_err(|err| anyhow::anyhow!("cannot connect to PostgreSQL: {err}"))?;
        Ok(Db {
            pool,
            url: database_url.into(),
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs `f` in one transaction scoped to a tenant and user, on the blocking pool.
    pub async fn tenant<T, F>(&self, scope: &TenantScope, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        let scope = scope.clone();
        actix_web::web::block(move || db.tenant_blocking(&scope, f)).await?
    }

    /// Runs `f` in one transaction as `rapport_system`, which sees every tenant. Only for
    /// the narrow cross-tenant paths: sign-in, session lookup, the job queue, seeding.
    pub async fn system<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || db.system_blocking(f)).await?
    }

    pub fn tenant_blocking<T, E, F>(&self, scope: &TenantScope, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, E>,
        E: From<diesel::result::Error> + From<diesel::r2d2::PoolError>,
    {
        let mut conn = self.pool.get()?;
        scope::in_tenant(&mut conn, scope, f)
    }

    pub fn system_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, E>,
        E: From<diesel::result::Error> + From<diesel::r2d2::PoolError>,
    {
        let mut conn = self.pool.get()?;
        scope::as_system(&mut conn, f)
    }

    /// A raw pooled connection, for work that manages its own transactions (bulk seeding,
    /// LISTEN). It runs as `rapport_app` with no tenant until scoped.
    pub fn conn(&self) -> Result<PooledConn, diesel::r2d2::PoolError> {
        self.pool.get()
    }
}
