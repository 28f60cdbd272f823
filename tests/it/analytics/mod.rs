//! Analytics (issue 4): figures against hand-computed values on a controlled history,
//! the stage-duration API, filters, and who may see what.

mod api;
mod deals;
mod fixture;
mod page;
mod snapshots;
