//! How a request asks to see its answer: which members (`fields=`, sparse fieldsets) and, in CSV, which style
//! (`csvStyle=`: ServiceStack's JSV-in-cells, or the flat spreadsheet layout of `canopy_wire::flat`). A [`View`] is
//! decided once per request, before anything is read, so that a bad field is a 400 and a stream's header can
//! come first; the page encoder in `reply` and the export loop in `export` both write through it.
//!
//! Without `fields` and in the ServiceStack style a view changes nothing: the answer is written by the very code
//! that wrote it before views existed, byte for byte.

use std::{collections::BTreeMap, sync::OnceLock};

use canopy_domain::ValidationErrors;
use canopy_wire::flat::{FlatColumns, FlatCsvWriter, FlatError, Joined, Layout, Leaf, MapKeys, ValueKind};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{dto::ListResponse, error::ApiError, negotiation::Format};

/// How a CSV answer lays out nested members.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CsvStyle {
    /// ServiceStack's: one column per declared member, nested values as JSV inside their cell, cells as written.
    #[default]
    ServiceStack,
    /// Ours, for spreadsheets: nested values as dotted columns, lists as one readable cell, formulas neutralised.
    Flat,
}

/// The separator of tag names in a flat cell: `VIP; Partner` (a `;` inside a name is written `;;`).
pub const TAG_SEPARATOR: Joined = Joined { member: "name", separator: ';', read_back: true };
/// The separator of a breadcrumb's names in a flat cell: `Northwind / Riverside Health / Cardio`.
pub const BREADCRUMB_SEPARATOR: Joined = Joined { member: "name", separator: '/', read_back: false };

/// The members of `T` in declared order, each laid out as `custom` says or else as its JSON Schema type says (a
/// boolean, a number, a text; anything else as JSON text). Reading the members from the type keeps the layout in
/// step with the DTO: a member added to `CustomerInfo` gets its column without anyone touching this file.
fn layout_of<T: JsonSchema>(custom: impl Fn(&str) -> Option<Layout>) -> Layout {
    let schema = schemars::schema_for!(T);
    let root = schema.as_value();
    let defs = root.get("$defs").cloned().unwrap_or(Value::Null);
    let properties = root.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
    let members = properties
        .iter()
        .map(|(name, property)| {
            let layout = custom(name).unwrap_or_else(|| Layout::Leaf(leaf_of(property, &defs)));
            (name.clone(), layout)
        })
        .collect();
    Layout::Object(members)
}

/// The cell type of one JSON Schema property.
fn leaf_of(property: &Value, defs: &Value) -> Leaf {
    let types: Vec<&str> = match property.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect(),
        _ => Vec::new(),
    };
    match types.as_slice() {
        ["boolean"] => return Leaf::Bool,
        ["number"] | ["integer"] => return Leaf::Number,
        ["string"] => return Leaf::Text,
        [_, ..] => return Leaf::Json,
        [] => {}
    }
    // An enum (`sourceKind`) is a `$ref` to a definition of strings, possibly inside `anyOf` with null.
    let reference = property
        .get("$ref")
        .or_else(|| property.get("anyOf")?.as_array()?.iter().find_map(|option| option.get("$ref")))
        .and_then(Value::as_str);
    let definition = reference.and_then(|r| r.rsplit('/').next()).and_then(|name| defs.get(name));
    match definition {
        Some(def)
            if def.get("enum").is_some()
                || def.get("oneOf").is_some()
                || def.get("type").and_then(Value::as_str) == Some("string") =>
        {
            Leaf::Text
        }
        _ => Leaf::Json,
    }
}

fn billing_layout() -> Layout {
    let item = layout_of::<canopy_domain::BillingItem>(|_| None);
    layout_of::<canopy_domain::BillingSettings>(|_| Some(item.clone()))
}

fn effective_of(value: Layout) -> Layout {
    layout_of::<canopy_inherit::Effective<()>>(|name| (name == "value").then(|| value.clone()))
}

