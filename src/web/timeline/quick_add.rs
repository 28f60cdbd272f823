//! Quick add from the timeline: a note, a logged call, a meeting (attendees, location,
//! outcome, action items that become tasks) or a task. The panel re-renders itself (fresh
//! forms, or the submitted one with its errors) and tells the page what changed, so the
//! timeline list, notes and tasks sections reload and the new entry appears in place.

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use crate::domain::ids::ContactId;
use crate::domain::record_ref::RecordLinks;
use crate::domain::roles::Permission;
use crate::domain::timeline::{self, ActivityDraft};
use crate::domain::{notes, tasks};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::flash::{self, Flash};
use crate::web::forms::FieldErrors;
use crate::web::identity::Identity;
use crate::web::notes::form::NoteForm;
use crate::web::render::{html_with_status, is_htmx};
use crate::web::tasks::form::TaskForm;
use crate::web::timeline::params::TimelineParams;
use crate::web::timeline::validate::{self, CALL_OUTCOMES, RawActivity};
use crate::web::timeline::view::QuickAdd;
use crate::web::timeline::{QuickAddPanel, Show, TimelinePage, load_view, triggers};
use crate::web::when;

/// Every quick-add form posts these fields (each form fills its own).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QuickAddForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub company_id: String,
    #[serde(default)]
    pub contact_id: String,
    #[serde(default)]
    pub deal_id: String,
    #[serde(default)]
    pub lead_id: String,
    /// The contact picked on a company's timeline.
    #[serde(default)]
    pub with_contact_id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub pinned: Option<String>,
    #[serde(default)]
    pub direction: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub duration_minutes: String,
    #[serde(default)]
    pub occurred_at: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub attendees: String,
    #[serde(default)]
    pub action_items: String,
    #[serde(flatten)]
    pub task: TaskForm,
}

/// One form per kind, so an error in one keeps what was typed there only.
#[derive(Debug, Clone, Default)]
pub struct QuickAddForms {
    pub note: QuickAddForm,
    pub call: QuickAddForm,
    pub meeting: QuickAddForm,
    pub task: QuickAddForm,
}

impl QuickAddForms {
    pub fn fresh(viewer: crate::domain::ids::UserId) -> QuickAddForms {
        let mut forms = QuickAddForms::default();
        forms.call.direction = "outbound".to_owned();
        forms.task.task = TaskForm::for_viewer(viewer);
        forms
    }
}

/// What the submitted form asks for, validated.
enum Intent {
    Note(notes::NoteDraft),
    Activity(ActivityDraft),
    Task(tasks::TaskDraft),
}

pub async fn submit(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    form: web::Form<QuickAddForm>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsWrite)?;
    let form = form.into_inner();
    let tz = identity.time_zone;
    let params = TimelineParams::parse(&subject_query(&form), tz).map_err(AppError::BadRequest)?;
    let records = params.records();
    let Some(primary) = records.first().copied() else {
        return Err(AppError::bad_request(
            "Say which record this is about (company_id, contact_id, deal_id or lead_id).",
        ));
    };
    // The people and contacts the forms offer, to validate choices against.
    let base = load_view(&state, &identity, params.clone(), Show::Controls).await?;
    let now = Utc::now();
    let mut errors = FieldErrors::default();
    let with_contact = match form.with_contact_id.trim() {
        "" => None,
        given => {
            let found = given.parse::<i64>().ok().filter(|id| {
                base.quick_add
                    .contacts
                    .iter()
                    .any(|contact| contact.id == *id)
            });
            if found.is_none() {
                errors.add("with_contact_id", "Choose a contact from the list.");
            }
            found.map(ContactId)
        }
    };
    let intent = match form.kind.as_str() {
        "note" => NoteForm {
            title: form.title.clone(),
            body: form.body.clone(),
            pinned: form.pinned.clone(),
        }
        .validate()
        .map(Intent::Note)
        .map_err(|found| merge(&mut errors, found)),
        "task" => form
            .task
            .validate(tz, &base.quick_add.assignees)
            .map(Intent::Task)
            .map_err(|found| merge(&mut errors, found)),
        "call" | "meeting" => {
            let raw = raw_activity(&form, tz, &mut errors, &base.quick_add);
            validate::validate(&raw, now, &mut errors)
                .map(Intent::Activity)
                .ok_or(())
        }
        _ => return Err(AppError::bad_request("Unknown kind of entry.")),
    };
    let intent = match intent {
        Ok(intent) if errors.is_empty() => intent,
        _ => return respond_invalid(&req, &state, &identity, params, form, errors).await,
    };

    let actor = Some(identity.user_id);
    let tenant_id = identity.tenant_id;
    let explicit = RecordLinks {
        company_id: params.subjects().company_id,
        contact_id: with_contact.or(params.subjects().contact_id),
        deal_id: params.subjects().deal_id,
        lead_id: params.subjects().lead_id,
    };
    let kind = form.kind.clone();
    let message = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let mut links = primary.links(conn)?;
            links.overlay(explicit);
            let message = match intent {
                Intent::Note(draft) => {
                    let record = links.primary().unwrap_or(primary);
                    notes::create(conn, tenant_id, record, &draft, actor)?;
                    "Note added.".to_owned()
                }
                Intent::Task(draft) => {
                    tasks::create(conn, tenant_id, &draft, links, None, actor)?;
                    "Task created.".to_owned()
                }
                Intent::Activity(draft) => {
                    let logged = timeline::log_manual(conn, tenant_id, &draft, links, actor)?;
                    match (draft.activity_type.as_str(), logged.tasks.len()) {
                        ("meeting", 0) => "Meeting logged.".to_owned(),
                        ("meeting", 1) => "Meeting logged, with 1 task.".to_owned(),
                        ("meeting", n) => format!("Meeting logged, with {n} tasks."),
                        _ => "Call logged.".to_owned(),
                    }
                }
            };
            Ok(message)
        })
        .await?;

    if !is_htmx(&req) {
        return Ok(flash::redirect(
            &req,
            &format!("/timeline?{}", params.subjects_query()),
            Flash::success(message),
        ));
    }
    // Fresh forms: the view loaded before the write has everything they offer.
    let mut view = base;
    view.quick_add.message = Some(message);
    let events = match kind.as_str() {
        "note" => &["timeline-changed", "notes-changed"][..],
        "call" => &["timeline-changed"][..],
        // Tasks, and meetings whose action items became tasks.
        _ => &["timeline-changed", "tasks-changed"][..],
    };
    let mut response = html_with_status(StatusCode::OK, &QuickAddPanel { view })?;
    triggers(&mut response, events);
    Ok(response)
}

