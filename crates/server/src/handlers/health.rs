use actix_web::{web, HttpResponse};

use crate::{api::AppState, dto::HealthResponse};

/// Liveness and readiness: 200 when the database answers, 503 when it does not.
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    // On SQLite the generations are read on this thread when that cannot wait (no queue behind busy writers on the
    // blocking pool); otherwise a ping on the blocking pool.
    let database_ok = match state.store.generations_without_waiting() {
        Some(read) => read.is_ok(),
        None => {
            let store = state.store.clone();
            matches!(web::block(move || store.ping()).await, Ok(Ok(())))
        }
    };
    let body = HealthResponse {
        status: if database_ok { "ok" } else { "unavailable" },
        database: if database_ok { "ok" } else { "unreachable" },
        version: env!("CARGO_PKG_VERSION"),
    };
    if database_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// `GET /metrics`: Prometheus text. Outside authentication so a scraper needs no account: it shows request
/// counts and latencies per operation and status, statements per request and the pool's state — no ids, names,
/// paths or values of any user.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.store.pool_status();
    HttpResponse::Ok().content_type(crate::metrics::CONTENT_TYPE).body(state.metrics.render(&pool))
}
