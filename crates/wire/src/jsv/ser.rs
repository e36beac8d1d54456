//! The JSV writer: a serde `Serializer` producing ServiceStack.Text's compact JSV.

use std::fmt::Write as _;

use serde::ser::{self, Serialize};

use super::{base64, number, Error};

/// Whether `s` must be written inside `"…"`. ServiceStack quotes on `"` `:` `,` `{` `}` `[` `]` CR LF; we also
/// quote an empty string (ServiceStack writes `""` for empty members and items) and a string with leading or
/// trailing whitespace, because our reader trims whitespace around values to accept the pretty-printed form.
/// ServiceStack reads those quoted strings back to the same text, so clients see no difference.
pub fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.bytes().any(|b| QUOTED_FOR[b as usize])
        || s.starts_with(|c: char| c.is_ascii_whitespace())
        || s.ends_with(|c: char| c.is_ascii_whitespace())
}

/// The bytes that make a string quoted, as a table: every string an export writes is checked byte by byte, and a
/// lookup per byte is about half the cost of nine comparisons (2 % of an export's CPU before).
const QUOTED_FOR: [bool; 256] = {
    let mut table = [false; 256];
    let special = *b"\":,{}[]\r\n";
    let mut i = 0;
    while i < special.len() {
        table[special[i] as usize] = true;
        i += 1;
    }
    table
};

/// Appends `s` as a JSV string: verbatim, or quoted with inner quotes doubled.
pub fn write_string(out: &mut String, s: &str) {
    if needs_quotes(s) {
        out.reserve(s.len() + 2);
        out.push('"');
        push_quotes_doubled(out, s);
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// Appends `text` with each `"` doubled, a run at a time rather than a character at a time: JSV strings and CSV
/// cells (which quote the same way) hold whole documents (a schedule is hundreds of characters), and pushing them
/// by `char` was 5 % of an export's CPU.
pub(crate) fn push_quotes_doubled(out: &mut String, text: &str) {
    out.reserve(text.len());
    let mut rest = text;
    while let Some(quote) = rest.find('"') {
        out.push_str(&rest[..=quote]);
        out.push('"');
        rest = &rest[quote + 1..];
    }
    out.push_str(rest);
}

/// Writes JSV into a `String`. Use [`super::to_string`] unless you need to reuse the buffer.
pub struct Serializer {
    out: String,
    depth: usize,
    /// Set by a value that wrote nothing because it is null, so that the enclosing map drops the member.
    null: bool,
    /// CSV cells carry strings raw (the CSV layer quotes them); everything nested stays JSV.
    raw_root_strings: bool,
}

impl Serializer {
    pub fn new() -> Self {
        Serializer { out: String::new(), depth: 0, null: false, raw_root_strings: false }
    }

    /// Writes after what `out` holds already.
    pub(crate) fn appending_to(out: String) -> Self {
        Serializer { out, depth: 0, null: false, raw_root_strings: false }
    }

    pub(crate) fn for_csv_cell(out: String) -> Self {
        Serializer { out, depth: 0, null: false, raw_root_strings: true }
    }

    pub fn into_inner(self) -> String {
        self.out
    }

    fn open(&mut self, bracket: char) -> usize {
        self.out.push(bracket);
        self.depth += 1;
        self.out.len()
    }

    fn close(&mut self, bracket: char) {
        self.out.push(bracket);
        self.depth -= 1;
        self.null = false;
    }
}

impl Default for Serializer {
    fn default() -> Self {
        Self::new()
    }
}

/// A map, struct or list being written. `start` is the length of the output just after its opening bracket,
/// which tells whether a separator is needed and where to cut a member whose value turned out null.
pub struct Compound<'a> {
    ser: &'a mut Serializer,
    start: usize,
    /// Length of the output before the pending map key (and its separator) was written.
    entry_start: usize,
    /// For enum variants written as `{Variant:…}`: the closing brace still owed after the inner value.
    close_variant: bool,
    /// List items written so far; a null item writes nothing, so the output length cannot tell.
    items: usize,
}

impl Compound<'_> {
    fn separator(&mut self) {
        if self.ser.out.len() > self.start {
            self.ser.out.push(',');
        }
    }

    fn member_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.ser.null = false;
        value.serialize(&mut *self.ser)?;
        if self.ser.null {
            self.ser.out.truncate(self.entry_start);
            self.ser.null = false;
        }
        Ok(())
    }

    fn finish(self, bracket: char) {
        self.ser.close(bracket);
        if self.close_variant {
            self.ser.close('}');
        }
    }
}

