//! Which format a response is written in, and writing it. ServiceStack's precedence: a `.json/.jsv/.csv` path
//! suffix, then `?format=`, then the predefined route's own format, then the Accept header, then JSON.

use actix_web::{
    dev::ServiceRequest,
    http::{header, Uri},
    HttpMessage, HttpRequest, HttpResponse, HttpResponseBuilder,
};

use crate::error::ApiError;

pub use canopy_wire::negotiation::Format;

/// The format named by a path suffix, stripped from the path before routing.
#[derive(Debug, Clone, Copy)]
pub struct SuffixFormat(pub Format);

/// Strips a `.json`, `.jsv` or `.csv` suffix from the path so that `/customers.csv` routes as `/customers`,
/// remembering the format it named. Other suffixes stay (`/customers/john.doe` keeps its `.doe`).
pub fn strip_format_suffix(req: &mut ServiceRequest) {
    let path = req.path().to_owned();
    let Some((stem, ext)) = path.rsplit_once('.') else { return };
    if ext.contains('/') {
        return;
    }
    let Some(format) = Format::from_name(ext) else { return };
    let new_path_and_query = match req.uri().query() {
        Some(q) => format!("{stem}?{q}"),
        None => stem.to_owned(),
    };
    let Ok(uri) = new_path_and_query.parse::<Uri>() else { return };
    req.head_mut().uri = uri.clone();
    req.match_info_mut().get_mut().update(&uri);
    req.extensions_mut().insert(SuffixFormat(format));
}

fn query_format(req: &HttpRequest) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("format"))
        .map(|(_, v)| v)
}

/// The Accept header's best known type (highest q first, then the order listed); `*/*` means JSON.
fn accept_format(req: &HttpRequest) -> Option<Format> {
    canopy_wire::negotiation::accept_format(req.headers().get(header::ACCEPT)?.to_str().ok()?)
}

pub fn negotiate(req: &HttpRequest, route_format: Option<Format>) -> Result<Format, ApiError> {
    let chosen = if let Some(SuffixFormat(format)) = req.extensions().get::<SuffixFormat>().copied() {
        format
    } else if let Some(name) = query_format(req) {
        let name = name.split('.').next().unwrap_or("").to_owned();
        Format::from_name(&name).ok_or_else(|| {
            ApiError::UnknownFormat(format!("'{name}' is not a supported format; use json, jsv or csv"))
        })?
    } else if let Some(format) = route_format {
        format
    } else {
        accept_format(req).unwrap_or(Format::Json)
    };
    Ok(chosen)
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
