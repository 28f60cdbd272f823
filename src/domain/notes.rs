//! Notes on records: a title, a body and a pin. Every change writes an audit row, and the
//! note's timeline entry (`note`) follows it through `log_activity`: created with the note,
//! updated when it is edited, hidden while the note is deleted.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{contacts, notes, users};
use crate::domain::activities::{ActivityType, ExternalRef, NewActivity, log_activity};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{CompanyId, ContactId, DealId, LeadId, NoteId, TenantId, UserId};
use crate::domain::record_ref::{RecordLinks, RecordRef};

/// The external-source key that ties a note to its timeline entry.
pub const TIMELINE_SOURCE: &str = "rapport.note";
pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = notes, check_for_backend(diesel::pg::Pg))]
pub struct Note {
    pub id: NoteId,
    pub title: Option<String>,
    pub body: String,
    pub pinned: bool,
    pub author_id: Option<UserId>,
    pub company_id: Option<CompanyId>,
    pub contact_id: Option<ContactId>,
    pub deal_id: Option<DealId>,
    pub lead_id: Option<LeadId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A note with its author's name, for lists.
#[derive(Debug, Clone)]
pub struct NoteView {
    pub note: Note,
    pub author_name: Option<String>,
}

/// Validated input for a new or edited note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteDraft {
    pub title: Option<String>,
    pub body: String,
    pub pinned: bool,
}

/// The notes of a record, pinned first, newest first. A company's notes include those on
/// its contacts.
pub fn list(
    conn: &mut PgConnection,
    record: RecordRef,
    pinned_only: bool,
    limit: i64,
) -> QueryResult<Vec<NoteView>> {
    let mut query = notes::table
        .left_join(users::table)
        .filter(notes::deleted_at.is_null())
        .into_boxed();
    query = match record {
        RecordRef::Company(id) => {
            // The contacts first, as a list, so the company and contact indexes combine
            // (a sub-select leads the planner to scan every note).
            let people: Vec<Option<ContactId>> = contacts::table
                .filter(contacts::company_id.eq(id))
                .filter(contacts::deleted_at.is_null())
                .select(contacts::id.nullable())
                .load(conn)?;
            query.filter(
                notes::company_id
                    .eq(id)
                    .or(notes::contact_id.eq_any(people)),
            )
        }
        RecordRef::Contact(id) => query.filter(notes::contact_id.eq(id)),
        RecordRef::Deal(id) => query.filter(notes::deal_id.eq(id)),
        RecordRef::Lead(id) => query.filter(notes::lead_id.eq(id)),
    };
    if pinned_only {
        query = query.filter(notes::pinned.eq(true));
    }
    let rows: Vec<(Note, Option<String>)> = query
        .order((
            notes::pinned.desc(),
            notes::created_at.desc(),
            notes::id.desc(),
        ))
        .limit(limit)
        .select((Note::as_select(), users::name.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(note, author_name)| NoteView { note, author_name })
        .collect())
}

/// A note by id, deleted or not (restoring needs the deleted ones).
pub fn find(conn: &mut PgConnection, id: NoteId) -> QueryResult<Option<Note>> {
    notes::table
        .find(id)
        .select(Note::as_select())
        .first(conn)
        .optional()
}

pub fn find_view(conn: &mut PgConnection, id: NoteId) -> QueryResult<Option<NoteView>> {
    let row: Option<(Note, Option<String>)> = notes::table
        .left_join(users::table)
        .filter(notes::id.eq(id))
        .filter(notes::deleted_at.is_null())
        .select((Note::as_select(), users::name.nullable()))
        .first(conn)
        .optional()?;
    Ok(row.map(|(note, author_name)| NoteView { note, author_name }))
}

