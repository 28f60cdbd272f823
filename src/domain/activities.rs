//! The unified activity timeline. [`log_activity`] is the only way any code writes it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Int4, Jsonb, Nullable, Text, Timestamptz};
use serde::{Deserialize, Serialize};

use crate::db::schema::{activities, companies, contacts, deals, leads};
use crate::domain::ids::{ActivityId, CompanyId, ContactId, DealId, LeadId, TenantId, UserId};

macro_rules! activity_types {
    ($($variant:ident => $key:literal, $label:literal, $icon:literal;)*) => {
        /// What happened. Stored as its snake_case key.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ActivityType { $($variant,)* }

        impl ActivityType {
            pub const ALL: &'static [ActivityType] = &[$(ActivityType::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(ActivityType::$variant => $key,)* }
            }

            /// A short human label ("Logged call").
            pub fn label(self) -> &'static str {
                match self { $(ActivityType::$variant => $label,)* }
            }

            /// The name of the icon in `static/icons-activity.svg`.
            pub fn icon(self) -> &'static str {
                match self { $(ActivityType::$variant => $icon,)* }
            }

            pub fn parse(key: &str) -> Option<Self> {
                match key { $($key => Some(ActivityType::$variant),)* _ => None }
            }
        }
    };
}

activity_types! {
    Note => "note", "Note", "note";
    TaskCreated => "task_created", "Task created", "task";
    TaskCompleted => "task_completed", "Task completed", "check";
    CallLogged => "call_logged", "Logged call", "phone";
    Meeting => "meeting", "Meeting", "calendar";
    Visit => "visit", "Visit", "pin";
    CardScan => "card_scan", "Card scan", "card";
    Document => "document", "Document", "file";
    EmailSent => "email_sent", "Email sent", "mail-out";
    EmailReceived => "email_received", "Email received", "mail-in";
    CallInbound => "call_inbound", "Inbound call", "phone-in";
    CallOutbound => "call_outbound", "Outbound call", "phone-out";
    CallMissed => "call_missed", "Missed call", "phone-missed";
    DealCreated => "deal_created", "Deal created", "deal";
    DealStageChange => "deal_stage_change", "Stage changed", "stage";
    DealWon => "deal_won", "Deal won", "trophy";
    DealLost => "deal_lost", "Deal lost", "x-circle";
    ContactCreated => "contact_created", "Contact created", "user-plus";
    CompanyCreated => "company_created", "Company created", "building";
    LeadConverted => "lead_converted", "Lead converted", "convert";
    Merge => "merge", "Records merged", "merge";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

/// The record in another system an activity came from; (source, id) is unique per tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalRef {
    pub source: String,
    pub id: String,
}

/// An activity to log. Start from [`NewActivity::new`] and set what applies.
#[derive(Debug, Clone)]
pub struct NewActivity {
    pub activity_type: ActivityType,
    pub title: String,
    pub description: Option<String>,
    pub content: Option<String>,
    pub direction: Option<Direction>,
    pub duration_seconds: Option<i32>,
    pub participants: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
    pub user_id: Option<UserId>,
    pub contact_id: Option<ContactId>,
    pub company_id: Option<CompanyId>,
    pub deal_id: Option<DealId>,
    pub lead_id: Option<LeadId>,
    pub external: Option<ExternalRef>,
    pub external_url: Option<String>,
    pub extra: serde_json::Value,
    /// Set to retract an entry: a note deleted in Rapport, a task reopened, an email
    /// deleted at its source. With an external ref the existing entry is hidden (and shown
    /// again by a later call without it); last_activity_at is left alone.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl NewActivity {
    pub fn new(
        activity_type: ActivityType,
        title: impl Into<String>,
        occurred_at: DateTime<Utc>,
    ) -> Self {
        NewActivity {
            activity_type,
            title: title.into(),
            description: None,
            content: None,
            direction: None,
            duration_seconds: None,
            participants: serde_json::json!([]),
            occurred_at,
            user_id: None,
            contact_id: None,
            company_id: None,
            deal_id: None,
            lead_id: None,
            external: None,
            external_url: None,
            extra: serde_json::json!({}),
            deleted_at: None,
        }
    }
}

