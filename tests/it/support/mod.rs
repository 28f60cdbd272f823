//! Test harness: one private PostgreSQL cluster per test run, a migrated template
//! database built once, a fresh database per test, the real app on port 0, an HTTP client
//! with cookies, HTML assertions with CSS selectors, and a headless browser.

pub mod app;
pub mod browser;
pub mod cluster;
pub mod db;
pub mod fixtures;
pub mod html;
pub mod wait;

pub use app::TestApp;
pub use db::TestDb;
pub use fixtures::{PASSWORD, TwoTenants};
pub use html::Page;
