//! Pipelines and their stages. Every tenant starts with the default "Sales" pipeline.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{pipeline_stages, pipelines};
use crate::domain::ids::{PipelineId, StageId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = pipelines, check_for_backend(diesel::pg::Pg))]
pub struct Pipeline {
    pub id: PipelineId,
    pub name: String,
    pub is_default: bool,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = pipeline_stages, check_for_backend(diesel::pg::Pg))]
pub struct Stage {
    pub id: StageId,
    pub pipeline_id: PipelineId,
    pub name: String,
    pub position: i32,
    pub probability: i16,
    pub colour: String,
    pub days_in_stage_alert: Option<i32>,
    pub is_closed_won: bool,
    pub is_closed_lost: bool,
}

impl Stage {
    pub fn is_closed(&self) -> bool {
        self.is_closed_won || self.is_closed_lost
    }
}

pub fn default_pipeline(conn: &mut PgConnection) -> QueryResult<Pipeline> {
    pipelines::table
        .filter(pipelines::is_default.eq(true))
        .filter(pipelines::archived_at.is_null())
        .select(Pipeline::as_select())
        .first(conn)
}

/// The live stages of a pipeline, in board order.
pub fn stages(conn: &mut PgConnection, pipeline_id: PipelineId) -> QueryResult<Vec<Stage>> {
    pipeline_stages::table
        .filter(pipeline_stages::pipeline_id.eq(pipeline_id))
        .filter(pipeline_stages::archived_at.is_null())
        .order((pipeline_stages::position, pipeline_stages::id))
        .select(Stage::as_select())
        .load(conn)
}