/// What [`log_activity`] did. Syncs count these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logged {
    Created(ActivityId),
    Updated(ActivityId),
    /// The same external record arrived again with nothing changed.
    Unchanged(ActivityId),
}

impl Logged {
    pub fn id(self) -> ActivityId {
        match self {
            Logged::Created(id) | Logged::Updated(id) | Logged::Unchanged(id) => id,
        }
    }
}

/// Writes one timeline entry inside the caller's transaction:
/// - links the contact's (or else the deal's) company when no company is given;
/// - dedupes on (external source, external id): a re-synced email or call updates the
///   existing entry (or leaves it alone when nothing changed) instead of adding another;
/// - moves `last_activity_at` forward on the linked contact, company, deal and lead.
pub fn log_activity(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    mut new: NewActivity,
) -> QueryResult<Logged> {
    if new.company_id.is_none() {
        new.company_id = inferred_company(conn, new.contact_id, new.deal_id)?;
    }
    let logged = match &new.external {
        None => {
            let id = diesel::insert_into(activities::table)
                .values(row(tenant_id, &new))
                .returning(activities::id)
                .get_result(conn)?;
            Logged::Created(id)
        }
        Some(external) => upsert_external(conn, tenant_id, &new, external)?,
    };
    if !matches!(logged, Logged::Unchanged(_)) && new.deleted_at.is_none() {
        touch_last_activity(conn, &new)?;
    }
    Ok(logged)
}

/// Inserts many new timeline entries at once (a sync creating a batch of records), as
/// they are: unlike [`log_activity`], no external dedupe, no company inference and no
/// `last_activity_at` (the caller moves it, with [`touch_many`] or on its own rows).
pub fn insert_many(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    entries: &[NewActivity],
) -> QueryResult<()> {
    // 17 columns per row: well under PostgreSQL's 65,535 bind parameters per chunk.
    for chunk in entries.chunks(1_000) {
        let rows: Vec<ActivityInsert<'_>> = chunk.iter().map(|new| row(tenant_id, new)).collect();
        diesel::insert_into(activities::table)
            .values(&rows)
            .execute(conn)?;
    }
    Ok(())
}

/// Moves companies' `last_activity_at` forward to the latest of the given times, per id
/// (a batch of new contacts touching their companies).
pub fn touch_companies(
    conn: &mut PgConnection,
    touched: impl Iterator<Item = (CompanyId, DateTime<Utc>)>,
) -> QueryResult<()> {
    let (ids, times): (Vec<i64>, Vec<DateTime<Utc>>) = touched.map(|(id, at)| (id.0, at)).unzip();
    if ids.is_empty() {
        return Ok(());
    }
    // Rows locked in id order first: two batches touching the same companies at once
    // then wait on each other in turn instead of deadlocking.
    diesel::sql_query("SELECT id FROM companies WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE")
        .bind::<diesel::sql_types::Array<BigInt>, _>(&ids)
        .execute(conn)?;
    diesel::sql_query(
        "UPDATE companies t SET last_activity_at = u.at \
         FROM (SELECT id, max(at) AS at FROM unnest($1::bigint[], $2::timestamptz[]) AS s(id, at) \
               GROUP BY id) u \
         WHERE t.id = u.id AND (t.last_activity_at IS NULL OR t.last_activity_at < u.at)",
    )
    .bind::<diesel::sql_types::Array<BigInt>, _>(ids)
    .bind::<diesel::sql_types::Array<Timestamptz>, _>(times)
    .execute(conn)?;
    Ok(())
}

fn inferred_company(
    conn: &mut PgConnection,
    contact_id: Option<ContactId>,
    deal_id: Option<DealId>,
) -> QueryResult<Option<CompanyId>> {
    if let Some(contact_id) = contact_id {
        let company = contacts::table
            .find(contact_id)
            .select(contacts::company_id)
            .first::<Option<CompanyId>>(conn)
            .optional()?
            .flatten();
        if company.is_some() {
            return Ok(company);
        }
    }
    if let Some(deal_id) = deal_id {
        return Ok(deals::table
            .find(deal_id)
            .select(deals::company_id)
            .first::<Option<CompanyId>>(conn)
            .optional()?
            .flatten());
    }
    Ok(None)
}

