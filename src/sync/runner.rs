//! The one runner behind the CLI, the dashboard and the API. It fetches pages from the
//! connector while the previous batch is being stored, and per batch, in one transaction:
//! upserts the raw records, maps changed ones into the CRM, records per-record errors,
//! advances the cursor (only past stored records), adds the counts and refreshes the
//! heartbeat, and publishes progress. Stop requests are honoured at batch boundaries.
//! Where batches don't depend on each other (no cursor per batch, and a CRM mapping, if any,
//! whose batches are independent: the file source, HubSpot contacts listed in full) two are
//! stored at once, on two database sessions. A record repeated later in the run waits for
//! the batches before it, so its newest copy is stored last.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use diesel::PgConnection;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::db::{Db, TenantScope};
use crate::domain::ids::TenantId;
use crate::sync::connector::{
    ConnectionConfig, Connector, FetchRequest, Fetched, Page, RawRecord, SyncError,
};
use crate::sync::crm::MapContext;
use crate::sync::http::{DebugLog, Http, Metrics, RetryPolicy};
use crate::sync::live::{self, RunEvent};
use crate::sync::options::SyncOptions;
use crate::sync::runs::{self, Progress, RecordError, RunStatus, SyncRun};
use crate::sync::store::{self, StoredRecord};
use crate::sync::{connections, crypto::SecretBox, registry};

/// Called after each stored batch (the CLI draws its progress bar with it).
pub type ProgressFn = Arc<dyn Fn(&RunEvent) + Send + Sync>;

pub struct RunRequest {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// A run already in `running` state.
    pub run: SyncRun,
    pub cancel: CancellationToken,
    pub on_progress: Option<ProgressFn>,
}

/// Runs the sync to its end and returns the final run record. Errors here are about
/// Rapport's own database; the source's failures end the run `failed` instead.
pub async fn execute(request: RunRequest) -> anyhow::Result<SyncRun> {
    let run_id = request.run.id;
    let tenant = TenantId(request.run.tenant_id);
    let scope = TenantScope::service(tenant.0);
    let options = request.run.options();
    let log = if options.debug {
        DebugLog::enabled()
    } else {
        DebugLog::disabled()
    };
    log.line(|| {
        format!(
            "run {run_id}: {} {} with {}",
            request.run.source,
            request.run.model,
            options.describe()
        )
    });
    let heartbeat_every = Duration::from_secs(request.settings.job_heartbeat_secs.max(1));
    let ticker = tokio::spawn(heartbeat_loop(
        request.db.clone(),
        scope.clone(),
        run_id,
        heartbeat_every,
        request.cancel.clone(),
    ));
    let outcome = run_inner(&request, &scope, &options, &log).await;
    ticker.abort();
    let (status, error) = match &outcome {
        Ok(status) => (*status, None),
        Err(RunFailure::Cancelled) => (
            RunStatus::Cancelled,
            Some("Stopped on request. The records stored before the stop are kept.".to_owned()),
        ),
        Err(RunFailure::Failed(message)) => (RunStatus::Failed, Some(message.clone())),
    };
    if let Some(error) = &error {
        log.line(|| format!("ended {}: {error}", status.as_str()));
    }
    let debug = log.text();
    let model = request.run.model.clone();
    let source = request.run.source.clone();
    let final_run = in_tenant(&request.db, &scope, move |conn| {
        runs::finish(conn, run_id, status, error.as_deref(), debug.as_deref())?;
        if let Some(state) = store::find_model(conn, &source, &model)? {
            store::record_run(
                conn,
                state.id,
                run_id,
                matches!(status, RunStatus::Success | RunStatus::Partial),
            )?;
        }
        runs::find(conn, run_id)?.context("the run disappeared")
    })
    .await?;
    if let Some(callback) = &request.on_progress {
        callback(&RunEvent::of(&final_run));
    }
    Ok(final_run)
}

#[derive(Debug)]
enum RunFailure {
    Cancelled,
    Failed(String),
}

