//! CSV as ServiceStack writes and reads it (`docs/wire-format.md`, "CSV").
//!
//! Writing: a header row of member names (serde names, so camelCase for Canopy's DTOs), one row per record,
//! `,` between cells and `\r\n` after every row. A cell is a string as-is, `True`/`False`, a number as .NET
//! prints it, empty for null, and nested objects/lists/maps as their JSV text. A cell is wrapped in `"…"`
//! (inner quotes doubled) when it contains `"` `,` CR or LF or starts with `[` or `{`.
//!
//! **The header.** Serde skips `None` members declared with `skip_serializing_if`, so a record does not always
//! name every column. The streaming [`CsvWriter`] therefore takes its columns up front — from the row type's
//! declared fields ([`CsvWriter::for_type`], via [`field_names`]) or from the caller
//! ([`CsvWriter::with_columns`]) — and writes the header even when there are no rows, as ServiceStack does for
//! an empty list. [`to_string`], which sees all rows at once, uses the union of the members the rows name:
//! struct rows in declaration order (a member first seen later is placed after its predecessor), map rows
//! sorted A–Z (ServiceStack's rule for dictionaries).
//!
//! The writer is hand-rolled because ServiceStack's quoting (a leading `[`/`{` forces quotes, a lone empty
//! cell is an empty line) is not the `csv` crate's; reading uses the `csv` crate.

use std::io::Write;

use serde::de::{self, DeserializeOwned, Visitor};
use serde::ser::{self, Serialize};
use thiserror::Error;

use crate::binding::{self, BindError, Params};
use crate::jsv;

#[derive(Debug, Error)]
pub enum CsvError {
    #[error(transparent)]
    Jsv(#[from] jsv::Error),
    #[error("cannot write CSV: {0}")]
    Io(#[from] std::io::Error),
    /// The value has no row shape (e.g. a list mixing records and scalars, or a scalar handed to the writer).
    #[error("cannot write CSV: {0}")]
    Shape(String),
    #[error("malformed CSV: {0}")]
    Malformed(String),
    /// Read from a stream, the text turned out not to be UTF-8.
    #[error("the text is not UTF-8: {0}")]
    NotUtf8(String),
    /// A data row (1-based, header excluded) did not bind to the target type.
    #[error("CSV row {row}: {error}")]
    Row { row: usize, error: BindError },
}

impl ser::Error for CsvError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        CsvError::Shape(msg.to_string())
    }
}

/// Appends one cell with ServiceStack's CSV quoting.
pub fn write_cell(out: &mut String, cell: &str) {
    let quote = cell.starts_with(['[', '{']) || needs_rfc4180_quotes(cell);
    push_cell(out, cell, quote);
}

/// Whether RFC 4180 requires `cell` quoted: it holds a quote, a comma or a line break.
pub(crate) fn needs_rfc4180_quotes(cell: &str) -> bool {
    cell.bytes().any(|b| matches!(b, b'"' | b',' | b'\r' | b'\n'))
}

/// Appends `cell`, quoted (its quotes doubled) when `quote` says so: the one place both CSV styles quote.
pub(crate) fn push_cell(out: &mut String, cell: &str, quote: bool) {
    if !quote {
        out.push_str(cell);
        return;
    }
    out.push('"');
    jsv::push_quotes_doubled(out, cell);
    out.push('"');
}

fn write_line<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_cell(out, cell);
    }
    out.push_str("\r\n");
}

/// The text of one cell: strings raw, nested values as JSV, null as empty.
fn cell_text<T: ?Sized + Serialize>(value: &T) -> Result<String, jsv::Error> {
    let mut serializer = jsv::Serializer::for_csv_cell(String::new());
    value.serialize(&mut serializer)?;
    Ok(serializer.into_inner())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RecordKind {
    Struct,
    Map,
}

/// One serialized element: a record (member name → cell) or a lone scalar.
enum Row {
    Record(RecordKind, Vec<(String, String)>),
    Scalar(String),
}

/// Turns one value into a [`Row`]; anything but a struct or map is a scalar cell.
struct RowSerializer;

macro_rules! scalar_row {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<Row, CsvError> {
            Ok(Row::Scalar(cell_text(&v)?))
        })*
    };
}

