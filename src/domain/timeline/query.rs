//! The SQL behind the timeline. Each subject (the company, the company's contacts, a
//! contact, a deal, a lead) is its own branch: an index scan in (occurred_at, id) order
//! with the filters and the cursor applied, limited to one page. The union of the branches
//! is sorted and cut to a page, and only then joined to authors and linked records. So a
//! page reads about a page of rows per branch, never the whole history, and never uses
//! OFFSET.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{Array, BigInt, Int4, Jsonb, Nullable, Text, Timestamptz};

use super::{Cursor, LinkedRecord, TimelineEntry, TimelineFilter};
use crate::domain::activities::{ActivityType, Direction};
use crate::domain::contacts::display_name;
use crate::domain::ids::{ActivityId, TenantId, UserId};

/// A bind parameter of the generated statement.
#[derive(Clone)]
enum Param {
    BigInt(i64),
    BigInts(Vec<i64>),
    Texts(Vec<String>),
    Time(DateTime<Utc>),
}

/// SQL text plus its parameters, numbered in the order they are added.
#[derive(Clone, Default)]
struct Statement {
    params: Vec<Param>,
}

impl Statement {
    fn param(&mut self, param: Param) -> String {
        self.params.push(param);
        format!("${}", self.params.len())
    }

    fn bind(self, sql: String) -> BoxedSqlQuery<'static, Pg, diesel::query_builder::SqlQuery> {
        let mut query = diesel::sql_query(sql).into_boxed::<Pg>();
        for param in self.params {
            query = match param {
                Param::BigInt(value) => query.bind::<BigInt, _>(value),
                Param::BigInts(values) => query.bind::<Array<BigInt>, _>(values),
                Param::Texts(values) => query.bind::<Array<Text>, _>(values),
                Param::Time(value) => query.bind::<Timestamptz, _>(value),
            };
        }
        query
    }
}

/// The `(id, occurred_at)` rows of every branch, merged newest first and cut at `limit`.
fn branches(
    statement: &mut Statement,
    tenant_id: TenantId,
    filter: &TimelineFilter,
    after: Option<Cursor>,
    limit: i64,
) -> String {
    let (parts, limit) = parts(statement, tenant_id, filter, after, limit);
    // UNION (not ALL): an entry linked to two subjects appears once.
    format!(
        "SELECT id, occurred_at FROM ({}) AS branches ORDER BY occurred_at DESC, id DESC LIMIT {limit}",
        parts.join(" UNION ")
    )
}

