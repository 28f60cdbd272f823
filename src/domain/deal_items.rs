//! A deal's line items (product, quantity, unit price; the deal's amount is their sum
//! once it has any) and its team members (users working the deal besides the owner).

use diesel::prelude::*;

use crate::db::schema::{deal_line_items, deal_team_members, deals, users};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::ids::{DealId, TenantId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deal_line_items, check_for_backend(diesel::pg::Pg))]
pub struct LineItem {
    pub id: i64,
    pub product: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub line_total_minor: Option<i64>,
}

impl LineItem {
    pub fn total(&self) -> i64 {
        self.line_total_minor
            .unwrap_or(i64::from(self.quantity) * self.unit_price_minor)
    }
}

pub struct NewLineItem {
    pub product: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
}

pub fn line_items(conn: &mut PgConnection, deal_id: DealId) -> QueryResult<Vec<LineItem>> {
    deal_line_items::table
        .filter(deal_line_items::deal_id.eq(deal_id.0))
        .order((deal_line_items::position, deal_line_items::id))
        .select(LineItem::as_select())
        .load(conn)
}

/// Sets the deal's amount to the sum of its line items (when it has any).
fn recompute_amount(conn: &mut PgConnection, deal_id: DealId) -> QueryResult<()> {
    let items = line_items(conn, deal_id)?;
    if items.is_empty() {
        return Ok(());
    }
    let sum = items
        .iter()
        .fold(0_i64, |sum, item| sum.saturating_add(item.total()));
    diesel::update(deals::table.find(deal_id))
        .set(deals::amount_minor.eq(sum))
        .execute(conn)?;
    Ok(())
}

fn audit_items(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    deal_id: DealId,
    action: &'static str,
    detail: serde_json::Value,
) -> QueryResult<()> {
    audit::record(
        conn,
        &AuditEntry {
            tenant_id,
            actor_id: actor,
            action,
            entity_type: "deal",
            entity_id: Some(deal_id.0),
            before: None,
            after: Some(detail),
        },
    )
}

/// Adds a line item to a live deal and recomputes its amount. False when the deal is
/// not visible.
pub fn add_line_item(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    deal_id: DealId,
    item: &NewLineItem,
) -> QueryResult<bool> {
    if crate::domain::deals::find(conn, deal_id)?.is_none() {
        return Ok(false);
    }
    let position: Option<i32> = deal_line_items::table
        .filter(deal_line_items::deal_id.eq(deal_id.0))
        .select(diesel::dsl::max(deal_line_items::position))
        .first(conn)?;
    diesel::insert_into(deal_line_items::table)
        .values((
            deal_line_items::tenant_id.eq(tenant_id.0),
            deal_line_items::deal_id.eq(deal_id.0),
            deal_line_items::product.eq(&item.product),
            deal_line_items::quantity.eq(item.quantity),
            deal_line_items::unit_price_minor.eq(item.unit_price_minor),
            deal_line_items::position.eq(position.map_or(0, |p| p + 1)),
        ))
        .execute(conn)?;
    recompute_amount(conn, deal_id)?;
    audit_items(
        conn,
        tenant_id,
        actor,
        deal_id,
        "deal.line_item_added",
        serde_json::json!({
            "product": item.product,
            "quantity": item.quantity,
            "unit_price_minor": item.unit_price_minor,
        }),
    )?;
    Ok(true)
}

/// Removes a line item; the amount follows the remaining items (or stays as it was when
/// none remain). False when nothing was removed.
pub fn remove_line_item(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    deal_id: DealId,
    item_id: i64,
) -> QueryResult<bool> {
    if crate::domain::deals::find(conn, deal_id)?.is_none() {
        return Ok(false);
    }
    let removed = diesel::delete(
        deal_line_items::table
            .filter(deal_line_items::deal_id.eq(deal_id.0))
            .filter(deal_line_items::id.eq(item_id)),
    )
    .execute(conn)?;
    if removed == 0 {
        return Ok(false);
    }
    recompute_amount(conn, deal_id)?;
    audit_items(
        conn,
        tenant_id,
        actor,
        deal_id,
        "deal.line_item_removed",
        serde_json::json!({ "line_item_id": item_id }),
    )?;
    Ok(true)
}

/// A team member with their name.
#[derive(Debug, Clone)]
pub struct TeamMember {
    pub user_id: i64,
    pub name: String,
}

pub fn team(conn: &mut PgConnection, deal_id: DealId) -> QueryResult<Vec<TeamMember>> {
    let rows: Vec<(i64, String)> = deal_team_members::table
        .inner_join(
            users::table.on(users::tenant_id
                .eq(deal_team_members::tenant_id)
                .and(users::id.eq(deal_team_members::user_id))),
        )
        .filter(deal_team_members::deal_id.eq(deal_id.0))
        .order((users::name, users::id))
        .select((deal_team_members::user_id, users::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, name)| TeamMember { user_id, name })
        .collect())
}

/// Adds a user to the deal's team (no-op if already there). False when the deal is not
/// visible.
pub fn add_member(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    deal_id: DealId,
    user_id: UserId,
) -> QueryResult<bool> {
    if crate::domain::deals::find(conn, deal_id)?.is_none() {
        return Ok(false);
    }
    let added = diesel::insert_into(deal_team_members::table)
        .values((
            deal_team_members::tenant_id.eq(tenant_id.0),
            deal_team_members::deal_id.eq(deal_id.0),
            deal_team_members::user_id.eq(user_id.0),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    if added > 0 {
        audit_items(
            conn,
            tenant_id,
            actor,
            deal_id,
            "deal.team_member_added",
            serde_json::json!({ "user_id": user_id.0 }),
        )?;
    }
    Ok(true)
}

pub fn remove_member(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    actor: Option<UserId>,
    deal_id: DealId,
    user_id: UserId,
) -> QueryResult<bool> {
    if crate::domain::deals::find(conn, deal_id)?.is_none() {
        return Ok(false);
    }
    let removed = diesel::delete(
        deal_team_members::table
            .filter(deal_team_members::deal_id.eq(deal_id.0))
            .filter(deal_team_members::user_id.eq(user_id.0)),
    )
    .execute(conn)?;
    if removed > 0 {
        audit_items(
            conn,
            tenant_id,
            actor,
            deal_id,
            "deal.team_member_removed",
            serde_json::json!({ "user_id": user_id.0 }),
        )?;
    }
    Ok(true)
}
