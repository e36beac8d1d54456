//! Which format a response is written in, and what a request body's Content-Type means.
//!
//! Precedence (ServiceStack's, as `docs/wire-format.md` describes it, with the additions of `docs/contract.md` §12):
//!
//! * **User routes** (`/customers/{id}`): a `.json`/`.jsv`/`.csv` path suffix wins over everything; then
//!   `?format=`; then a first path segment naming a format; then `Accept`; then JSON.
//! * **Predefined routes** (`/api/{Dto}[.ext]`, `/{format}/reply|oneway/{Dto}`): `?format=` wins, then the first
//!   path segment, then the suffix; `Accept` is not consulted (as in ServiceStack, whose clients rely on it:
//!   the TS client sends `Content-Type: application/json` and no Accept).
//!
//! Deliberate differences from ServiceStack: an unknown `?format=` is an error (contract §12: a clear 4xx) instead of
//! being ignored; `Accept` q-values are honoured (ServiceStack ignores them); `Accept: text/jsv` selects JSV
//! (ServiceStack falls back to JSON although its metadata pages advertise it).

use thiserror::Error;

/// A response format Canopy writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Jsv,
    Csv,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Json, Format::Jsv, Format::Csv];

    /// The `Content-Type` header ServiceStack sends for this format (only JSON carries a charset).
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => JSON_CONTENT_TYPE,
            Format::Jsv => JSV_CONTENT_TYPE,
            Format::Csv => CSV_CONTENT_TYPE,
        }
    }

    /// The name used in `?format=`, path suffixes and `/{format}/reply/…`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Jsv => "jsv",
            Format::Csv => "csv",
        }
    }

    /// Parses a format name case-insensitively.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The format a media type (from `Accept`) asks for; parameters must already be removed.
    fn from_media_type(media_type: &str) -> Option<Format> {
        let media_type = media_type.trim();
        let is = |s: &str| media_type.eq_ignore_ascii_case(s);
        if is("application/json") || is("text/json") || is("*/*") || is("application/*") {
            Some(Format::Json)
        } else if is("application/jsv") || is("text/jsv") {
            Some(Format::Jsv)
        } else if is("text/csv") {
            Some(Format::Csv)
        } else {
            None
        }
    }
}

pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";
pub const JSV_CONTENT_TYPE: &str = "application/jsv";
pub const CSV_CONTENT_TYPE: &str = "text/csv";

/// What decided the format; useful in logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatSource {
    Suffix,
    Query,
    PathPrefix,
    Accept,
    Default,
}

/// The outcome of negotiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated<'a> {
    pub format: Format,
    /// The request path with a recognised `.json`/`.jsv`/`.csv` suffix removed; route matching uses this.
    pub path: &'a str,
    pub source: FormatSource,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NegotiationError {
    /// `?format=` named a format Canopy does not write (ServiceStack would ignore it). Answer 400.
    #[error("unknown format '{value}': use json, jsv or csv")]
    UnknownFormat { value: String },
}

/// Decides the response format.
///
/// * `path`: the request path without the query string (percent-decoding does not matter here).
/// * `format_param`: the value of the `format` query parameter, if present.
/// * `accept`: the `Accept` header value(s), comma-joined if there were several headers.
pub fn negotiate<'a>(
    path: &'a str,
    format_param: Option<&str>,
    accept: Option<&str>,
) -> Result<Negotiated<'a>, NegotiationError> {
    let (stripped, suffix) = split_suffix(path);
    let query = query_format(format_param)?;
    let prefix = path_prefix_format(stripped);
    let predefined = prefix.is_some() || is_api_route(stripped);

    let decided = |format, source| Ok(Negotiated { format, path: stripped, source });
    if predefined {
        if let Some(f) = query {
            return decided(f, FormatSource::Query);
        }
        if let Some(f) = prefix {
            return decided(f, FormatSource::PathPrefix);
        }
        if let Some(f) = suffix {
            return decided(f, FormatSource::Suffix);
        }
        return decided(Format::Json, FormatSource::Default);
    }
    if let Some(f) = suffix {
        return decided(f, FormatSource::Suffix);
    }
    if let Some(f) = query {
        return decided(f, FormatSource::Query);
    }
    if let Some(f) = accept.and_then(accept_format) {
        return decided(f, FormatSource::Accept);
    }
    decided(Format::Json, FormatSource::Default)
}

