//! Which format a response is written in (decided by `canopy-wire` before routing), and writing it.

use actix_web::{
    dev::ServiceRequest,
    http::{header, Uri},
    HttpMessage, HttpRequest, HttpResponse, HttpResponseBuilder,
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
    let format_param = query_format(req.query_string());
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
}

/// Middleware form of [`negotiate_request`]: decides the format once, before routing.
pub async fn negotiate_middleware(
    mut req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    negotiate_request(&mut req);
    next.call(req).await
}

/// `?format=`, read by the same strict decoder as every other query value (a query it cannot read is refused when
/// the request is bound, with the member named).
fn query_format(query: &str) -> Option<String> {
    canopy_wire::urlencoded::parse(query.as_bytes())
        .ok()?
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("format"))
        .map(|(_, v)| v)
}

/// The negotiated format; an unknown `?format=` is a 400.
pub fn negotiate(req: &HttpRequest) -> Result<Format, ApiError> {
    match req.extensions().get::<Negotiation>() {
        Some(Negotiation(Ok(format))) => Ok(*format),
        Some(Negotiation(Err(message))) => Err(ApiError::UnknownFormat(message.clone())),
        None => Ok(Format::Json),
    }
}

/// Writes `body` in `format`. CSV writes the response's `items` as rows (a single object is one row); its
/// columns are every member seen, in first-seen order, so a member absent from the first rows still has a column.
pub fn write(response: &mut HttpResponseBuilder, format: Format, body: &serde_json::Value) -> HttpResponse {
    let bytes = match format {
        Format::Json => serde_json::to_vec(body).map_err(|e| e.to_string()),
        Format::Jsv => canopy_wire::jsv::to_string(body).map(String::into_bytes).map_err(|e| e.to_string()),
        Format::Csv => write_csv(body),
    };
    match bytes {
        Ok(bytes) => response.content_type(format.content_type()).body(bytes),
        Err(cause) => {
            tracing::error!(cause, ?format, "response could not be written");
            HttpResponse::InternalServerError().finish()
        }
    }
}

fn write_csv(body: &serde_json::Value) -> Result<Vec<u8>, String> {
    let single = std::slice::from_ref(body);
    let rows: &[serde_json::Value] = match body.get("items").and_then(|items| items.as_array()) {
        Some(items) => items,
        None => single,
    };
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        for key in row.as_object().into_iter().flat_map(|o| o.keys()) {
            if !columns.iter().any(|c| c == key) {
                columns.push(key.clone());
            }
        }
    }
    let mut writer = canopy_wire::csv::CsvWriter::with_columns(Vec::new(), columns);
    for row in rows {
        writer.write_row(row).map_err(|e| e.to_string())?;
    }
    writer.finish().map_err(|e| e.to_string())
}
