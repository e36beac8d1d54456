//! The flat (spreadsheet) column model: a nested record as one row of dotted columns, and back.
//!
//! ServiceStack's CSV writes a nested member as JSV inside one cell, which a spreadsheet shows as an opaque blob.
//! The flat style (ours, `docs/wire-format.md`, "Flat CSV") lays a record out the way a spreadsheet user reads it:
//!
//! * a nested object with known members becomes one column per member, named by its dotted path
//!   (`billingSettings.base.unitCost`, `appSettings.pageTitle`);
//! * an open-ended map (custom `data`, `integrationData`) becomes one column per key
//!   (`data.Tier`, `integrationData.crm.thirdPartyId`); which keys is decided once per answer ([`MapKeys`]), so
//!   that every row of a stream has the same columns and the header can come first;
//! * a list of named things becomes one readable cell ([`Joined`]): tags as `VIP; Partner`, a breadcrumb as
//!   `Northwind / Riverside Health / Cardio`;
//! * an Evo Voice `Value` (`{stringValue}`, `{numberValue}`, …) is its plain value; a list or struct value, and
//!   any other list (schedule rules), is its JSON text;
//! * a cell a spreadsheet would run as a formula is neutralised as OWASP recommends ([`neutralise`]).
//!
//! What a record looks like is described once by a [`Layout`]; [`FlatColumns`] are its columns for one answer.
//! [`flatten`] turns a record (as a `serde_json::Value`) into the cells of those columns, [`unflatten`] turns a
//! header and a record back into the nested object, and [`FlatCsvWriter`] streams rows with bounded memory.
//! Everything here works on strings and `serde_json` values: no IO beyond the writer it is handed.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use serde_json::{Map, Number, Value};
use thiserror::Error;

/// The type of a single-cell member, which decides how its cell is read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaf {
    /// Text (ids, names, dates, enum names): the cell is the text.
    Text,
    /// A number: the cell is its decimal text (`199`, `0.25`).
    Number,
    /// A boolean: `true` or `false`.
    Bool,
    /// Anything with no flat form of its own (a list such as schedule rules): its JSON text.
    Json,
}

/// A list of objects shown as one cell: the `member` of each item, joined by `separator` and a space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Joined {
    /// The member of each item that the cell shows (`name`).
    pub member: &'static str,
    /// Between two items, followed by a space: `;` gives `VIP; Partner`, `/` gives `A / B` (with a space before too).
    pub separator: char,
    /// Whether [`unflatten`] reads the cell back as a list of those members. When true, a `separator` inside an
    /// item is written twice (`R;;D` for `R;D`), so the cell splits back exactly; when false (a breadcrumb,
    /// derived from the tree and never written) the cell is for reading only and is ignored.
    pub read_back: bool,
}

/// How a record, or one of its members, is laid out in flat columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Layout {
    /// One cell.
    Leaf(Leaf),
    /// Known members, in declared order: one dotted column (or several) per member.
    Object(Vec<(String, Layout)>),
    /// Open-ended keys, each laid out as the inner layout: `member.key` (and deeper). Which keys appear as columns
    /// is decided per answer ([`MapKeys`]).
    Map(Box<Layout>),
    /// A list of objects as one readable cell.
    Joined(Joined),
    /// An Evo Voice `Value`: exactly one of `stringValue`, `numberValue`, `boolValue` (their plain text), or
    /// `listValue`, `structValue` (their JSON text).
    DynamicValue,
}

/// The kind of an Evo Voice `Value`, for reading a `data.*` cell back as the field it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    String,
    Number,
    Bool,
    /// `listValue`: the cell is the JSON list of structs.
    List,
    /// `structValue`: the cell is the JSON object.
    Struct,
}

