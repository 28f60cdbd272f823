//! The navigation shell: one list, filtered by what the user may open. Only pages that
//! exist are listed.

use crate::domain::roles::Permission;
use crate::web::identity::Identity;

/// Which area a page belongs to, for highlighting the current nav item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Companies,
    Contacts,
    Leads,
    Deals,
    Board,
    Pipelines,
    MyTasks,
    Tags,
    CustomFields,
    Visibility,
    ApiTokens,
    Users,
    SecurityLog,
    Sync,
    Jobs,
    Analytics,
    /// Pages outside the navigation (errors, sign-in).
    None,
}

#[derive(Debug, Clone)]
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub icon: &'static str,
    pub active: bool,
    /// Items after a divider (settings and admin).
    pub secondary: bool,
}

struct Entry {
    section: Section,
    label: &'static str,
    href: &'static str,
    icon: &'static str,
    needs: Option<Permission>,
    secondary: bool,
}

const ENTRIES: &[Entry] = &[
    Entry {
        section: Section::Home,
        label: "Home",
        href: "/",
        icon: "home",
        needs: None,
        secondary: false,
    },
    Entry {
        section: Section::Companies,
        label: "Companies",
        href: "/companies",
        icon: "building",
        needs: Some(Permission::RecordsRead),
        secondary: false,
    },
    Entry {
        section: Section::Contacts,
        label: "Contacts",
        href: "/contacts",
        icon: "user",
        needs: Some(Permission::RecordsRead),
        secondary: false,
    },
    Entry {
        section: Section::Leads,
        label: "Leads",
        href: "/leads",
        icon: "lead",
        needs: Some(Permission::RecordsRead),
        secondary: false,
    },
    Entry {
        section: Section::Deals,
        label: "Deals",
        href: "/deals",
        icon: "deal",
        needs: Some(Permission::RecordsRead),
        secondary: false,
    },
    Entry {
        section: Section::Board,
        label: "Board",
        href: "/board",
        icon: "board",
        needs: Some(Permission::RecordsRead),
        secondary: false,
    },
    Entry {
        section: Section::Analytics,
        label: "Analytics",
        href: "/analytics",
        icon: "chart",
        needs: Some(Permission::AnalyticsRead),
        secondary: false,
    },
    Entry {
        section: Section::MyTasks,
        label: "My tasks",
        href: "/tasks",
        icon: "check",
        needs: Some(Permission::RecordsRead),
        secondary: false,
    },
    Entry {
        section: Section::Sync,
        label: "Sync",
        href: "/sync",
        icon: "sync",
        needs: Some(Permission::SyncManage),
        secondary: false,
    },
    Entry {
        section: Section::Tags,
        label: "Tags",
        href: "/tags",
        icon: "tag",
        needs: Some(Permission::RecordsRead),
        secondary: true,
    },
    Entry {
        section: Section::CustomFields,
        label: "Custom fields",
        href: "/admin/custom-fields",
        icon: "sliders",
        needs: Some(Permission::TenantManage),
        secondary: true,
    },
    Entry {
        section: Section::Pipelines,
        label: "Pipelines",
        href: "/admin/pipelines",
        icon: "sliders",
        needs: Some(Permission::PipelineManage),
        secondary: true,
    },
    Entry {
        section: Section::Visibility,
        label: "Record visibility",
        href: "/admin/visibility",
        icon: "eye",
        needs: Some(Permission::TenantManage),
        secondary: true,
    },
    Entry {
        section: Section::ApiTokens,
        label: "API tokens",
        href: "/settings/tokens",
        icon: "key",
        needs: None,
        secondary: true,
    },
    Entry {
        section: Section::Users,
        label: "Users",
        href: "/admin/users",
        icon: "users",
        needs: Some(Permission::UsersManage),
        secondary: true,
    },
    Entry {
        section: Section::SecurityLog,
        label: "Security log",
        href: "/admin/security",
        icon: "shield",
        needs: Some(Permission::SecurityRead),
        secondary: true,
    },
    Entry {
        section: Section::Jobs,
        label: "Jobs",
        href: "/admin/jobs",
        icon: "jobs",
        needs: Some(Permission::TenantManage),
        secondary: true,
    },
];

pub fn items(identity: &Identity, active: Section) -> Vec<NavItem> {
    ENTRIES
        .iter()
        .filter(|entry| {
            entry
                .needs
                .is_none_or(|permission| identity.can(permission))
        })
        .map(|entry| NavItem {
            label: entry.label,
            href: entry.href,
            icon: entry.icon,
            active: entry.section == active,
            secondary: entry.secondary,
        })
        .collect()
}
