//! Reading an import file (ImportCustomers, `canopy import`) into rows for the store.
//!
//! Every input format is first reduced to one set of members per row, member name → value (the wire crate's
//! [`Params`], which is also what a request body becomes): a JSON object's members keep their JSON values, a
//! ServiceStack CSV record's cells are text keyed by the header's column names. Everything after that is one path
//! ([`read_row`]): binding to [`ImportedCustomer`] (type-directed, so a CSV cell holding JSV is read as the member's
//! type, exactly as a query value or a CSV request body is), the checks a row alone allows, and its row number in
//! every error. A new input format is one more function from bytes to `Params` per row, and one more
//! [`FileFormat`] (the flat spreadsheet CSV: dotted column names folded into one nested member per top-level
//! name, then the same path).

use canopy_domain::{
    import::{row_field, ImportedCustomer, MAX_IMPORT_ROWS},
    FieldError, ValidationErrors,
};
use std::collections::{BTreeMap, HashMap};

use canopy_domain::{import::RowKeys, patch::CustomerChanges};
use canopy_store::{ImportRequest, ImportRow, Store, StoreError, StoreResult};
use canopy_wire::{
    binding::{Params, BIND_ERROR_CODE},
    flat::ValueKind,
};
use std::io::{self, BufRead, Read};

/// What an import file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// ServiceStack CSV, as `format=csv` exports it: a header of member names, nested values as JSV in cells.
    Csv,
    /// A JSON list of customers: export's envelope `{"items":[…],…}`, or a plain array.
    Json,
    /// JSON lines: one customer object per line (blank lines are skipped).
    JsonLines,
    /// The flat spreadsheet CSV (`csvStyle=Flat`): dotted columns, tags by name. A CSV file whose header has a
    /// dotted column is read so without being named; name it (`flatcsv`) for a flat file without one.
    FlatCsv,
}

impl FileFormat {
    /// By name, as `fileFormat` and `canopy import --format` take it.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "json" => Some(FileFormat::Json),
            "jsonl" | "ndjson" | "jsonlines" => Some(FileFormat::JsonLines),
            "flatcsv" | "flat" | "csv-flat" => Some(FileFormat::FlatCsv),
            _ => None,
        }
    }

    /// By media type (parameters already cut off).
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        match content_type {
            "text/csv" => Some(FileFormat::Csv),
            "application/json" => Some(FileFormat::Json),
            "application/x-ndjson" | "application/jsonl" | "application/x-jsonlines" | "application/jsonlines" => {
                Some(FileFormat::JsonLines)
            }
            _ => None,
        }
    }

    /// By a file's extension (`canopy import customers.csv`).
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        path.extension().and_then(|e| e.to_str()).and_then(Self::from_name)
    }

    /// By the content, when nothing says: a JSON document starts with `[` or is one object; JSON lines are
    /// several objects, one per line; anything else is read as CSV. Reads `input` from its start as far as it
    /// takes (the whole of it, for a file starting with `{`), and leaves it at its start.
    pub fn sniff(input: &mut (impl Read + io::Seek)) -> io::Result<Self> {
        input.rewind()?;
        let first = io::BufReader::new(&mut *input)
            .bytes()
            .find(|byte| !matches!(byte, Ok(b) if b.is_ascii_whitespace()))
            .transpose()?;
        input.rewind()?;
        let format = match first {
            Some(b'[') => FileFormat::Json,
            Some(b'{')
                if serde_json::from_reader::<_, serde::de::IgnoredAny>(io::BufReader::new(&mut *input)).is_ok() =>
            {
                FileFormat::Json
            }
            Some(b'{') => FileFormat::JsonLines,
            _ => FileFormat::Csv,
        };
        input.rewind()?;
        Ok(format)
    }
}

fn file_error(code: &str, message: impl Into<String>) -> ValidationErrors {
    ValidationErrors::single("file", code, message)
}

fn too_many_rows() -> ValidationErrors {
    file_error("Length", format!("an import holds at most {MAX_IMPORT_ROWS} rows; split the file"))
}

/// How the `data.*` cells of a flat CSV read back for the account the rows go into: its customer field
/// definitions (a `Number` field's `007` is 7, a `String` field's stays `007`).
pub type DataKinds<'a> = &'a mut dyn FnMut(&str) -> BTreeMap<String, ValueKind>;

