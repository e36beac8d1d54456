//! What every "Add ServiceStack Reference" language shares: the options read from the query string and the
//! `Options:` header that opens each generated file. ServiceStack's tools update a file by reading that header back
//! and sending every option that is not commented out as a query parameter, so an option the request set is written
//! plainly and a default one behind the language's comment marker.

use std::fmt::Write;

use super::model::{Model, Shape, TypeRef};

/// The options of one request for generated code, from its query string (names compared case-insensitively).
#[derive(Debug, Clone)]
pub struct Options {
    pub base_url: String,
    pub version: String,
    pub date: String,
    /// Members end with `?` (true), or only those the server does not require (false). TypeScript only.
    pub make_properties_optional: Option<bool>,
    /// The interfaces `IReturn<T>`, `IReturnVoid`, `IGet`…, and `ResponseStatus`. TypeScript only.
    pub add_service_stack_types: Option<bool>,
    /// Doc comments from the descriptions.
    pub add_description_as_comments: Option<bool>,
    /// Only these types (and, for a request type, nothing else): exact names.
    pub include_types: Option<Vec<String>>,
    pub exclude_types: Option<Vec<String>>,
    /// Every query pair, for the options only one language reads.
    pairs: Vec<(String, String)>,
}

impl Options {
    /// Reads ServiceStack's option names (case-insensitively) from query pairs.
    pub fn from_query(pairs: &[(String, String)], base_url: String, version: String, date: String) -> Self {
        let mut options = Self {
            base_url,
            version,
            date,
            make_properties_optional: None,
            add_service_stack_types: None,
            add_description_as_comments: None,
            include_types: None,
            exclude_types: None,
            pairs: pairs.to_vec(),
        };
        options.make_properties_optional = options.flag("MakePropertiesOptional");
        options.add_service_stack_types = options.flag("AddServiceStackTypes");
        options.add_description_as_comments = options.flag("AddDescriptionAsComments");
        options.include_types = options.list("IncludeTypes");
        options.exclude_types = options.list("ExcludeTypes");
        options
    }

    /// The value the request gave an option, trimmed; `None` when it is absent or empty (ServiceStack treats an empty
    /// value as unset).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// A boolean option: `true` (any case) is true, anything else given is false.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.text(name).map(|v| v.eq_ignore_ascii_case("true"))
    }

    /// A comma-separated option; ServiceStack's `[a,b]` form is accepted too.
    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        self.text(name).map(|v| {
            v.trim_matches(|c| c == '[' || c == ']')
                .split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect()
        })
    }

    /// The options with `IncludeTypes` resolved against the model, as ServiceStack resolves it: an included operation
    /// brings its response type and every type that reaches, and `Name.*` brings the type or operation `Name` with
    /// every type it reaches (an operation: its members' types and its response). Other names are exact.
    pub fn resolved(&self, model: &Model) -> Options {
        let Some(names) = &self.include_types else { return self.clone() };
        let mut included: Vec<String> = Vec::new();
        let mut expand: Vec<TypeRef> = Vec::new();
        for name in names {
            let (name, all) = match name.strip_suffix(".*") {
                Some(name) => (name, true),
                None => (name.as_str(), false),
            };
            included.push(name.to_owned());
            match model.operations.iter().find(|o| o.request.name == name) {
                Some(op) => {
                    expand.extend(op.response.clone());
                    if let (true, Shape::Class(properties)) = (all, &op.request.shape) {
                        expand.extend(properties.iter().map(|p| p.type_ref.clone()));
                    }
                }
                None if all => expand.push(TypeRef::Named(name.to_owned())),
                None => {}
            }
        }
        let mut visited: Vec<String> = Vec::new();
        while let Some(type_ref) = expand.pop() {
            match type_ref {
                TypeRef::List(inner) | TypeRef::Map(inner) => expand.push(*inner),
                TypeRef::Named(name) if !visited.contains(&name) => {
                    if let Some(Shape::Class(properties)) =
                        model.types.iter().find(|t| t.name == name).map(|t| &t.shape)
                    {
                        expand.extend(properties.iter().map(|p| p.type_ref.clone()));
                    }
                    if !included.contains(&name) {
                        included.push(name.clone());
                    }
                    visited.push(name);
                }
                _ => {}
            }
        }
        Options { include_types: Some(included), ..self.clone() }
    }

    /// Whether a type is written, by `IncludeTypes` and `ExcludeTypes`.
    pub fn wanted(&self, name: &str) -> bool {
        let included = self.include_types.as_ref().is_none_or(|names| names.iter().any(|n| n == name));
        let excluded = self.exclude_types.as_ref().is_some_and(|names| names.iter().any(|n| n == name));
        included && !excluded
    }

    /// Doc comments are written unless `AddDescriptionAsComments=false`.
    pub fn comments(&self) -> bool {
        self.add_description_as_comments.unwrap_or(true)
    }
}

