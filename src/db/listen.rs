//! PostgreSQL `LISTEN/NOTIFY` for the whole process: one dedicated connection (tokio-postgres,
//! since Diesel is blocking) fans notifications out to any number of in-process subscribers.
//!
//! Used to wake job workers the moment a job is enqueued and to carry live sync progress
//! from whichever process runs a sync to the browsers watching it. Notifications are
//! delivered on commit, so a subscriber never hears about work that was rolled back.
//! When the connection drops, the listener reconnects with backoff and then sends a
//! [`Notice`] with an empty channel, meaning "you may have missed something: re-read".

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::broadcast;

/// Channel names. Payloads are small (PostgreSQL caps them at 8000 bytes).
pub const JOBS_CHANNEL: &str = "rapport_jobs";
pub const SYNC_CHANNEL: &str = "rapport_sync";

/// One notification, or (with an empty channel) the news that the listener reconnected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub channel: String,
    pub payload: String,
}

impl Notice {
    pub fn is_reconnect(&self) -> bool {
        self.channel.is_empty()
    }
}

/// Cheap to clone; all clones share one connection, opened on the first subscription.
#[derive(Clone)]
pub struct Listener {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    channels: Vec<String>,
    sender: broadcast::Sender<Notice>,
    started: Mutex<bool>,
    /// True while the LISTEN is in place.
    ready: tokio::sync::watch::Sender<bool>,
}

impl Listener {
    pub fn new(url: &str, channels: &[&str]) -> Self {
        let (sender, _) = broadcast::channel(1024);
        Listener {
            inner: Arc::new(Inner {
                url: url.to_owned(),
                channels: channels.iter().map(|c| (*c).to_owned()).collect(),
                sender,
                started: Mutex::new(false),
                ready: tokio::sync::watch::channel(false).0,
            }),
        }
    }

    /// The listener for Rapport's own channels.
    pub fn for_rapport(url: &str) -> Self {
        Listener::new(url, &[JOBS_CHANNEL, SYNC_CHANNEL])
    }

    /// A receiver of every notice from now on. Starts the connection task on first use
    /// (on the calling Tokio runtime). A slow receiver that falls behind gets `Lagged` and
    /// should treat it like a reconnect.
    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        let receiver = self.inner.sender.subscribe();
        let mut started = self
            .inner
            .started
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !*started {
            *started = true;
            let inner = Arc::downgrade(&self.inner);
            tokio::spawn(async move { run(inner).await });
        }
        receiver
    }

    /// Waits until the LISTEN is in place (at most `timeout`), so that a caller who
    /// subscribes and then reads the current state cannot miss a change in between.
    /// Returns false if it was not ready in time (the caller then relies on polling).
    pub async fn wait_ready(&self, timeout: Duration) -> bool {
        let mut ready = self.inner.ready.subscribe();
        tokio::time::timeout(timeout, ready.wait_for(|ready| *ready))
            .await
            .is_ok_and(|result| result.is_ok())
    }
}

/// Keeps a LISTEN connection open while any [`Listener`] clone exists.
async fn run(inner: std::sync::Weak<Inner>) {
    let mut delay = Duration::from_millis(200);
    let mut first = true;
    loop {
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let url = strong.url.clone();
        let channels = strong.channels.clone();
        let sender = strong.sender.clone();
        let ready = strong.ready.clone();
        drop(strong);
        let result = listen_once(&url, &channels, &sender, &ready, first).await;
        ready.send_replace(false);
        match result {
            Ok(()) => delay = Duration::from_millis(200),
            Err(err) => {
                tracing::warn!(error = %err, "LISTEN connection lost; reconnecting");
            }
        }
        first = false;
        if inner.strong_count() == 0 {
            return;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}

async fn listen_once(
    url: &str,
    channels: &[String],
    sender: &broadcast::Sender<Notice>,
    ready: &tokio::sync::watch::Sender<bool>,
    first: bool,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    let (forward, mut incoming) = tokio::sync::mpsc::unbounded_channel();
    // The connection must be polled for the client's queries and the notifications alike.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(tokio_postgres::AsyncMessage::Notification(note)) => {
                    let notice = Notice {
                        channel: note.channel().to_owned(),
                        payload: note.payload().to_owned(),
                    };
                    if forward.send(Ok(notice)).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    let _ = forward.send(Err(err));
                    return;
                }
            }
        }
    });
    let mut statements = String::from("SET application_name = 'rapport-listen';");
    for channel in channels {
        statements.push_str(&format!(" LISTEN \"{}\";", channel.replace('"', "")));
    }
    client.batch_execute(&statements).await?;
    ready.send_replace(true);
    if !first {
        // Whatever was sent while we were away is lost: subscribers re-read their state.
        let _ = sender.send(Notice {
            channel: String::new(),
            payload: String::new(),
        });
    }
    let result = loop {
        match incoming.recv().await {
            Some(Ok(notice)) => {
                // No receivers is fine: nobody is watching right now.
                let _ = sender.send(notice);
            }
            Some(Err(err)) => break Err(err),
            None => break Ok(()),
        }
    };
    driver.abort();
    drop(client);
    result
}
