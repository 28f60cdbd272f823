//! Roles and permissions. The `roles` table is the source of truth for which role holds
//! which permission; the session lookup loads them with the user.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    Rep,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Manager, Role::Rep];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Rep => "rep",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Manager => "Manager",
            Role::Rep => "Sales rep",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "admin" => Ok(Role::Admin),
            "manager" => Ok(Role::Manager),
            "rep" => Ok(Role::Rep),
            other => Err(format!(
                "unknown role `{other}` (expected admin, manager or rep)"
            )),
        }
    }
}

/// Things a role may do. Checked by [`crate::web::identity::Identity::require`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    RecordsRead,
    RecordsWrite,
    RecordsDelete,
    RecordsReadAll,
    PipelineManage,
    TeamRead,
    AnalyticsRead,
    UsersManage,
    TenantManage,
    SyncManage,
    SecurityRead,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::RecordsRead => "records.read",
            Permission::RecordsWrite => "records.write",
            Permission::RecordsDelete => "records.delete",
            Permission::RecordsReadAll => "records.read_all",
            Permission::PipelineManage => "pipeline.manage",
            Permission::TeamRead => "team.read",
            Permission::AnalyticsRead => "analytics.read",
            Permission::UsersManage => "users.manage",
            Permission::TenantManage => "tenant.manage",
            Permission::SyncManage => "sync.manage",
            Permission::SecurityRead => "security.read",
        }
    }
}
