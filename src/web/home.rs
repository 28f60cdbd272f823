//! The home dashboard: open and weighted pipeline, deals expected to close this month,
//! won this month against last month, stale deals (the widget), overdue tasks and recent
//! activity, for the signed-in user, their team (managers and admins) or everyone
//! (admins): `/?scope=mine|team|all`. Every figure links to the list behind it.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::domain::dashboard::{self, Figures, MoneyTotal, Months3, Scope};
use crate::domain::ids::UserId;
use crate::domain::roles::Role;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::fmt::money;
use crate::web::identity::Identity;
use crate::web::nav::Section;
use crate::web::render::html;
use crate::web::stale::{self, StaleWidget};
use crate::web::when;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home));
}

/// The scopes a role may pick, the first being the default.
pub fn scopes_for(role: Role) -> &'static [Scope] {
    match role {
        Role::Admin => &[Scope::Mine, Scope::Team, Scope::All],
        Role::Manager => &[Scope::Mine, Scope::Team],
        Role::Rep => &[Scope::Mine],
    }
}

/// A sum as the page shows it: the money and the list it links to.
pub struct Figure {
    pub amounts: Vec<String>,
    pub weighted: Vec<String>,
    pub deals: i64,
    pub link: String,
}

impl Figure {
    /// "1 deal", "3 deals".
    pub fn deals_label(&self) -> String {
        if self.deals == 1 {
            "1 deal".to_owned()
        } else {
            format!("{} deals", self.deals)
        }
    }

    fn new(totals: &[MoneyTotal], link: String) -> Figure {
        let amounts = if totals.is_empty() {
            vec!["0".to_owned()]
        } else {
            totals
                .iter()
                .map(|t| money(t.amount_minor, &t.currency))
                .collect()
        };
        let weighted = if totals.is_empty() {
            vec!["0".to_owned()]
        } else {
            totals
                .iter()
                .map(|t| money(t.weighted_minor, &t.currency))
                .collect()
        };
        Figure {
            amounts,
            weighted,
            deals: totals.iter().map(|t| t.deals).sum(),
            link,
        }
    }
}

#[derive(Template)]
#[template(path = "home/index.html")]
struct HomePage {
    chrome: Chrome,
    user_name: String,
    tenant_name: String,
    scope: Scope,
    scopes: &'static [Scope],
    open: Figure,
    closing: Figure,
    won_this_month: Figure,
    won_last_month: Figure,
    overdue_tasks: String,
    overdue_link: String,
    stale: StaleWidget,
    figures: Figures,
    tz: chrono_tz::Tz,
}

#[derive(Debug, Default, Deserialize)]
pub struct HomeQuery {
    scope: Option<String>,
}

/// `owner=me`, one `owner=<id>` per team member, or nothing for everyone.
fn owner_params(scope: Scope, owners: &Option<Vec<UserId>>) -> String {
    match (scope, owners) {
        (Scope::Mine, _) => "&owner=me".to_owned(),
        (_, Some(ids)) => ids.iter().map(|id| format!("&owner={}", id.0)).collect(),
        (_, None) => String::new(),
    }
}

async fn home(
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<HomeQuery>,
) -> Result<HttpResponse, AppError> {
    let identity: &Identity = &page.identity;
    let scopes = scopes_for(identity.role);
    let scope = query
        .scope
        .as_deref()
        .and_then(Scope::parse)
        .filter(|s| scopes.contains(s))
        .unwrap_or(Scope::Mine);
    let now = Utc::now();
    let tz = identity.time_zone;
    let today = now.with_timezone(&tz).date_naive();
    let (start_of_today, _) = when::today_bounds(now, tz);
    let me = identity.user_id;
    let team = identity.team_id;
    let (owners, figures, widget_rows) = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let owners = dashboard::owners(conn, scope, me, team)?;
            let figures = dashboard::figures(conn, owners.clone(), me, now, today, start_of_today)?;
            let widget = stale::widget(conn, owners.clone(), figures.stale, String::new(), now)?;
            Ok((owners, figures, widget))
        })
        .await?;
    let owner = owner_params(scope, &owners);
    let months = Months3::around(today);
    let deals = |filters: String| format!("/deals?{}{owner}", filters);
    let mut stale = widget_rows;
    stale.see_all = format!("/deals/stale?{}", owner.trim_start_matches('&'));
    html(&HomePage {
        chrome: page.chrome("Home", Section::Home),
        user_name: identity.name.clone(),
        tenant_name: identity.tenant_name.clone(),
        scope,
        scopes,
        open: Figure::new(&figures.open, deals("status=open".to_owned())),
        closing: Figure::new(
            &figures.closing_this_month,
            deals(format!(
                "status=open&close_from={}&close_to={}",
                months.this_month,
                months.this_month_end()
            )),
        ),
        won_this_month: Figure::new(
            &figures.won_this_month,
            deals(format!(
                "status=won&closed_from={}&closed_to={}",
                months.this_month,
                months.this_month_end()
            )),
        ),
        won_last_month: Figure::new(
            &figures.won_last_month,
            deals(format!(
                "status=won&closed_from={}&closed_to={}",
                months.last_month,
                months.last_month_end()
            )),
        ),
        overdue_tasks: figures.overdue_tasks.display(),
        overdue_link: "/tasks#bucket-overdue".to_owned(),
        stale,
        figures,
        tz,
    })
}