/// `?format=` as ServiceStack reads it: the text before any `.`, case-insensitive; empty means absent.
fn query_format(value: Option<&str>) -> Result<Option<Format>, NegotiationError> {
    let Some(value) = value else { return Ok(None) };
    let name = value.split('.').next().unwrap_or("").trim();
    if name.is_empty() {
        return Ok(None);
    }
    Format::from_name(name).map(Some).ok_or_else(|| NegotiationError::UnknownFormat { value: value.to_owned() })
}

/// Splits a recognised format suffix off the last path segment; an unknown suffix stays (`/customers/john.doe`).
fn split_suffix(path: &str) -> (&str, Option<Format>) {
    let last_segment_start = path.rfind('/').map_or(0, |i| i + 1);
    if let Some(dot) = path[last_segment_start..].rfind('.') {
        let dot = last_segment_start + dot;
        // A segment that is only a suffix (`/.json`) names nothing.
        if dot > last_segment_start {
            if let Some(format) = Format::from_name(&path[dot + 1..]) {
                return (&path[..dot], Some(format));
            }
        }
    }
    (path, None)
}

/// `/json/reply/X`, `/jsv/oneway/X`, `/csv/reply/X`.
fn path_prefix_format(path: &str) -> Option<Format> {
    let mut segments = path.trim_start_matches('/').split('/');
    let format = Format::from_name(segments.next()?)?;
    let kind = segments.next()?;
    (kind.eq_ignore_ascii_case("reply") || kind.eq_ignore_ascii_case("oneway")).then_some(format)
}

fn is_api_route(path: &str) -> bool {
    let mut segments = path.trim_start_matches('/').split('/');
    segments.next().is_some_and(|s| s.eq_ignore_ascii_case("api")) && segments.next().is_some_and(|s| !s.is_empty())
}

/// Picks a format from an `Accept` header: entries ordered by q-value (highest first, ties in listed order),
/// `q=0` entries refused, the first entry Canopy can write wins; `*/*` and `application/*` mean JSON. `None`
/// when nothing matches (the caller then uses JSON; ServiceStack never answers 406).
pub fn accept_format(accept: &str) -> Option<Format> {
    let mut entries: Vec<(f32, usize, Format)> = accept
        .split(',')
        .enumerate()
        .filter_map(|(i, entry)| {
            let mut parts = entry.split(';');
            let format = Format::from_media_type(parts.next()?)?;
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (q > 0.0).then_some((q, i, format))
        })
        .collect();
    entries.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    entries.first().map(|e| e.2)
}

/// What a request body is, from its `Content-Type` (parameters such as `charset` are ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    Json,
    Jsv,
    Csv,
    FormUrlEncoded,
    Multipart,
}

/// Recognises a request body's `Content-Type`; `None` for anything Canopy does not read (e.g. XML), which a
/// user route ignores as ServiceStack does, or refuses with 415.
pub fn body_format(content_type: &str) -> Option<BodyFormat> {
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    let is = |s: &str| media_type.eq_ignore_ascii_case(s);
    if is("application/json") || is("text/json") {
        Some(BodyFormat::Json)
    } else if is("application/jsv") || is("text/jsv") {
        Some(BodyFormat::Jsv)
    } else if is("text/csv") {
        Some(BodyFormat::Csv)
    } else if is("application/x-www-form-urlencoded") {
        Some(BodyFormat::FormUrlEncoded)
    } else if is("multipart/form-data") {
        Some(BodyFormat::Multipart)
    } else {
        None
    }
}

