//! Changing contacts: the full set of editable values and the audited update. Soft delete
//! and restore live in [`crate::domain::records`].

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::contacts;
use crate::domain::audit::{self, AuditEntry};
use crate::domain::contacts::{Contact, NewContact};
use crate::domain::ids::{CompanyId, ContactId, TenantId, UserId};

/// Every value a person can edit on a contact. Empty values are stored as NULL.
#[derive(Debug, Clone, PartialEq, AsChangeset, Serialize)]
#[diesel(table_name = contacts, treat_none_as_null = true)]
pub struct ContactChanges {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub additional_emails: Vec<String>,
    pub phone: Option<String>,
    pub phone_e164: Option<String>,
    pub mobile: Option<String>,
    pub mobile_e164: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub company_id: Option<CompanyId>,
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
}

impl ContactChanges {
    pub fn into_new(self, tenant_id: TenantId, created_by: Option<UserId>) -> NewContact {
        let mut new = NewContact::new(tenant_id, self.first_name, self.last_name);
        new.email = self.email;
        new.additional_emails = self.additional_emails;
        new.phone = self.phone;
        new.phone_e164 = self.phone_e164;
        new.mobile = self.mobile;
        new.mobile_e164 = self.mobile_e164;
        new.title = self.title;
        new.department = self.department;
        new.company_id = self.company_id;
        new.owner_id = self.owner_id;
        new.status = self.status;
        new.source = self.source;
        new.address_line1 = self.address_line1;
        new.address_line2 = self.address_line2;
        new.city = self.city;
        new.region = self.region;
        new.postal_code = self.postal_code;
        new.country = self.country;
        new.linkedin_url = self.linkedin_url;
        new.twitter_handle = self.twitter_handle;
        new.email_opt_in = self.email_opt_in;
        new.sms_opt_in = self.sms_opt_in;
        new.do_not_call = self.do_not_call;
        new.birthday = self.birthday;
        new.custom_fields = self.custom_fields;
        new.created_by = created_by;
        new
    }
}

/// Saves the changes with an audit entry. None when the contact is not visible or deleted.
pub fn update(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    id: ContactId,
    changes: &ContactChanges,
) -> QueryResult<Option<Contact>> {
    let Some(before) = crate::domain::contacts::find(conn, id)? else {
        return Ok(None);
    };
    let after: Contact = diesel::update(contacts::table.find(id))
        .set(changes)
        .returning(Contact::as_returning())
        .get_result(conn)?;
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action: "contact.updated",
            entity_type: "contact",
            entity_id: Some(id.0),
            before: audit::snapshot(&before),
            after: audit::snapshot(&after),
        },
    )?;
    Ok(Some(after))
}

/// A contact by id whether deleted or not (for the restore banner).
pub fn find_any(conn: &mut PgConnection, id: ContactId) -> QueryResult<Option<Contact>> {
    contacts::table
        .find(id)
        .select(Contact::as_select())
        .first(conn)
        .optional()
}

/// A live contact with this email (any case), for reusing one instead of making a twin.
pub fn find_by_email(conn: &mut PgConnection, email: &str) -> QueryResult<Option<Contact>> {
    contacts::table
        .filter(contacts::email_key.eq(email.trim().to_lowercase()))
        .filter(contacts::deleted_at.is_null())
        .order(contacts::id)
        .select(Contact::as_select())
        .first(conn)
        .optional()
}
