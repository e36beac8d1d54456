use actix_web::{web, HttpResponse};

use crate::{api::AppState, dto::HealthResponse};

/// Liveness and readiness: 200 when the database answers, 503 when it does not.
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let store = state.store.clone();
    let database_ok = matches!(web::block(move || store.ping()).await, Ok(Ok(())));
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
