//! The analytics page (default filters, one owner) and the stage-duration API.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::{SuiteContext, Target};

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

pub fn targets(ctx: &mut SuiteContext<'_>) -> anyhow::Result<Vec<Target>> {
    // The owner of the most deals: the heaviest single-owner view.
    let owner: Id = diesel::sql_query(
        "SELECT owner_id AS id FROM deals WHERE tenant_id = $1 AND owner_id IS NOT NULL \
         AND deleted_at IS NULL GROUP BY owner_id ORDER BY count(*) DESC, owner_id LIMIT 1",
    )
    .bind::<BigInt, _>(ctx.tenant_id.0)
    .get_result(ctx.conn)?;
    Ok(vec![
        Target::new("analytics default", "/analytics"),
        Target::new(
            "analytics by owner",
            format!("/analytics?owner={}", owner.id),
        ),
        Target::new("api stage-duration", "/api/analytics/stage-duration"),
    ])
}
