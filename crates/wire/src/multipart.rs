//! `multipart/form-data` bodies, read as ServiceStack reads them: every text part is a form field, bound exactly
//! like a member of an `application/x-www-form-urlencoded` body. Canopy takes no files, so a file part (one whose
//! `Content-Disposition` has a `filename`) is refused, naming the part.
//!
//! The parsing is `multer`'s (the parser Rocket uses, kept up to date), used without its `tokio` features, so it
//! brings no runtime into this crate. multer reads a byte stream asynchronously; the server has already read the
//! whole body (within `max_body_bytes`), so here the stream is a single chunk that is always ready and every poll
//! makes progress. [`parse`] drives it with a no-op waker and a bound on the polls, so it can neither block nor
//! spin.

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Why a `multipart/form-data` body cannot be bound. Every case is the client's: answer 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The `Content-Type` header has no usable `boundary` parameter.
    #[error("the multipart/form-data Content-Type names no boundary")]
    MissingBoundary,
    /// The body is not `multipart/form-data` framed by that boundary (a part without a name included).
    #[error("the multipart/form-data body cannot be read: {0}")]
    Malformed(String),
    /// More parts than a request may carry members.
    #[error("a request may carry at most {max} members")]
    TooManyParts { max: usize },
    /// A file part, named by its part name.
    #[error("'{name}' is a file; files are not accepted, send '{name}' as a text part")]
    FilePart { name: String },
    /// A text part whose value is not UTF-8, named by its part name.
    #[error("'{name}' is not valid UTF-8")]
    NotUtf8 { name: String },
}

/// Most polls one step of the parser may take. Each poll over a fully buffered body makes progress (multer may
/// return `Pending` once between stages without registering a waker); a parser that stops progressing is a bug,
/// reported as an unreadable body rather than a hang.
const MAX_POLLS: usize = 64;

/// Runs a future whose input is all in memory to completion without a runtime.
fn complete<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    (0..MAX_POLLS).find_map(|_| match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    })
}

fn stalled() -> Error {
    Error::Malformed("the parser stopped making progress".into())
}

fn malformed(error: multer::Error) -> Error {
    Error::Malformed(error.to_string())
}

/// Whether a `Content-Disposition` value has a `filename` or `filename*` parameter, in any case. multer's
/// `file_name` sees only a lower-case `filename=`, so an RFC 5987 `filename*=UTF-8''…` alone or `FILENAME=` would
/// otherwise slip through as text. A quoted name holding `;filename=` is refused too: strict, never lenient.
fn names_a_file(content_disposition: &[u8]) -> bool {
    String::from_utf8_lossy(content_disposition).split(';').skip(1).any(|parameter| {
        let key = parameter.split('=').next().unwrap_or("").trim();
        key.eq_ignore_ascii_case("filename") || key.eq_ignore_ascii_case("filename*")
    })
}

