//! Deals: money moving through a pipeline.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{deal_stage_history, deals, record_sequences};
use crate::domain::activities::{ActivityType, NewActivity, log_activity};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{
    CompanyId, ContactId, DealId, LeadId, PipelineId, StageId, TenantId, UserId,
};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = deals, check_for_backend(diesel::pg::Pg))]
pub struct Deal {
    pub id: DealId,
    pub deal_number: i64,
    pub title: String,
    pub company_id: Option<CompanyId>,
    pub primary_contact_id: Option<ContactId>,
    pub pipeline_id: PipelineId,
    pub stage_id: StageId,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub discount_minor: i64,
    pub tax_minor: i64,
    pub total_minor: Option<i64>,
    pub probability: i16,
    pub probability_overridden: bool,
    pub expected_close_date: Option<NaiveDate>,
    pub actual_close_date: Option<NaiveDate>,
    pub stage_entered_at: DateTime<Utc>,
    pub owner_id: Option<UserId>,
    pub source: Option<String>,
    pub lead_id: Option<LeadId>,
    #[diesel(deserialize_as = crate::db::types::StringList)]
    pub competitors: Vec<String>,
    pub won_reason: Option<String>,
    pub lost_reason: Option<String>,
    pub lost_to_competitor: Option<String>,
    pub custom_fields: serde_json::Value,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = deals)]
pub struct NewDeal {
    pub tenant_id: TenantId,
    pub deal_number: i64,
    pub title: String,
    pub company_id: Option<CompanyId>,
    pub primary_contact_id: Option<ContactId>,
    pub pipeline_id: PipelineId,
    pub stage_id: StageId,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub probability: i16,
    pub expected_close_date: Option<NaiveDate>,
    pub actual_close_date: Option<NaiveDate>,
    pub stage_entered_at: DateTime<Utc>,
    pub owner_id: Option<UserId>,
    pub source: Option<String>,
    pub won_reason: Option<String>,
    pub lost_reason: Option<String>,
    pub created_by: Option<UserId>,
    pub created_at: Option<DateTime<Utc>>,
}

/// Takes the next `count` deal numbers for the tenant; returns the first. The row lock on
/// the counter serialises concurrent creators, so numbers are never reused.
pub fn reserve_deal_numbers(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    count: i64,
) -> QueryResult<i64> {
    let last: i64 = diesel::insert_into(record_sequences::table)
        .values((
            record_sequences::tenant_id.eq(tenant_id),
            record_sequences::name.eq("deal_number"),
            record_sequences::last_value.eq(count),
        ))
        .on_conflict((record_sequences::tenant_id, record_sequences::name))
        .do_update()
        .set(record_sequences::last_value.eq(record_sequences::last_value + count))
        .returning(record_sequences::last_value)
        .get_result(conn)?;
    Ok(last - count + 1)
}

/// Inserts the row only (with the `deal_number` given). Prefer [`create`].
pub fn insert(conn: &mut PgConnection, new: &NewDeal) -> QueryResult<Deal> {
    diesel::insert_into(deals::table)
        .values(new)
        .returning(Deal::as_returning())
        .get_result(conn)
}

/// Creates a deal in the caller's transaction: assigns the next deal number, inserts the
/// row, writes the first stage-history row (entering its stage at `stage_entered_at`), the
/// audit entry and the `deal_created` timeline entry. Later moves go through
/// [`crate::domain::stage_changes::change_stage`].
pub fn create(conn: &mut PgConnection, new: &NewDeal, actor: Option<UserId>) -> QueryResult<Deal> {
    let mut new = new.clone();
    new.deal_number = reserve_deal_numbers(conn, new.tenant_id, 1)?;
    let deal = insert(conn, &new)?;
    diesel::insert_into(deal_stage_history::table)
        .values((
            deal_stage_history::tenant_id.eq(new.tenant_id),
            deal_stage_history::deal_id.eq(deal.id),
            deal_stage_history::from_stage_id.eq(None::<StageId>),
            deal_stage_history::to_stage_id.eq(deal.stage_id),
            deal_stage_history::changed_at.eq(deal.stage_entered_at),
            deal_stage_history::changed_by.eq(actor),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        &AuditEntry {
            tenant_id: new.tenant_id,
            actor_id: actor,
            action: "deal.created",
            entity_type: "deal",
            entity_id: Some(deal.id.0),
            before: None,
            after: audit::snapshot(&deal),
        },
    )?;
    let mut event = NewActivity::new(
        ActivityType::DealCreated,
        format!("Deal {} created", deal.title),
        deal.created_at,
    );
    event.deal_id = Some(deal.id);
    event.contact_id = deal.primary_contact_id;
    event.company_id = deal.company_id;
    event.user_id = actor;
    log_activity(conn, new.tenant_id, event)?;
    Ok(deal)
}

pub fn find(conn: &mut PgConnection, id: DealId) -> QueryResult<Option<Deal>> {
    deals::table
        .find(id)
        .filter(deals::deleted_at.is_null())
        .select(Deal::as_select())
        .first(conn)
        .optional()
}
