//! Rapport: a fast, self-hosted CRM served as server-rendered HTML over PostgreSQL.
//!
//! The binary is a thin wrapper around [`cli::main`]; everything else lives here so the
//! integration tests can build the same application the binary serves.

pub mod app;
pub mod auth;
pub mod bench;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod jobs;
pub mod seed;
pub mod sync;
pub mod web;
