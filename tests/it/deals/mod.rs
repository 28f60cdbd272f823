//! Deals (records half of issue 4): the list, the form, the detail page, stage moves
//! with won / lost reasons, pipeline moves, line items, team, permissions, in HTTP and in
//! the browser.

mod browser;
pub(crate) mod helpers;
mod pages;
mod pipelines;
mod stages;
