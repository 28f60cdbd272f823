//! The test run's private cluster, started on first use and stopped by a watchdog process
//! when the test process exits (however it exits).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use rapport::db::local_cluster::{APP_ROLE, LocalCluster, Tuning, quote_ident};
use rapport::db::migrations;

pub const TEMPLATE_DB: &str = "rapport_template";

pub struct TestCluster {
    pub cluster: LocalCluster,
}

static CLUSTER: OnceLock<TestCluster> = OnceLock::new();

pub fn cluster() -> &'static TestCluster {
    CLUSTER.get_or_init(|| match start() {
        Ok(cluster) => cluster,
        Err(err) => panic!("cannot start the test PostgreSQL cluster: {err:#}"),
    })
}

fn runs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("test-pg")
}

fn start() -> anyhow::Result<TestCluster> {
    let runs = runs_dir();
    std::fs::create_dir_all(&runs)?;
    remove_stale_runs(&runs);
    let root = runs.join(std::process::id().to_string());
    let cluster = LocalCluster::new(&root, Tuning::Test)?;
    cluster.start()?;
    spawn_watchdog(&cluster, &root)?;
    let template_url = cluster.ensure_app_database(TEMPLATE_DB)?;
    let mut conn = PgConnection::establish(&template_url)?;
    migrations::run_pending_on(&mut conn)?;
    drop(conn);
    // Nothing may stay connected to a template while databases are copied from it.
    let mut admin = PgConnection::establish(&cluster.superuser_url("postgres"))?;
    admin.batch_execute(&format!(
        "ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
        quote_ident(TEMPLATE_DB)
    ))?;
    Ok(TestCluster { cluster })
}

/// Stops the cluster and removes its directory once this process is gone.
fn spawn_watchdog(cluster: &LocalCluster, root: &Path) -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt;
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf '{root}' '{socket}'",
        pid = std::process::id(),
        stop = cluster.stop_command_line(),
        root = root.display(),
        socket = cluster.socket_dir().display(),
    );
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()?;
    Ok(())
}

/// Directories left by runs whose process died before its watchdog could clean up.
fn remove_stale_runs(runs: &Path) {
    let Ok(entries) = std::fs::read_dir(runs) else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<i32>().ok())
        else {
            continue;
        };
        let alive = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok();
        if !alive && let Ok(stale) = LocalCluster::new(&entry.path(), Tuning::Test) {
            let _ = stale.stop();
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A superuser connection for creating and dropping test databases.
pub fn admin_connection() -> PgConnection {
    let url = cluster().cluster.superuser_url("postgres");
    PgConnection::establish(&url)
        .unwrap_or_else(|err| panic!("cannot connect to the test cluster: {err}"))
}

pub fn app_url(database: &str) -> String {
    cluster().cluster.url(database, APP_ROLE)
}
