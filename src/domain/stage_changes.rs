//! The one way a deal changes stage. Every path (board, form, API, import, sync, lead
//! conversion, bulk edit) calls [`change_stage`], inside the caller's transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{deal_stage_history, deals, pipeline_stages};
use crate::domain::activities::{ActivityType, NewActivity, log_activity};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{DealId, PipelineId, StageId, TenantId, UserId};
use crate::domain::pipelines::Stage;

/// Where the deal should go, who moved it, and why (for closing stages).
#[derive(Debug, Clone)]
pub struct StageChangeRequest {
    pub to_stage_id: StageId,
    pub changed_by: Option<UserId>,
    pub at: DateTime<Utc>,
    pub won_reason: Option<String>,
    pub lost_reason: Option<String>,
    pub lost_to_competitor: Option<String>,
}

impl StageChangeRequest {
    pub fn to(to_stage_id: StageId, changed_by: Option<UserId>) -> Self {
        StageChangeRequest {
            to_stage_id,
            changed_by,
            at: Utc::now(),
            won_reason: None,
            lost_reason: None,
            lost_to_competitor: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum StageChangeOutcome {
    /// The deal was already in that stage: nothing was recorded.
    Unchanged,
    Changed {
        from: StageId,
        to: StageId,
        seconds_in_previous: i64,
        status: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum StageChangeError {
    #[error("the deal does not exist or is not visible")]
    DealNotFound,
    #[error("that stage does not exist, is archived, or belongs to another pipeline")]
    InvalidStage,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = deals, check_for_backend(diesel::pg::Pg))]
struct DealStageState {
    id: DealId,
    title: String,
    pipeline_id: PipelineId,
    stage_id: StageId,
    status: String,
    probability_overridden: bool,
    stage_entered_at: DateTime<Utc>,
    primary_contact_id: Option<crate::domain::ids::ContactId>,
}

/// Moves a deal to another stage of its pipeline, in one transaction with the caller:
/// writes the `deal_stage_history` row (with the seconds spent in the previous stage),
/// sets `stage_entered_at`, follows the stage's probability unless a person overrode it,
/// sets the status (won / lost for closing stages, open when leaving one), and writes the
/// timeline entry: `deal_stage_change` ("Qualification → Proposal"), or `deal_won` /
/// `deal_lost` when the move closes the deal. Moving to the current stage records nothing.
pub fn change_stage(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    deal_id: DealId,
    request: &StageChangeRequest,
) -> Result<StageChangeOutcome, StageChangeError> {
    let deal: DealStageState = deals::table
        .find(deal_id)
        .filter(deals::deleted_at.is_null())
        .select(DealStageState::as_select())
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(StageChangeError::DealNotFound)?;
    if deal.stage_id == request.to_stage_id {
        return Ok(StageChangeOutcome::Unchanged);
    }
    let to: Stage = pipeline_stages::table
        .find(request.to_stage_id)
        .filter(pipeline_stages::pipeline_id.eq(deal.pipeline_id))
        .filter(pipeline_stages::archived_at.is_null())
        .select(Stage::as_select())
        .first(conn)
        .optional()?
        .ok_or(StageChangeError::InvalidStage)?;
    let from_name: String = pipeline_stages::table
        .find(deal.stage_id)
        .select(pipeline_stages::name)
        .first(conn)?;
    let seconds_in_previous = (request.at - deal.stage_entered_at).num_seconds().max(0);

    diesel::insert_into(deal_stage_history::table)
        .values((
            deal_stage_history::tenant_id.eq(tenant_id),
            deal_stage_history::deal_id.eq(deal.id),
            deal_stage_history::from_stage_id.eq(Some(deal.stage_id)),
            deal_stage_history::to_stage_id.eq(to.id),
            deal_stage_history::changed_at.eq(request.at),
            deal_stage_history::changed_by.eq(request.changed_by),
            deal_stage_history::duration_seconds.eq(Some(seconds_in_previous)),
        ))
        .execute(conn)?;

    let status = if to.is_closed_won {
        "won"
    } else if to.is_closed_lost {
        "lost"
    } else if deal.status == "won" || deal.status == "lost" {
        "open"
    } else {
        deal.status.as_str()
    }
    .to_owned();
    let closing = to.is_closed();
    let probability = (!deal.probability_overridden).then_some(to.probability);
    diesel::update(deals::table.find(deal.id))
        .set((
            deals::stage_id.eq(to.id),
            deals::stage_entered_at.eq(request.at),
            deals::status.eq(&status),
            deals::actual_close_date.eq(closing.then(|| request.at.date_naive())),
            deals::won_reason.eq(if to.is_closed_won {
                request.won_reason.clone()
            } else {
                None
            }),
            deals::lost_reason.eq(if to.is_closed_lost {
                request.lost_reason.clone()
            } else {
                None
            }),
            deals::lost_to_competitor.eq(if to.is_closed_lost {
                request.lost_to_competitor.clone()
            } else {
                None
            }),
        ))
        .execute(conn)?;
    if let Some(probability) = probability {
        diesel::update(deals::table.find(deal.id))
            .set(deals::probability.eq(probability))
            .execute(conn)?;
    }

    let (kind, title, description) = if to.is_closed_won {
        (
            ActivityType::DealWon,
            format!("Deal won: {}", deal.title),
            request.won_reason.clone(),
        )
    } else if to.is_closed_lost {
        (
            ActivityType::DealLost,
            format!("Deal lost: {}", deal.title),
            request.lost_reason.clone(),
        )
    } else {
        (
            ActivityType::DealStageChange,
            format!("{from_name} → {}", to.name),
            None,
        )
    };
    let mut event = NewActivity::new(kind, title, request.at);
    event.description = description;
    event.deal_id = Some(deal.id);
    event.contact_id = deal.primary_contact_id;
    event.user_id = request.changed_by;
    event.extra = serde_json::json!({
        "from_stage_id": deal.stage_id,
        "to_stage_id": to.id,
        "from_stage": from_name,
        "to_stage": to.name,
        "seconds_in_previous": seconds_in_previous,
    });
    log_activity(conn, tenant_id, event)?;
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: request.changed_by,
            action: "deal.stage_changed",
            entity_type: "deal",
            entity_id: Some(deal.id.0),
            before: Some(serde_json::json!({ "stage_id": deal.stage_id, "status": deal.status })),
            after: Some(serde_json::json!({ "stage_id": to.id, "status": status })),
        },
    )?;
    Ok(StageChangeOutcome::Changed {
        from: deal.stage_id,
        to: to.id,
        seconds_in_previous,
        status,
    })
}
