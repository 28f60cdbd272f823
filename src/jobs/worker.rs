//! The job runtime of one process: N workers that claim and run jobs, plus one
//! maintenance loop (stuck-job recovery, the scheduler, pruning). `serve` starts it with
//! `RAPPORT_WORKERS` workers (0 allowed: then this process only enqueues); `rapport worker`
//! runs it alone, so several processes or machines can share one database.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::db::Db;
use crate::db::listen::{JOBS_CHANNEL, Listener};
use crate::jobs::queue::{self, Backoff, Beat, Job};
use crate::jobs::registry::{JobContext, JobError, JobRegistry};
use crate::jobs::scheduler;

/// How the runtime behaves. Built from [`Settings`]; tests shorten the intervals.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub workers: usize,
    /// This process's name in `locked_by` (host:pid plus the worker number).
    pub name: String,
    /// How often an idle worker looks for work when no notification arrives.
    pub poll_interval: Duration,
    pub heartbeat_interval: Duration,
    /// A running job without a heartbeat for this long is recovered.
    pub stale_after: Duration,
    pub backoff: Backoff,
    pub maintenance_interval: Duration,
    /// Finished jobs are kept this long for the admin page.
    pub keep_finished: Duration,
}

impl WorkerConfig {
    pub fn from_settings(settings: &Settings, workers: usize) -> Self {
        let heartbeat = Duration::from_secs(settings.job_heartbeat_secs.max(1));
        WorkerConfig {
            workers,
            name: process_name(),
            poll_interval: Duration::from_secs(2),
            heartbeat_interval: heartbeat,
            stale_after: Duration::from_secs(settings.job_stale_secs.max(2)).max(heartbeat * 2),
            backoff: Backoff {
                base: Duration::from_secs(10),
                max: Duration::from_secs(3600),
            },
            maintenance_interval: heartbeat.min(Duration::from_secs(15)),
            keep_finished: Duration::from_secs(14 * 24 * 3600),
        }
    }
}

fn process_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|_| "localhost".to_owned());
    format!("{host}:{}", std::process::id())
}

/// The running workers and maintenance loop. Stop it by cancelling the shutdown token
/// given to [`Runtime::start`], then [`Runtime::join`].
pub struct Runtime {
    tasks: Vec<JoinHandle<()>>,
}

struct Shared {
    db: Db,
    settings: Arc<Settings>,
    registry: Arc<JobRegistry>,
    config: WorkerConfig,
    listener: Option<Listener>,
    shutdown: CancellationToken,
}

impl Runtime {
    pub fn start(
        db: Db,
        settings: Arc<Settings>,
        registry: Arc<JobRegistry>,
        config: WorkerConfig,
        listener: Option<Listener>,
        shutdown: CancellationToken,
    ) -> Runtime {
        let shared = Arc::new(Shared {
            db,
            settings,
            registry,
            config,
            listener,
            shutdown,
        });
        let mut tasks = Vec::new();
        tasks.push(tokio::spawn(maintenance_loop(shared.clone())));
        for number in 0..shared.config.workers {
            tasks.push(tokio::spawn(worker_loop(shared.clone(), number)));
        }
        Runtime { tasks }
    }