/// [`DataKinds`] read from `store`: an account it cannot read has no definitions (its rows are refused later, by
/// the store, for the account itself).
pub fn data_kinds_in(store: &Store) -> impl FnMut(&str) -> BTreeMap<String, ValueKind> + '_ {
    |account_id| {
        store
            .get_system_settings(account_id)
            .map(|settings| crate::view::data_kinds(&settings.customer_fields))
            .unwrap_or_default()
    }
}

/// A row's members, or why its text could not even be read as a row.
pub type RowMembers = Result<Params, String>;

/// Why reading an import file stopped: the file is refused (whole, or a row too many), or the disk the rows wait
/// on failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Refused(ValidationErrors),
    #[error("keeping the import's rows: {0}")]
    Io(#[from] io::Error),
}

impl From<ValidationErrors> for ReadError {
    fn from(errors: ValidationErrors) -> Self {
        ReadError::Refused(errors)
    }
}

impl From<ReadError> for StoreError {
    fn from(error: ReadError) -> Self {
        match error {
            ReadError::Refused(errors) => StoreError::Validation(errors),
            ReadError::Io(cause) => StoreError::Io(format!("keeping the import's rows: {cause}")),
        }
    }
}

/// How to import a file: ImportCustomers's members besides the file (`canopy import`'s options).
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The account to import into; without it, the one account the rows name.
    pub account_id: Option<String>,
    pub dry_run: bool,
    pub include_rows: bool,
    /// Skip refused rows (and the rows below them) and import the rest, instead of refusing the file.
    pub skip_refused: bool,
}

/// A read import file: what the store plans with (each row's keys), and the rows themselves, kept on disk for the
/// store to read again one at a time as it writes them.
pub struct ImportFile {
    pub request: ImportRequest,
    pub rows: SpooledRows,
}

/// How each row's text becomes members: what a CSV header and a flat CSV's accounts taught the first reading,
/// kept for the second.
struct RowDecoder {
    /// A CSV file's header, and whether it is the flat style; `None` for JSON.
    csv: Option<(Vec<String>, bool)>,
    /// The account the import goes into, when the request names it.
    import_account: Option<String>,
    /// A flat CSV's data kinds, by account, asked once each.
    kinds_by_account: HashMap<String, BTreeMap<String, ValueKind>>,
}

impl RowDecoder {
    /// A CSV record's members. `data_kinds` answers the data kinds of an account not asked yet (the first reading
    /// only: by the second, every account has been).
    fn csv_members(&mut self, cells: &[&str], data_kinds: Option<&mut DataKinds<'_>>) -> RowMembers {
        let Some((columns, is_flat)) = &self.csv else { return Err("not a CSV record".into()) };
        if *is_flat {
            let account = self.import_account.as_deref().or_else(|| {
                columns.iter().position(|h| h.eq_ignore_ascii_case("accountId")).and_then(|i| cells.get(i).copied())
            });
            let no_kinds = BTreeMap::new();
            let kinds = match (account.filter(|a| !a.trim().is_empty()), data_kinds) {
                (Some(account), Some(data_kinds)) => {
                    self.kinds_by_account.entry(account.to_owned()).or_insert_with(|| data_kinds(account))
                }
                (Some(account), None) => self.kinds_by_account.get(account).unwrap_or(&no_kinds),
                (None, _) => &no_kinds,
            };
            flat_members(columns, cells, kinds)
        } else if cells.len() > columns.len() {
            Err(format!("the record has {} cells, the header {} columns", cells.len(), columns.len()))
        } else {
            let mut params = Params::new();
            params.add_source(columns.iter().zip(cells.iter()).map(|(k, v)| (k.as_str(), *v)));
            Ok(params)
        }
    }
}

/// Where each row's text waits for its second reading: a temporary file (gone when this is dropped) and where each
/// row lies in it. A JSON row is kept as the very text it was read from; a CSV row as the JSON list of its cells, as
/// the CSV reader gave them (CSV text read again alone could read otherwise: a leading byte order mark is dropped
/// from the start of any CSV text).
pub struct SpooledRows {
    file: std::fs::File,
    spans: Vec<(u64, u32)>,
    decoder: RowDecoder,
    buffer: Vec<u8>,
}