/// Why a record could not be flattened or read back.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FlatError {
    /// A header names no flat column of the layout.
    #[error("'{0}' is not a column of the flat layout")]
    UnknownColumn(String),
    /// A header names the same column twice.
    #[error("the column '{0}' appears twice")]
    DuplicateColumn(String),
    /// A cell does not read as its column's type.
    #[error("'{column}': {message}")]
    BadCell { column: String, message: String },
    /// The record has a cell beyond the header.
    #[error("the record has {cells} cells but the header names {columns} columns")]
    RaggedRecord { cells: usize, columns: usize },
    /// Open-ended maps name more distinct keys than a sheet could sensibly hold.
    #[error("the records name more than {MAX_MAP_KEYS} distinct keys in open-ended members (data, integrationData); pick columns with `fields`")]
    TooManyColumns,
}

/// At most this many distinct open-ended keys (all maps together) become columns: memory for the column list stays
/// bounded whatever the stored data holds, and no spreadsheet wants more.
pub const MAX_MAP_KEYS: usize = 2_000;

impl Layout {
    /// Finds a dotted name (`billingSettings.Base.unitCost`, `data.Tier`) in the layout: its canonical path
    /// (member names as declared, matched ignoring ASCII case as ServiceStack binds them; map keys exactly as
    /// written, dots and all) and the layout found there. `None` when the layout has no such member.
    pub fn resolve(&self, dotted: &str) -> Option<(Vec<String>, &Layout)> {
        let mut path = Vec::new();
        let found = resolve_in(self, dotted, &mut path)?;
        Some((path, found))
    }
}

fn resolve_in<'a>(layout: &'a Layout, rest: &str, path: &mut Vec<String>) -> Option<&'a Layout> {
    match layout {
        Layout::Object(members) => {
            let (head, tail) = match rest.split_once('.') {
                Some((head, tail)) => (head, Some(tail)),
                None => (rest, None),
            };
            let (name, inner) = members.iter().find(|(name, _)| name.eq_ignore_ascii_case(head))?;
            path.push(name.clone());
            match tail {
                None => Some(inner),
                Some(tail) => resolve_in(inner, tail, path),
            }
        }
        Layout::Map(inner) => {
            if rest.is_empty() {
                return None;
            }
            // A key may itself contain dots: prefer the split whose tail is a member of the inner layout
            // (`crm.thirdPartyId` is key `crm`, member `thirdPartyId`), else the whole rest is the key.
            for (dot, _) in rest.match_indices('.').collect::<Vec<_>>().into_iter().rev() {
                let (key, tail) = (&rest[..dot], &rest[dot + 1..]);
                if key.is_empty() {
                    continue;
                }
                let mut deeper = vec![key.to_owned()];
                if let Some(found) = resolve_in(inner, tail, &mut deeper) {
                    path.extend(deeper);
                    return Some(found);
                }
            }
            path.push(rest.to_owned());
            Some(inner)
        }
        Layout::Leaf(_) | Layout::Joined(_) | Layout::DynamicValue => None,
    }
}

/// The keys of each open-ended map that become columns, collected from the records of one answer (keyed by the
/// map's dotted path, e.g. `data`). Columns are then the same for every row, whatever keys a row has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapKeys {
    keys: BTreeMap<String, BTreeSet<String>>,
    count: usize,
}

impl MapKeys {
    /// A key of `other` that this set lacks, as its dotted column name (`data.Tier`), if there is one.
    pub fn first_missing_of(&self, other: &MapKeys) -> Option<String> {
        other.keys.iter().find_map(|(map, keys)| {
            let known = self.keys.get(map);
            keys.iter().find(|key| !known.is_some_and(|known| known.contains(*key))).map(|key| format!("{map}.{key}"))
        })
    }

    /// Adds the keys `record` has in the maps of `layout`. Errs past [`MAX_MAP_KEYS`] distinct keys.
    pub fn add(&mut self, layout: &Layout, record: &Value) -> Result<(), FlatError> {
        self.add_at(layout, record, &mut Vec::new())
    }