/// One option line of the header and its default.
pub enum Entry<'a> {
    /// `True`/`False`.
    Flag(&'a str, bool),
    /// A comma-separated list, empty by default.
    List(&'a str),
    /// Free text with a default (often empty).
    Text(&'a str, &'a str),
}

/// How a language opens and closes its header and comments out a default.
pub struct Style {
    pub open: &'static str,
    pub close: &'static str,
    pub comment: &'static str,
}

/// `/* Options: … */` with `//` defaults: TypeScript, C#.
pub const C_STYLE: Style = Style { open: "/* Options:", close: "*/", comment: "//" };
/// `""" Options: … """` with `#` defaults: Python.
pub const PYTHON_STYLE: Style = Style { open: "\"\"\" Options:", close: "\"\"\"", comment: "#" };

/// The header: date, version, the tip, the base URL, then one line per option (set ones plainly, defaults behind
/// the comment marker), and a blank line after it.
pub fn header(style: &Style, options: &Options, entries: &[Entry]) -> String {
    let mut out = format!(
        "{}\nDate: {}\nVersion: {}\nTip: To override a DTO option, remove \"{}\" prefix before updating\nBaseUrl: {}\n\n",
        style.open, options.date, options.version, style.comment, options.base_url
    );
    let bool_text = |v: bool| if v { "True" } else { "False" };
    for entry in entries {
        let (name, set, default) = match entry {
            Entry::Flag(name, default) => {
                (*name, options.flag(name).map(|v| bool_text(v).to_owned()), bool_text(*default).to_owned())
            }
            Entry::List(name) => (*name, options.list(name).map(|names| names.join(",")), String::new()),
            Entry::Text(name, default) => (*name, options.text(name).map(str::to_owned), (*default).to_owned()),
        };
        let _ = match set {
            Some(value) => writeln!(out, "{name}: {value}"),
            None => writeln!(out, "{}{name}: {default}", style.comment),
        };
    }
    let _ = writeln!(out, "{}\n", style.close);
    out
}

/// Options as a test asks for them: fixed base URL, version and date, so that generated text can be compared.
#[cfg(test)]
pub fn for_test(query: &[(&str, &str)]) -> Options {
    let pairs: Vec<(String, String)> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Options::from_query(&pairs, "http://canopy.test".into(), "1.0".into(), "2026-01-01 00:00:00".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::model::model;

    fn included(include: &str) -> Vec<String> {
        let pairs = vec![("IncludeTypes".to_owned(), include.to_owned())];
        let options = Options::from_query(&pairs, String::new(), String::new(), String::new());
        let mut names = options.resolved(&model()).include_types.expect("a list");
        names.sort();
        names
    }

    #[test]
    fn include_types_brings_responses_and_what_a_wildcard_reaches() {
        // A type is exact; an operation brings its response and the types that reaches.
        assert_eq!(included("Tag"), ["Tag"]);
        assert_eq!(included("ListApiKeys"), ["ApiKeyInfo", "ListApiKeys", "ListResponseOfApiKeyInfo"]);
        assert_eq!(included("RevokeApiKey"), ["RevokeApiKey"]);
        // `.*`: a type with every type it reaches; an operation with its members' types too.
        assert_eq!(included("Tag.*"), ["Tag", "TagColor"]);
        let list = included("ListCustomers.*");
        for name in ["ListCustomers", "SortOrder", "ListResponseOfCustomerInfo", "CustomerInfo", "Value", "TagColor"] {
            assert!(list.iter().any(|n| n == name), "{name} in {list:?}");
        }
        assert!(!list.iter().any(|n| n == "GetCustomer"));
    }
}
