//! Contacts (people), optionally linked to a company.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::contacts;
use crate::domain::activities::{ActivityType, NewActivity, insert_many, touch_companies};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{CompanyId, ContactId, KeyedId, TenantId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = contacts, check_for_backend(diesel::pg::Pg))]
pub struct Contact {
    pub id: ContactId,
    pub company_id: Option<CompanyId>,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    #[diesel(deserialize_as = crate::db::types::StringList)]
    pub additional_emails: Vec<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub owner_id: Option<UserId>,
    pub status: String,
    pub source: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub linkedin_url: Option<String>,
    pub twitter_handle: Option<String>,
    pub email_opt_in: bool,
    pub sms_opt_in: bool,
    pub do_not_call: bool,
    pub birthday: Option<NaiveDate>,
    pub custom_fields: serde_json::Value,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub external_source: Option<String>,
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Contact {
    pub fn full_name(&self) -> String {
        display_name(&self.first_name, &self.last_name, self.email.as_deref())
    }
}

/// "First Last", or the email when there is no name.
pub fn display_name(first: &str, last: &str, email: Option<&str>) -> String {
    let name = format!("{} {}", first.trim(), last.trim());
    let name = name.trim();
    if name.is_empty() {
        email.unwrap_or("(no name)").to_owned()
    } else {
        name.to_owned()
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contacts)]
pub struct NewContact {
    pub tenant_id: TenantId,
    pub company_id: Option<CompanyId>,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub phone_e164: Option<String>,
    pub mobile: Option<String>,
    pub mobile_e164: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub owner_id: Option<UserId>,
    pub status: String,
    pub source: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub email_opt_in: bool,
    pub created_by: Option<UserId>,
    pub created_at: Option<DateTime<Utc>>,
    pub additional_emails: Vec<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub postal_code: Option<String>,
    pub linkedin_url: Option<String>,
    pub twitter_handle: Option<String>,
    pub sms_opt_in: bool,
    pub do_not_call: bool,
    pub birthday: Option<NaiveDate>,
    pub custom_fields: serde_json::Value,
    /// Where a synced contact came from (with `external_id`): unique per tenant.
    pub external_source: Option<String>,
    pub external_id: Option<String>,
    /// Set by [`create_many`] to the creation time (the `contact_created` entry's), so the
    /// row is written once.
    pub last_activity_at: Option<DateTime<Utc>>,
}

impl NewContact {
    pub fn new(
        tenant_id: TenantId,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
    ) -> Self {
        NewContact {
            tenant_id,
            company_id: None,
            first_name: first_name.into(),
            last_name: last_name.into(),
            email: None,
            phone: None,
            phone_e164: None,
            mobile: None,
            mobile_e164: None,
            title: None,
            department: None,
            owner_id: None,
            status: "new".to_owned(),
            source: None,
            city: None,
            region: None,
            country: None,
            email_opt_in: false,
            created_by: None,
            created_at: None,
            additional_emails: Vec::new(),
            address_line1: None,
            address_line2: None,
            postal_code: None,
            linkedin_url: None,
            twitter_handle: None,
            sms_opt_in: false,
            do_not_call: false,
            birthday: None,
            custom_fields: serde_json::json!({}),
            external_source: None,
            external_id: None,
            last_activity_at: None,
        }
    }
}

/// Inserts the row only. Prefer [`create`], which also audits and logs the event.
pub fn insert(conn: &mut PgConnection, new: &NewContact) -> QueryResult<Contact> {
    diesel::insert_into(contacts::table)
        .values(new)
        .returning(Contact::as_returning())
        .get_result(conn)
}

/// Creates a contact: the row, its audit entry and its `contact_created` timeline entry,
/// in the caller's transaction.
pub fn create(
    conn: &mut PgConnection,
    new: &NewContact,
    actor: Option<UserId>,
) -> QueryResult<Contact> {
    create_many(conn, new.tenant_id, std::slice::from_ref(new), actor)?
        .into_iter()
        .next()
        .ok_or(diesel::result::Error::NotFound)
}

/// [`create`] for many contacts at once (a sync's batch): one insert, one audit insert,
/// one timeline insert. Returns the contacts in the order given.
pub fn create_many(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    news: &[NewContact],
    actor: Option<UserId>,
) -> QueryResult<Vec<Contact>> {
    // The creation time is the timeline entry's too: set on insert, the row needs no
    // second write for `last_activity_at` (an update would touch all of its indexes).
    let now = Utc::now();
    let rows: Vec<NewContact> = news
        .iter()
        .map(|new| {
            let created_at = new.created_at.unwrap_or(now);
            NewContact {
                created_at: Some(created_at),
                last_activity_at: Some(
                    new.last_activity_at
                        .map_or(created_at, |at| at.max(created_at)),
                ),
                ..new.clone()
            }
        })
        .collect();
    let mut created = Vec::with_capacity(rows.len());
    // About 30 columns per row: 500 rows stay under the 65,535 bind parameter limit.
    for chunk in rows.chunks(500) {
        let mut inserted: Vec<Contact> = diesel::insert_into(contacts::table)
            .values(chunk)
            .returning(Contact::as_returning())
            .get_results(conn)?;
        // PostgreSQL returns inserted rows in VALUES order, but nothing promises it; ids
        // are drawn in that order, so sorting by id restores it either way.
        inserted.sort_by_key(|contact| contact.id.0);
        created.extend(inserted);
    }
    let entries: Vec<AuditEntry<'_>> = created
        .iter()
        .map(|contact| AuditEntry {
            tenant_id,
            actor_id: actor,
            action: "contact.created",
            entity_type: "contact",
            entity_id: Some(contact.id.0),
            before: None,
            after: audit::snapshot(contact),
        })
        .collect();
    audit::record_many(conn, &entries)?;
    let events: Vec<NewActivity> = created
        .iter()
        .map(|contact| {
            let mut event = NewActivity::new(
                ActivityType::ContactCreated,
                format!("Contact {} created", contact.full_name()),
                contact.created_at,
            );
            event.contact_id = Some(contact.id);
            event.company_id = contact.company_id;
            event.user_id = actor;
            event
        })
        .collect();
    insert_many(conn, tenant_id, &events)?;
    // The contacts carry their time already; their companies move forward.
    touch_companies(
        conn,
        created
            .iter()
            .filter_map(|contact| Some((contact.company_id?, contact.created_at))),
    )?;
    Ok(created)
}

/// The ids of contacts with these external ids from `source`, by external id.
pub fn ids_by_external(
    conn: &mut PgConnection,
    source: &str,
    external_ids: &[&str],
) -> QueryResult<std::collections::HashMap<String, i64>> {
    use diesel::sql_types::{Array, Text};
    if external_ids.is_empty() {
        return Ok(Default::default());
    }
    // One probe of the (tenant, source, external id) key per id, whatever the statistics
    // say while a sync is filling the table. `OFFSET 0` keeps PostgreSQL from flattening the
    // LATERAL into a join that reads the tenant's whole source (a hash join over 30,000
    // contacts took 24 ms a lookup); a LIMIT would invite a scan-until-found plan instead.
    let found: Vec<KeyedId> = diesel::sql_query(
        "SELECT s.external_id AS key, c.id FROM unnest($1::text[]) AS s(external_id) \
         CROSS JOIN LATERAL (SELECT id FROM contacts \
             WHERE tenant_id = app_tenant_id() AND external_source = $2 \
               AND external_id = s.external_id OFFSET 0) c",
    )
    .bind::<Array<Text>, _>(external_ids)
    .bind::<Text, _>(source)
    .load(conn)?;
    Ok(KeyedId::map(found))
}

pub fn find(conn: &mut PgConnection, id: ContactId) -> QueryResult<Option<Contact>> {
    contacts::table
        .find(id)
        .filter(contacts::deleted_at.is_null())
        .select(Contact::as_select())
        .first(conn)
        .optional()
}