impl From<SyncError> for RunFailure {
    fn from(err: SyncError) -> Self {
        match err {
            SyncError::Cancelled => RunFailure::Cancelled,
            other => RunFailure::Failed(other.to_string()),
        }
    }
}

impl From<anyhow::Error> for RunFailure {
    fn from(err: anyhow::Error) -> Self {
        RunFailure::Failed(format!("{err:#}"))
    }
}

async fn in_tenant<T: Send + 'static>(
    db: &Db,
    scope: &TenantScope,
    work: impl FnOnce(&mut PgConnection) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let db = db.clone();
    let scope = scope.clone();
    tokio::task::spawn_blocking(move || db.tenant_blocking(&scope, work))
        .await
        .map_err(|err| anyhow::anyhow!("database task failed: {err}"))?
}

async fn heartbeat_loop(
    db: Db,
    scope: TenantScope,
    run_id: i64,
    every: Duration,
    cancel: CancellationToken,
) {
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        match in_tenant(&db, &scope, move |conn| Ok(runs::heartbeat(conn, run_id)?)).await {
            Ok(true) => {
                cancel.cancel();
                return;
            }
            Ok(false) => {}
            Err(err) => tracing::warn!(run = run_id, error = %err, "sync heartbeat failed"),
        }
    }
}

/// The connection's HTTP policy; tests (and impatient admins) can shorten it.
fn retry_policy(config: &ConnectionConfig) -> RetryPolicy {
    let defaults = RetryPolicy::default();
    RetryPolicy {
        timeout: Duration::from_millis(
            config.number_or("timeout_ms", defaults.timeout.as_millis() as u64),
        ),
        max_retries: config.number_or("max_retries", defaults.max_retries as u64) as u32,
        backoff_base: Duration::from_millis(
            config.number_or("retry_base_ms", defaults.backoff_base.as_millis() as u64),
        ),
        backoff_max: defaults.backoff_max,
        max_rate_limit_wait: defaults.max_rate_limit_wait,
    }
}

/// A record prepared by the fetch task, waiting to be stored.
struct PendingRecord {
    stored: StoredRecord,
    /// The source's record, kept only when the CRM mapping needs it.
    raw: Option<RawRecord>,
    /// An older copy of this record came earlier in the run (a correction appended to a
    /// file, a record that moved between pages): it must be stored after that copy.
    repeat: bool,
}

/// A page with its records prepared for storage (deduped, hashed) by the fetch task.
struct Prepared {
    records: Vec<PendingRecord>,
    invalid: Vec<(Option<String>, String, String)>,
    expected_total: Option<u64>,
    /// The record limit was reached with this page.
    limit_reached: bool,
}

