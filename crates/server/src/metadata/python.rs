//! `/types/python`: the DTOs as ServiceStack's "Add ServiceStack Reference" writes them for Python, for the PyPI
//! `servicestack` package's `JsonServiceClient`: `dataclasses_json` dataclasses whose snake_case members map to the
//! camelCase wire names, request classes deriving `IReturn[T]` (or `IReturnVoid`) and their verb's marker (`IGet`,
//! `IPost`, …), which is how that client picks the response type and the verb (it sends to `/json/reply/{class
//! name}`, so the class is named as the operation). The file starts with ServiceStack's `""" Options: … """` header.

use std::collections::HashSet;
use std::fmt::Write;

use super::model::{Model, Property, Shape, TypeDef, TypeRef};
use super::options::{header, Entry, Options, PYTHON_STYLE};
use super::typescript::verb_marker;

/// The imports ServiceStack's Python generator starts with (its `DefaultImports`), then its `Object` alias.
const IMPORTS: &str = "import datetime\nimport decimal\nfrom marshmallow.fields import *\nfrom servicestack import *\n\
from typing import *\nfrom dataclasses import dataclass, field\n\
from dataclasses_json import dataclass_json, LetterCase, Undefined, config\nfrom enum import Enum, IntEnum\n\
Object = TypeVar('Object')\n";

const DEFAULT_IMPORTS: &str = "datetime,decimal,marshmallow.fields:*,servicestack:*,typing:*,\
dataclasses:dataclass/field,dataclasses_json:dataclass_json/LetterCase/Undefined/config,enum:Enum/IntEnum";

const DATACLASS_JSON: &str = "letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE";

/// Python's keywords and the names the type aliases take: a member named so gets a trailing `_`.
const RESERVED: &[&str] = &[
    "and", "as", "assert", "break", "class", "continue", "def", "del", "elif", "else", "except", "False", "finally",
    "for", "from", "global", "if", "import", "in", "is", "lambda", "None", "nonlocal", "not", "or", "pass", "raise",
    "return", "True", "try", "while", "with", "yield", "str", "bool", "int", "float", "Decimal", "List", "Dict",
    "bytes",
];

/// snake_case as ServiceStack spells it: the first letter lowered, then every character that is not a lower-case
/// letter, a digit or `_` becomes `_` and its lower case (`customerId` → `customer_id`).
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        let c = if i == 0 { c.to_ascii_lowercase() } else { c };
        if c.is_ascii_digit() || c.is_lowercase() || c == '_' {
            out.push(c);
        } else {
            out.push('_');
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// An enum member's name: already upper-case names stay, others become UPPER_SNAKE (`GeekBlue` → `GEEK_BLUE`).
fn enum_member(value: &str) -> String {
    if value.contains('_') {
        value.to_uppercase()
    } else if value.chars().any(char::is_lowercase) {
        snake_case(value).to_uppercase()
    } else {
        value.to_owned()
    }
}

/// The order types are written in: each after the types its members name (Python evaluates annotations when a class
/// is defined), by name otherwise; a type still undefined where it is named (a cycle) is named in quotes.
fn dependency_order(types: &[&TypeDef]) -> Vec<usize> {
    fn visit(i: usize, types: &[&TypeDef], state: &mut [u8], out: &mut Vec<usize>) {
        if state[i] != 0 {
            return;
        }
        state[i] = 1;
        if let Shape::Class(properties) = &types[i].shape {
            let mut names = Vec::new();
            properties.iter().for_each(|p| named(&p.type_ref, &mut names));
            for name in names {
                if let Some(j) = types.iter().position(|t| t.name == name) {
                    visit(j, types, state, out);
                }
            }
        }
        state[i] = 2;
        out.push(i);
    }
    fn named(type_ref: &TypeRef, out: &mut Vec<String>) {
        match type_ref {
            TypeRef::Named(name) => out.push(name.clone()),
            TypeRef::List(inner) | TypeRef::Map(inner) => named(inner, out),
            _ => {}
        }
    }
    let mut state = vec![0u8; types.len()];
    let mut out = Vec::with_capacity(types.len());
    for i in 0..types.len() {
        visit(i, types, &mut state, &mut out);
    }
    out
}

fn py_type(type_ref: &TypeRef, defined: &HashSet<String>) -> String {
    match type_ref {
        TypeRef::String => "str".into(),
        TypeRef::Int | TypeRef::Long => "int".into(),
        TypeRef::Double => "float".into(),
        TypeRef::Bool => "bool".into(),
        TypeRef::List(inner) => format!("List[{}]", py_type(inner, defined)),
        TypeRef::Map(inner) => format!("Dict[str, {}]", py_type(inner, defined)),
        TypeRef::Named(name) if defined.contains(name) => name.clone(),
        TypeRef::Named(name) => format!("'{name}'"),
        TypeRef::Any => "Object".into(),
    }
}

fn docs(out: &mut String, indent: &str, text: Option<&str>, options: &Options) {
    let Some(text) = text.filter(|t| !t.is_empty()) else { return };
    if !options.comments() {
        return;
    }
    // One line; a backslash or a closing triple quote in the text must not end or escape the docstring.
    let text = text.replace(['\r', '\n'], " ").replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"");
    let _ = writeln!(out, "{indent}\"\"\"\n{indent}{text}\n{indent}\"\"\"");
}

