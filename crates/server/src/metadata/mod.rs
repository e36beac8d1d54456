//! What the service says about itself, generated from the operation declarations and the types' `JsonSchema`
//! (their doc comments are the descriptions): `/openapi.json` (`crate::openapi`), ServiceStack's `/types/metadata`
//! and the typed client code of "Add ServiceStack Reference" (`/types/typescript` and `/types/typescript.d`,
//! [`typescript`]; `/types/python`, [`python`]; `/types/csharp`, [`csharp`]), which share [`options`] (the query's
//! options and the `Options:` header). Nothing is written per operation: a new operation or member appears
//! everywhere by construction.

pub mod csharp;
pub mod html;
pub mod model;
pub mod options;
pub mod python;
pub mod typescript;

use std::sync::OnceLock;

use schemars::{generate::SchemaSettings, JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};

use crate::api::{Operation, TypeVisitor};

/// Where a type's schema lives in the definitions (`$ref` targets).
pub const SCHEMAS: &str = "#/components/schemas/";

/// Every operation's schemas and every named type's definition, built once per process (they depend on nothing
/// but the code). Types are described as requests are read (serde's deserialize side: a member with a default
/// may be left out); responses use the same definitions.
pub struct Described {
    pub operations: Vec<(Operation, Collected)>,
    pub definitions: Map<String, Value>,
    pub error_schema: Schema,
}

pub fn described() -> &'static Described {
    static DESCRIBED: OnceLock<Described> = OnceLock::new();
    DESCRIBED.get_or_init(|| {
        let mut generator =
            SchemaSettings::draft2020_12().with(|settings| settings.definitions_path = SCHEMAS.into()).into_generator();
        let error_schema = generator.subschema_for::<crate::error::ErrorResponse>();
        let mut operations = Vec::new();
        for op in Operation::ALL {
            let mut collector = Collector { generator: &mut generator, collected: Collected::default() };
            op.visit_types(&mut collector);
            operations.push((*op, collector.collected));
        }
        Described { operations, definitions: generator.take_definitions(true), error_schema }
    })
}

/// The schemas of one operation, as its declaration hands them over.
#[derive(Default)]
pub struct Collected {
    pub request: Option<Schema>,
    pub members: Option<Schema>,
    pub response: Option<Schema>,
    /// The operation answers no body (204).
    pub no_content: bool,
}

struct Collector<'a> {
    generator: &'a mut SchemaGenerator,
    collected: Collected,
}

impl TypeVisitor for Collector<'_> {
    fn request<T: JsonSchema + 'static>(&mut self) {
        self.collected.request = Some(self.generator.subschema_for::<T>());
    }

    fn request_members<T: JsonSchema + 'static>(&mut self) {
        self.collected.members = Some(self.generator.subschema_for::<T>());
    }

    fn response<T: JsonSchema + 'static>(&mut self) {
        if std::any::TypeId::of::<T>() == std::any::TypeId::of::<()>() {
            self.collected.no_content = true;
        } else {
            self.collected.response = Some(self.generator.subschema_for::<T>());
        }
    }
}

/// `/types/metadata`: the model in the shape of ServiceStack's `MetadataTypes`, which its tools read.
pub fn metadata_types(model: &model::Model, base_url: &str) -> Value {
    use model::{Shape, TypeDef, TypeRef};
    use serde_json::json;
    fn name_of(type_ref: &TypeRef) -> (String, Vec<String>) {
        match type_ref {
            TypeRef::String => ("String".into(), vec![]),
            TypeRef::Int => ("Int32".into(), vec![]),
            TypeRef::Long => ("Int64".into(), vec![]),
            TypeRef::Double => ("Double".into(), vec![]),
            TypeRef::Bool => ("Boolean".into(), vec![]),
            TypeRef::List(inner) => ("List`1".into(), vec![name_of(inner).0]),
            TypeRef::Map(inner) => ("Dictionary`2".into(), vec!["String".into(), name_of(inner).0]),
            TypeRef::Named(name) => (name.clone(), vec![]),
            TypeRef::Any => ("Object".into(), vec![]),
        }
    }
    let metadata_type = |def: &TypeDef| -> Value {
        let mut out = json!({"name": def.name, "namespace": "Canopy"});
        if let Some(description) = &def.description {
            out["description"] = json!(description);
        }
        match &def.shape {
            Shape::Enum(values) => {
                out["isEnum"] = json!(true);
                out["enumNames"] = json!(values);
            }
            Shape::Class(properties) => {
                out["properties"] = properties
                    .iter()
                    .map(|p| {
                        let (name, generic_args) = name_of(&p.type_ref);
                        let mut property = json!({"name": p.name, "type": name, "isRequired": p.required});
                        if !generic_args.is_empty() {
                            property["genericArgs"] = json!(generic_args);
                        }
                        if let Some(description) = &p.description {
                            property["description"] = json!(description);
                        }
                        property
                    })
                    .collect();
            }
        }
        out
    };
    json!({
        "config": {"baseUrl": base_url},
        "namespaces": ["Canopy"],
        "types": model.types.iter().map(metadata_type).collect::<Vec<_>>(),
        "operations": model.operations.iter().map(|op| {
            let mut out = json!({
                "request": metadata_type(&op.request),
                "actions": op.routes.iter().map(|r| r.verb.as_str()).collect::<Vec<_>>(),
                "returnsVoid": op.response.is_none(),
                "routes": op.routes.iter().map(|r| json!({"path": r.path, "verbs": r.verb.as_str()})).collect::<Vec<_>>(),
                "requiresAuth": op.requires_auth,
                "tags": [op.operation.group()],
            });
            if let Some(response) = &op.response {
                let (name, generic_args) = name_of(response);
                out["returnType"] = json!({"name": name, "genericArgs": generic_args});
            }
            out
        }).collect::<Vec<_>>(),
    })
}
