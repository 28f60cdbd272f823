//! `stale`: the stale deals page and API (all, one rep's, one pipeline's) and a deal's
//! stage history. `dashboard`: the home dashboard for the admin, their team, everyone.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::{SuiteContext, Target};

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn first_id(ctx: &mut SuiteContext<'_>, sql: &str) -> anyhow::Result<i64> {
    Ok(diesel::sql_query(sql)
        .bind::<BigInt, _>(ctx.tenant_id.0)
        .get_result::<Id>(ctx.conn)?
        .id)
}

pub fn targets(ctx: &mut SuiteContext<'_>) -> anyhow::Result<Vec<Target>> {
    let rep = first_id(
        ctx,
        "SELECT id FROM users WHERE tenant_id = $1 AND role = 'rep' ORDER BY id LIMIT 1",
    )?;
    let pipeline = first_id(
        ctx,
        "SELECT id FROM pipelines WHERE tenant_id = $1 AND is_default LIMIT 1",
    )?;
    // The open deal that has sat longest in its stage: a stale one with history.
    let deal = first_id(
        ctx,
        "SELECT id FROM deals WHERE tenant_id = $1 AND deleted_at IS NULL AND status = 'open' \
         ORDER BY stage_entered_at, id LIMIT 1",
    )?;
    Ok(vec![
        Target::new("stale page", "/deals/stale"),
        Target::new("stale page, one rep", format!("/deals/stale?owner={rep}")),
        Target::new("stale page, mine", "/deals/stale?owner=me"),
        Target::new(
            "stale page, one pipeline",
            format!("/deals/stale?pipeline={pipeline}"),
        ),
        Target::new("stale API", "/api/deals/stale"),
        Target::new(
            "stale API, one rep",
            format!("/api/deals/stale?owner={rep}"),
        ),
        Target::new(
            "stage history API",
            format!("/api/deals/{deal}/stage-history"),
        ),
    ])
}

pub fn dashboard_targets(_: &mut SuiteContext<'_>) -> anyhow::Result<Vec<Target>> {
    Ok(vec![
        Target::new("dashboard, mine", "/"),
        Target::new("dashboard, my team", "/?scope=team"),
        Target::new("dashboard, everyone", "/?scope=all"),
    ])
}
