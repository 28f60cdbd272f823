//! Tasks.

pub mod form;
