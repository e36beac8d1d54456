//! Binding string key/values (path variables, query string, form fields, CSV cells) to a request DTO, the way
//! ServiceStack's `StringMapTypeDeserializer` does (`docs/wire-format.md`, "Binding"):
//!
//! * keys match the DTO's serde field names case-insensitively; unknown keys are ignored;
//! * a source's repeated keys are joined with `,` (`?ids=a&ids=b` = `?ids=a,b`); a later source replaces an
//!   earlier one (path < query < form: add them in that order); empty values are skipped;
//! * `String` members take the raw value (no JSV unquoting: `?name="x"` keeps its quotes);
//! * `bool` members take the text before the first `,` (the MVC checkbox convention) with ServiceStack's
//!   boolean spellings; everything else is read as JSV: lists as `a,b,c`, `[a,b,c]` or `"a,b",c`, objects and
//!   maps as `{k:v}`, enums by name (case-insensitive) or number.
//!
//! Every bad value is reported, not just the first, each naming its field:
//! `'<value>' is an Invalid value for '<field>'`. A bad value inside a structured member is named by its member
//! path and echoed alone (`'1.5' is an Invalid value for 'billingSettings.base.allowance'`), whether the
//! member came as JSON or as JSV text (a JSV body, a query string or a form field).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};
use thiserror::Error;

use crate::jsv::{self, Limits};

/// The `errorCode` ServiceStack gives binding failures, top-level and per field.
pub const BIND_ERROR_CODE: &str = "SerializationException";

/// One member's value as its source gave it.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// From a path, query string or form: raw text, parsed by the member's type; strings taken as they are.
    Text(String),
    /// A member of a JSV body: parsed by the member's type, with JSV quoting undone on strings.
    Jsv(String),
    /// A member of a JSON body: already typed.
    Json(serde_json::Value),
}

/// Every source's members, already merged (a later source replaces an earlier one, keys compared
/// case-insensitively).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    entries: Vec<(String, ParamValue)>,
    /// Lower-cased key → position in `entries`: merging stays linear however many keys a hostile request sends
    /// (a linear search per key made 100,000 form keys cost half a minute of CPU).
    positions: std::collections::HashMap<String, usize>,
}

