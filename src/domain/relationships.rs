//! The relationship graph around a company or a deal: who works where, which deals a
//! company has, and each contact's role on each deal. Read as the current user, so only
//! visible records appear. Also the deal "power map": what is missing from the buying
//! group (no decision maker, no champion, single-threaded).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Int2, Nullable, Text};
use serde::Serialize;

use crate::domain::deal_contacts::{self, DealContact};

/// At most this many contacts and deals are drawn (the rest are counted).
pub const MAX_PER_COLUMN: i64 = 40;

#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct PersonNode {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub title: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub company_id: Option<i64>,
}

#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct DealNode {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub stage: String,
    #[diesel(sql_type = BigInt)]
    pub amount_minor: i64,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub primary_contact_id: Option<i64>,
}

/// A contact's part in a deal.
#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct RoleEdge {
    #[diesel(sql_type = BigInt)]
    pub contact_id: i64,
    #[diesel(sql_type = BigInt)]
    pub deal_id: i64,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Nullable<Int2>)]
    pub influence_level: Option<i16>,
    #[diesel(sql_type = Bool)]
    pub is_champion: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CompanyGraph {
    pub company_id: i64,
    pub company_name: String,
    pub contacts: Vec<PersonNode>,
    pub deals: Vec<DealNode>,
    pub roles: Vec<RoleEdge>,
    pub more_contacts: i64,
    pub more_deals: i64,
}

const PERSON: &str = "SELECT c.id, CASE WHEN btrim(c.first_name || c.last_name) = '' THEN coalesce(c.email, '(no name)') \
     ELSE btrim(c.first_name || ' ' || c.last_name) END AS name, c.title, c.company_id FROM contacts c";
const DEAL: &str = "SELECT d.id, d.title, s.name AS stage, d.amount_minor, d.currency, d.status, d.primary_contact_id \
     FROM deals d JOIN pipeline_stages s ON s.tenant_id = d.tenant_id AND s.id = d.stage_id";

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The company, its contacts and deals, plus contacts from elsewhere who are on its deals.
pub fn company_graph(
    conn: &mut PgConnection,
    company_id: i64,
    company_name: String,
) -> QueryResult<CompanyGraph> {
    let mut deals: Vec<DealNode> = diesel::sql_query(format!(
        "{DEAL} WHERE d.company_id = $1 AND d.deleted_at IS NULL \
         ORDER BY (d.status = 'open') DESC, d.updated_at DESC, d.id DESC LIMIT $2"
    ))
    .bind::<BigInt, _>(company_id)
    .bind::<BigInt, _>(MAX_PER_COLUMN + 1)
    .load(conn)?;
    let more_deals = deals.len() as i64 - MAX_PER_COLUMN;
    deals.truncate(MAX_PER_COLUMN as usize);
    let deal_ids: Vec<i64> = deals.iter().map(|d| d.id).collect();
    let roles: Vec<RoleEdge> = diesel::sql_query(
        "SELECT contact_id, deal_id, role, influence_level, is_champion FROM deal_contacts WHERE deal_id = ANY($1)",
    )
    .bind::<diesel::sql_types::Array<BigInt>, _>(&deal_ids)
    .load(conn)?;
    // The company's own people first, then outsiders who are on its deals.
    let mut contacts: Vec<PersonNode> = diesel::sql_query(format!(
        "{PERSON} WHERE c.deleted_at IS NULL AND (c.company_id = $1 OR c.id = ANY($2)) \
         ORDER BY (c.company_id = $1) DESC, c.name_key, c.id LIMIT $3"
    ))
    .bind::<BigInt, _>(company_id)
    .bind::<diesel::sql_types::Array<BigInt>, _>(
        roles
            .iter()
            .map(|r| r.contact_id)
            .chain(deals.iter().filter_map(|d| d.primary_contact_id))
            .collect::<Vec<_>>(),
    )
    .bind::<BigInt, _>(MAX_PER_COLUMN + 1)
    .load(conn)?;
    let total: Count = diesel::sql_query("SELECT count(*) AS n FROM (SELECT 1 FROM contacts WHERE company_id = $1 AND deleted_at IS NULL LIMIT 1000) x")
        .bind::<BigInt, _>(company_id)
        .get_result(conn)?;
    let more_contacts = (total.n - MAX_PER_COLUMN).max(contacts.len() as i64 - MAX_PER_COLUMN);
    contacts.truncate(MAX_PER_COLUMN as usize);
    let total_deals: Count = diesel::sql_query("SELECT count(*) AS n FROM (SELECT 1 FROM deals WHERE company_id = $1 AND deleted_at IS NULL LIMIT 1000) x")
        .bind::<BigInt, _>(company_id)
        .get_result(conn)?;
    Ok(CompanyGraph {
        company_id,
        company_name,
        contacts,
        deals,
        roles,
        more_contacts: more_contacts.max(0),
        more_deals: (total_deals.n - MAX_PER_COLUMN).max(more_deals).max(0),
    })
}

