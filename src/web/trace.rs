//! One log line per request with method, path, status and time taken.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use tracing::Instrument;

pub async fn trace_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let span = tracing::info_span!("request", %method, %path);
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _entered = span.enter();
    match &result {
        Ok(res) if !path.starts_with("/static/") => {
            tracing::info!(
                status = res.status().as_u16(),
                elapsed_ms = format!("{elapsed_ms:.1}"),
                "served"
            );
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(error = %err, elapsed_ms = format!("{elapsed_ms:.1}"), "failed"),
    }
    result
}
