//! A private PostgreSQL cluster run from the system's server binaries, for `make run` when
//! `DATABASE_URL` is unset and for the test harness.
//!
//! Unix socket only (no TCP port). When Rapport runs as root, the PostgreSQL processes run
//! as the `postgres` system user, because PostgreSQL refuses to run as root.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use nix::unistd::{Gid, Uid, User};
use sha2::{Digest, Sha256};

/// The login role that owns the application database inside a local cluster.
pub const APP_ROLE: &str = "rapport";
const SUPERUSER: &str = "postgres";
/// libpq's limit for a socket path is about 107 bytes, including the socket file name.
const MAX_SOCKET_DIR_LEN: usize = 90;

/// How the cluster is tuned: durable enough for a developer's data, or as fast as possible
/// for throwaway test databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tuning {
    Development,
    Test,
}

#[derive(Debug, Clone)]
struct RunAs {
    uid: Uid,
    gid: Gid,
    name: String,
}

#[derive(Debug, Clone)]
pub struct LocalCluster {
    root: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    log_file: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<RunAs>,
    tuning: Tuning,
}

/// Whether [`LocalCluster::start`] started the server or found it running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    Now,
    AlreadyRunning,
}

impl LocalCluster {
    /// Describes the cluster under `root` (created if missing). Fails with an actionable
    /// message when the server binaries are missing or the directory is unusable.
    pub fn new(root: &Path, tuning: Tuning) -> anyhow::Result<Self> {
        let bin_dir = find_bin_dir()?;
        fs::create_dir_all(root).with_context(|| format!("cannot create {}", root.display()))?;
        let root = root
            .canonicalize()
            .with_context(|| format!("cannot resolve {}", root.display()))?;
        let run_as = if nix::unistd::geteuid().is_root() {
            let user = User::from_name(SUPERUSER)
                .context("cannot look up the postgres user")?
                .context(
                    "Rapport runs as root, and PostgreSQL refuses to run as root, but there is no \
                     `postgres` system user to run it as. Install the server package \
                     (apt-get install postgresql), or run Rapport as an ordinary user.",
                )?;
            Some(RunAs {
                uid: user.uid,
                gid: user.gid,
                name: user.name,
            })
        } else {
            None
        };
        let socket_dir = choose_socket_dir(&root);
        let cluster = LocalCluster {
            data_dir: root.join("data"),
            log_file: root.join("postgres.log"),
            root,
            socket_dir,
            bin_dir,
            run_as,
            tuning,
        };
        cluster.prepare_directories()?;
        Ok(cluster)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    pub fn log_file(&self) -> &Path {
        &self.log_file
    }

    /// Runs initdb when the data directory is new. Returns true when it did.
    pub fn init_if_needed(&self) -> anyhow::Result<bool> {
        if self.data_dir.join("PG_VERSION").exists() {
            return Ok(false);
        }
        let mut initdb = self.pg_command("initdb");
        initdb.arg("-D").arg(&self.data_dir).args([
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]);
        run_checked(&mut initdb, "initdb")?;
        let conf = self.data_dir.join("postgresql.conf");
        let mut text = fs::read_to_string(&conf).context("cannot read postgresql.conf")?;
        text.push_str("\n# Rapport's settings, rewritten at every start.\ninclude_if_exists = 'rapport.conf'\n");
        fs::write(&conf, text).context("cannot write postgresql.conf")?;
        Ok(true)
    }

    /// Starts the server unless it is already running (e.g. left by an earlier run that was
    /// killed, or started by another Rapport command using the same data directory).
    pub fn start(&self) -> anyhow::Result<Started> {
        self.init_if_needed()?;
        if self.is_running() {
            return Ok(Started::AlreadyRunning);
        }
        self.write_settings()?;
        let mut pg_ctl = self.pg_command("pg_ctl");
        pg_ctl
            .arg("start")
            .arg("-D")
            .arg(&self.data_dir)
            .arg("-l")
            .arg(&self.log_file)
            .args(["-w", "-t", "120", "-s"]);
        if let Err(err) = run_checked(&mut pg_ctl, "pg_ctl start") {
            let log_tail = fs::read_to_string(&self.log_file)
                .map(|log| {
                    log.lines()
                        .rev()
                        .take(15)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_else(|_| String::from("(no log)"));
            bail!(
                "{err:#}\nLast lines of {}:\n{log_tail}",
                self.log_file.display()
            );
        }
        Ok(Started::Now)
    }

    pub fn is_running(&self) -> bool {
        let mut status = self.pg_command("pg_ctl");
        status.arg("status").arg("-D").arg(&self.data_dir);
        status.output().is_ok_and(|out| out.status.success())
    }

    /// Stops the server, letting current transactions end ("fast" shutdown).
    pub fn stop(&self) -> anyhow::Result<()> {
        if !self.is_running() {
            return Ok(());
        }
        let mut pg_ctl = self.pg_command("pg_ctl");
        pg_ctl
            .arg("stop")
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-m", "fast", "-w", "-s"]);
        run_checked(&mut pg_ctl, "pg_ctl stop")?;
        Ok(())
    }

    /// A shell command line that stops this cluster at once, for a watchdog process that
    /// outlives the process that started the cluster.
    pub fn stop_command_line(&self) -> String {
        let pg_ctl = self.bin_dir.join("pg_ctl");
        let line = format!(
            "{} stop -D {} -m immediate -s",
            shell_quote(pg_ctl.as_os_str()),
            shell_quote(self.data_dir.as_os_str())
        );
        match &self.run_as {
            Some(run_as) => format!("runuser -u {} -- {line}", run_as.name),
            None => line,
        }
    }

    /// A libpq URL for `database` as `user`, through the socket.
    pub fn url(&self, database: &str, user: &str) -> String {
        format!(
            "postgresql:///{database}?host={}&user={user}",
            percent_encode(&self.socket_dir.to_string_lossy())
        )
    }

    pub fn superuser_url(&self, database: &str) -> String {
        self.url(database, SUPERUSER)
    }

    /// Creates the application's login role and `database` if missing; returns its URL.
    /// The role is not a superuser: row-level security applies to it.
    pub fn ensure_app_database(&self, database: &str) -> anyhow::Result<String> {
        let mut admin = PgConnection::establish(&self.superuser_url("postgres"))
            .context("cannot connect to the local PostgreSQL cluster")?;
        ensure_role(&mut admin, APP_ROLE)?;
        if !database_exists(&mut admin, database)? {
            admin
                .batch_execute(&format!(
                    "CREATE DATABASE {} OWNER {APP_ROLE}",
                    quote_ident(database)
                ))
                .with_context(|| format!("cannot create database {database}"))?;
        }
        Ok(self.url(database, APP_ROLE))
    }

    fn pg_command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        // Its own process group: a Ctrl-C in the terminal reaches Rapport, which then stops
        // PostgreSQL cleanly, instead of reaching PostgreSQL directly.
        command
            .current_dir(&self.root)
            .env("LC_ALL", "C")
            .process_group(0);
        if let Some(run_as) = &self.run_as {
            command.uid(run_as.uid.as_raw()).gid(run_as.gid.as_raw());
        }
        command
    }

    fn prepare_directories(&self) -> anyhow::Result<()> {
        for dir in [&self.root, &self.socket_dir] {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot set permissions on {}", dir.display()))?;
        }
        if let Some(run_as) = &self.run_as {
            check_traversable(&self.root, run_as)?;
            chown_tree(&self.root, run_as)?;
            chown_tree(&self.socket_dir, run_as)?;
        }
        Ok(())
    }

    fn write_settings(&self) -> anyhow::Result<()> {
        let mut settings = vec![
            "listen_addresses = ''".to_owned(),
            format!(
                "unix_socket_directories = '{}'",
                self.socket_dir.display().to_string().replace('\'', "''")
            ),
            "unix_socket_permissions = 0700".to_owned(),
            "synchronous_commit = off".to_owned(),
            "log_min_messages = warning".to_owned(),
            "log_min_duration_statement = -1".to_owned(),
        ];
        match self.tuning {
            Tuning::Development => settings.extend([
                "shared_buffers = '512MB'".to_owned(),
                "work_mem = '16MB'".to_owned(),
                "maintenance_work_mem = '256MB'".to_owned(),
                "max_wal_size = '4GB'".to_owned(),
                "max_connections = 100".to_owned(),
            ]),
            Tuning::Test => settings.extend([
                "fsync = off".to_owned(),
                "full_page_writes = off".to_owned(),
                "max_connections = 400".to_owned(),
                "shared_buffers = '256MB'".to_owned(),
            ]),
        }
        let path = self.data_dir.join("rapport.conf");
        fs::write(&path, settings.join("\n") + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        if let Some(run_as) = &self.run_as {
            nix::unistd::chown(&path, Some(run_as.uid), Some(run_as.gid))?;
        }
        Ok(())
    }
}

fn ensure_role(admin: &mut PgConnection, role: &str) -> anyhow::Result<()> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    let found: Found =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS found")
            .bind::<diesel::sql_types::Text, _>(role)
            .get_result(admin)?;
    if !found.found {
        admin.batch_execute(&format!(
            "CREATE ROLE {} LOGIN CREATEROLE",
            quote_ident(role)
        ))?;
    }
    Ok(())
}

pub fn database_exists(admin: &mut PgConnection, database: &str) -> anyhow::Result<bool> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    let found: Found =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS found")
            .bind::<diesel::sql_types::Text, _>(database)
            .get_result(admin)?;
    Ok(found.found)
}

/// Quotes an SQL identifier (database and role names cannot be bound as parameters).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Finds initdb and pg_ctl: `RAPPORT_PG_BIN`, then the newest Debian/Ubuntu install under
/// /usr/lib/postgresql, then the PATH.
fn find_bin_dir() -> anyhow::Result<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("RAPPORT_PG_BIN") {
        let dir = PathBuf::from(dir);
        if has_tools(&dir) {
            return Ok(dir);
        }
        bail!(
            "RAPPORT_PG_BIN={} does not contain initdb and pg_ctl",
            dir.display()
        );
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has_tools(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Ok(dir);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_tools(&dir) {
                return Ok(dir);
            }
        }
    }
    bail!(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found.\n\
         Install them (Debian/Ubuntu: sudo apt-get install postgresql), or set \
         RAPPORT_PG_BIN to the directory that holds them, or set DATABASE_URL to use an \
         existing PostgreSQL server."
    )
}

