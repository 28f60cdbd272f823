//! The sync hub: runner, options, pages, API, live progress, connectors against fixtures.

mod browser;
mod helpers;
mod hubspot;
mod live;
mod pages;
mod runner;
mod callrail;
