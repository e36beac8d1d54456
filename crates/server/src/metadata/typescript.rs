//! `/types/typescript`: the DTOs as ServiceStack's "Add ServiceStack Reference" writes them for TypeScript, so
//! that `@servicestack/client`'s `JsonServiceClient` needs nothing else: each request class names its type, its
//! verb and its response (`IReturn<T>`), and its routes are noted above it. The file starts with ServiceStack's
//! `/* Options: … */` header; `typescript-ref` re-reads that header to update the file, sending the options that
//! are not commented out back as query parameters.

use std::fmt::Write;

use super::model::{Model, Property, Shape, TypeDef, TypeRef};

/// The options ServiceStack's TypeScript generator takes that Canopy honours, from the query string.
#[derive(Debug, Clone)]
pub struct Options {
    pub base_url: String,
    pub version: String,
    pub date: String,
    /// Members end with `?` (true), or only those the server does not require (false).
    pub make_properties_optional: Option<bool>,
    /// The interfaces `IReturn<T>`, `IReturnVoid`, `IGet`…, and `ResponseStatus`.
    pub add_service_stack_types: Option<bool>,
    /// Doc comments from the descriptions.
    pub add_description_as_comments: Option<bool>,
    /// Only these types (and, for a request type, nothing else): exact names.
    pub include_types: Option<Vec<String>>,
    pub exclude_types: Option<Vec<String>>,
}

impl Options {
    /// Reads ServiceStack's option names (case-insensitively) from query pairs.
    pub fn from_query(pairs: &[(String, String)], base_url: String, version: String, date: String) -> Self {
        let get = |name: &str| pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim());
        let flag = |name: &str| get(name).map(|v| v.eq_ignore_ascii_case("true"));
        let list = |name: &str| {
            get(name).filter(|v| !v.is_empty()).map(|v| {
                v.trim_matches(|c| c == '[' || c == ']')
                    .split(',')
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty())
                    .collect()
            })
        };
        Self {
            base_url,
            version,
            date,
            make_properties_optional: flag("MakePropertiesOptional"),
            add_service_stack_types: flag("AddServiceStackTypes"),
            add_description_as_comments: flag("AddDescriptionAsComments"),
            include_types: list("IncludeTypes"),
            exclude_types: list("ExcludeTypes"),
        }
    }

    fn wanted(&self, name: &str) -> bool {
        let included = self.include_types.as_ref().is_none_or(|names| names.iter().any(|n| n == name));
        let excluded = self.exclude_types.as_ref().is_some_and(|names| names.iter().any(|n| n == name));
        included && !excluded
    }
}

fn header(options: &Options) -> String {
    // A set option is written plainly; a default one commented out, as ServiceStack writes them, so that the update
    // flow sends back only what the user chose.
    let flag = |name: &str, value: Option<bool>, default: bool| match value {
        Some(v) => format!("{name}: {}\n", if v { "True" } else { "False" }),
        None => format!("//{name}: {}\n", if default { "True" } else { "False" }),
    };
    let list = |name: &str, value: &Option<Vec<String>>| match value {
        Some(names) => format!("{name}: {}\n", names.join(",")),
        None => format!("//{name}: \n"),
    };
    format!(
        "/* Options:\nDate: {}\nVersion: {}\nTip: To override a DTO option, remove \"//\" prefix before updating\n\
         BaseUrl: {}\n\n{}{}{}{}{}*/\n\n",
        options.date,
        options.version,
        options.base_url,
        flag("MakePropertiesOptional", options.make_properties_optional, true),
        flag("AddServiceStackTypes", options.add_service_stack_types, true),
        flag("AddDescriptionAsComments", options.add_description_as_comments, true),
        list("IncludeTypes", &options.include_types),
        list("ExcludeTypes", &options.exclude_types),
    )
}

const SERVICESTACK_TYPES: &str = "export interface IReturn<T>\n{\n    createResponse(): T;\n}\n\n\
export interface IReturnVoid\n{\n    createResponse(): void;\n}\n\n\
export interface IGet {}\nexport interface IPost {}\nexport interface IPatch {}\nexport interface IDelete {}\n\n\
export class ResponseError\n{\n    public errorCode?: string;\n    public fieldName?: string;\n    public message?: string;\n    \
public meta?: { [index: string]: string; };\n\n    \
public constructor(init?: Partial<ResponseError>) { (Object as any).assign(this, init); }\n}\n\n\
export class ResponseStatus\n{\n    public errorCode?: string;\n    public message?: string;\n    public stackTrace?: string;\n    \
public errors?: ResponseError[];\n    public meta?: { [index: string]: string; };\n\n    \
public constructor(init?: Partial<ResponseStatus>) { (Object as any).assign(this, init); }\n}\n\n";

fn ts_type(type_ref: &TypeRef) -> String {
    match type_ref {
        TypeRef::String => "string".into(),
        TypeRef::Int | TypeRef::Long | TypeRef::Double => "number".into(),
        TypeRef::Bool => "boolean".into(),
        TypeRef::List(inner) => format!("{}[]", ts_type(inner)),
        TypeRef::Map(inner) => format!("{{ [index: string]: {}; }}", ts_type(inner)),
        TypeRef::Named(name) => name.clone(),
        TypeRef::Any => "any".into(),
    }
}

fn comment(out: &mut String, indent: &str, text: Option<&str>, options: &Options) {
    let Some(text) = text.filter(|t| !t.is_empty()) else { return };
    if options.add_description_as_comments == Some(false) {
        return;
    }
    let text = text.replace("*/", "* /");
    let _ = writeln!(out, "{indent}/** @description {} */", text.lines().collect::<Vec<_>>().join(" "));
}

