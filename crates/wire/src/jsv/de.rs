//! The JSV reader: a type-directed serde `Deserializer`.
//!
//! JSV carries no types (`{a:1}` does not say whether `1` is a number or a string), so values are read
//! according to what the target type asks for, as ServiceStack does. It is a single pass over the input with
//! a cursor; nesting is bounded by [`Limits::max_depth`] so hostile input fails with an error instead of
//! overflowing the stack.
//!
//! Tolerance beyond ServiceStack (a superset, see `docs/wire-format.md`): whitespace around `{ } [ ] , :` is
//! ignored outside quotes, so the pretty-printed multi-line form of the metadata pages reads; a trailing `,`
//! before `}` is ignored.

use std::borrow::Cow;

use serde::de::{self, DeserializeSeed, Visitor};

use super::{base64, Error, FieldPath, Limits, Position};

/// What ends an unquoted value at the current level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    /// The whole input is the value (`TypeSerializer.DeserializeFromString<string>("a,b")` is `a,b`).
    Root,
    /// A member value: ends at `,` or `}`.
    Map,
    /// A list item: ends at `,` or `]`.
    List,
    /// An item of a root list written without brackets (`a,b,c`): ends at `,`.
    BareList,
}

/// The white space the reader skips around structure and values: ASCII only, exactly what the writer quotes
/// (a value that starts with a non-breaking space keeps it).
pub(crate) fn is_structural_space(c: char) -> bool {
    c.is_ascii_whitespace()
}

/// A scalar as it was written: unquoted text (already trimmed) or the content of a quoted string.
struct Scalar<'de> {
    text: Cow<'de, str>,
    quoted: bool,
    start: usize,
}

pub struct Deserializer<'de> {
    input: &'de str,
    pos: usize,
    depth: usize,
    limits: Limits,
    context: Context,
}

impl<'de> Deserializer<'de> {
    /// A reader over `input`. Size is checked by [`super::from_str_with_limits`]; construct through it unless
    /// the size was checked elsewhere.
    pub fn new(input: &'de str, limits: Limits) -> Self {
        Deserializer { input, pos: 0, depth: 0, limits, context: Context::Root }
    }

    /// Checks that nothing but whitespace follows the value just read.
    pub fn end(&mut self) -> Result<(), Error> {
        self.skip_ws();
        if self.pos < self.input.len() {
            return Err(self.syntax("unexpected characters after the value"));
        }
        Ok(())
    }

