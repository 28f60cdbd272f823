//! Demo data for deals: line items (summing to the deal's amount), team members and
//! competitors on the first open deals of the tenant. Deterministic like the rest.

use diesel::prelude::*;

use crate::db::schema::{deals, users};
use crate::domain::deal_items::{self, NewLineItem};
use crate::domain::ids::{DealId, TenantId, UserId};

const COMPETITORS: &[&str] = &["BrightHome Pros", "Summit Services", "CityWide Repair"];

pub fn seed(conn: &mut PgConnection, tenant_id: TenantId) -> anyhow::Result<()> {
    let open: Vec<(DealId, i64, Option<UserId>)> = deals::table
        .filter(deals::deleted_at.is_null())
        .filter(deals::status.eq("open"))
        .filter(deals::amount_minor.gt(0))
        .order(deals::id)
        .select((deals::id, deals::amount_minor, deals::owner_id))
        .limit(8)
        .load(conn)?;
    let people: Vec<UserId> = users::table.order(users::id).select(users::id).load(conn)?;
    for (index, (deal, amount, owner)) in open.into_iter().enumerate() {
        // Equipment and labour; together they equal the amount already on the deal.
        let labour = amount / 100 * 30;
        for (product, price) in [
            ("Equipment", amount - labour),
            ("Installation labour", labour),
        ] {
            if price > 0 {
                let item = NewLineItem {
                    product: product.to_owned(),
                    quantity: 1,
                    unit_price_minor: price,
                };
                deal_items::add_line_item(conn, tenant_id, None, deal, &item)?;
            }
        }
        if let Some(member) = people
            .iter()
            .cycle()
            .skip(index)
            .take(people.len())
            .find(|user| Some(**user) != owner)
        {
            deal_items::add_member(conn, tenant_id, None, deal, *member)?;
        }
        let competitors: Vec<Option<String>> = COMPETITORS
            .iter()
            .skip(index % COMPETITORS.len())
            .take(2)
            .map(|c| Some((*c).to_owned()))
            .collect();
        diesel::update(deals::table.find(deal))
            .set(deals::competitors.eq(competitors))
            .execute(conn)?;
    }
    Ok(())
}