/// One member, as ServiceStack types and defaults it: `Optional[T] = None` unless the server requires it; required
/// lists and maps start empty (`field(default_factory=…)`), required numbers and booleans at zero and `False`.
fn member(out: &mut String, property: &Property, defined: &HashSet<String>) {
    let py = py_type(&property.type_ref, defined);
    let (annotation, default) = match (&property.type_ref, property.required) {
        (_, false) => (format!("Optional[{py}]"), "None"),
        (TypeRef::List(_), true) => (py, "field(default_factory=list)"),
        (TypeRef::Map(_), true) => (py, "field(default_factory=dict)"),
        (TypeRef::Bool, true) => (py, "False"),
        (TypeRef::Int | TypeRef::Long, true) => (py, "0"),
        (TypeRef::Double, true) => (py, "0.0"),
        (_, true) => (format!("Optional[{py}]"), "None"),
    };
    let snake = snake_case(&property.name);
    if RESERVED.contains(&snake.as_str()) {
        // The trailing `_` keeps the name legal; the wire name stays the member's own.
        let _ = writeln!(
            out,
            "    {snake}_: {annotation} = field(metadata=config(field_name='{snake}'), default={default})"
        );
    } else {
        let _ = writeln!(out, "    {snake}: {annotation} = {default}");
    }
}

fn class(
    out: &mut String,
    name: &str,
    bases: &str,
    description: Option<&str>,
    properties: &[Property],
    options: &Options,
    defined: &HashSet<String>,
) {
    let data_class_json = options.text("DataClassJson").unwrap_or(DATACLASS_JSON);
    let _ = writeln!(out, "@dataclass_json({data_class_json})");
    match options.text("DataClass") {
        Some(args) => {
            let _ = writeln!(out, "@dataclass({args})");
        }
        None => out.push_str("@dataclass\n"),
    }
    let _ = writeln!(out, "class {name}{bases}:");
    let has_docs = options.comments() && description.is_some_and(|d| !d.is_empty());
    docs(out, "    ", description, options);
    if has_docs {
        out.push('\n');
    }
    for (i, property) in properties.iter().enumerate() {
        member(out, property, defined);
        if options.comments() && property.description.as_deref().is_some_and(|d| !d.is_empty()) {
            docs(out, "    ", property.description.as_deref(), options);
            if i + 1 < properties.len() {
                out.push('\n');
            }
        }
    }
    if properties.is_empty() {
        out.push_str("    pass\n");
    }
}