impl Params {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one source's decoded pairs. Keys are compared case-insensitively; within the source repeated keys
    /// are joined with `,`; a key already set by an earlier source is replaced. Empty values are skipped.
    pub fn add_source<I, K, V>(&mut self, pairs: I)
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut source: Vec<(String, String)> = Vec::new();
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref());
            if value.is_empty() {
                continue;
            }
            match seen.get(&key.to_ascii_lowercase()) {
                Some(&i) => {
                    let joined = &mut source[i].1;
                    joined.push(',');
                    joined.push_str(value);
                }
                None => {
                    seen.insert(key.to_ascii_lowercase(), source.len());
                    source.push((key.to_owned(), value.to_owned()));
                }
            }
        }
        for (key, value) in source {
            self.set(key, ParamValue::Text(value));
        }
    }

    /// Adds the members of a JSON object body. `null` members are skipped: they mean "absent", as ServiceStack
    /// reads them.
    pub fn add_json_object(&mut self, object: serde_json::Map<String, serde_json::Value>) {
        for (key, value) in object {
            if !value.is_null() {
                self.set(key, ParamValue::Json(value));
            }
        }
    }

    /// Adds the members of a JSV object body (the compact or the pretty-printed form). Empty members are skipped.
    pub fn add_jsv_object(&mut self, body: &str, limits: Limits) -> Result<(), jsv::Error> {
        for (key, raw) in jsv::split_object(body, limits)? {
            if !raw.is_empty() {
                self.set(key, ParamValue::Jsv(raw));
            }
        }
        Ok(())
    }

    fn set(&mut self, key: String, value: ParamValue) {
        match self.positions.get(&key.to_ascii_lowercase()) {
            Some(&i) => self.entries[i] = (key, value),
            None => {
                self.positions.insert(key.to_ascii_lowercase(), self.entries.len());
                self.entries.push((key, value));
            }
        }
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.positions.get(&key.to_ascii_lowercase()).copied()
    }

    /// How many members there are (after merging).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The first member holding a NUL character anywhere in its text (a JSON value's strings and keys included),
    /// named by its path (`data.Tier`, `tagIds[2]`). No database keeps NUL in text, so such input is refused.
    pub fn find_nul(&self) -> Option<String> {
        fn in_json(path: &str, value: &serde_json::Value) -> Option<String> {
            match value {
                serde_json::Value::String(s) => s.contains('\0').then(|| path.to_owned()),
                serde_json::Value::Array(items) => {
                    items.iter().enumerate().find_map(|(i, item)| in_json(&format!("{path}[{i}]"), item))
                }
                serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
                    let inner = format!("{path}.{k}");
                    if k.contains('\0') {
                        Some(inner)
                    } else {
                        in_json(&inner, v)
                    }
                }),
                _ => None,
            }
        }
        self.entries.iter().find_map(|(key, value)| {
            if key.contains('\0') {
                return Some(key.replace('\0', "\\0"));
            }
            match value {
                ParamValue::Text(t) | ParamValue::Jsv(t) => t.contains('\0').then(|| key.clone()),
                ParamValue::Json(v) => in_json(key, v),
            }
        })
    }

    /// The text of `key` (case-insensitively), when it is text or a JSON string.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.position(key).map(|i| &self.entries[i]).and_then(|(_, v)| match v {
            ParamValue::Text(t) | ParamValue::Jsv(t) => Some(t.as_str()),
            ParamValue::Json(serde_json::Value::String(s)) => Some(s.as_str()),
            ParamValue::Json(_) => None,
        })
    }

    /// Removes `key` (case-insensitively), e.g. a reserved parameter the server consumed itself.
    pub fn remove(&mut self, key: &str) -> Option<ParamValue> {
        let i = self.position(key)?;
        let removed = self.entries.remove(i).1;
        self.positions = self.entries.iter().enumerate().map(|(i, (k, _))| (k.to_ascii_lowercase(), i)).collect();
        Some(removed)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Params {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut params = Params::new();
        params.add_source(iter);
        params
    }
}

/// One member that could not be bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The DTO's member name (its serde name), or the key as sent if it matched none.
    pub field: String,
    /// The raw value, empty for a missing member.
    pub value: String,
    /// ServiceStack's message: `'<value>' is an Invalid value for '<field>'`.
    pub message: String,
    /// Why, for logs (e.g. `'abc' is not an integer (i32)`).
    pub detail: String,
}

/// A request that could not be bound: one entry per bad member. Answer 400 with `errorCode`
/// [`BIND_ERROR_CODE`], message [`BindError::message`], and one `errors[]` entry per [`FieldError`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct BindError {
    pub errors: Vec<FieldError>,
}

impl BindError {
    /// ServiceStack's top-level message: `Unable to bind to request '<Dto>'`.
    pub fn message(&self, dto_name: &str) -> String {
        format!("Unable to bind to request '{dto_name}'")
    }
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unable to bind the request: ")?;
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{} ({})", e.message, e.detail)?;
        }
        Ok(())
    }
}

/// Binds a `T` (a struct, or a map of strings to values) from `params`.
pub fn bind<T: DeserializeOwned>(params: &Params) -> Result<T, BindError> {
    bind_with_limits(params, Limits::DEFAULT)
}

/// Most bad values reported for one request.
pub const MAX_REPORTED_ERRORS: usize = 50;