fn build_customer_layout(include_effective: bool) -> Layout {
    let custom = |name: &str| match name {
        "breadcrumb" => Some(Layout::Joined(BREADCRUMB_SEPARATOR)),
        "tags" => Some(Layout::Joined(TAG_SEPARATOR)),
        "data" => Some(Layout::Map(Box::new(Layout::DynamicValue))),
        "integrationData" => {
            Some(Layout::Map(Box::new(layout_of::<canopy_domain::customer::IntegrationRef>(|_| None))))
        }
        "billingSettings" => Some(billing_layout()),
        "appSettings" => Some(layout_of::<canopy_domain::AppSettings>(|_| None)),
        "schedule" => Some(layout_of::<canopy_domain::Schedule>(|_| None)),
        _ => None,
    };
    let Layout::Object(mut members) = layout_of::<canopy_domain::CustomerInfo>(custom) else {
        unreachable!("layout_of always answers an object")
    };
    if include_effective {
        let effective = Layout::Object(vec![
            ("billingSettings".to_owned(), effective_of(billing_layout())),
            ("appSettings".to_owned(), effective_of(layout_of::<canopy_domain::AppSettings>(|_| None))),
            ("schedule".to_owned(), effective_of(layout_of::<canopy_domain::Schedule>(|_| None))),
        ]);
        members.push(("effective".to_owned(), effective));
    }
    Layout::Object(members)
}

/// The flat layout of a customer (`CustomerInfo`), with `effective` after its members when the list includes
/// effective values. Built once per process from the types' schemas.
///
/// This is what the bulk import reads a spreadsheet with: `canopy_wire::flat::unflatten(customer_layout(false),
/// header, record, kinds)`.
pub fn customer_layout(include_effective: bool) -> &'static Layout {
    static PLAIN: OnceLock<Layout> = OnceLock::new();
    static WITH_EFFECTIVE: OnceLock<Layout> = OnceLock::new();
    if include_effective {
        WITH_EFFECTIVE.get_or_init(|| build_customer_layout(true))
    } else {
        PLAIN.get_or_init(|| build_customer_layout(false))
    }
}

/// How each `data.*` column of a flat customer reads back, from the account's customer field definitions: a
/// `Number` field's `007` is the number 7, a `String` field's is the text `007`. Hand it to
/// `canopy_wire::flat::unflatten`; columns of keys with no definition are read by their look.
pub fn data_kinds(fields: &[canopy_domain::CustomerDataField]) -> BTreeMap<String, ValueKind> {
    use canopy_domain::ValueType;
    fields
        .iter()
        .map(|field| {
            let kind = match field.value_type {
                ValueType::Number => ValueKind::Number,
                ValueType::Boolean => ValueKind::Bool,
                ValueType::List => ValueKind::List,
                ValueType::Struct => ValueKind::Struct,
                ValueType::String
                | ValueType::Date
                | ValueType::Time
                | ValueType::TimeZoneId
                | ValueType::PhoneNumber => ValueKind::String,
            };
            (format!("data.{}", field.name), kind)
        })
        .collect()
}

/// The flat layout of an account (`AccountInfo`).
pub fn account_layout() -> &'static Layout {
    static LAYOUT: OnceLock<Layout> = OnceLock::new();
    LAYOUT.get_or_init(|| {
        layout_of::<canopy_domain::AccountInfo>(|name| (name == "billingSettings").then(billing_layout))
    })
}

/// The open-ended keys of every customer a query matches (its paging aside), found by a first pass over them, so
/// that a flat stream's header names every `data.*` and `integrationData.*` column before its first row. The pass
/// reads the two stored maps alone and only their keys (a customer's `data` and `integrationData` are maps by
/// key, so the stored object's keys are the customer's). Memory holds a chunk and the keys (at most
/// `MAX_MAP_KEYS`), however many customers match.
pub fn customer_map_keys(
    store: &canopy_store::Store,
    query: &canopy_store::CustomerQuery,
) -> Result<MapKeys, ApiError> {
    let mut keys = MapKeys::default();
    store.for_each_customer_maps(query, |data, integration_data| -> Result<(), ApiError> {
        add_stored_keys(&mut keys, "data", data)?;
        add_stored_keys(&mut keys, "integrationData", integration_data)
    })??;
    Ok(keys)
}

/// The keys of one stored map (a JSON object) under `map` in `keys`.
fn add_stored_keys(keys: &mut MapKeys, map: &str, stored: &str) -> Result<(), ApiError> {
    let object: BTreeMap<String, serde::de::IgnoredAny> = serde_json::from_str(stored)
        .map_err(|e| ApiError::from(canopy_store::StoreError::Corrupt(format!("stored {map}: {e}"))))?;
    for key in object.keys() {
        keys.insert(map, key)?;
    }
    Ok(())
}

/// `fields` names no member, or open-ended maps name more keys than a flat answer takes: a 400 naming `fields`.
fn fields_error(code: &str, message: String) -> ApiError {
    ValidationErrors::single("fields", code, message).into()
}

