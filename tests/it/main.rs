//! Integration tests: real PostgreSQL, the real app over HTTP, a real browser.

mod support;

mod analytics;
mod api_tokens;
mod auth;
mod board;
mod browser_login;
mod csrf;
mod deals;
mod home;
mod jobs;
mod migrations;
mod record_pages;
mod records;
mod rls;
mod seed;
mod stale;
mod sync;
mod tenancy;
mod timeline;