    fn bytes(&self) -> &'de [u8] {
        self.input.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if !b.is_ascii_whitespace() {
                break;
            }
            self.pos += 1;
        }
    }

    fn syntax(&self, message: impl Into<String>) -> Error {
        self.syntax_at(self.pos, message)
    }

    fn syntax_at(&self, offset: usize, message: impl Into<String>) -> Error {
        Error::Syntax {
            message: message.into(),
            position: Position::locate(self.input, offset),
            path: FieldPath::default(),
        }
    }

    fn invalid_at(&self, offset: usize, message: impl Into<String>) -> Error {
        Error::InvalidValue {
            message: message.into(),
            position: Position::locate(self.input, offset),
            path: FieldPath::default(),
        }
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(Error::TooDeep {
                limit: self.limits.max_depth,
                position: Position::locate(self.input, self.pos),
                path: FieldPath::default(),
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn is_terminator(&self, b: u8) -> bool {
        match self.context {
            Context::Root => false,
            Context::Map => b == b',' || b == b'}',
            Context::List => b == b',' || b == b']',
            Context::BareList => b == b',',
        }
    }

    /// True when the value at the cursor is empty (nothing before its terminator): JSV's only form of null.
    fn at_empty_value(&mut self) -> bool {
        self.skip_ws();
        match self.peek() {
            None => true,
            Some(b) => self.is_terminator(b),
        }
    }

    /// Reads a quoted string; the cursor is on the opening quote.
    fn quoted(&mut self) -> Result<Cow<'de, str>, Error> {
        let open = self.pos;
        let input = self.input;
        let bytes = self.bytes();
        let mut i = open + 1;
        let mut owned: Option<String> = None;
        let mut run_start = i;
        loop {
            match bytes.get(i) {
                None => return Err(self.syntax_at(open, "unterminated quoted string")),
                Some(b'"') if bytes.get(i + 1) == Some(&b'"') => {
                    let buf = owned.get_or_insert_with(String::new);
                    buf.push_str(&input[run_start..=i]);
                    i += 2;
                    run_start = i;
                }
                Some(b'"') => break,
                Some(_) => i += 1,
            }
        }
        let text = match owned {
            Some(mut buf) => {
                buf.push_str(&input[run_start..i]);
                Cow::Owned(buf)
            }
            None => Cow::Borrowed(&input[run_start..i]),
        };
        self.pos = i + 1;
        Ok(text)
    }

    /// Reads unquoted text up to the terminator of the current context, trimmed.
    fn bare(&mut self) -> &'de str {
        let start = self.pos;
        let bytes = self.bytes();
        let mut i = start;
        while let Some(&b) = bytes.get(i) {
            if self.is_terminator(b) {
                break;
            }
            i += 1;
        }
        self.pos = i;
        self.input[start..i].trim_end_matches(|c: char| c.is_ascii_whitespace())
    }

    /// Skips one balanced `{…}` or `[…]` block (quotes protect brackets) and returns its text.
    fn block(&mut self) -> Result<&'de str, Error> {
        let start = self.pos;
        let bytes = self.bytes();
        let mut depth = 0usize;
        let mut i = start;
        let mut at_value_start = true;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'"' if at_value_start => {
                    self.pos = i;
                    self.quoted()?;
                    i = self.pos;
                    at_value_start = false;
                    continue;
                }
                b'{' | b'[' => {
                    depth += 1;
                    if self.depth + depth > self.limits.max_depth {
                        return Err(Error::TooDeep {
                            limit: self.limits.max_depth,
                            position: Position::locate(self.input, i),
                            path: FieldPath::default(),
                        });
                    }
                    at_value_start = true;
                }
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    at_value_start = false;
                    if depth == 0 {
                        self.pos = i + 1;
                        return Ok(&self.input[start..=i]);
                    }
                }
                b',' | b':' => at_value_start = true,
                b if b.is_ascii_whitespace() => {}
                _ => at_value_start = false,
            }
            i += 1;
        }
        Err(self.syntax_at(start, "unterminated map or list"))
    }

    /// Reads the value at the cursor as text, whatever its shape: a nested block comes back as its raw JSV.
    fn scalar(&mut self) -> Result<Scalar<'de>, Error> {
        self.skip_ws();
        let start = self.pos;
        let scalar = match self.peek() {
            Some(b'"') => Scalar { text: self.quoted()?, quoted: true, start },
            Some(b'{' | b'[') => Scalar { text: Cow::Borrowed(self.block()?), quoted: false, start },
            _ => Scalar { text: Cow::Borrowed(self.bare()), quoted: false, start },
        };
        if scalar.quoted {
            self.skip_ws();
            if let Some(b) = self.peek() {
                if self.context == Context::Root || !self.is_terminator(b) {
                    return Err(self.syntax("unexpected characters after a quoted string"));
                }
            }
        }
        Ok(scalar)
    }

    /// Reads a scalar for a non-string target, refusing maps and lists.
    fn scalar_for(&mut self, what: &str) -> Result<Scalar<'de>, Error> {
        self.skip_ws();
        if let Some(b'{' | b'[') = self.peek() {
            return Err(self.invalid_at(self.pos, format!("expected {what}, found a map or list")));
        }
        self.scalar()
    }

    fn parse_number<T: std::str::FromStr>(&mut self, what: &str) -> Result<T, Error> {
        let scalar = self.scalar_for(what)?;
        let text = scalar.text.trim_matches(is_structural_space);
        if text.starts_with('+') {
            return Err(self.invalid_at(scalar.start, format!("'{text}' is not {what}")));
        }
        text.parse::<T>().map_err(|_| self.invalid_at(scalar.start, format!("'{text}' is not {what}")))
    }

    fn parse_float(&mut self) -> Result<f64, Error> {
        let scalar = self.scalar_for("a number")?;
        // Thousands separators are accepted inside a quoted value (`"1,111.1"`), as ServiceStack does.
        let text: Cow<'_, str> =
            if scalar.quoted { Cow::Owned(scalar.text.replace(',', "")) } else { Cow::Borrowed(&scalar.text) };
        let text = text.trim_matches(is_structural_space);
        let valid_chars = text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'e' | b'E' | b'+'));
        let value = match text {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ if valid_chars && !text.starts_with('+') => text.parse::<f64>().ok(),
            _ => None,
        };
        value.ok_or_else(|| self.invalid_at(scalar.start, format!("'{text}' is not a number")))
    }

    fn map_access<'a>(&'a mut self, fields: Option<&'static [&'static str]>) -> Result<MapAccess<'a, 'de>, Error> {
        self.skip_ws();
        if self.peek() != Some(b'{') {
            return Err(self.invalid_at(self.pos, "expected a map `{…}`"));
        }
        self.enter()?;
        self.pos += 1;
        Ok(MapAccess { de: self, fields, first: true, closed: false, key: Cow::Borrowed("") })
    }

    fn seq_access<'a>(&'a mut self) -> Result<SeqAccess<'a, 'de>, Error> {
        self.skip_ws();
        if self.peek() == Some(b'[') {
            self.enter()?;
            self.pos += 1;
            return Ok(SeqAccess { de: self, mode: SeqMode::Bracketed, index: 0, done: false });
        }
        // ServiceStack's outer brackets are optional: `a,b,c` at the root is a list, and a single unbracketed
        // member value is a one-item list.
        let mode = if self.context == Context::Root { SeqMode::Bare } else { SeqMode::Single };
        let done = self.at_empty_value();
        Ok(SeqAccess { de: self, mode, index: 0, done })
    }
}

