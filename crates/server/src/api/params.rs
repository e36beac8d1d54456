//! Reading a request: its body (bounded in size and time), then every source merged into one set of members.

use actix_web::{http::header, web, HttpRequest};
use canopy_wire::{
    binding::Params,
    negotiation::{body_format, BodyFormat},
};
use futures_util::StreamExt;

use crate::{error::ApiError, negotiation::Format};

/// Most members one request may carry, over all its sources (a DTO has a few dozen): past it, a 400 before any
/// further work.
pub const MAX_MEMBERS: usize = 1_000;

/// Reads the body, up to the limit.
pub(super) async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::BytesMut, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            actix_web::error::PayloadError::Overflow => ApiError::PayloadTooLarge { limit },
            other => ApiError::Binding { message: format!("could not read the request body: {other}"), errors: vec![] },
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn not_utf8(error: canopy_wire::urlencoded::NotUtf8) -> ApiError {
    ApiError::Validation(canopy_domain::ValidationErrors::single(&error.0, "InvalidCharacter", error.to_string()))
}

fn too_many_members() -> ApiError {
    binding_error(format!("a request may carry at most {MAX_MEMBERS} members"))
}

fn binding_error(message: String) -> ApiError {
    ApiError::Binding { message, errors: vec![] }
}

/// Whether a Content-Type is a form (urlencoded or multipart): a form binds as form fields on every route,
/// predefined ones included, as ServiceStack binds it.
fn is_form(declared: &str) -> bool {
    matches!(body_format(declared), Some(BodyFormat::FormUrlEncoded | BodyFormat::Multipart))
}

/// Merges the body, then the query string and form fields, then path values (later wins), as ServiceStack does on
/// user routes. Predefined routes read their body in the route's format whatever its Content-Type.
pub(super) fn collect_params(req: &HttpRequest, body: &[u8], route_format: Option<Format>) -> Result<Params, ApiError> {
    let mut params = Params::new();
    let mut form_pairs = Vec::new();
    if !body.iter().all(u8::is_ascii_whitespace) {
        let declared = content_type(req);
        let kind = match route_format {
            Some(Format::Json) if !is_form(&declared) => Some(BodyFormat::Json),
            Some(Format::Jsv) if !is_form(&declared) => Some(BodyFormat::Jsv),
            // A JSON object sent without a usable Content-Type (fetch's text/plain default) is still JSON.
            _ if declared.is_empty() || declared == "text/plain" => Some(BodyFormat::Json),
            _ => body_format(&declared),
        };
        match kind {
            Some(BodyFormat::Json) => match serde_json::from_slice::<serde_json::Value>(body) {
                Ok(serde_json::Value::Object(map)) => params.add_json_object(map),
                // `null` is an empty request, filled from path and query (what the Python client sends for a
                // body-less patch_url).
                Ok(serde_json::Value::Null) => {}
                Ok(_) => return Err(binding_error("the JSON body must be an object".into())),
                Err(e) => return Err(binding_error(format!("Could not deserialize 'application/json' request: {e}"))),
            },
            Some(BodyFormat::Jsv) => {
                let text = std::str::from_utf8(body).map_err(|_| binding_error("the JSV body is not UTF-8".into()))?;
                params
                    .add_jsv_object(text, canopy_wire::jsv::Limits::DEFAULT)
                    .map_err(|e| binding_error(format!("Could not deserialize 'application/jsv' request: {e}")))?;
            }
            Some(BodyFormat::FormUrlEncoded) => {
                form_pairs = canopy_wire::urlencoded::parse(body).map_err(not_utf8)?;
            }
            Some(BodyFormat::Multipart) => {
                // The whole header: `content_type` dropped the boundary parameter.
                let with_boundary = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
                form_pairs = canopy_wire::multipart::parse(with_boundary.unwrap_or(""), body, MAX_MEMBERS)?;
            }
            Some(BodyFormat::Csv) | None => {
                return Err(ApiError::UnsupportedMediaType(format!(
                    "request bodies of type '{declared}' are not supported; send JSON, JSV or a form"
                )))
            }
        }
    }
    let query = crate::negotiation::take_query(req).map_err(not_utf8)?;
    if query.len() + form_pairs.len() > MAX_MEMBERS {
        return Err(too_many_members());
    }
    params.add_source(query);
    params.add_source(form_pairs);
    // Path values last, so they win: `PATCH /customers/A?customerId=B` changes A, as the path (which proxies and
    // logs trust) says.
    let mut path_values: Vec<(&str, String)> = Vec::new();
    for (name, raw) in req.match_info().iter().filter(|(name, _)| *name != "dto") {
        // A value that is not text names nothing: 404, as any unknown id.
        let value = canopy_wire::urlencoded::decode_path_value(raw)
            .ok_or_else(|| ApiError::NotFound(format!("no {name} matches a value that is not UTF-8")))?;
        path_values.push((name, value));
    }
    params.add_source(path_values.iter().map(|(name, value)| (*name, value.as_str())));
    if params.len() > MAX_MEMBERS {
        return Err(too_many_members());
    }
    if let Some(field) = params.find_nul() {
        // No database keeps NUL in text. An id in the path with one names nothing: 404, as any unknown id.
        if path_values.iter().any(|(name, _)| *name == field) {
            return Err(ApiError::NotFound(format!("no {field} holds a NUL character")));
        }
        return Err(ApiError::Validation(canopy_domain::ValidationErrors::single(
            &field,
            "InvalidCharacter",
            format!("'{field}' must not contain a NUL character."),
        )));
    }
    Ok(params)
}