/// As [`bind`], with explicit limits for the JSV inside values.
pub fn bind_with_limits<T: DeserializeOwned>(params: &Params, limits: Limits) -> Result<T, BindError> {
    // Serde stops at the first error, but clients should hear about every bad value at once: retry without
    // each member that failed until the rest binds (or fails for a reason that is not one member's value).
    let mut excluded = vec![false; params.entries.len()];
    let mut errors = Vec::new();
    loop {
        let de = ParamsDeserializer { params, excluded: &excluded, limits };
        match T::deserialize(de) {
            Ok(value) if errors.is_empty() => return Ok(value),
            Ok(_) => return Err(BindError { errors }),
            // Every bad value is reported, up to a point: each retry reads every member again.
            Err(Failure::Value { .. }) if errors.len() >= MAX_REPORTED_ERRORS => return Err(BindError { errors }),
            Err(Failure::Value { index, error }) => {
                errors.push(error);
                match excluded.get_mut(index) {
                    Some(flag) if !*flag => *flag = true,
                    _ => return Err(BindError { errors }),
                }
            }
            Err(Failure::Missing(field)) => {
                if errors.is_empty() {
                    errors.push(FieldError {
                        field: field.to_owned(),
                        value: String::new(),
                        message: format!("'{field}' is required"),
                        detail: format!("missing field `{field}`"),
                    });
                }
                return Err(BindError { errors });
            }
            Err(failure @ (Failure::Other(_) | Failure::Jsv(_))) => {
                let detail = failure.to_string();
                errors.push(FieldError { field: String::new(), value: String::new(), message: detail.clone(), detail });
                return Err(BindError { errors });
            }
        }
    }
}

/// Parses one string value as binding would parse it into a member of type `T`, e.g. a path variable.
pub fn parse_value<T: DeserializeOwned>(field: &str, value: &str) -> Result<T, FieldError> {
    T::deserialize(ValueDeserializer { text: value, limits: Limits::DEFAULT, jsv_strings: false })
        .map_err(|e| invalid(field, value, e))
}

/// The error for `value` of member `field`. A JSV error inside the value names the member path of the bad part
/// and echoes that part alone, as JSON members do ([`invalid_json`]).
fn invalid(field: &str, value: &str, detail: Failure) -> FieldError {
    if let Failure::Jsv(e) = &detail {
        if let Some(path) = e.path().filter(|p| !p.is_empty()) {
            let part = e.position().and_then(|p| jsv_value_at(value, p.offset)).unwrap_or(value);
            return invalid_value(&member_path(field, path), part, detail.to_string());
        }
    }
    invalid_value(field, value, detail.to_string())
}

fn invalid_value(field: &str, value: &str, detail: String) -> FieldError {
    FieldError {
        field: field.to_owned(),
        value: value.to_owned(),
        message: format!("'{value}' is an Invalid value for '{field}'"),
        detail,
    }
}

/// `billingSettings` + `base.allowance` = `billingSettings.base.allowance`; `tagIds` + `[2]` = `tagIds[2]`.
fn member_path(field: &str, path: &str) -> String {
    if path.starts_with('[') {
        format!("{field}{path}")
    } else {
        format!("{field}.{path}")
    }
}

/// The error for a JSON member whose value did not bind: named by the member path of the bad part (as
/// `serde_path_to_error` tracked it, with declared member names) and echoing that part alone.
fn invalid_json(
    field: &str,
    json: &serde_json::Value,
    path: &serde_path_to_error::Path,
    error: serde_json::Error,
) -> FieldError {
    use serde_path_to_error::Segment;
    let mut inner = String::new();
    let mut part = Some(json);
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                inner.push_str(&format!("[{index}]"));
                part = part.and_then(|v| v.get(index));
            }
            Segment::Map { key } => {
                if !inner.is_empty() {
                    inner.push('.');
                }
                inner.push_str(key);
                part = part.and_then(|v| json_member(v, key));
            }
            // `{"Variant": …}`: the variant is no member, as in JSV's paths; its value is under that key.
            Segment::Enum { variant } => part = part.and_then(|v| json_member(v, variant)),
            Segment::Unknown => break,
        }
    }
    let detail = error.to_string();
    match part {
        Some(part) if !inner.is_empty() => invalid_value(&member_path(field, &inner), &part.to_string(), detail),
        _ => invalid_value(field, &json.to_string(), detail),
    }
}