/// Reads a JSV boolean: `true`/`false` in any case, `1 t y on` / `0 f n` (ServiceStack's ParseBoolean), and
/// empty text as false.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    let text = text.trim_matches(is_structural_space);
    if text.is_empty() || text.eq_ignore_ascii_case("false") {
        return Some(false);
    }
    if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("on") {
        return Some(true);
    }
    match text {
        "1" | "t" | "T" | "y" | "Y" => Some(true),
        "0" | "f" | "F" | "n" | "N" => Some(false),
        _ => None,
    }
}

/// Maps a member name to the declared field it matches, case-insensitively (ServiceStack's default
/// PropertyConvention). An exact match wins over a case-insensitive one.
pub(crate) fn match_name<'k>(key: &'k str, names: &'static [&'static str]) -> Cow<'k, str> {
    if names.contains(&key) {
        return Cow::Borrowed(key);
    }
    match names.iter().find(|name| name.eq_ignore_ascii_case(key)) {
        Some(name) => Cow::Borrowed(name),
        None => Cow::Borrowed(key),
    }
}

fn visit_cow<'de, V: Visitor<'de>>(text: Cow<'de, str>, visitor: V) -> Result<V::Value, Error> {
    match text {
        Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
        Cow::Owned(s) => visitor.visit_string(s),
    }
}

