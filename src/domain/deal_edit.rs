//! Creating and editing deals from forms: the field changes, the stage (through
//! [`change_stage`]), moving to another pipeline (an explicit target stage), closing with
//! reasons and reopening.

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;

use crate::db::schema::{deals, pipeline_stages};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::deals::{self as deal_records, Deal, NewDeal};
use crate::domain::ids::{CompanyId, ContactId, DealId, PipelineId, StageId, TenantId, UserId};
use crate::domain::pipelines::Stage;
use crate::domain::stage_changes::{
    StageChangeError, StageChangeOutcome, StageChangeRequest, change_stage,
};

/// Everything the deal form edits.
#[derive(Debug, Clone, PartialEq)]
pub struct DealChanges {
    pub title: String,
    pub company_id: Option<CompanyId>,
    pub primary_contact_id: Option<ContactId>,
    pub stage_id: StageId,
    pub amount_minor: i64,
    pub currency: String,
    pub discount_minor: i64,
    pub tax_minor: i64,
    /// `None` follows the stage's probability.
    pub probability: Option<i16>,
    pub expected_close_date: Option<NaiveDate>,
    pub owner_id: Option<UserId>,
    pub source: Option<String>,
    pub competitors: Vec<String>,
    pub custom_fields: serde_json::Value,
    /// Required when the form moves the deal into a closed-won stage.
    pub won_reason: Option<String>,
    /// Required when the form moves the deal into a closed-lost stage.
    pub lost_reason: Option<String>,
}

/// Moving into a closing stage needs its reason (as the stage menu asks): returns the
/// field to blame and the message when it is missing. `current` is the deal's stage
/// before the change (None for a new deal); staying in a closed stage needs nothing new.
pub fn closing_reason_problem(
    conn: &mut PgConnection,
    current: Option<StageId>,
    changes: &DealChanges,
) -> QueryResult<Option<(&'static str, &'static str)>> {
    if current == Some(changes.stage_id) {
        return Ok(None);
    }
    let Some(target) = stage(conn, changes.stage_id)? else {
        return Ok(None);
    };
    let blank = |reason: &Option<String>| reason.as_deref().is_none_or(|r| r.trim().is_empty());
    Ok(if target.is_closed_won && blank(&changes.won_reason) {
        Some(("won_reason", "Say why this deal was won."))
    } else if target.is_closed_lost && blank(&changes.lost_reason) {
        Some(("lost_reason", "Say why this deal was lost."))
    } else {
        None
    })
}

/// A live stage by id (any pipeline).
pub fn stage(conn: &mut PgConnection, id: StageId) -> QueryResult<Option<Stage>> {
    pipeline_stages::table
        .find(id)
        .filter(pipeline_stages::archived_at.is_null())
        .select(Stage::as_select())
        .first(conn)
        .optional()
}

/// The deal, deleted or not (the detail page shows deleted deals with a restore button).
pub fn find_any(conn: &mut PgConnection, id: DealId) -> QueryResult<Option<Deal>> {
    deals::table
        .find(id)
        .select(Deal::as_select())
        .first(conn)
        .optional()
}

fn competitor_array(list: &[String]) -> Vec<Option<String>> {
    list.iter().map(|c| Some(c.clone())).collect()
}

/// Creates a deal from the form (number, first history row, audit, timeline).
pub fn create(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    changes: &DealChanges,
) -> Result<Deal, StageChangeError> {
    let stage = stage(conn, changes.stage_id)?.ok_or(StageChangeError::InvalidStage)?;
    let status = if stage.is_closed_won {
        "won"
    } else if stage.is_closed_lost {
        "lost"
    } else {
        "open"
    };
    let deal = deal_records::create(
        conn,
        &NewDeal {
            tenant_id,
            deal_number: 0,
            title: changes.title.clone(),
            company_id: changes.company_id,
            primary_contact_id: changes.primary_contact_id,
            pipeline_id: stage.pipeline_id,
            stage_id: stage.id,
            status: status.to_owned(),
            amount_minor: changes.amount_minor,
            currency: changes.currency.clone(),
            probability: changes.probability.unwrap_or(stage.probability),
            expected_close_date: changes.expected_close_date,
            actual_close_date: stage.is_closed().then(|| Utc::now().date_naive()),
            stage_entered_at: Utc::now(),
            owner_id: changes.owner_id,
            source: changes.source.clone(),
            won_reason: changes.won_reason.clone().filter(|_| stage.is_closed_won),
            lost_reason: changes.lost_reason.clone().filter(|_| stage.is_closed_lost),
            created_by: actor,
            created_at: None,
        },
        actor,
    )?;
    let deal: Deal = diesel::update(deals::table.find(deal.id))
        .set((
            deals::discount_minor.eq(changes.discount_minor),
            deals::tax_minor.eq(changes.tax_minor),
            deals::probability_overridden.eq(changes.probability.is_some()),
            deals::competitors.eq(competitor_array(&changes.competitors)),
            deals::custom_fields.eq(&changes.custom_fields),
        ))
        .returning(Deal::as_returning())
        .get_result(conn)?;
    Ok(deal)
}

