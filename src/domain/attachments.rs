//! Files attached to companies, contacts and deals: the rows (who uploaded what, its type,
//! size and checksum) and where the bytes live on disk (`<dir>/<tenant>/<key>`). Storage
//! keys are random, never derived from the file name.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use serde::Serialize;

use crate::db::schema::attachments;
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{TenantId, UserId};

/// The record kinds that take attachments.
pub const ENTITIES: &[&str] = &["company", "contact", "deal"];

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = attachments, check_for_backend(diesel::pg::Pg))]
pub struct Attachment {
    pub id: i64,
    pub entity_type: String,
    pub entity_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub byte_size: i64,
    pub storage_key: String,
    pub sha256: String,
    pub uploaded_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// An attachment as listed on a record page.
#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct AttachmentRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub file_name: String,
    #[diesel(sql_type = Text)]
    pub content_type: String,
    #[diesel(sql_type = BigInt)]
    pub byte_size: i64,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    pub uploaded_by_name: Option<String>,
}

impl AttachmentRow {
    pub fn size(&self) -> String {
        human_size(self.byte_size)
    }

    /// A short type label ("PDF", "PNG image").
    pub fn kind(&self) -> String {
        type_label(&self.content_type)
    }
}

pub fn human_size(bytes: i64) -> String {
    let bytes = bytes.max(0) as f64;
    if bytes < 1024.0 {
        format!("{bytes} B")
    } else if bytes < 1024.0 * 1024.0 {
        format!("{:.0} KB", bytes / 1024.0)
    } else {
        format!("{:.1} MB", bytes / (1024.0 * 1024.0))
    }
}

pub fn type_label(content_type: &str) -> String {
    match content_type {
        "application/pdf" => "PDF".to_owned(),
        "text/csv" => "CSV".to_owned(),
        "text/plain" => "Text".to_owned(),
        t if t.starts_with("image/") => {
            format!("{} image", t.trim_start_matches("image/").to_uppercase())
        }
        t if t.contains("spreadsheet") || t.contains("excel") => "Spreadsheet".to_owned(),
        t if t.contains("word") || t.contains("document") => "Document".to_owned(),
        t if t.contains("presentation") || t.contains("powerpoint") => "Presentation".to_owned(),
        t if t.contains("zip") => "Archive".to_owned(),
        other => other.to_owned(),
    }
}

/// A record's live attachments, newest first.
pub fn list_for(conn: &mut PgConnection, entity: &str, id: i64) -> QueryResult<Vec<AttachmentRow>> {
    diesel::sql_query(
        "SELECT a.id, a.file_name, a.content_type, a.byte_size, a.created_at, u.name AS uploaded_by_name \
         FROM attachments a LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.uploaded_by \
         WHERE a.entity_type = $1 AND a.entity_id = $2 AND a.deleted_at IS NULL \
         ORDER BY a.created_at DESC, a.id DESC",
    )
    .bind::<Text, _>(entity)
    .bind::<BigInt, _>(id)
    .load(conn)
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Attachment>> {
    attachments::table
        .find(id)
        .filter(attachments::deleted_at.is_null())
        .select(Attachment::as_select())
        .first(conn)
        .optional()
}

pub struct NewAttachment<'a> {
    pub entity_type: &'a str,
    pub entity_id: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub byte_size: i64,
    pub storage_key: &'a str,
    pub sha256: &'a str,
}

pub fn insert(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    new: &NewAttachment<'_>,
) -> QueryResult<Attachment> {
    let attachment: Attachment = diesel::insert_into(attachments::table)
        .values((
            attachments::tenant_id.eq(tenant_id),
            attachments::entity_type.eq(new.entity_type),
            attachments::entity_id.eq(new.entity_id),
            attachments::file_name.eq(new.file_name),
            attachments::content_type.eq(new.content_type),
            attachments::byte_size.eq(new.byte_size),
            attachments::storage_key.eq(new.storage_key),
            attachments::sha256.eq(new.sha256),
            attachments::uploaded_by.eq(actor.map(|a| a.0)),
        ))
        .returning(Attachment::as_returning())
        .get_result(conn)?;
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action: "attachment.uploaded",
            entity_type: new.entity_type,
            entity_id: Some(new.entity_id),
            before: None,
            after: audit::snapshot(&attachment),
        },
    )?;
    Ok(attachment)
}

/// Marks an attachment deleted; the caller removes the file once the transaction commits.
pub fn delete(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    id: i64,
) -> QueryResult<Option<Attachment>> {
    let deleted: Option<Attachment> = diesel::update(
        attachments::table
            .find(id)
            .filter(attachments::deleted_at.is_null()),
    )
    .set(attachments::deleted_at.eq(Utc::now()))
    .returning(Attachment::as_returning())
    .get_result(conn)
    .optional()?;
    if let Some(attachment) = &deleted {
        audit::record(
            conn,
            &AuditEntry {
                tenant_id,
                actor_id: actor,
                action: "attachment.deleted",
                entity_type: &attachment.entity_type,
                entity_id: Some(attachment.entity_id),
                before: audit::snapshot(attachment),
                after: None,
            },
        )?;
    }
    Ok(deleted)
}

/// Where a stored file lives. Keys are ours (hex), so they never escape the directory.
pub fn file_path(dir: &Path, tenant_id: TenantId, key: &str) -> Option<PathBuf> {
    let safe = !key.is_empty() && key.chars().all(|c| c.is_ascii_hexdigit());
    safe.then(|| dir.join(tenant_id.0.to_string()).join(key))
}

/// A file name safe to show and to put in a Content-Disposition header.
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths_are_made_safe() {
        assert_eq!(
            clean_file_name("C:\\Users\\ana\\q3 \"plan\".pdf"),
            "q3 plan.pdf"
        );
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name(""), "file");
        assert!(file_path(Path::new("/x"), TenantId(1), "../secret").is_none());
        assert_eq!(
            file_path(Path::new("/x"), TenantId(1), "ab12"),
            Some(PathBuf::from("/x/1/ab12"))
        );
        assert_eq!(human_size(2_621_440), "2.5 MB");
        assert_eq!(type_label("image/png"), "PNG image");
    }
}