/// The whole file.
pub fn render(model: &Model, options: &Options) -> String {
    let options = &options.resolved(model);
    let mut out = header(
        &PYTHON_STYLE,
        options,
        &[
            Entry::Flag("AddDescriptionAsComments", true),
            Entry::List("IncludeTypes"),
            Entry::List("ExcludeTypes"),
            Entry::Text("DefaultImports", DEFAULT_IMPORTS),
            Entry::Text("DataClass", ""),
            Entry::Text("DataClassJson", ""),
        ],
    );
    out.push_str(IMPORTS);
    let types: Vec<&TypeDef> = model.types.iter().filter(|t| options.wanted(&t.name)).collect();
    let mut defined: HashSet<String> = HashSet::new();
    for i in dependency_order(&types) {
        let def = types[i];
        // PEP 8: two blank lines before each class.
        out.push_str("\n\n");
        match &def.shape {
            Shape::Enum(values) => {
                let _ = writeln!(out, "class {}(str, Enum):", def.name);
                docs(&mut out, "    ", def.description.as_deref(), options);
                if options.comments() && def.description.as_deref().is_some_and(|d| !d.is_empty()) {
                    out.push('\n');
                }
                for value in values {
                    let _ = writeln!(out, "    {} = '{value}'", enum_member(value));
                }
                if values.is_empty() {
                    out.push_str("    pass\n");
                }
            }
            Shape::Class(properties) => {
                class(&mut out, &def.name, "", def.description.as_deref(), properties, options, &defined)
            }
        }
        defined.insert(def.name.clone());
    }
    for op in model.operations.iter().filter(|o| options.wanted(&o.request.name)) {
        out.push_str("\n\n");
        for route in op.routes {
            let _ = writeln!(out, "# @Route(\"{}\", \"{}\")", route.path, route.verb.as_str());
        }
        let returns = match &op.response {
            Some(response) => format!("IReturn[{}]", py_type(response, &defined)),
            None => "IReturnVoid".to_owned(),
        };
        let bases = format!("({returns}, {})", verb_marker(op));
        let properties = match &op.request.shape {
            Shape::Class(properties) => properties.as_slice(),
            Shape::Enum(_) => &[],
        };
        class(&mut out, &op.request.name, &bases, op.request.description.as_deref(), properties, options, &defined);
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::model::model;

    use crate::metadata::options::for_test as options;

    #[test]
    fn names_are_spelled_as_servicestack_spells_them() {
        assert_eq!(snake_case("customerId"), "customer_id");
        assert_eq!(snake_case("parentCustomerIds"), "parent_customer_ids");
        assert_eq!(snake_case("id"), "id");
        assert_eq!(snake_case("BillingItem2x"), "billing_item2x");
        assert_eq!(enum_member("GeekBlue"), "GEEK_BLUE");
        assert_eq!(enum_member("Ascend"), "ASCEND");
        assert_eq!(enum_member("SMS"), "SMS");
    }

    #[test]
    fn the_header_is_a_docstring_with_hash_commented_defaults() {
        let query = [("IncludeTypes", "GetCustomer"), ("ExcludeTypes", "CustomerInfo"), ("DataClass", "frozen=False")];
        let text = render(&model(), &options(&query));
        assert!(text.starts_with("\"\"\" Options:\nDate: 2026-01-01 00:00:00\nVersion: 1.0\n"), "{text}");
        assert!(text.contains("\nTip: To override a DTO option, remove \"#\" prefix before updating\n"));
        assert!(text.contains("\nBaseUrl: http://canopy.test\n\n#AddDescriptionAsComments: True\n"));
        assert!(text.contains("\nIncludeTypes: GetCustomer\nExcludeTypes: CustomerInfo\n"));
        assert!(text.contains("\nDataClass: frozen=False\n#DataClassJson: \n\"\"\"\n\nimport datetime\n"));
        // A type the file does not define is named in quotes, so that the file still imports.
        assert!(text.contains("@dataclass(frozen=False)\nclass GetCustomer(IReturn['CustomerInfo'], IGet):\n"));
    }

    #[test]
    fn requests_types_and_enums_take_servicestack_s_shape() {
        let text = render(&model(), &options(&[]));
        assert!(text.contains("\n\n\nclass SortOrder(str, Enum):\n    ASCEND = 'Ascend'\n    DESCEND = 'Descend'\n"));
        assert!(text.contains("    GEEK_BLUE = 'GeekBlue'\n"));
        let patch = "# @Route(\"/customers/{customerId}\", \"PATCH\")\n\
                     @dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)\n@dataclass\n\
                     class PatchCustomer(IReturn[CustomerInfo], IPatch):\n";
        assert!(text.contains(patch), "{text}");
        assert!(text.contains("class DeleteCustomer(IReturnVoid, IDelete):\n"));
        assert!(text.contains("\n    customer_id: Optional[str] = None\n"));
        assert!(text.contains("class ListCustomers(IReturn[ListResponseOfCustomerInfo], IGet):\n"));
        // Every type is defined before a class names it unquoted.
        let mut seen = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("class ") {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
                for t in &model().types {
                    if rest.contains(&format!("[{}]", t.name)) {
                        assert!(seen.contains(&t.name), "{} names {} before it is defined", name, t.name);
                    }
                }
                seen.push(name);
            }
        }
    }

    #[test]
    fn docstrings_cannot_be_broken_by_their_text() {
        let mut out = String::new();
        docs(&mut out, "    ", Some("a \\d \"\"\"b\nc"), &options(&[]));
        assert_eq!(out, "    \"\"\"\n    a \\\\d \\\"\\\"\\\"b c\n    \"\"\"\n");
    }

    #[test]
    fn descriptions_and_exclusions_are_honoured() {
        let plain =
            render(&model(), &options(&[("AddDescriptionAsComments", "false"), ("ExcludeTypes", "GetCustomer")]));
        assert!(plain.contains("\nAddDescriptionAsComments: False\n"));
        assert!(!plain.contains("    \"\"\"\n"), "no docstrings");
        assert!(!plain.contains("class GetCustomer("));
        let described = render(&model(), &options(&[]));
        assert!(described.contains("class GetCustomer(IReturn[CustomerInfo], IGet):\n    \"\"\"\n"));
    }
}
