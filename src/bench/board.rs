//! The deal board: the default pipeline, a filtered board, and a "more" page deep in the
//! busiest open stage, against the large tenant.

use anyhow::Context;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamptz};

use super::{SuiteContext, Target};
use crate::domain::board::CardCursor;

#[derive(QueryableByName)]
struct Busiest {
    #[diesel(sql_type = BigInt)]
    stage_id: i64,
    #[diesel(sql_type = BigInt)]
    pipeline_id: i64,
}

#[derive(QueryableByName)]
struct Position {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Timestamptz)]
    stage_entered_at: chrono::DateTime<chrono::Utc>,
}

#[derive(QueryableByName)]
struct Owner {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

pub fn targets(ctx: &mut SuiteContext<'_>) -> anyhow::Result<Vec<Target>> {
    let tenant = ctx.tenant_id.0;
    let busiest: Busiest = diesel::sql_query(
        "SELECT d.stage_id, d.pipeline_id FROM deals d \
         JOIN pipeline_stages st ON st.tenant_id = d.tenant_id AND st.id = d.stage_id \
         JOIN pipelines pl ON pl.tenant_id = d.tenant_id AND pl.id = d.pipeline_id \
         WHERE d.tenant_id = $1 AND d.deleted_at IS NULL AND pl.is_default \
           AND NOT st.is_closed_won AND NOT st.is_closed_lost \
         GROUP BY d.stage_id, d.pipeline_id ORDER BY count(*) DESC LIMIT 1",
    )
    .bind::<BigInt, _>(tenant)
    .get_result(ctx.conn)
    .optional()?
    .context("no open deals: run `rapport seed --scale large`")?;
    // A position half-way down the busiest column: a deep "more" page.
    let middle: Position = diesel::sql_query(
        "SELECT id, stage_entered_at FROM deals WHERE tenant_id = $1 AND pipeline_id = $2 \
         AND stage_id = $3 AND deleted_at IS NULL ORDER BY stage_entered_at, id \
         OFFSET (SELECT count(*) / 2 FROM deals WHERE tenant_id = $1 AND stage_id = $3 \
                 AND deleted_at IS NULL) LIMIT 1",
    )
    .bind::<BigInt, _>(tenant)
    .bind::<BigInt, _>(busiest.pipeline_id)
    .bind::<BigInt, _>(busiest.stage_id)
    .get_result(ctx.conn)?;
    let owner: Owner = diesel::sql_query(
        "SELECT owner_id AS id FROM deals WHERE tenant_id = $1 AND owner_id IS NOT NULL \
         GROUP BY owner_id ORDER BY count(*) DESC LIMIT 1",
    )
    .bind::<BigInt, _>(tenant)
    .get_result(ctx.conn)?;
    let after = CardCursor {
        entered_at: middle.stage_entered_at,
        id: middle.id,
    }
    .encode();
    let (stage, pipeline) = (busiest.stage_id, busiest.pipeline_id);
    Ok(vec![
        Target::new("board, default pipeline", "/board"),
        Target::new(
            "board, one owner + amount range",
            format!(
                "/board?pipeline={pipeline}&owner={}&min=1000&max=50000",
                owner.id
            ),
        ),
        Target::new(
            "column more page, busiest stage (middle)",
            format!("/board/column?stage={stage}&after={after}&pipeline={pipeline}"),
        ),
    ])
}
