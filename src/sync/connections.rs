//! A tenant's connection to a source: its settings, its encrypted secret, and the result of
//! the last "test connection". The secret is decrypted only to talk to the source.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::sync_connections;
use crate::domain::ids::{TenantId, UserId};
use crate::sync::connector::ConnectionConfig;
use crate::sync::crypto::{self, SecretBox};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = sync_connections, check_for_backend(diesel::pg::Pg))]
pub struct Connection {
    pub id: i64,
    pub tenant_id: i64,
    pub source: String,
    pub settings: serde_json::Value,
    #[serde(skip)]
    pub secret_ciphertext: Option<Vec<u8>>,
    pub secret_hint: Option<String>,
    pub last_tested_at: Option<DateTime<Utc>>,
    pub last_test_ok: Option<bool>,
    pub last_test_message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Connection {
    pub fn has_secret(&self) -> bool {
        self.secret_ciphertext.is_some()
    }

    pub fn settings_map(&self) -> serde_json::Map<String, serde_json::Value> {
        self.settings.as_object().cloned().unwrap_or_default()
    }

    /// A setting as text (for forms).
    pub fn setting(&self, key: &str) -> String {
        match self.settings.get(key) {
            Some(serde_json::Value::String(text)) => text.clone(),
            Some(serde_json::Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    }

    /// The settings and decrypted secret a connector needs.
    pub fn config(&self, secrets: Option<&SecretBox>) -> anyhow::Result<ConnectionConfig> {
        let secret = match (&self.secret_ciphertext, secrets) {
            (None, _) => None,
            (Some(sealed), Some(secrets)) => {
                Some(secrets.open(TenantId(self.tenant_id), &self.source, sealed)?)
            }
            (Some(_), None) => anyhow::bail!(
                "RAPPORT_SECRET_KEY is not set, so the stored credentials cannot be read"
            ),
        };
        Ok(ConnectionConfig {
            tenant_id: TenantId(self.tenant_id),
            settings: self.settings_map(),
            secret,
        })
    }
}

pub fn find(conn: &mut PgConnection, source: &str) -> QueryResult<Option<Connection>> {
    sync_connections::table
        .filter(sync_connections::source.eq(source))
        .select(Connection::as_select())
        .first(conn)
        .optional()
}

pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<Connection>> {
    sync_connections::table
        .order(sync_connections::source)
        .select(Connection::as_select())
        .load(conn)
}

/// What to save. `secret: None` keeps the stored secret.
pub struct SaveConnection<'a> {
    pub tenant_id: TenantId,
    pub source: &'a str,
    pub settings: serde_json::Value,
    pub secret: Option<&'a str>,
    pub actor: Option<UserId>,
}

/// Creates or updates the tenant's connection to a source.
pub fn save(
    conn: &mut PgConnection,
    save: &SaveConnection<'_>,
    secrets: Option<&SecretBox>,
) -> anyhow::Result<Connection> {
    let sealed = match save.secret {
        Some(secret) => {
            let secrets = secrets.ok_or_else(|| {
                anyhow::anyhow!(
                    "credentials cannot be stored: set RAPPORT_SECRET_KEY (32 random bytes, base64)"
                )
            })?;
            Some((
                secrets.seal(save.tenant_id, save.source, secret)?,
                crypto::hint(secret),
            ))
        }
        None => None,
    };
    let existing = find(conn, save.source)?;
    let saved = match existing {
        None => {
            let (ciphertext, hint) = match sealed {
                Some((c, h)) => (Some(c), Some(h)),
                None => (None, None),
            };
            diesel::insert_into(sync_connections::table)
                .values((
                    sync_connections::tenant_id.eq(save.tenant_id.0),
                    sync_connections::source.eq(save.source),
                    sync_connections::settings.eq(&save.settings),
                    sync_connections::secret_ciphertext.eq(ciphertext),
                    sync_connections::secret_hint.eq(hint),
                    sync_connections::created_by.eq(save.actor.map(|id| id.0)),
                ))
                .returning(Connection::as_returning())
                .get_result(conn)?
        }
        Some(existing) => {
            let settings_changed = existing.settings != save.settings;
            let row = diesel::update(sync_connections::table.find(existing.id));
            let saved = match sealed {
                Some((ciphertext, hint)) => row
                    .set((
                        sync_connections::settings.eq(&save.settings),
                        sync_connections::secret_ciphertext.eq(Some(ciphertext)),
                        sync_connections::secret_hint.eq(Some(hint)),
                        sync_connections::last_test_ok.eq(None::<bool>),
                    ))
                    .returning(Connection::as_returning())
                    .get_result(conn)?,
                None => row
                    .set(sync_connections::settings.eq(&save.settings))
                    .returning(Connection::as_returning())
                    .get_result(conn)?,
            };
            if settings_changed && save.secret.is_none() {
                // The old test result may not hold for the new settings.
                diesel::update(sync_connections::table.find(existing.id))
                    .set(sync_connections::last_test_ok.eq(None::<bool>))
                    .execute(conn)?;
            }
            saved
        }
    };
    crate::domain::audit::record(
        conn,
        &crate::domain::audit::AuditEntry {
            tenant_id: save.tenant_id,
            actor_id: save.actor,
            action: "sync.connection_saved",
            entity_type: "sync_connection",
            entity_id: Some(saved.id),
            before: None,
            // Settings only: the secret never goes to the audit log.
            after: Some(serde_json::json!({
                "source": save.source,
                "settings": save.settings,
                "secret_changed": save.secret.is_some(),
            })),
        },
    )?;
    Ok(saved)
}

/// Merges settings into the stored ones (e.g. the file source's mapping, a stage map).
pub fn update_settings(
    conn: &mut PgConnection,
    id: i64,
    settings: &serde_json::Value,
) -> QueryResult<()> {
    diesel::update(sync_connections::table.find(id))
        .set(sync_connections::settings.eq(settings))
        .execute(conn)?;
    Ok(())
}

pub fn record_test(conn: &mut PgConnection, id: i64, ok: bool, message: &str) -> QueryResult<()> {
    diesel::update(sync_connections::table.find(id))
        .set((
            sync_connections::last_tested_at.eq(diesel::dsl::now),
            sync_connections::last_test_ok.eq(Some(ok)),
            sync_connections::last_test_message.eq(message.chars().take(500).collect::<String>()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(sync_connections::table.find(id)).execute(conn)? == 1)
}
