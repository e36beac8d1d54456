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

#[cfg(test)]
mod tests {
    use super::*;

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
