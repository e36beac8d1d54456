//! `/types/csharp`: the DTOs as ServiceStack's "Add ServiceStack Reference" writes them for C#, for ServiceStack's
//! own .NET `JsonServiceClient`: one namespace (`Canopy`), every type by name, request classes carrying their
//! `[Route]`s and implementing `IReturn<T>` (or `IReturnVoid`) and their verb's marker, members as PascalCase
//! `public virtual` properties (the client's camelCase serializer writes the wire names). The file starts with
//! ServiceStack's `/* Options: … */` header.

use std::fmt::Write;

use super::model::{Model, Property, Shape, TypeDef, TypeRef};
use super::options::{header, Entry, Options, C_STYLE};
use super::typescript::verb_marker;

/// The `using`s ServiceStack's generator starts with (its `DefaultNamespaces`).
const DEFAULT_NAMESPACES: &[&str] = &[
    "System",
    "System.IO",
    "System.Collections",
    "System.Collections.Generic",
    "System.Runtime.Serialization",
    "ServiceStack",
    "ServiceStack.DataAnnotations",
];

/// Where ServiceStack's data contracts live by default (`AddDefaultXmlNamespace`).
const XML_NAMESPACE: &str = "http://schemas.servicestack.net/types";

/// The namespace types are written in unless `GlobalNamespace` says otherwise.
pub const NAMESPACE: &str = "Canopy";

/// The options read from the request, with ServiceStack's defaults.
struct Settings {
    namespace: String,
    partial: bool,
    virtual_: bool,
    internal: bool,
    nullable_annotations: bool,
    comments: bool,
    data_contracts: bool,
    indexes: bool,
    initialize_collections: bool,
    add_namespaces: Vec<String>,
}

impl Settings {
    fn of(options: &Options) -> Self {
        let flag = |name: &str, default: bool| options.flag(name).unwrap_or(default);
        Self {
            namespace: options.text("GlobalNamespace").unwrap_or(NAMESPACE).to_owned(),
            partial: flag("MakePartial", true),
            virtual_: flag("MakeVirtual", true),
            internal: flag("MakeInternal", false),
            nullable_annotations: flag("AddNullableAnnotations", false),
            comments: options.comments(),
            data_contracts: flag("AddDataContractAttributes", false),
            indexes: flag("AddIndexesToDataMembers", false),
            initialize_collections: flag("InitializeCollections", false),
            add_namespaces: options.list("AddNamespaces").unwrap_or_default(),
        }
    }
}

/// A type as C# names it; the metadata pages show the same names, as ServiceStack's do.
pub fn cs_type(type_ref: &TypeRef) -> String {
    match type_ref {
        TypeRef::String => "string".into(),
        TypeRef::Int => "int".into(),
        TypeRef::Long => "long".into(),
        TypeRef::Double => "double".into(),
        TypeRef::Bool => "bool".into(),
        TypeRef::List(inner) => format!("List<{}>", cs_type(inner)),
        TypeRef::Map(inner) => format!("Dictionary<string, {}>", cs_type(inner)),
        TypeRef::Named(name) => name.clone(),
        TypeRef::Any => "Object".into(),
    }
}

