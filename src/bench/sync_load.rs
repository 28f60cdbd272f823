//! `rapport bench-sync`: the sync hub's throughput, which is not a page render.
//!
//! 1. PostgreSQL's own `COPY … FROM STDIN` loads N JSON Lines records into a plain jsonb
//!    table, and the file source loads the same lines into the hub's storage (a real run:
//!    read, parse, map, hash, store in batches), in the same process and database; both
//!    rates and their ratio are printed.
//! 2. The HubSpot connector syncs contacts from its fixture server (no rate limit) through
//!    the whole runner, including the CRM mapping (timed before the file load).
//! 3. The `sync` page suite ([`super::sync`]) then times `/sync/{source}/{model}` for the
//!    model the load just filled.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use diesel::prelude::*;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::db::{Db, TenantScope};
use crate::domain::ids::TenantId;
use crate::domain::tenants;
use crate::seed::scale::{self, ScaleCounts};
use crate::sync::connections::{self, SaveConnection};
use crate::sync::crypto::SecretBox;
use crate::sync::fixtures::hubspot::{self, HubSpotConfig};
use crate::sync::options::SyncOptions;
use crate::sync::runner::{self, RunRequest};
use crate::sync::runs::{self, NewRun, SyncRun, Trigger};

pub struct LoadOptions {
    pub tenant: String,
    pub records: usize,
    pub hubspot_records: usize,
    pub batch_size: Option<u32>,
}

// The plain table `COPY` fills: one jsonb column, no index, as the issue asks.
diesel::table! {
    bench_sync_copy (payload) {
        payload -> Jsonb,
    }
}

/// Loads the data and prints the throughput table.
pub async fn run(settings: &Arc<Settings>, db: &Db, options: &LoadOptions) -> anyhow::Result<()> {
    let tenant = ensure_tenant(db, &options.tenant).await?;
    let path = settings
        .data_dir
        .join("bench")
        .join(format!("contacts-{}.jsonl", options.records));
    let (path, bytes) = {
        let records = options.records;
        tokio::task::spawn_blocking(move || write_file(&path, records)).await??
    };
    println!(
        "input: {} JSON Lines records, {:.1} MB ({})",
        group(options.records as u64),
        bytes as f64 / 1e6,
        path.display()
    );

    let copy = {
        let (url, path) = (db.url().to_owned(), path.clone());
        tokio::task::spawn_blocking(move || copy_into_plain_table(&url, &path)).await??
    };
    // The HubSpot figure is a first import's: into a tenant made new for this run, since a
    // second run into the same one would update the contacts the first created. It runs
    // before the million-record load, whose aftermath (a buffer cache full of hub pages,
    // a checkpoint writing them out) otherwise cost it up to a third of its speed.
    let hubspot_tenant = fresh_tenant(db, &format!("{}-hubspot", options.tenant)).await?;
    let hubspot = hubspot_sync(settings, db, hubspot_tenant, options.hubspot_records).await?;
    let hub = load_with_file_source(settings, db, tenant, &path, options.batch_size).await?;

    println!();
    println!(
        "{:<46} {:>10} {:>9} {:>12}",
        "measurement", "records", "seconds", "records/s"
    );
    let line = |label: &str, records: i64, took: Duration| {
        println!(
            "{label:<46} {:>10} {:>9.2} {:>12}",
            group(records as u64),
            took.as_secs_f64(),
            group(rate(records, took) as u64)
        );
    };
    line("COPY into a plain jsonb table", copy.0, copy.1);
    line(
        "file source into the hub (jsonl, one run)",
        hub.0.processed,
        hub.1,
    );
    line(
        "HubSpot contacts from the fixture (+ CRM)",
        hubspot.0.processed,
        hubspot.1,
    );
    let ratio = rate(hub.0.processed, hub.1) / rate(copy.0, copy.1).max(1.0);
    println!(
        "file source / COPY ratio: {ratio:.2} (target ≥ 0.33) {}",
        verdict(ratio >= 1.0 / 3.0)
    );
    let hubspot_rate = rate(hubspot.0.processed, hubspot.1);
    println!(
        "HubSpot: {} records/s (target ≥ 5,000) {}",
        group(hubspot_rate as u64),
        verdict(hubspot_rate >= 5_000.0)
    );
    for (label, run) in [("file run", &hub.0), ("hubspot run", &hubspot.0)] {
        println!(
            "{label} #{}: {} — {} created, {} updated, {} unchanged, {} failed, {} pages, {} requests",
            run.id,
            run.status,
            run.created,
            run.updated,
            run.unchanged,
            run.failed,
            run.pages,
            run.requests
        );
    }
    Ok(())
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

fn rate(records: i64, took: Duration) -> f64 {
    records as f64 / took.as_secs_f64().max(1e-9)
}

pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The bench tenant, created small (an admin to sign in as) when it does not exist.
async fn ensure_tenant(db: &Db, slug: &str) -> anyhow::Result<TenantId> {
    let db = db.clone();
    let slug = slug.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<TenantId> {
        let find = |slug: &str| {
            db.system_blocking(|conn| -> anyhow::Result<_> {
                Ok(tenants::find_by_slug(conn, slug)?)
            })
        };
        let existing = find(&slug)?;
        if let Some(tenant) = existing {
            return Ok(tenant.id);
        }
        let counts =
            ScaleCounts::parse("companies=20,contacts=50,deals=10,activities=100,leads=0,tasks=0")?;
        scale::run(&db, &slug, counts, false)?;
        find(&slug)?
            .map(|tenant| tenant.id)
            .with_context(|| format!("tenant `{slug}` was not created"))
    })
    .await?
}