macro_rules! deserialize_integer {
    ($method:ident, $ty:ty, $visit:ident, $what:expr) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let value: $ty = self.parse_number($what)?;
            visitor.$visit(value)
        }
    };
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.skip_ws();
        match self.peek() {
            Some(b'{') => self.deserialize_map(visitor),
            Some(b'[') => self.deserialize_seq(visitor),
            // Untyped scalars stay strings, as ServiceStack's object-typed members do.
            _ => visit_cow(self.scalar()?.text, visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let scalar = self.scalar_for("a boolean")?;
        match parse_bool(&scalar.text) {
            Some(b) => visitor.visit_bool(b),
            None => Err(self.invalid_at(scalar.start, format!("'{}' is not a boolean", scalar.text))),
        }
    }

    deserialize_integer!(deserialize_i8, i8, visit_i8, "an integer (i8)");
    deserialize_integer!(deserialize_i16, i16, visit_i16, "an integer (i16)");
    deserialize_integer!(deserialize_i32, i32, visit_i32, "an integer (i32)");
    deserialize_integer!(deserialize_i64, i64, visit_i64, "an integer (i64)");
    deserialize_integer!(deserialize_i128, i128, visit_i128, "an integer (i128)");
    deserialize_integer!(deserialize_u8, u8, visit_u8, "a non-negative integer (u8)");
    deserialize_integer!(deserialize_u16, u16, visit_u16, "a non-negative integer (u16)");
    deserialize_integer!(deserialize_u32, u32, visit_u32, "a non-negative integer (u32)");
    deserialize_integer!(deserialize_u64, u64, visit_u64, "a non-negative integer (u64)");
    deserialize_integer!(deserialize_u128, u128, visit_u128, "a non-negative integer (u128)");

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let value = self.parse_float()?;
        visitor.visit_f32(value as f32)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let value = self.parse_float()?;
        visitor.visit_f64(value)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let scalar = self.scalar_for("a character")?;
        let mut chars = scalar.text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(self.invalid_at(scalar.start, format!("'{}' is not a single character", scalar.text))),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // A map or list where a string is expected is handed over as its raw JSV, as ServiceStack does.
        visit_cow(self.scalar()?.text, visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let scalar = self.scalar_for("base64 bytes")?;
        match base64::decode(&scalar.text) {
            Some(bytes) => visitor.visit_byte_buf(bytes),
            None => Err(self.invalid_at(scalar.start, "not valid base64")),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // Only an empty unquoted value is null; `""` is an empty string.
        if self.at_empty_value() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.at_empty_value() {
            visitor.visit_unit()
        } else {
            Err(self.invalid_at(self.pos, "expected an empty value"))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut access = self.seq_access()?;
        let value = visitor.visit_seq(&mut access)?;
        access.finish()?;
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut access = self.map_access(None)?;
        let value = visitor.visit_map(&mut access)?;
        access.finish()?;
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let start = self.pos;
        let mut access = self.map_access(Some(fields))?;
        let value = visitor.visit_map(&mut access).map_err(|e| e.at_if_unknown(access.de.input, start))?;
        access.finish()?;
        Ok(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.skip_ws();
        if self.peek() == Some(b'{') {
            // `{Variant:value}`: newtype, tuple and struct variants.
            self.enter()?;
            self.pos += 1;
            let value = visitor.visit_enum(MapEnum { de: &mut *self, variants })?;
            self.skip_ws();
            if self.peek() == Some(b',') {
                self.pos += 1;
                self.skip_ws();
            }
            if self.peek() != Some(b'}') {
                return Err(self.syntax("expected `}` after the enum variant"));
            }
            self.pos += 1;
            self.leave();
            return Ok(value);
        }
        let scalar = self.scalar_for("an enum name")?;
        visitor.visit_enum(ScalarEnum::<Error>::new(scalar.text, variants))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.scalar()?;
        visitor.visit_unit()
    }
}

struct MapAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    fields: Option<&'static [&'static str]>,
    first: bool,
    /// The closing brace has been consumed.
    closed: bool,
    /// The member being read, for error paths.
    key: Cow<'de, str>,
}

impl<'de> MapAccess<'_, 'de> {
    /// Consumes the closing brace if the visitor stopped before it (e.g. a struct visitor that read all it
    /// wanted); remaining members are skipped.
    fn finish(&mut self) -> Result<(), Error> {
        while self.next_key_text()?.is_some() {
            self.de.context = Context::Map;
            self.de.scalar()?;
        }
        Ok(())
    }

    fn next_key_text(&mut self) -> Result<Option<Cow<'de, str>>, Error> {
        if self.closed {
            return Ok(None);
        }
        let de = &mut *self.de;
        de.skip_ws();
        if !self.first {
            match de.peek() {
                Some(b',') => {
                    de.pos += 1;
                    de.skip_ws();
                }
                Some(b'}') => {}
                None => return Err(de.syntax("unterminated map: expected `,` or `}`")),
                Some(_) => return Err(de.syntax("expected `,` or `}` after a map value")),
            }
        }
        self.first = false;
        match de.peek() {
            Some(b'}') => {
                de.pos += 1;
                de.leave();
                self.closed = true;
                return Ok(None);
            }
            None => return Err(de.syntax("unterminated map: expected a member or `}`")),
            _ => {}
        }
        let key_start = de.pos;
        let key = if de.peek() == Some(b'"') {
            let key = de.quoted()?;
            de.skip_ws();
            key
        } else {
            let bytes = de.bytes();
            let mut i = de.pos;
            while let Some(&b) = bytes.get(i) {
                if matches!(b, b':' | b',' | b'{' | b'}' | b'[' | b']') {
                    break;
                }
                i += 1;
            }
            let key = de.input[de.pos..i].trim_matches(is_structural_space);
            de.pos = i;
            Cow::Borrowed(key)
        };
        if de.peek() != Some(b':') {
            return Err(de.syntax_at(key_start, format!("expected `:` after member name '{key}'")));
        }
        de.pos += 1;
        Ok(Some(key))
    }
}

