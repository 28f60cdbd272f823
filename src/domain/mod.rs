//! Business rules and the queries behind them. Query functions take `&mut PgConnection`
//! and return `QueryResult`, so they compose inside one transaction and test against a
//! bare connection.

pub mod activities;
pub mod api_tokens;
pub mod audit;
pub mod companies;
pub mod contacts;
pub mod counts;
pub mod deals;
pub mod ids;
pub mod leads;
pub mod notes;
pub mod phones;
pub mod pipelines;
pub mod record_ref;
pub mod roles;
pub mod security_log;
pub mod sessions;
pub mod stage_changes;
pub mod tasks;
pub mod tenants;
pub mod timeline;
pub mod users;
