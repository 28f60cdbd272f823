//! Every source Rapport can sync from. Adding a connector is one line here.

use crate::sync::connector::Connector;
use crate::sync::connectors::{callrail::CallRail, demo::Demo, file::FileSource, hubspot::HubSpot};

static CONNECTORS: [&dyn Connector; 4] = [&Demo, &FileSource, &HubSpot, &CallRail];

pub fn all() -> &'static [&'static dyn Connector] {
    &CONNECTORS
}

pub fn get(source: &str) -> Option<&'static dyn Connector> {
    CONNECTORS
        .iter()
        .copied()
        .find(|connector| connector.info().id == source)
}
