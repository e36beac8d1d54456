//! The route table, derived from the operation declarations: every operation's user routes, ServiceStack's
//! predefined routes, `/health` and `/metrics`, and the answers for a wrong verb or an unknown path.

use actix_web::{web, HttpRequest, HttpResponse};

use super::{
    pipeline::{handle, render_error},
    AppState, Operation,
};
use crate::{
    error::ApiError,
    handlers,
    negotiation::{self, Format},
};

/// One route per declared path, answering each verb declared on it; any other verb is a 405.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let declared: Vec<(&'static str, super::Verb, Operation)> = Operation::ALL
        .iter()
        .flat_map(|op| op.routes().iter().map(move |route| (route.path, route.verb, *op)))
        .collect();
    let mut paths: Vec<&'static str> = Vec::new();
    for (path, _, _) in &declared {
        if !paths.contains(path) {
            paths.push(path);
        }
    }
    // A literal path is registered before any path with a `{variable}`, which would also match it
    // (`/auth/logout` before `/auth/{provider}`).
    paths.sort_by_key(|path| path.matches('{').count());
    for path in paths {
        let mut resource = web::resource(path);
        for (_, verb, op) in declared.iter().filter(|(p, _, _)| *p == path) {
            let op = *op;
            resource = resource.route(web::method(verb.method()).to(
                move |req: HttpRequest, payload: web::Payload, state: web::Data<AppState>| {
                    handle(op, None, req, payload, state)
                },
            ));
        }
        cfg.service(resource.default_service(web::to(method_not_allowed)));
    }
    for (prefix, format) in
        [("/json/reply", Some(Format::Json)), ("/jsv/reply", Some(Format::Jsv)), ("/csv/reply", Some(Format::Csv))]
    {
        cfg.route(
            &format!("{prefix}/{{dto}}"),
            web::to(move |req: HttpRequest, payload: web::Payload, state: web::Data<AppState>| {
                predefined(format, req, payload, state)
            }),
        );
    }
    cfg.route(
        "/api/{dto}",
        web::to(|req: HttpRequest, payload: web::Payload, state: web::Data<AppState>| {
            predefined(None, req, payload, state)
        }),
    );
    // `/openapi.json` arrives as `/openapi`: negotiation strips the format suffix before routing.
    cfg.route("/openapi", web::get().to(openapi));
    cfg.route("/types", web::get().to(types_index));
    cfg.route("/types/metadata", web::get().to(types_metadata));
    cfg.route("/types/typescript", web::get().to(|req| generated(req, crate::metadata::typescript::render)));
    cfg.route(
        "/types/typescript.d",
        web::get().to(|req| generated(req, crate::metadata::typescript::render_declarations)),
    );
    cfg.route("/types/python", web::get().to(|req| generated(req, crate::metadata::python::render)));
    cfg.route("/types/csharp", web::get().to(|req| generated(req, crate::metadata::csharp::render)));
    cfg.route("/health", web::get().to(handlers::health::health));
    cfg.route("/metrics", web::get().to(handlers::health::metrics));
}

/// The service's own description (no sign-in needed, as ServiceStack publishes its metadata).
async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(crate::openapi::document())
}

/// The address clients reached this service at, for generated code's `BaseUrl`.
fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// `/types`: the languages "Add ServiceStack Reference" can ask for.
async fn types_index(req: HttpRequest) -> HttpResponse {
    let base = base_url(&req);
    HttpResponse::Ok().json(serde_json::json!({
        "metadata": format!("{base}/types/metadata"),
        "typescript": format!("{base}/types/typescript"),
        "typescript.d": format!("{base}/types/typescript.d"),
        "python": format!("{base}/types/python"),
        "csharp": format!("{base}/types/csharp"),
    }))
}

/// `/types/metadata`: ServiceStack's MetadataTypes JSON.
async fn types_metadata(req: HttpRequest) -> HttpResponse {
    let model = crate::metadata::model::model();
    HttpResponse::Ok().json(crate::metadata::metadata_types(&model, &base_url(&req)))
}

/// `/types/{language}`: "Add ServiceStack Reference" code for one language, with ServiceStack's options header.
async fn generated(
    req: HttpRequest,
    render: fn(&crate::metadata::model::Model, &crate::metadata::options::Options) -> String,
) -> HttpResponse {
    let query = negotiation::take_query(&req).unwrap_or_default();
    let date = canopy_store::clock::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let options = crate::metadata::options::Options::from_query(
        &query,
        base_url(&req),
        env!("CARGO_PKG_VERSION").to_owned(),
        date,
    );
    let body = render(&crate::metadata::model::model(), &options);
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(body)
}

/// `/json/reply/{Dto}`, `/api/{Dto}`: the operation is named in the path, its fields come from the query or body.
async fn predefined(
    format: Option<Format>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    // The format was negotiated before routing (`/api/X.csv` arrives here as `/api/X`); the route's own format only
    // says how to read a body.
    let name = req.match_info().get("dto").unwrap_or("").to_owned();
    match Operation::from_name(&name) {
        Some(op) => handle(op, Some(format.unwrap_or(Format::Json)), req, payload, state).await,
        None => {
            let format = negotiation::negotiate(&req).unwrap_or(Format::Json);
            render_error(
                &req,
                ApiError::MethodNotAllowed(format!("The operation '{name}' does not exist for this service")),
                format,
            )
        }
    }
}

async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let format = negotiation::negotiate(&req).unwrap_or(Format::Json);
    render_error(
        &req,
        ApiError::MethodNotAllowed(format!("{} is not supported on {}", req.method(), req.path())),
        format,
    )
}

/// Unmatched paths: a 404 in the client's format rather than an empty body.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    let format = negotiation::negotiate(&req).unwrap_or(Format::Json);
    render_error(&req, ApiError::NotFound(format!("no route matches {}", req.path())), format)
}