/// A member's name in C#: its wire name with the first letter raised.
pub fn pascal_case(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A C# string literal.
fn literal(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct Writer<'a> {
    out: String,
    settings: Settings,
    model: &'a Model,
}

impl Writer<'_> {
    fn line(&mut self, indent: usize, text: &str) {
        let _ = writeln!(self.out, "{:width$}{text}", "", width = indent * 4);
    }

    fn is_enum(&self, name: &str) -> bool {
        self.model.types.iter().any(|t| t.name == name && matches!(t.shape, Shape::Enum(_)))
    }

    /// The property's type: optional numbers, booleans and enums nullable (`int?`); with `AddNullableAnnotations`
    /// every member the server does not require ends in `?` and required ones do not.
    fn property_type(&self, property: &Property) -> String {
        let base = cs_type(&property.type_ref);
        let value_type = match &property.type_ref {
            TypeRef::Int | TypeRef::Long | TypeRef::Double | TypeRef::Bool => true,
            TypeRef::Named(name) => self.is_enum(name),
            _ => false,
        };
        if self.settings.nullable_annotations {
            if property.required {
                base
            } else {
                format!("{base}?")
            }
        } else if value_type && !property.required {
            format!("{base}?")
        } else {
            base
        }
    }

    /// A description: `///<summary>` lines, or with `AddDescriptionAsComments=false` a `[Description]` attribute.
    /// Whether an attribute was written (a blank line then follows the member, as ServiceStack spaces them).
    fn describe(&mut self, indent: usize, text: Option<&str>) -> bool {
        let Some(text) = text.filter(|t| !t.is_empty()) else { return false };
        let text = text.replace(['\r', '\n'], " ");
        if self.settings.comments {
            self.line(indent, "///<summary>");
            self.line(indent, &format!("///{text}"));
            self.line(indent, "///</summary>");
            false
        } else {
            self.line(indent, &format!("[Description({})]", literal(&text)));
            true
        }
    }

    fn properties(&mut self, properties: &[Property]) {
        let virtual_ = if self.settings.virtual_ { "virtual " } else { "" };
        let mut spaced = false;
        for (i, property) in properties.iter().enumerate() {
            if spaced {
                self.out.push('\n');
            }
            spaced = self.describe(2, property.description.as_deref());
            if self.settings.data_contracts {
                let member = if self.settings.indexes {
                    format!("[DataMember(Order={})]", i + 1)
                } else {
                    "[DataMember]".into()
                };
                self.line(2, &member);
                spaced = true;
            }
            let collection = matches!(property.type_ref, TypeRef::List(_) | TypeRef::Map(_));
            let initializer = match &property.type_ref {
                _ if !collection || !(property.required || self.settings.initialize_collections) => "",
                TypeRef::Map(_) => " = new();",
                _ => " = [];",
            };
            let line = format!(
                "public {virtual_}{} {} {{ get; set; }}{initializer}",
                self.property_type(property),
                pascal_case(&property.name)
            );
            self.line(2, &line);
        }
    }

    fn type_head(&mut self, description: Option<&str>) -> &'static str {
        self.describe(1, description);
        if self.settings.data_contracts {
            self.line(1, "[DataContract]");
        }
        if self.settings.internal {
            "internal"
        } else {
            "public"
        }
    }

    fn write_type(&mut self, def: &TypeDef) {
        let access = self.type_head(def.description.as_deref());
        match &def.shape {
            Shape::Enum(values) => {
                self.line(1, &format!("{access} enum {}", def.name));
                self.line(1, "{");
                for value in values {
                    self.line(2, &format!("{value},"));
                }
                self.line(1, "}");
            }
            Shape::Class(properties) => self.class(access, &def.name, None, properties),
        }
        self.out.push('\n');
    }

    fn class(&mut self, access: &str, name: &str, implements: Option<String>, properties: &[Property]) {
        let partial = if self.settings.partial { "partial " } else { "" };
        self.line(1, &format!("{access} {partial}class {name}"));
        if let Some(implements) = implements {
            self.line(2, &format!(": {implements}"));
        }
        self.line(1, "{");
        self.properties(properties);
        self.line(1, "}");
    }
}

