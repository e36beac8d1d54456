//! A language-neutral model of the API's types, read off the JSON Schemas: what the typed-client generators and
//! `/types/metadata` write from. Only the shapes our types take are mapped (objects with properties, string enums,
//! lists, string-keyed maps, references, optional values); anything else is `Any`.

use serde_json::{Map, Value};

use super::{described, SCHEMAS};
use crate::api::{Access, Operation, Route};

/// A member's type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    String,
    Int,
    Long,
    Double,
    Bool,
    List(Box<TypeRef>),
    /// A map from string keys.
    Map(Box<TypeRef>),
    Named(String),
    Any,
}

#[derive(Debug, Clone)]
pub struct Property {
    pub name: String,
    pub type_ref: TypeRef,
    /// Must be sent (no default on the server's side).
    pub required: bool,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Shape {
    Class(Vec<Property>),
    Enum(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    pub description: Option<String>,
    pub shape: Shape,
}

/// An operation as clients see it: its request type (named as the operation, with every member it binds), what
/// it answers (`None`: nothing), its routes and whether it needs a signed-in caller.
#[derive(Debug, Clone)]
pub struct OperationDef {
    pub operation: Operation,
    pub request: TypeDef,
    pub response: Option<TypeRef>,
    pub routes: &'static [Route],
    pub requires_auth: bool,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub operations: Vec<OperationDef>,
    /// Every named type an operation's request or response reaches, in a stable order (by name).
    pub types: Vec<TypeDef>,
}

fn description(schema: &Value) -> Option<String> {
    schema.get("description").and_then(Value::as_str).map(str::to_owned)
}

/// The type a schema describes; `nullable` is whether `null` is also allowed.
pub fn type_ref(schema: &Value) -> TypeRef {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return TypeRef::Named(reference.trim_start_matches(SCHEMAS).to_owned());
    }
    if let Some(variants) = schema.get("anyOf").and_then(Value::as_array) {
        let non_null: Vec<&Value> = variants.iter().filter(|v| v.get("type") != Some(&Value::from("null"))).collect();
        if let [only] = non_null.as_slice() {
            return type_ref(only);
        }
        return TypeRef::Any;
    }
    let kind = match schema.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).find(|k| *k != "null").unwrap_or(""),
        _ => "",
    };
    match kind {
        "string" => TypeRef::String,
        "integer" => match schema.get("format").and_then(Value::as_str) {
            Some("int64" | "uint64") => TypeRef::Long,
            _ => TypeRef::Int,
        },
        "number" => TypeRef::Double,
        "boolean" => TypeRef::Bool,
        "array" => TypeRef::List(Box::new(schema.get("items").map(type_ref).unwrap_or(TypeRef::Any))),
        "object" => match schema.get("additionalProperties") {
            Some(values) if values.is_object() => TypeRef::Map(Box::new(type_ref(values))),
            _ => TypeRef::Any,
        },
        _ => TypeRef::Any,
    }
}

fn resolve<'a>(schema: &'a Value, definitions: &'a Map<String, Value>) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => definitions.get(reference.trim_start_matches(SCHEMAS)).unwrap_or(schema),
        None => schema,
    }
}