/// Adds a note to a record (and to the company of a contact or deal), with its audit row
/// and timeline entry.
pub fn create(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    record: RecordRef,
    draft: &NoteDraft,
    author: Option<UserId>,
) -> QueryResult<Note> {
    let links: RecordLinks = record.links(conn)?;
    let note: Note = diesel::insert_into(notes::table)
        .values((
            notes::tenant_id.eq(tenant_id),
            notes::title.eq(&draft.title),
            notes::body.eq(&draft.body),
            notes::pinned.eq(draft.pinned),
            notes::author_id.eq(author),
            notes::company_id.eq(links.company_id),
            notes::contact_id.eq(links.contact_id),
            notes::deal_id.eq(links.deal_id),
            notes::lead_id.eq(links.lead_id),
        ))
        .returning(Note::as_returning())
        .get_result(conn)?;
    audit_change(conn, tenant_id, author, "note.created", None, Some(&note))?;
    log_activity(conn, tenant_id, timeline_entry(&note))?;
    Ok(note)
}

/// Changes title, body and pin.
pub fn update(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: NoteId,
    draft: &NoteDraft,
    actor: Option<UserId>,
) -> QueryResult<Option<Note>> {
    change(conn, tenant_id, id, actor, "note.updated", |conn| {
        diesel::update(notes::table.find(id))
            .set((
                notes::title.eq(&draft.title),
                notes::body.eq(&draft.body),
                notes::pinned.eq(draft.pinned),
            ))
            .returning(Note::as_returning())
            .get_result(conn)
    })
}

pub fn set_pinned(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: NoteId,
    pinned: bool,
    actor: Option<UserId>,
) -> QueryResult<Option<Note>> {
    let action = if pinned {
        "note.pinned"
    } else {
        "note.unpinned"
    };
    change(conn, tenant_id, id, actor, action, |conn| {
        diesel::update(notes::table.find(id))
            .set(notes::pinned.eq(pinned))
            .returning(Note::as_returning())
            .get_result(conn)
    })
}

/// Soft delete: the note and its timeline entry disappear until restored.
pub fn delete(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: NoteId,
    actor: Option<UserId>,
    at: DateTime<Utc>,
) -> QueryResult<Option<Note>> {
    change(conn, tenant_id, id, actor, "note.deleted", |conn| {
        diesel::update(notes::table.find(id))
            .set(notes::deleted_at.eq(Some(at)))
            .returning(Note::as_returning())
            .get_result(conn)
    })
}

pub fn restore(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: NoteId,
    actor: Option<UserId>,
) -> QueryResult<Option<Note>> {
    change(conn, tenant_id, id, actor, "note.restored", |conn| {
        diesel::update(notes::table.find(id))
            .set(notes::deleted_at.eq(None::<DateTime<Utc>>))
            .returning(Note::as_returning())
            .get_result(conn)
    })
}

/// Applies one change to a visible note: audit before/after, and bring the timeline entry
/// in line. None when the note does not exist for this scope.
fn change(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: NoteId,
    actor: Option<UserId>,
    action: &str,
    apply: impl FnOnce(&mut PgConnection) -> QueryResult<Note>,
) -> QueryResult<Option<Note>> {
    let Some(before) = notes::table
        .find(id)
        .select(Note::as_select())
        .for_update()
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let after = apply(conn)?;
    audit_change(conn, tenant_id, actor, action, Some(&before), Some(&after))?;
    log_activity(conn, tenant_id, timeline_entry(&after))?;
    Ok(Some(after))
}

fn audit_change(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    action: &str,
    before: Option<&Note>,
    after: Option<&Note>,
) -> QueryResult<()> {
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action,
            entity_type: "note",
            entity_id: after.or(before).map(|note| note.id.0),
            before: before.and_then(audit::snapshot),
            after: after.and_then(audit::snapshot),
        },
    )
}

/// The note's timeline entry. Keyed by the note's id, so logging it again updates it.
fn timeline_entry(note: &Note) -> NewActivity {
    let title = note
        .title
        .clone()
        .filter(|title| !title.trim().is_empty())
        .unwrap_or_else(|| "Note".to_owned());
    let mut event = NewActivity::new(ActivityType::Note, title, note.created_at);
    event.content = Some(note.body.clone());
    event.user_id = note.author_id;
    event.company_id = note.company_id;
    event.contact_id = note.contact_id;
    event.deal_id = note.deal_id;
    event.lead_id = note.lead_id;
    event.external = Some(ExternalRef {
        source: TIMELINE_SOURCE.to_owned(),
        id: note.id.0.to_string(),
    });
    event.extra = serde_json::json!({ "note_id": note.id });
    event.deleted_at = note.deleted_at;
    event
}