fn choose_socket_dir(root: &Path) -> PathBuf {
    let preferred = root.join("run");
    if preferred.as_os_str().len() <= MAX_SOCKET_DIR_LEN {
        return preferred;
    }
    let digest = Sha256::digest(root.as_os_str().as_encoded_bytes());
    let short: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    std::env::temp_dir().join(format!("rapport-pg-{short}"))
}

/// PostgreSQL, running as `postgres`, must be able to reach its data directory.
fn check_traversable(dir: &Path, run_as: &RunAs) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    for ancestor in dir.ancestors().skip(1) {
        let meta = fs::metadata(ancestor)
            .with_context(|| format!("cannot inspect {}", ancestor.display()))?;
        let mode = meta.mode();
        let ok = mode & 0o001 != 0
            || (meta.uid() == run_as.uid.as_raw() && mode & 0o100 != 0)
            || (meta.gid() == run_as.gid.as_raw() && mode & 0o010 != 0);
        if !ok {
            bail!(
                "The PostgreSQL server runs as the `{}` user, which cannot enter {} (mode {:o}).\n\
                 Set RAPPORT_DATA_DIR to a directory it can reach (e.g. /var/lib/rapport), or \
                 run `chmod o+x {}`.",
                run_as.name,
                ancestor.display(),
                mode & 0o777,
                ancestor.display()
            );
        }
    }
    Ok(())
}

fn chown_tree(dir: &Path, run_as: &RunAs) -> anyhow::Result<()> {
    nix::unistd::chown(dir, Some(run_as.uid), Some(run_as.gid))
        .with_context(|| format!("cannot hand {} to {}", dir.display(), run_as.name))?;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            // The data directory is already owned correctly once initdb has run.
            if entry.file_name() == OsStr::new("data") && entry.path().join("PG_VERSION").exists() {
                continue;
            }
            chown_tree(&entry.path(), run_as)?;
        } else {
            nix::unistd::chown(&entry.path(), Some(run_as.uid), Some(run_as.gid))?;
        }
    }
    Ok(())
}

fn run_checked(command: &mut Command, what: &str) -> anyhow::Result<Output> {
    let output = command
        .output()
        .with_context(|| format!("cannot run {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim(),
            String::from_utf8_lossy(&output.stdout).trim()
        );
    }
    Ok(output)
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn shell_quote(text: &OsStr) -> String {
    format!("'{}'", text.to_string_lossy().replace('\'', "'\\''"))
}