/// A tenant no earlier run used: `<prefix>-1`, `<prefix>-2`, … (the bench's data
/// directory keeps the earlier ones; dropping a tenant of this size takes longer than the
/// import).
async fn fresh_tenant(db: &Db, prefix: &str) -> anyhow::Result<TenantId> {
    let (pool, prefix) = (db.clone(), prefix.to_owned());
    let slug = tokio::task::spawn_blocking(move || {
        pool.system_blocking(|conn| -> anyhow::Result<String> {
            let mut n = 1;
            loop {
                let slug = format!("{prefix}-{n}");
                if tenants::find_by_slug(conn, &slug)?.is_none() {
                    return Ok(slug);
                }
                n += 1;
            }
        })
    })
    .await??;
    ensure_tenant(db, &slug).await
}

const FIRST: [&str; 16] = [
    "Ana", "Bo", "Carla", "Dmitri", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jonas", "Kiri",
    "Luca", "Maya", "Nils", "Omar", "Priya",
];
const LAST: [&str; 20] = [
    "Lima", "Chen", "Okafor", "Novak", "Johnson", "Garcia", "Wilson", "Kowalski", "Nguyen",
    "Haddad", "Larsen", "Moreau", "Tanaka", "Rossi", "Anderson", "Silva", "Brennan", "Fischer",
    "Patel", "Dubois",
];
const TITLES: [&str; 6] = [
    "Buyer",
    "Operations Manager",
    "Owner",
    "Project Lead",
    "Office Manager",
    "Director of Facilities",
];

/// The same file every time (a pure function of the line number); reused when present.
fn write_file(path: &Path, records: usize) -> anyhow::Result<(PathBuf, u64)> {
    if let Ok(meta) = std::fs::metadata(path)
        && meta.len() > 0
    {
        return Ok((path.to_owned(), meta.len()));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let partial = path.with_extension("partial");
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&partial)?);
    for i in 0..records {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i / 7) % LAST.len()];
        let line = json!({
            "id": format!("C{i:07}"),
            "first_name": first,
            "last_name": last,
            "email": format!("{}.{}{i}@example.com", first.to_lowercase(), last.to_lowercase()),
            "phone": format!("+1 303 555 {:04}", i % 10_000),
            "company": format!("{} {} Holdings", LAST[(i / 3) % LAST.len()], i % 997),
            "title": TITLES[i % TITLES.len()],
            "updated_at": format!(
                "2026-{:02}-{:02}T{:02}:{:02}:00Z",
                1 + i % 12,
                1 + i % 28,
                i % 24,
                i % 60
            ),
        });
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    drop(out);
    std::fs::rename(&partial, path)?;
    Ok((path.to_owned(), std::fs::metadata(path)?.len()))
}

/// `COPY bench_sync_copy (payload) FROM STDIN` with the file's lines (text format: only
/// backslashes need escaping, JSON has no raw tabs or newlines). Returns (rows, time).
fn copy_into_plain_table(url: &str, path: &Path) -> anyhow::Result<(i64, Duration)> {
    let mut conn = PgConnection::establish(url).context("connecting for COPY")?;
    diesel::sql_query("DROP TABLE IF EXISTS bench_sync_copy").execute(&mut conn)?;
    diesel::sql_query("CREATE TABLE bench_sync_copy (payload jsonb NOT NULL)")
        .execute(&mut conn)?;
    // Start both loads from a quiet disk (ignored where not allowed).
    let _ = diesel::sql_query("CHECKPOINT").execute(&mut conn);
    let started = Instant::now();
    let rows = diesel::copy_from(bench_sync_copy::table)
        .from_raw_data(bench_sync_copy::table, |sink: &mut dyn Write| {
            let io = |err: std::io::Error| diesel::result::Error::SerializationError(Box::new(err));
            let reader = BufReader::with_capacity(1 << 20, File::open(path).map_err(io)?);
            for line in reader.split(b'\n') {
                let line = line.map_err(io)?;
                if line.is_empty() {
                    continue;
                }
                if line.contains(&b'\\') {
                    let escaped: Vec<u8> = line
                        .iter()
                        .flat_map(|&b| {
                            if b == b'\\' {
                                vec![b'\\', b'\\']
                            } else {
                                vec![b]
                            }
                        })
                        .collect();
                    sink.write_all(&escaped).map_err(io)?;
                } else {
                    sink.write_all(&line).map_err(io)?;
                }
                sink.write_all(b"\n").map_err(io)?;
            }
            Ok::<(), diesel::result::Error>(())
        })
        .execute(&mut conn)?;
    let took = started.elapsed();
    diesel::sql_query("DROP TABLE bench_sync_copy").execute(&mut conn)?;
    Ok((rows as i64, took))
}

