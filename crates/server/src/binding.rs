//! Request binding: path values, the query string, a form body and a JSON body merged into one request DTO,
//! the way ServiceStack does it on user routes (the body first, then path, query and form on top, later wins),
//! with case-insensitive keys. Text values (path, query, form) are parsed by the type of the field they bind to:
//! lists as `a,b,c` or `[a,b,c]`, booleans, numbers, enums by name, complex values as JSON text. A value that does
//! not fit its field is a 400 naming the field, whatever its source. Complex values in text are JSON (JSV there is to come).

use std::fmt;

use canopy_domain::FieldError;
use serde::{
    de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor},
    forward_to_deserialize_any,
};

use crate::error::ApiError;

/// Where a value came from; body values arrive typed, the rest as text.
#[derive(Debug, Clone)]
pub enum FieldValue {
    Json(serde_json::Value),
    Text(String),
}

/// The merged request fields, in binding order.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    entries: Vec<(String, FieldValue)>,
}

impl Fields {
    /// Sets `key`, replacing any earlier value under the same key (compared case-insensitively).
    pub fn set(&mut self, key: &str, value: FieldValue) {
        self.entries.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        self.entries.push((key.to_owned(), value));
    }

    /// Every member of a JSON object body.
    pub fn set_json_object(&mut self, object: serde_json::Map<String, serde_json::Value>) {
        for (key, value) in object {
            // JSON null binds as "absent": the member keeps its default, as ServiceStack reads it.
            if !value.is_null() {
                self.set(&key, FieldValue::Json(value));
            }
        }
    }

    /// Text pairs (query string or form body). Empty values are skipped, as ServiceStack does; repeated keys
    /// are joined with commas, so `?ids=a&ids=b` equals `?ids=a,b`.
    pub fn set_text_pairs(&mut self, pairs: Vec<(String, String)>) {
        let mut merged: Vec<(String, String)> = Vec::new();
        for (key, value) in pairs {
            if value.is_empty() {
                continue;
            }
            match merged.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&key)) {
                Some((_, existing)) => {
                    existing.push(',');
                    existing.push_str(&value);
                }
                None => merged.push((key, value)),
            }
        }
        for (key, value) in merged {
            self.set(&key, FieldValue::Text(value));
        }
    }

    pub fn get_text(&self, key: &str) -> Option<&str> {
        self.entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).and_then(|(_, v)| match v {
            FieldValue::Text(t) => Some(t.as_str()),
            FieldValue::Json(serde_json::Value::String(s)) => Some(s.as_str()),
            FieldValue::Json(_) => None,
        })
    }

    /// Builds the request DTO `T` named `dto` (for messages).
    pub fn bind<T: DeserializeOwned>(&self, dto: &str) -> Result<T, ApiError> {
        T::deserialize(FieldsDeserializer { fields: self }).map_err(|e| {
            let field = e.field.clone().unwrap_or_default();
            ApiError::Binding {
                message: format!("Unable to bind to request '{dto}'"),
                errors: vec![FieldError::new(&field, "SerializationException", e.message)],
            }
        })
    }
}

/// A binding failure, with the field it happened in once known.
#[derive(Debug)]
pub struct BindError {
    field: Option<String>,
    message: String,
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BindError {}

impl de::Error for BindError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        BindError { field: None, message: msg.to_string() }
    }
}

struct FieldsDeserializer<'a> {
    fields: &'a Fields,
}

