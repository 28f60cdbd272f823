//! `GET /api/deals`: the deal list as JSON, with the same filters, search and sort as the
//! `/deals` page (`status=`, `pipeline=`, `stage=`, `owner=`, `amount_min=`, `amount_max=`,
//! `close_from=` …, `q=`, `sort=`, `per=`) and a keyset cursor (`after=`, from the
//! previous answer's `next_cursor`). Filters that cannot be read answer 422.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::domain::custom_fields;
use crate::domain::deal_list::{DealRow, SPEC};
use crate::domain::listing::filters::ResolveContext;
use crate::domain::listing::{self, ListQuery};
use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::identity::Identity;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/deals", web::get().to(list));
}

fn deal_json(row: &DealRow) -> serde_json::Value {
    json!({
        "id": row.id,
        "deal_number": row.deal_number,
        "title": row.title,
        "company_id": row.company_id,
        "company": row.company_name,
        "pipeline": row.pipeline_name,
        "stage": row.stage_name,
        "status": row.status,
        "amount_minor": row.amount_minor,
        "currency": row.currency,
        "total_minor": row.total_minor,
        "probability": row.probability,
        "weighted_minor": row.weighted_minor(),
        "expected_close_date": row.expected_close_date,
        "owner": row.owner_name,
        "stage_entered_at": row.stage_entered_at,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    })
}

async fn list(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    identity.require(Permission::RecordsRead)?;
    let query = ListQuery::parse(req.query_string());
    if query.trash {
        identity.require(Permission::RecordsDelete)?;
    }
    let me = identity.user_id.0;
    let tz = identity.time_zone;
    let answer = state
        .db
        .tenant(&identity.scope(), move |conn| {
            let fields = custom_fields::list(conn, SPEC.entity, false)?;
            let resolved = listing::resolve(
                &SPEC,
                &query,
                &ResolveContext {
                    me,
                    tz,
                    fields: &fields,
                },
            );
            if !resolved.problems.is_empty() {
                return Ok(Err(resolved.problems));
            }
            let page = listing::fetch_page(conn, &SPEC, &resolved)?;
            let next_cursor = page.next.as_ref().map(|key| key.encode());
            let next = page
                .next
                .as_ref()
                .map(|key| query.after(key).url("/api/deals", true));
            Ok(Ok(json!({
                "deals": page.rows.iter().map(deal_json).collect::<Vec<_>>(),
                "next_cursor": next_cursor,
                "next": next,
                "per": resolved.per,
                "sort": resolved.sort.param(),
            })))
        })
        .await?;
    Ok(match answer {
        Ok(body) => HttpResponse::Ok().json(body),
        Err(problems) => HttpResponse::UnprocessableEntity().json(json!({
            "error": {
                "status": 422,
                "title": "Invalid",
                "message": problems.join(" "),
                "problems": problems,
            }
        })),
    })
}