/// The `Content-Disposition` ServiceStack sends with CSV: `attachment;filename="<Operation>.csv"`, plus an
/// RFC 5987 `filename*` when the name is not plain ASCII.
pub fn csv_content_disposition(operation_name: &str) -> String {
    let file = format!("{operation_name}.csv");
    let plain = file.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' && b != b'%');
    if plain {
        return format!("attachment;filename=\"{file}\"");
    }
    let mut encoded = String::new();
    for b in file.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment;filename=\"{encoded}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(path: &str, format: Option<&str>, accept: Option<&str>) -> (Format, &'static str, FormatSource) {
        let n = negotiate(path, format, accept).expect("negotiates");
        (n.format, Box::leak(n.path.to_owned().into_boxed_str()), n.source)
    }

    #[test]
    fn a_user_route_suffix_wins_over_everything() {
        assert_eq!(
            pick("/customers.csv", Some("json"), Some("application/jsv")),
            (Format::Csv, "/customers", FormatSource::Suffix)
        );
        assert_eq!(pick("/customers/c1.JSV", None, None), (Format::Jsv, "/customers/c1", FormatSource::Suffix));
    }

    #[test]
    fn an_unknown_suffix_stays_in_the_path() {
        assert_eq!(
            pick("/customers/john.doe", None, None),
            (Format::Json, "/customers/john.doe", FormatSource::Default)
        );
        assert_eq!(pick("/a.b/c", None, None).1, "/a.b/c");
        assert_eq!(pick("/.json", None, None).1, "/.json");
    }

    #[test]
    fn the_query_beats_accept_on_user_routes() {
        assert_eq!(pick("/customers", Some("csv"), Some("application/jsv")).0, Format::Csv);
        assert_eq!(pick("/customers", Some("JSV.whatever"), None).0, Format::Jsv);
        assert_eq!(pick("/customers", Some(""), Some("text/csv")), (Format::Csv, "/customers", FormatSource::Accept));
    }

    #[test]
    fn an_unknown_query_format_is_an_error() {
        assert_eq!(
            negotiate("/customers", Some("xml"), None),
            Err(NegotiationError::UnknownFormat { value: "xml".into() })
        );
    }

    #[test]
    fn predefined_routes_let_the_query_win_and_ignore_accept() {
        assert_eq!(pick("/api/GetCustomers.csv", Some("json"), None).0, Format::Json);
        assert_eq!(pick("/api/GetCustomers.csv", None, None), (Format::Csv, "/api/GetCustomers", FormatSource::Suffix));
        assert_eq!(pick("/api/GetCustomers", None, Some("text/csv")).0, Format::Json);
        assert_eq!(pick("/jsv/reply/GetCustomers", None, Some("text/csv")).0, Format::Jsv);
        assert_eq!(pick("/csv/oneway/GetCustomers", Some("jsv"), None).0, Format::Jsv);
        assert_eq!(pick("/json/reply/GetCustomers", None, None).2, FormatSource::PathPrefix);
    }

    #[test]
    fn a_format_named_first_segment_without_reply_is_a_user_route() {
        assert_eq!(pick("/csv/exports", None, None).0, Format::Json);
    }

    #[test]
    fn accept_honours_q_values_and_wildcards() {
        assert_eq!(accept_format("application/jsv"), Some(Format::Jsv));
        assert_eq!(accept_format("text/jsv"), Some(Format::Jsv));
        assert_eq!(accept_format("text/csv;q=0.5, application/jsv"), Some(Format::Jsv));
        assert_eq!(accept_format("text/csv, application/jsv"), Some(Format::Csv));
        assert_eq!(accept_format("text/csv;q=0, application/xml"), None);
        assert_eq!(
            accept_format("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            Some(Format::Json)
        );
        assert_eq!(accept_format("application/json, text/plain, */*"), Some(Format::Json));
        assert_eq!(accept_format("text/html"), None);
        assert_eq!(pick("/customers", None, Some("text/html")).0, Format::Json);
    }

    #[test]
    fn content_types_are_servicestacks() {
        assert_eq!(Format::Json.content_type(), "application/json; charset=utf-8");
        assert_eq!(Format::Jsv.content_type(), "application/jsv");
        assert_eq!(Format::Csv.content_type(), "text/csv");
    }

    #[test]
    fn request_bodies_are_recognised_by_media_type() {
        assert_eq!(body_format("application/json; charset=utf-8"), Some(BodyFormat::Json));
        assert_eq!(body_format("Text/JSON"), Some(BodyFormat::Json));
        assert_eq!(body_format("text/jsv"), Some(BodyFormat::Jsv));
        assert_eq!(body_format("application/jsv"), Some(BodyFormat::Jsv));
        assert_eq!(body_format("text/csv"), Some(BodyFormat::Csv));
        assert_eq!(body_format("application/x-www-form-urlencoded"), Some(BodyFormat::FormUrlEncoded));
        assert_eq!(body_format("multipart/form-data; boundary=x"), Some(BodyFormat::Multipart));
        assert_eq!(body_format("application/xml"), None);
        assert_eq!(body_format("text/plain;charset=UTF-8"), None);
    }

    #[test]
    fn csv_downloads_are_named_after_the_operation() {
        assert_eq!(csv_content_disposition("Hello"), "attachment;filename=\"Hello.csv\"");
        assert_eq!(
            csv_content_disposition("Grüße"),
            "attachment;filename=\"Gr%C3%BC%C3%9Fe.csv\"; filename*=UTF-8''Gr%C3%BC%C3%9Fe.csv"
        );
    }
}