impl canopy_store::RowValues for SpooledRows {
    fn read(&mut self, index: usize) -> StoreResult<(RowKeys, CustomerChanges)> {
        use std::os::unix::fs::FileExt;
        let unreadable =
            |cause: String| StoreError::Io(format!("reading the import's row {} again: {cause}", index + 1));
        let &(offset, length) = self.spans.get(index).ok_or_else(|| unreadable("no such row".into()))?;
        self.buffer.resize(length as usize, 0);
        self.file.read_exact_at(&mut self.buffer, offset).map_err(|e| unreadable(e.to_string()))?;
        let members = if self.decoder.csv.is_some() {
            let cells: Vec<String> = serde_json::from_slice(&self.buffer).map_err(|e| unreadable(e.to_string()))?;
            let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
            self.decoder.csv_members(&cells, None)
        } else {
            serde_json::from_slice(&self.buffer).map_err(|e| e.to_string()).and_then(object_members)
        };
        Ok(read_values(index + 1, members, &mut Vec::new()))
    }
}

/// The first reading: every row in turn is kept on disk and read into its keys (and refusals), its values
/// dropped at once.
struct FirstReading<'a> {
    rows: Vec<ImportRow>,
    refusals: Vec<(usize, FieldError)>,
    spool: io::BufWriter<std::fs::File>,
    spans: Vec<(u64, u32)>,
    written: u64,
    decoder: RowDecoder,
    data_kinds: DataKinds<'a>,
}

impl FirstReading<'_> {
    /// Takes the next row: `text` as it is kept, `members` as it reads.
    fn take(&mut self, text: &[u8], members: RowMembers) -> Result<(), ReadError> {
        if self.rows.len() == MAX_IMPORT_ROWS {
            return Err(too_many_rows().into());
        }
        io::Write::write_all(&mut self.spool, text)?;
        let length = u32::try_from(text.len()).map_err(|_| io::Error::other("a row of more than 4 GiB"))?;
        self.spans.push((self.written, length));
        self.written += u64::from(length);
        let (number, before) = (self.rows.len() + 1, self.refusals.len());
        let (keys, changes) = read_values(number, members, &mut self.refusals);
        self.rows.push(ImportRow::new(number, keys, &changes, self.refusals.len() > before));
        Ok(())
    }

    /// A JSON row, kept as the text it was read from, so that reading it again gives exactly the same values.
    fn take_json(&mut self, raw: &serde_json::value::RawValue) -> Result<(), ReadError> {
        let members = serde_json::from_str(raw.get()).map_err(|e| e.to_string()).and_then(object_members);
        self.take(raw.get().as_bytes(), members)
    }
}