/// The whole file.
pub fn render(model: &Model, options: &Options) -> String {
    let options = &options.resolved(model);
    let mut out = header(
        &C_STYLE,
        options,
        &[
            Entry::Text("GlobalNamespace", ""),
            Entry::Flag("MakePartial", true),
            Entry::Flag("MakeVirtual", true),
            Entry::Flag("MakeInternal", false),
            Entry::Flag("AddNullableAnnotations", false),
            Entry::Flag("AddDescriptionAsComments", true),
            Entry::Flag("AddDataContractAttributes", false),
            Entry::Flag("AddIndexesToDataMembers", false),
            Entry::Flag("InitializeCollections", false),
            Entry::List("IncludeTypes"),
            Entry::List("ExcludeTypes"),
            Entry::List("AddNamespaces"),
        ],
    );
    let settings = Settings::of(options);
    let mut namespaces: Vec<String> = DEFAULT_NAMESPACES.iter().map(|n| (*n).to_owned()).collect();
    for namespace in settings.add_namespaces.iter().chain(std::iter::once(&settings.namespace)) {
        if !namespaces.contains(namespace) {
            namespaces.push(namespace.clone());
        }
    }
    for namespace in &namespaces {
        let _ = writeln!(out, "using {namespace};");
    }
    if settings.data_contracts {
        let _ = writeln!(
            out,
            "\n[assembly: ContractNamespace(\"{XML_NAMESPACE}\", ClrNamespace=\"{}\")]",
            settings.namespace
        );
    }
    let _ = writeln!(out, "\nnamespace {}\n{{", settings.namespace);
    let mut writer = Writer { out, settings, model };

    // Requests, responses and the types they reach, all by name, as ServiceStack orders them.
    enum Item<'a> {
        Type(&'a TypeDef),
        Request(&'a super::model::OperationDef),
    }
    let mut items: Vec<(&str, Item)> = model
        .types
        .iter()
        .filter(|t| options.wanted(&t.name))
        .map(|t| (t.name.as_str(), Item::Type(t)))
        .chain(
            model
                .operations
                .iter()
                .filter(|o| options.wanted(&o.request.name))
                .map(|o| (o.request.name.as_str(), Item::Request(o))),
        )
        .collect();
    items.sort_by(|a, b| a.0.cmp(b.0));
    for (_, item) in items {
        match item {
            Item::Type(def) => writer.write_type(def),
            Item::Request(op) => {
                writer.describe(1, op.request.description.as_deref());
                for route in op.routes {
                    writer.line(1, &format!("[Route({}, {})]", literal(route.path), literal(route.verb.as_str())));
                }
                if writer.settings.data_contracts {
                    writer.line(1, "[DataContract]");
                }
                let access = if writer.settings.internal { "internal" } else { "public" };
                let returns = match &op.response {
                    Some(response) => format!("IReturn<{}>", cs_type(response)),
                    None => "IReturnVoid".to_owned(),
                };
                let properties = match &op.request.shape {
                    Shape::Class(properties) => properties.as_slice(),
                    Shape::Enum(_) => &[],
                };
                writer.class(access, &op.request.name, Some(format!("{returns}, {}", verb_marker(op))), properties);
                writer.out.push('\n');
            }
        }
    }
    writer.out.push_str("}\n\n");
    writer.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::model::model;

    use crate::metadata::options::for_test as options;

    /// A small selection, compared whole with the committed file: the header, the usings, the namespace, a request
    /// with a route and `IReturn<T>` (which brings its response and the type that reaches), a void request, classes
    /// with optional value types, a required list and an enum member, and an enum.
    #[test]
    fn a_selection_matches_the_golden_file() {
        let text = render(
            &model(),
            &options(&[("IncludeTypes", "ListApiKeys,RevokeApiKey,CustomerBreadcrumb,Tag,TagColor,ScheduleDay")]),
        );
        let golden = include_str!("golden/csharp-selection.cs");
        if text != golden {
            for (i, (got, want)) in text.lines().zip(golden.lines()).enumerate() {
                assert_eq!(got, want, "line {}", i + 1);
            }
            assert_eq!(text.lines().count(), golden.lines().count(), "{text}");
            assert_eq!(text, golden);
        }
    }

    #[test]
    fn the_whole_output_is_well_formed() {
        let model = model();
        let text = render(&model, &options(&[]));
        assert!(text.starts_with("/* Options:\nDate: 2026-01-01 00:00:00\nVersion: 1.0\n"));
        assert!(text.contains("\n//GlobalNamespace: \n//MakePartial: True\n//MakeVirtual: True\n"));
        assert!(text.contains(
            "\nusing ServiceStack;\nusing ServiceStack.DataAnnotations;\nusing Canopy;\n\nnamespace Canopy\n{\n"
        ));
        assert!(text.ends_with("\n}\n\n"));
        assert_eq!(text.matches('{').count(), text.matches('}').count(), "balanced braces");
        // Every request and every type once, by name, in order.
        let mut declared: Vec<&str> = Vec::new();
        for line in text.lines() {
            for kind in ["public partial class ", "public enum "] {
                if let Some(name) = line.trim_start().strip_prefix(kind) {
                    declared.push(name);
                }
            }
        }
        let mut expected: Vec<&str> = model
            .types
            .iter()
            .map(|t| t.name.as_str())
            .chain(model.operations.iter().map(|o| o.request.name.as_str()))
            .collect();
        expected.sort();
        assert_eq!(declared, expected);
        for op in &model.operations {
            let name = &op.request.name;
            let returns = match &op.response {
                Some(response) => format!("IReturn<{}>", cs_type(response)),
                None => "IReturnVoid".into(),
            };
            let head = format!("    public partial class {name}\n        : {returns}, {}\n    {{\n", verb_marker(op));
            assert!(text.contains(&head), "{head}");
            for route in op.routes {
                let attribute = format!("    [Route(\"{}\", \"{}\")]\n", route.path, route.verb.as_str());
                assert!(text.contains(&attribute), "{attribute}");
            }
        }
        // Members: PascalCase, virtual, never named as their class, optional value types nullable.
        for line in text.lines().filter(|l| l.contains("{ get; set; }")) {
            let rest = line.trim_start().strip_prefix("public virtual ").expect(line);
            let name = rest.split(" { get").next().and_then(|s| s.rsplit(' ').next()).expect(line);
            assert!(name.chars().next().is_some_and(|c| c.is_ascii_uppercase()), "{line}");
        }
        for def in &model.types {
            if let Shape::Class(properties) = &def.shape {
                assert!(
                    properties.iter().all(|p| pascal_case(&p.name) != def.name),
                    "{} names a member as itself",
                    def.name
                );
            }
        }
        assert!(text.contains("        public virtual SortOrder? SortOrder { get; set; }\n"));
        assert!(text.contains("        public virtual List<string> AccountIds { get; set; }\n"));
        assert!(text.contains("        public virtual Dictionary<string, Value> "), "maps");
        assert!(!text.contains("[DataContract]") && !text.contains("[DataMember"), "off by default");
    }

    #[test]
    fn options_change_the_shape() {
        let only = &[("IncludeTypes", "Tag")];
        let contracts = render(
            &model(),
            &options(&[only[0], ("AddDataContractAttributes", "true"), ("AddIndexesToDataMembers", "true")]),
        );
        assert!(contracts.contains(
            "\n[assembly: ContractNamespace(\"http://schemas.servicestack.net/types\", ClrNamespace=\"Canopy\")]\n"
        ));
        assert!(contracts.contains("    [DataContract]\n    public partial class Tag\n"), "{contracts}");
        assert!(contracts.contains("        [DataMember(Order=1)]\n"), "{contracts}");
        let plain = render(
            &model(),
            &options(&[only[0], ("MakePartial", "false"), ("MakeVirtual", "false"), ("GlobalNamespace", "Acme.Dtos")]),
        );
        assert!(plain.contains("\nMakePartial: False\nMakeVirtual: False\n"));
        assert!(plain.contains("using Acme.Dtos;\n\nnamespace Acme.Dtos\n{\n    ///<summary>\n    ///A tag of an account's catalogue; customers of the account may carry it.\n    ///</summary>\n    public class Tag\n"), "{plain}");
        assert!(plain.contains("        public string Id { get; set; }\n"), "{plain}");
        let nullable = render(&model(), &options(&[only[0], ("AddNullableAnnotations", "true")]));
        assert!(nullable.contains("        public virtual string Id { get; set; }\n"), "{nullable}");
        assert!(nullable.contains("        public virtual TagColor? Color { get; set; }\n"), "{nullable}");
    }
}
