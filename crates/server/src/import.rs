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

use canopy_store::{ImportRequest, ImportRow, Store};
use canopy_wire::{
    binding::{Params, BIND_ERROR_CODE},
    flat::ValueKind,
};

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
    /// several objects, one per line; anything else is read as CSV.
    pub fn sniff(bytes: &[u8]) -> Self {
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') => FileFormat::Json,
            Some(b'{') if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() => FileFormat::Json,
            Some(b'{') => FileFormat::JsonLines,
            _ => FileFormat::Csv,
        }
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

/// What hears each row's members in turn; it may stop the reading (too many rows).
type EachRow<'a> = &'a mut dyn FnMut(RowMembers) -> Result<(), ValidationErrors>;

/// Hands every row of `bytes` to `each`, as members, one at a time: a row's parsed form is dropped once `each` has
/// taken what it needs, so the file is never held twice. Errors of the whole file (not UTF-8, not JSON, no header)
/// refuse it whole.
pub fn for_each_row(
    bytes: &[u8],
    format: FileFormat,
    flat: FlatReading<'_>,
    each: EachRow<'_>,
) -> Result<(), ValidationErrors> {
    let text =
        std::str::from_utf8(bytes).map_err(|e| file_error("InvalidEncoding", format!("the file is not UTF-8: {e}")))?;
    // A UTF-8 byte order mark, as spreadsheets write it, is not part of the first column's name.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        FileFormat::Csv => csv_rows(text, false, flat, each),
        FileFormat::FlatCsv => csv_rows(text, true, flat, each),
        FileFormat::Json => json_rows(text, each),
        FileFormat::JsonLines => json_lines_rows(text, each),
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
    each: &'a mut EachRow<'b>,
    /// Why `each` stopped the reading, told apart from a JSON syntax error.
    stopped: &'a mut Option<ValidationErrors>,
}

