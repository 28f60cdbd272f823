//! HTTP for connectors: timeouts, retries with exponential backoff on 5xx, timeouts and
//! unreadable bodies, waiting out 429s (the vendor's own headers or `Retry-After`) without
//! counting them as failures, and the run's request metrics and debug log.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use crate::sync::connector::SyncError;

/// Counters a run reports; shared between the HTTP client and the runner.
#[derive(Debug, Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub rate_limit_waits: AtomicU64,
    pub rate_limit_wait_ms: AtomicU64,
}

impl Metrics {
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// The run's debug log (`--debug`): kept with the run, capped in size.
#[derive(Debug, Clone, Default)]
pub struct DebugLog {
    inner: Option<Arc<Mutex<String>>>,
}

const DEBUG_LOG_CAP: usize = 512 * 1024;

impl DebugLog {
    pub fn enabled() -> Self {
        DebugLog {
            inner: Some(Arc::default()),
        }
    }

    pub fn disabled() -> Self {
        DebugLog { inner: None }
    }

    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    pub fn line(&self, line: impl FnOnce() -> String) {
        if let Some(log) = &self.inner {
            let mut log = log.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if log.len() < DEBUG_LOG_CAP {
                log.push_str(&chrono::Utc::now().format("%H:%M:%S%.3f ").to_string());
                log.push_str(&line());
                log.push('\n');
                if log.len() >= DEBUG_LOG_CAP {
                    log.push_str("… (log truncated)\n");
                }
            }
        }
    }

    pub fn text(&self) -> Option<String> {
        self.inner
            .as_ref()
            .map(|log| log.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }
}

/// How hard to try. Connections may shorten these (tests do).
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub timeout: Duration,
    /// Retries after the first attempt, for 5xx, timeouts and unreadable bodies.
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Give up when one request has waited this long in total for rate limits.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            timeout: Duration::from_secs(30),
            max_retries: 4,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            max_rate_limit_wait: Duration::from_secs(2 * 3600),
        }
    }
}

/// A received response.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: actix_web::web::Bytes,
}

/// Decides how long to wait after a 429 (vendors say it differently).
pub type RateLimitWait = dyn Fn(&HeaderMap, &[u8]) -> Duration + Send + Sync;

/// `Retry-After` in seconds (or an HTTP date), else 10 seconds.
pub fn retry_after(headers: &HeaderMap, _body: &[u8]) -> Duration {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .trim()
                .parse::<f64>()
                .ok()
                .map(Duration::from_secs_f64)
                .or_else(|| {
                    chrono::DateTime::parse_from_rfc2822(value.trim())
                        .ok()
                        .map(|at| at.with_timezone(&chrono::Utc) - chrono::Utc::now())
                        .and_then(|wait| wait.to_std().ok())
                })
        })
        .unwrap_or(Duration::from_secs(10))
}

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    pub metrics: Arc<Metrics>,
    pub log: DebugLog,
    pub cancel: CancellationToken,
    pub policy: RetryPolicy,
}

impl Http {
    pub fn new(
        policy: RetryPolicy,
        log: DebugLog,
        cancel: CancellationToken,
    ) -> Result<Self, SyncError> {
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("Rapport/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| {
                SyncError::Other(anyhow::anyhow!("cannot build the HTTP client: {err}"))
            })?;
        Ok(Http {
            client,
            metrics: Arc::default(),
            log,
            cancel,
            policy,
        })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sleeps unless cancelled first.
    pub async fn pause(&self, wait: Duration) -> Result<(), SyncError> {
        tokio::select! {
            () = self.cancel.cancelled() => Err(SyncError::Cancelled),
            () = tokio::time::sleep(wait) => Ok(()),
        }
    }

    fn backoff(&self, retry: u32) -> Duration {
        let raw = self.policy.backoff_base.as_secs_f64()
            * 2f64.powi(retry.saturating_sub(1).min(20) as i32);
        let spread = 0.75 + 0.5 * fastrand::f64();
        Duration::from_secs_f64((raw * spread).min(self.policy.backoff_max.as_secs_f64()))
    }

