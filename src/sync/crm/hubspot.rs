//! HubSpot companies, contacts and deals → Rapport companies, contacts and deals, linked to
//! each other by their HubSpot associations, deal stages mapped through the connection's
//! stage map. New deals go through `deals::create`, stage moves through `change_stage`.
//! Fields someone edited in Rapport since the last sync are kept unless `--force`.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::{Map, Value, json};

use crate::db::schema::{companies, contacts, deals};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{CompanyId, ContactId, DealId, PipelineId, StageId};
use crate::domain::pipelines::{self, Stage};
use crate::domain::stage_changes::{StageChangeError, StageChangeRequest, change_stage};
use crate::domain::{
    companies as company_domain, contacts as contact_domain, deals as deal_domain, phones,
};
use crate::sync::connector::RawRecord;
use crate::sync::crm::links::{self, SaveLink};
use crate::sync::crm::{
    CrmMapper, MapContext, MapError, Mapped, Unmapped, map_each, opt, plan, text,
};

pub struct HubSpotMapper;

const SOURCE: &str = "hubspot";

impl CrmMapper for HubSpotMapper {
    fn map(
        &self,
        conn: &mut PgConnection,
        ctx: &MapContext<'_>,
        record: &RawRecord,
    ) -> Result<Mapped, MapError> {
        if record.deleted {
            // Archived in HubSpot: the hub marks it deleted; the CRM record stays, since
            // people may have worked on it here.
            return Ok(Mapped::Skipped);
        }
        match ctx.model {
            "companies" => company(conn, ctx, record),
            "contacts" => contact(conn, ctx, record),
            "deals" => deal(conn, ctx, record),
            _ => Ok(Mapped::Skipped),
        }
    }

    fn map_batch(
        &self,
        conn: &mut PgConnection,
        ctx: &MapContext<'_>,
        records: &[&RawRecord],
    ) -> QueryResult<Vec<Unmapped>> {
        match ctx.model {
            "contacts" => contacts_batch(conn, ctx, records),
            _ => map_each(self, conn, ctx, records),
        }
    }

    /// Contacts: a batch creates or updates its own contacts (matched by HubSpot id only),
    /// their links, timeline entries and audit rows; the companies it touches are locked in
    /// id order. Companies and deals match and number records across batches: one at a time.
    fn independent_batches(&self, model: &str) -> bool {
        model == "contacts"
    }
}

fn prop(record: &RawRecord, key: &str) -> Option<String> {
    text(&record.payload["properties"][key])
}

fn first_association(record: &RawRecord, to: &str) -> Option<String> {
    record.payload["associations"][to]
        .as_array()?
        .first()
        .and_then(text)
}

/// The CRM id of another synced HubSpot record (e.g. a contact's company).
fn linked(conn: &mut PgConnection, model: &str, source_id: Option<String>) -> QueryResult<Value> {
    Ok(match source_id {
        Some(id) => links::entity_id(conn, SOURCE, model, &id)?.map_or(Value::Null, |id| json!(id)),
        None => Value::Null,
    })
}

/// The CRM id a record is linked to, and what the sync last wrote to it.
type Existing = (Option<i64>, Option<Map<String, Value>>);

/// The linked record's id: the sync link, else a record with this external id.
fn existing(conn: &mut PgConnection, model: &str, record: &RawRecord) -> QueryResult<Existing> {
    let link = links::find(conn, SOURCE, model, &record.source_id)?;
    let synced = link
        .as_ref()
        .and_then(|l| l.synced_values.as_object().cloned());
    if let Some(link) = link {
        return Ok((Some(link.entity_id), synced));
    }
    let id = match model {
        "companies" => companies::table
            .filter(companies::external_source.eq(SOURCE))
            .filter(companies::external_id.eq(&record.source_id))
            .select(companies::id)
            .first::<CompanyId>(conn)
            .optional()?
            .map(|id| id.0),
        "contacts" => contacts::table
            .filter(contacts::external_source.eq(SOURCE))
            .filter(contacts::external_id.eq(&record.source_id))
            .select(contacts::id)
            .first::<ContactId>(conn)
            .optional()?
            .map(|id| id.0),
        _ => deals::table
            .filter(deals::external_source.eq(SOURCE))
            .filter(deals::external_id.eq(&record.source_id))
            .select(deals::id)
            .first::<DealId>(conn)
            .optional()?
            .map(|id| id.0),
    };
    Ok((id, None))
}

