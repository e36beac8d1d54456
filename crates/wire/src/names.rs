//! ServiceStack's member-name conventions.

/// ServiceStack.Text's `ToCamelCase`: lower-case the first character, and keep lower-casing the leading run of
/// upper-case letters while the next character is upper case too (or the name ends). So `ID` → `id`,
/// `AIMinutes` → `aiMinutes`, `UUl` → `uUl`, `__type` unchanged. Use it to name a JSON/JSV member after a .NET
/// property name, e.g. in error `fieldName`s.
pub fn to_camel_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len());
    let mut leading = true;
    for (i, &c) in chars.iter().enumerate() {
        let next_upper = chars.get(i + 1).is_none_or(|n| n.is_ascii_uppercase());
        if leading && c.is_ascii_uppercase() && (next_upper || i == 0) {
            out.push(c.to_ascii_lowercase());
        } else {
            leading = false;
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_cases_like_servicestack() {
        for (name, expected) in
            [("Id", "id"), ("ID", "id"), ("AIMinutes", "aiMinutes"), ("", ""), ("customerId", "customerId")]
        {
            assert_eq!(to_camel_case(name), expected);
        }
    }
}