impl ser::Serializer for RowSerializer {
    type Ok = Row;
    type Error = CsvError;
    type SerializeSeq = ScalarCompound;
    type SerializeTuple = ScalarCompound;
    type SerializeTupleStruct = ScalarCompound;
    type SerializeTupleVariant = ser::Impossible<Row, CsvError>;
    type SerializeMap = RecordCompound;
    type SerializeStruct = RecordCompound;
    type SerializeStructVariant = ser::Impossible<Row, CsvError>;

    scalar_row!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
    );

    fn serialize_none(self) -> Result<Row, CsvError> {
        Ok(Row::Scalar(String::new()))
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<Row, CsvError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Row, CsvError> {
        Ok(Row::Scalar(String::new()))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Row, CsvError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Row, CsvError> {
        Ok(Row::Scalar(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, value: &T) -> Result<Row, CsvError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Row, CsvError> {
        struct Variant<'a, T: ?Sized>(&'static str, u32, &'static str, &'a T);
        impl<T: ?Sized + Serialize> Serialize for Variant<'_, T> {
            fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_newtype_variant(self.0, self.1, self.2, self.3)
            }
        }
        Ok(Row::Scalar(cell_text(&Variant(name, index, variant, value))?))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<ScalarCompound, CsvError> {
        Ok(ScalarCompound { items: Vec::new() })
    }
    fn serialize_tuple(self, len: usize) -> Result<ScalarCompound, CsvError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<ScalarCompound, CsvError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, CsvError> {
        Err(CsvError::Shape("tuple variants have no CSV form".into()))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<RecordCompound, CsvError> {
        Ok(RecordCompound { kind: RecordKind::Map, cells: Vec::new(), key: None })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<RecordCompound, CsvError> {
        Ok(RecordCompound { kind: RecordKind::Struct, cells: Vec::with_capacity(len), key: None })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, CsvError> {
        Err(CsvError::Shape("struct variants have no CSV form".into()))
    }
}

/// A list in a row position is one JSV cell; kept as a buffer of its item cells until it ends.
struct ScalarCompound {
    items: Vec<serde_json::Value>,
}

impl ser::SerializeSeq for ScalarCompound {
    type Ok = Row;
    type Error = CsvError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), CsvError> {
        // Only reached for a list nested in a list (`[[1,2]]` as rows); rare enough to go through a Value.
        self.items.push(serde_json::to_value(value).map_err(|e| CsvError::Shape(e.to_string()))?);
        Ok(())
    }
    fn end(self) -> Result<Row, CsvError> {
        Ok(Row::Scalar(cell_text(&self.items)?))
    }
}

impl ser::SerializeTuple for ScalarCompound {
    type Ok = Row;
    type Error = CsvError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), CsvError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Row, CsvError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for ScalarCompound {
    type Ok = Row;
    type Error = CsvError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), CsvError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Row, CsvError> {
        ser::SerializeSeq::end(self)
    }
}

struct RecordCompound {
    kind: RecordKind,
    cells: Vec<(String, String)>,
    key: Option<String>,
}

impl ser::SerializeStruct for RecordCompound {
    type Ok = Row;
    type Error = CsvError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), CsvError> {
        self.cells.push((key.to_owned(), cell_text(value)?));
        Ok(())
    }
    fn end(self) -> Result<Row, CsvError> {
        Ok(Row::Record(self.kind, self.cells))
    }
}

impl ser::SerializeMap for RecordCompound {
    type Ok = Row;
    type Error = CsvError;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), CsvError> {
        self.key = Some(cell_text(key)?);
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), CsvError> {
        let key = self.key.take().unwrap_or_default();
        self.cells.push((key, cell_text(value)?));
        Ok(())
    }
    fn end(self) -> Result<Row, CsvError> {
        Ok(Row::Record(self.kind, self.cells))
    }
}

