//! Companies and contacts lists (first page, a filtered page, a deep page, a search) and
//! record pages, against the large tenant.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::{SuiteContext, Target};
use crate::domain::listing::CursorKey;

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    key: Option<String>,
}

/// The (name key, id) of the row `offset` rows into the list: a deep page's cursor.
fn cursor_at(ctx: &mut SuiteContext<'_>, table: &str, offset: i64) -> anyhow::Result<String> {
    let row: Row = diesel::sql_query(format!(
        "SELECT id, name_key AS key FROM {table} WHERE tenant_id = $1 AND deleted_at IS NULL \
         ORDER BY name_key, id OFFSET $2 LIMIT 1"
    ))
    .bind::<BigInt, _>(ctx.tenant_id.0)
    .bind::<BigInt, _>(offset)
    .get_result(ctx.conn)?;
    Ok(CursorKey {
        value: row.key,
        id: row.id,
    }
    .encode())
}

fn first_id(ctx: &mut SuiteContext<'_>, sql: &str) -> anyhow::Result<i64> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    Ok(diesel::sql_query(sql)
        .bind::<BigInt, _>(ctx.tenant_id.0)
        .get_result::<Id>(ctx.conn)?
        .id)
}

pub fn targets(ctx: &mut SuiteContext<'_>) -> anyhow::Result<Vec<Target>> {
    let owner = first_id(
        ctx,
        "SELECT id FROM users WHERE tenant_id = $1 AND role = 'rep' ORDER BY id LIMIT 1",
    )?;
    let busy = first_id(
        ctx,
        "SELECT id FROM companies WHERE tenant_id = $1 AND name = 'Busy Bee Holdings'",
    )?;
    let typical = first_id(
        ctx,
        "SELECT id FROM companies WHERE tenant_id = $1 ORDER BY id OFFSET 5000 LIMIT 1",
    )?;
    let contact = first_id(
        ctx,
        "SELECT id FROM contacts WHERE tenant_id = $1 ORDER BY id OFFSET 5000 LIMIT 1",
    )?;
    let deep_company = cursor_at(ctx, "companies", 60_000)?;
    let deep_contact = cursor_at(ctx, "contacts", 300_000)?;
    Ok(vec![
        Target::new("companies: first page", "/companies"),
        Target::new(
            "companies: filtered (owner)",
            format!("/companies?owner={owner}"),
        ),
        Target::new(
            "companies: city, by updated",
            "/companies?city=Boulder&sort=-updated",
        ),
        Target::new(
            "companies: deep page",
            format!("/companies?after={deep_company}"),
        ),
        Target::new("companies: search", "/companies?q=holdings+12"),
        Target::new(
            "companies: by last activity",
            "/companies?sort=-last_activity",
        ),
        Target::new("contacts: first page", "/contacts"),
        Target::new("contacts: filtered (status)", "/contacts?status=customer"),
        Target::new(
            "contacts: owner, by created",
            format!("/contacts?owner={owner}&sort=-created"),
        ),
        Target::new(
            "contacts: deep page",
            format!("/contacts?after={deep_contact}"),
        ),
        Target::new("contacts: search", "/contacts?q=smith"),
        Target::new("company: Busy Bee (50k acts)", format!("/companies/{busy}")),
        Target::new("company: typical", format!("/companies/{typical}")),
        Target::new("contact: typical", format!("/contacts/{contact}")),
        Target::new(
            "company: relationships",
            format!("/companies/{busy}/relationships"),
        ),
        Target::new("palette search", "/palette?q=busy+bee"),
    ])
}