/// The text parts of `body`, in order, as `(name, value)` pairs, given the request's whole `Content-Type` header
/// (`multipart/form-data; boundary=…`). Refuses a missing boundary, a malformed body, a file part, a value that
/// is not UTF-8, and more than `max_parts` parts (counted before any is bound).
pub fn parse(content_type: &str, body: &[u8], max_parts: usize) -> Result<Vec<(String, String)>, Error> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| Error::MissingBoundary)?;
    if boundary.is_empty() {
        return Err(Error::MissingBoundary);
    }
    let chunk = bytes::Bytes::copy_from_slice(body);
    let stream = futures_util::stream::once(std::future::ready(Ok::<_, Infallible>(chunk)));
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut pairs = Vec::new();
    while let Some(field) = complete(multipart.next_field()).ok_or_else(stalled)?.map_err(malformed)? {
        if pairs.len() == max_parts {
            return Err(Error::TooManyParts { max: max_parts });
        }
        let name = field.name().ok_or_else(|| Error::Malformed("a part has no name".into()))?.to_owned();
        if field.file_name().is_some()
            || field.headers().get("content-disposition").is_some_and(|v| names_a_file(v.as_bytes()))
        {
            return Err(Error::FilePart { name });
        }
        let value = complete(field.bytes()).ok_or_else(stalled)?.map_err(malformed)?;
        let value = String::from_utf8(value.to_vec()).map_err(|_| Error::NotUtf8 { name: name.clone() })?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE: &str = "multipart/form-data; boundary=XyZ";

    fn body(parts: &[&str]) -> Vec<u8> {
        let mut out = String::new();
        for part in parts {
            out.push_str("--XyZ\r\n");
            out.push_str(part);
            out.push_str("\r\n");
        }
        out.push_str("--XyZ--\r\n");
        out.into_bytes()
    }

    fn text(name: &str, value: &str) -> String {
        format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}")
    }

    #[test]
    fn text_parts_become_pairs_in_order() {
        let body = body(&[&text("name", "Summit Dental"), &text("tagIds", "a,b"), &text("note", "line 1\r\nline 2")]);
        assert_eq!(
            parse(TYPE, &body, 10),
            Ok(vec![
                ("name".into(), "Summit Dental".into()),
                ("tagIds".into(), "a,b".into()),
                ("note".into(), "line 1\r\nline 2".into())
            ])
        );
        // A quoted boundary, other parameters and an empty body of parts.
        let quoted = "multipart/form-data; charset=utf-8; boundary=\"XyZ\"";
        assert_eq!(parse(quoted, &body, 10).map(|p| p.len()), Ok(3));
        assert_eq!(parse(TYPE, b"--XyZ--\r\n", 10), Ok(vec![]));
    }

    #[test]
    fn a_file_part_is_refused_by_its_name() {
        let file = "Content-Disposition: form-data; name=\"logo\"; filename=\"logo.png\"\r\n\
                    Content-Type: image/png\r\n\r\n\u{1}PNG";
        assert_eq!(parse(TYPE, &body(&[&text("name", "x"), file]), 10), Err(Error::FilePart { name: "logo".into() }));
        // An empty file name is still a file input (a browser sends it for an empty file field).
        let empty = "Content-Disposition: form-data; name=\"logo\"; filename=\"\"\r\n\r\n";
        assert_eq!(parse(TYPE, &body(&[empty]), 10), Err(Error::FilePart { name: "logo".into() }));
        for disposition in ["name=\"logo\"; filename*=UTF-8''logo.png", "name=\"logo\"; FILENAME=\"logo.png\""] {
            let part = format!("Content-Disposition: form-data; {disposition}\r\n\r\nPNG");
            assert_eq!(parse(TYPE, &body(&[&part]), 10), Err(Error::FilePart { name: "logo".into() }), "{disposition}");
        }
        // A text part whose name merely contains "filename" is text.
        assert_eq!(parse(TYPE, &body(&[&text("filenames", "a")]), 10), Ok(vec![("filenames".into(), "a".into())]));
    }

    #[test]
    fn parts_past_the_limit_are_refused_before_binding() {
        let parts: Vec<String> = (0..5).map(|i| text(&format!("k{i}"), "v")).collect();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        assert_eq!(parse(TYPE, &body(&parts), 5).map(|p| p.len()), Ok(5));
        assert_eq!(parse(TYPE, &body(&parts), 4), Err(Error::TooManyParts { max: 4 }));
    }

    #[test]
    fn a_missing_boundary_and_malformed_bodies_are_errors() {
        let good = body(&[&text("name", "x")]);
        for content_type in ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary"] {
            assert_eq!(parse(content_type, &good, 10), Err(Error::MissingBoundary), "{content_type}");
        }
        let cases: [&[u8]; 7] = [
            b"name=x",
            b"--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nunterminated",
            b"--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n",
            b"--XyZ\r\nno headers at all\r\n\r\nx\r\n--XyZ--\r\n",
            b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--\r\n",
            b"--Other\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--Other--\r\n",
            b"--XyZ",
        ];
        for case in cases {
            assert!(
                matches!(parse(TYPE, case, 10), Err(Error::Malformed(_))),
                "{}: {:?}",
                String::from_utf8_lossy(case),
                parse(TYPE, case, 10)
            );
        }
    }

    #[test]
    fn a_value_that_is_not_utf8_names_its_part() {
        let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n".to_vec();
        body.extend_from_slice(&[0xff, 0xfe]);
        body.extend_from_slice(b"\r\n--XyZ--\r\n");
        assert_eq!(parse(TYPE, &body, 10), Err(Error::NotUtf8 { name: "name".into() }));
    }
}