async fn run_inner(
    request: &RunRequest,
    scope: &TenantScope,
    options: &SyncOptions,
    log: &DebugLog,
) -> Result<RunStatus, RunFailure> {
    let run = &request.run;
    let connector: &'static dyn Connector = registry::get(&run.source)
        .ok_or_else(|| RunFailure::Failed(format!("unknown source `{}`", run.source)))?;
    let model = connector.model(&run.model).ok_or_else(|| {
        RunFailure::Failed(format!(
            "{} has no model `{}`",
            connector.info().name,
            run.model
        ))
    })?;
    let secrets = SecretBox::from_settings(&request.settings)?;
    let (source, model_id) = (run.source.clone(), run.model.clone());
    let tenant_id = TenantId(run.tenant_id);
    let (connection, state, first_import) = in_tenant(&request.db, scope, move |conn| {
        let state = store::ensure_model(conn, tenant_id, &source, &model_id)?;
        let first_import = !store::has_records(conn, state.id)?;
        Ok((connections::find(conn, &source)?, state, first_import))
    })
    .await?;
    let config = match &connection {
        Some(connection) => connection.config(secrets.as_ref())?,
        None if connector.info().auth == crate::sync::model::AuthKind::None => ConnectionConfig {
            tenant_id,
            settings: serde_json::Map::new(),
            secret: None,
        },
        None => {
            return Err(RunFailure::Failed(format!(
                "{} is not connected: add the connection first",
                connector.info().name
            )));
        }
    };
    let stored_cursor = state
        .cursor
        .as_deref()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc));
    // Models without a cursor field (a file, a small list) are read whole every time.
    let since = match (options.since, options.full || model.cursor_field.is_none()) {
        (Some(since), _) => Some(since),
        (None, true) => None,
        (None, false) => stored_cursor,
    };
    log.line(|| {
        format!(
            "resuming from {}",
            since.map_or("the beginning".to_owned(), |at| at.to_rfc3339())
        )
    });
    let cursor_before = state.cursor.clone();
    let run_id = run.id;
    in_tenant(&request.db, scope, move |conn| {
        Ok(runs::set_cursor_before(
            conn,
            run_id,
            cursor_before.as_deref(),
        )?)
    })
    .await?;

    let http = Http::new(retry_policy(&config), log.clone(), request.cancel.clone())?;
    let metrics = http.metrics.clone();
    let batch_size = options.batch_size_or(connector.default_batch_size());
    let stream = connector.open(FetchRequest {
        model,
        connection: config.clone(),
        since,
        page_size: batch_size,
        http,
    })?;
    let endpoint = stream.endpoint();
    let ordered = stream.ordered();
    let complete_listing = stream.complete_listing();

    let mapper = if options.dry_run {
        None
    } else {
        connector.mapper()
    };
    // Fetch ahead: pages are fetched and prepared while the previous batch is stored.
    let (pages_tx, mut pages_rx) = mpsc::channel::<Result<Prepared, SyncError>>(2);
    let fetcher = tokio::spawn(fetch_pages(
        stream,
        FetchLimits {
            max_records: options.max_records,
            keep_raw: mapper.is_some(),
        },
        request.cancel.clone(),
        pages_tx,
        log.clone(),
    ));
    let mut batcher = Batcher {
        job: StoreTemplate {
            db: request.db.clone(),
            scope: scope.clone(),
            tenant_id,
            run_id: run.id,
            model_id: state.id,
            source: run.source.clone(),
            model: run.model.clone(),
            options: options.clone(),
            config: config.clone(),
            mapper,
            first_import,
        },
        ordered,
        metrics,
        progress: Progress {
            endpoint: Some(endpoint),
            ..Default::default()
        },
        pending: Vec::new(),
        pending_invalid: Vec::new(),
        max_cursor: None,
        pages: 0,
        last_publish: Instant::now() - Duration::from_secs(1),
        failed_total: 0,
        on_progress: request.on_progress.clone(),
        log: log.clone(),
        in_flight: VecDeque::new(),
        parallel: if ordered || mapper.is_some_and(|mapper| !mapper.independent_batches(model.id)) {
            1
        } else {
            2
        },
    };
    let mut limit_reached = false;
    let mut stop_requested = false;
    let mut fetch_error = None;
    loop {
        let next = tokio::select! {
            () = request.cancel.cancelled() => { stop_requested = true; break; }
            next = pages_rx.recv() => next,
        };
        let done = match next {
            None => true,
            Some(Err(err)) => {
                fetch_error = Some(err);
                true
            }
            Some(Ok(prepared)) => {
                batcher.pages += 1;
                if let Some(total) = prepared.expected_total {
                    let total = options.max_records.map_or(total, |max| total.min(max));
                    batcher.progress.expected_total = Some(total as i64);
                }
                batcher.pending.extend(prepared.records);
                batcher.pending_invalid.extend(prepared.invalid);
                limit_reached |= prepared.limit_reached;
                false
            }
        };
        while batcher.pending.len() >= batch_size && !stop_requested {
            stop_requested = batcher.flush(batch_size).await?;
        }
        let leftovers = !batcher.pending.is_empty() || !batcher.pending_invalid.is_empty();
        if !stop_requested && ((done && leftovers) || batcher.pending_invalid.len() >= batch_size) {
            stop_requested = batcher.flush(batcher.pending.len()).await?;
        }
        if done || stop_requested {
            break;
        }
    }
    // Batches still being stored finish and count, whatever ended the loop.
    stop_requested |= batcher.settle().await?;
    if stop_requested {
        request.cancel.cancel();
    }
    let failed_total = batcher.failed_total;
    let max_cursor = batcher.max_cursor;
    fetcher.abort();
    // The metrics as they ended (requests after the last stored batch count too).
    let mut totals = batcher.snapshot();
    let outcome = if stop_requested {
        Err(RunFailure::Cancelled)
    } else if let Some(err) = fetch_error {
        Err(err.into())
    } else {
        Ok(())
    };
    // A complete, unordered fetch may now move the cursor; a complete listing with no
    // failures tells us which records are gone.
    let finished_normally = outcome.is_ok() && !limit_reached && !options.dry_run;
    let model_row = state.id;
    let run_id = run.id;
    let sweep = finished_normally && complete_listing && failed_total == 0;
    let cursor = if ordered || !finished_normally {
        None
    } else {
        max_cursor
    };
    if let Some(cursor) = cursor {
        totals.cursor_after = Some(cursor.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    }
    let swept = in_tenant(&request.db, scope, move |conn| {
        if let Some(cursor) = cursor {
            store::advance_cursor(conn, model_row, cursor)?;
        }
        let swept = if sweep {
            store::sweep_unseen(conn, model_row, run_id)?
        } else {
            0
        };
        totals.deleted = swept as i64;
        runs::record_progress(conn, run_id, &totals)?;
        Ok(swept)
    })
    .await?;
    if swept > 0 {
        log.line(|| format!("{swept} records no longer at the source: marked deleted"));
    }
    outcome?;
    Ok(if failed_total > 0 {
        RunStatus::Partial
    } else {
        RunStatus::Success
    })
}

