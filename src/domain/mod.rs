//! Business rules and the queries behind them. Query functions take `&mut PgConnection`
//! and return `QueryResult`, so they compose inside one transaction and test against a
//! bare connection.

pub mod activities;
pub mod api_tokens;
pub mod attachments;
pub mod audit;
pub mod companies;
pub mod company_edit;
pub mod company_list;
pub mod contact_edit;
pub mod contact_list;
pub mod contacts;
pub mod counts;
pub mod custom_fields;
pub mod deal_contacts;
pub mod deals;
pub mod ids;
pub mod lead_conversion;
pub mod lead_edit;
pub mod lead_list;
pub mod leads;
pub mod listing;
pub mod phones;
pub mod pipelines;
pub mod records;
pub mod related;
pub mod roles;
pub mod saved_views;
pub mod search;
pub mod security_log;
pub mod sessions;
pub mod stage_changes;
pub mod tags;
pub mod tenants;
pub mod users;
pub mod visibility;
