//! CallRail calls → `call_inbound` / `call_outbound` / `call_missed` timeline activities
//! (through `log_activity`, deduped on the call id) on the contact whose phone or mobile
//! matches the caller's number in E.164; a contact is created when none does. The title
//! and description a person edited in Rapport are kept unless `--force`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::{Map, Value, json};

use crate::db::schema::{activities, contacts};
use crate::domain::activities::{
    ActivityType, Direction, ExternalRef, Logged, NewActivity, log_activity,
};
use crate::domain::ids::{ActivityId, ContactId};
use crate::domain::{contacts as contact_domain, phones};
use crate::sync::connector::RawRecord;
use crate::sync::crm::links::{self, SaveLink};
use crate::sync::crm::{CrmMapper, MapContext, MapError, Mapped, plan, text};

pub struct CallRailMapper;

const SOURCE: &str = "callrail";

impl CrmMapper for CallRailMapper {
    fn map(
        &self,
        conn: &mut PgConnection,
        ctx: &MapContext<'_>,
        record: &RawRecord,
    ) -> Result<Mapped, MapError> {
        if ctx.model != "calls" || record.deleted {
            return Ok(Mapped::Skipped);
        }
        call(conn, ctx, record)
    }
}

/// "JOHN SMITH" → ("John", "Smith").
fn split_name(name: &str) -> (String, String) {
    let words: Vec<String> = name
        .split_whitespace()
        .map(|word| {
            let lower = word.to_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        })
        .collect();
    match words.split_first() {
        Some((first, rest)) => (first.clone(), rest.join(" ")),
        None => (String::new(), String::new()),
    }
}

fn duration_text(seconds: i64) -> String {
    if seconds >= 60 {
        format!("{}m {:02}s", seconds / 60, seconds % 60)
    } else {
        format!("{seconds}s")
    }
}

/// The contact for a caller: matched by E.164 on phone or mobile, else created.
fn contact_for(
    conn: &mut PgConnection,
    ctx: &MapContext<'_>,
    e164: &str,
    raw: &str,
    name: &str,
) -> Result<ContactId, MapError> {
    let found: Option<ContactId> = contacts::table
        .filter(contacts::deleted_at.is_null())
        .filter(
            contacts::phone_e164
                .eq(e164)
                .or(contacts::mobile_e164.eq(e164)),
        )
        .order(contacts::id)
        .select(contacts::id)
        .first(conn)
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let (first, last) = split_name(name);
    let (first, last) = if first.is_empty() {
        ("Caller".to_owned(), raw.to_owned())
    } else {
        (first, last)
    };
    let mut new = contact_domain::NewContact::new(ctx.tenant_id, first, last);
    new.phone = Some(raw.to_owned());
    new.phone_e164 = Some(e164.to_owned());
    new.source = Some("other".to_owned());
    let created = contact_domain::create(conn, &new, None)?;
    // Provenance for the new contact: it came from CallRail's caller data.
    links::save(
        conn,
        &SaveLink {
            tenant_id: ctx.tenant_id,
            source: SOURCE,
            model: "callers",
            source_id: e164,
            entity_type: "contact",
            entity_id: created.id.0,
            synced_values: &Map::new(),
        },
    )?;
    Ok(created.id)
}

