//! The sync hub: runner, options, pages, API, live progress, connectors against fixtures.

mod browser;
mod callrail;
mod file;
mod file_repeats;
mod helpers;
mod hubspot;
mod hubspot_batch;
mod live;
mod pages;
mod runner;
