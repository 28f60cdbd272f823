//! Newtype ids, so a contact id cannot be passed where a deal id is expected.

use std::fmt;

use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};

macro_rules! id_types {
    ($($name:ident),* $(,)?) => {
        $(
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DieselNewType, Serialize, Deserialize)]
            #[serde(transparent)]
            pub struct $name(pub i64);

            impl fmt::Display for $name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    self.0.fmt(f)
                }
            }

            impl From<i64> for $name {
                fn from(id: i64) -> Self {
                    $name(id)
                }
            }
        )*
    };
}

id_types!(
    TenantId,
    UserId,
    TeamId,
    SessionId,
    ApiTokenId,
    CompanyId,
    ContactId,
    LeadId,
    DealId,
    PipelineId,
    StageId,
    ActivityId,
    TaskId,
    NoteId,
    TagId,
    AttachmentId,
);

/// A row of a batch lookup: the key asked for (a source's id) and the id it names here.
/// Queries select the two as `key` and `id`.
#[derive(Debug, diesel::QueryableByName)]
pub struct KeyedId {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub key: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
}

impl KeyedId {
    /// The rows as a map from key to id.
    pub fn map(rows: Vec<KeyedId>) -> std::collections::HashMap<String, i64> {
        rows.into_iter().map(|row| (row.key, row.id)).collect()
    }
}
