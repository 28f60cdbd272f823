//! The sync hub: connectors pull records from the tools a company already uses into
//! Rapport. A connector declares its source and models ([`model`]) and fetches pages
//! ([`connector`]); the [`runner`] stores raw records idempotently ([`store`]), maps them
//! into the CRM ([`crm`]), keeps the run's record ([`runs`]) and publishes live progress
//! ([`live`]). Runs start from the dashboard or API (as jobs, [`jobs`]) or the CLI, with the
//! same options ([`options`]).

pub mod connections;
pub mod connector;
pub mod connectors;
pub mod crm;
pub mod crypto;
pub mod data;
pub mod fixtures;
pub mod http;
pub mod jobs;
pub mod live;
pub mod model;
pub mod options;
pub mod registry;
pub mod runner;
pub mod runs;
pub mod start;
pub mod store;