struct FetchLimits {
    max_records: Option<u64>,
    /// Keep each source record beside its stored form (for the CRM mapping). Without a
    /// mapper it is dropped here, on the thread that built it.
    keep_raw: bool,
}

/// The fetch task: pages from the connector, deduped by source id within the run (a newer
/// copy of a record seen earlier still counts), hashed, cut at `--max-records`.
async fn fetch_pages(
    mut stream: Box<dyn crate::sync::connector::RecordStream>,
    FetchLimits {
        max_records,
        keep_raw,
    }: FetchLimits,
    cancel: CancellationToken,
    pages: mpsc::Sender<Result<Prepared, SyncError>>,
    log: DebugLog,
) {
    let mut seen: HashMap<u64, Option<i64>> = HashMap::new();
    let mut taken = 0u64;
    loop {
        let page = tokio::select! {
            () = cancel.cancelled() => return,
            page = stream.next_page() => page,
        };
        let page: Page = match page {
            Ok(Some(page)) => page,
            Ok(None) => return,
            Err(err) => {
                let _ = pages.send(Err(err)).await;
                return;
            }
        };
        let expected_total = page.expected_total;
        let (prepared, limit_reached) = {
            let mut prepared = Prepared {
                records: Vec::with_capacity(page.items.len()),
                invalid: Vec::new(),
                expected_total,
                limit_reached: false,
            };
            for item in page.items {
                if max_records.is_some_and(|max| taken >= max) {
                    prepared.limit_reached = true;
                    break;
                }
                match item {
                    Fetched::Record(record) => {
                        let key = id_key(&record.source_id);
                        let version = record.updated_at.map(|at| at.timestamp_micros());
                        let repeat = match seen.insert(key, version) {
                            Some(previous) if previous >= version => {
                                seen.insert(key, previous);
                                log.line(|| {
                                    format!("duplicate of {} in this run skipped", record.source_id)
                                });
                                continue;
                            }
                            earlier => earlier.is_some(),
                        };
                        taken += 1;
                        let stored = StoredRecord {
                            source_id: record.source_id.clone(),
                            hash: store::payload_hash(&record.payload),
                            payload: store::payload_text(&record.payload),
                            updated_at: record.updated_at,
                            deleted: record.deleted,
                        };
                        prepared.records.push(PendingRecord {
                            stored,
                            raw: keep_raw.then_some(record),
                            repeat,
                        });
                    }
                    Fetched::Invalid(invalid) => {
                        taken += 1;
                        let excerpt: String =
                            invalid.payload.to_string().chars().take(500).collect();
                        prepared
                            .invalid
                            .push((invalid.source_id, invalid.reason, excerpt));
                    }
                }
            }
            let limit = prepared.limit_reached || max_records.is_some_and(|max| taken >= max);
            (prepared, limit)
        };
        let mut prepared = prepared;
        prepared.limit_reached = limit_reached;
        if pages.send(Ok(prepared)).await.is_err() || limit_reached {
            return;
        }
    }
}