/// A JSON object's member, matched as binding matches names: exactly, else ignoring ASCII case.
fn json_member<'v>(value: &'v serde_json::Value, key: &str) -> Option<&'v serde_json::Value> {
    let map = value.as_object()?;
    map.get(key).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// The JSV value that starts at `offset` of `text` (after white space): a quoted string, a `{…}` or `[…]`, or
/// the scalar up to the next `,`, `}` or `]`. `None` when the offset is not inside `text`.
fn jsv_value_at(text: &str, offset: usize) -> Option<&str> {
    let rest = text.get(offset..)?.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let bytes = rest.as_bytes();
    let end = if bytes.first() == Some(&b'"') {
        // A quoted string ends at the first quote that is not doubled (JSV's escape for a quote).
        let mut i = 1;
        loop {
            match bytes.get(i) {
                Some(b'"') if bytes.get(i + 1) == Some(&b'"') => i += 2,
                Some(b'"') => break i + 1,
                Some(_) => i += 1,
                None => break bytes.len(),
            }
        }
    } else {
        let (mut depth, mut quoted) = (0usize, false);
        let mut end = bytes.len();
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'"' => quoted = !quoted,
                _ if quoted => {}
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 1 => depth -= 1,
                b'}' | b']' if depth == 1 => {
                    end = i + 1;
                    break;
                }
                b',' | b'}' | b']' if depth == 0 => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        end
    };
    let value = rest.get(..end)?.trim_end();
    (!value.is_empty()).then_some(value)
}

/// Why a bind attempt failed.
#[derive(Debug)]
enum Failure {
    /// The value of entry `index` did not parse.
    Value {
        index: usize,
        error: FieldError,
    },
    Missing(&'static str),
    /// A JSV value that did not read; it knows the member path and the position of the bad value inside.
    Jsv(jsv::Error),
    Other(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Value { error, .. } => f.write_str(&error.detail),
            Failure::Missing(field) => write!(f, "missing field `{field}`"),
            Failure::Jsv(e) => f.write_str(&e.message()),
            Failure::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Failure {}

impl de::Error for Failure {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Failure::Other(msg.to_string())
    }

    fn missing_field(field: &'static str) -> Self {
        Failure::Missing(field)
    }
}

impl From<jsv::Error> for Failure {
    fn from(e: jsv::Error) -> Self {
        Failure::Jsv(e)
    }
}

struct ParamsDeserializer<'a> {
    params: &'a Params,
    excluded: &'a [bool],
    limits: Limits,
}

impl<'de> de::Deserializer<'de> for ParamsDeserializer<'de> {
    type Error = Failure;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        visitor.visit_map(ParamsAccess { de: self, fields: None, index: 0, current: None })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Failure> {
        visitor.visit_map(ParamsAccess { de: self, fields: Some(fields), index: 0, current: None })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Failure> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit unit_struct
        seq tuple tuple_struct enum identifier ignored_any
    }
}

struct ParamsAccess<'de> {
    de: ParamsDeserializer<'de>,
    fields: Option<&'static [&'static str]>,
    index: usize,
    /// The entry whose value comes next, and the member name it matched.
    current: Option<(usize, Cow<'de, str>)>,
}

