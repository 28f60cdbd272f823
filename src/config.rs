//! Typed settings, read once from the command line and the environment (`RAPPORT_*`,
//! `DATABASE_URL`), then passed down. Every setting is documented in `.env.sample`.

use std::path::PathBuf;

use clap::Args;

/// The credentials key of [`Settings::for_database`]: public, so for tests only.
pub const TEST_SECRET_KEY: &str = "dGVzdC1vbmx5LWtleS1ub3QtZm9yLXJlYWwtZGF0YSE=";

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// PostgreSQL URL. When unset, Rapport runs its own private cluster under the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Address the web server listens on.
    #[arg(
        long,
        env = "RAPPORT_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,

    /// Public base URL (e.g. https://crm.example.com). An https URL turns on Secure cookies.
    #[arg(long, env = "RAPPORT_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Directory for the private PostgreSQL cluster and other local state.
    #[arg(
        long,
        env = "RAPPORT_DATA_DIR",
        default_value = ".rapport",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Connections in the database pool.
    #[arg(
        long,
        env = "RAPPORT_DB_POOL_SIZE",
        default_value_t = 16,
        global = true
    )]
    pub db_pool_size: u32,

    /// HTTP worker threads (defaults to the number of CPUs).
    #[arg(long, env = "RAPPORT_HTTP_WORKERS", global = true)]
    pub http_workers: Option<usize>,

    /// A session ends after this many minutes without a request.
    #[arg(
        long,
        env = "RAPPORT_SESSION_IDLE_MINUTES",
        default_value_t = 480,
        global = true
    )]
    pub session_idle_minutes: i64,

    /// A session ends this many hours after sign-in, active or not.
    #[arg(
        long,
        env = "RAPPORT_SESSION_MAX_HOURS",
        default_value_t = 168,
        global = true
    )]
    pub session_max_hours: i64,

    /// Where uploaded attachments are stored (default: `<data dir>/attachments`).
    #[arg(long, env = "RAPPORT_ATTACHMENTS_DIR", global = true)]
    pub attachments_dir: Option<PathBuf>,

    /// The largest attachment accepted, in megabytes.
    #[arg(
        long,
        env = "RAPPORT_ATTACHMENT_MAX_MB",
        default_value_t = 25,
        global = true
    )]
    pub attachment_max_mb: u64,

    /// Job workers `serve` runs in-process (0: this process only enqueues; run
    /// `rapport worker` elsewhere).
    #[arg(long, env = "RAPPORT_WORKERS", default_value_t = 2, global = true)]
    pub workers: usize,

    /// Seconds between a running job's heartbeats.
    #[arg(
        long,
        env = "RAPPORT_JOB_HEARTBEAT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub job_heartbeat_secs: u64,

    /// A running job (or sync run) without a heartbeat for this many seconds is treated
    /// as abandoned by a dead process: retried or failed.
    #[arg(
        long,
        env = "RAPPORT_JOB_STALE_SECS",
        default_value_t = 120,
        global = true
    )]
    pub job_stale_secs: u64,

    /// Key that encrypts stored credentials (32 bytes, base64). Without it, the embedded
    /// mode keeps a generated key in `<data dir>/secret.key`.
    #[arg(
        long,
        env = "RAPPORT_SECRET_KEY",
        global = true,
        hide_env_values = true
    )]
    pub secret_key: Option<String>,
}

impl Settings {
    /// Cookies get the Secure flag when Rapport is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    }

    /// The URL people open, for messages and links.
    pub fn display_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    pub fn session_idle(&self) -> chrono::Duration {
        chrono::Duration::minutes(self.session_idle_minutes.max(1))
    }

    /// Where attachments live on disk.
    pub fn attachments_path(&self) -> PathBuf {
        self.attachments_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("attachments"))
    }

    pub fn attachment_max_bytes(&self) -> u64 {
        self.attachment_max_mb.max(1) * 1024 * 1024
    }

    pub fn session_max(&self) -> chrono::Duration {
        chrono::Duration::hours(self.session_max_hours.max(1))
    }

    /// Settings for tests and tools: no environment is read.
    pub fn for_database(database_url: String) -> Self {
        Settings {
            database_url: Some(database_url),
            bind: "127.0.0.1:0".to_owned(),
            public_url: None,
            // Uploads and key files of tests stay out of the source tree.
            data_dir: std::env::temp_dir().join("rapport-tests"),
            db_pool_size: 4,
            http_workers: Some(1),
            session_idle_minutes: 480,
            session_max_hours: 168,
            attachments_dir: Some(std::env::temp_dir().join("rapport-test-attachments")),
            attachment_max_mb: 25,
            workers: 0,
            job_heartbeat_secs: 10,
            job_stale_secs: 120,
            secret_key: Some(TEST_SECRET_KEY.to_owned()),
        }
    }
}