fn call(
    conn: &mut PgConnection,
    ctx: &MapContext<'_>,
    record: &RawRecord,
) -> Result<Mapped, MapError> {
    let call = &record.payload;
    let raw_phone = text(&call["customer_phone_number"]).unwrap_or_default();
    let e164 = phones::to_e164(&raw_phone).ok_or_else(|| {
        MapError::Invalid(format!(
            "the caller's number `{raw_phone}` is not a phone number"
        ))
    })?;
    let name = text(&call["customer_name"]).unwrap_or_default();
    let outbound = call["direction"].as_str() == Some("outbound");
    let answered = call["answered"].as_bool().unwrap_or(false);
    let kind = if outbound {
        ActivityType::CallOutbound
    } else if answered {
        ActivityType::CallInbound
    } else {
        ActivityType::CallMissed
    };
    let started: DateTime<Utc> = record
        .updated_at
        .ok_or_else(|| MapError::Invalid("the call has no start time".into()))?;
    let duration = call["duration"].as_i64().unwrap_or(0).max(0);
    let who = if name.is_empty() {
        raw_phone.clone()
    } else {
        split_name(&name).0 + " " + &split_name(&name).1
    };
    let who = who.trim().to_owned();
    let title = match kind {
        ActivityType::CallOutbound => format!("Outbound call to {who}"),
        ActivityType::CallMissed => format!("Missed call from {who}"),
        _ => format!("Inbound call from {who}"),
    };
    let mut details = Vec::new();
    if duration > 0 {
        details.push(duration_text(duration));
    }
    if let Some(source) = text(&call["source"]) {
        details.push(format!("source: {source}"));
    }
    if let Some(status) = text(&call["lead_status"]) {
        details.push(format!("lead status: {}", status.replace('_', " ")));
    }
    if call["voicemail"].as_bool() == Some(true) {
        details.push("left a voicemail".to_owned());
    }
    let description = (!details.is_empty()).then(|| details.join(" · "));

    let link = links::find(conn, SOURCE, "calls", &record.source_id)?;
    let mut title_final = title.clone();
    let mut description_final = description.clone();
    let mut synced: Map<String, Value> =
        [("title", json!(title)), ("description", json!(description))]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
    let mut contact_id = None;
    if let Some(link) = &link {
        let current: Option<(String, Option<String>, Option<ContactId>)> = activities::table
            .find(ActivityId(link.entity_id))
            .select((
                activities::title,
                activities::description,
                activities::contact_id,
            ))
            .first(conn)
            .optional()?;
        if let Some((current_title, current_description, linked_contact)) = current {
            contact_id = linked_contact;
            let current: Map<String, Value> = [
                ("title", json!(current_title)),
                ("description", json!(current_description)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
            let decided = plan(&current, link.synced_values.as_object(), &synced, ctx.force);
            title_final = decided
                .values
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or(&title)
                .to_owned();
            description_final = decided
                .values
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned);
            synced = decided.synced;
        }
    }
    let contact_id = match contact_id {
        Some(id) => id,
        None => contact_for(conn, ctx, &e164, &raw_phone, &name)?,
    };
    let mut activity = NewActivity::new(kind, title_final, started);
    activity.description = description_final;
    activity.direction = Some(if outbound {
        Direction::Outbound
    } else {
        Direction::Inbound
    });
    activity.duration_seconds = Some(duration.min(i32::MAX as i64) as i32);
    activity.contact_id = Some(contact_id);
    activity.external = Some(ExternalRef {
        source: SOURCE.to_owned(),
        id: record.source_id.clone(),
    });
    activity.external_url = text(&call["recording_player"]);
    activity.participants = json!([{ "name": name, "phone": e164 }]);
    activity.extra = json!({
        "tracking_phone_number": call["tracking_phone_number"],
        "customer_phone_number": call["customer_phone_number"],
        "source": call["source"],
        "lead_status": call["lead_status"],
        "tags": call["tags"],
        "answered": answered,
        "voicemail": call["voicemail"],
        "recording": call["recording"],
        "first_call": call["first_call"],
    });
    let logged = log_activity(conn, ctx.tenant_id, activity)?;
    links::save(
        conn,
        &SaveLink {
            tenant_id: ctx.tenant_id,
            source: SOURCE,
            model: "calls",
            source_id: &record.source_id,
            entity_type: "activity",
            entity_id: logged.id().0,
            synced_values: &synced,
        },
    )?;
    Ok(match logged {
        Logged::Created(_) => Mapped::Created,
        Logged::Updated(_) => Mapped::Updated,
        Logged::Unchanged(_) => Mapped::Unchanged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_names_are_tidied() {
        assert_eq!(split_name("JOHN SMITH"), ("John".into(), "Smith".into()));
        assert_eq!(
            split_name("maria de la cruz"),
            ("Maria".into(), "De La Cruz".into())
        );
        assert_eq!(split_name(""), (String::new(), String::new()));
        assert_eq!(duration_text(142), "2m 22s");
    }
}
