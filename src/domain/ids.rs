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
