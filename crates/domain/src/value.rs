//! Evo Voice's dynamic data: a `Struct` maps names to `Value`s, and a `Value` carries exactly one kind.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, ValidationErrors};

/// A map of field name to value. Ordered so that responses and stored documents are deterministic.
pub type Struct = BTreeMap<String, Value>;

/// One dynamic value. On the wire every member is optional; a valid value sets exactly one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Value {
    /// A boolean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bool_value: Option<bool>,
    /// A text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_value: Option<String>,
    /// A number (finite).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "crate::number::serialize_option")]
    pub number_value: Option<f64>,
    /// A list of structs (maps of names to values), not of values: Evo Voice's own shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_value: Option<Vec<Struct>>,
    /// A map of names to values; data nests at most 16 levels deep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub struct_value: Option<Struct>,
}

/// Nesting limit for dynamic data: deep enough for any real form, shallow enough that hostile input
/// cannot exhaust the stack of anything that walks it.
pub const MAX_STRUCT_DEPTH: usize = 16;

impl Value {
    pub fn string(s: impl Into<String>) -> Self {
        Self { string_value: Some(s.into()), ..Self::default() }
    }

    pub fn number(n: f64) -> Self {
        Self { number_value: Some(n), ..Self::default() }
    }

    pub fn boolean(b: bool) -> Self {
        Self { bool_value: Some(b), ..Self::default() }
    }

    /// How many kinds this value sets; a valid value sets exactly one.
    fn kinds_set(&self) -> usize {
        [
            self.bool_value.is_some(),
            self.string_value.is_some(),
            self.number_value.is_some(),
            self.list_value.is_some(),
            self.struct_value.is_some(),
        ]
        .into_iter()
        .filter(|set| *set)
        .count()
    }
}

/// Checks that every value in `data` sets exactly one kind, numbers are finite and nesting is bounded.
pub fn validate_struct(path: &str, data: &Struct, errors: &mut ValidationErrors) {
    validate_struct_at(path, data, 1, errors);
}

fn validate_struct_at(path: &str, data: &Struct, depth: usize, errors: &mut ValidationErrors) {
    if depth > MAX_STRUCT_DEPTH {
        errors.push(FieldError::new(path, "TooDeep", format!("nesting deeper than {MAX_STRUCT_DEPTH} levels")));
        return;
    }
    for (key, value) in data {
        let field = format!("{path}.{key}");
        if key.trim().is_empty() {
            errors.push(FieldError::new(path, "InvalidKey", "data keys must not be empty"));
        }
        if value.kinds_set() != 1 {
            errors.push(FieldError::new(
                &field,
                "InvalidValue",
                "a value must set exactly one of boolValue, stringValue, numberValue, listValue, structValue",
            ));
            continue;
        }
        if let Some(n) = value.number_value {
            if !n.is_finite() {
                errors.push(FieldError::new(&field, "InvalidValue", "numberValue must be a finite number"));
            }
        }
        if let Some(list) = &value.list_value {
            for (i, item) in list.iter().enumerate() {
                validate_struct_at(&format!("{field}.listValue[{i}]"), item, depth + 1, errors);
            }
        }
        if let Some(inner) = &value.struct_value {
            validate_struct_at(&format!("{field}.structValue"), inner, depth + 1, errors);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_with_two_kinds_is_refused_with_its_path() {
        let mut data = Struct::new();
        data.insert(
            "Tier".into(),
            Value { bool_value: Some(true), string_value: Some("x".into()), ..Value::default() },
        );
        let mut errors = ValidationErrors::default();
        validate_struct("data", &data, &mut errors);
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].field, "data.Tier");
    }

    #[test]
    fn nested_values_are_checked_too() {
        let mut inner = Struct::new();
        inner.insert("n".into(), Value::number(f64::NAN));
        let mut data = Struct::new();
        data.insert("outer".into(), Value { struct_value: Some(inner), ..Value::default() });
        let mut errors = ValidationErrors::default();
        validate_struct("data", &data, &mut errors);
        assert_eq!(errors.0[0].field, "data.outer.structValue.n");
    }

    #[test]
    fn values_serialize_without_nulls() {
        let json = serde_json::to_string(&Value::string("Gold")).expect("serializes");
        assert_eq!(json, r#"{"stringValue":"Gold"}"#);
    }
}
