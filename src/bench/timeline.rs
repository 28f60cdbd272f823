//! The timeline of the busiest account ("Busy Bee Holdings", 50,000 activities in the
//! large seed): the first page, filtered pages, a deep "Load more" page, the API, and a
//! contact's timeline. Also `tasks`: My tasks of the busiest rep, and a record's sections.

use anyhow::Context;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::{SuiteContext, Target};
use crate::db::schema::{activities, companies, contacts, tasks};
use crate::domain::ids::{CompanyId, ContactId, UserId};
use crate::domain::timeline::Cursor;

pub const BUSY_COMPANY: &str = "Busy Bee Holdings";

fn busy_company(context: &mut SuiteContext<'_>) -> anyhow::Result<CompanyId> {
    companies::table
        .filter(companies::tenant_id.eq(context.tenant_id))
        .filter(companies::name.eq(BUSY_COMPANY))
        .select(companies::id)
        .first(context.conn)
        .optional()?
        .with_context(|| format!("no company named {BUSY_COMPANY}: run `seed --scale large`"))
}

pub fn targets(context: &mut SuiteContext<'_>) -> anyhow::Result<Vec<Target>> {
    let company = busy_company(context)?;
    // A cursor 80% of the way back in time: a deep "Load more".
    let (oldest, newest): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = activities::table
        .filter(activities::tenant_id.eq(context.tenant_id))
        .filter(activities::company_id.eq(company))
        .select((
            diesel::dsl::min(activities::occurred_at),
            diesel::dsl::max(activities::occurred_at),
        ))
        .first(context.conn)?;
    let (oldest, newest) = oldest
        .zip(newest)
        .context("the busy company has no activities")?;
    let deep = Cursor {
        occurred_at: oldest + (newest - oldest) / 5,
        id: crate::domain::ids::ActivityId(i64::MAX),
    }
    .encode();
    let contact: ContactId = contacts::table
        .filter(contacts::tenant_id.eq(context.tenant_id))
        .filter(contacts::company_id.eq(company))
        .order(contacts::id)
        .select(contacts::id)
        .first(context.conn)?;
    // The account owner logs its activities: a realistic author filter.
    let owner: UserId = companies::table
        .find(company)
        .select(companies::owner_id)
        .first::<Option<UserId>>(context.conn)?
        .unwrap_or(context.admin_id);
    let c = company.0;
    Ok(vec![
        Target::new(
            "busy company, first page",
            format!("/timeline?company_id={c}"),
        ),
        Target::new(
            "… fragment (htmx slot)",
            format!("/timeline/entries?company_id={c}"),
        ),
        Target::new(
            "… calls and meetings",
            format!("/timeline?company_id={c}&activity_type=call_logged,meeting,call_inbound"),
        ),
        Target::new(
            "… one author, 30 days",
            format!(
                "/timeline/entries?company_id={c}&user_id={}&start_date={}",
                owner.0,
                (newest - chrono::Duration::days(30)).format("%Y-%m-%d")
            ),
        ),
        Target::new(
            "… a type it never had",
            format!("/timeline/entries?company_id={c}&activity_type=deal_won"),
        ),
        Target::new(
            "… deep load more (80%)",
            format!("/timeline/entries?company_id={c}&cursor={deep}"),
        ),
        Target::new(
            "… API page + capped total",
            format!("/api/timeline?company_id={c}"),
        ),
        Target::new(
            "contact + company",
            format!("/timeline?contact_id={}&company_id={c}", contact.0),
        ),
    ])
}

/// My tasks of the rep with the most open tasks, and the busy company's sections.
pub fn task_targets(context: &mut SuiteContext<'_>) -> anyhow::Result<Vec<Target>> {
    let company = busy_company(context)?;
    let busiest: Option<UserId> = tasks::table
        .filter(tasks::tenant_id.eq(context.tenant_id))
        .filter(tasks::status.eq("open"))
        .filter(tasks::assignee_id.is_not_null())
        .group_by(tasks::assignee_id)
        .order(diesel::dsl::count_star().desc())
        .select(tasks::assignee_id)
        .first::<Option<UserId>>(context.conn)?;
    let busiest = busiest.context("no open tasks: run `seed --scale large`")?;
    Ok(vec![
        Target::new(
            "My tasks, busiest rep",
            format!("/tasks?assignee_id={}", busiest.0),
        ),
        Target::new(
            "… list refresh",
            format!("/tasks/list?assignee_id={}", busiest.0),
        ),
        Target::new(
            "… show more (upcoming)",
            format!(
                "/tasks/bucket?bucket=upcoming&assignee_id={}&cursor={}_1",
                busiest.0,
                (Utc::now() + chrono::Duration::days(7)).timestamp_micros()
            ),
        ),
        Target::new(
            "busy company, open tasks",
            format!("/tasks/section?company_id={}", company.0),
        ),
        Target::new(
            "busy company, notes",
            format!("/notes?company_id={}", company.0),
        ),
    ])
}