#[derive(Insertable)]
#[diesel(table_name = activities)]
struct ActivityInsert<'a> {
    tenant_id: TenantId,
    activity_type: &'static str,
    title: &'a str,
    description: Option<&'a str>,
    content: Option<&'a str>,
    direction: Option<&'static str>,
    duration_seconds: Option<i32>,
    participants: &'a serde_json::Value,
    occurred_at: DateTime<Utc>,
    user_id: Option<UserId>,
    contact_id: Option<ContactId>,
    company_id: Option<CompanyId>,
    deal_id: Option<DealId>,
    lead_id: Option<LeadId>,
    external_url: Option<&'a str>,
    extra: &'a serde_json::Value,
    deleted_at: Option<DateTime<Utc>>,
}

fn row(tenant_id: TenantId, new: &NewActivity) -> ActivityInsert<'_> {
    ActivityInsert {
        tenant_id,
        activity_type: new.activity_type.as_str(),
        title: &new.title,
        description: new.description.as_deref(),
        content: new.content.as_deref(),
        direction: new.direction.map(Direction::as_str),
        duration_seconds: new.duration_seconds,
        participants: &new.participants,
        occurred_at: new.occurred_at,
        user_id: new.user_id,
        contact_id: new.contact_id,
        company_id: new.company_id,
        deal_id: new.deal_id,
        lead_id: new.lead_id,
        external_url: new.external_url.as_deref(),
        extra: &new.extra,
        deleted_at: new.deleted_at,
    }
}

