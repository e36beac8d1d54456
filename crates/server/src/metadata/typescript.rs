//! `/types/typescript`: the DTOs as ServiceStack's "Add ServiceStack Reference" writes them for TypeScript, so
//! that `@servicestack/client`'s `JsonServiceClient` needs nothing else: each request class names its type, its
//! verb and its response (`IReturn<T>`), and its routes are noted above it. The file starts with ServiceStack's
//! `/* Options: … */` header; `typescript-ref` re-reads that header to update the file, sending the options that
//! are not commented out back as query parameters.

use std::fmt::Write;

use super::model::{Model, Property, Shape, TypeDef, TypeRef};

pub use super::options::Options;
use super::options::{header as options_header, Entry, C_STYLE};

/// The options this generator honours, in the order ServiceStack's header lists them.
fn header(options: &Options) -> String {
    options_header(
        &C_STYLE,
        options,
        &[
            Entry::Flag("MakePropertiesOptional", true),
            Entry::Flag("AddServiceStackTypes", true),
            Entry::Flag("AddDescriptionAsComments", true),
            Entry::List("IncludeTypes"),
            Entry::List("ExcludeTypes"),
        ],
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
    if !options.comments() {
        return;
    }
    let text = text.replace("*/", "* /");
    let _ = writeln!(out, "{indent}/** @description {} */", text.lines().collect::<Vec<_>>().join(" "));
}

/// The members of a class (`modifier` "public ") or of an interface ("").
fn members(out: &mut String, properties: &[Property], options: &Options, modifier: &str) {
    for property in properties {
        comment(out, "    ", property.description.as_deref(), options);
        let optional = options.make_properties_optional.unwrap_or(true) || !property.required;
        let _ = writeln!(
            out,
            "    {modifier}{}{}: {};",
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
            members(out, properties, options, "public ");
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
    let options = &options.resolved(model);
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
        let marker = verb_marker(op);
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
            members(&mut out, properties, options, "public ");
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

const SERVICESTACK_DECLARATIONS: &str = "interface IReturn<T>\n{\n}\n\ninterface IReturnVoid\n{\n}\n\n\
interface IGet {}\ninterface IPost {}\ninterface IPatch {}\ninterface IDelete {}\n\n\
interface ResponseError\n{\n    errorCode?: string;\n    fieldName?: string;\n    message?: string;\n    \
meta?: { [index: string]: string; };\n}\n\n\
interface ResponseStatus\n{\n    errorCode?: string;\n    message?: string;\n    stackTrace?: string;\n    \
errors?: ResponseError[];\n    meta?: { [index: string]: string; };\n}\n\n";

/// `/types/typescript.d`: the same types as ambient declarations, as ServiceStack writes them when it does not
/// export them as classes: interfaces with no `public` and no code, string enums as unions of their values, request
/// interfaces extending `IReturn<T>` (or `IReturnVoid`) and their verb's marker, nothing exported and no module, so
/// that a `.d.ts` file types plain objects for any client.
pub fn render_declarations(model: &Model, options: &Options) -> String {
    let options = &options.resolved(model);
    let mut out = header(options);
    if options.add_service_stack_types.unwrap_or(true) {
        out.push_str(SERVICESTACK_DECLARATIONS);
    }
    let interface = |out: &mut String, head: String, properties: &[Property]| {
        let _ = writeln!(out, "{head}\n{{");
        members(out, properties, options, "");
        out.push_str("}\n\n");
    };
    for def in model.types.iter().filter(|t| options.wanted(&t.name)) {
        comment(&mut out, "", def.description.as_deref(), options);
        match &def.shape {
            Shape::Enum(values) => {
                let union: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
                let _ = writeln!(out, "type {} = {};\n", def.name, union.join(" | "));
            }
            Shape::Class(properties) => interface(&mut out, format!("interface {}", def.name), properties),
        }
    }
    for op in model.operations.iter().filter(|o| options.wanted(&o.request.name)) {
        for route in op.routes {
            let _ = writeln!(out, "// @Route(\"{}\", \"{}\")", route.path, route.verb.as_str());
        }
        comment(&mut out, "", op.request.description.as_deref(), options);
        let returns = match &op.response {
            Some(response) => format!("IReturn<{}>", ts_type(response)),
            None => "IReturnVoid".to_owned(),
        };
        let head = format!("interface {} extends {returns}, {}", op.request.name, verb_marker(op));
        let properties = match &op.request.shape {
            Shape::Class(properties) => properties.as_slice(),
            Shape::Enum(_) => &[],
        };
        interface(&mut out, head, properties);
    }
    out
}

/// The marker interface of an operation's verb (`IGet`, `IPost`, …): its first declared route's.
pub fn verb_marker(op: &super::model::OperationDef) -> String {
    let verb = op.routes.first().map(|r| r.verb.as_str()).unwrap_or("POST");
    format!("I{}{}", &verb[..1], verb[1..].to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::model::model;

    use crate::metadata::options::for_test as options;

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

    #[test]
    fn declarations_are_ambient_interfaces_and_unions() {
        let text =
            render_declarations(&model(), &options(&[("IncludeTypes", "PatchCustomer,DeleteCustomer,SortOrder,Tag")]));
        assert!(text.starts_with("/* Options:\nDate: 2026-01-01 00:00:00\n"));
        assert!(text.contains("\n//MakePropertiesOptional: True\n"));
        assert!(text.contains("interface IReturn<T>\n{\n}\n\ninterface IReturnVoid\n{\n}\n"));
        assert!(text.contains("\ntype SortOrder = \"Ascend\" | \"Descend\";\n"));
        let tag = "\ninterface Tag\n{\n    /** @description The tag's id, unique within the catalogue (at most 200 characters). */\n";
        assert!(text.contains(&format!("{tag}    id?: string;\n")), "{text}");
        let patch = "// @Route(\"/customers/{customerId}\", \"PATCH\")\n";
        assert!(
            text.contains(patch) && text.contains("interface PatchCustomer extends IReturn<CustomerInfo>, IPatch\n{\n")
        );
        assert!(
            text.contains(concat!(
                "interface DeleteCustomer extends IReturnVoid, IDelete\n{\n",
                "    /** @description The id of the customer to delete; it must have no children. */\n",
                "    customerId?: string;\n}\n"
            )),
            "{text}"
        );
        for line in text.lines().filter(|l| !l.trim_start().starts_with("/")) {
            for banned in ["export ", "class ", "declare ", "module ", "public ", "constructor(", "getTypeName("] {
                assert!(!line.trim_start().starts_with(banned) && !line.contains(banned), "{line}");
            }
        }
        let strict =
            render_declarations(&model(), &options(&[("MakePropertiesOptional", "false"), ("IncludeTypes", "Tag")]));
        assert!(strict.contains("\n    id: string;\n") && strict.contains("\n    color?: TagColor;\n"), "{strict}");
    }
}