impl<'de> de::Deserializer<'de> for FieldsDeserializer<'_> {
    type Error = BindError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, BindError> {
        self.deserialize_struct("", &[], visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        known: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, BindError> {
        visitor.visit_map(FieldsAccess { entries: self.fields.entries.iter(), known, pending: None })
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

struct FieldsAccess<'a> {
    entries: std::slice::Iter<'a, (String, FieldValue)>,
    known: &'static [&'static str],
    pending: Option<(&'static str, &'a FieldValue)>,
}

impl<'de> MapAccess<'de> for FieldsAccess<'_> {
    type Error = BindError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, BindError> {
        for (key, value) in self.entries.by_ref() {
            // Keys the DTO does not know (`format`, `callback`, …) are ignored, as ServiceStack does.
            let Some(canonical) = self.known.iter().find(|k| k.eq_ignore_ascii_case(key)) else { continue };
            self.pending = Some((canonical, value));
            return seed.deserialize(canonical.into_deserializer()).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, BindError> {
        let Some((field, value)) = self.pending.take() else {
            return Err(de::Error::custom("value requested before key"));
        };
        let result = match value {
            FieldValue::Json(json) => seed
                .deserialize(json.clone())
                .map_err(|e| BindError { field: None, message: format!("Invalid value for '{field}': {e}") }),
            FieldValue::Text(text) => seed.deserialize(TextDeserializer { text }).map_err(|e| BindError {
                field: None,
                message: format!("'{text}' is an Invalid value for '{field}': {}", e.message),
            }),
        };
        result.map_err(|mut e| {
            e.field.get_or_insert_with(|| field.to_owned());
            e
        })
    }
}

/// Reads one text value as whatever type its field asks for.
struct TextDeserializer<'a> {
    text: &'a str,
}

impl TextDeserializer<'_> {
    fn parse<T: std::str::FromStr>(&self, what: &str) -> Result<T, BindError> {
        self.text.trim().parse().map_err(|_| de::Error::custom(format!("expected {what}")))
    }
}

/// Splits a list value: `a,b,c` or `[a,b,c]`; an item holding a comma is quoted (`"a,b"`, quotes doubled inside).
pub fn split_list(text: &str) -> Vec<String> {
    let trimmed = text.trim();
    let inner = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')).unwrap_or(trimmed);
    if inner.trim().is_empty() {
        return Vec::new();
    }
    let mut items = Vec::new();
    let mut current = String::new();
    let mut chars = inner.chars().peekable();
    let mut in_quotes = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            '"' if in_quotes => in_quotes = false,
            '"' if current.trim().is_empty() => {
                current.clear();
                in_quotes = true;
            }
            ',' if !in_quotes => items.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    items.push(current);
    items.into_iter().map(|s| s.trim().to_owned()).collect()
}

fn parse_bool(text: &str) -> Option<bool> {
    // ServiceStack binds a non-nullable bool from the text before the first comma (HTML checkbox pairs).
    let first = text.split(',').next().unwrap_or("").trim();
    if first.eq_ignore_ascii_case("true") || first == "1" || first.eq_ignore_ascii_case("on") {
        Some(true)
    } else if first.eq_ignore_ascii_case("false") || first == "0" || first.eq_ignore_ascii_case("off") {
        Some(false)
    } else {
        None
    }
}