fn properties_of(schema: &Value) -> Vec<Property> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| {
            properties
                .iter()
                .map(|(name, property)| Property {
                    name: name.clone(),
                    type_ref: type_ref(property),
                    required: required.contains(&name.as_str()),
                    description: description(property),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn type_def(name: &str, schema: &Value) -> TypeDef {
    let shape = match schema.get("enum").and_then(Value::as_array) {
        Some(values) => Shape::Enum(values.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
        None => match schema.get("oneOf").and_then(Value::as_array) {
            // Enum variants with their own doc comments come as `oneOf` of constants.
            Some(variants) if variants.iter().all(|v| v.get("const").is_some() || v.get("enum").is_some()) => {
                Shape::Enum(
                    variants
                        .iter()
                        .flat_map(|v| match (v.get("const"), v.get("enum")) {
                            (Some(c), _) => vec![c.clone()],
                            (None, Some(Value::Array(values))) => values.clone(),
                            _ => Vec::new(),
                        })
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect(),
                )
            }
            _ => Shape::Class(properties_of(schema)),
        },
    };
    TypeDef { name: name.to_owned(), description: description(schema), shape }
}

fn named_in(type_ref: &TypeRef, out: &mut Vec<String>) {
    match type_ref {
        TypeRef::Named(name) => out.push(name.clone()),
        TypeRef::List(inner) | TypeRef::Map(inner) => named_in(inner, out),
        _ => {}
    }
}

/// The model of the whole API, built from the operation declarations.
pub fn model() -> Model {
    let described = described();
    let definitions = &described.definitions;
    let mut operations = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    for (op, collected) in &described.operations {
        let mut properties = Vec::new();
        for schema in [&collected.request, &collected.members].into_iter().flatten() {
            for property in properties_of(resolve(schema.as_value(), definitions)) {
                if !properties.iter().any(|p: &Property| p.name == property.name) {
                    properties.push(property);
                }
            }
        }
        properties.iter().for_each(|p| named_in(&p.type_ref, &mut pending));
        let response = collected.response.as_ref().map(|schema| type_ref(schema.as_value()));
        if let Some(response) = &response {
            named_in(response, &mut pending);
        }
        let request_description = Some(op.description());
        operations.push(OperationDef {
            operation: *op,
            request: TypeDef {
                name: op.name().to_owned(),
                description: request_description,
                shape: Shape::Class(properties),
            },
            response,
            routes: op.routes(),
            requires_auth: op.access() == Access::SignedIn,
        });
    }
    // Every type reachable from the operations, each once.
    let mut types: Vec<TypeDef> = Vec::new();
    while let Some(name) = pending.pop() {
        if types.iter().any(|t| t.name == name) {
            continue;
        }
        let Some(schema) = definitions.get(&name) else { continue };
        let def = type_def(&name, schema);
        if let Shape::Class(properties) = &def.shape {
            properties.iter().for_each(|p| named_in(&p.type_ref, &mut pending));
        }
        types.push(def);
    }
    types.sort_by(|a, b| a.name.cmp(&b.name));
    Model { operations, types }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_and_the_types_it_reaches_are_modelled() {
        let model = model();
        assert_eq!(model.operations.len(), Operation::ALL.len());
        let patch = model.operations.iter().find(|o| o.operation == Operation::PatchCustomer).expect("patch");
        let Shape::Class(members) = &patch.request.shape else { panic!("a class") };
        let names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
        assert!(names.contains(&"customerId") && names.contains(&"billingSettings"), "{names:?}");
        for name in ["CustomerInfo", "Value", "Schedule", "SortOrder", "TagColor", "BillingSettings"] {
            assert!(model.types.iter().any(|t| t.name == name), "{name} is not modelled");
        }
        let sort = model.types.iter().find(|t| t.name == "SortOrder").expect("SortOrder");
        assert!(matches!(&sort.shape, Shape::Enum(values) if values == &["Ascend", "Descend"]));
        let delete = model.operations.iter().find(|o| o.operation == Operation::DeleteCustomer).expect("delete");
        assert!(delete.response.is_none());
    }
}

#[cfg(test)]
mod descriptions {
    use super::*;

    /// Every operation, type and member the API publishes says what it is: the metadata pages, the generated
    /// clients and the OpenAPI document show these texts, and a member without one would show nothing.
    #[test]
    fn every_operation_type_and_member_has_a_description() {
        let model = model();
        let mut missing = Vec::new();
        let mut check = |owner: &str, def: &TypeDef| {
            if def.description.as_deref().unwrap_or("").trim().is_empty() && matches!(def.shape, Shape::Class(_)) {
                missing.push(owner.to_owned());
            }
            if let Shape::Class(properties) = &def.shape {
                for p in properties {
                    if p.description.as_deref().unwrap_or("").trim().is_empty() {
                        missing.push(format!("{owner}.{}", p.name));
                    }
                }
            }
        };
        for op in &model.operations {
            check(&op.request.name, &op.request);
        }
        for def in &model.types {
            check(&def.name, def);
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "{} without a description:\n{}", missing.len(), missing.join("\n"));
    }
}