/// One query per subject, each an ordered index scan cut at `limit` rows; also returns
/// the limit's parameter.
fn parts(
    statement: &mut Statement,
    tenant_id: TenantId,
    filter: &TimelineFilter,
    after: Option<Cursor>,
    limit: i64,
) -> (Vec<String>, String) {
    let tenant = statement.param(Param::BigInt(tenant_id.0));
    let limit = statement.param(Param::BigInt(limit));
    // Conditions every branch shares; parameters are bound once and referenced by number.
    let mut common = String::from("a.deleted_at IS NULL");
    let mut types = None;
    if !filter.types.is_empty() {
        let param = statement.param(Param::Texts(
            filter
                .types
                .iter()
                .map(|kind| kind.as_str().to_owned())
                .collect(),
        ));
        common.push_str(&format!(" AND a.activity_type = ANY({param})"));
        types = Some(param);
    }
    if let Some(author) = filter.author {
        let author = statement.param(Param::BigInt(author.0));
        common.push_str(&format!(" AND a.user_id = {author}"));
    }
    if let Some(from) = filter.from {
        let from = statement.param(Param::Time(from));
        common.push_str(&format!(" AND a.occurred_at >= {from}"));
    }
    if let Some(until) = filter.until {
        let until = statement.param(Param::Time(until));
        common.push_str(&format!(" AND a.occurred_at < {until}"));
    }
    if let Some(cursor) = after {
        let at = statement.param(Param::Time(cursor.occurred_at));
        let id = statement.param(Param::BigInt(cursor.id.0));
        common.push_str(&format!(" AND (a.occurred_at, a.id) < ({at}, {id})"));
    }
    let branch = |subject: &str| {
        format!(
            "(SELECT a.id, a.occurred_at FROM activities a \
              WHERE a.tenant_id = {tenant}{subject} AND {common} \
              ORDER BY a.occurred_at DESC, a.id DESC LIMIT {limit})"
        )
    };

    let subjects = filter.subjects;
    let mut parts = Vec::new();
    match (subjects.is_empty(), types) {
        // The whole tenant, some types: one ordered scan per type, so a rare type does
        // not walk the tenant's entire history.
        (true, Some(types)) => parts.push(format!(
            "(SELECT b.id, b.occurred_at FROM unnest({types}::text[]) AS t(kind) CROSS JOIN LATERAL {} b)",
            branch(" AND a.activity_type = t.kind")
        )),
        (true, None) => parts.push(branch("")),
        (false, _) => {}
    }
    if let Some(company) = subjects.company_id {
        let company = statement.param(Param::BigInt(company.0));
        parts.push(branch(&format!(" AND a.company_id = {company}")));
        if filter.include_company_contacts {
            // One ordered index scan per contact of the company.
            parts.push(format!(
                "(SELECT b.id, b.occurred_at FROM contacts c CROSS JOIN LATERAL {} b \
                  WHERE c.tenant_id = {tenant} AND c.company_id = {company} AND c.deleted_at IS NULL)",
                branch(" AND a.contact_id = c.id")
            ));
        }
    }
    if let Some(contact) = subjects.contact_id {
        let contact = statement.param(Param::BigInt(contact.0));
        parts.push(branch(&format!(" AND a.contact_id = {contact}")));
    }
    if let Some(deal) = subjects.deal_id {
        let deal = statement.param(Param::BigInt(deal.0));
        parts.push(branch(&format!(" AND a.deal_id = {deal}")));
    }
    if let Some(lead) = subjects.lead_id {
        let lead = statement.param(Param::BigInt(lead.0));
        parts.push(branch(&format!(" AND a.lead_id = {lead}")));
    }
    (parts, limit)
}

/// Columns of an entry with its author and linked records, from `a` and its joins.
const ENTRY_COLUMNS: &str = "a.id, a.activity_type, a.title, a.description, a.content, a.direction, \
    a.duration_seconds, a.participants, a.occurred_at, a.user_id, u.name AS user_name, \
    u.email AS user_email, co.id AS company_id, co.name AS company_name, ct.id AS contact_id, \
    ct.first_name AS contact_first_name, ct.last_name AS contact_last_name, \
    ct.email AS contact_email, d.id AS deal_id, d.title AS deal_title, l.id AS lead_id, \
    l.first_name AS lead_first_name, l.last_name AS lead_last_name, l.email AS lead_email, \
    a.external_source, a.external_url, a.extra";

const ENTRY_JOINS: &str = "LEFT JOIN users u ON u.id = a.user_id \
    LEFT JOIN companies co ON co.id = a.company_id AND co.deleted_at IS NULL \
    LEFT JOIN contacts ct ON ct.id = a.contact_id AND ct.deleted_at IS NULL \
    LEFT JOIN deals d ON d.id = a.deal_id AND d.deleted_at IS NULL \
    LEFT JOIN leads l ON l.id = a.lead_id AND l.deleted_at IS NULL";

pub(super) fn entries(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    filter: &TimelineFilter,
    after: Option<Cursor>,
    limit: i64,
) -> QueryResult<Vec<TimelineEntry>> {
    let mut statement = Statement::default();
    let page = branches(&mut statement, tenant_id, filter, after, limit);
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM ({page}) AS page JOIN activities a ON a.id = page.id \
         {ENTRY_JOINS} ORDER BY page.occurred_at DESC, page.id DESC"
    );
    let rows: Vec<EntryRow> = statement.bind(sql).load(conn)?;
    Ok(rows.into_iter().map(EntryRow::into_entry).collect())
}

