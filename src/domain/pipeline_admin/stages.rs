//! Stage administration: add, edit, reorder, move the won / lost flag, archive (moving
//! open deals to a chosen stage first).

use diesel::prelude::*;

use super::{AdminError, audit_change, invalid};
use crate::db::schema::{deals, pipeline_stages};
use crate::domain::deal_edit;
use crate::domain::ids::{DealId, PipelineId, StageId, TenantId, UserId};
use crate::domain::pipelines::Stage;
use crate::domain::stage_changes::{StageChangeError, StageChangeRequest};

/// What the stage form edits.
pub struct StageInput {
    pub name: String,
    pub probability: i16,
    pub colour: String,
    pub days_in_stage_alert: Option<i32>,
}

/// Checks the stage form; errors by field.
pub fn check_stage(
    name: &str,
    probability: &str,
    colour: &str,
    alert: &str,
) -> Result<StageInput, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        errors.push(("name", "Enter a name of up to 60 characters.".to_owned()));
    }
    let probability = probability
        .trim()
        .parse::<i16>()
        .ok()
        .filter(|p| (0..=100).contains(p));
    if probability.is_none() {
        errors.push((
            "probability",
            "Enter a probability from 0 to 100.".to_owned(),
        ));
    }
    let colour = colour.trim();
    let colour_ok = colour.len() == 7
        && colour.starts_with('#')
        && colour[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !colour_ok {
        errors.push(("colour", "Choose a colour like #3B82F6.".to_owned()));
    }
    let alert = alert.trim();
    let days = if alert.is_empty() {
        None
    } else {
        match alert.parse::<i32>() {
            Ok(days) if (1..=3650).contains(&days) => Some(days),
            _ => {
                errors.push((
                    "alert",
                    "Enter a number of days from 1 to 3650, or leave it empty.".to_owned(),
                ));
                None
            }
        }
    };
    match (errors.is_empty(), probability) {
        (true, Some(probability)) => Ok(StageInput {
            name: name.to_owned(),
            probability,
            colour: colour.to_owned(),
            days_in_stage_alert: days,
        }),
        _ => Err(errors),
    }
}

fn live_stage(conn: &mut PgConnection, id: StageId) -> Result<Stage, AdminError> {
    deal_edit::stage(conn, id)?.ok_or(AdminError::NotFound)
}

/// Adds an open stage just before the pipeline's closing stages.
pub fn add_stage(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    pipeline: PipelineId,
    input: &StageInput,
) -> Result<StageId, AdminError> {
    let stages = crate::domain::pipelines::stages(conn, pipeline)?;
    if stages.is_empty() {
        return Err(AdminError::NotFound);
    }
    let position = stages
        .iter()
        .filter(|s| !s.is_closed())
        .map(|s| s.position)
        .max()
        .map_or(1, |p| p + 1);
    // Make room: closing stages (and anything after) move down one.
    diesel::update(
        pipeline_stages::table
            .filter(pipeline_stages::pipeline_id.eq(pipeline))
            .filter(pipeline_stages::position.ge(position)),
    )
    .set(pipeline_stages::position.eq(pipeline_stages::position + 1))
    .execute(conn)?;
    let id: StageId = diesel::insert_into(pipeline_stages::table)
        .values((
            pipeline_stages::tenant_id.eq(tenant_id),
            pipeline_stages::pipeline_id.eq(pipeline),
            pipeline_stages::name.eq(&input.name),
            pipeline_stages::position.eq(position),
            pipeline_stages::probability.eq(input.probability),
            pipeline_stages::colour.eq(&input.colour),
            pipeline_stages::days_in_stage_alert.eq(input.days_in_stage_alert),
        ))
        .returning(pipeline_stages::id)
        .get_result(conn)?;
    audit_change(
        conn,
        tenant_id,
        actor,
        "pipeline.stage_added",
        pipeline.0,
        serde_json::json!({ "stage_id": id, "name": input.name }),
    )?;
    Ok(id)
}

pub fn update_stage(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    id: StageId,
    input: &StageInput,
) -> Result<(), AdminError> {
    let stage = live_stage(conn, id)?;
    diesel::update(pipeline_stages::table.find(id))
        .set((
            pipeline_stages::name.eq(&input.name),
            pipeline_stages::probability.eq(input.probability),
            pipeline_stages::colour.eq(&input.colour),
            pipeline_stages::days_in_stage_alert.eq(input.days_in_stage_alert),
        ))
        .execute(conn)?;
    audit_change(
        conn,
        tenant_id,
        actor,
        "pipeline.stage_updated",
        stage.pipeline_id.0,
        serde_json::json!({ "stage_id": id, "name": input.name }),
    )?;
    Ok(())
}

