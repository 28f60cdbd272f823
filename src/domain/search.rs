//! Finding records by name, email, phone or domain for the command palette and the record
//! pickers. Candidates come from `rapport_search_records` (trigram index, typo tolerant);
//! the rows are then read as the current user, so only visible records are returned.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use serde::Serialize;

use crate::domain::records::RecordKind;

/// Candidates considered per kind before visibility and the limit apply.
const CANDIDATES: i32 = 200;

#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct Hit {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub subtitle: Option<String>,
}

fn sql_for(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Company => {
            "SELECT c.id, c.name AS title, concat_ws(' · ', c.domain, c.city) AS subtitle \
             FROM rapport_search_records('company', $1, $2) s JOIN companies c ON c.id = s.id \
             ORDER BY s.rank DESC, c.id LIMIT $3"
        }
        RecordKind::Contact => {
            "SELECT c.id, CASE WHEN btrim(c.first_name || c.last_name) = '' THEN coalesce(c.email, '') \
                    ELSE btrim(c.first_name || ' ' || c.last_name) END AS title, \
                    concat_ws(' · ', c.email, c.phone, co.name) AS subtitle \
             FROM rapport_search_records('contact', $1, $2) s JOIN contacts c ON c.id = s.id \
             LEFT JOIN companies co ON co.tenant_id = c.tenant_id AND co.id = c.company_id \
             ORDER BY s.rank DESC, c.id LIMIT $3"
        }
        RecordKind::Lead => {
            "SELECT l.id, CASE WHEN btrim(l.first_name || l.last_name) <> '' THEN btrim(l.first_name || ' ' || l.last_name) \
                    ELSE coalesce(l.email, l.company_name, '') END AS title, \
                    concat_ws(' · ', l.company_name, l.email, l.status) AS subtitle \
             FROM rapport_search_records('lead', $1, $2) s JOIN leads l ON l.id = s.id \
             ORDER BY s.rank DESC, l.id LIMIT $3"
        }
        RecordKind::Deal => {
            "SELECT d.id, d.title, concat_ws(' · ', '#' || d.deal_number, co.name, d.status) AS subtitle \
             FROM rapport_search_records('deal', $1, $2) s JOIN deals d ON d.id = s.id \
             LEFT JOIN companies co ON co.tenant_id = d.tenant_id AND co.id = d.company_id \
             ORDER BY s.rank DESC, d.id LIMIT $3"
        }
    }
}

/// The best visible matches of one kind.
pub fn find(
    conn: &mut PgConnection,
    kind: RecordKind,
    query: &str,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    diesel::sql_query(sql_for(kind))
        .bind::<Text, _>(query)
        .bind::<diesel::sql_types::Int4, _>(CANDIDATES)
        .bind::<BigInt, _>(limit)
        .load(conn)
}

/// Matches for the palette, grouped by kind (empty groups left out).
pub fn palette(
    conn: &mut PgConnection,
    query: &str,
    per_kind: i64,
) -> QueryResult<Vec<(RecordKind, Vec<Hit>)>> {
    let mut groups = Vec::new();
    for kind in [
        RecordKind::Company,
        RecordKind::Contact,
        RecordKind::Deal,
        RecordKind::Lead,
    ] {
        let hits = find(conn, kind, query, per_kind)?;
        if !hits.is_empty() {
            groups.push((kind, hits));
        }
    }
    Ok(groups)
}
