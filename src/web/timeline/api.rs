//! The timeline over JSON.
//!
//! `GET /api/timeline` takes the page's query string (`company_id`, `contact_id`,
//! `deal_id`, `lead_id`, `activity_type=a,b`, `start_date`, `end_date`, `user_id`,
//! `limit`, `cursor`) and answers `{timeline, total, total_capped, has_more, next_cursor}`.
//! `total` is counted up to 10,000; beyond that it is 10000 with `total_capped: true`
//! (and `total_display` "10,000+"), because an exact count of a busy account would cost
//! more than the page. `POST /api/activities` logs an activity with the same validation
//! as the quick-add forms.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::activities::Logged;
use crate::domain::counts::{CappedCount, DEFAULT_CAP};
use crate::domain::ids::{CompanyId, ContactId, DealId, LeadId};
use crate::domain::notes;
use crate::domain::record_ref::{RecordLinks, RecordRef};
use crate::domain::roles::Permission;
use crate::domain::timeline::{self, LinkedRecord, TimelineEntry};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::forms::FieldErrors;
use crate::web::identity::Identity;
use crate::web::notes::form::NoteForm;
use crate::web::timeline::params::TimelineParams;
use crate::web::timeline::validate::{self, RawActivity};
use crate::web::when;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/timeline", web::get().to(list))
        .route("/api/activities", web::post().to(create));
}

async fn list(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let params = TimelineParams::parse(req.query_string(), identity.time_zone)
        .map_err(AppError::BadRequest)?;
    let tenant_id = identity.tenant_id;
    let (page, total) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            for record in params.records() {
                record.visible_name(conn)?.ok_or(AppError::NotFound)?;
            }
            let page =
                timeline::page(conn, tenant_id, &params.filter, params.cursor, params.limit)?;
            let total = timeline::capped_total(conn, tenant_id, &params.filter, DEFAULT_CAP)?;
            Ok((page, total))
        })
        .await?;
    let (total_value, capped) = match total {
        CappedCount::Exact(n) => (n, false),
        CappedCount::AtLeast(n) => (n, true),
    };
    Ok(HttpResponse::Ok().json(json!({
        "timeline": page.entries.iter().map(entry_json).collect::<Vec<_>>(),
        "total": total_value,
        "total_capped": capped,
        "total_display": total.display(),
        "has_more": page.next.is_some(),
        "next_cursor": page.next.map(|cursor| cursor.encode()),
    })))
}

/// One entry in the API's shape.
pub fn entry_json(entry: &TimelineEntry) -> Value {
    let linked = |record: &Option<LinkedRecord>| {
        record
            .as_ref()
            .map(|record| json!({ "id": record.id, "name": record.name }))
    };
    json!({
        "id": entry.id,
        "activity_type": entry.activity_type,
        "title": entry.title,
        "description": entry.description,
        "content": entry.content,
        "occurred_at": entry.occurred_at,
        "user_email": entry.user_email,
        "user_name": entry.user_name,
        "direction": entry.direction,
        "duration_seconds": entry.duration_seconds,
        "external_url": entry.safe_external_url(),
        "participants": entry.participants,
        "linked_entities": {
            "contact": linked(&entry.contact),
            "company": linked(&entry.company),
            "deal": linked(&entry.deal),
            "lead": linked(&entry.lead),
        },
    })
}

/// `POST /api/activities`. Unknown fields are ignored.
#[derive(Debug, Deserialize)]
struct ActivityRequest {
    #[serde(default)]
    activity_type: String,
    #[serde(default)]
    title: String,
    description: Option<String>,
    content: Option<String>,
    direction: Option<String>,
    duration_seconds: Option<i64>,
    occurred_at: Option<String>,
    contact_id: Option<i64>,
    company_id: Option<i64>,
    deal_id: Option<i64>,
    lead_id: Option<i64>,
    /// Names, or objects with `name` / `email`.
    #[serde(default)]
    participants: Vec<Value>,
    location: Option<String>,
    outcome: Option<String>,
    #[serde(default)]
    action_items: Vec<String>,
    external_source: Option<String>,
    external_id: Option<String>,
    external_url: Option<String>,
    /// Notes only.
    #[serde(default)]
    pinned: bool,
}