/// Swaps the stage with its neighbour above (`up`) or below.
pub fn move_stage(conn: &mut PgConnection, id: StageId, up: bool) -> Result<(), AdminError> {
    let stage = live_stage(conn, id)?;
    let stages = crate::domain::pipelines::stages(conn, stage.pipeline_id)?;
    let Some(index) = stages.iter().position(|s| s.id == id) else {
        return Err(AdminError::NotFound);
    };
    let other = if up {
        index.checked_sub(1)
    } else {
        Some(index + 1).filter(|i| *i < stages.len())
    };
    let Some(other) = other.map(|i| &stages[i]) else {
        return Ok(());
    };
    // Positions may repeat after edits; renumber in the new order.
    let mut order: Vec<StageId> = stages.iter().map(|s| s.id).collect();
    let other_index = order.iter().position(|s| *s == other.id).unwrap_or(index);
    order.swap(index, other_index);
    for (position, stage_id) in order.iter().enumerate() {
        diesel::update(pipeline_stages::table.find(*stage_id))
            .set(pipeline_stages::position.eq(position as i32 + 1))
            .execute(conn)?;
    }
    Ok(())
}

/// Makes this stage the pipeline's won (or lost) stage; the flag leaves the old one.
pub fn make_closing(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    id: StageId,
    won: bool,
) -> Result<(), AdminError> {
    let stage = live_stage(conn, id)?;
    let open_here: i64 = deals::table
        .filter(deals::stage_id.eq(id))
        .filter(deals::deleted_at.is_null())
        .filter(deals::status.eq("open"))
        .count()
        .get_result(conn)?;
    if open_here > 0 {
        return Err(invalid(
            "Move this stage's open deals first: a closing stage holds closed deals only.",
        ));
    }
    if (won && stage.is_closed_lost) || (!won && stage.is_closed_won) {
        return Err(invalid(
            "A stage is either the won or the lost stage; make another stage the other one first.",
        ));
    }
    let flag_filter = pipeline_stages::pipeline_id.eq(stage.pipeline_id);
    if won {
        diesel::update(pipeline_stages::table.filter(flag_filter))
            .set(pipeline_stages::is_closed_won.eq(false))
            .execute(conn)?;
        diesel::update(pipeline_stages::table.find(id))
            .set(pipeline_stages::is_closed_won.eq(true))
            .execute(conn)?;
    } else {
        diesel::update(pipeline_stages::table.filter(flag_filter))
            .set(pipeline_stages::is_closed_lost.eq(false))
            .execute(conn)?;
        diesel::update(pipeline_stages::table.find(id))
            .set(pipeline_stages::is_closed_lost.eq(true))
            .execute(conn)?;
    }
    audit_change(
        conn,
        tenant_id,
        actor,
        "pipeline.closing_stage_set",
        stage.pipeline_id.0,
        serde_json::json!({ "stage_id": id, "won": won }),
    )?;
    Ok(())
}

/// Archives a stage. Its open deals move first to `move_to` (required when there are
/// any), each through the one stage-change function. Closing stages stay.
pub fn archive_stage(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    id: StageId,
    move_to: Option<StageId>,
) -> Result<usize, AdminError> {
    let stage = live_stage(conn, id)?;
    if stage.is_closed_won || stage.is_closed_lost {
        return Err(invalid(
            "Every pipeline needs its won and lost stage: make another stage the won / lost stage before archiving this one.",
        ));
    }
    let remaining_open = crate::domain::pipelines::stages(conn, stage.pipeline_id)?
        .iter()
        .filter(|s| !s.is_closed() && s.id != id)
        .count();
    if remaining_open == 0 {
        return Err(invalid("A pipeline needs at least one open stage."));
    }
    let open: Vec<DealId> = deals::table
        .filter(deals::stage_id.eq(id))
        .filter(deals::deleted_at.is_null())
        .filter(deals::status.eq("open"))
        .select(deals::id)
        .load(conn)?;
    if !open.is_empty() {
        let Some(target) = move_to.filter(|t| *t != id) else {
            return Err(AdminError::Invalid(format!(
                "{} open deals are in this stage: choose the stage to move them to.",
                open.len()
            )));
        };
        let target_stage = live_stage(conn, target)?;
        if target_stage.pipeline_id != stage.pipeline_id || target_stage.is_closed() {
            return Err(invalid(
                "Move the deals to an open stage of the same pipeline.",
            ));
        }
        for deal in &open {
            let request = StageChangeRequest::to(target, actor);
            match deal_edit::move_to_stage(conn, tenant_id, *deal, &request) {
                Ok(_) => {}
                Err(StageChangeError::Database(error)) => return Err(error.into()),
                Err(_) => return Err(invalid("A deal could not be moved; try again.")),
            }
        }
    }
    diesel::update(pipeline_stages::table.find(id))
        .set(pipeline_stages::archived_at.eq(diesel::dsl::now))
        .execute(conn)?;
    audit_change(
        conn,
        tenant_id,
        actor,
        "pipeline.stage_archived",
        stage.pipeline_id.0,
        serde_json::json!({ "stage_id": id, "moved_deals": open.len() }),
    )?;
    Ok(open.len())
}
