//! What the board renders: columns (header figures and the first page of cards) and pages
//! of cards with the "load more" sentinel, shared by the page, the column endpoint and the
//! move response.

use askama::Template;
use chrono::{DateTime, Utc};
use diesel::PgConnection;

use crate::domain::board::{self, BoardFilter, Card, CardCursor, StageTotal};
use crate::domain::deal_stages::{self, DEFAULT_STALE_DAYS};
use crate::domain::ids::TenantId;
use crate::domain::pipelines::Stage;
use crate::web::fmt::money;

/// What every card and column of one board needs to know.
#[derive(Debug, Clone)]
pub struct BoardContext {
    pub tenant_id: TenantId,
    pub filter: BoardFilter,
    /// The board's query string ("pipeline=1&owner=me"), kept by moves and "more" links.
    pub board_query: String,
    pub stages: Vec<Stage>,
    pub can_write: bool,
    pub csrf_token: String,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct CardView {
    pub id: i64,
    pub title: String,
    pub company_id: Option<i64>,
    pub company_name: Option<String>,
    pub amount: String,
    pub owner_name: Option<String>,
    pub stage_id: i64,
    pub days: i64,
    /// "", "card-amber" (past the stage's alert) or "card-red" (past twice it).
    pub alert: &'static str,
}

/// The alert class for a card: open stages only, past the threshold (or
/// [`DEFAULT_STALE_DAYS`]) amber, past twice it red.
pub fn alert_class(stage: &Stage, status: &str, days: i64) -> &'static str {
    if stage.is_closed() || status != "open" {
        return "";
    }
    let threshold = stage
        .days_in_stage_alert
        .map_or(DEFAULT_STALE_DAYS, i64::from);
    if days > threshold * 2 {
        "card-red"
    } else if days > threshold {
        "card-amber"
    } else {
        ""
    }
}

impl CardView {
    pub fn new(card: Card, stage: &Stage, now: DateTime<Utc>) -> CardView {
        let days = deal_stages::days_in_stage(card.stage_entered_at, now);
        CardView {
            alert: alert_class(stage, &card.status, days),
            amount: money(card.amount_minor, &card.currency),
            id: card.id,
            title: card.title,
            company_id: card.company_id,
            company_name: card.company_name,
            owner_name: card.owner_name,
            stage_id: card.stage_id,
            days,
        }
    }
}

/// A page of one column's cards, then the sentinel that loads the next page when it
/// scrolls into view.
#[derive(Template)]
#[template(path = "board/_cards.html")]
pub struct CardsFragment {
    pub cards: Vec<CardView>,
    pub more_url: Option<String>,
    pub stages: Vec<(i64, String)>,
    pub can_write: bool,
    pub csrf_token: String,
    pub board_query: String,
}

impl askama::filters::HtmlSafe for CardsFragment {}

/// A column: the stage, its figures and its first page.
#[derive(Template)]
#[template(path = "board/_column.html")]
pub struct ColumnView {
    pub stage: Stage,
    pub count: i64,
    pub amount: String,
    pub weighted: String,
    pub cards: CardsFragment,
}

impl askama::filters::HtmlSafe for ColumnView {}

fn money_sum(totals: &[&StageTotal], pick: fn(&StageTotal) -> i64) -> String {
    if totals.is_empty() {
        return money(0, "USD");
    }
    totals
        .iter()
        .map(|t| money(pick(t), &t.currency))
        .collect::<Vec<_>>()
        .join(" + ")
}

impl BoardContext {
    fn stage_choices(&self) -> Vec<(i64, String)> {
        self.stages
            .iter()
            .map(|s| {
                let suffix = if s.is_closed_won {
                    " (won)"
                } else if s.is_closed_lost {
                    " (lost)"
                } else {
                    ""
                };
                (s.id.0, format!("{}{suffix}", s.name))
            })
            .collect()
    }

    /// One page of a column's cards (the first when `after` is None).
    pub fn cards(
        &self,
        conn: &mut PgConnection,
        stage: &Stage,
        after: Option<CardCursor>,
    ) -> diesel::QueryResult<CardsFragment> {
        let (cards, more) =
            board::column_page(conn, self.tenant_id, stage, &self.filter, after, self.now)?;
        let more_url = match cards.last() {
            Some(last) if more => {
                let mut url = format!(
                    "/board/column?stage={}&after={}",
                    stage.id.0,
                    last.cursor().encode()
                );
                if !self.board_query.is_empty() {
                    url.push('&');
                    url.push_str(&self.board_query);
                }
                Some(url)
            }
            _ => None,
        };
        Ok(CardsFragment {
            cards: cards
                .into_iter()
                .map(|card| CardView::new(card, stage, self.now))
                .collect(),
            more_url,
            stages: self.stage_choices(),
            can_write: self.can_write,
            csrf_token: self.csrf_token.clone(),
            board_query: self.board_query.clone(),
        })
    }

    /// Every column of the board: one grouped query for the figures, then each column's
    /// first page.
    pub fn columns(&self, conn: &mut PgConnection) -> diesel::QueryResult<Vec<ColumnView>> {
        let Some(pipeline_id) = self.stages.first().map(|s| s.pipeline_id) else {
            return Ok(Vec::new());
        };
        let totals = board::totals(
            conn,
            self.tenant_id,
            pipeline_id,
            &self.stages,
            &self.filter,
            self.now,
        )?;
        self.stages
            .iter()
            .map(|stage| self.column(conn, stage, &totals))
            .collect()
    }

    /// One column, with figures from `totals` (the board's grouped query).
    pub fn column(
        &self,
        conn: &mut PgConnection,
        stage: &Stage,
        totals: &[StageTotal],
    ) -> diesel::QueryResult<ColumnView> {
        let mine: Vec<&StageTotal> = totals.iter().filter(|t| t.stage_id == stage.id.0).collect();
        Ok(ColumnView {
            count: mine.iter().map(|t| t.deals).sum(),
            amount: money_sum(&mine, |t| t.amount_minor),
            weighted: money_sum(&mine, |t| t.weighted_minor),
            cards: self.cards(conn, stage, None)?,
            stage: stage.clone(),
        })
    }
}
