//! The route table, derived from the operation declarations: every operation's user routes, ServiceStack's
//! predefined routes, the metadata, the `/ui` explorer, `/health` and `/metrics`, and the answers for a wrong verb
//! or an unknown path.

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
    for path in ordered_paths() {
        let mut resource = web::resource(path);
        let allowed: Vec<&str> =
            declared.iter().filter(|(p, _, _)| *p == path).map(|(_, verb, _)| verb.as_str()).collect();
        let allow = allowed.join(", ");
        for (_, verb, op) in declared.iter().filter(|(p, _, _)| *p == path) {
            let op = *op;
            resource = resource.route(web::method(verb.method()).to(
                move |req: HttpRequest, payload: web::Payload, state: web::Data<AppState>| {
                    handle(op, None, req, payload, state)
                },
            ));
        }
        cfg.service(resource.default_service(web::to(move |req: HttpRequest| method_not_allowed(req, allow.clone()))));
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
    cfg.route("/metadata", web::get().to(metadata_index));
    for (prefix, format) in [("json", Format::Json), ("jsv", Format::Jsv), ("csv", Format::Csv)] {
        cfg.route(&format!("/{prefix}/metadata"), web::get().to(move |req: HttpRequest| metadata_page(req, format)));
    }
    cfg.route("/types", web::get().to(types_index));
    cfg.route("/types/metadata", web::get().to(types_metadata));
    cfg.route("/types/typescript", web::get().to(|req| generated(req, crate::metadata::typescript::render)));
    cfg.route(
        "/types/typescript.d",
        web::get().to(|req| generated(req, crate::metadata::typescript::render_declarations)),
    );
    cfg.route("/types/python", web::get().to(|req| generated(req, crate::metadata::python::render)));
    cfg.route("/types/csharp", web::get().to(|req| generated(req, crate::metadata::csharp::render)));
    // The API explorer and its two files. `.js` and `.css` are not format suffixes, so `/ui/app.js` arrives intact.
    cfg.route("/ui", web::get().to(crate::ui::index));
    cfg.route("/ui/", web::get().to(crate::ui::index));
    cfg.route("/ui/{file}", web::get().to(crate::ui::asset));
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

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        // The pages hold no script: nothing may run, and only their own inline style applies.
        .insert_header(("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"))
        .body(body)
}

/// `/metadata`: the operations by group, with a page per format.
async fn metadata_index() -> HttpResponse {
    html(crate::metadata::html::index(&crate::metadata::model::model()))
}

/// `/json/metadata?op=Name` (and `jsv`, `csv`): one operation's page, samples in that format.
async fn metadata_page(req: HttpRequest, format: Format) -> HttpResponse {
    let query = negotiation::take_query(&req).unwrap_or_default();
    let wanted = query.iter().find(|(k, _)| k.eq_ignore_ascii_case("op")).map(|(_, v)| v.as_str()).unwrap_or("");
    let model = crate::metadata::model::model();
    match model.operations.iter().find(|op| op.request.name.eq_ignore_ascii_case(wanted)) {
        Some(op) => html(crate::metadata::html::operation(&model, op, format)),
        None => render_error(&req, ApiError::NotFound(format!("no operation is named '{wanted}'")), Format::Json),
    }
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

/// Every declared path once, in the order the table tries them: segment by segment, a literal before a
/// `{variable}` that would also match it (`/auth/logout` before `/auth/{provider}`,
/// `/customers/by-reference/{referenceId}` before `/customers/{customerId}/staging`, which would otherwise take
/// `/customers/by-reference/staging` and answer 405); otherwise in declaration order. actix-web answers with the
/// first resource whose path matches, whatever its verbs.
fn ordered_paths() -> Vec<&'static str> {
    let mut paths: Vec<&'static str> = Vec::new();
    for op in Operation::ALL {
        for route in op.routes() {
            if !paths.contains(&route.path) {
                paths.push(route.path);
            }
        }
    }
    most_literal_first(paths)
}

fn most_literal_first(mut paths: Vec<&'static str>) -> Vec<&'static str> {
    paths.sort_by_key(|path| variable_segments(path));
    paths
}

/// For each segment of a path, whether it is a variable: literals (`false`) sort first.
fn variable_segments(path: &str) -> Vec<bool> {
    path.split('/').map(|segment| segment.contains('{')).collect()
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

/// A verb the path does not answer: 405, with the verbs it does answer in `Allow` (as HTTP asks).
async fn method_not_allowed(req: HttpRequest, allow: String) -> HttpResponse {
    let format = negotiation::negotiate(&req).unwrap_or(Format::Json);
    let mut response = render_error(
        &req,
        ApiError::MethodNotAllowed(format!("{} is not supported on {}", req.method(), req.path())),
        format,
    );
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allow) {
        response.headers_mut().insert(actix_web::http::header::ALLOW, value);
    }
    response
}

/// Unmatched paths: a 404 in the client's format rather than an empty body.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    let format = negotiation::negotiate(&req).unwrap_or(Format::Json);
    render_error(&req, ApiError::NotFound(format!("no route matches {}", req.path())), format)
}

#[cfg(test)]
mod tests {
    use actix_web::dev::ResourceDef;

    use super::*;

    /// Fills every variable of `path` with `value`.
    fn instance(path: &str, value: &str) -> String {
        path.split('/').map(|segment| if segment.contains('{') { value } else { segment }).collect::<Vec<_>>().join("/")
    }

    #[test]
    fn the_route_that_answers_a_path_is_the_most_literal_one_that_matches_it() {
        let declared = ordered_paths();
        // Whatever order the operations are declared in.
        let reversed = most_literal_first(declared.iter().rev().copied().collect());
        for order in [declared, reversed] {
            check_order(&order);
        }
    }

    fn check_order(order: &[&'static str]) {
        let position = |path: &str| order.iter().position(|p| *p == path).unwrap_or(usize::MAX);
        assert!(position("/customers/by-reference/{referenceId}") < position("/customers/{customerId}/staging"));
        assert!(position("/auth/logout") < position("/auth/{provider}"));
        // Fill every variable with every literal segment of the table (a reference id "staging", a provider
        // "logout", …): the first path that matches must be the most literal of those that match.
        let literals: Vec<&str> =
            order.iter().flat_map(|p| p.split('/')).filter(|s| !s.is_empty() && !s.contains('{')).collect();
        for path in order {
            for value in literals.iter().copied().chain(["x"]) {
                let url = instance(path, value);
                let matching: Vec<&str> =
                    order.iter().copied().filter(|p| ResourceDef::new(*p).is_match(&url)).collect();
                let most_literal = matching.iter().copied().min_by_key(|p| variable_segments(p));
                assert_eq!(matching.first().copied(), most_literal, "{url} is answered by {matching:?}");
            }
        }
    }
}
