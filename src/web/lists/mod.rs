//! The record list pages (companies, contacts, leads; reusable by deals): table, search,
//! filters, sort, keyset paging, column chooser, saved views, bulk actions, counts and CSV
//! export. Entity modules call these with their [`ListSpec`] and [`ListConfig`].
//!
//! htmx: the toolbar form and the links inside `#list-results` fetch the results fragment
//! (the template's `results` block) and the server answers with `HX-Push-Url` set to the
//! canonical URL of the view, so the address bar always holds a bookmarkable view. After a
//! bulk action the server sends `HX-Trigger: records-changed`, and the results reload.

pub mod bulk;
pub mod export;
pub mod saved;
pub mod view;

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::domain::counts::{self, group_thousands};
use crate::domain::custom_fields;
use crate::domain::listing::filters::{ResolveContext, shown_columns};
use crate::domain::listing::{self, ListQuery, ListRow, ListSpec};
use crate::domain::roles::Permission;
use crate::domain::{saved_views, tags, visibility};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::identity::Identity;
use crate::web::render::{html, is_htmx};

pub use view::{BulkChoice, ListConfig, ListView};
use view::{ListData, Permissions};

/// Routes shared by every list: saved views and bulk undo.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.route("/bulk/{id}/undo", actix_web::web::post().to(bulk::undo))
        .configure(saved::configure);
}

#[derive(Template)]
#[template(path = "lists/list.html", blocks = ["results"])]
pub struct ListPageTemplate {
    pub chrome: Chrome,
    pub v: ListView,
}

/// Loads a page of the list for the current user.
async fn load<R: ListRow>(
    state: &AppState,
    identity: &Identity,
    spec: &'static ListSpec<R>,
    mut query: ListQuery,
    full_page: bool,
) -> Result<ListData<R>, AppError> {
    let me = identity.user_id.0;
    let tz = identity.time_zone;
    state
        .db
        .tenant(&identity.scope(), move |conn| {
            let mut current_view = None;
            let mut view_problem = None;
            if let Some(view_id) = query.view {
                match saved_views::find(conn, view_id)? {
                    Some(view) if view.entity_type == spec.entity => {
                        if only_view_chosen(&query) {
                            let cursor = (query.after.take(), query.before.take());
                            query = ListQuery::parse(&view.query);
                            (query.after, query.before) = cursor;
                            query.view = Some(view_id);
                        }
                        current_view = Some(view);
                    }
                    _ => {
                        query.view = None;
                        view_problem = Some(
                            "That saved view no longer exists or is not shared with you."
                                .to_owned(),
                        );
                    }
                }
            }
            let fields = custom_fields::list(conn, spec.entity, false)?;
            let resolved = listing::resolve(
                spec,
                &query,
                &ResolveContext {
                    me,
                    tz,
                    fields: &fields,
                },
            );
            let page = listing::fetch_page(conn, spec, &resolved)?;
            let ids: Vec<i64> = page.rows.iter().map(ListRow::id).collect();
            let columns = shown_columns(spec, &query, &fields);
            let tags_by_row = if columns.iter().any(|c| c.key() == "tags") {
                tags::for_records(conn, spec.entity, &ids)?
            } else {
                Default::default()
            };
            let count = listing::capped_count(conn, &resolved, counts::DEFAULT_CAP)?;
            // The toolbar (filters, views) is only drawn on full pages.
            let (owners, all_tags, views) = if full_page {
                (
                    visibility::owner_choices(conn)?,
                    tags::list(conn)?
                        .into_iter()
                        .map(|t| tags::TagChip {
                            id: t.id.0,
                            name: t.name,
                            colour: t.colour,
                        })
                        .collect(),
                    saved_views::list(conn, spec.entity)?,
                )
            } else {
                (
                    visibility::owner_choices(conn)?,
                    tags_chips(conn)?,
                    Vec::new(),
                )
            };
            let mut reference_names = Vec::new();
            if let Some(company) = query.value("company").and_then(|id| id.parse::<i64>().ok())
                && let Some(found) =
                    crate::domain::companies::find(conn, crate::domain::ids::CompanyId(company))?
            {
                reference_names.push((company.to_string(), found.name));
            }
            // Deal lists: stage names for stage filter chips, stages for the bulk move.
            let mut bulk_stages = Vec::new();
            let mut filter_choices = Vec::new();
            if spec.entity == "deal" {
                let stages = crate::domain::deal_stages::choices(conn, true)?;
                if full_page {
                    let pipelines = crate::domain::analytics::pipelines(conn)?
                        .into_iter()
                        .map(|p| (p.id.0.to_string(), p.name))
                        .collect::<Vec<_>>();
                    for id in query.values("pipeline") {
                        if let Some((_, label)) = pipelines.iter().find(|(value, _)| value == id) {
                            reference_names.push((id.clone(), label.clone()));
                        }
                    }
                    filter_choices.push(("pipeline", pipelines));
                    filter_choices.push(("stage", stages.clone()));
                }
                for id in query.values("stage") {
                    if let Some((_, label)) = stages.iter().find(|(value, _)| value == id) {
                        reference_names.push((id.clone(), label.clone()));
                    }
                }
                if full_page {
                    bulk_stages = crate::domain::deal_stages::choices(conn, false)?;
                }
            }
            Ok(ListData {
                bulk_stages,
                filter_choices,
                reference_names,
                query,
                resolved,
                page,
                columns,
                fields,
                tags_by_row,
                count,
                owners,
                tags: all_tags,
                views,
                current_view,
                view_problem,
            })
        })
        .await
}