impl From<FlatError> for ApiError {
    fn from(error: FlatError) -> Self {
        fields_error("TooManyColumns", error.to_string())
    }
}

/// How one answer is to be seen: its members (all, or those `fields` names, in that order) and its CSV style.
#[derive(Debug, Clone)]
pub struct View {
    layout: &'static Layout,
    /// Canonical member paths (`["billingSettings", "base", "unitCost"]`), in the order asked; `None`: every member.
    fields: Option<Vec<Vec<String>>>,
    csv_style: CsvStyle,
    /// The flat columns, when known before the rows (a stream finds its map keys first).
    flat_columns: Option<FlatColumns>,
    /// The map keys those columns were made of, when they are every member's: what each streamed row is held to.
    map_keys: Option<MapKeys>,
}

impl View {
    /// Every member, ServiceStack's CSV: what an answer was before views.
    pub fn plain(layout: &'static Layout) -> Self {
        Self { layout, fields: None, csv_style: CsvStyle::ServiceStack, flat_columns: None, map_keys: None }
    }

    /// The view a request asks for. `fields` are wire member names (ignoring ASCII case; dotted for nested
    /// members and map keys, keys as written); each must name a member of `layout`, else a 400 `InvalidField`
    /// naming it. Blank names (`fields=id,,name`) are skipped; an empty list means every member.
    pub fn new(layout: &'static Layout, fields: &[String], csv_style: Option<CsvStyle>) -> Result<Self, ApiError> {
        if fields.len() > MAX_FIELDS {
            return Err(fields_error("Length", format!("'fields' names at most {MAX_FIELDS} members.")));
        }
        let mut paths: Vec<Vec<String>> = Vec::new();
        let mut unknown = Vec::new();
        for name in fields.iter().map(|f| f.trim()).filter(|f| !f.is_empty()) {
            match layout.resolve(name) {
                Some((path, _)) => {
                    if !paths.contains(&path) {
                        paths.push(path);
                    }
                }
                None => unknown.push(name),
            }
        }
        if let Some(first) = unknown.first() {
            let message = if unknown.len() == 1 {
                format!("'fields' names '{first}', which is not a member of the answer's items.")
            } else {
                format!("'fields' names {}, which are not members of the answer's items.", quoted_list(&unknown))
            };
            return Err(fields_error("InvalidField", message));
        }
        Ok(Self {
            layout,
            fields: (!paths.is_empty()).then_some(paths),
            csv_style: csv_style.unwrap_or_default(),
            flat_columns: None,
            map_keys: None,
        })
    }

    /// Whether a CSV answer in this view needs the keys of open-ended maps before its first row.
    pub fn is_flat(&self, format: Format) -> bool {
        format == Format::Csv && self.csv_style == CsvStyle::Flat
    }

    /// Fixes the flat columns from keys found ahead of the rows (a stream's first pass).
    pub fn with_map_keys(mut self, keys: &MapKeys) -> Self {
        self.flat_columns = Some(self.flat_columns_from(keys));
        self.map_keys = self.fields.is_none().then(|| keys.clone());
        self
    }

    /// For a flat stream whose header was written from a first pass: the column `row` has a value for that the
    /// header lacks (a customer given a new `data` key between the pass and the row). Writing on would drop that
    /// value without a word, so the export stops instead, and asking again gives a complete answer. `None` when
    /// the row fits, or when `fields` chose the columns (leaving the rest out is then what was asked).
    /// `row` is the JSON value the flat writer lays out anyway, so the check costs no second conversion.
    pub fn column_missing_in(&self, row: &Value) -> Option<String> {
        let expected = self.map_keys.as_ref()?;
        let mut keys = MapKeys::default();
        match keys.add(self.layout, row) {
            Ok(()) => expected.first_missing_of(&keys),
            Err(cause) => Some(cause.to_string()),
        }
    }

    fn flat_columns_from(&self, keys: &MapKeys) -> FlatColumns {
        let all = FlatColumns::new(self.layout, keys);
        match &self.fields {
            Some(paths) => all.select(self.layout, paths),
            None => all,
        }
    }

    /// The flat columns, decided before the first row ([`View::with_map_keys`], [`View::with_keys_of`]); without
    /// that, no map columns.
    pub fn flat_columns(&self) -> FlatColumns {
        self.flat_columns.clone().unwrap_or_else(|| self.flat_columns_from(&MapKeys::default()))
    }

