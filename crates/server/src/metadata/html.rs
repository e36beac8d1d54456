//! `/metadata`: the HTML pages ServiceStack services publish about themselves. The index lists the operations by
//! group, each with a link per format; `/{json|jsv|csv}/metadata?op=Name` shows one operation: who may call it, its
//! routes, a table of its members (where each binds, its type, whether it is required, its description), a table
//! per nested type, enum values, and a sample request and response written by the real encoders.

use std::fmt::Write;

use serde_json::{json, Map, Value};

use super::model::{Model, OperationDef, Property, Shape, TypeDef, TypeRef};
use crate::api::Verb;
use crate::negotiation::Format;

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}\
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;\
vertical-align:top}th{background:#f3f3f3}code,pre{font-family:ui-monospace,monospace}pre{background:#f7f7f7;\
padding:.8rem;overflow:auto}h2{margin-top:2rem}.muted{color:#666}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style>\
         </head><body>{body}</body></html>\n",
        escape(title)
    )
}

/// A member's type as the pages show it: C#'s names, as ServiceStack's pages show them.
fn type_name(type_ref: &TypeRef) -> String {
    super::csharp::cs_type(type_ref)
}

/// The index: operations by group, a link per format.
pub fn index(model: &Model) -> String {
    let mut groups: Vec<&str> = model.operations.iter().map(|op| op.operation.group()).collect();
    groups.sort_unstable();
    groups.dedup();
    let mut body = String::from(
        "<h1>Canopy</h1><p>The operations this service supports, by group. Each also answers at \
         <code>/json/reply/{Operation}</code>, <code>/jsv/reply/{Operation}</code> and <code>/csv/reply/{Operation}</code>. \
         Typed clients: <a href=\"/types\">/types</a>; OpenAPI: <a href=\"/openapi.json\">/openapi.json</a>.</p>",
    );
    for group in groups {
        let _ = write!(
            body,
            "<h2>{}</h2><table><tr><th>Operation</th><th>Formats</th><th>Description</th></tr>",
            escape(group)
        );
        for op in model.operations.iter().filter(|op| op.operation.group() == group) {
            let name = escape(&op.request.name);
            let _ = write!(
                body,
                "<tr><td>{name}</td><td><a href=\"/json/metadata?op={name}\">JSON</a> \
                 <a href=\"/jsv/metadata?op={name}\">JSV</a> <a href=\"/csv/metadata?op={name}\">CSV</a></td>\
                 <td>{}</td></tr>",
                escape(op.request.description.as_deref().unwrap_or(""))
            );
        }
        body.push_str("</table>");
    }
    page("Canopy metadata", &body)
}

fn bound_in(op: &OperationDef, property: &str) -> &'static str {
    let verb = op.routes.first().map(|r| r.verb).unwrap_or(Verb::Post);
    let in_path = op.routes.iter().any(|r| r.path.contains(&format!("{{{property}}}")));
    match (in_path, verb) {
        (true, _) => "path",
        (false, Verb::Get | Verb::Delete) => "query",
        (false, _) => "body or form",
    }
}