fn tags_chips(conn: &mut diesel::PgConnection) -> diesel::QueryResult<Vec<tags::TagChip>> {
    Ok(tags::list(conn)?
        .into_iter()
        .map(|t| tags::TagChip {
            id: t.id.0,
            name: t.name,
            colour: t.colour,
        })
        .collect())
}

/// Drops choices that equal the defaults (the toolbar form always sends its column boxes
/// and page size), so the same view keeps the same, short URL.
fn canonical<R>(spec: &ListSpec<R>, mut query: ListQuery) -> ListQuery {
    let defaults: Vec<&str> = spec
        .columns
        .iter()
        .filter(|c| c.default)
        .map(|c| c.key)
        .collect();
    if query
        .cols
        .as_ref()
        .is_some_and(|cols| cols.iter().map(String::as_str).eq(defaults.iter().copied()))
    {
        query.cols = None;
    }
    if query.per == Some(listing::query::DEFAULT_PER_PAGE) {
        query.per = None;
    }
    query
}

/// A URL naming a saved view and nothing else loads the view's own definition.
fn only_view_chosen(query: &ListQuery) -> bool {
    query.q.is_empty()
        && query.params.is_empty()
        && query.sort.is_none()
        && query.cols.is_none()
        && query.per.is_none()
        && !query.trash
}

/// `GET /<entities>`: the full page, or the results fragment for htmx.
pub async fn list_page<R: ListRow>(
    req: &HttpRequest,
    page: &Page,
    state: &AppState,
    spec: &'static ListSpec<R>,
    config: &'static ListConfig,
) -> Result<HttpResponse, AppError> {
    let identity = &page.identity;
    identity.require(Permission::RecordsRead)?;
    let query = canonical(spec, ListQuery::parse(req.query_string()));
    if query.trash {
        identity.require(Permission::RecordsDelete)?;
    }
    let fragment = is_htmx(req);
    let data = load(state, identity, spec, query, !fragment).await?;
    let mut v = view::build(
        spec,
        config,
        data,
        identity.time_zone,
        Permissions {
            can_write: identity.can(Permission::RecordsWrite),
            can_delete: identity.can(Permission::RecordsDelete),
        },
    );
    v.view_owned = v
        .current_view
        .as_ref()
        .is_some_and(|view| view.owner_id == identity.user_id);
    let canonical = v.canonical.clone();
    let template = ListPageTemplate {
        chrome: page.chrome(config.title, config.section),
        v,
    };
    if fragment {
        let body = template.as_results().render()?;
        let header = if current_url_is(req, &canonical) {
            "HX-Replace-Url"
        } else {
            "HX-Push-Url"
        };
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header, canonical))
            .body(body));
    }
    html(&template)
}

/// Is the browser already showing `url` (so the address need not be pushed again)?
fn current_url_is(req: &HttpRequest, url: &str) -> bool {
    req.headers()
        .get("HX-Current-URL")
        .and_then(|value| value.to_str().ok())
        .and_then(|current| current.find("://").map(|i| &current[i + 3..]))
        .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
        .is_some_and(|path| path == url)
}

/// `GET /<entities>/count`: the exact number of matching records (on demand).
pub async fn exact_count<R: ListRow>(
    req: &HttpRequest,
    identity: &Identity,
    state: &AppState,
    spec: &'static ListSpec<R>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let query = ListQuery::parse(req.query_string());
    if query.trash {
        identity.require(Permission::RecordsDelete)?;
    }
    let me = identity.user_id.0;
    let tz = identity.time_zone;
    let total = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let fields = custom_fields::list(conn, spec.entity, false)?;
            let resolved = listing::resolve(
                spec,
                &query,
                &ResolveContext {
                    me,
                    tz,
                    fields: &fields,
                },
            );
            Ok(listing::exact_count(conn, &resolved)?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<span class=\"list-count\" data-testid=\"list-count\">{} {}</span>",
            group_thousands(total),
            spec.plural
        )))
}