    /// Fixes the flat columns from the rows of an answer held in memory (a page, one object): their own map keys.
    /// Done by the handler before the reply is encoded, so that too many keys is a 400, not a failed encoding.
    pub fn with_keys_of<T: Serialize>(self, format: Format, rows: &[T]) -> Result<Self, ApiError> {
        if !self.is_flat(format) {
            return Ok(self);
        }
        let mut keys = MapKeys::default();
        for row in rows {
            let value = serde_json::to_value(row)
                .map_err(|e| ApiError::Internal(format!("a row could not be laid out flat: {e}")))?;
            keys.add(self.layout, &value)?;
        }
        Ok(self.with_map_keys(&keys))
    }

    /// The columns of a ServiceStack-style CSV answer: the members asked for (dotted names as asked, canonically
    /// cased), else `declared`.
    pub fn servicestack_columns(&self, declared: Vec<String>) -> Vec<String> {
        match &self.fields {
            Some(paths) => paths.iter().map(|p| p.join(".")).collect(),
            None => declared,
        }
    }

    /// A row as this view writes it in `format`: itself, or only the members asked for.
    pub fn shape<'a, T: Serialize>(&'a self, row: &'a T, format: Format) -> Shaped<'a, T> {
        let projection = match &self.fields {
            None => Projection::Whole,
            // ServiceStack's CSV has one column per field, a nested one (`billingSettings.base`) as JSV in its cell.
            Some(paths) if format == Format::Csv => Projection::Columns(paths),
            Some(paths) => Projection::Nested(paths),
        };
        Shaped { row, projection }
    }

    /// A list in `format`, as this view shows it.
    pub fn encode_list<T: Serialize>(
        &self,
        list: &ListResponse<T>,
        format: Format,
        declared: Vec<String>,
    ) -> Result<Vec<u8>, String> {
        match format {
            Format::Json | Format::Jsv => {
                let items: Vec<Shaped<'_, T>> = list.items.iter().map(|item| self.shape(item, format)).collect();
                let shaped = ListResponse {
                    items,
                    total_count: list.total_count,
                    total_pages: list.total_pages,
                    has_more_pages: list.has_more_pages,
                };
                encode(&shaped, format)
            }
            Format::Csv if self.csv_style == CsvStyle::Flat => {
                let mut writer = FlatCsvWriter::new(Vec::new(), self.flat_columns());
                for item in &list.items {
                    writer.write_row(item).map_err(|e| e.to_string())?;
                }
                writer.finish().map_err(|e| e.to_string())
            }
            Format::Csv => {
                let columns = self.servicestack_columns(declared);
                let mut writer = canopy_wire::csv::CsvWriter::with_columns(Vec::new(), columns);
                for item in &list.items {
                    writer.write_row(&self.shape(item, format)).map_err(|e| e.to_string())?;
                }
                writer.finish().map_err(|e| e.to_string())
            }
        }
    }

    /// One object in `format`, as this view shows it (in CSV, one row).
    pub fn encode_one<T: Serialize>(&self, value: &T, format: Format) -> Result<Vec<u8>, String> {
        match format {
            Format::Json | Format::Jsv => encode(&self.shape(value, format), format),
            Format::Csv if self.csv_style == CsvStyle::Flat => {
                let mut writer = FlatCsvWriter::new(Vec::new(), self.flat_columns());
                writer.write_row(value).map_err(|e| e.to_string())?;
                writer.finish().map_err(|e| e.to_string())
            }
            Format::Csv => {
                let mut writer = match &self.fields {
                    Some(_) => canopy_wire::csv::CsvWriter::with_columns(Vec::new(), self.servicestack_columns(vec![])),
                    None => canopy_wire::csv::CsvWriter::new(Vec::new()),
                };
                writer.write_row(&self.shape(value, format)).map_err(|e| e.to_string())?;
                writer.finish().map_err(|e| e.to_string())
            }
        }
    }
}

fn encode<T: Serialize + ?Sized>(value: &T, format: Format) -> Result<Vec<u8>, String> {
    match format {
        Format::Jsv => canopy_wire::jsv::to_string(value).map(String::into_bytes).map_err(|e| e.to_string()),
        _ => serde_json::to_vec(value).map_err(|e| e.to_string()),
    }
}

/// At most this many names in `fields`: more than any item has columns (a flat customer has about 150, plus its
/// data keys), and few enough that checking them stays cheap however long a request is.
pub const MAX_FIELDS: usize = 1_000;

