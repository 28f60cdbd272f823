//! `/sync/{source}/{model}`: the model's summary, recent errors, history, and a data table
//! of its synced records (search, sort, keyset pages, page size), plus the streamed CSV
//! export of the current filter.

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use diesel::{Connection, RunQueryDsl};
use futures_util::Stream;
use serde::Deserialize;
use tokio_stream_adapter::ReceiverStream;

use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::sync::connections;
use crate::sync::data::{self, Cursor, DataQuery, Sort};
use crate::sync::model::{AuthKind, ModelInfo, SourceInfo};
use crate::sync::runs::{self, RunErrorRow, RunFilter, SyncRun};
use crate::sync::store;
use crate::web::AppState;
use crate::web::chrome::{Chrome, Page};
use crate::web::identity::Identity;
use crate::web::nav::Section;
use crate::web::render::html;
use crate::web::sync::views::{self, Live};

mod tokio_stream_adapter {
    //! An mpsc receiver as a `Stream` (what `tokio-stream` would give, in a few lines).
    use std::pin::Pin;
    use std::task::{Context, Poll};

    pub struct ReceiverStream<T>(pub tokio::sync::mpsc::Receiver<T>);

    impl<T> futures_util::Stream for ReceiverStream<T> {
        type Item = T;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
            self.0.poll_recv(cx)
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DataFilter {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub dir: String,
    #[serde(default)]
    pub size: Option<i64>,
    #[serde(default)]
    pub after: Option<String>,
    #[serde(default)]
    pub deleted: Option<String>,
}

/// The filter as the template shows it.
pub struct FilterView {
    pub q: String,
    pub sort: &'static str,
    pub dir: &'static str,
    pub size: i64,
    pub deleted: bool,
}

impl DataFilter {
    pub fn query(&self, default_size: i64) -> Result<(DataQuery, FilterView), AppError> {
        let sort = Sort::parse(self.sort.trim())
            .ok_or_else(|| AppError::bad_request("Sort by last change or by ID."))?;
        let descending = self.dir.trim() != "asc";
        let size = self.size.unwrap_or(default_size).clamp(1, 250);
        let after = match self.after.as_deref().filter(|a| !a.is_empty()) {
            Some(text) => Some(Cursor::decode(text).ok_or_else(|| {
                AppError::bad_request("That page link is damaged; start from the first page.")
            })?),
            None => None,
        };
        let deleted = self
            .deleted
            .as_deref()
            .is_some_and(|d| d == "1" || d == "true");
        Ok((
            DataQuery {
                search: Some(self.q.trim().to_owned()).filter(|q| !q.is_empty()),
                sort,
                descending,
                after,
                limit: size + 1,
                include_deleted: deleted,
            },
            FilterView {
                q: self.q.trim().to_owned(),
                sort: sort.as_str(),
                dir: if descending { "desc" } else { "asc" },
                size,
                deleted,
            },
        ))
    }
}

fn href(base: &str, filter: &FilterView, after: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if !filter.q.is_empty() {
        query.append_pair("q", &filter.q);
    }
    query.append_pair("sort", filter.sort);
    query.append_pair("dir", filter.dir);
    query.append_pair("size", &filter.size.to_string());
    if filter.deleted {
        query.append_pair("deleted", "1");
    }
    if let Some(after) = after {
        query.append_pair("after", after);
    }
    format!("{base}?{}", query.finish())
}

pub struct RowView {
    pub source_id: String,
    pub cells: Vec<String>,
    pub last_seen_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Template)]
#[template(path = "sync/model.html")]
struct ModelPage {
    chrome: Chrome,
    info: &'static SourceInfo,
    model: &'static ModelInfo,
    can_sync: bool,
    live: Live,
    record_count: i64,
    deleted_count: i64,
    last_sync: String,
    last_run: Option<SyncRun>,
    recent_errors: Vec<RunErrorRow>,
    runs: Vec<SyncRun>,
    filter: FilterView,
    size_options: Vec<(i64, bool)>,
    rows: Vec<RowView>,
    search_error: Option<String>,
    paged: bool,
    next_href: Option<String>,
    first_href: String,
    export_href: String,
}

/// A search that has to scan a very large model gives up after this long.
const SEARCH_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn page(
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    filter: web::Query<DataFilter>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::SyncManage)?;
    let (source, model_id) = path.into_inner();
    let connector = super::connector(&source)?;
    let model = connector.model(&model_id).ok_or(AppError::NotFound)?;
    let info = connector.info();
    let (query, filter_view) = filter.query(50)?;
    let size = filter_view.size;
    let searching = query.search.is_some();
    let (state_row, latest, history, recent_errors, connected, rows) = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            let state_row = store::find_model(conn, info.id, model.id)?;
            let latest = runs::list(
                conn,
                &RunFilter {
                    source: Some(info.id.to_owned()),
                    model: Some(model.id.to_owned()),
                    ..Default::default()
                },
                10,
            )?;
            let recent_errors = runs::recent_errors(conn, info.id, model.id, 10)?;
            let connected = connections::find(conn, info.id)?.is_some();
            let rows = match &state_row {
                None => Ok(Vec::new()),
                Some(state_row) => {
                    if searching {
                        diesel::sql_query(format!(
                            "SET LOCAL statement_timeout = '{}ms'",
                            SEARCH_TIMEOUT.as_millis()
                        ))
                        .execute(conn)?;
                    }
                    // A timed-out search must not fail the page: it says so instead.
                    conn.transaction(|conn| data::page(conn, state_row.id, model.fields, &query))
                }
            };
            Ok((
                state_row,
                latest.first().cloned(),
                latest,
                recent_errors,
                connected,
                rows,
            ))
        })
        .await?;
    let (mut rows, search_error) = match rows {
        Ok(rows) => (rows, None),
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("statement timeout") =>
        {
            (
                Vec::new(),
                Some(
                    "The search took too long on this many records. Try a more specific term."
                        .to_owned(),
                ),
            )
        }
        Err(err) => return Err(err.into()),
    };
    let has_more = rows.len() as i64 > size;
    rows.truncate(size as usize);
    let base = format!("/sync/{}/{}", info.id, model.id);
    let next_href = if has_more {
        rows.last()
            .map(|row| href(&base, &filter_view, Some(&row.cursor().encode())))
    } else {
        None
    };
    let rows = rows
        .into_iter()
        .map(|row| RowView {
            cells: model
                .fields
                .iter()
                .map(|field| field.text(&row.payload))
                .collect(),
            source_id: row.source_id,
            last_seen_at: row.last_seen_at,
            deleted_at: row.deleted_at,
        })
        .collect();
    let export = href(&format!("{base}/export.csv"), &filter_view, None);
    html(&ModelPage {
        chrome: page.chrome(format!("{} · {}", info.name, model.label), Section::Sync),
        info,
        model,
        can_sync: info.auth == AuthKind::None || connected,
        live: Live::new(info.id, model.id, latest.as_ref()),
        record_count: state_row.as_ref().map_or(0, |s| s.record_count),
        deleted_count: state_row.as_ref().map_or(0, |s| s.deleted_count),
        last_sync: latest
            .as_ref()
            .and_then(|run| run.finished_at.or(run.started_at))
            .map_or_else(|| "never".to_owned(), views::relative),
        last_run: latest,
        recent_errors,
        runs: history,
        paged: filter.after.as_deref().is_some_and(|a| !a.is_empty()),
        first_href: href(&base, &filter_view, None),
        export_href: export,
        size_options: [25, 50, 100, 250]
            .iter()
            .map(|n| (*n, *n == filter_view.size))
            .collect(),
        filter: filter_view,
        rows,
        search_error,
        next_href,
    })
}

