//! Into the CRM: how synced records become (or update) Rapport companies, contacts, deals
//! and timeline activities. Each source that feeds the CRM has a [`CrmMapper`]; links from
//! synced records to CRM records live in `sync_links` ([`links`]).

pub mod links;

use diesel::PgConnection;

use crate::domain::ids::TenantId;
use crate::sync::connector::{ConnectionConfig, RawRecord};

/// What a mapper knows about the batch it maps.
pub struct MapContext<'a> {
    pub tenant_id: TenantId,
    pub source: &'a str,
    pub model: &'a str,
    /// `--force`: overwrite fields even where someone edited them in Rapport.
    pub force: bool,
    pub connection: &'a ConnectionConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// The record cannot become a CRM record (recorded as a per-record error).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// What mapping one record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapped {
    Created,
    Updated,
    Unchanged,
    /// The model does not feed the CRM.
    Skipped,
}

pub trait CrmMapper: Send + Sync {
    /// Maps one stored record, in the batch's transaction (inside a savepoint: an error
    /// undoes only this record's changes).
    fn map(
        &self,
        conn: &mut PgConnection,
        ctx: &MapContext<'_>,
        record: &RawRecord,
    ) -> Result<Mapped, MapError>;
}
