//! What the stale rows and the widget show: figures worked out once, the stage choices of
//! the deal's pipeline, and the state of the row's quick-action forms.

use std::collections::HashMap;

use askama::Template;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::pipeline_stages;
use crate::domain::counts::CappedCount;
use crate::domain::stale_deals::StaleDeal;
use crate::web::forms::FieldErrors;

/// A stage a row may move to.
#[derive(Debug, Clone)]
pub struct StageOption {
    pub id: i64,
    pub name: String,
    pub is_won: bool,
    pub is_lost: bool,
}

/// Every live stage per pipeline, in board order.
pub fn load_stage_options(conn: &mut PgConnection) -> QueryResult<HashMap<i64, Vec<StageOption>>> {
    let rows: Vec<(i64, i64, String, bool, bool)> = pipeline_stages::table
        .filter(pipeline_stages::archived_at.is_null())
        .order((
            pipeline_stages::pipeline_id,
            pipeline_stages::position,
            pipeline_stages::id,
        ))
        .select((
            pipeline_stages::pipeline_id,
            pipeline_stages::id,
            pipeline_stages::name,
            pipeline_stages::is_closed_won,
            pipeline_stages::is_closed_lost,
        ))
        .load(conn)?;
    let mut out: HashMap<i64, Vec<StageOption>> = HashMap::new();
    for (pipeline, id, name, is_won, is_lost) in rows {
        out.entry(pipeline).or_default().push(StageOption {
            id,
            name,
            is_won,
            is_lost,
        });
    }
    Ok(out)
}

/// What was typed into the row's forms (kept when a form comes back with errors).
#[derive(Debug, Clone, Default)]
pub struct Typed {
    pub stage_id: String,
    pub won_reason: String,
    pub lost_reason: String,
    pub note: String,
    pub task_subject: String,
    pub task_due: String,
}

/// One row of the stale list with its quick actions.
#[derive(Template)]
#[template(path = "stale/_row.html")]
pub struct RowView {
    pub id: i64,
    pub deal_number: i64,
    pub title: String,
    pub company: Option<(i64, String)>,
    pub owner_name: Option<String>,
    pub pipeline_name: String,
    pub stage_id: i64,
    pub stage_name: String,
    pub amount: String,
    pub days_in_stage: i64,
    pub threshold_days: i32,
    pub days_over: i64,
    pub is_stale: bool,
    pub stages: Vec<StageOption>,
    pub csrf_token: String,
    pub can_write: bool,
    /// What the last quick action did.
    pub notice: Option<String>,
    pub errors: FieldErrors,
    /// The action whose form stays open: `stage`, `note`, `task` or empty.
    pub open: &'static str,
    pub typed: Typed,
}

impl RowView {
    pub fn new(
        row: StaleDeal,
        now: DateTime<Utc>,
        stages: &HashMap<i64, Vec<StageOption>>,
        csrf_token: String,
        can_write: bool,
    ) -> RowView {
        RowView {
            id: row.id,
            deal_number: row.deal_number,
            company: row.company_id.zip(row.company_name.clone()),
            owner_name: row.owner_name.clone(),
            pipeline_name: row.pipeline_name.clone(),
            stage_id: row.stage_id,
            stage_name: row.stage_name.clone(),
            amount: crate::web::fmt::money(row.amount_minor, &row.currency),
            days_in_stage: row.days_in_stage(now),
            threshold_days: row.threshold_days,
            days_over: row.days_over(now),
            is_stale: row.is_stale(now),
            stages: stages.get(&row.pipeline_id).cloned().unwrap_or_default(),
            csrf_token,
            can_write,
            notice: None,
            errors: FieldErrors::default(),
            open: "",
            typed: Typed {
                stage_id: row.stage_id.to_string(),
                ..Typed::default()
            },
            title: row.title,
        }
    }

    /// amber past the threshold, red past twice it (like the board's cards).
    pub fn tone(&self) -> &'static str {
        if !self.is_stale {
            "muted"
        } else if self.days_in_stage > 2 * i64::from(self.threshold_days) {
            "danger"
        } else {
            "warning"
        }
    }
}

// Rendered inside the stale page; its own escaping already happened.
impl askama::filters::HtmlSafe for RowView {}

/// A deal as the dashboard widget lists it.
#[derive(Debug, Clone)]
pub struct WidgetRow {
    pub id: i64,
    pub title: String,
    pub stage_name: String,
    pub owner_name: Option<String>,
    pub days_in_stage: i64,
    pub days_over: i64,
}

impl WidgetRow {
    pub fn new(row: &StaleDeal, now: DateTime<Utc>) -> WidgetRow {
        WidgetRow {
            id: row.id,
            title: row.title.clone(),
            stage_name: row.stage_name.clone(),
            owner_name: row.owner_name.clone(),
            days_in_stage: row.days_in_stage(now),
            days_over: row.days_over(now),
        }
    }
}

/// The five most stuck deals and a link to the whole list.
#[derive(Template)]
#[template(path = "stale/_widget.html")]
pub struct StaleWidget {
    pub rows: Vec<WidgetRow>,
    pub total: CappedCount,
    pub see_all: String,
}

// Rendered inside the home page; its own escaping already happened.
impl askama::filters::HtmlSafe for StaleWidget {}