    fn add_at(&mut self, layout: &Layout, value: &Value, path: &mut Vec<String>) -> Result<(), FlatError> {
        match (layout, value) {
            (Layout::Object(members), Value::Object(object)) => {
                for (name, inner) in members {
                    if let Some(member) = object.get(name.as_str()) {
                        path.push(name.clone());
                        self.add_at(inner, member, path)?;
                        path.pop();
                    }
                }
            }
            (Layout::Map(inner), Value::Object(object)) => {
                for (key, member) in object {
                    let keys = self.keys.entry(path.join(".")).or_default();
                    if !keys.contains(key) {
                        if self.count >= MAX_MAP_KEYS {
                            return Err(FlatError::TooManyColumns);
                        }
                        keys.insert(key.clone());
                        self.count += 1;
                    }
                    path.push(key.clone());
                    self.add_at(inner, member, path)?;
                    path.pop();
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Adds one key of the map at `map_path` (e.g. the account's defined data fields, so that a column shows even
    /// when no row has a value for it).
    pub fn insert(&mut self, map_path: &str, key: &str) -> Result<(), FlatError> {
        let keys = self.keys.entry(map_path.to_owned()).or_default();
        if !keys.contains(key) {
            if self.count >= MAX_MAP_KEYS {
                return Err(FlatError::TooManyColumns);
            }
            keys.insert(key.to_owned());
            self.count += 1;
        }
        Ok(())
    }
}

/// What one column shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    Leaf(Leaf),
    Joined(Joined),
    DynamicValue,
}

/// One flat column: its dotted name, and where its cell comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    name: String,
    path: Vec<String>,
    cell: Cell,
}

impl Column {
    /// The dotted name, as the header shows it.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The columns of one flat answer, in order: the layout's members in declared order, map keys A–Z.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatColumns {
    columns: Vec<Column>,
}

impl FlatColumns {
    /// Every column of `layout`, with `keys` as the columns of its maps.
    pub fn new(layout: &Layout, keys: &MapKeys) -> Self {
        let mut columns = Vec::new();
        collect_columns(layout, keys, &mut Vec::new(), &mut columns);
        Self { columns }
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The header: every column's dotted name.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.name.as_str())
    }

    /// Only the columns at or under each of `paths` (canonical paths from [`Layout::resolve`]), in the order of
    /// `paths`, each column once. A path under a map whose key no record has gives its own column (empty cells),
    /// as long as the layout has one there.
    pub fn select(&self, layout: &Layout, paths: &[Vec<String>]) -> Self {
        let mut chosen: Vec<Column> = Vec::new();
        for path in paths {
            let mut matched = false;
            for column in &self.columns {
                if column.path.starts_with(path) {
                    matched = true;
                    if !chosen.iter().any(|c| c.path == column.path) {
                        chosen.push(column.clone());
                    }
                }
            }
            if !matched {
                // A key that no record has: the column exists all the same (it was asked for), with empty cells.
                let mut keys = MapKeys::default();
                let mut with_key = Vec::new();
                if let Some(cell) = column_at(layout, path, &mut keys, &mut with_key) {
                    for column in cell {
                        if !chosen.iter().any(|c| c.path == column.path) {
                            chosen.push(column);
                        }
                    }
                }
            }
        }
        Self { columns: chosen }
    }
}

/// The columns under `path` of `layout`, taking each map key on the path as present.
fn column_at(layout: &Layout, path: &[String], keys: &mut MapKeys, prefix: &mut Vec<String>) -> Option<Vec<Column>> {
    let Some((head, rest)) = path.split_first() else {
        let mut columns = Vec::new();
        collect_columns(layout, keys, prefix, &mut columns);
        return Some(columns);
    };
    match layout {
        Layout::Object(members) => {
            let (name, inner) = members.iter().find(|(name, _)| name == head)?;
            prefix.push(name.clone());
            column_at(inner, rest, keys, prefix)
        }
        Layout::Map(inner) => {
            keys.insert(&prefix.join("."), head).ok()?;
            prefix.push(head.clone());
            column_at(inner, rest, keys, prefix)
        }
        _ => None,
    }
}

fn collect_columns(layout: &Layout, keys: &MapKeys, path: &mut Vec<String>, out: &mut Vec<Column>) {
    let mut leaf = |cell: Cell, path: &Vec<String>| {
        out.push(Column { name: path.join("."), path: path.clone(), cell });
    };
    match layout {
        Layout::Leaf(kind) => leaf(Cell::Leaf(*kind), path),
        Layout::Joined(joined) => leaf(Cell::Joined(*joined), path),
        Layout::DynamicValue => leaf(Cell::DynamicValue, path),
        Layout::Object(members) => {
            for (name, inner) in members {
                path.push(name.clone());
                collect_columns(inner, keys, path, out);
                path.pop();
            }
        }
        Layout::Map(inner) => {
            let Some(map_keys) = keys.keys.get(&path.join(".")) else { return };
            for key in map_keys {
                path.push(key.clone());
                collect_columns(inner, keys, path, out);
                path.pop();
            }
        }
    }
}

/// The cells of `record` under `columns`, in order, each ready for a spreadsheet (neutralised, not yet quoted):
/// text as it is, numbers in decimal, booleans `true`/`false`, absent or null members empty.
pub fn flatten(columns: &FlatColumns, record: &Value) -> Vec<String> {
    columns.columns.iter().map(|column| neutralise(cell_of(column, record))).collect()
}

fn lookup<'a>(record: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(record, |value, segment| value.get(segment.as_str()))
}

fn cell_of(column: &Column, record: &Value) -> String {
    let Some(value) = lookup(record, &column.path) else { return String::new() };
    match column.cell {
        Cell::Leaf(_) => plain_text(value),
        Cell::Joined(joined) => joined_text(joined, value),
        Cell::DynamicValue => dynamic_text(value),
    }
}

/// A scalar as its text; a list or object as its JSON text.
fn plain_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(_) | Value::Object(_) => value.to_string(),
    }
}

