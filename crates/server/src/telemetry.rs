//! Structured logs: one line per request with its id, method, path, status and duration.

use std::time::Instant;

use actix_web::middleware::Next;
use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    Error, HttpMessage,
};

/// The id of one request, in its logs and in the `X-Request-Id` response header.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Keeps the log writer's thread running; dropping it flushes what is still queued (hold it until exit).
pub type LogGuard = tracing_appender::non_blocking::WorkerGuard;

/// How many log lines may wait for the writer thread before a request that logs waits for it.
const LOG_QUEUE_LINES: usize = 8_192;

/// Starts logging with `filter` (the `log` setting, in tracing's EnvFilter syntax); a filter it cannot read is an
/// error rather than silence.
pub fn init(filter: &str) -> Result<LogGuard, String> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).map_err(|e| format!("log filter '{filter}': {e}"))?;
    // Logs go to standard error: standard output carries data (`canopy export`, the API key of `apikey create`).
    // They are written by a thread of their own, so a request never waits on the write (a fifth of the time of a
    // cached answer went into that syscall); when the queue is full, requests wait rather than lines being lost.
    // The queue holds 8,192 lines: the crate's default of 128,000 is a 4 MiB array whose every page the start-up
    // touched (30 ms of each `canopy export`, a twentieth of a 100,000-customer export on SQLite).
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .finish(std::io::stderr());
    // A second init (tests) is harmless: the first subscriber stays.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_writer(writer).try_init();
    Ok(guard)
}

/// Accepts a caller's request id when it is short and printable, so ids can be followed across services.
fn incoming_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(&REQUEST_ID)?.to_str().ok()?;
    (!value.is_empty() && value.len() <= 64 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .then(|| value.to_owned())
}

/// 32 hex digits: a random prefix drawn once per process and a counter, so ids are unique without asking the
/// operating system for randomness on every request.
fn new_request_id() -> String {
    use std::sync::{
        atomic::{AtomicU64, Ordering},
        OnceLock,
    };
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(rand::random::<u64>);
    format!("{prefix:016x}{:016x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

pub async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = incoming_id(&req).unwrap_or_else(new_request_id);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().to_string();
    // The path only: query strings can carry values users consider private.
    let path = req.path().to_owned();
    let started = Instant::now();
    let statements = crate::api::StatementCount::default();
    req.extensions_mut().insert(statements.clone());
    let metrics = req.app_data::<actix_web::web::Data<crate::api::AppState>>().map(|state| state.metrics.clone());
    let mut response = next.call(req).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let operation = response.request().extensions().get::<crate::api::OperationName>().map(|op| op.0);
    let operation = operation.unwrap_or(match path.as_str() {
        "/health" => "health",
        "/metrics" => "metrics",
        _ => "unmatched",
    });
    if let Some(metrics) = metrics {
        metrics.record_request(operation, response.status().as_u16(), started.elapsed(), statements.0.get());
    }
    tracing::info!(
        request_id = %id,
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    Ok(response)
}
