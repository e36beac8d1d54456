//! `/openapi.json`: an OpenAPI 3.1 description of every operation, generated from the operation declarations
//! (`api/operations.rs`) and the request and response types themselves (their `JsonSchema`, whose doc comments are
//! the descriptions). Nothing here is written per operation, so a new operation or member appears by construction.
//!
//! Request types are described as they are read (serde's deserialize side: a member with a default is optional),
//! responses with the same schemas. Path members are path parameters; on GET and DELETE the other members are query
//! parameters (lists comma-separated, as ServiceStack binds them); on POST and PATCH they form a JSON body (forms,
//! JSV and the `/json/reply/{Dto}` routes bind the same members, as docs/wire-format.md describes).

use std::sync::OnceLock;

use schemars::Schema;
use serde_json::{json, Map, Value};

use crate::{
    api::{Access, Operation, Verb},
    metadata::{Collected, Described, SCHEMAS},
};

/// The document, built once per process (it depends on nothing but the code).
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

fn build() -> Value {
    let Described { operations, definitions, error_schema } = crate::metadata::described();
    let mut paths = Map::new();
    for (op, collected) in operations {
        for (index, route) in op.routes().iter().enumerate() {
            let operation = describe(*op, index, route.verb, route.path, collected, definitions);
            let item = paths.entry(route.path.to_owned()).or_insert_with(|| json!({}));
            item[route.verb.as_str().to_ascii_lowercase()] = operation;
        }
    }
    let mut tags: Vec<&str> = Operation::ALL.iter().map(|op| op.group()).collect();
    tags.dedup();
    tags.sort_unstable();
    tags.dedup();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Canopy",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A hierarchy of customers (resellers with child customers, any depth deep, inside \
                nested accounts) behind a ServiceStack-compatible API. Every operation also answers at \
                /json/reply/{Operation}, /jsv/reply/{Operation} and /csv/reply/{Operation}, and in JSV or CSV \
                with ?format=jsv|csv or a .jsv/.csv suffix. Errors carry ServiceStack's responseStatus.",
        },
        "tags": tags.iter().map(|name| json!({"name": name})).collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "schemas": definitions.clone(),
            "responses": {
                "Error": {
                    "description": "The request failed: responseStatus says why (errorCode, message, and per member \
                        the fieldName, errorCode and message).",
                    "content": {"application/json": {"schema": error_schema}},
                }
            },
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic",
                    "description": "A user name and password, or an API key as the user name with no password."},
                "bearer": {"type": "http", "scheme": "bearer",
                    "description": "A bearer token from POST /auth (a JWT), or an API key (ak-…)."},
                "session": {"type": "apiKey", "in": "cookie", "name": "ss-id",
                    "description": "The session cookie POST /auth sets."},
            },
        },
    })
}

/// The names of the `{members}` a path binds.
fn path_members(path: &str) -> Vec<&str> {
    path.split('/').filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}')).collect()
}

/// The object schema a (possibly referenced) schema stands for, with its properties and required list.
fn object_of<'a>(schema: Option<&'a Schema>, definitions: &'a Map<String, Value>) -> Option<&'a Map<String, Value>> {
    let value = schema?.as_value();
    let resolved = match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => definitions.get(reference.strip_prefix(SCHEMAS)?)?,
        None => value,
    };
    resolved.as_object()
}

