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
    for path in ordered_paths() {
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
    cfg.route("/health", web::get().to(handlers::health::health));
    cfg.route("/metrics", web::get().to(handlers::health::metrics));
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