/// Forgets a model's stored records (so the load starts empty) and saves the connection.
fn prepare(
    db: &Db,
    settings: &Settings,
    tenant: TenantId,
    source: &str,
    model: &str,
    connection: serde_json::Value,
    secret: Option<&str>,
) -> anyhow::Result<()> {
    let secrets = SecretBox::from_settings(settings)?;
    db.tenant_blocking(
        &TenantScope::service(tenant.0),
        |conn| -> anyhow::Result<()> {
            // The delete trigger drops the model's records with it.
            diesel::sql_query("DELETE FROM sync_models WHERE source = $1 AND model = $2")
                .bind::<diesel::sql_types::Text, _>(source)
                .bind::<diesel::sql_types::Text, _>(model)
                .execute(conn)?;
            connections::save(
                conn,
                &SaveConnection {
                    tenant_id: tenant,
                    source,
                    settings: connection,
                    secret,
                    actor: None,
                },
                secrets.as_ref(),
            )?;
            Ok(())
        },
    )?;
    // Dead rows from an earlier load would slow this one down.
    let mut plain = PgConnection::establish(db.url())?;
    diesel::sql_query("VACUUM ANALYZE sync_records").execute(&mut plain)?;
    let _ = diesel::sql_query("CHECKPOINT").execute(&mut plain);
    Ok(())
}

/// Creates a running run and runs it to its end in this process; returns it and the time.
async fn timed_run(
    settings: &Arc<Settings>,
    db: &Db,
    tenant: TenantId,
    source: &'static str,
    model: &'static str,
    options: SyncOptions,
) -> anyhow::Result<(SyncRun, Duration)> {
    let started = Instant::now();
    let run = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            db.tenant_blocking(
                &TenantScope::service(tenant.0),
                |conn| -> anyhow::Result<_> {
                    Ok(runs::create(
                        conn,
                        &NewRun {
                            tenant_id: tenant,
                            source,
                            model,
                            trigger: Trigger::Cli,
                            requested_by: None,
                            options: &options,
                        },
                        true,
                        Some("bench"),
                        Duration::from_secs(60),
                    )?)
                },
            )
        })
        .await??
        .map_err(|active| anyhow::anyhow!("run #{active} of {source} {model} is still active"))?
    };
    let finished = runner::execute(RunRequest {
        db: db.clone(),
        settings: settings.clone(),
        run,
        cancel: CancellationToken::new(),
        on_progress: None,
    })
    .await?;
    let took = started.elapsed();
    if !matches!(finished.status.as_str(), "success" | "partial") {
        anyhow::bail!(
            "{source} {model} run #{} ended {}: {}",
            finished.id,
            finished.status,
            finished.error_message.as_deref().unwrap_or("")
        );
    }
    Ok((finished, took))
}

async fn load_with_file_source(
    settings: &Arc<Settings>,
    db: &Db,
    tenant: TenantId,
    path: &Path,
    batch_size: Option<u32>,
) -> anyhow::Result<(SyncRun, Duration)> {
    let columns = [
        "id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "company",
        "title",
        "updated_at",
    ];
    let mapping: serde_json::Map<String, serde_json::Value> = columns
        .iter()
        .map(|c| ((*c).to_owned(), json!(c)))
        .collect();
    let connection = json!({ "files": { "contacts": {
        "path": path.display().to_string(),
        "original_name": path.file_name().map(|n| n.to_string_lossy().into_owned()),
        "format": "jsonl",
        "mapping": mapping,
    }}});
    {
        let (db, settings) = (db.clone(), settings.clone());
        tokio::task::spawn_blocking(move || {
            prepare(&db, &settings, tenant, "file", "contacts", connection, None)
        })
        .await??;
    }
    let options = SyncOptions {
        batch_size,
        ..SyncOptions::default()
    };
    timed_run(settings, db, tenant, "file", "contacts", options).await
}

async fn hubspot_sync(
    settings: &Arc<Settings>,
    db: &Db,
    tenant: TenantId,
    records: usize,
) -> anyhow::Result<(SyncRun, Duration)> {
    let config = HubSpotConfig {
        contacts: records,
        companies: 50,
        deals: 0,
        rate_limit: None,
        search_rate_limit: None,
        ..HubSpotConfig::default()
    };
    let token = config.token.clone();
    let fixture = hubspot::start(config, 0).context("starting the HubSpot fixture")?;
    let connection = json!({ "base_url": fixture.base_url });
    {
        let (db, settings) = (db.clone(), settings.clone());
        tokio::task::spawn_blocking(move || {
            prepare(
                &db,
                &settings,
                tenant,
                "hubspot",
                "contacts",
                connection,
                Some(&token),
            )
        })
        .await??;
    }
    let options = SyncOptions {
        full: true,
        ..SyncOptions::default()
    };
    let result = timed_run(settings, db, tenant, "hubspot", "contacts", options).await;
    fixture.stop().await;
    result
}