fn row_of<T: ?Sized + Serialize>(value: &T) -> Result<Row, CsvError> {
    value.serialize(RowSerializer)
}

/// The rows of a top-level value: a list gives one row per element, anything else is one row.
struct RowsSerializer;

struct RowsCompound {
    rows: Vec<Row>,
}

impl ser::SerializeSeq for RowsCompound {
    type Ok = Vec<Row>;
    type Error = CsvError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), CsvError> {
        self.rows.push(row_of(value)?);
        Ok(())
    }
    fn end(self) -> Result<Vec<Row>, CsvError> {
        Ok(self.rows)
    }
}

impl ser::SerializeTuple for RowsCompound {
    type Ok = Vec<Row>;
    type Error = CsvError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), CsvError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Vec<Row>, CsvError> {
        Ok(self.rows)
    }
}

/// Adapts a [`RowSerializer`] compound to yield a one-row list.
struct SingleRow<C>(C);

impl<C: ser::SerializeStruct<Ok = Row, Error = CsvError>> ser::SerializeStruct for SingleRow<C> {
    type Ok = Vec<Row>;
    type Error = CsvError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), CsvError> {
        self.0.serialize_field(key, value)
    }
    fn end(self) -> Result<Vec<Row>, CsvError> {
        Ok(vec![self.0.end()?])
    }
}

impl<C: ser::SerializeMap<Ok = Row, Error = CsvError>> ser::SerializeMap for SingleRow<C> {
    type Ok = Vec<Row>;
    type Error = CsvError;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), CsvError> {
        self.0.serialize_key(key)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), CsvError> {
        self.0.serialize_value(value)
    }
    fn end(self) -> Result<Vec<Row>, CsvError> {
        Ok(vec![self.0.end()?])
    }
}

macro_rules! single_scalar_rows {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<Vec<Row>, CsvError> {
            Ok(vec![row_of(&v)?])
        })*
    };
}

impl ser::Serializer for RowsSerializer {
    type Ok = Vec<Row>;
    type Error = CsvError;
    type SerializeSeq = RowsCompound;
    type SerializeTuple = RowsCompound;
    type SerializeTupleStruct = ser::Impossible<Vec<Row>, CsvError>;
    type SerializeTupleVariant = ser::Impossible<Vec<Row>, CsvError>;
    type SerializeMap = SingleRow<RecordCompound>;
    type SerializeStruct = SingleRow<RecordCompound>;
    type SerializeStructVariant = ser::Impossible<Vec<Row>, CsvError>;