fn describe(
    op: Operation,
    index: usize,
    verb: Verb,
    path: &str,
    collected: &Collected,
    definitions: &Map<String, Value>,
) -> Value {
    let in_path = path_members(path);
    let mut parameters: Vec<Value> = Vec::new();
    let sources =
        [object_of(collected.request.as_ref(), definitions), object_of(collected.members.as_ref(), definitions)];
    let property = |name: &str| -> Value {
        sources
            .iter()
            .flatten()
            .find_map(|object| object.get("properties")?.get(name).cloned())
            .unwrap_or_else(|| json!({"type": "string"}))
    };
    for name in &in_path {
        parameters.push(json!({"name": name, "in": "path", "required": true, "schema": property(name)}));
    }
    let takes_body = matches!(verb, Verb::Post | Verb::Patch);
    if !takes_body {
        for object in sources.iter().flatten() {
            let required: Vec<&str> = object
                .get("required")
                .and_then(Value::as_array)
                .map(|names| names.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let Some(properties) = object.get("properties").and_then(Value::as_object) else { continue };
            for (name, schema) in properties {
                if in_path.contains(&name.as_str()) {
                    continue;
                }
                let mut parameter = json!({
                    "name": name,
                    "in": "query",
                    "required": required.contains(&name.as_str()),
                    "schema": schema,
                });
                if let Some(description) = schema.get("description") {
                    parameter["description"] = description.clone();
                }
                if schema.get("type").and_then(Value::as_str) == Some("array") {
                    // `?ids=a,b`: ServiceStack's comma-separated lists.
                    parameter["style"] = json!("form");
                    parameter["explode"] = json!(false);
                }
                parameters.push(parameter);
            }
        }
    }
    let mut operation = json!({
        "operationId": if index == 0 { op.name().to_owned() } else { format!("{}{}", op.name(), index + 1) },
        "summary": op.name(),
        "description": op.description(),
        "tags": [op.group()],
        "parameters": parameters,
        "responses": {
            "default": {"$ref": "#/components/responses/Error"},
        },
    });
    if takes_body {
        // The members of the request type (and of its second view), without those the path binds: a path value
        // wins over a body member of the same name, so the body's is never read.
        let mut properties = Map::new();
        let mut required: Vec<Value> = Vec::new();
        for object in sources.iter().flatten() {
            if let Some(members) = object.get("properties").and_then(Value::as_object) {
                for (name, schema) in members.iter().filter(|(name, _)| !in_path.contains(&name.as_str())) {
                    properties.entry(name.clone()).or_insert_with(|| schema.clone());
                }
            }
            for name in object.get("required").and_then(Value::as_array).into_iter().flatten() {
                if !in_path.iter().any(|p| Some(*p) == name.as_str()) && !required.contains(name) {
                    required.push(name.clone());
                }
            }
        }
        let schema = json!({"type": "object", "properties": properties, "required": required});
        // `null` is read as an empty request (what the Python client sends for a body-less patch).
        operation["requestBody"] = json!({
            "required": false,
            "content": {"application/json": {"schema": {"anyOf": [schema, {"type": "null"}]}}},
        });
    }
    if collected.no_content {
        operation["responses"]["204"] = json!({"description": "Done; no body."});
    } else {
        let schema = collected.response.as_ref().map(|s| s.as_value().clone()).unwrap_or_else(|| json!({}));
        operation["responses"]["200"] = json!({
            "description": "Success.",
            "content": {
                "application/json": {"schema": schema},
                "application/jsv": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        });
    }
    if op.access() == Access::SignedIn {
        operation["security"] = json!([{"basic": []}, {"bearer": []}, {"session": []}]);
    }
    operation
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_route_is_described_with_its_members() {
        let document = document();
        for op in Operation::ALL {
            for route in op.routes() {
                let described = &document["paths"][route.path][route.verb.as_str().to_ascii_lowercase()];
                assert!(described.is_object(), "{} {} is missing", route.verb.as_str(), route.path);
                assert_eq!(described["description"], op.description());
                for name in path_members(route.path) {
                    let parameters = described["parameters"].as_array().expect("parameters");
                    assert!(parameters.iter().any(|p| p["name"] == name && p["in"] == "path"), "{name}");
                }
            }
        }
        let list = &document["paths"]["/customers"]["get"]["parameters"];
        let names: Vec<&str> = list.as_array().expect("list").iter().filter_map(|p| p["name"].as_str()).collect();
        for member in ["accountIds", "nameFilter", "sortField", "sortOrder", "page", "countPerPage", "all"] {
            assert!(names.contains(&member), "ListCustomers lacks {member}: {names:?}");
        }
        let patch = &document["paths"]["/customers/{customerId}"]["patch"]["requestBody"];
        let body = &patch["content"]["application/json"]["schema"]["anyOf"][0]["properties"];
        assert!(body["billingSettings"].is_object() && body["customerId"].is_null(), "{body}");
    }

    #[test]
    fn component_names_are_valid_openapi_keys() {
        let schemas = document()["components"]["schemas"].as_object().expect("schemas");
        assert!(schemas.contains_key("CustomerInfo"));
        for name in schemas.keys() {
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')),
                "{name} is not a valid component name"
            );
        }
    }
}
