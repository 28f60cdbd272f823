//! The sync hub: runner, options, pages, API, live progress, connectors against fixtures.

mod helpers;
mod runner;
mod pages;
mod live;
