//! What a record page shows about linked records: a company's contacts and deals, a
//! contact's deals with their role, activity and open-task counts. All read under the
//! caller's scope, so only visible records appear.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Int2, Nullable, Text, Timestamptz};
use serde::Serialize;

use crate::domain::counts::CappedCount;

#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct RelatedContact {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub first_name: String,
    #[diesel(sql_type = Text)]
    pub last_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub phone: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub title: Option<String>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_activity_at: Option<DateTime<Utc>>,
}

impl RelatedContact {
    pub fn name(&self) -> String {
        crate::domain::contacts::display_name(
            &self.first_name,
            &self.last_name,
            self.email.as_deref(),
        )
    }
}

#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct RelatedDeal {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub deal_number: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = BigInt)]
    pub amount_minor: i64,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Text)]
    pub stage_name: String,
    #[diesel(sql_type = Text)]
    pub stage_colour: String,
    #[diesel(sql_type = Nullable<Date>)]
    pub expected_close_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Text>)]
    pub owner_name: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub company_id: Option<i64>,
    /// The contact's role on the deal (contact pages only).
    #[diesel(sql_type = Nullable<Text>)]
    pub role: Option<String>,
    #[diesel(sql_type = Nullable<Int2>)]
    pub influence_level: Option<i16>,
    #[diesel(sql_type = Bool)]
    pub is_champion: bool,
    #[diesel(sql_type = Bool)]
    pub is_primary: bool,
}

impl RelatedDeal {
    pub fn amount(&self) -> String {
        crate::web::fmt::money(self.amount_minor, &self.currency)
    }

    pub fn status_tone(&self) -> &'static str {
        match self.status.as_str() {
            "won" => "success",
            "lost" => "danger",
            "abandoned" => "muted",
            _ => "info",
        }
    }
}

const DEAL_COLUMNS: &str = "d.id, d.deal_number, d.title, d.amount_minor, d.currency, d.status, \
     s.name AS stage_name, s.colour AS stage_colour, d.expected_close_date, o.name AS owner_name, d.company_id";
const DEAL_JOINS: &str = "JOIN pipeline_stages s ON s.tenant_id = d.tenant_id AND s.id = d.stage_id \
     LEFT JOIN users o ON o.tenant_id = d.tenant_id AND o.id = d.owner_id";

/// A company's contacts by name (at most `limit`).
pub fn company_contacts(
    conn: &mut PgConnection,
    company: i64,
    limit: i64,
) -> QueryResult<Vec<RelatedContact>> {
    diesel::sql_query(
        "SELECT id, first_name, last_name, email, phone, title, status, last_activity_at FROM contacts \
         WHERE company_id = $1 AND deleted_at IS NULL ORDER BY name_key, id LIMIT $2",
    )
    .bind::<BigInt, _>(company)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// A company's deals: open ones first, then the most recently changed.
pub fn company_deals(
    conn: &mut PgConnection,
    company: i64,
    limit: i64,
) -> QueryResult<Vec<RelatedDeal>> {
    diesel::sql_query(format!(
        "SELECT {DEAL_COLUMNS}, NULL::text AS role, NULL::smallint AS influence_level, \
                false AS is_champion, false AS is_primary \
         FROM deals d {DEAL_JOINS} \
         WHERE d.company_id = $1 AND d.deleted_at IS NULL \
         ORDER BY (d.status = 'open') DESC, d.updated_at DESC, d.id DESC LIMIT $2"
    ))
    .bind::<BigInt, _>(company)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// The deals a contact is on (as primary contact or in the deal's contacts), with the role.
pub fn contact_deals(
    conn: &mut PgConnection,
    contact: i64,
    limit: i64,
) -> QueryResult<Vec<RelatedDeal>> {
    diesel::sql_query(format!(
        "WITH linked AS (SELECT id FROM deals WHERE primary_contact_id = $1 AND deleted_at IS NULL \
                         UNION SELECT deal_id FROM deal_contacts WHERE contact_id = $1) \
         SELECT {DEAL_COLUMNS}, dc.role, dc.influence_level, coalesce(dc.is_champion, false) AS is_champion, \
                coalesce(d.primary_contact_id = $1, false) AS is_primary \
         FROM linked JOIN deals d ON d.id = linked.id {DEAL_JOINS} \
         LEFT JOIN deal_contacts dc ON dc.tenant_id = d.tenant_id AND dc.deal_id = d.id AND dc.contact_id = $1 \
         WHERE d.deleted_at IS NULL \
         ORDER BY (d.status = 'open') DESC, d.updated_at DESC, d.id DESC LIMIT $2"
    ))
    .bind::<BigInt, _>(contact)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = BigInt)]
    found: i64,
}

/// Which link column of a dependent table a count is for.
#[derive(Debug, Clone, Copy)]
pub enum Link {
    Company,
    Contact,
    Deal,
    Lead,
}

impl Link {
    fn column(self) -> &'static str {
        match self {
            Link::Company => "company_id",
            Link::Contact => "contact_id",
            Link::Deal => "deal_id",
            Link::Lead => "lead_id",
        }
    }
}

fn capped(
    conn: &mut PgConnection,
    from_where: String,
    id: i64,
    cap: i64,
) -> QueryResult<CappedCount> {
    let found = diesel::sql_query(format!(
        "SELECT count(*) AS found FROM (SELECT 1 FROM {from_where} LIMIT $2) AS probe"
    ))
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(cap + 1)
    .get_result::<Found>(conn)?
    .found;
    Ok(if found > cap {
        CappedCount::AtLeast(cap)
    } else {
        CappedCount::Exact(found)
    })
}

/// Timeline activities linked to the record, counted up to `cap`.
pub fn activity_count(
    conn: &mut PgConnection,
    link: Link,
    id: i64,
    cap: i64,
) -> QueryResult<CappedCount> {
    capped(
        conn,
        format!(
            "activities WHERE {} = $1 AND deleted_at IS NULL",
            link.column()
        ),
        id,
        cap,
    )
}

/// Open or in-progress tasks linked to the record.
pub fn open_task_count(
    conn: &mut PgConnection,
    link: Link,
    id: i64,
    cap: i64,
) -> QueryResult<CappedCount> {
    capped(
        conn,
        format!(
            "tasks WHERE {} = $1 AND deleted_at IS NULL AND status IN ('open', 'in_progress')",
            link.column()
        ),
        id,
        cap,
    )
}

/// Contacts of a company, counted up to `cap`.
pub fn contact_count(conn: &mut PgConnection, company: i64, cap: i64) -> QueryResult<CappedCount> {
    capped(
        conn,
        "contacts WHERE company_id = $1 AND deleted_at IS NULL".to_owned(),
        company,
        cap,
    )
}

pub fn deal_count(conn: &mut PgConnection, company: i64, cap: i64) -> QueryResult<CappedCount> {
    capped(
        conn,
        "deals WHERE company_id = $1 AND deleted_at IS NULL".to_owned(),
        company,
        cap,
    )
}