impl<'de> de::MapAccess<'de> for MapAccess<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some(key) = self.next_key_text()? else {
            return Ok(None);
        };
        self.key = key;
        let name = match self.fields {
            Some(fields) => match_name(&self.key, fields),
            None => Cow::Borrowed(self.key.as_ref()),
        };
        let result = match name {
            Cow::Borrowed(s) => seed.deserialize(de::value::StrDeserializer::<Error>::new(s)),
            Cow::Owned(s) => seed.deserialize(de::value::StringDeserializer::<Error>::new(s)),
        };
        result.map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let saved = self.de.context;
        self.de.context = Context::Map;
        self.de.skip_ws();
        let start = self.de.pos;
        let result = seed.deserialize(&mut *self.de);
        self.de.context = saved;
        result.map_err(|e| e.at_if_unknown(self.de.input, start).in_segment(&self.key))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SeqMode {
    Bracketed,
    Bare,
    Single,
}

struct SeqAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    mode: SeqMode,
    index: usize,
    done: bool,
}

impl SeqAccess<'_, '_> {
    /// Skips items the visitor did not read and consumes the closing bracket.
    fn finish(&mut self) -> Result<(), Error> {
        while !self.done {
            if self.advance()? {
                let saved = self.de.context;
                self.de.context = self.item_context();
                self.de.scalar()?;
                self.de.context = saved;
            }
        }
        Ok(())
    }

    fn item_context(&self) -> Context {
        match self.mode {
            SeqMode::Bracketed => Context::List,
            SeqMode::Bare => Context::BareList,
            SeqMode::Single => self.de.context,
        }
    }