fn joined_text(joined: Joined, value: &Value) -> String {
    let Value::Array(items) = value else { return plain_text(value) };
    let separator = if joined.separator == '/' { " / ".to_owned() } else { format!("{} ", joined.separator) };
    let doubled = joined.separator.to_string().repeat(2);
    items
        .iter()
        .map(|item| {
            let text = item.get(joined.member).map(plain_text).unwrap_or_default();
            if joined.read_back {
                text.replace(joined.separator, &doubled)
            } else {
                text
            }
        })
        .collect::<Vec<_>>()
        .join(&separator)
}

fn dynamic_text(value: &Value) -> String {
    let Value::Object(members) = value else { return plain_text(value) };
    for kind in ["stringValue", "numberValue", "boolValue", "listValue", "structValue"] {
        if let Some(inner) = members.get(kind).filter(|v| !v.is_null()) {
            return plain_text(inner);
        }
    }
    String::new()
}

/// Whether a spreadsheet would run the cell as a formula, or would read back a cell that starts with our own
/// neutralising quote wrongly: OWASP's triggers `=`, `+`, `-`, `@`, tab and CR, plus `'` so that a text that
/// really starts with a quote keeps it through [`restore`]. A negative number (`-12.5`) is no formula and stays a
/// number.
fn needs_neutralising(cell: &str) -> bool {
    match cell.chars().next() {
        Some('=' | '+' | '@' | '\t' | '\r' | '\'') => true,
        Some('-') => !is_decimal_number(cell),
        _ => false,
    }
}

