//! Which format a response is written in (decided by `canopy-wire` before routing), and writing it.

use actix_web::{
    dev::ServiceRequest,
    http::{header, Uri},
    HttpMessage, HttpRequest,
};

use crate::error::ApiError;

pub use canopy_wire::negotiation::Format;

/// The outcome of negotiating a request, decided once before routing (see [`negotiate_request`]).
#[derive(Debug, Clone)]
struct Negotiation(Result<Format, String>);

/// Decides the response format with ServiceStack's precedence (`canopy_wire::negotiation::negotiate`: a
/// `.json/.jsv/.csv` suffix, `?format=`, a `/json/reply/`-style prefix, Accept with q-values, JSON) and strips a
/// recognised suffix from the path, so that `/customers.csv` routes as `/customers` and `/api/X.csv` as `/api/X`.
/// Runs before routing; handlers read the outcome with [`negotiate`].
pub fn negotiate_request(req: &mut ServiceRequest) {
    let path = req.path().to_owned();
    // The query string is decoded here, once: `?format=` is read from it, and binding takes the pairs over.
    let query = canopy_wire::urlencoded::parse(req.query_string().as_bytes());
    let format_param = query_format(&query);
    let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let outcome = match canopy_wire::negotiation::negotiate(&path, format_param.as_deref(), accept.as_deref()) {
        Ok(negotiated) => {
            if negotiated.path != path {
                let rewritten = match req.uri().query() {
                    Some(q) => format!("{}?{q}", negotiated.path),
                    None => negotiated.path.to_owned(),
                };
                if let Ok(uri) = rewritten.parse::<Uri>() {
                    req.head_mut().uri = uri.clone();
                    req.match_info_mut().get_mut().update(&uri);
                }
            }
            Ok(negotiated.format)
        }
        Err(e) => Err(e.to_string()),
    };
    req.extensions_mut().insert(Negotiation(outcome));
    req.extensions_mut().insert(DecodedQuery(query));
}

/// The request's query string, decoded once before routing (a member that is not UTF-8 is refused when the request
/// is bound, with the member named).
#[derive(Debug)]
pub struct DecodedQuery(pub Result<Vec<(String, String)>, canopy_wire::urlencoded::NotUtf8>);

/// Takes the decoded query over from the request (decoding it now if no middleware did).
pub fn take_query(req: &HttpRequest) -> Result<Vec<(String, String)>, canopy_wire::urlencoded::NotUtf8> {
    match req.extensions_mut().remove::<DecodedQuery>() {
        Some(DecodedQuery(query)) => query,
        None => canopy_wire::urlencoded::parse(req.query_string().as_bytes()),
    }
}

/// Middleware form of [`negotiate_request`]: decides the format once, before routing.
pub async fn negotiate_middleware(
    mut req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    negotiate_request(&mut req);
    next.call(req).await
}

/// `?format=`, from the query decoded by the same strict decoder as every other query value.
fn query_format(query: &Result<Vec<(String, String)>, canopy_wire::urlencoded::NotUtf8>) -> Option<String> {
    query.as_ref().ok()?.iter().find(|(k, _)| k.eq_ignore_ascii_case("format")).map(|(_, v)| v.clone())
}

/// The negotiated format; an unknown `?format=` is a 400.
pub fn negotiate(req: &HttpRequest) -> Result<Format, ApiError> {
    match req.extensions().get::<Negotiation>() {
        Some(Negotiation(Ok(format))) => Ok(*format),
        Some(Negotiation(Err(message))) => Err(ApiError::UnknownFormat(message.clone())),
        None => Ok(Format::Json),
    }
}
