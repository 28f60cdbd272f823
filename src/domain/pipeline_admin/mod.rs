//! Pipeline administration: several pipelines per tenant with one default; stages with
//! name, probability, colour, order, days-in-stage alert and the closing flags. Every
//! pipeline keeps exactly one won and one lost stage: new pipelines start with both, the
//! flags move from stage to stage (never set twice, never dropped; the database's partial
//! unique indexes refuse a second one), and closing stages cannot be archived. Archiving
//! a stage with open deals moves them first to a chosen stage (one history row each).

use diesel::prelude::*;

use crate::db::schema::{deals, pipeline_stages, pipelines};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{PipelineId, StageId, TenantId, UserId};
use crate::domain::pipelines::{Pipeline, Stage};

mod stages;
pub use stages::*;

/// A rule broken by an admin change, as the message shown next to the form.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

pub(super) fn invalid(message: &str) -> AdminError {
    AdminError::Invalid(message.to_owned())
}

pub struct PipelineWithStages {
    pub pipeline: Pipeline,
    pub stages: Vec<Stage>,
    /// Open deals per stage id.
    pub open_deals: Vec<(i64, i64)>,
}

impl PipelineWithStages {
    pub fn open_in(&self, stage: &Stage) -> i64 {
        self.open_deals
            .iter()
            .find(|(id, _)| *id == stage.id.0)
            .map_or(0, |(_, n)| *n)
    }
}

/// Live pipelines (default first) with their live stages and open deal counts.
pub fn overview(conn: &mut PgConnection) -> QueryResult<Vec<PipelineWithStages>> {
    let list: Vec<Pipeline> = pipelines::table
        .filter(pipelines::archived_at.is_null())
        .order((
            pipelines::is_default.desc(),
            pipelines::position,
            pipelines::id,
        ))
        .select(Pipeline::as_select())
        .load(conn)?;
    let mut out = Vec::with_capacity(list.len());
    for pipeline in list {
        let stages = crate::domain::pipelines::stages(conn, pipeline.id)?;
        let ids: Vec<StageId> = stages.iter().map(|s| s.id).collect();
        let open_deals: Vec<(StageId, i64)> = deals::table
            .filter(deals::stage_id.eq_any(&ids))
            .filter(deals::deleted_at.is_null())
            .filter(deals::status.eq("open"))
            .group_by(deals::stage_id)
            .select((deals::stage_id, diesel::dsl::count_star()))
            .load(conn)?;
        out.push(PipelineWithStages {
            pipeline,
            stages,
            open_deals: open_deals.into_iter().map(|(id, n)| (id.0, n)).collect(),
        });
    }
    Ok(out)
}

pub(super) fn audit_change(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    action: &'static str,
    entity_id: i64,
    after: serde_json::Value,
) -> QueryResult<()> {
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action,
            entity_type: "pipeline",
            entity_id: Some(entity_id),
            before: None,
            after: Some(after),
        },
    )
}

pub fn check_name(name: &str) -> Result<String, AdminError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("Enter a name."));
    }
    if name.chars().count() > 100 {
        return Err(invalid("Use at most 100 characters."));
    }
    Ok(name.to_owned())
}

fn name_taken(
    conn: &mut PgConnection,
    name: &str,
    except: Option<PipelineId>,
) -> QueryResult<bool> {
    let mut query = pipelines::table
        .filter(pipelines::archived_at.is_null())
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(name) = lower(")
                .bind::<diesel::sql_types::Text, _>(name.to_owned())
                .sql(")"),
        )
        .select(pipelines::id)
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(pipelines::id.ne(id));
    }
    Ok(query.first::<PipelineId>(conn).optional()?.is_some())
}

/// A new pipeline with an open stage, a won and a lost stage (so the rule holds at once).
pub fn create_pipeline(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    name: &str,
) -> Result<PipelineId, AdminError> {
    let name = check_name(name)?;
    if name_taken(conn, &name, None)? {
        return Err(invalid("Another pipeline has that name."));
    }
    let position: Option<i32> = pipelines::table
        .filter(pipelines::archived_at.is_null())
        .select(diesel::dsl::max(pipelines::position))
        .first(conn)?;
    let id: PipelineId = diesel::insert_into(pipelines::table)
        .values((
            pipelines::tenant_id.eq(tenant_id),
            pipelines::name.eq(&name),
            pipelines::position.eq(position.map_or(0, |p| p + 1)),
        ))
        .returning(pipelines::id)
        .get_result(conn)?;
    for (position, (stage, probability, won, lost, colour)) in [
        ("New", 10_i16, false, false, "#6B7280"),
        ("Won", 100, true, false, "#10B981"),
        ("Lost", 0, false, true, "#EF4444"),
    ]
    .into_iter()
    .enumerate()
    {
        diesel::insert_into(pipeline_stages::table)
            .values((
                pipeline_stages::tenant_id.eq(tenant_id),
                pipeline_stages::pipeline_id.eq(id),
                pipeline_stages::name.eq(stage),
                pipeline_stages::position.eq(position as i32 + 1),
                pipeline_stages::probability.eq(probability),
                pipeline_stages::colour.eq(colour),
                pipeline_stages::is_closed_won.eq(won),
                pipeline_stages::is_closed_lost.eq(lost),
            ))
            .execute(conn)?;
    }
    audit_change(
        conn,
        tenant_id,
        actor,
        "pipeline.created",
        id.0,
        serde_json::json!({ "name": name }),
    )?;
    Ok(id)
}

pub fn rename_pipeline(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    id: PipelineId,
    name: &str,
) -> Result<(), AdminError> {
    let name = check_name(name)?;
    if name_taken(conn, &name, Some(id))? {
        return Err(invalid("Another pipeline has that name."));
    }
    let changed = diesel::update(
        pipelines::table
            .find(id)
            .filter(pipelines::archived_at.is_null()),
    )
    .set(pipelines::name.eq(&name))
    .execute(conn)?;
    if changed == 0 {
        return Err(AdminError::NotFound);
    }
    audit_change(
        conn,
        tenant_id,
        actor,
        "pipeline.renamed",
        id.0,
        serde_json::json!({ "name": name }),
    )?;
    Ok(())
}

/// Makes this pipeline the default (the only one).
pub fn make_default(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    id: PipelineId,
) -> Result<(), AdminError> {
    let exists = pipelines::table
        .find(id)
        .filter(pipelines::archived_at.is_null())
        .select(pipelines::id)
        .first::<PipelineId>(conn)
        .optional()?;
    if exists.is_none() {
        return Err(AdminError::NotFound);
    }
    diesel::update(pipelines::table.filter(pipelines::is_default.eq(true)))
        .set(pipelines::is_default.eq(false))
        .execute(conn)?;
    diesel::update(pipelines::table.find(id))
        .set(pipelines::is_default.eq(true))
        .execute(conn)?;
    audit_change(
        conn,
        tenant_id,
        actor,
        "pipeline.default_set",
        id.0,
        serde_json::json!({}),
    )?;
    Ok(())
}
