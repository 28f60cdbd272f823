//! Building and running the HTTP server. Tests build the same [`Application`] on port 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::HttpServer;
use actix_web::dev::{Server, ServerHandle};
use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::db::Db;
use crate::db::listen::Listener;
use crate::web::{self, AppState};

pub struct Application {
    port: u16,
    server: Server,
    listener: Listener,
}

impl Application {
    /// Binds the listener (so the port is known and a clash is reported at once) and
    /// prepares the server. Nothing is served until [`Application::run_until`].
    pub fn build(settings: Arc<Settings>, db: Db) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind).with_context(|| {
            format!(
                "cannot listen on {}: is Rapport (or something else) already running there? \
                 Set RAPPORT_BIND to another address, e.g. 127.0.0.1:8081",
                settings.bind
            )
        })?;
        let port = listener.local_addr()?.port();
        let notifications = Listener::for_rapport(db.url());
        let state = AppState {
            db,
            settings: settings.clone(),
            listener: notifications.clone(),
        };
        let mut server = HttpServer::new(move || web::app(state.clone()))
            .disable_signals()
            .shutdown_timeout(10);
        if let Some(workers) = settings.http_workers {
            server = server.workers(workers.max(1));
        }
        let server = server.listen(listener)?.run();
        Ok(Application {
            port,
            server,
            listener: notifications,
        })
    }

    /// The LISTEN connection the web app uses; share it with the job runtime.
    pub fn listener(&self) -> Listener {
        self.listener.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until `shutdown` is cancelled, then stops gracefully.
    pub async fn run_until(self, shutdown: CancellationToken) -> std::io::Result<()> {
        let handle = self.server.handle();
        let stopper = tokio::spawn(async move {
            shutdown.cancelled().await;
            handle.stop(true).await;
        });
        let result = self.server.await;
        stopper.abort();
        result
    }
}