async fn create(
    identity: Identity,
    state: web::Data<AppState>,
    body: web::Json<ActivityRequest>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let request = body.into_inner();
    let tz = identity.time_zone;
    let mut errors = FieldErrors::default();
    let occurred_at = match request.occurred_at.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match when::flexible(text, tz) {
            Ok(at) => Some(at),
            Err(message) => {
                errors.add("occurred_at", message);
                None
            }
        },
    };
    let explicit = RecordLinks {
        company_id: request.company_id.map(CompanyId),
        contact_id: request.contact_id.map(ContactId),
        deal_id: request.deal_id.map(DealId),
        lead_id: request.lead_id.map(LeadId),
    };
    if explicit.primary().is_none() {
        errors.add(
            "contact_id",
            "Link the activity to a record: contact_id, company_id, deal_id or lead_id.",
        );
    }
    let is_note = request.activity_type.trim() == "note";
    let note = is_note.then(|| {
        NoteForm {
            title: request.title.clone(),
            body: request
                .content
                .clone()
                .or(request.description.clone())
                .unwrap_or_default(),
            pinned: request.pinned.then(|| "1".to_owned()),
        }
        .validate()
    });
    let draft = if is_note {
        None
    } else {
        let raw = RawActivity {
            activity_type: request.activity_type.clone(),
            title: request.title.clone(),
            description: request.description.clone().unwrap_or_default(),
            content: request.content.clone().unwrap_or_default(),
            direction: request.direction.clone().unwrap_or_default(),
            duration_seconds: request.duration_seconds,
            occurred_at,
            attendees: request
                .participants
                .iter()
                .filter_map(participant)
                .collect(),
            location: request.location.clone().unwrap_or_default(),
            outcome: request.outcome.clone().unwrap_or_default(),
            action_items: request.action_items.clone(),
            external_source: request.external_source.clone().unwrap_or_default(),
            external_id: request.external_id.clone().unwrap_or_default(),
            external_url: request.external_url.clone().unwrap_or_default(),
        };
        validate::validate(&raw, Utc::now(), &mut errors)
    };
    let note = match note {
        Some(Err(found)) => {
            for (field, message) in found.iter() {
                errors.add(if field == "body" { "content" } else { field }, message);
            }
            None
        }
        Some(Ok(note)) => Some(note),
        None => None,
    };
    let tenant_id = identity.tenant_id;
    let actor = Some(identity.user_id);
    let outcome = state
        .db
        .tenant(&identity.scope(), move |conn| {
            // Links must name records this user can see (foreign keys would accept any
            // record of the tenant).
            for (field, record) in [
                ("company_id", explicit.company_id.map(RecordRef::Company)),
                ("contact_id", explicit.contact_id.map(RecordRef::Contact)),
                ("deal_id", explicit.deal_id.map(RecordRef::Deal)),
                ("lead_id", explicit.lead_id.map(RecordRef::Lead)),
            ] {
                if let Some(record) = record
                    && record.visible_name(conn)?.is_none()
                {
                    errors.add(
                        field,
                        format!("There is no {} with that id.", record.kind()),
                    );
                }
            }
            if !errors.is_empty() {
                return Ok(Err(errors));
            }
            let Some(primary) = explicit.primary() else {
                return Ok(Err(errors));
            };
            let mut links = primary.links(conn)?;
            links.overlay(explicit);
            let (logged, tasks) = if let Some(note) = note {
                let created = notes::create(conn, tenant_id, primary, &note, actor)?;
                let id = timeline::find_by_external(
                    conn,
                    notes::TIMELINE_SOURCE,
                    &created.id.0.to_string(),
                )?
                .ok_or(AppError::NotFound)?;
                (Logged::Created(id), Vec::new())
            } else if let Some(draft) = draft {
                let logged = timeline::log_manual(conn, tenant_id, &draft, links, actor)?;
                (logged.logged, logged.tasks)
            } else {
                return Ok(Err(FieldErrors::default()));
            };
            let entry = timeline::find(conn, tenant_id, logged.id())?.ok_or(AppError::NotFound)?;
            Ok(Ok((logged, entry, tasks)))
        })
        .await?;
    match outcome {
        Err(errors) => Ok(HttpResponse::UnprocessableEntity().json(json!({
            "error": {
                "status": 422,
                "title": "Invalid activity",
                "message": "Some fields need attention.",
                "fields": errors.iter().map(|(field, message)| (field.to_owned(), Value::from(message))).collect::<serde_json::Map<_, _>>(),
            }
        }))),
        Ok((logged, entry, tasks)) => {
            let (status, result) = match logged {
                Logged::Created(_) => (StatusCode::CREATED, "created"),
                Logged::Updated(_) => (StatusCode::OK, "updated"),
                Logged::Unchanged(_) => (StatusCode::OK, "unchanged"),
            };
            Ok(HttpResponse::build(status).json(json!({
                "result": result,
                "activity": entry_json(&entry),
                "tasks": tasks.iter().map(|task| json!({ "id": task.id, "subject": task.subject })).collect::<Vec<_>>(),
            })))
        }
    }
}

fn participant(value: &Value) -> Option<String> {
    match value {
        Value::String(name) => Some(name.clone()),
        Value::Object(fields) => fields
            .get("name")
            .or_else(|| fields.get("email"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => None,
    }
}
