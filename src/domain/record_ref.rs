//! A reference to one CRM record (company, contact, deal or lead), for the things that hang
//! off records: notes, tasks and timeline entries.

use diesel::prelude::*;

use crate::db::schema::{companies, contacts, deals, leads};
use crate::domain::contacts::display_name;
use crate::domain::ids::{CompanyId, ContactId, DealId, LeadId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordRef {
    Company(CompanyId),
    Contact(ContactId),
    Deal(DealId),
    Lead(LeadId),
}

/// The four link columns a note, task or activity carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordLinks {
    pub company_id: Option<CompanyId>,
    pub contact_id: Option<ContactId>,
    pub deal_id: Option<DealId>,
    pub lead_id: Option<LeadId>,
}

impl RecordRef {
    /// `company`, `contact`, `deal` or `lead`: the query parameter is `<kind>_id`.
    pub fn kind(&self) -> &'static str {
        match self {
            RecordRef::Company(_) => "company",
            RecordRef::Contact(_) => "contact",
            RecordRef::Deal(_) => "deal",
            RecordRef::Lead(_) => "lead",
        }
    }

    pub fn id(&self) -> i64 {
        match self {
            RecordRef::Company(id) => id.0,
            RecordRef::Contact(id) => id.0,
            RecordRef::Deal(id) => id.0,
            RecordRef::Lead(id) => id.0,
        }
    }

    /// `company_id=42`, for URLs and hidden form fields.
    pub fn query(&self) -> String {
        format!("{}_id={}", self.kind(), self.id())
    }

    /// The record's page, e.g. `/companies/42`.
    pub fn path(&self) -> String {
        let collection = match self {
            RecordRef::Company(_) => "companies",
            RecordRef::Contact(_) => "contacts",
            RecordRef::Deal(_) => "deals",
            RecordRef::Lead(_) => "leads",
        };
        format!("/{collection}/{}", self.id())
    }

    pub fn from_kind(kind: &str, id: i64) -> Option<RecordRef> {
        match kind {
            "company" => Some(RecordRef::Company(CompanyId(id))),
            "contact" => Some(RecordRef::Contact(ContactId(id))),
            "deal" => Some(RecordRef::Deal(DealId(id))),
            "lead" => Some(RecordRef::Lead(LeadId(id))),
            _ => None,
        }
    }

    /// The record's display name, or None when it does not exist, is deleted, or the
    /// current scope cannot see it (row-level security decides).
    pub fn visible_name(&self, conn: &mut PgConnection) -> QueryResult<Option<String>> {
        match *self {
            RecordRef::Company(id) => companies::table
                .find(id)
                .filter(companies::deleted_at.is_null())
                .select(companies::name)
                .first(conn)
                .optional(),
            RecordRef::Contact(id) => Ok(contacts::table
                .find(id)
                .filter(contacts::deleted_at.is_null())
                .select((contacts::first_name, contacts::last_name, contacts::email))
                .first::<(String, String, Option<String>)>(conn)
                .optional()?
                .map(|(first, last, email)| display_name(&first, &last, email.as_deref()))),
            RecordRef::Deal(id) => deals::table
                .find(id)
                .filter(deals::deleted_at.is_null())
                .select(deals::title)
                .first(conn)
                .optional(),
            RecordRef::Lead(id) => Ok(leads::table
                .find(id)
                .filter(leads::deleted_at.is_null())
                .select((leads::first_name, leads::last_name, leads::email))
                .first::<(String, String, Option<String>)>(conn)
                .optional()?
                .map(|(first, last, email)| display_name(&first, &last, email.as_deref()))),
        }
    }

    /// The links to store for something attached to this record: the record itself, plus
    /// the company of a contact or deal, so the company's page shows it too.
    pub fn links(&self, conn: &mut PgConnection) -> QueryResult<RecordLinks> {
        let mut links = RecordLinks::default();
        match *self {
            RecordRef::Company(id) => links.company_id = Some(id),
            RecordRef::Contact(id) => {
                links.contact_id = Some(id);
                links.company_id = contacts::table
                    .find(id)
                    .select(contacts::company_id)
                    .first::<Option<CompanyId>>(conn)
                    .optional()?
                    .flatten();
            }
            RecordRef::Deal(id) => {
                links.deal_id = Some(id);
                let (company, contact) = deals::table
                    .find(id)
                    .select((deals::company_id, deals::primary_contact_id))
                    .first::<(Option<CompanyId>, Option<ContactId>)>(conn)
                    .optional()?
                    .unwrap_or((None, None));
                links.company_id = company;
                links.contact_id = contact;
            }
            RecordRef::Lead(id) => links.lead_id = Some(id),
        }
        Ok(links)
    }
}

/// A company's live contacts by name (for "who was it with?" pickers), at most `limit`.
pub fn contacts_of_company(
    conn: &mut PgConnection,
    company: CompanyId,
    limit: i64,
) -> QueryResult<Vec<crate::domain::timeline::LinkedRecord>> {
    let rows: Vec<(ContactId, String, String, Option<String>)> = contacts::table
        .filter(contacts::company_id.eq(company))
        .filter(contacts::deleted_at.is_null())
        .order((contacts::first_name, contacts::last_name, contacts::id))
        .limit(limit)
        .select((
            contacts::id,
            contacts::first_name,
            contacts::last_name,
            contacts::email,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, first, last, email)| crate::domain::timeline::LinkedRecord {
                id: id.0,
                name: display_name(&first, &last, email.as_deref()),
            },
        )
        .collect())
}

impl RecordLinks {
    /// Links given explicitly win over the ones inferred from the main record.
    pub fn overlay(&mut self, explicit: RecordLinks) {
        self.company_id = explicit.company_id.or(self.company_id);
        self.contact_id = explicit.contact_id.or(self.contact_id);
        self.deal_id = explicit.deal_id.or(self.deal_id);
        self.lead_id = explicit.lead_id.or(self.lead_id);
    }

    /// The most specific record these links point at (deal, then contact, lead, company).
    pub fn primary(&self) -> Option<RecordRef> {
        self.deal_id
            .map(RecordRef::Deal)
            .or(self.contact_id.map(RecordRef::Contact))
            .or(self.lead_id.map(RecordRef::Lead))
            .or(self.company_id.map(RecordRef::Company))
    }
}