pub(super) fn by_ids(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    ids: &[i64],
) -> QueryResult<Vec<TimelineEntry>> {
    let mut statement = Statement::default();
    let tenant = statement.param(Param::BigInt(tenant_id.0));
    let ids = statement.param(Param::BigInts(ids.to_vec()));
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM activities a {ENTRY_JOINS} \
         WHERE a.tenant_id = {tenant} AND a.id = ANY({ids}) AND a.deleted_at IS NULL \
         ORDER BY a.occurred_at DESC, a.id DESC"
    );
    let rows: Vec<EntryRow> = statement.bind(sql).load(conn)?;
    Ok(rows.into_iter().map(EntryRow::into_entry).collect())
}

/// Matching entries, counting no further than `stop_at`.
pub(super) fn count_up_to(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    filter: &TimelineFilter,
    stop_at: i64,
) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = BigInt)]
        found: i64,
    }
    let mut statement = Statement::default();
    let (parts, _) = parts(&mut statement, tenant_id, filter, None, stop_at);
    if parts.len() > 1 {
        // The union is at least as long as any part: one subject over the cap decides it
        // without merging (a busy company's own entries, typically). Each part is bound
        // with all parameters; those it does not use are typed, so PostgreSQL accepts them.
        for part in &parts {
            let found: Found = statement
                .clone()
                .bind(format!("SELECT count(*) AS found FROM {part} AS matching"))
                .get_result(conn)?;
            if found.found >= stop_at {
                return Ok(found.found);
            }
        }
    }
    let found: Found = statement
        .bind(format!(
            "SELECT count(*) AS found FROM ({}) AS matching",
            parts.join(" UNION ")
        ))
        .get_result(conn)?;
    Ok(found.found)
}

#[derive(QueryableByName)]
struct EntryRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    activity_type: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Nullable<Text>)]
    description: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    content: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    direction: Option<String>,
    #[diesel(sql_type = Nullable<Int4>)]
    duration_seconds: Option<i32>,
    #[diesel(sql_type = Jsonb)]
    participants: serde_json::Value,
    #[diesel(sql_type = Timestamptz)]
    occurred_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<BigInt>)]
    user_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    user_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    user_email: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    company_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    company_name: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    contact_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    contact_first_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    contact_last_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    contact_email: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    deal_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    deal_title: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    lead_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    lead_first_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    lead_last_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    lead_email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    external_source: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    external_url: Option<String>,
    #[diesel(sql_type = Jsonb)]
    extra: serde_json::Value,
}

impl EntryRow {
    fn into_entry(self) -> TimelineEntry {
        let person = |id: Option<i64>,
                      first: Option<String>,
                      last: Option<String>,
                      email: Option<String>| {
            id.map(|id| LinkedRecord {
                id,
                name: display_name(
                    first.as_deref().unwrap_or(""),
                    last.as_deref().unwrap_or(""),
                    email.as_deref(),
                ),
            })
        };
        let named = |id: Option<i64>, name: Option<String>| {
            id.zip(name).map(|(id, name)| LinkedRecord { id, name })
        };
        TimelineEntry {
            id: ActivityId(self.id),
            // The table's CHECK constraint lists exactly the known types.
            activity_type: ActivityType::parse(&self.activity_type).unwrap_or(ActivityType::Note),
            title: self.title,
            description: self.description.filter(|text| !text.trim().is_empty()),
            content: self.content.filter(|text| !text.trim().is_empty()),
            direction: match self.direction.as_deref() {
                Some("inbound") => Some(Direction::Inbound),
                Some("outbound") => Some(Direction::Outbound),
                _ => None,
            },
            duration_seconds: self.duration_seconds,
            participants: self.participants,
            occurred_at: self.occurred_at,
            user_id: self.user_id.map(UserId),
            user_name: self.user_name,
            user_email: self.user_email,
            company: named(self.company_id, self.company_name),
            contact: person(
                self.contact_id,
                self.contact_first_name,
                self.contact_last_name,
                self.contact_email,
            ),
            deal: named(self.deal_id, self.deal_title),
            lead: person(
                self.lead_id,
                self.lead_first_name,
                self.lead_last_name,
                self.lead_email,
            ),
            external_source: self.external_source,
            external_url: self.external_url,
            extra: self.extra,
        }
    }
}