impl<'de> serde::de::Visitor<'de> for JsonRows<'_, '_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(NOT_A_LIST)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<bool, A::Error> {
        while let Some(item) = items.next_element::<serde_json::Value>()? {
            if let Err(stop) = (self.each)(object_members(item)) {
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
                found = envelope.next_value_seed(JsonRows { each: &mut *self.each, stopped: &mut *self.stopped })?;
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

fn json_rows(text: &str, mut each: EachRow<'_>) -> Result<(), ValidationErrors> {
    let mut stopped = None;
    let mut reader = serde_json::Deserializer::from_str(text);
    let read =
        serde::de::DeserializeSeed::deserialize(JsonRows { each: &mut each, stopped: &mut stopped }, &mut reader)
            .and_then(|found| reader.end().map(|()| found));
    match (read, stopped) {
        (_, Some(stop)) => Err(stop),
        (Ok(true), None) => Ok(()),
        (Ok(false), None) => Err(file_error(BIND_ERROR_CODE, NOT_A_LIST)),
        (Err(e), None) if e.is_data() => Err(file_error(BIND_ERROR_CODE, NOT_A_LIST)),
        (Err(e), None) => Err(file_error(BIND_ERROR_CODE, format!("the file is not a JSON document: {e}"))),
    }
}

fn json_lines_rows(text: &str, each: EachRow<'_>) -> Result<(), ValidationErrors> {
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        each(match serde_json::from_str(line) {
            Ok(value) => object_members(value),
            Err(e) => Err(format!("the line is not a JSON object: {e}")),
        })?;
    }
    Ok(())
}

/// Why reading CSV stopped: the file is not CSV, or `each` stopped it.
enum CsvStop {
    Malformed(canopy_wire::csv::CsvError),
    Refused(ValidationErrors),
}

impl From<canopy_wire::csv::CsvError> for CsvStop {
    fn from(error: canopy_wire::csv::CsvError) -> Self {
        CsvStop::Malformed(error)
    }
}

/// What reading a flat CSV needs besides the file: the account the import goes into, when the request names it
/// (else each row's `accountId`), and how to learn an account's data kinds.
pub struct FlatReading<'a> {
    pub account_id: Option<&'a str>,
    pub data_kinds: DataKinds<'a>,
}

/// A flat record read back into members: the nested object `unflatten` gives, tags by name as `tagNames`.
fn flat_members(
    header: &[String],
    cells: &[&str],
    account: Option<&str>,
    flat: &mut FlatReading<'_>,
    kinds_by_account: &mut HashMap<String, BTreeMap<String, ValueKind>>,
) -> RowMembers {
    let account = account.or_else(|| {
        header.iter().position(|h| h.eq_ignore_ascii_case("accountId")).and_then(|i| cells.get(i).copied())
    });
    let no_kinds = BTreeMap::new();
    let kinds = match account.filter(|a| !a.trim().is_empty()) {
        Some(account) => kinds_by_account.entry(account.to_owned()).or_insert_with(|| (flat.data_kinds)(account)),
        None => &no_kinds,
    };
    let mut value = canopy_wire::flat::unflatten(crate::view::customer_layout(false), header, cells, kinds)
        .map_err(|e| e.to_string())?;
    if let Some(object) = value.as_object_mut() {
        if let Some(names) = object.remove("tags") {
            object.insert("tagNames".into(), names);
        }
    }
    object_members(value)
}

fn csv_rows(
    text: &str,
    forced_flat: bool,
    mut flat: FlatReading<'_>,
    each: EachRow<'_>,
) -> Result<(), ValidationErrors> {
    let mut header: Option<Vec<String>> = None;
    let mut is_flat = forced_flat;
    let mut kinds_by_account = HashMap::new();
    let import_account = flat.account_id.map(str::to_owned);
    let read = canopy_wire::csv::for_each_record(text, |record| {
        let Some(columns) = &header else {
            let columns: Vec<String> = record.iter().map(|h| h.trim().to_owned()).collect();
            if !columns.iter().any(|h| h.eq_ignore_ascii_case("name") || h.eq_ignore_ascii_case("id")) {
                return Err(CsvStop::Refused(file_error(
                    "InvalidHeader",
                    "the first CSV record must be the header of member names (as export writes it), with 'name' or 'id'",
                )));
            }
            // ServiceStack's CSV has one column per member; dotted columns are the flat (spreadsheet) style's.
            is_flat |= columns.iter().any(|h| h.contains('.'));
            header = Some(columns);
            return Ok(());
        };
        let members = if is_flat {
            let cells: Vec<&str> = record.iter().collect();
            flat_members(columns, &cells, import_account.as_deref(), &mut flat, &mut kinds_by_account)
        } else if record.len() > columns.len() {
            Err(format!("the record has {} cells, the header {} columns", record.len(), columns.len()))
        } else {
            let mut params = Params::new();
            params.add_source(columns.iter().zip(record.iter()).map(|(k, v)| (k.as_str(), v)));
            Ok(params)
        };
        each(members).map_err(CsvStop::Refused)
    });
    match read {
        Ok(()) => Ok(()),
        Err(CsvStop::Refused(errors)) => Err(errors),
        Err(CsvStop::Malformed(e)) => Err(file_error(BIND_ERROR_CODE, format!("the file is not readable as CSV: {e}"))),
    }
}

/// One row, numbered `row` (from 1): bound to [`ImportedCustomer`] and checked on its own (what PatchCustomer
/// checks before the store, the schedule included). Its refusals name it (`rows[3].schedule.rules[0].startTime`).
pub fn read_row(row: usize, members: RowMembers, refusals: &mut Vec<(usize, FieldError)>) -> ImportRow {
    let before = refusals.len();
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
    ImportRow { row, keys, changes, refused: refusals.len() > before }
}

/// What a whole file asks the store for: every row read, with the refusals found so far. `account_id` is the
/// account to import into; without it, the one account the rows name.
pub fn read_file(
    bytes: &[u8],
    format: FileFormat,
    account_id: Option<String>,
    dry_run: bool,
    include_rows: bool,
    data_kinds: DataKinds<'_>,
) -> Result<ImportRequest, ValidationErrors> {
    let mut refusals = Vec::new();
    let mut rows: Vec<ImportRow> = Vec::new();
    let flat = FlatReading { account_id: account_id.as_deref().filter(|a| !a.trim().is_empty()), data_kinds };
    for_each_row(bytes, format, flat, &mut |members| {
        if rows.len() == MAX_IMPORT_ROWS {
            return Err(too_many_rows());
        }
        rows.push(read_row(rows.len() + 1, members, &mut refusals));
        Ok(())
    })?;
    let account_id = match account_id.filter(|a| !a.trim().is_empty()) {
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
                ));
            }
            first.to_owned()
        }
    };
    Ok(ImportRequest { account_id, rows, refusals, dry_run, include_rows })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let read = read_file(flat.as_bytes(), FileFormat::Csv, Some("a".into()), false, false, &mut kinds)
            .expect("a dotted header reads as flat");
        assert_eq!(asked, ["a"], "the kinds of the import's account, asked once");
        assert!(read.refusals.is_empty(), "{:?}", read.refusals);
        let from_json =
            read_file(json.as_bytes(), FileFormat::Json, Some("a".into()), false, false, &mut no_kinds).expect("reads");
        let parts = |request: ImportRequest| request.rows.into_iter().map(|r| (r.keys, r.changes)).collect::<Vec<_>>();
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
            let request =
                read_file(bytes.as_bytes(), format, Some("a".into()), false, false, &mut no_kinds).expect("reads");
            assert!(request.refusals.is_empty(), "{:?}", request.refusals);
            request.rows.into_iter().map(|r| (r.keys, r.changes)).collect::<Vec<_>>()
        };
        let from_csv = read(csv, FileFormat::Csv);
        assert_eq!(from_csv, read(json, FileFormat::Json));
        assert_eq!(from_csv, read(lines, FileFormat::JsonLines));
        assert_eq!(from_csv[0].1.tag_ids, Some(vec!["vip".to_owned()]));
        assert_eq!(from_csv[0].1.is_staging, Some(true));
    }

    #[test]
    fn a_bad_row_is_named_by_its_number_and_member() {
        let lines = "{\"name\":\"Ok\"}\n[1]\n{\"name\":\"\",\"billingSettings\":{\"base\":{\"allowance\":1.5}}}\n";
        let request = read_file(lines.as_bytes(), FileFormat::JsonLines, Some("a".into()), false, false, &mut no_kinds)
            .expect("reads");
        let fields: Vec<&str> = request.refusals.iter().map(|(_, e)| e.field.as_str()).collect();
        assert_eq!(fields, ["rows[2]", "rows[3].billingSettings.base.allowance"], "{:?}", request.refusals);
        assert!(!request.rows[0].refused && request.rows[1].refused && request.rows[2].refused);
    }

    #[test]
    fn whole_file_errors_refuse_it_whole() {
        let refuse = |bytes: &[u8], format| {
            read_file(bytes, format, Some("a".into()), false, false, &mut no_kinds).expect_err("refused").0
        };
        assert_eq!(refuse(b"not json", FileFormat::Json)[0].field, "file");
        assert_eq!(refuse(b"{\"a\":1}", FileFormat::Json)[0].field, "file");
        assert_eq!(refuse(b"{\"items\":3}", FileFormat::Json)[0].field, "file");
        assert_eq!(refuse(b"[{}] x", FileFormat::Json)[0].field, "file");
        assert_eq!(refuse(b"x,y\r\n1,2\r\n", FileFormat::Csv)[0].code, "InvalidHeader");
        assert_eq!(refuse(&[0xff, 0xfe], FileFormat::Csv)[0].code, "InvalidEncoding");
        assert_eq!(FileFormat::sniff(b" [ ]"), FileFormat::Json);
        assert_eq!(FileFormat::sniff(b"{\"a\":1}\n{\"a\":2}\n"), FileFormat::JsonLines);
        assert_eq!(FileFormat::sniff(b"id,name\r\n"), FileFormat::Csv);
    }
}