impl<'de> de::MapAccess<'de> for ParamsAccess<'de> {
    type Error = Failure;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Failure> {
        let entries = &self.de.params.entries;
        while self.index < entries.len() && self.de.excluded.get(self.index).copied().unwrap_or(false) {
            self.index += 1;
        }
        let Some((key, _)) = entries.get(self.index) else { return Ok(None) };
        let name = match self.fields {
            Some(fields) => jsv::match_name(key, fields),
            None => Cow::Borrowed(key.as_str()),
        };
        let value = seed.deserialize(de::value::StrDeserializer::<Failure>::new(&name))?;
        self.current = Some((self.index, name));
        self.index += 1;
        Ok(Some(value))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Failure> {
        let Some((index, name)) = self.current.take() else {
            return Err(Failure::Other("a value was requested before its key".into()));
        };
        let limits = self.de.limits;
        match self.de.params.entries.get(index).map(|(_, v)| v) {
            Some(ParamValue::Json(json)) => {
                let mut track = serde_path_to_error::Track::new();
                seed.deserialize(serde_path_to_error::Deserializer::new(crate::json::CaseInsensitive(json), &mut track))
                    .map_err(|e| Failure::Value { index, error: invalid_json(&name, json, &track.path(), e) })
            }
            Some(ParamValue::Jsv(text)) => seed
                .deserialize(ValueDeserializer { text, limits, jsv_strings: true })
                .map_err(|e| Failure::Value { index, error: invalid(&name, text, e) }),
            Some(ParamValue::Text(text)) => seed
                .deserialize(ValueDeserializer { text, limits, jsv_strings: false })
                .map_err(|e| Failure::Value { index, error: invalid(&name, text, e) }),
            None => Err(Failure::Other("a value was requested past the last member".into())),
        }
    }
}

/// One string value, parsed by the target member's type.
struct ValueDeserializer<'de> {
    text: &'de str,
    limits: Limits,
    /// Whether strings are JSV (a JSV body's members: `"a, b"` means `a, b`) rather than raw query text.
    jsv_strings: bool,
}

impl<'de> ValueDeserializer<'de> {
    fn jsv(&self) -> Result<jsv::Deserializer<'de>, Failure> {
        if self.text.len() > self.limits.max_input_bytes {
            return Err(Failure::Other(format!("value longer than {} bytes", self.limits.max_input_bytes)));
        }
        Ok(jsv::Deserializer::new(self.text, self.limits))
    }
}

