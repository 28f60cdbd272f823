//! `GET /<entities>/export.csv`: the current view (filters, sort, columns) as CSV, streamed
//! in keyset batches from one transaction, so an export of any size uses little memory and
//! sees one consistent state. Cells that a spreadsheet would run as a formula are quoted.

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;

use crate::domain::custom_fields;
use crate::domain::listing::filters::{ResolveContext, shown_columns};
use crate::domain::listing::{self, CellContext, ListQuery, ListRow, ListSpec};
use crate::domain::roles::Permission;
use crate::domain::tags;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::identity::Identity;

const BATCH: usize = 1000;

pub async fn export<R: ListRow>(
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
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let db = state.db.clone();
    let scope = identity.scope();
    let me = identity.user_id.0;
    let tz = identity.time_zone;
    actix_web::rt::task::spawn_blocking(move || {
        let failure = sender.clone();
        let result = db.tenant_blocking(&scope, |conn| -> Result<(), AppError> {
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
            let columns = shown_columns(spec, &query, &fields);
            let wants_tags = columns.iter().any(|c| c.key() == "tags");
            let mut header = vec!["id".to_owned()];
            header.extend(columns.iter().map(|c| c.label()));
            let mut first = b"\xEF\xBB\xBF".to_vec();
            first.extend(csv_line(&header)?);
            if sender.blocking_send(Ok(Bytes::from(first))).is_err() {
                return Ok(());
            }
            listing::for_each_batch(conn, spec, &resolved, BATCH, |conn, rows: Vec<R>| {
                let ids: Vec<i64> = rows.iter().map(ListRow::id).collect();
                let tags_by_row = if wants_tags {
                    tags::for_records(conn, spec.entity, &ids)?
                } else {
                    Default::default()
                };
                let ctx = CellContext {
                    tags: &tags_by_row,
                    tz,
                };
                let mut chunk = Vec::with_capacity(rows.len() * 128);
                for row in &rows {
                    let mut record = vec![row.id().to_string()];
                    record.extend(columns.iter().map(|c| c.cell(row, &ctx).export_value()));
                    chunk.extend(csv_line(&record)?);
                }
                // A closed channel means the client went away: stop reading.
                Ok(sender.blocking_send(Ok(Bytes::from(chunk))).is_ok())
            })
        });
        if let Err(err) = result {
            tracing::error!(error = ?err, "CSV export failed");
            let _ = failure.blocking_send(Err(std::io::Error::other("export failed")));
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    let file_name = format!("{}-{}.csv", spec.plural, Utc::now().format("%Y-%m-%d"));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file_name}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .streaming(stream))
}

/// One CSV line, with spreadsheet formula injection defused.
fn csv_line(values: &[String]) -> Result<Vec<u8>, AppError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(values.iter().map(|value| defuse(value).into_owned()))
        .map_err(|err| AppError::Internal(err.into()))?;
    writer
        .into_inner()
        .map_err(|err| AppError::Internal(anyhow::anyhow!("csv: {err}")))
}

/// A cell starting with `=`, `+`, `-`, `@` (or a tab or carriage return) is a formula to a
/// spreadsheet; a leading apostrophe keeps it text. Plain numbers stay numbers.
fn defuse(value: &str) -> std::borrow::Cow<'_, str> {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && value.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{value}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_numbers_kept() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("-12.5"), "-12.5");
        assert_eq!(defuse("@me"), "'@me");
        assert_eq!(defuse("Acme"), "Acme");
        let line = csv_line(&["a,b".to_owned(), "say \"hi\"".to_owned()]).unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&line),
            "\"a,b\",\"say \"\"hi\"\"\"\n"
        );
    }
}