fn save_link(
    conn: &mut PgConnection,
    ctx: &MapContext<'_>,
    record: &RawRecord,
    entity_type: &str,
    id: i64,
    synced: &Map<String, Value>,
) -> QueryResult<()> {
    links::save(
        conn,
        &SaveLink {
            tenant_id: ctx.tenant_id,
            source: SOURCE,
            model: ctx.model,
            source_id: &record.source_id,
            entity_type,
            entity_id: id,
            synced_values: synced,
        },
    )
}

fn audit_sync(
    conn: &mut PgConnection,
    ctx: &MapContext<'_>,
    entity: &str,
    id: i64,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> QueryResult<()> {
    audit::record(
        conn,
        &AuditEntry {
            tenant_id: ctx.tenant_id,
            actor_id: None,
            action: &format!("{entity}.synced"),
            entity_type: entity,
            entity_id: Some(id),
            before: Some(Value::Object(before.clone())),
            after: Some(Value::Object(after.clone())),
        },
    )
}

fn s(values: &Map<String, Value>, key: &str) -> Option<String> {
    values.get(key).and_then(text)
}

fn company(
    conn: &mut PgConnection,
    ctx: &MapContext<'_>,
    record: &RawRecord,
) -> Result<Mapped, MapError> {
    let name =
        prop(record, "name").ok_or_else(|| MapError::Invalid("the company has no name".into()))?;
    let incoming: Map<String, Value> = [
        ("name", json!(name)),
        ("domain", opt(prop(record, "domain"))),
        ("city", opt(prop(record, "city"))),
        ("region", opt(prop(record, "state"))),
        ("phone", opt(prop(record, "phone"))),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let (found, synced) = existing(conn, "companies", record)?;
    let Some(id) = found else {
        let mut new = company_domain::NewCompany::new(ctx.tenant_id, name);
        new.domain = s(&incoming, "domain");
        new.city = s(&incoming, "city");
        new.region = s(&incoming, "region");
        new.phone = s(&incoming, "phone");
        let created = company_domain::create(conn, &new, None)?;
        diesel::update(companies::table.find(created.id))
            .set((
                companies::external_source.eq(SOURCE),
                companies::external_id.eq(&record.source_id),
            ))
            .execute(conn)?;
        save_link(conn, ctx, record, "company", created.id.0, &incoming)?;
        return Ok(Mapped::Created);
    };
    let row: (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = companies::table
        .find(CompanyId(id))
        .select((
            companies::name,
            companies::domain,
            companies::city,
            companies::region,
            companies::phone,
        ))
        .for_update()
        .first(conn)?;
    let current: Map<String, Value> = [
        ("name", json!(row.0)),
        ("domain", opt(row.1)),
        ("city", opt(row.2)),
        ("region", opt(row.3)),
        ("phone", opt(row.4)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let plan = plan(&current, synced.as_ref(), &incoming, ctx.force);
    if !plan.written.is_empty() {
        diesel::update(companies::table.find(CompanyId(id)))
            .set((
                companies::name.eq(s(&plan.values, "name").unwrap_or_default()),
                companies::domain.eq(s(&plan.values, "domain")),
                companies::city.eq(s(&plan.values, "city")),
                companies::region.eq(s(&plan.values, "region")),
                companies::phone.eq(s(&plan.values, "phone")),
                companies::external_source.eq(SOURCE),
                companies::external_id.eq(&record.source_id),
            ))
            .execute(conn)?;
        audit_sync(conn, ctx, "company", id, &current, &plan.values)?;
    }
    save_link(conn, ctx, record, "company", id, &plan.synced)?;
    Ok(if plan.written.is_empty() {
        Mapped::Unchanged
    } else {
        Mapped::Updated
    })
}

/// A HubSpot contact's fields as Rapport sees them.
struct ContactFields {
    first: Option<String>,
    last: Option<String>,
    email: Option<String>,
    incoming: Map<String, Value>,
}

/// `company` is the CRM id of the contact's first associated company, or null.
fn contact_fields(record: &RawRecord, company: Value) -> Result<ContactFields, MapError> {
    let first = prop(record, "firstname");
    let last = prop(record, "lastname");
    let email = prop(record, "email").map(|e| e.to_lowercase());
    if first.is_none() && last.is_none() && email.is_none() {
        return Err(MapError::Invalid(
            "the contact has no name and no email".into(),
        ));
    }
    let incoming: Map<String, Value> = [
        ("first_name", json!(first.clone().unwrap_or_default())),
        ("last_name", json!(last.clone().unwrap_or_default())),
        ("email", opt(email.clone())),
        ("phone", opt(prop(record, "phone"))),
        ("title", opt(prop(record, "jobtitle"))),
        ("company_id", company),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    Ok(ContactFields {
        first,
        last,
        email,
        incoming,
    })
}

fn company_id_of(values: &Map<String, Value>) -> Option<CompanyId> {
    values
        .get("company_id")
        .and_then(Value::as_i64)
        .map(CompanyId)
}

impl ContactFields {
    fn new_contact(&self, ctx: &MapContext<'_>, source_id: &str) -> contact_domain::NewContact {
        let mut new = contact_domain::NewContact::new(
            ctx.tenant_id,
            self.first.clone().unwrap_or_default(),
            self.last.clone().unwrap_or_default(),
        );
        new.email = self.email.clone();
        new.phone = s(&self.incoming, "phone");
        new.phone_e164 = new.phone.as_deref().and_then(phones::to_e164);
        new.title = s(&self.incoming, "title");
        new.company_id = company_id_of(&self.incoming);
        new.external_source = Some(SOURCE.to_owned());
        new.external_id = Some(source_id.to_owned());
        new
    }
}

/// Contacts in bulk. New ones (neither linked nor known by their HubSpot id) are created
/// with one insert per table; known ones go one by one, since keeping fields edited here
/// needs each current row. Should the bulk insert fail, the new ones are mapped one by
/// one too, so a bad record fails alone.
fn contacts_batch(
    conn: &mut PgConnection,
    ctx: &MapContext<'_>,
    records: &[&RawRecord],
) -> QueryResult<Vec<Unmapped>> {
    let live: Vec<&RawRecord> = records.iter().copied().filter(|r| !r.deleted).collect();
    let ids: Vec<&str> = live.iter().map(|r| r.source_id.as_str()).collect();
    let mut known = links::entity_ids(conn, SOURCE, "contacts", &ids)?;
    let unlinked: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| !known.contains_key(*id))
        .collect();
    known.extend(contact_domain::ids_by_external(conn, SOURCE, &unlinked)?);
    let (existing, fresh): (Vec<&RawRecord>, Vec<&RawRecord>) = live
        .into_iter()
        .partition(|record| known.contains_key(&record.source_id));
    let mut failures = map_each(&HubSpotMapper, conn, ctx, &existing)?;

    let associations: Vec<Option<String>> = fresh
        .iter()
        .map(|record| first_association(record, "companies"))
        .collect();
    let wanted: Vec<&str> = associations.iter().flatten().map(String::as_str).collect();
    let companies = links::entity_ids(conn, SOURCE, "companies", &wanted)?;
    let mut planned: Vec<(&RawRecord, ContactFields)> = Vec::with_capacity(fresh.len());
    for (record, association) in fresh.into_iter().zip(&associations) {
        let company = association
            .as_ref()
            .and_then(|id| companies.get(id).copied())
            .map_or(Value::Null, |id| json!(id));
        match contact_fields(record, company) {
            Ok(fields) => planned.push((record, fields)),
            Err(err) => failures.push(Unmapped {
                source_id: record.source_id.clone(),
                reason: err.to_string(),
            }),
        }
    }
    let news: Vec<contact_domain::NewContact> = planned
        .iter()
        .map(|(record, fields)| fields.new_contact(ctx, &record.source_id))
        .collect();
    let bulk = conn.transaction(|conn| {
        let created = contact_domain::create_many(conn, ctx.tenant_id, &news, None)?;
        let saves: Vec<SaveLink<'_>> = created
            .iter()
            .zip(&planned)
            .map(|(contact, (record, fields))| SaveLink {
                tenant_id: ctx.tenant_id,
                source: SOURCE,
                model: ctx.model,
                source_id: &record.source_id,
                entity_type: "contact",
                entity_id: contact.id.0,
                synced_values: &fields.incoming,
            })
            .collect();
        links::save_many(conn, &saves)
    });
    if let Err(err) = bulk {
        tracing::debug!(error = %err, "bulk contact insert failed; mapping one by one");
        // In company order: each creation touches its company, and a batch stored beside
        // this one takes its companies in id order too.
        let mut one_by_one: Vec<(Option<CompanyId>, &RawRecord)> = planned
            .iter()
            .map(|(record, fields)| (company_id_of(&fields.incoming), *record))
            .collect();
        one_by_one.sort_by_key(|(company, _)| company.map(|id| id.0));
        let one_by_one: Vec<&RawRecord> =
            one_by_one.into_iter().map(|(_, record)| record).collect();
        failures.extend(map_each(&HubSpotMapper, conn, ctx, &one_by_one)?);
    }
    Ok(failures)
}

fn contact(
    conn: &mut PgConnection,
    ctx: &MapContext<'_>,
    record: &RawRecord,
) -> Result<Mapped, MapError> {
    let company = linked(conn, "companies", first_association(record, "companies"))?;
    let fields = contact_fields(record, company)?;
    let (found, synced) = existing(conn, "contacts", record)?;
    let Some(id) = found else {
        let created =
            contact_domain::create(conn, &fields.new_contact(ctx, &record.source_id), None)?;
        save_link(conn, ctx, record, "contact", created.id.0, &fields.incoming)?;
        return Ok(Mapped::Created);
    };
    let incoming = fields.incoming;
    let row: (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<CompanyId>,
    ) = contacts::table
        .find(ContactId(id))
        .select((
            contacts::first_name,
            contacts::last_name,
            contacts::email,
            contacts::phone,
            contacts::title,
            contacts::company_id,
        ))
        .for_update()
        .first(conn)?;
    let current: Map<String, Value> = [
        ("first_name", json!(row.0)),
        ("last_name", json!(row.1)),
        ("email", opt(row.2)),
        ("phone", opt(row.3)),
        ("title", opt(row.4)),
        ("company_id", row.5.map_or(Value::Null, |id| json!(id.0))),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let plan = plan(&current, synced.as_ref(), &incoming, ctx.force);
    if !plan.written.is_empty() {
        let phone = s(&plan.values, "phone");
        diesel::update(contacts::table.find(ContactId(id)))
            .set((
                contacts::first_name.eq(plan
                    .values
                    .get("first_name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()),
                contacts::last_name.eq(plan
                    .values
                    .get("last_name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()),
                contacts::email.eq(s(&plan.values, "email")),
                contacts::phone_e164.eq(phone.as_deref().and_then(phones::to_e164)),
                contacts::phone.eq(phone),
                contacts::title.eq(s(&plan.values, "title")),
                contacts::company_id.eq(company_id_of(&plan.values)),
                contacts::external_source.eq(SOURCE),
                contacts::external_id.eq(&record.source_id),
            ))
            .execute(conn)?;
        audit_sync(conn, ctx, "contact", id, &current, &plan.values)?;
    }
    save_link(conn, ctx, record, "contact", id, &plan.synced)?;
    Ok(if plan.written.is_empty() {
        Mapped::Unchanged
    } else {
        Mapped::Updated
    })
}

/// HubSpot's default pipeline stages, matched to the default Rapport pipeline by position
/// (open stages) or by won/lost, when the connection's stage map does not say.
fn default_stage(stages: &[Stage], hubspot_stage: &str) -> Option<StageId> {
    let open: Vec<&Stage> = stages.iter().filter(|s| !s.is_closed()).collect();
    let nth = |n: usize| open.get(n.min(open.len().saturating_sub(1))).map(|s| s.id);
    match hubspot_stage {
        "appointmentscheduled" => nth(0),
        "qualifiedtobuy" => nth(1),
        "presentationscheduled" | "decisionmakerboughtin" => nth(2),
        "contractsent" => nth(3),
        "closedwon" => stages.iter().find(|s| s.is_closed_won).map(|s| s.id),
        "closedlost" => stages.iter().find(|s| s.is_closed_lost).map(|s| s.id),
        _ => None,
    }
}

/// The Rapport stage a HubSpot deal stage maps to: the connection's stage map, else the
/// defaults for HubSpot's standard stages.
pub fn mapped_stage(
    conn: &mut PgConnection,
    stage_map: &Value,
    hubspot_stage: &str,
) -> QueryResult<Option<Stage>> {
    use crate::db::schema::pipeline_stages;
    let explicit = match &stage_map[hubspot_stage] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    let id = match explicit {
        Some(id) => Some(StageId(id)),
        None => {
            let pipeline = pipelines::default_pipeline(conn)?;
            default_stage(&pipelines::stages(conn, pipeline.id)?, hubspot_stage)
        }
    };
    match id {
        Some(id) => pipeline_stages::table
            .find(id)
            .filter(pipeline_stages::archived_at.is_null())
            .select(Stage::as_select())
            .first(conn)
            .optional(),
        None => Ok(None),
    }
}

fn amount_minor(text: Option<String>) -> Result<i64, MapError> {
    let Some(text) = text else { return Ok(0) };
    let value: f64 = text
        .replace(',', "")
        .parse()
        .map_err(|_| MapError::Invalid(format!("amount `{text}` is not a number")))?;
    if !(0.0..1e13).contains(&value) {
        return Err(MapError::Invalid(format!(
            "amount `{text}` is out of range"
        )));
    }
    Ok((value * 100.0).round() as i64)
}

fn close_date(text: Option<String>) -> Option<NaiveDate> {
    let text = text?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.date_naive())
        .ok()
        .or_else(|| NaiveDate::parse_from_str(&text[..text.len().min(10)], "%Y-%m-%d").ok())
        .or_else(|| {
            text.parse::<i64>()
                .ok()
                .and_then(DateTime::from_timestamp_millis)
                .map(|t| t.date_naive())
        })
}

fn deal(
    conn: &mut PgConnection,
    ctx: &MapContext<'_>,
    record: &RawRecord,
) -> Result<Mapped, MapError> {
    let title =
        prop(record, "dealname").ok_or_else(|| MapError::Invalid("the deal has no name".into()))?;
    let hubspot_stage = prop(record, "dealstage").unwrap_or_default();
    let stage_map = ctx
        .connection
        .settings
        .get("stage_map")
        .cloned()
        .unwrap_or(Value::Null);
    let stage = mapped_stage(conn, &stage_map, &hubspot_stage)?.ok_or_else(|| {
        MapError::Invalid(format!("HubSpot deal stage `{hubspot_stage}` is not in the stage map (set it on the HubSpot page)"))
    })?;
    let company = linked(conn, "companies", first_association(record, "companies"))?;
    let contact = linked(conn, "contacts", first_association(record, "contacts"))?;
    let amount = amount_minor(prop(record, "amount"))?;
    let close = close_date(prop(record, "closedate"));
    let incoming: Map<String, Value> = [
        ("title", json!(title)),
        ("amount_minor", json!(amount)),
        (
            "expected_close_date",
            close.map_or(Value::Null, |d| json!(d.to_string())),
        ),
        ("company_id", company),
        ("primary_contact_id", contact),
        ("stage_id", json!(stage.id.0)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let at = record.updated_at.unwrap_or_else(Utc::now);
    let (found, synced) = existing(conn, "deals", record)?;
    let Some(id) = found else {
        let created = deal_domain::create(
            conn,
            &deal_domain::NewDeal {
                tenant_id: ctx.tenant_id,
                deal_number: 0,
                title,
                company_id: incoming["company_id"].as_i64().map(CompanyId),
                primary_contact_id: incoming["primary_contact_id"].as_i64().map(ContactId),
                pipeline_id: stage.pipeline_id,
                stage_id: stage.id,
                status: if stage.is_closed_won {
                    "won"
                } else if stage.is_closed_lost {
                    "lost"
                } else {
                    "open"
                }
                .to_owned(),
                amount_minor: amount,
                currency: "USD".to_owned(),
                probability: stage.probability,
                expected_close_date: close,
                actual_close_date: stage.is_closed().then(|| at.date_naive()),
                stage_entered_at: at,
                owner_id: None,
                source: Some("HubSpot".to_owned()),
                won_reason: None,
                lost_reason: None,
                created_by: None,
                created_at: None,
            },
            None,
        )?;
        diesel::update(deals::table.find(created.id))
            .set((
                deals::external_source.eq(SOURCE),
                deals::external_id.eq(&record.source_id),
            ))
            .execute(conn)?;
        save_link(conn, ctx, record, "deal", created.id.0, &incoming)?;
        return Ok(Mapped::Created);
    };
    let row: (
        String,
        i64,
        Option<NaiveDate>,
        Option<CompanyId>,
        Option<ContactId>,
        StageId,
        PipelineId,
    ) = deals::table
        .find(DealId(id))
        .select((
            deals::title,
            deals::amount_minor,
            deals::expected_close_date,
            deals::company_id,
            deals::primary_contact_id,
            deals::stage_id,
            deals::pipeline_id,
        ))
        .for_update()
        .first(conn)?;
    let current: Map<String, Value> = [
        ("title", json!(row.0)),
        ("amount_minor", json!(row.1)),
        (
            "expected_close_date",
            row.2.map_or(Value::Null, |d| json!(d.to_string())),
        ),
        ("company_id", row.3.map_or(Value::Null, |id| json!(id.0))),
        (
            "primary_contact_id",
            row.4.map_or(Value::Null, |id| json!(id.0)),
        ),
        ("stage_id", json!(row.5.0)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let plan = plan(&current, synced.as_ref(), &incoming, ctx.force);
    if plan.written.iter().any(|field| field != "stage_id") {
        diesel::update(deals::table.find(DealId(id)))
            .set((
                deals::title.eq(plan
                    .values
                    .get("title")
                    .and_then(Value::as_str)
                    .unwrap_or_default()),
                deals::amount_minor.eq(plan
                    .values
                    .get("amount_minor")
                    .and_then(Value::as_i64)
                    .unwrap_or(0)),
                deals::expected_close_date.eq(plan
                    .values
                    .get("expected_close_date")
                    .and_then(Value::as_str)
                    .and_then(|d| d.parse::<NaiveDate>().ok())),
                deals::company_id.eq(plan
                    .values
                    .get("company_id")
                    .and_then(Value::as_i64)
                    .map(CompanyId)),
                deals::primary_contact_id.eq(plan
                    .values
                    .get("primary_contact_id")
                    .and_then(Value::as_i64)
                    .map(ContactId)),
            ))
            .execute(conn)?;
        audit_sync(conn, ctx, "deal", id, &current, &plan.values)?;
    }
    if plan.written.iter().any(|field| field == "stage_id") {
        if stage.pipeline_id != row.6 {
            return Err(MapError::Invalid(format!(
                "the stage map sends `{hubspot_stage}` to a stage of another pipeline than the deal's"
            )));
        }
        let mut request = StageChangeRequest::to(stage.id, None);
        request.at = at.max(Utc::now() - chrono::Duration::days(3650));
        match change_stage(conn, ctx.tenant_id, DealId(id), &request) {
            Ok(_) => {}
            Err(StageChangeError::Database(err)) => return Err(err.into()),
            Err(other) => return Err(MapError::Invalid(other.to_string())),
        }
    }
    save_link(conn, ctx, record, "deal", id, &plan.synced)?;
    Ok(if plan.written.is_empty() {
        Mapped::Unchanged
    } else {
        Mapped::Updated
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_dates_parse_the_ways_hubspot_sends_them() {
        assert_eq!(amount_minor(Some("18500".into())).ok(), Some(1_850_000));
        assert_eq!(amount_minor(Some("1,234.56".into())).ok(), Some(123_456));
        assert_eq!(amount_minor(None).ok(), Some(0));
        assert!(amount_minor(Some("lots".into())).is_err());
        assert_eq!(
            close_date(Some("2024-03-20T00:00:00Z".into())),
            NaiveDate::from_ymd_opt(2024, 3, 20)
        );
        assert_eq!(
            close_date(Some("2024-03-20".into())),
            NaiveDate::from_ymd_opt(2024, 3, 20)
        );
        assert_eq!(
            close_date(Some("1710892800000".into())),
            NaiveDate::from_ymd_opt(2024, 3, 20)
        );
    }
}