/// The model's records matching the current filter, as CSV, streamed page by page.
pub async fn export_csv(
    identity: Identity,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    filter: web::Query<DataFilter>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::SyncManage)?;
    let (source, model_id) = path.into_inner();
    let connector = super::connector(&source)?;
    let model = connector.model(&model_id).ok_or(AppError::NotFound)?;
    let info = connector.info();
    let (mut query, _) = filter.query(5000)?;
    query.limit = 5000;
    query.after = None;
    let state_row = state
        .db
        .tenant(&identity.scope(), move |conn| {
            Ok(store::find_model(conn, info.id, model.id)?)
        })
        .await?;
    let mut header: Vec<&'static str> = vec!["source_id"];
    header.extend(model.fields.iter().map(|field| field.key));
    header.extend(["updated_at", "first_seen_at", "last_seen_at", "deleted_at"]);
    let db = state.db.clone();
    let scope = identity.scope();
    let model_row = state_row.map(|s| s.id);
    let stream = csv_stream(header, move |after| {
        let Some(model_row) = model_row else {
            return Ok((Vec::new(), None));
        };
        let mut page_query = query.clone();
        page_query.after = if after.is_empty() {
            None
        } else {
            Cursor::decode(&after)
        };
        let rows = db.tenant_blocking(&scope, |conn| -> Result<_, AppError> {
            Ok(data::page(conn, model_row, model.fields, &page_query)?)
        })?;
        let next = (rows.len() as i64 >= page_query.limit)
            .then(|| rows.last().map(|row| row.cursor().encode()))
            .flatten();
        let records = rows
            .into_iter()
            .map(|row| {
                let mut record = vec![row.source_id.clone()];
                record.extend(model.fields.iter().map(|field| field.text(&row.payload)));
                record.push(row.source_updated_at.to_rfc3339());
                record.push(row.first_seen_at.to_rfc3339());
                record.push(row.last_seen_at.to_rfc3339());
                record.push(row.deleted_at.map(|at| at.to_rfc3339()).unwrap_or_default());
                record
            })
            .collect();
        Ok((records, next))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}-{}.csv\"", info.id, model.id),
        ))
        .streaming(stream))
}

/// CSV written page by page on the blocking pool and sent as it is produced. `next_page`
/// gets the cursor of the previous page ("" first) and returns rows plus the next cursor.
pub fn csv_stream<F>(
    header: Vec<&'static str>,
    mut next_page: F,
) -> impl Stream<Item = Result<Bytes, std::io::Error>>
where
    F: FnMut(String) -> Result<(Vec<Vec<String>>, Option<String>), AppError> + Send + 'static,
{
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let encode = |rows: &[Vec<String>]| -> Option<Bytes> {
            let mut writer = csv::Writer::from_writer(Vec::new());
            for row in rows {
                writer.write_record(row).ok()?;
            }
            writer.into_inner().ok().map(Bytes::from)
        };
        let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
        let Some(first) = encode(&[header]) else {
            return;
        };
        if sender.blocking_send(Ok(first)).is_err() {
            return;
        }
        let mut cursor = String::new();
        loop {
            let (rows, next) = match next_page(cursor.clone()) {
                Ok(page) => page,
                Err(err) => {
                    tracing::error!(error = %err, "CSV export failed");
                    let _ = sender.blocking_send(Err(std::io::Error::other("export failed")));
                    return;
                }
            };
            match encode(&rows) {
                Some(bytes) => {
                    if sender.blocking_send(Ok(bytes)).is_err() {
                        return; // the client went away
                    }
                }
                None => return,
            }
            match next {
                Some(next) => cursor = next,
                None => return,
            }
        }
    });
    ReceiverStream(receiver)
}