/// A finding of the power map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    pub ok: bool,
    pub code: &'static str,
    pub message: String,
}

/// What the buying group of a deal lacks.
pub fn power_map(contacts: &[DealContact]) -> Vec<Flag> {
    let has_role = |role: &str| contacts.iter().any(|c| c.role.as_deref() == Some(role));
    let champion = has_role("champion") || contacts.iter().any(|c| c.is_champion);
    let decision_maker = has_role("decision_maker");
    let people = contacts.len();
    vec![
        if decision_maker {
            Flag {
                ok: true,
                code: "decision_maker",
                message: "A decision maker is on the deal.".to_owned(),
            }
        } else {
            Flag {
                ok: false,
                code: "no_decision_maker",
                message: "No decision maker: find who signs.".to_owned(),
            }
        },
        if champion {
            Flag {
                ok: true,
                code: "champion",
                message: "A champion is selling for you inside.".to_owned(),
            }
        } else {
            Flag {
                ok: false,
                code: "no_champion",
                message: "No champion: nobody inside is selling for you.".to_owned(),
            }
        },
        if people > 1 {
            Flag {
                ok: true,
                code: "multi_threaded",
                message: format!("Multi-threaded: {people} people involved."),
            }
        } else {
            Flag {
                ok: false,
                code: "single_threaded",
                message: if people == 1 {
                    "Single-threaded: the deal rests on one person.".to_owned()
                } else {
                    "No contacts on the deal yet.".to_owned()
                },
            }
        },
    ]
}

/// A deal's contacts and power map.
pub fn deal_people(
    conn: &mut PgConnection,
    deal_id: i64,
) -> QueryResult<(Vec<DealContact>, Vec<Flag>)> {
    let contacts = deal_contacts::list(conn, deal_id)?;
    let flags = power_map(&contacts);
    Ok((contacts, flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(role: Option<&str>, champion: bool) -> DealContact {
        DealContact {
            contact_id: 1,
            first_name: "A".into(),
            last_name: "B".into(),
            email: None,
            title: None,
            company_id: None,
            company_name: None,
            role: role.map(str::to_owned),
            influence_level: None,
            is_champion: champion,
            is_primary: false,
        }
    }

    #[test]
    fn power_map_flags_what_is_missing() {
        let codes = |people: &[DealContact]| {
            power_map(people)
                .into_iter()
                .filter(|f| !f.ok)
                .map(|f| f.code)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            codes(&[]),
            ["no_decision_maker", "no_champion", "single_threaded"]
        );
        assert_eq!(
            codes(&[person(Some("decision_maker"), false)]),
            ["no_champion", "single_threaded"]
        );
        assert!(
            codes(&[
                person(Some("decision_maker"), false),
                person(Some("user"), true)
            ])
            .is_empty()
        );
    }
}
