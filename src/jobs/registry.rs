//! Job kinds (a name and the handler that runs it) and periodic schedules. Each area
//! registers its own in [`crate::jobs::kinds::registry`]; workers only claim kinds they know.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use diesel::PgConnection;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::db::{Db, TenantScope};
use crate::jobs::queue::Job;

pub type JobFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send + 'static>>;
type Handler = Arc<dyn Fn(JobContext) -> JobFuture + Send + Sync>;
/// Tidies up after a job whose worker died (e.g. marks its sync run failed). Runs as
/// `rapport_system` in the recovery transaction.
pub type AbandonedHook =
    Arc<dyn Fn(&mut PgConnection, &Job) -> diesel::QueryResult<()> + Send + Sync>;
/// Periodic upkeep an area needs besides its jobs (e.g. failing sync runs whose process
/// died). Runs as `rapport_system` in every maintenance round of every runtime; it must be
/// safe to run concurrently in several processes. Gets the stale-after duration.
pub type MaintenanceHook =
    Arc<dyn Fn(&mut PgConnection, std::time::Duration) -> anyhow::Result<()> + Send + Sync>;

/// Why a job did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another try later (network, database hiccup…): retried with backoff until
    /// the job runs out of attempts.
    #[error("{0:#}")]
    Retry(anyhow::Error),
    /// Retrying will not help (bad payload, missing record): the job is dead at once.
    #[error("{0:#}")]
    Permanent(anyhow::Error),
    /// The job stopped because it was cancelled (or the process is shutting down).
    #[error("cancelled")]
    Cancelled,
}

impl JobError {
    pub fn permanent(message: impl std::fmt::Display) -> Self {
        JobError::Permanent(anyhow::anyhow!("{message}"))
    }
}

impl From<anyhow::Error> for JobError {
    fn from(err: anyhow::Error) -> Self {
        JobError::Retry(err)
    }
}

impl From<diesel::result::Error> for JobError {
    fn from(err: diesel::result::Error) -> Self {
        JobError::Retry(err.into())
    }
}

impl From<diesel::r2d2::PoolError> for JobError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        JobError::Retry(err.into())
    }
}

/// What a handler gets: the job, the database, and a token that fires when the job
/// should stop (an admin cancelled it, it was recovered elsewhere, or the process stops).
#[derive(Clone)]
pub struct JobContext {
    pub job: Job,
    pub db: Db,
    pub settings: Arc<Settings>,
    pub cancel: CancellationToken,
}

impl JobContext {
    /// The tenant scope the job's work runs in: Rapport itself acting inside the job's
    /// tenant (no user). None for a system-wide job.
    pub fn tenant_scope(&self) -> Option<TenantScope> {
        self.job.tenant_id.map(|id| TenantScope::service(id.0))
    }

    /// The payload as `T`; a payload that does not fit is a permanent error.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_value(self.job.payload.clone()).map_err(|err| {
            JobError::permanent(format!(
                "the payload of this {} job cannot be read: {err}",
                self.job.kind
            ))
        })
    }
}

/// A periodic job: at each time the cron expression matches (UTC), the scheduler enqueues
/// `kind` with `payload`, once across all processes (or once per tenant).
#[derive(Debug, Clone)]
pub struct Schedule {
    pub name: String,
    pub cron: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub per_tenant: bool,
}

impl Schedule {
    /// `cron` is a five-field expression ("0 6 * * *" = every day at 06:00 UTC) or an
    /// alias such as "@hourly".
    pub fn new(name: impl Into<String>, cron: impl Into<String>, kind: impl Into<String>) -> Self {
        Schedule {
            name: name.into(),
            cron: cron.into(),
            kind: kind.into(),
            payload: serde_json::json!({}),
            per_tenant: false,
        }
    }

    pub fn payload(mut self, payload: serde_json::Value) -> Self {
        self.payload = payload;
        self
    }

    /// Enqueue one job per tenant (each runs in that tenant's scope).
    pub fn per_tenant(mut self) -> Self {
        self.per_tenant = true;
        self
    }
}

/// Every job kind this process can run, and the periodic schedules.
#[derive(Default, Clone)]
pub struct JobRegistry {
    handlers: BTreeMap<String, Handler>,
    abandoned: BTreeMap<String, AbandonedHook>,
    maintenance: Vec<MaintenanceHook>,
    schedules: Vec<Schedule>,
}

impl JobRegistry {
    pub fn new() -> Self {
        JobRegistry::default()
    }

    /// Registers an async handler for `kind`. The handler decides how it touches the
    /// database (use `ctx.db.tenant_blocking(&scope, …)` inside `spawn_blocking`).
    pub fn register<F, Fut>(&mut self, kind: &str, handler: F)
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |ctx| Box::pin(handler(ctx)));
        self.handlers.insert(kind.to_owned(), handler);
    }

    /// Registers a blocking handler that runs in one transaction in the job's tenant
    /// scope (or as `rapport_system` for a system-wide job). The simplest kind of job:
    /// everything it writes commits together, or nothing does.
    pub fn register_blocking<F>(&mut self, kind: &str, handler: F)
    where
        F: Fn(&mut PgConnection, &JobContext) -> Result<(), JobError> + Send + Sync + 'static,
    {
        let handler = Arc::new(handler);
        self.register(kind, move |ctx: JobContext| {
            let handler = handler.clone();
            async move {
                tokio::task::spawn_blocking(move || match ctx.tenant_scope() {
                    Some(scope) => ctx.db.tenant_blocking(&scope, |conn| handler(conn, &ctx)),
                    None => ctx.db.system_blocking(|conn| handler(conn, &ctx)),
                })
                .await
                .map_err(|err| JobError::Retry(anyhow::anyhow!("the job's task failed: {err}")))?
            }
        });
    }

    /// Runs `hook` when a job of `kind` is recovered because its worker stopped.
    pub fn on_abandoned<F>(&mut self, kind: &str, hook: F)
    where
        F: Fn(&mut PgConnection, &Job) -> diesel::QueryResult<()> + Send + Sync + 'static,
    {
        self.abandoned.insert(kind.to_owned(), Arc::new(hook));
    }

    /// Adds upkeep to every maintenance round (see [`MaintenanceHook`]).
    pub fn on_maintenance<F>(&mut self, hook: F)
    where
        F: Fn(&mut PgConnection, std::time::Duration) -> anyhow::Result<()> + Send + Sync + 'static,
    {
        self.maintenance.push(Arc::new(hook));
    }

    pub fn maintenance_hooks(&self) -> &[MaintenanceHook] {
        &self.maintenance
    }

    /// Adds a periodic schedule. The cron expression is checked now, so a typo fails at
    /// start-up rather than silently never running.
    pub fn schedule(&mut self, schedule: Schedule) -> anyhow::Result<()> {
        crate::jobs::scheduler::parse_cron(&schedule.cron)?;
        anyhow::ensure!(
            self.handlers.contains_key(&schedule.kind),
            "schedule {} enqueues unknown job kind {}",
            schedule.name,
            schedule.kind
        );
        self.schedules
            .retain(|existing| existing.name != schedule.name);
        self.schedules.push(schedule);
        Ok(())
    }

    pub fn kinds(&self) -> Vec<String> {
        self.handlers.keys().cloned().collect()
    }

    pub fn handler(&self, kind: &str) -> Option<Handler> {
        self.handlers.get(kind).cloned()
    }

    pub fn abandoned_hook(&self, kind: &str) -> Option<AbandonedHook> {
        self.abandoned.get(kind).cloned()
    }

    pub fn schedules(&self) -> &[Schedule] {
        &self.schedules
    }
}
