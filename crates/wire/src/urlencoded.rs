//! Query strings and form bodies (`application/x-www-form-urlencoded`), read strictly: a percent-escape that does
//! not decode to UTF-8 is an error naming its member, where the common decoders quietly put U+FFFD in its place
//! (and a hostile `name=%ff` would then be stored as `"\u{fffd}"`).

use percent_encoding::percent_decode;

/// A member whose key or value is not UTF-8 once decoded. Holds the member's key (lossily decoded, for the
/// message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not valid UTF-8 once percent-decoded")]
pub struct NotUtf8(pub String);

fn decode(part: &[u8]) -> Result<String, String> {
    let plus_as_space: Vec<u8> = part.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
    percent_decode(&plus_as_space)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| percent_decode(&plus_as_space).decode_utf8_lossy().into_owned())
}

/// The decoded pairs of `input`, in order (empty segments skipped, a key without `=` has an empty value).
pub fn parse(input: &[u8]) -> Result<Vec<(String, String)>, NotUtf8> {
    let mut pairs = Vec::new();
    for segment in input.split(|&b| b == b'&').filter(|s| !s.is_empty()) {
        let (key, value) = match segment.iter().position(|&b| b == b'=') {
            Some(i) => (&segment[..i], &segment[i + 1..]),
            None => (segment, &b""[..]),
        };
        let key = decode(key).map_err(NotUtf8)?;
        let value = decode(value).map_err(|_| NotUtf8(key.clone()))?;
        pairs.push((key, value));
    }
    Ok(pairs)
}

/// A path value as the router leaves it, fully decoded: routers keep the escapes of characters that would change
/// how a path splits (`%2F`, `%25`, `%2B`) so that matching sees segments as sent; the member's value is the text
/// those escapes stand for (a `referenceId` of `ZD/1234` arrives as `ZD%2F1234`). A `+` stays a `+` in a path.
pub fn decode_path_value(value: &str) -> Option<String> {
    percent_decode(value.as_bytes()).decode_utf8().ok().map(|text| text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_values_decode_the_escapes_a_router_keeps() {
        assert_eq!(decode_path_value("ZD%2F1234").as_deref(), Some("ZD/1234"));
        assert_eq!(decode_path_value("50%25+off").as_deref(), Some("50%+off"));
        assert_eq!(decode_path_value("a%2Bb").as_deref(), Some("a+b"));
        assert_eq!(decode_path_value("%ff"), None);
    }

    #[test]
    fn pairs_decode_with_plus_as_space_and_percent_escapes() {
        let pairs = parse(b"name=Summit+Dental&ids=a%2Cb&flag&&x=%C3%A9").expect("valid");
        assert_eq!(
            pairs,
            vec![
                ("name".into(), "Summit Dental".into()),
                ("ids".into(), "a,b".into()),
                ("flag".into(), String::new()),
                ("x".into(), "é".into())
            ]
        );
    }

    #[test]
    fn an_escape_that_is_not_utf8_names_its_member() {
        assert_eq!(parse(b"ok=1&name=%ff%fe"), Err(NotUtf8("name".into())));
        assert!(parse(b"%ff=1").is_err());
    }
}
