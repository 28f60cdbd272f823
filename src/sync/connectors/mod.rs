//! One module per source.

pub mod callrail;
pub mod demo;
pub mod hubspot;
