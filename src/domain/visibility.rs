//! Record visibility: the tenant's mode (`all`, `team`, `own`) and who the current user may
//! hand records to. The rules themselves are row-level security policies (migration
//! `record_visibility`); this module only reads and changes the setting.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use serde::Serialize;

use crate::db::schema::tenants;
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{TenantId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    All,
    Team,
    Own,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::All, Mode::Team, Mode::Own];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::All => "all",
            Mode::Team => "team",
            Mode::Own => "own",
        }
    }

    pub fn parse(text: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|mode| mode.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Mode::All => "Everyone sees every record",
            Mode::Team => "People see their team's records",
            Mode::Own => "Reps see only their own records",
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            Mode::All => {
                "Every user of the organisation can find and open every company, contact, lead and deal."
            }
            Mode::Team => {
                "Reps and managers see records owned by anyone in their team. Admins see everything."
            }
            Mode::Own => {
                "Reps see the records they own. Managers see their team's records; admins see everything."
            }
        }
    }
}

/// The tenant's current mode.
pub fn mode(conn: &mut PgConnection) -> QueryResult<Mode> {
    let text: String = tenants::table
        .select(tenants::record_visibility)
        .first(conn)?;
    Ok(Mode::parse(&text).unwrap_or(Mode::All))
}

pub fn set_mode(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    mode: Mode,
    actor: Option<UserId>,
) -> QueryResult<()> {
    let before = self::mode(conn)?;
    diesel::update(tenants::table.find(tenant_id))
        .set(tenants::record_visibility.eq(mode.as_str()))
        .execute(conn)?;
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action: "tenant.record_visibility_changed",
            entity_type: "tenant",
            entity_id: Some(tenant_id.0),
            before: Some(serde_json::json!({ "record_visibility": before.as_str() })),
            after: Some(serde_json::json!({ "record_visibility": mode.as_str() })),
        },
    )
}

/// A user as an owner choice.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, Serialize)]
pub struct OwnerChoice {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    /// Whether the current user may give a record to this person (and still see it).
    #[diesel(sql_type = Bool)]
    pub assignable: bool,
}

/// Every active user of the tenant, by name, marked with whether the current user may make
/// them a record's owner. People may only hand records to owners whose records they see:
/// the database would refuse any other change anyway.
pub fn owner_choices(conn: &mut PgConnection) -> QueryResult<Vec<OwnerChoice>> {
    diesel::sql_query(
        "SELECT u.id, u.name, \
                (app_sees_all_records() OR u.id = ANY(app_visible_owner_ids())) AS assignable \
         FROM users u WHERE u.active ORDER BY lower(u.name), u.id",
    )
    .load(conn)
}

pub fn can_assign(conn: &mut PgConnection, owner: i64) -> QueryResult<bool> {
    Ok(owner_choices(conn)?
        .iter()
        .any(|choice| choice.id == owner && choice.assignable))
}