/// `-?digits(.digits)?(e[+-]?digits)?`: a number as this module writes one.
fn is_decimal_number(cell: &str) -> bool {
    let body = cell.strip_prefix('-').unwrap_or(cell);
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// OWASP's CSV-injection defence: a cell that starts with `=`, `+`, `-`, `@`, tab or CR (or with `'`, see
/// [`restore`]) gets a leading `'`, which makes a spreadsheet show it as text. [`FlatCsvWriter`] also quotes such
/// a cell. Negative numbers are left alone.
pub fn neutralise(cell: String) -> String {
    if needs_neutralising(&cell) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// The inverse of [`neutralise`]: one leading `'` removed. Exact because every cell that starts with `'` was
/// given one.
pub fn restore(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

/// Reads one flat record back into the nested object it was flattened from: `header` names the columns (dotted
/// names, members matched ignoring ASCII case), `record` holds the cells as a CSV reader gives them.
///
/// * an empty cell leaves its member out (a spreadsheet cannot tell empty text from none);
/// * a neutralised cell is restored ([`restore`]);
/// * a [`Joined`] cell that reads back (tags) becomes a list of its items' texts (`["VIP", "Partner"]`, the tag
///   *names*: resolving them to ids is the caller's business); one that does not (the breadcrumb) is ignored;
/// * a `data.*` cell becomes a Value of the kind `kinds` names for its column (`data.Seats` → `Number`, e.g. from
///   the account's field definitions); without one, `true`/`false` read as a bool, a decimal number as a number,
///   JSON starting `[` or `{` as a list or struct, anything else as text.
///
/// A header that names no column of `layout`, or one column twice, a cell that does not read as its column's
/// type, or a record longer than its header is an error naming the column.
pub fn unflatten<H: AsRef<str>, C: AsRef<str>>(
    layout: &Layout,
    header: &[H],
    record: &[C],
    kinds: &BTreeMap<String, ValueKind>,
) -> Result<Value, FlatError> {
    if record.len() > header.len() {
        return Err(FlatError::RaggedRecord { cells: record.len(), columns: header.len() });
    }
    let mut seen = BTreeSet::new();
    let mut object = Map::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.as_ref().trim();
        let (path, found) = layout.resolve(name).ok_or_else(|| FlatError::UnknownColumn(name.to_owned()))?;
        let column = path.join(".");
        if !seen.insert(column.clone()) {
            return Err(FlatError::DuplicateColumn(column));
        }
        let raw = record.get(i).map(AsRef::as_ref).unwrap_or("");
        if raw.is_empty() {
            continue;
        }
        let text = restore(raw);
        let bad = |message: String| FlatError::BadCell { column: column.clone(), message };
        let value = match found {
            Layout::Leaf(leaf) => read_leaf(*leaf, text).map_err(bad)?,
            Layout::Joined(joined) if joined.read_back => split_joined(*joined, text),
            Layout::Joined(_) => continue,
            Layout::DynamicValue => read_dynamic(kinds.get(&column).copied(), text).map_err(bad)?,
            Layout::Object(_) | Layout::Map(_) => return Err(FlatError::UnknownColumn(name.to_owned())),
        };
        insert_at(&mut object, &path, value);
    }
    Ok(Value::Object(object))
}

fn insert_at(object: &mut Map<String, Value>, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut current = object;
    for segment in parents {
        let entry = current.entry(segment.clone()).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else { return };
        current = next;
    }
    current.insert(last.clone(), value);
}

fn number(text: &str) -> Result<Value, String> {
    if let Ok(whole) = text.parse::<i64>() {
        return Ok(Value::Number(whole.into()));
    }
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| format!("'{text}' is not a number"))
}

fn boolean(text: &str) -> Result<Value, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" => Ok(Value::Bool(true)),
        "false" => Ok(Value::Bool(false)),
        _ => Err(format!("'{text}' is not true or false")),
    }
}

fn json(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))
}

fn read_leaf(leaf: Leaf, text: &str) -> Result<Value, String> {
    match leaf {
        Leaf::Text => Ok(Value::String(text.to_owned())),
        Leaf::Number => number(text),
        Leaf::Bool => boolean(text),
        Leaf::Json => json(text),
    }
}