/// Names in an error message: the first ten, and how many more.
fn quoted_list(names: &[&str]) -> String {
    const SHOWN: usize = 10;
    let mut text = names.iter().take(SHOWN).map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

/// Which members of a row are written.
#[derive(Debug, Clone, Copy)]
enum Projection<'a> {
    Whole,
    /// The members at these paths, nested as in the row (JSON, JSV).
    Nested(&'a [Vec<String>]),
    /// One member per path, named by its dotted path (ServiceStack CSV columns).
    Columns(&'a [Vec<String>]),
}

/// A row as a [`View`] writes it; serializes as the row itself when every member is shown.
pub struct Shaped<'a, T> {
    row: &'a T,
    projection: Projection<'a>,
}

impl<T: Serialize> Serialize for Shaped<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let paths = match self.projection {
            Projection::Whole => return self.row.serialize(serializer),
            Projection::Nested(paths) | Projection::Columns(paths) => paths,
        };
        let value = serde_json::to_value(self.row).map_err(serde::ser::Error::custom)?;
        match self.projection {
            Projection::Columns(_) => {
                let mut columns = Map::new();
                for path in paths {
                    if let Some(member) = lookup(&value, path) {
                        columns.insert(path.join("."), member.clone());
                    }
                }
                columns.serialize(serializer)
            }
            _ => project(&value, paths).serialize(serializer),
        }
    }
}

fn lookup<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(value, |value, segment| value.get(segment.as_str()))
}

/// Only the members of `value` at `paths`, nested as they are there, in the order asked (a member asked for whole
/// keeps all of itself even if one of its parts was asked for too).
pub fn project(value: &Value, paths: &[Vec<String>]) -> Value {
    let mut out = Map::new();
    for (i, path) in paths.iter().enumerate() {
        let covered = paths[..i].iter().any(|earlier| path.starts_with(earlier) && earlier.len() < path.len());
        let Some(member) = lookup(value, path) else { continue };
        if covered {
            continue;
        }
        insert_at(&mut out, path, member.clone());
    }
    Value::Object(out)
}