    /// Waits for every worker to finish its current job and stop.
    pub async fn join(self) {
        for task in self.tasks {
            if let Err(err) = task.await {
                tracing::error!(error = %err, "a job worker task failed");
            }
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| anyhow::anyhow!("blocking task failed: {err}"))?
}

async fn worker_loop(shared: Arc<Shared>, number: usize) {
    let worker = format!("{}#{number}", shared.config.name);
    let kinds = shared.registry.kinds();
    let mut wakeups = shared.listener.as_ref().map(Listener::subscribe);
    while !shared.shutdown.is_cancelled() {
        let db = shared.db.clone();
        let claim_worker = worker.clone();
        let claim_kinds = kinds.clone();
        let claimed = blocking(move || {
            db.system_blocking(|conn| -> anyhow::Result<_> {
                Ok(queue::claim(conn, &claim_worker, &claim_kinds)?)
            })
        })
        .await;
        match claimed {
            Ok(Some(job)) => run_job(&shared, &worker, job).await,
            Ok(None) => wait_for_work(&shared, wakeups.as_mut()).await,
            Err(err) => {
                tracing::warn!(error = %err, "cannot claim a job");
                wait_for_work(&shared, None).await;
            }
        }
    }
}

/// Sleeps until a job is enqueued (NOTIFY), the poll interval passes, or shutdown.
async fn wait_for_work(
    shared: &Shared,
    wakeups: Option<&mut tokio::sync::broadcast::Receiver<crate::db::listen::Notice>>,
) {
    let notified = async {
        match wakeups {
            Some(receiver) => loop {
                match receiver.recv().await {
                    Ok(notice) if notice.channel == JOBS_CHANNEL || notice.is_reconnect() => {
                        return;
                    }
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => return,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        std::future::pending::<()>().await;
                    }
                }
            },
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = shared.shutdown.cancelled() => {}
        () = notified => {}
        () = tokio::time::sleep(shared.config.poll_interval) => {}
    }
}

async fn run_job(shared: &Arc<Shared>, worker: &str, job: Job) {
    let Some(handler) = shared.registry.handler(&job.kind) else {
        // Cannot happen: claims are limited to registered kinds.
        return;
    };
    tracing::info!(job = %job.id, kind = %job.kind, attempt = job.attempts, "job started");
    let cancel = shared.shutdown.child_token();
    let admin_cancel = CancellationToken::new();
    let heartbeat = tokio::spawn(heartbeat_loop(
        shared.clone(),
        worker.to_owned(),
        job.id,
        cancel.clone(),
        admin_cancel.clone(),
    ));
    let context = JobContext {
        job: job.clone(),
        db: shared.db.clone(),
        settings: shared.settings.clone(),
        cancel: cancel.clone(),
    };
    // A panicking handler must not take the worker down: run it as its own task.
    let outcome = match tokio::spawn(handler(context)).await {
        Ok(result) => result,
        Err(err) if err.is_panic() => Err(JobError::Retry(anyhow::anyhow!(
            "the job panicked: {}",
            panic_message(err)
        ))),
        Err(err) => Err(JobError::Retry(anyhow::anyhow!(
            "the job's task failed: {err}"
        ))),
    };
    heartbeat.abort();
    let db = shared.db.clone();
    let worker_name = worker.to_owned();
    let backoff = shared.config.backoff;
    let shutting_down = shared.shutdown.is_cancelled();
    let cancelled_by_admin = admin_cancel.is_cancelled();
    let kind = job.kind.clone();
    let id = job.id;
    let recorded = blocking(move || {
        db.system_blocking(|conn| -> anyhow::Result<()> {
            match outcome {
                Ok(()) => {
                    queue::complete(conn, job.id, &worker_name)?;
                }
                Err(JobError::Cancelled) if shutting_down && !cancelled_by_admin => {
                    queue::release(conn, job.id, &worker_name)?;
                }
                Err(JobError::Cancelled) => {
                    queue::mark_cancelled(conn, job.id, &worker_name)?;
                }
                Err(JobError::Retry(err)) => {
                    let message = format!("{err:#}");
                    tracing::warn!(job = %job.id, kind = %job.kind, error = %message, "job failed");
                    queue::fail(conn, &job, &worker_name, &message, false, backoff)?;
                }
                Err(JobError::Permanent(err)) => {
                    let message = format!("{err:#}");
                    tracing::warn!(job = %job.id, kind = %job.kind, error = %message, "job failed permanently");
                    queue::fail(conn, &job, &worker_name, &message, true, backoff)?;
                }
            }
            Ok(())
        })
    })
    .await;
    match recorded {
        Ok(()) => tracing::info!(job = %id, kind = %kind, "job finished"),
        Err(err) => tracing::error!(job = %id, error = %err, "cannot record the job's outcome"),
    }
}

fn panic_message(err: tokio::task::JoinError) -> String {
    let payload = err.into_panic();
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// Keeps the job's heartbeat fresh; cancels the job when an admin asks or when the job
/// is no longer ours.
async fn heartbeat_loop(
    shared: Arc<Shared>,
    worker: String,
    id: queue::JobId,
    cancel: CancellationToken,
    admin_cancel: CancellationToken,
) {
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(shared.config.heartbeat_interval) => {}
        }
        let db = shared.db.clone();
        let beat_worker = worker.clone();
        let beat = blocking(move || {
            db.system_blocking(|conn| -> anyhow::Result<_> {
                Ok(queue::heartbeat(conn, id, &beat_worker)?)
            })
        })
        .await;
        match beat {
            Ok(Beat::Alive) => {}
            Ok(Beat::CancelRequested) => {
                admin_cancel.cancel();
                cancel.cancel();
                return;
            }
            Ok(Beat::Lost) => {
                tracing::warn!(job = %id, "job no longer ours; stopping it");
                cancel.cancel();
                return;
            }
            Err(err) => tracing::warn!(job = %id, error = %err, "heartbeat failed"),
        }
    }
}

async fn maintenance_loop(shared: Arc<Shared>) {
    let db = shared.db.clone();
    let schedules = shared.registry.schedules().to_vec();
    if let Err(err) = blocking(move || {
        db.system_blocking(|conn| scheduler::store_schedules(conn, &schedules, Utc::now()))
    })
    .await
    {
        tracing::error!(error = %err, "cannot store job schedules");
    }
    loop {
        if let Err(err) = maintain(&shared).await {
            tracing::warn!(error = %err, "job maintenance failed");
        }
        tokio::select! {
            () = shared.shutdown.cancelled() => return,
            () = tokio::time::sleep(shared.config.maintenance_interval) => {}
        }
    }
}

/// One round of upkeep: recover stuck jobs, enqueue due schedules, prune old jobs.
pub async fn maintain_once(
    db: &Db,
    registry: &Arc<JobRegistry>,
    config: &WorkerConfig,
) -> anyhow::Result<()> {
    let db = db.clone();
    let registry = registry.clone();
    let stale_after = config.stale_after;
    let keep = config.keep_finished;
    blocking(move || {
        db.system_blocking(|conn| -> anyhow::Result<()> {
            for job in queue::recover_stuck(conn, stale_after)? {
                tracing::warn!(job = %job.id, kind = %job.kind, "recovered a stuck job");
                if let Some(hook) = registry.abandoned_hook(&job.kind) {
                    hook(conn, &job)?;
                }
            }
            Ok(())
        })?;
        for hook in registry.maintenance_hooks() {
            db.system_blocking(|conn| hook(conn, stale_after))?;
        }
        db.system_blocking(|conn| scheduler::tick(conn, Utc::now()))?;
        db.system_blocking(|conn| -> anyhow::Result<_> { Ok(queue::prune_finished(conn, keep)?) })?;
        Ok(())
    })
    .await
}

async fn maintain(shared: &Shared) -> anyhow::Result<()> {
    maintain_once(&shared.db, &shared.registry, &shared.config).await
}