fn member_rows(out: &mut String, properties: &[Property], place: impl Fn(&str) -> Option<&'static str>) {
    out.push_str("<table><tr><th>Name</th>");
    let with_place = properties.first().is_some_and(|p| place(&p.name).is_some());
    if with_place {
        out.push_str("<th>Binds from</th>");
    }
    out.push_str("<th>Type</th><th>Required</th><th>Description</th></tr>");
    for p in properties {
        let _ = write!(out, "<tr><td><code>{}</code></td>", escape(&p.name));
        if let Some(place) = place(&p.name) {
            let _ = write!(out, "<td>{place}</td>");
        }
        let _ = write!(
            out,
            "<td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            escape(&type_name(&p.type_ref)),
            if p.required { "yes" } else { "no" },
            escape(p.description.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</table>");
}

fn named_in(type_ref: &TypeRef, out: &mut Vec<String>) {
    match type_ref {
        TypeRef::Named(name) => out.push(name.clone()),
        TypeRef::List(inner) | TypeRef::Map(inner) => named_in(inner, out),
        _ => {}
    }
}

/// The named types a request's members and its response reach, each once, in the order they are met.
fn reached<'a>(model: &'a Model, op: &OperationDef) -> Vec<&'a TypeDef> {
    let mut pending = Vec::new();
    if let Shape::Class(properties) = &op.request.shape {
        properties.iter().for_each(|p| named_in(&p.type_ref, &mut pending));
    }
    if let Some(response) = &op.response {
        named_in(response, &mut pending);
    }
    pending.reverse();
    let mut seen: Vec<&TypeDef> = Vec::new();
    while let Some(name) = pending.pop() {
        if seen.iter().any(|t| t.name == name) {
            continue;
        }
        let Some(def) = model.types.iter().find(|t| t.name == name) else { continue };
        if let Shape::Class(properties) = &def.shape {
            let mut inner = Vec::new();
            properties.iter().for_each(|p| named_in(&p.type_ref, &mut inner));
            inner.reverse();
            pending.extend(inner);
        }
        seen.push(def);
    }
    seen
}

/// A sample value of a type, as ServiceStack's pages show one: placeholders of the right shape, nested types a
/// few levels deep (types that contain themselves stop there).
fn sample(model: &Model, type_ref: &TypeRef, depth: usize) -> Value {
    match type_ref {
        TypeRef::String => json!("String"),
        TypeRef::Int | TypeRef::Long => json!(0),
        TypeRef::Double => json!(0.0),
        TypeRef::Bool => json!(false),
        TypeRef::List(inner) => {
            if depth > 3 {
                json!([])
            } else {
                json!([sample(model, inner, depth + 1)])
            }
        }
        TypeRef::Map(inner) => {
            if depth > 3 {
                json!({})
            } else {
                json!({"String": sample(model, inner, depth + 1)})
            }
        }
        TypeRef::Named(name) => match model.types.iter().find(|t| &t.name == name).map(|t| &t.shape) {
            Some(Shape::Enum(values)) => json!(values.first().cloned().unwrap_or_default()),
            Some(Shape::Class(properties)) if depth <= 3 => object(model, properties, depth + 1),
            _ => json!({}),
        },
        TypeRef::Any => json!({}),
    }
}

fn object(model: &Model, properties: &[Property], depth: usize) -> Value {
    let mut map = Map::new();
    for p in properties {
        map.insert(p.name.clone(), sample(model, &p.type_ref, depth));
    }
    Value::Object(map)
}

/// A value written by the encoder of `format` (CSV: a list's items as rows, anything else as one row).
fn encoded(value: &Value, format: Format) -> String {
    let written = match format {
        Format::Json => serde_json::to_string_pretty(value).map_err(|e| e.to_string()),
        Format::Jsv => canopy_wire::jsv::to_string(value).map_err(|e| e.to_string()),
        Format::Csv => (|| {
            let mut writer = canopy_wire::csv::CsvWriter::new(Vec::new());
            match value.get("items").and_then(Value::as_array) {
                Some(items) => {
                    for item in items {
                        writer.write_row(item).map_err(|e| e.to_string())?;
                    }
                }
                None => writer.write_row(value).map_err(|e| e.to_string())?,
            }
            let bytes = writer.finish().map_err(|e| e.to_string())?;
            String::from_utf8(bytes).map_err(|e| e.to_string())
        })(),
    };
    written.unwrap_or_else(|cause| format!("(no sample: {cause})"))
}

/// One operation's page in one format.
pub fn operation(model: &Model, op: &OperationDef, format: Format) -> String {
    let name = escape(&op.request.name);
    let format_name = match format {
        Format::Json => "json",
        Format::Jsv => "jsv",
        Format::Csv => "csv",
    };
    let mut body = format!(
        "<p><a href=\"/metadata\">&larr; all operations</a></p><h1>{name}</h1><p>{}</p><p>{}</p>",
        escape(op.request.description.as_deref().unwrap_or("")),
        if op.requires_auth {
            "Requires a signed-in user with one of the roles SystemAdministrator, Manager or Customer; what each may \
             do and reach is in the description above and in the API's documentation."
        } else {
            "Needs no sign-in."
        }
    );
    body.push_str("<h2>Routes</h2><table><tr><th>Verb</th><th>Path</th></tr>");
    for route in op.routes {
        let _ = write!(body, "<tr><td>{}</td><td><code>{}</code></td></tr>", route.verb.as_str(), escape(route.path));
    }
    let _ =
        write!(body, "<tr><td>any</td><td><code>/{format_name}/reply/{name}</code></td></tr></table><h2>Members</h2>");
    if let Shape::Class(properties) = &op.request.shape {
        member_rows(&mut body, properties, |p| Some(bound_in(op, p)));
    }
    match &op.response {
        Some(response) => {
            let _ = write!(body, "<p>Answers <code>{}</code>.</p>", escape(&type_name(response)));
        }
        None => body.push_str("<p>Answers 204 No Content.</p>"),
    }
    for def in reached(model, op) {
        let _ = write!(body, "<h3 id=\"{0}\">{0}</h3>", escape(&def.name));
        if let Some(description) = &def.description {
            let _ = write!(body, "<p class=\"muted\">{}</p>", escape(description));
        }
        match &def.shape {
            Shape::Enum(values) => {
                let _ = write!(body, "<p>One of: <code>{}</code></p>", escape(&values.join(", ")));
            }
            Shape::Class(properties) => member_rows(&mut body, properties, |_| None),
        }
    }
    let route = op.routes.first();
    let _ = write!(
        body,
        "<h2>Sample request</h2><pre>{} {}{}\n\n{}</pre>",
        route.map(|r| r.verb.as_str()).unwrap_or("POST"),
        escape(&format!("/{format_name}/reply/")),
        name,
        escape(&match &op.request.shape {
            Shape::Class(properties) => encoded(&object(model, properties, 1), format),
            Shape::Enum(_) => String::new(),
        })
    );
    let _ = write!(
        body,
        "<h2>Sample response</h2><pre>{}</pre>",
        escape(&op.response.as_ref().map(|r| encoded(&sample(model, r, 0), format)).unwrap_or_default())
    );
    page(&format!("{} ({format_name})", op.request.name), &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::model::model;

    #[test]
    fn the_index_links_every_operation_in_every_format() {
        let model = model();
        let html = index(&model);
        for op in &model.operations {
            for format in ["json", "jsv", "csv"] {
                assert!(html.contains(&format!("/{format}/metadata?op={}", op.request.name)), "{}", op.request.name);
            }
        }
    }

    #[test]
    fn an_operation_page_shows_members_types_and_samples_in_its_format() {
        let model = model();
        let op = model.operations.iter().find(|o| o.request.name == "PatchCustomer").expect("PatchCustomer");
        let html = operation(&model, op, Format::Jsv);
        assert!(html.contains("<code>customerId</code></td><td>path</td>"), "{html}");
        assert!(html.contains("<code>billingSettings</code></td><td>body or form</td>"));
        assert!(html.contains("<h3 id=\"BillingSettings\">BillingSettings</h3>"));
        assert!(html.contains("<code>/customers/{customerId}</code>"));
        // JSV, written by the JSV encoder: no quotes around names.
        assert!(html.contains("{customerId:String,"), "{html}");
        let list = model.operations.iter().find(|o| o.request.name == "ListCustomers").expect("ListCustomers");
        let csv = operation(&model, list, Format::Csv);
        assert!(csv.contains("<td><code>sortOrder</code></td><td>query</td>"));
        assert!(csv.contains("One of: <code>Ascend, Descend</code>"));
    }

    #[test]
    fn text_from_types_is_escaped() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