fn id_key(source_id: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    source_id.hash(&mut hasher);
    hasher.finish()
}

/// What every batch of the run shares.
#[derive(Clone)]
struct StoreTemplate {
    db: Db,
    scope: TenantScope,
    tenant_id: TenantId,
    run_id: i64,
    model_id: i64,
    source: String,
    model: String,
    options: SyncOptions,
    config: ConnectionConfig,
    mapper: Option<&'static dyn crate::sync::crm::CrmMapper>,
    /// The model had no stored records when the run began (a first import).
    first_import: bool,
}

struct StoreJob {
    template: StoreTemplate,
    /// The records to store, and beside each (same index) the source's record to map.
    records: Vec<StoredRecord>,
    raws: Vec<Option<RawRecord>>,
    invalid: Vec<(Option<String>, String, String)>,
    cursor: Option<DateTime<Utc>>,
    metrics: Progress,
    publish: bool,
    /// None of the records can be stored yet: a plain insert will do.
    all_new: bool,
}

/// Records waiting to be stored, and the run's running totals.
struct Batcher {
    job: StoreTemplate,
    ordered: bool,
    metrics: Arc<Metrics>,
    progress: Progress,
    pending: Vec<PendingRecord>,
    pending_invalid: Vec<(Option<String>, String, String)>,
    max_cursor: Option<DateTime<Utc>>,
    pages: i32,
    last_publish: Instant,
    failed_total: i64,
    on_progress: Option<ProgressFn>,
    log: DebugLog,
    /// Batches being stored, oldest first.
    in_flight: VecDeque<tokio::task::JoinHandle<anyhow::Result<Stored>>>,
    /// How many batches may be stored at once: two (two database sessions) where no batch
    /// depends on the one before it — no cursor per batch, and no CRM mapping or one whose
    /// batches are independent ([`crate::sync::crm::CrmMapper::independent_batches`]) — else one.
    parallel: usize,
}

impl Batcher {
    /// The run's metrics now, with no counts to add.
    fn snapshot(&self) -> Progress {
        let mut totals = self.progress.clone();
        totals.pages = self.pages;
        totals.requests = Metrics::get(&self.metrics.requests) as i32;
        totals.retries = Metrics::get(&self.metrics.retries) as i32;
        totals.rate_limit_waits = Metrics::get(&self.metrics.rate_limit_waits) as i32;
        totals.rate_limit_wait_ms = Metrics::get(&self.metrics.rate_limit_wait_ms) as i64;
        totals
    }

