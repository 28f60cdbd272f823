//! One module per source.

pub mod demo;