impl<'de> de::Deserializer<'de> for TextDeserializer<'_> {
    type Error = BindError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, BindError> {
        visitor.visit_string(self.text.to_owned())
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, BindError> {
        match parse_bool(self.text) {
            Some(b) => visitor.visit_bool(b),
            None => Err(de::Error::custom("expected true or false")),
        }
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, BindError> {
        visitor.visit_i32(self.parse("a whole number")?)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, BindError> {
        visitor.visit_i64(self.parse("a whole number")?)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, BindError> {
        visitor.visit_u32(self.parse("a whole number >= 0")?)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, BindError> {
        visitor.visit_u64(self.parse("a whole number >= 0")?)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, BindError> {
        let n: f64 = self.parse("a number")?;
        if !n.is_finite() {
            return Err(de::Error::custom("expected a finite number"));
        }
        visitor.visit_f64(n)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, BindError> {
        if self.text.is_empty() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, BindError> {
        let items = split_list(self.text);
        visitor.visit_seq(TextSeq { items: items.into_iter() })
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, BindError> {
        let value = parse_complex(self.text)?;
        de::Deserializer::deserialize_map(value, visitor).map_err(|e| de::Error::custom(e.to_string()))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, BindError> {
        let value = parse_complex(self.text)?;
        de::Deserializer::deserialize_struct(value, name, fields, visitor).map_err(|e| de::Error::custom(e.to_string()))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, BindError> {
        let text = self.text.trim();
        match variants.iter().find(|v| v.eq_ignore_ascii_case(text)) {
            Some(variant) => visitor.visit_enum((*variant).into_deserializer()),
            None => Err(de::Error::custom(format!("expected one of {}", variants.join(", ")))),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, BindError> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        i8 i16 i128 u8 u16 u128 f32 char str string bytes byte_buf unit unit_struct tuple tuple_struct identifier
        ignored_any
    }
}

/// A complex value (object) given as text in a query or form field. JSON for now; JSV text (which the .NET
/// client sends) needs a borrowing bridge to the JSV reader and is the wire issue's next step.
fn parse_complex(text: &str) -> Result<serde_json::Value, BindError> {
    serde_json::from_str(text.trim()).map_err(|e| de::Error::custom(format!("expected a JSON object: {e}")))
}

struct TextSeq {
    items: std::vec::IntoIter<String>,
}

impl<'de> SeqAccess<'de> for TextSeq {
    type Error = BindError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, BindError> {
        match self.items.next() {
            Some(item) => seed.deserialize(TextDeserializer { text: &item }).map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, Default, PartialEq)]
    #[serde(rename_all = "camelCase", default)]
    struct Sample {
        account_ids: Vec<String>,
        page: Option<i64>,
        all: bool,
        sort_order: Option<canopy_domain::listing::SortOrder>,
        name: Option<String>,
    }

    fn text_fields(pairs: &[(&str, &str)]) -> Fields {
        let mut fields = Fields::default();
        fields.set_text_pairs(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect());
        fields
    }

    #[test]
    fn query_values_bind_by_type_with_case_insensitive_keys() {
        let fields = text_fields(&[("AccountIds", "a,b"), ("PAGE", "2"), ("all", "True"), ("sortOrder", "descend")]);
        let sample: Sample = fields.bind("Sample").expect("binds");
        assert_eq!(sample.account_ids, ["a", "b"]);
        assert_eq!(sample.page, Some(2));
        assert!(sample.all);
        assert_eq!(sample.sort_order, Some(canopy_domain::listing::SortOrder::Descend));
    }

    #[test]
    fn lists_accept_brackets_repeats_and_quoted_commas() {
        assert_eq!(split_list("[a,b]"), ["a", "b"]);
        assert_eq!(split_list(r#""a,b",c"#), ["a,b", "c"]);
        assert!(split_list("[]").is_empty());
        let fields = text_fields(&[("accountIds", "a"), ("accountIds", "b")]);
        let sample: Sample = fields.bind("Sample").expect("binds");
        assert_eq!(sample.account_ids, ["a", "b"]);
    }

    #[test]
    fn a_bad_value_names_its_field() {
        let fields = text_fields(&[("page", "two")]);
        let Err(ApiError::Binding { errors, .. }) = fields.bind::<Sample>("Sample") else { panic!("expected error") };
        assert_eq!(errors[0].field, "page");
        assert!(errors[0].message.contains("'two' is an Invalid value for 'page'"));
    }

    #[test]
    fn later_sources_win_over_the_body() {
        let mut fields = Fields::default();
        let body = serde_json::json!({"name": "from body", "page": 1});
        if let serde_json::Value::Object(map) = body {
            fields.set_json_object(map);
        }
        fields.set_text_pairs(vec![("Name".into(), "from query".into())]);
        let sample: Sample = fields.bind("Sample").expect("binds");
        assert_eq!(sample.name.as_deref(), Some("from query"));
        assert_eq!(sample.page, Some(1));
    }

    #[test]
    fn a_json_body_value_of_the_wrong_type_names_its_field() {
        let mut fields = Fields::default();
        if let serde_json::Value::Object(map) = serde_json::json!({"page": "x"}) {
            fields.set_json_object(map);
        }
        let Err(ApiError::Binding { errors, .. }) = fields.bind::<Sample>("Sample") else { panic!("expected error") };
        assert_eq!(errors[0].field, "page");
    }
}