fn split_joined(joined: Joined, text: &str) -> Value {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == joined.separator {
            if chars.peek() == Some(&joined.separator) {
                chars.next();
                current.push(c);
            } else {
                items.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    items.push(current);
    Value::Array(
        items.into_iter().map(|item| item.trim().to_owned()).filter(|i| !i.is_empty()).map(Value::String).collect(),
    )
}

fn read_dynamic(kind: Option<ValueKind>, text: &str) -> Result<Value, String> {
    let kind = kind.unwrap_or_else(|| guess_kind(text));
    let (member, value) = match kind {
        ValueKind::String => ("stringValue", Value::String(text.to_owned())),
        ValueKind::Number => ("numberValue", number(text)?),
        ValueKind::Bool => ("boolValue", boolean(text)?),
        ValueKind::List => match json(text)? {
            list @ Value::Array(_) => ("listValue", list),
            _ => return Err("not a JSON list".into()),
        },
        ValueKind::Struct => match json(text)? {
            object @ Value::Object(_) => ("structValue", object),
            _ => return Err("not a JSON object".into()),
        },
    };
    Ok(Value::Object(Map::from_iter([(member.to_owned(), value)])))
}

fn guess_kind(text: &str) -> ValueKind {
    match text {
        "true" | "false" => ValueKind::Bool,
        _ if is_decimal_number(text) => ValueKind::Number,
        _ if text.starts_with('[') && matches!(json(text), Ok(Value::Array(_))) => ValueKind::List,
        _ if text.starts_with('{') && matches!(json(text), Ok(Value::Object(_))) => ValueKind::Struct,
        _ => ValueKind::String,
    }
}

/// Appends one flat cell with RFC 4180 quoting: quoted when it holds `"`, `,`, CR or LF, and always when it was
/// neutralised (OWASP: the quote prefix inside a quoted cell).
pub fn write_flat_cell(out: &mut String, cell: &str) {
    let quote = cell.starts_with('\'') || crate::csv::needs_rfc4180_quotes(cell);
    crate::csv::push_cell(out, cell, quote);
}

/// Streams flat rows as CSV with bounded memory: the header once (even with no rows), then one row per record,
/// `,` between cells, `\r\n` after every row, as [`crate::csv::CsvWriter`] does for the ServiceStack style.
pub struct FlatCsvWriter<W: Write> {
    out: W,
    columns: FlatColumns,
    header_written: bool,
    line: String,
}

impl<W: Write> FlatCsvWriter<W> {
    pub fn new(out: W, columns: FlatColumns) -> Self {
        Self { out, columns, header_written: false, line: String::new() }
    }

    pub fn columns(&self) -> &FlatColumns {
        &self.columns
    }

    fn write_header(&mut self) -> std::io::Result<()> {
        if self.header_written {
            return Ok(());
        }
        self.line.clear();
        let names: Vec<String> = self.columns.names().map(|n| neutralise(n.to_owned())).collect();
        self.push_line(names.iter().map(String::as_str));
        self.out.write_all(self.line.as_bytes())?;
        self.header_written = true;
        Ok(())
    }

    fn push_line<'a>(&mut self, cells: impl Iterator<Item = &'a str>) {
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            write_flat_cell(&mut self.line, cell);
        }
        self.line.push_str("\r\n");
    }

    /// Writes one record (the `serde_json::Value` of a row).
    pub fn write_value(&mut self, record: &Value) -> std::io::Result<()> {
        self.write_header()?;
        let cells = flatten(&self.columns, record);
        self.line.clear();
        self.push_line(cells.iter().map(String::as_str));
        self.out.write_all(self.line.as_bytes())
    }

    /// Writes one typed record.
    pub fn write_row<T: ?Sized + serde::Serialize>(&mut self, row: &T) -> std::io::Result<()> {
        let record = serde_json::to_value(row).map_err(std::io::Error::other)?;
        self.write_value(&record)
    }

    /// Writes the header if no row was written, flushes, and returns the writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.write_header()?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TAGS: Joined = Joined { member: "name", separator: ';', read_back: true };
    const BREADCRUMB: Joined = Joined { member: "name", separator: '/', read_back: false };

    fn object(members: Vec<(&str, Layout)>) -> Layout {
        Layout::Object(members.into_iter().map(|(name, layout)| (name.to_owned(), layout)).collect())
    }

    fn layout() -> Layout {
        object(vec![
            ("id", Layout::Leaf(Leaf::Text)),
            ("breadcrumb", Layout::Joined(BREADCRUMB)),
            ("isStaging", Layout::Leaf(Leaf::Bool)),
            ("data", Layout::Map(Box::new(Layout::DynamicValue))),
            ("tags", Layout::Joined(TAGS)),
            ("integrationData", Layout::Map(Box::new(object(vec![("thirdPartyId", Layout::Leaf(Leaf::Text))])))),
            (
                "billingSettings",
                object(vec![(
                    "base",
                    object(vec![("unitCost", Layout::Leaf(Leaf::Number)), ("allowance", Layout::Leaf(Leaf::Number))]),
                )]),
            ),
            ("rules", Layout::Leaf(Leaf::Json)),
        ])
    }

    fn record() -> Value {
        json!({
            "id": "c1",
            "breadcrumb": [{"id": "a", "name": "Northwind"}, {"id": "b", "name": "Riverside Health"}],
            "isStaging": true,
            "data": {
                "Tier": {"stringValue": "=HYPERLINK(\"http://x\")"},
                "Seats": {"numberValue": -12.5},
                "Managed": {"boolValue": false},
                "Notes.v2": {"stringValue": "'quoted, already"},
                "Extra": {"structValue": {"k": {"stringValue": "v"}}}
            },
            "tags": [{"id": "t1", "name": "VIP"}, {"id": "t2", "name": "R;D"}],
            "integrationData": {"crm": {"thirdPartyId": "+1 555"}},
            "billingSettings": {"base": {"unitCost": 0.25, "allowance": 3}},
            "rules": [{"id": "r1"}]
        })
    }

    fn columns_of(records: &[Value]) -> FlatColumns {
        let mut keys = MapKeys::default();
        for r in records {
            keys.add(&layout(), r).expect("few keys");
        }
        FlatColumns::new(&layout(), &keys)
    }

    #[test]
    fn nested_members_become_dotted_columns_and_maps_one_column_per_key() {
        let columns = columns_of(&[record(), json!({"id": "c2", "data": {"Zone": {"stringValue": "z"}}})]);
        let names: Vec<&str> = columns.names().collect();
        assert_eq!(
            names,
            [
                "id",
                "breadcrumb",
                "isStaging",
                "data.Extra",
                "data.Managed",
                "data.Notes.v2",
                "data.Seats",
                "data.Tier",
                "data.Zone",
                "tags",
                "integrationData.crm.thirdPartyId",
                "billingSettings.base.unitCost",
                "billingSettings.base.allowance",
                "rules"
            ]
        );
        let cells = flatten(&columns, &record());
        assert_eq!(
            cells,
            [
                "c1",
                "Northwind / Riverside Health",
                "true",
                "{\"k\":{\"stringValue\":\"v\"}}",
                "false",
                "''quoted, already",
                "-12.5",
                "'=HYPERLINK(\"http://x\")",
                "",
                "VIP; R;;D",
                "'+1 555",
                "0.25",
                "3",
                "[{\"id\":\"r1\"}]"
            ]
        );
    }

    #[test]
    fn a_flat_row_reads_back_to_the_record_less_what_only_shows() {
        let columns = columns_of(&[record()]);
        let header: Vec<&str> = columns.names().collect();
        let cells = flatten(&columns, &record());
        let kinds = BTreeMap::new();
        let back = unflatten(&layout(), &header, &cells, &kinds).expect("reads back");
        let mut expected = record();
        expected.as_object_mut().expect("object").remove("breadcrumb");
        expected["tags"] = json!(["VIP", "R;D"]);
        assert_eq!(back, expected);
    }

    #[test]
    fn data_cells_take_the_kind_they_are_told() {
        let header = ["DATA.Code", "data.Seats"];
        let mut kinds = BTreeMap::new();
        kinds.insert("data.Code".to_owned(), ValueKind::String);
        let back = unflatten(&layout(), &header, &["007", "7"], &kinds).expect("reads");
        assert_eq!(back, json!({"data": {"Code": {"stringValue": "007"}, "Seats": {"numberValue": 7}}}));
    }

    #[test]
    fn bad_headers_and_cells_are_named() {
        let kinds = BTreeMap::new();
        let unknown = unflatten(&layout(), &["id", "nickname"], &["a", "b"], &kinds);
        assert_eq!(unknown, Err(FlatError::UnknownColumn("nickname".into())));
        let twice = unflatten(&layout(), &["id", "ID"], &["a", "b"], &kinds);
        assert_eq!(twice, Err(FlatError::DuplicateColumn("id".into())));
        let bad = unflatten(&layout(), &["isStaging"], &["maybe"], &kinds);
        assert!(matches!(bad, Err(FlatError::BadCell { column, .. }) if column == "isStaging"));
        let object = unflatten(&layout(), &["billingSettings"], &["x"], &kinds);
        assert_eq!(object, Err(FlatError::UnknownColumn("billingSettings".into())));
        let ragged = unflatten(&layout(), &["id"], &["a", "b"], &kinds);
        assert!(matches!(ragged, Err(FlatError::RaggedRecord { .. })));
    }

    #[test]
    fn formulas_are_neutralised_and_restored_exactly() {
        for text in ["=1+2", "+1", "-x", "@SUM(A1)", "\tx", "\rx", "'x", "''x", "-", "plain", "-12", "-1.5e3", ""] {
            let cell = neutralise(text.to_owned());
            assert_eq!(restore(&cell), text, "{text:?} round-trips");
            let runs = matches!(cell.chars().next(), Some('=' | '+' | '@' | '\t' | '\r'))
                || (cell.starts_with('-') && !is_decimal_number(&cell));
            assert!(!runs, "{cell:?} would still run");
        }
        assert_eq!(neutralise("-12".into()), "-12", "a negative number stays a number");
        let mut line = String::new();
        write_flat_cell(&mut line, &neutralise("=cmd".into()));
        assert_eq!(line, "\"'=cmd\"", "a neutralised cell is quoted too");
    }

    #[test]
    fn dotted_names_resolve_ignoring_case_with_keys_as_written() {
        let layout = layout();
        let (path, _) = layout.resolve("BillingSettings.BASE.unitcost").expect("a member");
        assert_eq!(path, ["billingSettings", "base", "unitCost"]);
        let (path, _) = layout.resolve("integrationData.crm.v2.thirdPartyId").expect("a key with a dot");
        assert_eq!(path, ["integrationData", "crm.v2", "thirdPartyId"]);
        let (path, _) = layout.resolve("data.Notes.v2").expect("a data key with a dot");
        assert_eq!(path, ["data", "Notes.v2"]);
        assert!(layout.resolve("data").is_some());
        assert!(layout.resolve("nickname").is_none());
        assert!(layout.resolve("isStaging.x").is_none());
        assert!(layout.resolve("data.").is_none());
    }

    #[test]
    fn a_selection_orders_columns_and_keeps_asked_for_keys() {
        let layout = layout();
        let columns = columns_of(&[record()]);
        let paths: Vec<Vec<String>> = ["billingSettings", "data.Unknown", "id", "billingSettings.base.unitCost"]
            .iter()
            .map(|name| layout.resolve(name).expect("resolves").0)
            .collect();
        let chosen = columns.select(&layout, &paths);
        let names: Vec<&str> = chosen.names().collect();
        assert_eq!(names, ["billingSettings.base.unitCost", "billingSettings.base.allowance", "data.Unknown", "id"]);
    }

    #[test]
    fn the_writer_writes_a_header_even_without_rows() {
        let columns = columns_of(&[record()]);
        let empty = FlatCsvWriter::new(Vec::new(), columns.clone()).finish().expect("writes");
        let text = String::from_utf8(empty).expect("utf-8");
        assert!(text.starts_with("id,breadcrumb,isStaging,data.Extra,"), "{text}");
        assert_eq!(text.matches("\r\n").count(), 1);
        let mut writer = FlatCsvWriter::new(Vec::new(), columns);
        writer.write_value(&record()).expect("writes");
        let text = String::from_utf8(writer.finish().expect("finishes")).expect("utf-8");
        let rows = crate::csv::read_records(&text).expect("reads back");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][7], "'=HYPERLINK(\"http://x\")");
    }

    #[test]
    fn too_many_distinct_keys_is_an_error_not_unbounded_memory() {
        let mut keys = MapKeys::default();
        let mut data = Map::new();
        for i in 0..=MAX_MAP_KEYS {
            data.insert(format!("k{i}"), json!({"stringValue": "v"}));
        }
        assert_eq!(keys.add(&layout(), &json!({"data": data})), Err(FlatError::TooManyColumns));
    }
}