/// Puts `value` at `path` inside `object`, creating the objects on the way (the projection only ever nests objects).
fn insert_at(object: &mut Map<String, Value>, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut current = object;
    for segment in parents {
        let entry = current.entry(segment.clone()).or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(next) = entry else { return };
        current = next;
    }
    current.insert(last.clone(), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(layout: &Layout) -> Vec<&str> {
        match layout {
            Layout::Object(members) => members.iter().map(|(name, _)| name.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn a_streamed_row_with_a_map_key_the_header_lacks_is_caught_unless_fields_chose_the_columns() {
        let layout = customer_layout(false);
        let first_pass = |keys: &[&str]| {
            let mut map_keys = MapKeys::default();
            let data: serde_json::Map<String, Value> = keys.iter().map(|k| (k.to_string(), json!(1))).collect();
            map_keys.add(layout, &json!({ "data": data })).expect("few keys");
            map_keys
        };
        let mut customer = canopy_domain::CustomerInfo::default();
        customer.data.insert(
            "Tier".into(),
            canopy_domain::value::Value { string_value: Some("gold".into()), ..Default::default() },
        );
        let as_value = serde_json::to_value(&customer).expect("a customer is JSON");
        let flat = View::new(layout, &[], Some(CsvStyle::Flat)).expect("a view");
        let knowing_tier = flat.with_map_keys(&first_pass(&["Tier", "Seats"]));
        assert_eq!(knowing_tier.column_missing_in(&as_value), None);
        let flat = View::new(layout, &[], Some(CsvStyle::Flat)).expect("a view");
        let knowing_seats_only = flat.with_map_keys(&first_pass(&["Seats"]));
        assert_eq!(knowing_seats_only.column_missing_in(&as_value).as_deref(), Some("data.Tier"));
        let chosen = View::new(layout, &["name".to_owned()], Some(CsvStyle::Flat)).expect("a view");
        assert_eq!(chosen.with_map_keys(&first_pass(&["Seats"])).column_missing_in(&as_value), None);
    }

    #[test]
    fn the_customer_layout_follows_the_declared_members() {
        let layout = customer_layout(false);
        let declared = canopy_wire::csv::field_names::<canopy_domain::CustomerInfo>().expect("a struct");
        assert_eq!(names(layout), declared);
        let with_effective = names(customer_layout(true));
        assert_eq!(with_effective.last().copied(), Some("effective"));
        let (_, base_cost) = layout.resolve("billingSettings.base.baseCost").expect("a billing item member");
        assert_eq!(base_cost, &Layout::Leaf(Leaf::Number));
        assert_eq!(layout.resolve("isStaging").expect("member").1, &Layout::Leaf(Leaf::Bool));
        assert_eq!(layout.resolve("appSettings.pageTitle").expect("member").1, &Layout::Leaf(Leaf::Text));
        assert_eq!(layout.resolve("schedule.rules").expect("member").1, &Layout::Leaf(Leaf::Json));
        assert_eq!(layout.resolve("integrationData.crm.thirdPartyId").expect("member").1, &Layout::Leaf(Leaf::Text));
        let effective = customer_layout(true);
        assert_eq!(
            effective.resolve("effective.billingSettings.sourceKind").expect("member").1,
            &Layout::Leaf(Leaf::Text)
        );
        let declared_accounts = canopy_wire::csv::field_names::<canopy_domain::AccountInfo>().expect("a struct");
        assert_eq!(names(account_layout()), declared_accounts);
    }

    #[test]
    fn a_flat_customer_reads_back_with_its_accounts_field_types() {
        let field = |name: &str, value_type| canopy_domain::CustomerDataField {
            name: name.into(),
            value_type,
            ..serde_json::from_value(json!({"name": name})).expect("a field")
        };
        let kinds = data_kinds(&[
            field("Code", canopy_domain::ValueType::PhoneNumber),
            field("Seats", canopy_domain::ValueType::Number),
        ]);
        let header = ["id", "name", "tags", "breadcrumb", "data.Code", "data.Seats", "billingSettings.base.unitCost"];
        let record = ["c1", "'=Acme", "VIP; Partner", "Root / Parent", "+44 20", "7", "0.25"];
        let customer = canopy_wire::flat::unflatten(customer_layout(false), &header, &record, &kinds).expect("reads");
        assert_eq!(
            customer,
            json!({
                "id": "c1",
                "name": "=Acme",
                "tags": ["VIP", "Partner"],
                "data": {"Code": {"stringValue": "+44 20"}, "Seats": {"numberValue": 7}},
                "billingSettings": {"base": {"unitCost": 0.25}},
            })
        );
    }

    #[test]
    fn unknown_fields_are_named_in_one_400() {
        let error = View::new(customer_layout(false), &["id".into(), "nickname".into(), "data".into()], None)
            .expect_err("nickname is no member");
        let status = error.response_status();
        let json = serde_json::to_value(&status).expect("serializes");
        assert_eq!(json["responseStatus"]["errors"][0]["errorCode"], "InvalidField");
        assert_eq!(json["responseStatus"]["errors"][0]["fieldName"], "fields");
        assert!(json["responseStatus"]["errors"][0]["message"].as_str().unwrap_or("").contains("'nickname'"));
    }

    #[test]
    fn a_request_names_a_bounded_number_of_fields() {
        let many: Vec<String> = (0..=MAX_FIELDS).map(|i| format!("nickname{i}")).collect();
        let json = serde_json::to_value(
            View::new(customer_layout(false), &many, None).expect_err("too many").response_status(),
        )
        .expect("serializes");
        assert_eq!(json["responseStatus"]["errors"][0]["errorCode"], "Length");
        let unknown = &many[..MAX_FIELDS];
        let json = serde_json::to_value(
            View::new(customer_layout(false), unknown, None).expect_err("unknown").response_status(),
        )
        .expect("serializes");
        let message = json["responseStatus"]["errors"][0]["message"].as_str().unwrap_or("").to_owned();
        assert!(message.contains("'nickname0'") && message.contains(" and 990 more"), "{message}");
        assert!(message.len() < 300, "the message stays short: {message}");
    }

    #[test]
    fn nested_projection_keeps_the_order_asked_and_whole_members_whole() {
        let value = json!({"id": "c", "name": "n", "billingSettings": {"base": {"unitCost": 1, "allowance": 2}}});
        let paths = vec![
            vec!["name".to_owned()],
            vec!["billingSettings".to_owned()],
            vec!["billingSettings".to_owned(), "base".to_owned(), "unitCost".to_owned()],
            vec!["missing".to_owned()],
        ];
        assert_eq!(
            serde_json::to_string(&project(&value, &paths)).expect("json"),
            r#"{"name":"n","billingSettings":{"base":{"unitCost":1,"allowance":2}}}"#
        );
        let only_cost = vec![vec!["billingSettings".to_owned(), "base".to_owned(), "unitCost".to_owned()]];
        assert_eq!(project(&value, &only_cost), json!({"billingSettings": {"base": {"unitCost": 1}}}));
    }
}