    /// Stores the first `take` pending records (and every pending invalid one). Returns
    /// true when the run was asked to stop.
    async fn flush(&mut self, take: usize) -> anyhow::Result<bool> {
        let mut batch: Vec<PendingRecord> =
            self.pending.drain(..take.min(self.pending.len())).collect();
        let has_repeats = batch.iter().any(|record| record.repeat);
        if has_repeats {
            // Batches being stored commit first, so an older copy never lands after a newer.
            if self.settle().await? {
                return Ok(true);
            }
            batch = keep_last_copies(batch, &self.log);
        }
        let invalid = std::mem::take(&mut self.pending_invalid);
        let newest = batch
            .iter()
            .filter_map(|record| record.stored.updated_at)
            .max();
        self.max_cursor = self.max_cursor.max(newest);
        let cursor = if self.ordered { newest } else { None };
        self.progress.pages = self.pages;
        self.progress.requests = Metrics::get(&self.metrics.requests) as i32;
        self.progress.retries = Metrics::get(&self.metrics.retries) as i32;
        self.progress.rate_limit_waits = Metrics::get(&self.metrics.rate_limit_waits) as i32;
        self.progress.rate_limit_wait_ms = Metrics::get(&self.metrics.rate_limit_wait_ms) as i64;
        if let Some(cursor) = cursor.filter(|_| !self.job.options.dry_run) {
            self.progress.cursor_after =
                Some(cursor.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        }
        let publish = self.last_publish.elapsed() >= Duration::from_millis(250);
        let (records, raws) = batch
            .into_iter()
            .map(|record| (record.stored, record.raw))
            .unzip();
        self.in_flight.push_back(tokio::spawn(store_batch(StoreJob {
            all_new: self.job.first_import && !has_repeats,
            template: self.job.clone(),
            records,
            raws,
            invalid,
            cursor,
            metrics: self.progress.clone(),
            publish,
        })));
        if publish {
            self.last_publish = Instant::now();
        }
        let mut stop_requested = false;
        while self.in_flight.len() >= self.parallel {
            stop_requested |= self.settle_oldest().await?;
        }
        Ok(stop_requested)
    }

    /// Waits for every batch still being stored. True when the run was asked to stop.
    async fn settle(&mut self) -> anyhow::Result<bool> {
        let mut stop_requested = false;
        while !self.in_flight.is_empty() {
            stop_requested |= self.settle_oldest().await?;
        }
        Ok(stop_requested)
    }

    /// Takes the oldest batch's outcome. On an error the others are waited for first, so
    /// nothing is written after the run has ended.
    async fn settle_oldest(&mut self) -> anyhow::Result<bool> {
        let Some(task) = self.in_flight.pop_front() else {
            return Ok(false);
        };
        let outcome = task
            .await
            .map_err(|err| anyhow::anyhow!("storing a batch stopped: {err}"))
            .and_then(|stored| stored);
        let stored = match outcome {
            Ok(stored) => stored,
            Err(err) => {
                for task in self.in_flight.drain(..) {
                    // Their own outcome no longer matters: the run fails with the first.
                    let _ = task.await;
                }
                return Err(err);
            }
        };
        self.failed_total += stored.failed;
        self.log.line(|| {
            format!(
                "batch stored: {} created, {} updated, {} unchanged, {} deleted, {} failed",
                stored.created, stored.updated, stored.unchanged, stored.deleted, stored.failed
            )
        });
        if let Some(callback) = &self.on_progress {
            callback(&stored.event);
        }
        Ok(stored.stop_requested)
    }
}

/// The batch with only the last copy of each record (the newest: older copies never get
/// past the fetch task), in the order they came.
fn keep_last_copies(batch: Vec<PendingRecord>, log: &DebugLog) -> Vec<PendingRecord> {
    let mut later: HashSet<&str> = HashSet::with_capacity(batch.len());
    let keep: Vec<bool> = batch
        .iter()
        .rev()
        .map(|record| later.insert(record.stored.source_id.as_str()))
        .collect();
    for (record, _) in batch.iter().rev().zip(&keep).filter(|(_, kept)| !**kept) {
        log.line(|| {
            format!(
                "{} superseded by a newer copy in the same batch",
                record.stored.source_id
            )
        });
    }
    batch
        .into_iter()
        .zip(keep.into_iter().rev())
        .filter_map(|(record, kept)| kept.then_some(record))
        .collect()
}

struct Stored {
    created: i64,
    updated: i64,
    unchanged: i64,
    deleted: i64,
    failed: i64,
    stop_requested: bool,
    event: RunEvent,
}

/// One batch, one transaction.
async fn store_batch(job: StoreJob) -> anyhow::Result<Stored> {
    let db = job.template.db.clone();
    let scope = job.template.scope.clone();
    in_tenant(&db, &scope, move |conn| {
        let template = &job.template;
        let records = &job.records;
        let outcome = if template.options.dry_run {
            store::preview_batch(conn, template.model_id, records, template.options.force)?
        } else if job.all_new {
            store::insert_new_batch(
                conn,
                template.tenant_id,
                template.model_id,
                template.run_id,
                records,
                template.options.force,
                template.mapper.is_some(),
            )?
        } else {
            store::upsert_batch(
                conn,
                template.tenant_id,
                template.model_id,
                template.run_id,
                records,
                template.options.force,
                template.mapper.is_some(),
            )?
        };
        let mut errors: Vec<(Option<String>, String, Option<String>)> = job
            .invalid
            .iter()
            .map(|(id, reason, excerpt)| (id.clone(), reason.clone(), Some(excerpt.clone())))
            .collect();
        if let Some(mapper) = template.mapper {
            let context = MapContext {
                tenant_id: template.tenant_id,
                source: &template.source,
                model: &template.model,
                force: template.options.force,
                connection: &template.config,
            };
            let changed: std::collections::HashSet<&str> =
                outcome.changed.iter().map(String::as_str).collect();
            let to_map: Vec<&RawRecord> = job
                .raws
                .iter()
                .flatten()
                .filter(|raw| changed.contains(raw.source_id.as_str()))
                .collect();
            let unmapped = mapper.map_batch(conn, &context, &to_map)?;
            if !unmapped.is_empty() {
                let payloads: HashMap<&str, &serde_json::Value> = to_map
                    .iter()
                    .map(|raw| (raw.source_id.as_str(), &raw.payload))
                    .collect();
                for failure in unmapped {
                    let excerpt = payloads
                        .get(failure.source_id.as_str())
                        .map(|payload| payload.to_string().chars().take(500).collect());
                    errors.push((
                        Some(failure.source_id),
                        format!("not added to the CRM: {}", failure.reason),
                        excerpt,
                    ));
                }
            }
        }
        let failed = errors.len() as i64;
        let record_errors: Vec<RecordError<'_>> = errors
            .iter()
            .map(|(id, reason, excerpt)| RecordError {
                source_id: id.as_deref(),
                reason,
                payload_excerpt: excerpt.clone(),
            })
            .collect();
        runs::add_errors(conn, template.tenant_id, template.run_id, &record_errors)?;
        if let Some(cursor) = job.cursor.filter(|_| !template.options.dry_run) {
            store::advance_cursor(conn, template.model_id, cursor)?;
        }
        // Rows every batch updates (the model's counts, the run's), last and in this
        // order, so batches stored side by side hold them only briefly and never cross.
        if !template.options.dry_run {
            outcome.add_to_counts(conn, template.model_id)?;
        }
        let delta = Progress {
            processed: (records.len() + job.invalid.len()) as i64,
            created: outcome.created as i64,
            updated: outcome.updated as i64,
            unchanged: outcome.unchanged as i64,
            failed,
            deleted: outcome.deleted as i64,
            ..job.metrics.clone()
        };
        let stop_requested = runs::record_progress(conn, template.run_id, &delta)?;
        let run = runs::find(conn, template.run_id)?.context("the run disappeared")?;
        let event = RunEvent::of(&run);
        if job.publish {
            live::publish(conn, &event)?;
        }
        Ok(Stored {
            created: delta.created,
            updated: delta.updated,
            unchanged: delta.unchanged,
            deleted: delta.deleted,
            failed,
            stop_requested,
            event,
        })
    })
    .await
}
