//! Canopy's HTTP server: ServiceStack-compatible routes over the store. `main.rs` adds the CLI.
//!
//! A request flows: [`telemetry::log_requests`] (request id, format suffix) → the route table in [`api::routes`]
//! → [`api::handle`] (negotiate the format, read and bind the request) → a handler in [`handlers`] → the store
//! → [`api::Reply`] written in the negotiated format, or an [`error::ApiError`] as `responseStatus`.

pub mod api;
pub mod auth;
pub mod cache;
pub mod config;
pub mod dto;
pub mod error;
pub mod export;
pub mod handlers;
pub mod idempotency;
pub mod import;
pub mod memory;
pub mod metadata;
pub mod metrics;
pub mod negotiation;
pub mod openapi;
pub mod reply;
pub mod seed;
pub mod telemetry;
pub mod ui;
pub mod view;

use actix_web::{
    body::MessageBody,
    dev::{ServiceFactory, ServiceRequest, ServiceResponse},
    middleware::from_fn,
    web, App, Error,
};

pub use api::{AppState, Limits};

/// The application, exactly as `canopy serve` runs it; tests build it through this same function.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(state))
        // Bodies are read by the pipeline with its own limit; these stop actix's extractors from imposing theirs.
        .app_data(web::PayloadConfig::new(usize::MAX))
        .configure(api::routes)
        .default_service(web::to(api::not_found))
        // Outermost first: the request id, log line and metrics see everything, including negotiation errors.
        .wrap(from_fn(negotiation::negotiate_middleware))
        .wrap(from_fn(telemetry::log_requests))
}
