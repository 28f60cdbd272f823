//! The sync dashboard for the tenant's largest synced model (`rapport bench-sync` fills
//! one with 1,000,000 records first): the model page (summary, errors, history and the
//! first page of the data table), its sorts, page size, a deep keyset page, a search, the
//! data API, and the overview and source pages.

use anyhow::Context;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::{SuiteContext, Target};
use crate::db::schema::{sync_models, sync_records};
use crate::sync::data::Cursor;

pub fn targets(context: &mut SuiteContext<'_>) -> anyhow::Result<Vec<Target>> {
    let (model_id, source, model, count): (i64, String, String, i64) = sync_models::table
        .filter(sync_models::tenant_id.eq(context.tenant_id.0))
        .order(sync_models::record_count.desc())
        .select((
            sync_models::id,
            sync_models::source,
            sync_models::model,
            sync_models::record_count,
        ))
        .first(context.conn)
        .optional()?
        .context("the tenant has no synced records: run `rapport bench-sync` first")?;
    // A cursor half way down the default order (found once, with OFFSET, here only).
    let middle: Option<(DateTime<Utc>, String)> = sync_records::table
        .filter(sync_records::tenant_id.eq(context.tenant_id.0))
        .filter(sync_records::model_id.eq(model_id))
        .filter(sync_records::deleted_at.is_null())
        .order((
            sync_records::source_updated_at.desc(),
            sync_records::source_id.desc(),
        ))
        .offset(count / 2)
        .select((sync_records::source_updated_at, sync_records::source_id))
        .first(context.conn)
        .optional()?;
    let base = format!("/sync/{source}/{model}");
    let rows = format!("{count} rows");
    let mut targets = vec![
        Target::new(format!("model page ({rows})"), base.clone()),
        Target::new("model, sorted by id", format!("{base}?sort=id&dir=asc")),
        Target::new("model, 250 per page", format!("{base}?size=250")),
        Target::new("model, search", format!("{base}?q=Kowalski")),
    ];
    if let Some((updated, source_id)) = middle {
        let cursor = Cursor { updated, source_id };
        targets.push(Target::new(
            "model, keyset page half way",
            format!("{base}?after={}", cursor.encode()),
        ));
    }
    targets.extend([
        Target::new(
            "data API, 100 rows",
            format!("/api/sync/sources/{source}/models/{model}/data?limit=100"),
        ),
        Target::new("source page", format!("/sync/{source}")),
        Target::new("overview", "/sync"),
    ]);
    Ok(targets)
}