    /// Sends the request `build` makes (built afresh for each attempt) and returns a 2xx
    /// reply. Retries 5xx and network errors with backoff; waits out 429s as `wait` says;
    /// turns 401/403 into [`SyncError::Auth`] and other 4xx into [`SyncError::Http`].
    pub async fn send(
        &self,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
        wait: &RateLimitWait,
    ) -> Result<Reply, SyncError> {
        let mut retries = 0u32;
        let mut waited = Duration::ZERO;
        loop {
            if self.cancel.is_cancelled() {
                return Err(SyncError::Cancelled);
            }
            let request = build(&self.client)
                .build()
                .map_err(|err| SyncError::Other(anyhow::anyhow!("bad request: {err}")))?;
            let described = format!("{} {}", request.method(), request.url());
            let started = Instant::now();
            self.metrics.requests.fetch_add(1, Ordering::Relaxed);
            let outcome = tokio::select! {
                () = self.cancel.cancelled() => return Err(SyncError::Cancelled),
                outcome = self.client.execute(request) => outcome,
            };
            let failure = match outcome {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let body = tokio::select! {
                        () = self.cancel.cancelled() => return Err(SyncError::Cancelled),
                        body = response.bytes() => body,
                    };
                    match body {
                        Ok(body) => {
                            self.log.line(|| {
                                format!(
                                    "{described} → {} in {} ms ({} bytes)",
                                    status.as_u16(),
                                    started.elapsed().as_millis(),
                                    body.len()
                                )
                            });
                            if status.is_success() {
                                return Ok(Reply {
                                    status,
                                    headers,
                                    body,
                                });
                            }
                            if status == StatusCode::TOO_MANY_REQUESTS {
                                let pause = wait(&headers, &body);
                                waited += pause;
                                if waited > self.policy.max_rate_limit_wait {
                                    return Err(SyncError::Http {
                                        status: 429,
                                        message: format!(
                                            "still rate limited after waiting {} s",
                                            waited.as_secs()
                                        ),
                                    });
                                }
                                self.metrics
                                    .rate_limit_waits
                                    .fetch_add(1, Ordering::Relaxed);
                                self.metrics
                                    .rate_limit_wait_ms
                                    .fetch_add(pause.as_millis() as u64, Ordering::Relaxed);
                                self.log.line(|| {
                                    format!("rate limited: waiting {} ms", pause.as_millis())
                                });
                                self.pause(pause).await?;
                                continue;
                            }
                            if status.is_server_error() {
                                format!("{described} answered {status}")
                            } else {
                                let message = excerpt(&body, 300);
                                return Err(match status.as_u16() {
                                    401 | 403 => SyncError::Auth(message),
                                    code => SyncError::Http {
                                        status: code,
                                        message,
                                    },
                                });
                            }
                        }
                        Err(err) => format!("{described}: the body could not be read: {err}"),
                    }
                }
                Err(err) if err.is_timeout() => format!("{described} timed out"),
                Err(err) => format!("{described} failed: {err}"),
            };
            self.log.line(|| failure.clone());
            if retries >= self.policy.max_retries {
                return Err(SyncError::Network(format!(
                    "{failure} (gave up after {} retries)",
                    retries
                )));
            }
            retries += 1;
            self.metrics.retries.fetch_add(1, Ordering::Relaxed);
            self.pause(self.backoff(retries)).await?;
        }
    }

    /// [`Http::send`] and parse the JSON body. A body that is not the JSON we expect is
    /// retried like a 5xx (a truncated or garbled response is usually transient).
    pub async fn json<T: DeserializeOwned>(
        &self,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
        wait: &RateLimitWait,
    ) -> Result<T, SyncError> {
        let mut retries = 0u32;
        loop {
            let reply = self.send(&build, wait).await?;
            match serde_json::from_slice::<T>(&reply.body) {
                Ok(parsed) => return Ok(parsed),
                Err(err) => {
                    let problem = format!("unreadable JSON ({err}): {}", excerpt(&reply.body, 120));
                    self.log.line(|| problem.clone());
                    if retries >= self.policy.max_retries {
                        return Err(SyncError::Malformed(problem));
                    }
                    retries += 1;
                    self.metrics.retries.fetch_add(1, Ordering::Relaxed);
                    self.pause(self.backoff(retries)).await?;
                }
            }
        }
    }
}

/// The start of a body, for messages.
pub fn excerpt(body: &[u8], max_chars: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut cut: String = text.chars().take(max_chars).collect();
    if text.chars().count() > max_chars {
        cut.push('…');
    }
    cut
}
