//! Splitting a JSV object into its members' raw texts, without interpreting them: how a JSV request body
//! becomes one binding source whose values are then parsed by the type of the member they bind to (JSV carries
//! no types of its own: `1` may be a number or a string).

use super::{de::is_structural_space, Error, FieldPath, Limits, Position};

fn syntax(input: &str, offset: usize, message: &str) -> Error {
    Error::Syntax { message: message.to_owned(), position: Position::locate(input, offset), path: FieldPath::default() }
}

/// The members of the JSV object `input` as `(name, raw value text)`, in order. Quoted names are unquoted; values
/// keep their quotes (the binder unquotes strings). White space around structure is ignored, as in the
/// pretty-printed form.
pub fn split_object(input: &str, limits: Limits) -> Result<Vec<(String, String)>, Error> {
    if input.len() > limits.max_input_bytes {
        return Err(Error::TooLarge { size: input.len(), limit: limits.max_input_bytes });
    }
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let bytes = input.as_bytes();
    let mut i = skip_ws(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return Err(syntax(input, i, "a JSV body must be an object `{…}`"));
    }
    i += 1;
    let mut members = Vec::new();
    loop {
        i = skip_ws(bytes, i);
        match bytes.get(i) {
            Some(b'}') => {
                i += 1;
                break;
            }
            None => return Err(syntax(input, i, "unterminated object")),
            _ => {}
        }
        // Name: quoted, or up to the `:`.
        let (name, after_name) = if bytes.get(i) == Some(&b'"') {
            let end = end_of_quoted(bytes, i).ok_or_else(|| syntax(input, i, "unterminated quoted name"))?;
            (unquote(&input[i..end]), end)
        } else {
            let end = input[i..].find(':').map(|p| i + p).ok_or_else(|| syntax(input, i, "expected `:`"))?;
            (input[i..end].trim_matches(is_structural_space).to_owned(), end)
        };
        i = skip_ws(bytes, after_name);
        if bytes.get(i) != Some(&b':') {
            return Err(syntax(input, i, "expected `:` after a member name"));
        }
        i = skip_ws(bytes, i + 1);
        let start = i;
        i = end_of_value(input, i, limits.max_depth)?;
        members.push((name, input[start..i].trim_matches(is_structural_space).to_owned()));
        i = skip_ws(bytes, i);
        match bytes.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => {}
            _ => return Err(syntax(input, i, "expected `,` or `}`")),
        }
    }
    if skip_ws(bytes, i) != bytes.len() {
        return Err(syntax(input, i, "trailing characters after the object"));
    }
    Ok(members)
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The index just past the closing quote of the quoted string starting at `start` (`""` is an escaped quote).
fn end_of_quoted(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        match bytes.get(i)? {
            b'"' if bytes.get(i + 1) == Some(&b'"') => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

fn unquote(quoted: &str) -> String {
    quoted[1..quoted.len() - 1].replace("\"\"", "\"")
}

/// The index just past the value starting at `start`: a quoted string, a nested object or list (quotes inside
/// respected), or a scalar running to the next `,` or `}`.
fn end_of_value(input: &str, start: usize, max_depth: usize) -> Result<usize, Error> {
    let bytes = input.as_bytes();
    match bytes.get(start) {
        Some(b'"') => end_of_quoted(bytes, start).ok_or_else(|| syntax(input, start, "unterminated string")),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = start;
            while let Some(&b) = bytes.get(i) {
                match b {
                    b'"' => {
                        i = end_of_quoted(bytes, i).ok_or_else(|| syntax(input, i, "unterminated string"))?;
                        continue;
                    }
                    b'{' | b'[' => {
                        depth += 1;
                        if depth > max_depth {
                            return Err(Error::TooDeep {
                                limit: max_depth,
                                position: Position::locate(input, i),
                                path: FieldPath::default(),
                            });
                        }
                    }
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            Err(syntax(input, start, "unterminated object or list"))
        }
        _ => {
            let rest = &input[start..];
            Ok(start + rest.find([',', '}']).unwrap_or(rest.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_keep_their_raw_text_in_order() {
        let members =
            split_object(r#"{name:"a, b",tagIds:[x,y],data:{Tier:{stringValue:Gold}},page:2}"#, Limits::DEFAULT)
                .expect("splits");
        let expected =
            [("name", "\"a, b\""), ("tagIds", "[x,y]"), ("data", "{Tier:{stringValue:Gold}}"), ("page", "2")];
        assert_eq!(members.len(), expected.len());
        for ((name, raw), (en, er)) in members.iter().zip(expected) {
            assert_eq!((name.as_str(), raw.as_str()), (en, er));
        }
    }

    #[test]
    fn the_pretty_printed_form_splits_too() {
        let members =
            split_object("{\n  name: Acme,\n  tagIds:\n  [\n    a\n  ]\n}\n", Limits::DEFAULT).expect("splits");
        assert_eq!(members, [("name".into(), "Acme".into()), ("tagIds".into(), "[\n    a\n  ]".into())]);
    }

    #[test]
    fn broken_and_hostile_bodies_are_errors() {
        for bad in ["", "[1]", "{a:1", "{a:\"x}", "{a:{b:1}", "{a 1}", "{a:1} tail"] {
            assert!(split_object(bad, Limits::DEFAULT).is_err(), "{bad:?}");
        }
        let deep = format!("{{a:{}{}}}", "[".repeat(100), "]".repeat(100));
        assert!(matches!(split_object(&deep, Limits::DEFAULT), Err(Error::TooDeep { .. })));
    }
}