    /// Moves to the next item; false (and `done`) at the end of the list.
    fn advance(&mut self) -> Result<bool, Error> {
        let de = &mut *self.de;
        match self.mode {
            SeqMode::Single => {
                if self.index > 0 {
                    self.done = true;
                    return Ok(false);
                }
            }
            SeqMode::Bare => {
                if self.index > 0 {
                    de.skip_ws();
                    match de.peek() {
                        None => {
                            self.done = true;
                            return Ok(false);
                        }
                        Some(b',') => de.pos += 1,
                        Some(_) => return Err(de.syntax("expected `,` between list items")),
                    }
                }
            }
            SeqMode::Bracketed => {
                de.skip_ws();
                if self.index == 0 {
                    if de.peek() == Some(b']') {
                        de.pos += 1;
                        de.leave();
                        self.done = true;
                        return Ok(false);
                    }
                } else {
                    match de.peek() {
                        Some(b']') => {
                            de.pos += 1;
                            de.leave();
                            self.done = true;
                            return Ok(false);
                        }
                        Some(b',') => de.pos += 1,
                        None => return Err(de.syntax("unterminated list: expected `,` or `]`")),
                        Some(_) => return Err(de.syntax("expected `,` or `]` after a list item")),
                    }
                }
            }
        }
        if de.pos >= de.input.len() && self.mode == SeqMode::Bracketed {
            return Err(de.syntax("unterminated list"));
        }
        Ok(true)
    }
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        if self.done || !self.advance()? {
            return Ok(None);
        }
        let saved = self.de.context;
        self.de.context = self.item_context();
        self.de.skip_ws();
        let start = self.de.pos;
        let result = seed.deserialize(&mut *self.de);
        self.de.context = saved;
        let index = self.index;
        self.index += 1;
        result.map(Some).map_err(|e| e.at_if_unknown(self.de.input, start).in_segment(&format!("[{index}]")))
    }
}

/// An enum written as its bare name (or .NET number). The one rule for enums read from text, whatever the
/// format: JSV, query strings and forms come here through the JSV reader, JSON through
/// [`crate::json::CaseInsensitive`], so a name is matched case-insensitively and a number is the declaration
/// index everywhere. Generic over the error type so that every deserializer can use it.
pub(crate) struct ScalarEnum<'a, E> {
    pub(crate) text: Cow<'a, str>,
    pub(crate) variants: &'static [&'static str],
    pub(crate) error: std::marker::PhantomData<E>,
}

impl<'a, E> ScalarEnum<'a, E> {
    pub(crate) fn new(text: Cow<'a, str>, variants: &'static [&'static str]) -> Self {
        Self { text, variants, error: std::marker::PhantomData }
    }
}

impl<'de, E: de::Error> de::EnumAccess<'de> for ScalarEnum<'_, E> {
    type Error = E;
    type Variant = UnitOnly<E>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, UnitOnly<E>), E> {
        let text = self.text.trim_matches(is_structural_space);
        // .NET also accepts an enum's number; for enums without explicit values that is the declaration index.
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(index) = text.parse::<u64>() {
                let value = seed.deserialize(de::value::U64Deserializer::<E>::new(index))?;
                return Ok((value, UnitOnly(std::marker::PhantomData)));
            }
        }
        let name = match_name(text, self.variants);
        let value = seed.deserialize(de::value::StrDeserializer::<E>::new(&name))?;
        Ok((value, UnitOnly(std::marker::PhantomData)))
    }
}

pub(crate) struct UnitOnly<E>(std::marker::PhantomData<E>);

impl<'de, E: de::Error> de::VariantAccess<'de> for UnitOnly<E> {
    type Error = E;

    fn unit_variant(self) -> Result<(), E> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value, E> {
        Err(de::Error::custom("expected `{Variant:value}` for a variant with data"))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, E> {
        Err(de::Error::custom("expected `{Variant:[…]}` for a tuple variant"))
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], _visitor: V) -> Result<V::Value, E> {
        Err(de::Error::custom("expected `{Variant:{…}}` for a struct variant"))
    }
}

/// An enum written as `{Variant:value}`; the cursor is just inside the brace.
struct MapEnum<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    variants: &'static [&'static str],
}

impl<'de> de::EnumAccess<'de> for MapEnum<'_, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let mut keys =
            MapAccess { de: &mut *self.de, fields: None, first: true, closed: false, key: Cow::Borrowed("") };
        let Some(key) = keys.next_key_text()? else {
            return Err(self.de.invalid_at(self.de.pos, "expected `{Variant:value}`, found an empty map"));
        };
        let name = match_name(&key, self.variants);
        let value = seed.deserialize(de::value::StrDeserializer::<Error>::new(&name))?;
        self.de.context = Context::Map;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for MapEnum<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        self.de.scalar().map(|_| ())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(&mut *self.de)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(&mut *self.de, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(self, fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_struct(&mut *self.de, "", fields, visitor)
    }
}