impl<'a> ser::Serializer for &'a mut Serializer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.push_str(if v { "True" } else { "False" });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        let _ = write!(self.out, "{v}");
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        let _ = write!(self.out, "{v}");
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        let _ = write!(self.out, "{v}");
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        let _ = write!(self.out, "{v}");
        Ok(())
    }

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        number::write_f32(&mut self.out, v);
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        number::write_f64(&mut self.out, v);
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        // .NET writes a char raw; quoting keeps `,` or `:` from breaking the structure and reads the same.
        let mut buf = [0u8; 4];
        self.serialize_str(v.encode_utf8(&mut buf))
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        if self.depth == 0 && (v.is_empty() || self.raw_root_strings) {
            // ServiceStack writes an empty root string as empty output.
            self.out.push_str(v);
        } else {
            write_string(&mut self.out, v);
        }
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        base64::encode(v, &mut self.out);
        Ok(())
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.null = true;
        Ok(())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.null = true;
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        write_string(&mut self.out, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _name: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.open('{');
        write_string(&mut self.out, variant);
        self.out.push(':');
        value.serialize(&mut *self)?;
        self.close('}');
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        let start = self.open('[');
        Ok(Compound { ser: self, start, entry_start: start, close_variant: false, items: 0 })
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        self.open('{');
        write_string(&mut self.out, variant);
        self.out.push(':');
        let start = self.open('[');
        Ok(Compound { ser: self, start, entry_start: start, close_variant: true, items: 0 })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        let start = self.open('{');
        Ok(Compound { ser: self, start, entry_start: start, close_variant: false, items: 0 })
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a>, Error> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        self.open('{');
        write_string(&mut self.out, variant);
        self.out.push(':');
        let start = self.open('{');
        Ok(Compound { ser: self, start, entry_start: start, close_variant: true, items: 0 })
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        // A null item is written as nothing between its commas (`[1,,3]`), as ServiceStack does.
        if self.items > 0 {
            self.ser.out.push(',');
        }
        self.items += 1;
        value.serialize(&mut *self.ser)?;
        self.ser.null = false;
        Ok(())
    }

    fn end(self) -> Result<(), Error> {
        self.finish(']');
        Ok(())
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        self.entry_start = self.ser.out.len();
        self.separator();
        key.serialize(&mut *self.ser)?;
        self.ser.out.push(':');
        Ok(())
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.member_value(value)
    }

    fn end(self) -> Result<(), Error> {
        self.finish('}');
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.entry_start = self.ser.out.len();
        self.separator();
        // Member names are written verbatim, never quoted (ServiceStack's WritePropertyName).
        self.ser.out.push_str(key);
        self.ser.out.push(':');
        self.member_value(value)
    }

    fn end(self) -> Result<(), Error> {
        self.finish('}');
        Ok(())
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeStruct::end(self)
    }
}

#[cfg(test)]
mod tests {
    use super::needs_quotes;

    #[test]
    fn exactly_servicestacks_special_characters_and_edge_whitespace_quote_a_string() {
        for special in ['"', ':', ',', '{', '}', '[', ']', '\r', '\n'] {
            assert!(needs_quotes(&format!("a{special}b")), "{special:?}");
        }
        for plain in ["abc", "a b", "a\tb", "Zürich – Ost", "a'b", "a;b", "a=b"] {
            assert!(!needs_quotes(plain), "{plain:?}");
        }
        for edge in ["", " a", "a ", "\ta"] {
            assert!(needs_quotes(edge), "{edge:?}");
        }
    }

    /// A buffer kept across values (a streamed list) gets each value after the ones before, written as
    /// `to_string` writes it alone: an empty string at the root stays empty, a null member is dropped.
    #[test]
    fn appending_writes_after_what_the_buffer_holds_as_to_string_would() {
        use std::collections::BTreeMap;
        let first: BTreeMap<&str, Option<&str>> = [("a", Some("x, y")), ("b", None)].into();
        let mut buffer = String::from("[");
        crate::jsv::append_to(&mut buffer, &first).expect("first");
        buffer.push(',');
        crate::jsv::append_to(&mut buffer, "").expect("second");
        buffer.push(',');
        crate::jsv::append_to(&mut buffer, &first).expect("third");
        let alone = crate::jsv::to_string(&first).expect("alone");
        assert_eq!(alone, "{a:\"x, y\"}");
        assert_eq!(buffer, format!("[{alone},,{alone}"));
    }
}