/// Applies the form: plain fields, then the stage (through [`change_stage`]; a stage of
/// another pipeline moves the deal there). Returns None when the deal is not visible.
pub fn update(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    id: DealId,
    changes: &DealChanges,
) -> Result<Option<Deal>, StageChangeError> {
    let Some(before) = deal_records::find(conn, id)? else {
        return Ok(None);
    };
    let after: Deal = diesel::update(deals::table.find(id))
        .set((
            deals::title.eq(&changes.title),
            deals::company_id.eq(changes.company_id),
            deals::primary_contact_id.eq(changes.primary_contact_id),
            deals::amount_minor.eq(changes.amount_minor),
            deals::currency.eq(&changes.currency),
            deals::discount_minor.eq(changes.discount_minor),
            deals::tax_minor.eq(changes.tax_minor),
            deals::expected_close_date.eq(changes.expected_close_date),
            deals::owner_id.eq(changes.owner_id),
            deals::source.eq(&changes.source),
            deals::competitors.eq(competitor_array(&changes.competitors)),
            deals::custom_fields.eq(&changes.custom_fields),
            deals::probability_overridden.eq(changes.probability.is_some()),
        ))
        .returning(Deal::as_returning())
        .get_result(conn)?;
    set_probability(conn, &after, changes.probability)?;
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action: "deal.updated",
            entity_type: "deal",
            entity_id: Some(id.0),
            before: audit::snapshot(&before),
            after: audit::snapshot(&after),
        },
    )?;
    if changes.stage_id != before.stage_id {
        move_to_stage(
            conn,
            tenant_id,
            id,
            &StageChangeRequest {
                won_reason: changes.won_reason.clone(),
                lost_reason: changes.lost_reason.clone(),
                ..StageChangeRequest::to(changes.stage_id, actor)
            },
        )?;
    }
    deal_records::find(conn, id).map_err(Into::into)
}

/// An override sets the probability; clearing it goes back to the stage's.
fn set_probability(conn: &mut PgConnection, deal: &Deal, wanted: Option<i16>) -> QueryResult<()> {
    let probability = match wanted {
        Some(p) => p,
        None => pipeline_stages::table
            .find(deal.stage_id)
            .select(pipeline_stages::probability)
            .first(conn)?,
    };
    if probability != deal.probability {
        diesel::update(deals::table.find(deal.id))
            .set(deals::probability.eq(probability))
            .execute(conn)?;
    }
    Ok(())
}

/// Moves a deal to a stage of its own pipeline or, when the stage belongs to another
/// pipeline, to that pipeline (the chosen stage is the explicit mapping). Either way the
/// move is one [`change_stage`] call: one history row, one timeline entry.
pub fn move_to_stage(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: DealId,
    request: &StageChangeRequest,
) -> Result<StageChangeOutcome, StageChangeError> {
    let target = stage(conn, request.to_stage_id)?.ok_or(StageChangeError::InvalidStage)?;
    let current: Option<PipelineId> = deals::table
        .find(id)
        .filter(deals::deleted_at.is_null())
        .select(deals::pipeline_id)
        .first(conn)
        .optional()?;
    let Some(current) = current else {
        return Err(StageChangeError::DealNotFound);
    };
    if current != target.pipeline_id {
        diesel::update(deals::table.find(id))
            .set(deals::pipeline_id.eq(target.pipeline_id))
            .execute(conn)?;
    }
    change_stage(conn, tenant_id, id, request)
}