fn object_members(value: serde_json::Value) -> RowMembers {
    match value {
        serde_json::Value::Object(object) => {
            let mut params = Params::new();
            params.add_json_object(object);
            Ok(params)
        }
        other => Err(format!("a row must be a JSON object, not {}", json_kind(&other))),
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

const NOT_A_LIST: &str =
    "a JSON import is a list of customers, or an object whose 'items' is one (as export writes it)";

/// A JSON document read item by item: the plain array, or the envelope's `items` (its other members skipped),
/// each item parsed alone and handed on.
struct JsonRows<'a, 'b> {
    reading: &'a mut FirstReading<'b>,
    /// Why the reading stopped, told apart from a JSON syntax error.
    stopped: &'a mut Option<ReadError>,
}

impl<'de> serde::de::Visitor<'de> for JsonRows<'_, '_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(NOT_A_LIST)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<bool, A::Error> {
        while let Some(item) = items.next_element::<Box<serde_json::value::RawValue>>()? {
            if let Err(stop) = self.reading.take_json(&item) {
                *self.stopped = Some(stop);
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(true)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut envelope: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = envelope.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "items" && !found {
                found =
                    envelope.next_value_seed(JsonRows { reading: &mut *self.reading, stopped: &mut *self.stopped })?;
            } else {
                envelope.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for JsonRows<'_, '_> {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// Reads `inner`, failing with [`NotUtf8`] where its bytes stop being UTF-8: the file is checked as it streams
/// past, whatever its format's reader would make of such bytes.
struct Utf8Checked<R> {
    inner: R,
    /// The last bytes read that may be the start of a character the next read completes.
    pending: Vec<u8>,
}

/// Why a [`Utf8Checked`] read failed: the file is not UTF-8 (told apart from other I/O errors by downcasting).
#[derive(Debug, thiserror::Error)]
#[error("invalid UTF-8 in a read, after its byte {0}")]
struct NotUtf8(u64);

impl<R: Read> Read for Utf8Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        // Most reads end on a whole character and are checked where they are; a character cut by the end of a read
        // is checked with the bytes before it.
        let joined;
        let checked = if self.pending.is_empty() {
            &buf[..n]
        } else {
            joined = [std::mem::take(&mut self.pending).as_slice(), &buf[..n]].concat();
            &joined[..]
        };
        match std::str::from_utf8(checked) {
            Ok(_) => {}
            // An incomplete character at the end, completed by the next read (or refused at the end of the file).
            Err(e) if e.error_len().is_none() && n > 0 => self.pending = checked[e.valid_up_to()..].to_vec(),
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, NotUtf8(e.valid_up_to() as u64))),
        }
        Ok(n)
    }
}

fn not_utf8(cause: impl std::fmt::Display) -> ReadError {
    file_error("InvalidEncoding", format!("the file is not UTF-8: {cause}")).into()
}

fn json_rows(input: impl BufRead, reading: &mut FirstReading<'_>) -> Result<(), ReadError> {
    let mut stopped = None;
    let mut reader = serde_json::Deserializer::from_reader(input);
    let read = serde::de::DeserializeSeed::deserialize(JsonRows { reading, stopped: &mut stopped }, &mut reader)
        .and_then(|found| reader.end().map(|()| found));
    match (read, stopped) {
        (_, Some(stop)) => Err(stop),
        (Ok(true), None) => Ok(()),
        (Ok(false), None) => Err(file_error(BIND_ERROR_CODE, NOT_A_LIST).into()),
        (Err(e), None) if e.is_data() => Err(file_error(BIND_ERROR_CODE, NOT_A_LIST).into()),
        (Err(e), None) if e.is_io() => Err(ReadError::Io(e.into())),
        (Err(e), None) => Err(file_error(BIND_ERROR_CODE, format!("the file is not a JSON document: {e}")).into()),
    }
}

fn json_lines_rows(mut input: impl BufRead, reading: &mut FirstReading<'_>) -> Result<(), ReadError> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let text = std::str::from_utf8(&line).map_err(not_utf8)?.trim();
        if text.is_empty() {
            continue;
        }
        let members = match serde_json::from_str(text) {
            Ok(value) => object_members(value),
            Err(e) => Err(format!("the line is not a JSON object: {e}")),
        };
        reading.take(text.as_bytes(), members)?;
    }
}

/// Why reading CSV stopped: the file is not CSV, or the reading stopped it.
enum CsvStop {
    Malformed(canopy_wire::csv::CsvError),
    Stopped(ReadError),
}

impl From<canopy_wire::csv::CsvError> for CsvStop {
    fn from(error: canopy_wire::csv::CsvError) -> Self {
        CsvStop::Malformed(error)
    }
}

/// A flat record read back into members: the nested object `unflatten` gives, tags by name as `tagNames`.
fn flat_members(header: &[String], cells: &[&str], kinds: &BTreeMap<String, ValueKind>) -> RowMembers {
    let mut value = canopy_wire::flat::unflatten(crate::view::customer_layout(false), header, cells, kinds)
        .map_err(|e| e.to_string())?;
    if let Some(object) = value.as_object_mut() {
        if let Some(names) = object.remove("tags") {
            object.insert("tagNames".into(), names);
        }
    }
    object_members(value)
}

fn csv_rows(input: impl BufRead, forced_flat: bool, reading: &mut FirstReading<'_>) -> Result<(), ReadError> {
    let mut text = Vec::new();
    let read = canopy_wire::csv::for_each_record_in(input, |record| {
        let cells: Vec<&str> = record.iter().collect();
        if reading.decoder.csv.is_none() {
            let columns: Vec<String> = cells.iter().map(|h| h.trim().to_owned()).collect();
            if !columns.iter().any(|h| h.eq_ignore_ascii_case("name") || h.eq_ignore_ascii_case("id")) {
                return Err(CsvStop::Stopped(ReadError::Refused(file_error(
                    "InvalidHeader",
                    "the first CSV record must be the header of member names (as export writes it), with 'name' or 'id'",
                ))));
            }
            // ServiceStack's CSV has one column per member; dotted columns are the flat (spreadsheet) style's.
            let is_flat = forced_flat || columns.iter().any(|h| h.contains('.'));
            reading.decoder.csv = Some((columns, is_flat));
            return Ok(());
        }
        let members = reading.decoder.csv_members(&cells, Some(&mut reading.data_kinds));
        text.clear();
        serde_json::to_writer(&mut text, &cells).map_err(|e| CsvStop::Stopped(ReadError::Io(e.into())))?;
        reading.take(&text, members).map_err(CsvStop::Stopped)
    });
    match read {
        Ok(()) => Ok(()),
        Err(CsvStop::Stopped(stop)) => Err(stop),
        Err(CsvStop::Malformed(canopy_wire::csv::CsvError::NotUtf8(cause))) => Err(not_utf8(cause)),
        Err(CsvStop::Malformed(canopy_wire::csv::CsvError::Io(cause))) => Err(ReadError::Io(cause)),
        Err(CsvStop::Malformed(e)) => {
            Err(file_error(BIND_ERROR_CODE, format!("the file is not readable as CSV: {e}")).into())
        }
    }
}

/// One row, numbered `row` (from 1): bound to [`ImportedCustomer`] and checked on its own (what PatchCustomer
/// checks before the store, the schedule included), as its keys and the change it makes. Its refusals name it
/// (`rows[3].schedule.rules[0].startTime`).
pub fn read_values(
    row: usize,
    members: RowMembers,
    refusals: &mut Vec<(usize, FieldError)>,
) -> (RowKeys, CustomerChanges) {
    let imported = match members {
        Err(message) => {
            refusals.push((row, FieldError::new(&row_field(row, ""), BIND_ERROR_CODE, message)));
            None
        }
        Ok(params) => match canopy_wire::binding::bind::<ImportedCustomer>(&params) {
            Ok(imported) => Some(imported),
            Err(bad) => {
                for error in bad.errors {
                    refusals
                        .push((row, FieldError::new(&row_field(row, &error.field), BIND_ERROR_CODE, error.message)));
                }
                None
            }
        },
    };
    let (keys, changes) = imported.unwrap_or_default().into_parts();
    let mut errors = changes.validate().err().unwrap_or_default();
    if let Some(schedule) = &changes.schedule {
        if let Err(more) = canopy_schedule::validate(schedule, "schedule") {
            errors.0.extend(more.0);
        }
    }
    for error in errors.0 {
        refusals.push((row, FieldError { field: row_field(row, &error.field), ..error }));
    }
    (keys, changes)
}

/// Reads a whole file from `input`, one row at a time: each row's keys for the store's plan, the refusals found
/// so far, and the rows themselves kept on disk for the store's second reading. `account_id` is the account to
/// import into; without it, the one account the rows name. Memory holds one row's values at a time.
pub fn read_file(
    input: impl Read,
    format: FileFormat,
    options: ImportOptions,
    data_kinds: DataKinds<'_>,
) -> Result<ImportFile, ReadError> {
    let ImportOptions { account_id, dry_run, include_rows, skip_refused } = options;
    let account_id = account_id.filter(|a| !a.trim().is_empty());
    let mut reading = FirstReading {
        rows: Vec::new(),
        refusals: Vec::new(),
        spool: io::BufWriter::with_capacity(1 << 16, tempfile::tempfile()?),
        spans: Vec::new(),
        written: 0,
        decoder: RowDecoder { csv: None, import_account: account_id.clone(), kinds_by_account: HashMap::new() },
        data_kinds,
    };
    let mut input = io::BufReader::with_capacity(1 << 16, Utf8Checked { inner: input, pending: Vec::new() });
    let read = (|| {
        // A UTF-8 byte order mark, as spreadsheets write it, is not part of the first column's name.
        if input.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
            input.consume(3);
        }
        match format {
            FileFormat::Csv => csv_rows(input, false, &mut reading),
            FileFormat::FlatCsv => csv_rows(input, true, &mut reading),
            FileFormat::Json => json_rows(input, &mut reading),
            FileFormat::JsonLines => json_lines_rows(input, &mut reading),
        }
    })();
    match read {
        Err(ReadError::Io(e)) if e.get_ref().is_some_and(|inner| inner.is::<NotUtf8>()) => return Err(not_utf8(e)),
        other => other?,
    }
    let FirstReading { rows, refusals, spool, spans, decoder, .. } = reading;
    let file = spool.into_inner().map_err(io::IntoInnerError::into_error)?;
    let account_id = match account_id {
        Some(account_id) => account_id,
        None => {
            let mut named = rows.iter().filter_map(|r| r.keys.account_id.as_deref());
            let first = named.next().ok_or_else(|| {
                ValidationErrors::single(
                    "accountId",
                    "NotEmpty",
                    "'accountId' must not be empty: name the account to import into (the rows name none)",
                )
            })?;
            if let Some(other) = named.find(|a| *a != first) {
                return Err(ValidationErrors::single(
                    "accountId",
                    "NotEmpty",
                    format!("the rows name several accounts ('{first}', '{other}'); name the one to import into"),
                )
                .into());
            }
            first.to_owned()
        }
    };
    // A row's own account said again for every row is only memory: a row keeps an account that is not the import's.
    let mut rows = rows;
    for row in &mut rows {
        if row.keys.account_id.as_deref() == Some(account_id.as_str()) {
            row.keys.account_id = None;
        }
    }
    Ok(ImportFile {
        request: ImportRequest { account_id, rows, refusals, dry_run, include_rows, skip_refused },
        rows: SpooledRows { file, spans, decoder, buffer: Vec::new() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use canopy_store::RowValues;

    /// Into account `a`, all or nothing.
    fn into_a() -> ImportOptions {
        ImportOptions { account_id: Some("a".into()), ..ImportOptions::default() }
    }

    /// Every row of a read file as the store reads it again: its keys and its change.
    fn parts(mut file: ImportFile) -> Vec<(RowKeys, CustomerChanges)> {
        (0..file.request.rows.len()).map(|i| file.rows.read(i).expect("reads again")).collect()
    }

    fn no_kinds(_: &str) -> BTreeMap<String, ValueKind> {
        BTreeMap::new()
    }

    #[test]
    fn a_flat_csv_reads_to_the_rows_its_json_reads_to_with_tags_by_name_and_data_by_its_fields_kinds() {
        let flat = "id,name,tags,billingSettings.base.allowance,data.Code,data.Seats,isStaging\r\n\
                    c1,Acme,VIP; Gold;;en,5,'=007,12,True\r\n";
        let json = r#"[{"id":"c1","name":"Acme","tagNames":["VIP","Gold;en"],"billingSettings":{"base":{"allowance":5}},
                       "data":{"Code":{"stringValue":"=007"},"Seats":{"stringValue":"12"}},"isStaging":true}]"#;
        let mut asked = Vec::new();
        let mut kinds = |account: &str| {
            asked.push(account.to_owned());
            BTreeMap::from([("data.Code".to_owned(), ValueKind::String), ("data.Seats".to_owned(), ValueKind::String)])
        };
        let read =
            read_file(flat.as_bytes(), FileFormat::Csv, into_a(), &mut kinds).expect("a dotted header reads as flat");
        assert_eq!(asked, ["a"], "the kinds of the import's account, asked once");
        assert!(read.request.refusals.is_empty(), "{:?}", read.request.refusals);
        let from_json = read_file(json.as_bytes(), FileFormat::Json, into_a(), &mut no_kinds).expect("reads");
        let (flat_rows, json_rows) = (parts(read), parts(from_json));
        assert_eq!(flat_rows, json_rows);
        assert_eq!(flat_rows[0].0.tag_names, Some(vec!["VIP".to_owned(), "Gold;en".to_owned()]));
        assert_eq!(flat_rows[0].1.tag_ids, None, "names are resolved by the store, against the catalogue");
    }

    #[test]
    fn every_format_reads_to_the_same_rows() {
        let csv = "id,name,tags,billingSettings,isStaging\r\nc1,Acme,\"[{id:vip,name:VIP,color:Gold}]\",\"{base:{allowance:5}}\",True\r\n";
        let json = r#"{"items":[{"id":"c1","name":"Acme","tags":[{"id":"vip","name":"VIP","color":"Gold"}],"billingSettings":{"base":{"allowance":5}},"isStaging":true}],"totalCount":1}"#;
        let lines = "\n{\"id\":\"c1\",\"name\":\"Acme\",\"tagIds\":[\"vip\"],\"billingSettings\":{\"base\":{\"allowance\":5}},\"isStaging\":true}\n";
        let read = |bytes: &str, format| {
            let file = read_file(bytes.as_bytes(), format, into_a(), &mut no_kinds).expect("reads");
            assert!(file.request.refusals.is_empty(), "{:?}", file.request.refusals);
            parts(file)
        };
        let from_csv = read(csv, FileFormat::Csv);
        assert_eq!(from_csv, read(json, FileFormat::Json));
        assert_eq!(from_csv, read(lines, FileFormat::JsonLines));
        assert_eq!(from_csv[0].1.tag_ids, Some(vec!["vip".to_owned()]));
        assert_eq!(from_csv[0].1.is_staging, Some(true));
    }

    #[test]
    fn a_row_read_again_is_what_it_was_read_as_the_first_time() {
        // A cell starting with a byte order mark, which CSV text read alone would drop.
        let csv = "id,name\r\n\u{feff}x,Acme\r\n";
        let options = into_a();
        let file = read_file(csv.as_bytes(), FileFormat::Csv, options, &mut no_kinds).expect("reads");
        assert_eq!(file.request.rows[0].keys.id.as_deref(), Some("\u{feff}x"));
        assert_eq!(parts(file)[0].0.id.as_deref(), Some("\u{feff}x"));
    }

    #[test]
    fn a_bad_row_is_named_by_its_number_and_member() {
        let lines = "{\"name\":\"Ok\"}\n[1]\n{\"name\":\"\",\"billingSettings\":{\"base\":{\"allowance\":1.5}}}\n";
        let request =
            read_file(lines.as_bytes(), FileFormat::JsonLines, into_a(), &mut no_kinds).expect("reads").request;
        let fields: Vec<&str> = request.refusals.iter().map(|(_, e)| e.field.as_str()).collect();
        assert_eq!(fields, ["rows[2]", "rows[3].billingSettings.base.allowance"], "{:?}", request.refusals);
        assert!(!request.rows[0].refused && request.rows[1].refused && request.rows[2].refused);
    }

    #[test]
    fn whole_file_errors_refuse_it_whole() {
        let refuse = |bytes: &[u8], format| match read_file(bytes, format, into_a(), &mut no_kinds) {
            Err(ReadError::Refused(errors)) => errors.0,
            Err(other) => panic!("not a refusal: {other}"),
            Ok(_) => panic!("read"),
        };
        assert_eq!(refuse(b"not json", FileFormat::Json)[0].field, "file");
        assert_eq!(refuse(b"{\"a\":1}", FileFormat::Json)[0].field, "file");
        assert_eq!(refuse(b"{\"items\":3}", FileFormat::Json)[0].field, "file");
        assert_eq!(refuse(b"[{}] x", FileFormat::Json)[0].field, "file");
        assert_eq!(refuse(b"x,y\r\n1,2\r\n", FileFormat::Csv)[0].code, "InvalidHeader");
        assert_eq!(refuse(&[0xff, 0xfe], FileFormat::Csv)[0].code, "InvalidEncoding");
        for format in [FileFormat::Csv, FileFormat::Json, FileFormat::JsonLines] {
            // A character cut short at the very end, and a stray byte in the middle of a long file.
            assert_eq!(refuse(b"{\"name\":\"caf\xc3", format)[0].code, "InvalidEncoding", "{format:?}");
            let mut long = b"[".to_vec();
            long.extend(std::iter::repeat_n(&b"{\"name\":\"\xc3\xa9\"},"[..], 10_000).flatten());
            long.extend(b"{\"name\":\"\xff\"}]");
            assert_eq!(refuse(&long, format)[0].code, "InvalidEncoding", "{format:?}");
        }
        let sniff = |bytes: &[u8]| FileFormat::sniff(&mut io::Cursor::new(bytes)).expect("reads");
        assert_eq!(sniff(b" [ ]"), FileFormat::Json);
        assert_eq!(sniff(b"{\"a\":1}\n{\"a\":2}\n"), FileFormat::JsonLines);
        assert_eq!(sniff(b"id,name\r\n"), FileFormat::Csv);
    }
}
