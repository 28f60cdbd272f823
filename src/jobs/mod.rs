//! Background work: a PostgreSQL job queue, the workers that run it, and a scheduler for
//! periodic jobs.
//!
//! How to use it from an area:
//! 1. Register a kind (a name and a handler) in [`kinds::registry`], e.g.
//!    `registry.register_blocking("deals.stale_followups", deals::jobs::stale_followups)`.
//!    A blocking handler runs in one transaction in the job's tenant scope.
//! 2. Enqueue inside the transaction that causes the work, so the job exists only if that
//!    commits: `jobs::enqueue(conn, &NewJob::new("kind", json!({…})).for_tenant(t))`.
//! 3. For periodic work add a [`Schedule`] (cron expression, UTC), optionally
//!    `.per_tenant()` to get one job per tenant.
//!
//! Guarantees: claims use `FOR UPDATE SKIP LOCKED` (two workers never take the same job);
//! higher `priority` first; failed attempts retry with exponential backoff up to
//! `max_attempts`, then the job is `dead`; a running job sends heartbeats, and one whose
//! worker died is recovered by any process's maintenance loop; an admin can retry or
//! cancel from `/admin/jobs`. Handlers must be idempotent: a job can run again after a
//! crash.

pub mod admin;
pub mod kinds;
pub mod queue;
pub mod registry;
pub mod scheduler;
pub mod worker;

pub use queue::{Enqueued, Job, JobId, JobStatus, NewJob, enqueue};
pub use registry::{JobContext, JobError, JobRegistry, Schedule};
pub use worker::{Runtime, WorkerConfig};