async fn respond_invalid(
    req: &HttpRequest,
    state: &AppState,
    identity: &Identity,
    params: TimelineParams,
    form: QuickAddForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let kind = form.kind.clone();
    let show = if is_htmx(req) {
        Show::Controls
    } else {
        Show::Everything
    };
    let mut view = load_view(state, identity, params, show).await?;
    view.quick_add.open = kind.clone();
    view.quick_add.errors = errors;
    match kind.as_str() {
        "note" => view.quick_add.forms.note = form,
        "call" => view.quick_add.forms.call = form,
        "meeting" => view.quick_add.forms.meeting = form,
        _ => view.quick_add.forms.task = form,
    }
    if is_htmx(req) {
        return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &QuickAddPanel { view });
    }
    view.embedded = false;
    let page = crate::web::chrome::Page::extract(req).await?;
    let chrome = page.chrome(view.title(), crate::web::nav::Section::None);
    html_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &TimelinePage { chrome, view },
    )
}

fn merge(errors: &mut FieldErrors, found: FieldErrors) {
    for (field, message) in found.iter() {
        errors.add(field, message);
    }
}

/// Turns the call or meeting form into the shared activity input.
fn raw_activity(
    form: &QuickAddForm,
    tz: chrono_tz::Tz,
    errors: &mut FieldErrors,
    panel: &QuickAdd,
) -> RawActivity {
    let is_call = form.kind == "call";
    let occurred_at = match form.occurred_at.trim() {
        "" => None,
        text => match when::local_datetime(text, tz) {
            Ok(at) => Some(at),
            Err(message) => {
                errors.add("occurred_at", message);
                None
            }
        },
    };
    let duration_seconds = match form.duration_minutes.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(minutes) if (0..=24 * 60).contains(&minutes) => Some(minutes * 60),
            _ => {
                errors.add("duration_minutes", "Enter whole minutes, from 0 to 1440.");
                None
            }
        },
    };
    let outcome = form.outcome.trim();
    if is_call && !outcome.is_empty() && !CALL_OUTCOMES.iter().any(|(key, _)| *key == outcome) {
        errors.add("outcome", "Choose an outcome from the list.");
    }
    let title = match form.title.trim() {
        "" if is_call => {
            let contact = form
                .with_contact_id
                .parse::<i64>()
                .ok()
                .and_then(|id| panel.contacts.iter().find(|c| c.id == id));
            match contact {
                Some(contact) => format!("Call with {}", contact.name),
                None => "Logged call".to_owned(),
            }
        }
        title => title.to_owned(),
    };
    RawActivity {
        activity_type: if is_call { "call_logged" } else { "meeting" }.to_owned(),
        title,
        description: form.summary.clone(),
        direction: if is_call {
            form.direction.clone()
        } else {
            String::new()
        },
        duration_seconds,
        occurred_at,
        attendees: validate::lines(&form.attendees, true),
        location: form.location.clone(),
        outcome: outcome.to_owned(),
        action_items: validate::lines(&form.action_items, false),
        ..RawActivity::default()
    }
}

fn subject_query(form: &QuickAddForm) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in [
        ("company_id", &form.company_id),
        ("contact_id", &form.contact_id),
        ("deal_id", &form.deal_id),
        ("lead_id", &form.lead_id),
    ] {
        if !value.trim().is_empty() {
            out.append_pair(key, value.trim());
        }
    }
    out.finish()
}
