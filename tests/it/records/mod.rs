//! Companies, contacts, leads, lists, visibility and the relationship graph (the records
//! area), through HTTP and in the browser.

mod helpers;

mod attachments;
mod browser_lists;
mod browser_records;
mod bulk;
mod conversion;
mod crud;
mod fields_and_tags;
mod lists;
mod relationships;
mod visibility;
