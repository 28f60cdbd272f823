//! Conversions between PostgreSQL types and the Rust types the domain uses.

use diesel::deserialize::{self, Queryable};
use diesel::pg::Pg;
use diesel::sql_types::{Array, Nullable, Text};

/// A `text[]` column read as `Vec<String>`. PostgreSQL arrays may hold NULLs, so diesel
/// types them `Array<Nullable<Text>>`; ours never do (and a NULL would carry no meaning).
#[derive(Debug, Clone, Default)]
pub struct StringList(pub Vec<String>);

impl Queryable<Array<Nullable<Text>>, Pg> for StringList {
    type Row = Vec<Option<String>>;

    fn build(row: Self::Row) -> deserialize::Result<Self> {
        Ok(StringList(row.into_iter().flatten().collect()))
    }
}

impl From<StringList> for Vec<String> {
    fn from(list: StringList) -> Self {
        list.0
    }
}