/// Insert-or-update on (tenant, source, external id). Links a person made in Rapport are
/// kept when the source sends none; an unchanged payload writes nothing.
fn upsert_external(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    new: &NewActivity,
    external: &ExternalRef,
) -> QueryResult<Logged> {
    #[derive(QueryableByName)]
    struct Upserted {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Bool)]
        inserted: bool,
    }
    let upserted: Option<Upserted> = diesel::sql_query(
        "INSERT INTO activities (tenant_id, activity_type, title, description, content, direction, \
             duration_seconds, participants, occurred_at, user_id, contact_id, company_id, deal_id, \
             lead_id, external_source, external_id, external_url, extra, deleted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
         ON CONFLICT (tenant_id, external_source, external_id) WHERE external_id IS NOT NULL \
         DO UPDATE SET activity_type = EXCLUDED.activity_type, title = EXCLUDED.title, \
             description = EXCLUDED.description, content = EXCLUDED.content, \
             direction = EXCLUDED.direction, duration_seconds = EXCLUDED.duration_seconds, \
             participants = EXCLUDED.participants, occurred_at = EXCLUDED.occurred_at, \
             user_id = COALESCE(EXCLUDED.user_id, activities.user_id), \
             contact_id = COALESCE(EXCLUDED.contact_id, activities.contact_id), \
             company_id = COALESCE(EXCLUDED.company_id, activities.company_id), \
             deal_id = COALESCE(EXCLUDED.deal_id, activities.deal_id), \
             lead_id = COALESCE(EXCLUDED.lead_id, activities.lead_id), \
             external_url = EXCLUDED.external_url, extra = EXCLUDED.extra, deleted_at = EXCLUDED.deleted_at \
         WHERE (activities.activity_type, activities.title, activities.description, activities.content, \
                activities.direction, activities.duration_seconds, activities.participants, \
                activities.occurred_at, activities.external_url, activities.extra, activities.deleted_at) \
             IS DISTINCT FROM \
               (EXCLUDED.activity_type, EXCLUDED.title, EXCLUDED.description, EXCLUDED.content, \
                EXCLUDED.direction, EXCLUDED.duration_seconds, EXCLUDED.participants, \
                EXCLUDED.occurred_at, EXCLUDED.external_url, EXCLUDED.extra, EXCLUDED.deleted_at) \
            OR (EXCLUDED.contact_id IS NOT NULL AND EXCLUDED.contact_id IS DISTINCT FROM activities.contact_id) \
            OR (EXCLUDED.company_id IS NOT NULL AND EXCLUDED.company_id IS DISTINCT FROM activities.company_id) \
            OR (EXCLUDED.deal_id IS NOT NULL AND EXCLUDED.deal_id IS DISTINCT FROM activities.deal_id) \
            OR (EXCLUDED.lead_id IS NOT NULL AND EXCLUDED.lead_id IS DISTINCT FROM activities.lead_id) \
         RETURNING id, (xmax = 0) AS inserted",
    )
    .bind::<BigInt, _>(tenant_id.0)
    .bind::<Text, _>(new.activity_type.as_str())
    .bind::<Text, _>(&new.title)
    .bind::<Nullable<Text>, _>(new.description.as_deref())
    .bind::<Nullable<Text>, _>(new.content.as_deref())
    .bind::<Nullable<Text>, _>(new.direction.map(Direction::as_str))
    .bind::<Nullable<Int4>, _>(new.duration_seconds)
    .bind::<Jsonb, _>(&new.participants)
    .bind::<Timestamptz, _>(new.occurred_at)
    .bind::<Nullable<BigInt>, _>(new.user_id.map(|id| id.0))
    .bind::<Nullable<BigInt>, _>(new.contact_id.map(|id| id.0))
    .bind::<Nullable<BigInt>, _>(new.company_id.map(|id| id.0))
    .bind::<Nullable<BigInt>, _>(new.deal_id.map(|id| id.0))
    .bind::<Nullable<BigInt>, _>(new.lead_id.map(|id| id.0))
    .bind::<Text, _>(&external.source)
    .bind::<Text, _>(&external.id)
    .bind::<Nullable<Text>, _>(new.external_url.as_deref())
    .bind::<Jsonb, _>(&new.extra)
    .bind::<Nullable<Timestamptz>, _>(new.deleted_at)
    .get_result(conn)
    .optional()?;
    match upserted {
        Some(Upserted { id, inserted: true }) => Ok(Logged::Created(ActivityId(id))),
        Some(Upserted {
            id,
            inserted: false,
        }) => Ok(Logged::Updated(ActivityId(id))),
        None => {
            let id = activities::table
                .filter(activities::external_source.eq(&external.source))
                .filter(activities::external_id.eq(&external.id))
                .select(activities::id)
                .first(conn)?;
            Ok(Logged::Unchanged(id))
        }
    }
}

/// Moves last_activity_at forward (never back) on every linked record.
fn touch_last_activity(conn: &mut PgConnection, new: &NewActivity) -> QueryResult<()> {
    let at = new.occurred_at;
    if let Some(id) = new.contact_id {
        diesel::update(contacts::table.find(id))
            .filter(
                contacts::last_activity_at
                    .is_null()
                    .or(contacts::last_activity_at.lt(at)),
            )
            .set(contacts::last_activity_at.eq(at))
            .execute(conn)?;
    }
    if let Some(id) = new.company_id {
        diesel::update(companies::table.find(id))
            .filter(
                companies::last_activity_at
                    .is_null()
                    .or(companies::last_activity_at.lt(at)),
            )
            .set(companies::last_activity_at.eq(at))
            .execute(conn)?;
    }
    if let Some(id) = new.deal_id {
        diesel::update(deals::table.find(id))
            .filter(
                deals::last_activity_at
                    .is_null()
                    .or(deals::last_activity_at.lt(at)),
            )
            .set(deals::last_activity_at.eq(at))
            .execute(conn)?;
    }
    if let Some(id) = new.lead_id {
        diesel::update(leads::table.find(id))
            .filter(
                leads::last_activity_at
                    .is_null()
                    .or(leads::last_activity_at.lt(at)),
            )
            .set(leads::last_activity_at.eq(at))
            .execute(conn)?;
    }
    Ok(())
}