fn members(out: &mut String, properties: &[Property], options: &Options) {
    for property in properties {
        comment(out, "    ", property.description.as_deref(), options);
        let optional = options.make_properties_optional.unwrap_or(true) || !property.required;
        let _ = writeln!(
            out,
            "    public {}{}: {};",
            property.name,
            if optional { "?" } else { "" },
            ts_type(&property.type_ref)
        );
    }
}

fn write_type(out: &mut String, def: &TypeDef, options: &Options) {
    comment(out, "", def.description.as_deref(), options);
    match &def.shape {
        Shape::Enum(values) => {
            let _ = writeln!(out, "export enum {}\n{{", def.name);
            for value in values {
                let _ = writeln!(out, "    {value} = '{value}',");
            }
            out.push_str("}\n\n");
        }
        Shape::Class(properties) => {
            let _ = writeln!(out, "export class {}\n{{", def.name);
            members(out, properties, options);
            if !properties.is_empty() {
                out.push('\n');
            }
            let _ = writeln!(
                out,
                "    public constructor(init?: Partial<{}>) {{ (Object as any).assign(this, init); }}\n}}\n",
                def.name
            );
        }
    }
}

/// The whole file.
pub fn render(model: &Model, options: &Options) -> String {
    let mut out = header(options);
    if options.add_service_stack_types.unwrap_or(true) {
        out.push_str(SERVICESTACK_TYPES);
    }
    for def in model.types.iter().filter(|t| options.wanted(&t.name)) {
        write_type(&mut out, def, options);
    }
    for op in model.operations.iter().filter(|o| options.wanted(&o.request.name)) {
        let name = &op.request.name;
        let verb = op.routes.first().map(|r| r.verb.as_str()).unwrap_or("POST");
        for route in op.routes {
            let _ = writeln!(out, "// @Route(\"{}\", \"{}\")", route.path, route.verb.as_str());
        }
        comment(&mut out, "", op.request.description.as_deref(), options);
        let marker = format!("I{}{}", &verb[..1], verb[1..].to_ascii_lowercase());
        let (returns, create) = match &op.response {
            Some(response) => {
                let ts = ts_type(response);
                let create = match response {
                    TypeRef::Named(_) => format!("return new {ts}();"),
                    _ => format!("return {{}} as {ts};"),
                };
                (format!("IReturn<{ts}>"), create)
            }
            None => ("IReturnVoid".to_owned(), String::new()),
        };
        let _ = writeln!(out, "export class {name} implements {returns}, {marker}\n{{");
        if let Shape::Class(properties) = &op.request.shape {
            members(&mut out, properties, options);
            if !properties.is_empty() {
                out.push('\n');
            }
        }
        let _ = writeln!(
            out,
            "    public constructor(init?: Partial<{name}>) {{ (Object as any).assign(this, init); }}\n    \
             public getTypeName() {{ return '{name}'; }}\n    \
             public getMethod() {{ return '{verb}'; }}\n    \
             public createResponse() {{ {create} }}\n}}\n"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::model::model;

    fn options(query: &[(&str, &str)]) -> Options {
        let pairs: Vec<(String, String)> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Options::from_query(&pairs, "http://canopy.test".into(), "1.0".into(), "2026-01-01 00:00:00".into())
    }

    #[test]
    fn the_header_writes_chosen_options_plainly_and_defaults_commented_out() {
        let text = render(&model(), &options(&[("makePropertiesOptional", "false"), ("IncludeTypes", "GetCustomer")]));
        assert!(text.starts_with("/* Options:\nDate: 2026-01-01 00:00:00\nVersion: 1.0\n"));
        assert!(text.contains("\nBaseUrl: http://canopy.test\n"));
        assert!(text.contains("\nMakePropertiesOptional: False\n"));
        assert!(text.contains("\nIncludeTypes: GetCustomer\n"));
        assert!(text.contains("\n//ExcludeTypes: \n"));
    }

    #[test]
    fn request_classes_carry_their_route_verb_and_response() {
        let text = render(&model(), &options(&[]));
        assert!(text.contains("// @Route(\"/customers/{customerId}\", \"PATCH\")\n"));
        assert!(text.contains("export class PatchCustomer implements IReturn<CustomerInfo>, IPatch\n"));
        assert!(text.contains("    public getMethod() { return 'PATCH'; }\n"));
        assert!(text.contains("export class DeleteCustomer implements IReturnVoid, IDelete\n"));
        assert!(text.contains("export enum SortOrder\n{\n    Ascend = 'Ascend',\n"));
    }

    #[test]
    fn include_exclude_and_optional_members_are_honoured() {
        let only = render(&model(), &options(&[("IncludeTypes", "GetCustomer,CustomerInfo")]));
        assert!(only.contains("export class GetCustomer ") && only.contains("export class CustomerInfo\n"));
        assert!(!only.contains("export class ListCustomers "));
        let without = render(&model(), &options(&[("ExcludeTypes", "ListCustomers")]));
        assert!(!without.contains("export class ListCustomers ") && without.contains("export class GetCustomer "));
        let strict = render(&model(), &options(&[("MakePropertiesOptional", "False"), ("IncludeTypes", "Tag")]));
        assert!(strict.contains("    public id: string;\n"), "{strict}");
        assert!(strict.contains("    public color?: TagColor;\n"), "{strict}");
        let plain =
            render(&model(), &options(&[("AddServiceStackTypes", "false"), ("AddDescriptionAsComments", "false")]));
        assert!(!plain.contains("export interface IReturn<T>") && !plain.contains("@description"));
    }
}
