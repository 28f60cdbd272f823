//! Activities a person (or an API client) logs: calls, meetings, visits, emails… Meeting
//! action items become tasks, in the same transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::domain::activities::{
    ActivityType, Direction, ExternalRef, Logged, NewActivity, log_activity,
};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{TenantId, UserId};
use crate::domain::record_ref::RecordLinks;
use crate::domain::tasks::{self, Task, TaskDraft};

/// The types people and API clients may log. The rest (deal_won, contact_created…) are
/// written by the operation they record.
pub const LOGGABLE: [ActivityType; 11] = [
    ActivityType::Note,
    ActivityType::CallLogged,
    ActivityType::Meeting,
    ActivityType::Visit,
    ActivityType::CardScan,
    ActivityType::Document,
    ActivityType::EmailSent,
    ActivityType::EmailReceived,
    ActivityType::CallInbound,
    ActivityType::CallOutbound,
    ActivityType::CallMissed,
];

/// A validated activity to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityDraft {
    pub activity_type: ActivityType,
    pub title: String,
    pub description: Option<String>,
    pub content: Option<String>,
    pub direction: Option<Direction>,
    pub duration_seconds: Option<i32>,
    pub occurred_at: DateTime<Utc>,
    pub attendees: Vec<String>,
    pub location: Option<String>,
    pub outcome: Option<String>,
    /// Each becomes an open task for the person logging, linked to the same records.
    pub action_items: Vec<String>,
    pub external: Option<ExternalRef>,
    pub external_url: Option<String>,
}

/// What logging did: the entry, and the tasks made from action items.
#[derive(Debug, Clone)]
pub struct LoggedActivity {
    pub logged: Logged,
    pub tasks: Vec<Task>,
}

pub fn log_manual(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    draft: &ActivityDraft,
    links: RecordLinks,
    actor: Option<UserId>,
) -> QueryResult<LoggedActivity> {
    let mut event = NewActivity::new(draft.activity_type, &draft.title, draft.occurred_at);
    event.description = draft.description.clone();
    event.content = draft.content.clone();
    event.direction = draft.direction;
    event.duration_seconds = draft.duration_seconds;
    event.participants = serde_json::json!(
        draft
            .attendees
            .iter()
            .map(|name| serde_json::json!({ "name": name }))
            .collect::<Vec<_>>()
    );
    event.user_id = actor;
    event.company_id = links.company_id;
    event.contact_id = links.contact_id;
    event.deal_id = links.deal_id;
    event.lead_id = links.lead_id;
    event.external = draft.external.clone();
    event.external_url = draft.external_url.clone();
    let mut extra = serde_json::Map::new();
    if let Some(location) = &draft.location {
        extra.insert("location".to_owned(), location.clone().into());
    }
    if let Some(outcome) = &draft.outcome {
        extra.insert("outcome".to_owned(), outcome.clone().into());
    }
    if !draft.action_items.is_empty() {
        extra.insert("action_items".to_owned(), draft.action_items.clone().into());
    }
    event.extra = serde_json::Value::Object(extra);
    let logged = log_activity(conn, tenant_id, event)?;
    if let Logged::Created(id) = logged {
        audit::record(
            conn,
            &AuditEntry {
                tenant_id,
                actor_id: actor,
                action: "activity.logged",
                entity_type: "activity",
                entity_id: Some(id.0),
                before: None,
                after: Some(serde_json::json!({
                    "activity_type": draft.activity_type, "title": draft.title,
                    "occurred_at": draft.occurred_at,
                })),
            },
        )?;
    }
    let mut created = Vec::new();
    // A re-sent external record must not make its action items twice.
    if matches!(logged, Logged::Created(_)) {
        for item in &draft.action_items {
            let task = TaskDraft {
                subject: item.clone(),
                description: Some(format!("Action item from “{}”", draft.title)),
                due_at: None,
                reminder_at: None,
                priority: "normal".to_owned(),
                assignee_id: actor,
            };
            created.push(tasks::create(conn, tenant_id, &task, links, None, actor)?);
        }
    }
    Ok(LoggedActivity {
        logged,
        tasks: created,
    })
}
