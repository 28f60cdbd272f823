//! One module per source.

pub mod callrail;
pub mod demo;
pub mod file;
pub mod hubspot;