macro_rules! via_jsv {
    ($($method:ident),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
            let mut de = self.jsv()?;
            let value = de::Deserializer::$method(&mut de, visitor)?;
            de.end()?;
            Ok(value)
        })*
    };
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'de> {
    type Error = Failure;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        visitor.visit_borrowed_str(self.text)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        if self.jsv_strings && self.text.starts_with('"') {
            let mut de = self.jsv()?;
            let value = de::Deserializer::deserialize_string(&mut de, visitor)?;
            de.end()?;
            return Ok(value);
        }
        visitor.visit_borrowed_str(self.text)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        visitor.visit_borrowed_str(self.text)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        let first = self.text.split(',').next().unwrap_or("");
        match jsv::parse_bool(first) {
            Some(b) => visitor.visit_bool(b),
            None => Err(Failure::Other(format!("'{first}' is not a boolean"))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        if self.text.is_empty() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Failure> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Failure> {
        visitor.visit_unit()
    }

    via_jsv!(
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, Failure> {
        let mut de = self.jsv()?;
        let value = de::Deserializer::deserialize_unit_struct(&mut de, name, visitor)?;
        de.end()?;
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Failure> {
        let mut de = self.jsv()?;
        let value = de::Deserializer::deserialize_tuple(&mut de, len, visitor)?;
        de.end()?;
        Ok(value)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Failure> {
        let mut de = self.jsv()?;
        let value = de::Deserializer::deserialize_tuple_struct(&mut de, name, len, visitor)?;
        de.end()?;
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Failure> {
        let mut de = self.jsv()?;
        let value = de::Deserializer::deserialize_struct(&mut de, name, fields, visitor)?;
        de.end()?;
        Ok(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Failure> {
        let mut de = self.jsv()?;
        let value = de::Deserializer::deserialize_enum(&mut de, name, variants, visitor)?;
        de.end()?;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(rename_all = "camelCase", default)]
    struct ListCustomers {
        page: Option<i64>,
        count_per_page: Option<i64>,
        all: bool,
        name_filter: Option<String>,
        tag_ids: Option<Vec<String>>,
        sort_order: Option<SortOrder>,
        data: Option<BTreeMap<String, Value>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    enum SortOrder {
        Ascend,
        Descend,
    }

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(rename_all = "camelCase", default)]
    struct Value {
        string_value: Option<String>,
        number_value: Option<f64>,
    }

    fn bind_query(pairs: &[(&str, &str)]) -> Result<ListCustomers, BindError> {
        bind(&pairs.iter().copied().collect())
    }

    #[test]
    fn keys_are_case_insensitive_and_unknown_keys_ignored() {
        let bound = bind_query(&[("PAGE", "2"), ("CountPerPage", "10"), ("format", "json"), ("nameFilter", "Acme")])
            .expect("binds");
        assert_eq!(bound.page, Some(2));
        assert_eq!(bound.count_per_page, Some(10));
        assert_eq!(bound.name_filter.as_deref(), Some("Acme"));
    }

    #[test]
    fn lists_come_comma_separated_bracketed_quoted_or_repeated() {
        let cases: [&[(&str, &str)]; 4] = [
            &[("tagIds", "a,b,c")],
            &[("tagIds", "[a,b,c]")],
            &[("tagIds", "a"), ("tagIds", "b"), ("TAGIDS", "c")],
            &[("tagIds", "a,b"), ("tagIds", "c")],
        ];
        for pairs in cases {
            assert_eq!(bind_query(pairs).expect("binds").tag_ids, Some(vec!["a".into(), "b".into(), "c".into()]));
        }
        let bound = bind_query(&[("tagIds", "\"a,b\",c")]).expect("binds");
        assert_eq!(bound.tag_ids, Some(vec!["a,b".into(), "c".into()]));
    }

    #[test]
    fn strings_are_taken_raw() {
        let bound = bind_query(&[("nameFilter", "\"quoted, with comma\"")]).expect("binds");
        assert_eq!(bound.name_filter.as_deref(), Some("\"quoted, with comma\""));
    }

    #[test]
    fn booleans_follow_servicestack() {
        for (text, expected) in
            [("true", true), ("True", true), ("1", true), ("on", true), ("false", false), ("true,false", true)]
        {
            assert_eq!(bind_query(&[("all", text)]).expect("binds").all, expected, "{text}");
        }
        assert!(bind_query(&[("all", "yes please")]).is_err());
    }

    #[test]
    fn complex_values_are_jsv_and_enums_case_insensitive() {
        let bound =
            bind_query(&[("data", "{Tier:{stringValue:Gold},Seats:{numberValue:3}}"), ("sortOrder", "descend")])
                .expect("binds");
        let data = bound.data.expect("data");
        assert_eq!(data["Tier"].string_value.as_deref(), Some("Gold"));
        assert_eq!(data["Seats"].number_value, Some(3.0));
        assert_eq!(bound.sort_order, Some(SortOrder::Descend));
    }

    #[test]
    fn later_sources_win_and_empty_values_are_skipped() {
        let mut params = Params::new();
        params.add_source([("page", "1"), ("nameFilter", "path")]);
        params.add_source([("PAGE", "2"), ("nameFilter", "")]);
        let bound: ListCustomers = bind(&params).expect("binds");
        assert_eq!(bound.page, Some(2));
        assert_eq!(bound.name_filter.as_deref(), Some("path"));
    }

    #[test]
    fn every_bad_value_is_reported_with_its_field() {
        let err = bind_query(&[("page", "one"), ("countPerPage", "10"), ("SortOrder", "Sideways"), ("all", "x")])
            .expect_err("bad values");
        let fields: Vec<&str> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["page", "sortOrder", "all"]);
        assert_eq!(err.errors[0].message, "'one' is an Invalid value for 'page'");
        assert_eq!(err.errors[1].message, "'Sideways' is an Invalid value for 'sortOrder'");
    }

    #[test]
    fn body_members_bind_below_path_query_and_form() {
        let mut params = Params::new();
        let body = serde_json::json!({"page": 1, "NameFilter": "from body", "tagIds": ["a", "b"], "all": null});
        let serde_json::Value::Object(map) = body else { unreachable!() };
        params.add_json_object(map);
        params.add_source([("nameFilter", "from query")]);
        let bound: ListCustomers = bind(&params).expect("binds");
        assert_eq!(bound.page, Some(1));
        assert_eq!(bound.name_filter.as_deref(), Some("from query"));
        assert_eq!(bound.tag_ids, Some(vec!["a".into(), "b".into()]));
    }

    #[test]
    fn a_jsv_body_binds_by_member_type_with_strings_unquoted() {
        let mut params = Params::new();
        params
            .add_jsv_object(
                r#"{page:3,nameFilter:"a, b",tagIds:[x,y],data:{Tier:{stringValue:Gold}},all:True}"#,
                Limits::DEFAULT,
            )
            .expect("splits");
        let bound: ListCustomers = bind(&params).expect("binds");
        assert_eq!(bound.page, Some(3));
        assert_eq!(bound.name_filter.as_deref(), Some("a, b"));
        assert_eq!(bound.tag_ids, Some(vec!["x".into(), "y".into()]));
        assert!(bound.all);
        assert_eq!(bound.data.expect("data")["Tier"].string_value.as_deref(), Some("Gold"));
    }

    #[test]
    fn a_bad_json_body_member_is_named() {
        let mut params = Params::new();
        let serde_json::Value::Object(map) = serde_json::json!({"page": "x", "all": 3}) else { unreachable!() };
        params.add_json_object(map);
        let err = bind::<ListCustomers>(&params).expect_err("bad values");
        let fields: Vec<&str> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["page", "all"]);
    }

    #[derive(Debug, Deserialize, Default)]
    #[serde(rename_all = "camelCase", default)]
    #[allow(dead_code)]
    struct Patch {
        billing_settings: Option<Billing>,
        rules: Option<Vec<Rule>>,
    }

    #[derive(Debug, Deserialize, Default)]
    #[serde(rename_all = "camelCase", default)]
    #[allow(dead_code)]
    struct Billing {
        base: Option<Item>,
    }

    #[derive(Debug, Deserialize, Default)]
    #[serde(rename_all = "camelCase", default)]
    #[allow(dead_code)]
    struct Item {
        allowance: i64,
        unit_cost: f64,
    }

    #[derive(Debug, Deserialize, Default)]
    #[serde(rename_all = "camelCase", default)]
    #[allow(dead_code)]
    struct Rule {
        priority: i32,
        sort_order: Option<SortOrder>,
    }

    fn first_error(params: &Params) -> (String, String) {
        let err = bind::<Patch>(params).expect_err("bad value");
        (err.errors[0].field.clone(), err.errors[0].message.clone())
    }

    #[test]
    fn a_bad_value_inside_a_member_is_named_by_its_path_in_every_format() {
        let expected = (
            "billingSettings.base.allowance".to_owned(),
            "'1.5' is an Invalid value for 'billingSettings.base.allowance'".to_owned(),
        );
        let mut json = Params::new();
        let serde_json::Value::Object(map) = serde_json::json!({"BillingSettings": {"Base": {"allowance": 1.5}}})
        else {
            unreachable!()
        };
        json.add_json_object(map);
        assert_eq!(first_error(&json), expected);

        let mut jsv = Params::new();
        jsv.add_jsv_object("{billingSettings:{base:{unitCost:2,allowance:1.5}}}", Limits::DEFAULT).expect("splits");
        assert_eq!(first_error(&jsv), expected);

        // A form field (or query value) holding JSV or JSON text.
        for text in ["{base:{allowance:1.5}}", r#"{"base":{"allowance":1.5}}"#, "{ base : { allowance : 1.5 } }"] {
            let form: Params = [("billingSettings", text)].into_iter().collect();
            assert_eq!(first_error(&form), expected, "{text}");
        }
    }

    #[test]
    fn paths_name_list_items_and_echo_only_the_bad_part() {
        let mut json = Params::new();
        let serde_json::Value::Object(map) =
            serde_json::json!({"rules": [{"priority": 1}, {"priority": 2, "sortOrder": "Sideways"}]})
        else {
            unreachable!()
        };
        json.add_json_object(map);
        assert_eq!(
            first_error(&json),
            ("rules[1].sortOrder".to_owned(), "'\"Sideways\"' is an Invalid value for 'rules[1].sortOrder'".to_owned())
        );
        let form: Params = [("rules", "[{priority:1},{priority:\"x, y\"}]")].into_iter().collect();
        assert_eq!(
            first_error(&form),
            ("rules[1].priority".to_owned(), "'\"x, y\"' is an Invalid value for 'rules[1].priority'".to_owned())
        );
        // A bad value of the member itself still names the member.
        let form: Params = [("billingSettings", "nonsense")].into_iter().collect();
        assert_eq!(first_error(&form).0, "billingSettings");
        let mut json = Params::new();
        let serde_json::Value::Object(map) = serde_json::json!({"billingSettings": 3}) else { unreachable!() };
        json.add_json_object(map);
        assert_eq!(
            first_error(&json),
            ("billingSettings".to_owned(), "'3' is an Invalid value for 'billingSettings'".to_owned())
        );
    }

    #[test]
    fn enums_bind_by_any_case_or_number_in_every_format() {
        let mut json = Params::new();
        let serde_json::Value::Object(map) = serde_json::json!({"sortOrder": "descend"}) else { unreachable!() };
        json.add_json_object(map);
        assert_eq!(bind::<ListCustomers>(&json).expect("binds").sort_order, Some(SortOrder::Descend));
        let mut json = Params::new();
        let serde_json::Value::Object(map) = serde_json::json!({"sortOrder": 1}) else { unreachable!() };
        json.add_json_object(map);
        assert_eq!(bind::<ListCustomers>(&json).expect("binds").sort_order, Some(SortOrder::Descend));
        for body in ["{sortOrder:DESCEND}", "{sortOrder:1}", "{sortOrder:\"descend\"}"] {
            let mut jsv = Params::new();
            jsv.add_jsv_object(body, Limits::DEFAULT).expect("splits");
            assert_eq!(bind::<ListCustomers>(&jsv).expect(body).sort_order, Some(SortOrder::Descend), "{body}");
        }
        for text in ["descend", "1"] {
            assert_eq!(bind_query(&[("sortOrder", text)]).expect(text).sort_order, Some(SortOrder::Descend));
        }
    }

    #[test]
    fn jsv_values_are_cut_at_their_end() {
        assert_eq!(jsv_value_at("{a:1.5,b:2}", 3), Some("1.5"));
        assert_eq!(jsv_value_at("{a:{x:[1,2]},b:2}", 3), Some("{x:[1,2]}"));
        assert_eq!(jsv_value_at(r#"{a:"x, ""y""",b:2}"#, 3), Some(r#""x, ""y""""#));
        assert_eq!(jsv_value_at("1.5", 0), Some("1.5"));
        assert_eq!(jsv_value_at("{a:}", 3), None);
        assert_eq!(jsv_value_at("abc", 9), None);
    }

    #[test]
    fn a_missing_required_member_is_named() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct NeedsId {
            id: String,
        }
        let err = bind::<NeedsId>(&Params::new()).expect_err("missing");
        assert_eq!(err.errors[0].field, "id");
    }

    #[test]
    fn maps_bind_every_key() {
        let bound: BTreeMap<String, String> = bind(&[("a", "1"), ("B", "two")].into_iter().collect()).expect("binds");
        assert_eq!(bound.get("B").map(String::as_str), Some("two"));
    }

    #[test]
    fn single_values_parse_like_members() {
        assert_eq!(parse_value::<u32>("id", "42"), Ok(42));
        assert_eq!(parse_value::<Vec<i32>>("ids", "1,2"), Ok(vec![1, 2]));
        assert_eq!(
            parse_value::<i32>("Int", "string").expect_err("bad").message,
            "'string' is an Invalid value for 'Int'"
        );
    }
}
