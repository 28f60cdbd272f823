//! The real application on port 0 with a fresh database, and an HTTP client that keeps
//! cookies and the page's CSRF token like a browser would.

use std::sync::{Arc, Mutex};

use rapport::app::Application;
use rapport::config::Settings;
use rapport::db::Db;
use reqwest::StatusCode;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::db::TestDb;
use super::html::Page;

pub struct TestApp {
    pub base_url: String,
    pub pool: Db,
    /// Dropped last: the database outlives the server that uses it.
    _db: TestDb,
    shutdown: CancellationToken,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let db = tokio::task::spawn_blocking(TestDb::new)
            .await
            .unwrap_or_else(|err| panic!("db setup panicked: {err}"));
        let pool = db.pool();
        let settings = Arc::new(Settings::for_database(db.url.clone()));
        let app = Application::build(settings, pool.clone())
            .unwrap_or_else(|err| panic!("cannot build the app: {err:#}"));
        let base_url = format!("http://127.0.0.1:{}", app.port());
        let shutdown = CancellationToken::new();
        tokio::spawn(app.run_until(shutdown.clone()));
        TestApp {
            base_url,
            pool,
            _db: db,
            shutdown,
        }
    }

    pub fn client(&self) -> TestClient {
        TestClient::new(&self.base_url)
    }

    /// A client signed in as `email`; panics if sign-in fails.
    pub async fn login(&self, email: &str, password: &str) -> TestClient {
        let client = self.client();
        let response = client.sign_in(email, password).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "sign-in as {email} failed"
        );
        client
    }

    /// Runs blocking database work (fixtures, direct checks) off the async runtime.
    pub async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(Db) -> T + Send + 'static,
    ) -> T {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || work(pool))
            .await
            .unwrap_or_else(|err| panic!("blocking work panicked: {err}"))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub struct TestClient {
    pub http: reqwest::Client,
    pub base_url: String,
    csrf: Mutex<Option<String>>,
}

impl TestClient {
    fn new(base_url: &str) -> TestClient {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|err| panic!("cannot build client: {err}"));
        TestClient {
            http,
            base_url: base_url.to_owned(),
            csrf: Mutex::new(None),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|err| panic!("GET {path}: {err}"))
    }

    /// GETs a page, remembers its CSRF token, and parses it.
    pub async fn page(&self, path: &str) -> (StatusCode, Page) {
        let response = self.get(path).await;
        let status = response.status();
        let page = Page::parse(
            response
                .text()
                .await
                .unwrap_or_else(|err| panic!("body of {path}: {err}")),
        );
        if let Some(token) = page.csrf_token() {
            *self
                .csrf
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(token);
        }
        (status, page)
    }

    pub fn csrf_token(&self) -> Option<String> {
        self.csrf
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// POSTs a form with the remembered CSRF token added, as the page's form would.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf_token().unwrap_or_else(|| {
            panic!("no CSRF token remembered before POST {path}: load a page first")
        });
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_form_raw(path, &all).await
    }

    /// POSTs exactly these fields (no token added).
    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap_or_else(|err| panic!("POST {path}: {err}"))
    }

    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let response = self.get(path).await;
        let status = response.status();
        let body = response
            .json::<Value>()
            .await
            .unwrap_or_else(|err| panic!("JSON from {path}: {err}"));
        (status, body)
    }

    /// Loads the sign-in page (for its CSRF cookie) and submits it.
    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        let (status, _) = self.page("/login").await;
        assert_eq!(status, StatusCode::OK);
        self.post_form(
            "/login",
            &[("email", email), ("password", password), ("next", "/")],
        )
        .await
    }
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