    single_scalar_rows!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
    );

    fn serialize_none(self) -> Result<Vec<Row>, CsvError> {
        Ok(Vec::new())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<Vec<Row>, CsvError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Vec<Row>, CsvError> {
        Ok(Vec::new())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Vec<Row>, CsvError> {
        Ok(Vec::new())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Vec<Row>, CsvError> {
        Ok(vec![Row::Scalar(variant.to_owned())])
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, value: &T) -> Result<Vec<Row>, CsvError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Vec<Row>, CsvError> {
        Ok(vec![RowSerializer.serialize_newtype_variant(name, index, variant, value)?])
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<RowsCompound, CsvError> {
        Ok(RowsCompound { rows: Vec::with_capacity(len.unwrap_or(0)) })
    }
    fn serialize_tuple(self, len: usize) -> Result<RowsCompound, CsvError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, CsvError> {
        Err(CsvError::Shape("tuple structs have no CSV form".into()))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, CsvError> {
        Err(CsvError::Shape("tuple variants have no CSV form".into()))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<SingleRow<RecordCompound>, CsvError> {
        Ok(SingleRow(RowSerializer.serialize_map(len)?))
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<SingleRow<RecordCompound>, CsvError> {
        Ok(SingleRow(RowSerializer.serialize_struct(name, len)?))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, CsvError> {
        Err(CsvError::Shape("struct variants have no CSV form".into()))
    }
}

/// Writes `value` as CSV in memory: a list of records is a header plus one row each; a single struct or map is a
/// header plus one row; a list of scalars is one line without header (ServiceStack's rule); `None` is empty.
/// Use [`CsvWriter`] to stream large lists.
pub fn to_string<T: ?Sized + Serialize>(value: &T) -> Result<String, CsvError> {
    let rows = value.serialize(RowsSerializer)?;
    let mut out = String::new();
    if rows.is_empty() {
        return Ok(out);
    }
    if rows.iter().all(|r| matches!(r, Row::Scalar(_))) {
        let cells = rows.iter().map(|r| match r {
            Row::Scalar(s) => s.as_str(),
            Row::Record(..) => "",
        });
        write_line(&mut out, cells);
        return Ok(out);
    }
    let mut records = Vec::with_capacity(rows.len());
    for row in rows {
        match row {
            Row::Record(kind, cells) => records.push((kind, cells)),
            Row::Scalar(_) => return Err(CsvError::Shape("a list mixing records and scalars has no CSV form".into())),
        }
    }
    let columns = union_of_columns(&records);
    write_line(&mut out, columns.iter().map(String::as_str));
    for (_, cells) in &records {
        write_record(&mut out, &columns, cells);
    }
    Ok(out)
}

fn union_of_columns(records: &[(RecordKind, Vec<(String, String)>)]) -> Vec<String> {
    if records.iter().all(|(kind, _)| *kind == RecordKind::Map) {
        let set: std::collections::BTreeSet<&str> =
            records.iter().flat_map(|(_, cells)| cells.iter().map(|(k, _)| k.as_str())).collect();
        return set.into_iter().map(str::to_owned).collect();
    }
    let mut columns: Vec<String> = Vec::new();
    for (_, cells) in records {
        let mut after: Option<usize> = None;
        for (name, _) in cells {
            match columns.iter().position(|c| c == name) {
                Some(i) => after = Some(i),
                None => {
                    let at = after.map_or(0, |i| i + 1);
                    columns.insert(at, name.clone());
                    after = Some(at);
                }
            }
        }
    }
    columns
}

/// Writes one record's cells in column order; members not in `columns` are dropped, missing ones are empty.
fn write_record(out: &mut String, columns: &[String], cells: &[(String, String)]) {
    // Records usually list their members in column order, so look from where the last match was first.
    let mut hint = 0;
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let found = (hint..cells.len()).chain(0..hint).find(|&j| cells[j].0 == *column);
        if let Some(j) = found {
            write_cell(out, &cells[j].1);
            hint = j + 1;
        }
    }
    out.push_str("\r\n");
}

/// Writes a struct row straight into the line under fixed columns, when its members come in column order (the
/// usual case: a struct whose declared members are the columns), without collecting its cells first. Anything
/// else (a map, a flattened struct, members out of order) reports `false`, and the writer takes the general path.
struct DirectRow<'a> {
    line: &'a mut String,
    cell: &'a mut String,
    columns: &'a [String],
}

/// The fields of a [`DirectRow`] struct: `emitted` columns are written so far.
struct DirectFields<'a> {
    row: DirectRow<'a>,
    emitted: usize,
    failed: bool,
}

macro_rules! not_direct {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<bool, CsvError> {
            Ok(false)
        })*
    };
}

impl<'a> ser::Serializer for DirectRow<'a> {
    type Ok = bool;
    type Error = CsvError;
    type SerializeSeq = ser::Impossible<bool, CsvError>;
    type SerializeTuple = ser::Impossible<bool, CsvError>;
    type SerializeTupleStruct = ser::Impossible<bool, CsvError>;
    type SerializeTupleVariant = ser::Impossible<bool, CsvError>;
    type SerializeMap = ser::Impossible<bool, CsvError>;
    type SerializeStruct = DirectFields<'a>;
    type SerializeStructVariant = ser::Impossible<bool, CsvError>;

    not_direct!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<bool, CsvError> {
        Ok(false)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, value: &T) -> Result<bool, CsvError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<bool, CsvError> {
        Ok(false)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, CsvError> {
        Err(CsvError::Shape(NOT_DIRECT.into()))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, CsvError> {
        Err(CsvError::Shape(NOT_DIRECT.into()))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, CsvError> {
        Err(CsvError::Shape(NOT_DIRECT.into()))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, CsvError> {
        Err(CsvError::Shape(NOT_DIRECT.into()))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, CsvError> {
        Err(CsvError::Shape(NOT_DIRECT.into()))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<DirectFields<'a>, CsvError> {
        Ok(DirectFields { row: self, emitted: 0, failed: false })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, CsvError> {
        Err(CsvError::Shape(NOT_DIRECT.into()))
    }
}

/// What a [`DirectRow`] answers for a shape it does not write; the writer then takes the general path.
const NOT_DIRECT: &str = "not a struct row in column order";

impl DirectFields<'_> {
    /// Separators up to (not including) column `to`.
    fn skip_to(&mut self, to: usize) {
        for column in self.emitted..to {
            if column > 0 {
                self.row.line.push(',');
            }
        }
        self.emitted = self.emitted.max(to);
    }
}

impl ser::SerializeStruct for DirectFields<'_> {
    type Ok = bool;
    type Error = CsvError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), CsvError> {
        if self.failed {
            return Ok(());
        }
        let Some(offset) = self.row.columns[self.emitted..].iter().position(|c| c == key) else {
            // Not a column at all: dropped, as the general path drops it. Before this one: out of order.
            if self.row.columns[..self.emitted].iter().any(|c| c == key) {
                self.failed = true;
            }
            return Ok(());
        };
        let column = self.emitted + offset;
        self.skip_to(column);
        if column > 0 {
            self.row.line.push(',');
        }
        let mut serializer = jsv::Serializer::for_csv_cell(std::mem::take(self.row.cell));
        let written = value.serialize(&mut serializer);
        *self.row.cell = serializer.into_inner();
        written?;
        write_cell(self.row.line, self.row.cell);
        self.row.cell.clear();
        self.emitted = column + 1;
        Ok(())
    }
    fn end(mut self) -> Result<bool, CsvError> {
        if self.failed {
            return Ok(false);
        }
        self.skip_to(self.row.columns.len());
        self.row.line.push_str("\r\n");
        Ok(true)
    }
}

/// Streams records as CSV into any writer with bounded memory: the header once, then one row per
/// [`CsvWriter::write_row`]. Rows are written to `out` as they come; wrap it in a `BufWriter` (or write into a
/// buffer you flush per chunk) for throughput.
pub struct CsvWriter<W: Write> {
    out: W,
    columns: Option<Vec<String>>,
    header_written: bool,
    line: String,
    /// A cell's text, reused from row to row.
    cell: String,
}

impl<W: Write> CsvWriter<W> {
    /// Columns are taken from the first row's members. Prefer [`CsvWriter::for_type`] when rows can omit `None`
    /// members, or an empty list must still get its header.
    pub fn new(out: W) -> Self {
        CsvWriter { out, columns: None, header_written: false, line: String::new(), cell: String::new() }
    }

    /// Columns given by the caller, in order.
    pub fn with_columns<I, S>(out: W, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CsvWriter {
            out,
            columns: Some(columns.into_iter().map(Into::into).collect()),
            header_written: false,
            line: String::new(),
            cell: String::new(),
        }
    }

    /// Columns = every member the row type declares (its serde names, in declaration order).
    pub fn for_type<T: DeserializeOwned>(out: W) -> Result<Self, CsvError> {
        let names = field_names::<T>()
            .ok_or_else(|| CsvError::Shape("the row type is not a struct with named fields".into()))?;
        Ok(Self::with_columns(out, names.iter().copied()))
    }

    /// The columns in use, once known.
    pub fn columns(&self) -> Option<&[String]> {
        self.columns.as_deref()
    }

    fn write_header(&mut self) -> Result<(), CsvError> {
        if self.header_written {
            return Ok(());
        }
        if let Some(columns) = &self.columns {
            self.line.clear();
            write_line(&mut self.line, columns.iter().map(String::as_str));
            self.out.write_all(self.line.as_bytes())?;
        }
        self.header_written = true;
        Ok(())
    }

    /// Writes one record (a struct or map).
    pub fn write_row<T: ?Sized + Serialize>(&mut self, row: &T) -> Result<(), CsvError> {
        if self.columns.is_some() {
            self.write_header()?;
        }
        if let Some(columns) = &self.columns {
            self.line.clear();
            let direct = DirectRow { line: &mut self.line, cell: &mut self.cell, columns };
            // A struct whose members come in column order is written as it serializes; anything else (or an error,
            // which the general path meets again and reports) takes the general path below.
            if let Ok(true) = row.serialize(direct) {
                self.out.write_all(self.line.as_bytes())?;
                return Ok(());
            }
            self.cell.clear();
        }
        let cells = match row_of(row)? {
            Row::Record(_, cells) => cells,
            Row::Scalar(_) => return Err(CsvError::Shape("a CSV row must be a struct or map".into())),
        };
        if self.columns.is_none() {
            self.columns = Some(cells.iter().map(|(k, _)| k.clone()).collect());
        }
        self.write_header()?;
        self.line.clear();
        write_record(&mut self.line, self.columns.as_deref().unwrap_or_default(), &cells);
        self.out.write_all(self.line.as_bytes())?;
        Ok(())
    }

    /// Writes the header if no row was written (an empty list still has one), flushes, and returns the writer.
    pub fn finish(mut self) -> Result<W, CsvError> {
        self.write_header()?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The member names a type declares for deserialization, in order (serde's names, after `rename_all`), or
/// `None` if it is not a struct with named fields (maps, `flatten`ed structs, tuples).
pub fn field_names<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    match T::deserialize(FieldProbe) {
        Err(Probe::Fields(fields)) => Some(fields),
        _ => None,
    }
}

#[derive(Debug)]
enum Probe {
    Fields(&'static [&'static str]),
    Other,
}

impl std::fmt::Display for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field probe")
    }
}

impl std::error::Error for Probe {}

impl de::Error for Probe {
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        Probe::Other
    }
}

/// A deserializer that answers nothing but records the field list `deserialize_struct` is called with.
struct FieldProbe;

impl<'de> de::Deserializer<'de> for FieldProbe {
    type Error = Probe;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Probe> {
        Err(Probe::Other)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Probe> {
        Err(Probe::Fields(fields))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// Splits CSV text into records of unquoted cells: CRLF or LF line ends, quoted cells may span lines, empty
/// lines are skipped (ServiceStack's ParseLines/ParseFields).
pub fn read_records(text: &str) -> Result<Vec<Vec<String>>, CsvError> {
    let mut records = Vec::new();
    for_each_record(text, |record| -> Result<(), CsvError> {
        records.push(record.iter().map(str::to_owned).collect());
        Ok(())
    })?;
    Ok(records)
}

/// As [`read_records`], one record at a time, so a large file is never held twice: `each` gets every record's
/// unquoted cells in turn and may stop the reading with an error of its own.
pub fn for_each_record<E: From<CsvError>>(
    text: &str,
    each: impl FnMut(&::csv::StringRecord) -> Result<(), E>,
) -> Result<(), E> {
    for_each_record_in(text.as_bytes(), each)
}

/// As [`for_each_record`], reading from `input` as it goes (a file need not be in memory). Text that is not
/// UTF-8 is [`CsvError::NotUtf8`].
pub fn for_each_record_in<E: From<CsvError>>(
    input: impl std::io::Read,
    mut each: impl FnMut(&::csv::StringRecord) -> Result<(), E>,
) -> Result<(), E> {
    let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    let mut record = ::csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) if record.len() == 1 && record.get(0) == Some("") => continue,
            Ok(true) => each(&record)?,
            Err(e) if matches!(e.kind(), ::csv::ErrorKind::Utf8 { .. }) => {
                return Err(CsvError::NotUtf8(e.to_string()).into())
            }
            Err(e) if matches!(e.kind(), ::csv::ErrorKind::Io(_)) => {
                return Err(match e.into_kind() {
                    ::csv::ErrorKind::Io(cause) => CsvError::Io(cause),
                    other => CsvError::Malformed(format!("{other:?}")),
                }
                .into())
            }
            Err(e) => return Err(CsvError::Malformed(e.to_string()).into()),
        }
    }
}

/// Reads a CSV request body: the header names members (trimmed, matched case-insensitively), each following
/// row becomes one `T`, cells parsed per member type with the same rules as query values (JSV lists and
/// objects, ServiceStack booleans); empty cells leave the member at its default.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, CsvError> {
    let mut records = read_records(text)?.into_iter();
    let Some(header) = records.next() else { return Ok(Vec::new()) };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    records
        .enumerate()
        .map(|(i, record)| {
            let mut params = Params::new();
            params.add_source(header.iter().zip(record.iter()).map(|(k, v)| (k.as_str(), v.as_str())));
            binding::bind(&params).map_err(|error| CsvError::Row { row: i + 1, error })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Rec {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference_id: Option<String>,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        is_staging: bool,
    }

    #[test]
    fn the_streaming_writer_takes_its_header_from_the_type() {
        let mut writer = CsvWriter::for_type::<Rec>(Vec::new()).expect("a struct");
        writer.write_row(&Rec { id: "a".into(), reference_id: None, tags: vec![], is_staging: true }).expect("row");
        writer
            .write_row(&Rec {
                id: "b".into(),
                reference_id: Some("x,y".into()),
                tags: vec!["t1".into(), "t 2".into()],
                is_staging: false,
            })
            .expect("row");
        let out = String::from_utf8(writer.finish().expect("finish")).expect("utf-8");
        assert_eq!(out, "id,referenceId,tags,isStaging\r\na,,\"[]\",True\r\nb,\"x,y\",\"[t1,t 2]\",False\r\n");
    }

    #[test]
    fn an_empty_stream_still_has_its_header() {
        let out = CsvWriter::for_type::<Rec>(Vec::new()).expect("a struct").finish().expect("finish");
        assert_eq!(out, b"id,referenceId,tags,isStaging\r\n");
        assert_eq!(CsvWriter::new(Vec::new()).finish().expect("finish"), b"");
    }

    #[test]
    fn in_memory_headers_merge_members_that_rows_omit() {
        let rows = vec![
            Rec { id: "a".into(), ..Rec::default() },
            Rec { id: "b".into(), reference_id: Some("r".into()), ..Rec::default() },
        ];
        assert_eq!(
            to_string(&rows).expect("writes"),
            "id,referenceId,tags,isStaging\r\na,,\"[]\",False\r\nb,r,\"[]\",False\r\n"
        );
    }

    #[test]
    fn csv_bodies_read_back_into_records() {
        let text = "ID, ReferenceId ,tags,isStaging\r\na,,[],True\r\nb,\"x,y\",\"[t1,t 2]\",false\r\n\r\n";
        let read: Vec<Rec> = from_str(text).expect("reads");
        assert_eq!(
            read,
            vec![
                Rec { id: "a".into(), reference_id: None, tags: vec![], is_staging: true },
                Rec {
                    id: "b".into(),
                    reference_id: Some("x,y".into()),
                    tags: vec!["t1".into(), "t 2".into()],
                    is_staging: false
                },
            ]
        );
        let err = from_str::<Rec>("id,isStaging\r\na,maybe\r\n").expect_err("bad bool");
        assert!(matches!(err, CsvError::Row { row: 1, .. }), "{err}");
    }

    #[test]
    fn field_names_come_from_the_declaration() {
        assert_eq!(field_names::<Rec>(), Some(&["id", "referenceId", "tags", "isStaging"][..]));
        assert_eq!(field_names::<std::collections::BTreeMap<String, String>>(), None);
    }
}
