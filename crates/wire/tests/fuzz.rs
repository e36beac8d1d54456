//! Property-based fuzzing of everything that reads untrusted text: the JSV reader, the query/form/JSON binder and
//! the CSV reader. Each gets arbitrary input (and input shaped like its grammar, which reaches deeper) and must
//! answer a value or an error — never panic, never hang. `CANOPY_FUZZ_CASES=N` sets the cases per property (256 in
//! CI; e.g. 100000 for a longer run on demand).

use std::collections::BTreeMap;

use canopy_wire::binding::{bind, Params};
use proptest::prelude::*;
use serde::Deserialize;

#[allow(clippy::disallowed_methods)] // a knob of this test run, not a setting of the service
fn cases() -> u32 {
    std::env::var("CANOPY_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
}

/// Text made of JSV's punctuation and a few letters, so that the reader's states are all visited.
fn jsv_like() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just(",".to_owned()),
            Just(":".to_owned()),
            Just("\"".to_owned()),
            Just("\"\"".to_owned()),
            Just(" ".to_owned()),
            Just("\n".to_owned()),
            "[a-z0-9]{0,3}",
            Just("\u{0}".to_owned()),
            Just("é".to_owned()),
        ],
        0..64,
    )
    .prop_map(|parts| parts.concat())
}

/// A request DTO with every kind of member the binder handles.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
#[allow(dead_code)]
struct Probe {
    name: Option<String>,
    count: Option<i64>,
    ratio: Option<f64>,
    flag: bool,
    ids: Vec<String>,
    numbers: Vec<i32>,
    data: BTreeMap<String, serde_json::Value>,
    nested: Option<Nested>,
    order: Option<Order>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
#[allow(dead_code)]
struct Nested {
    label: String,
    values: Vec<f64>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
enum Order {
    Ascend,
    Descend,
}

/// The member a field path starts with: `numbers` for `numbers[0]`, `nested` for `nested.values[1]`.
fn top_member(field: &str) -> &str {
    field.split(['.', '[']).next().unwrap_or(field)
}

fn member_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("name".to_owned()),
        Just("COUNT".to_owned()),
        Just("ratio".to_owned()),
        Just("flag".to_owned()),
        Just("ids".to_owned()),
        Just("numbers".to_owned()),
        Just("data".to_owned()),
        Just("nested".to_owned()),
        Just("order".to_owned()),
        "[a-zA-Z]{1,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_jsv_reader_answers_any_text(text in any::<String>()) {
        let _ = canopy_wire::jsv::from_str::<serde_json::Value>(&text);
        let _ = canopy_wire::jsv::split_object(&text, canopy_wire::jsv::Limits::DEFAULT);
    }

    #[test]
    fn the_jsv_reader_answers_jsv_shaped_text(text in jsv_like()) {
        let _ = canopy_wire::jsv::from_str::<serde_json::Value>(&text);
        let _ = canopy_wire::jsv::from_str::<Probe>(&text);
        let _ = canopy_wire::jsv::split_object(&text, canopy_wire::jsv::Limits::DEFAULT);
    }

    #[test]
    fn the_binder_answers_any_query_or_form(
        pairs in proptest::collection::vec((member_name(), prop_oneof![any::<String>(), jsv_like()]), 0..24)
    ) {
        let params: Params = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        if let Err(e) = bind::<Probe>(&params) {
            // Every reported error names a member the request carried (or a path inside one, e.g. `numbers[0]`),
            // or none (a whole-request error).
            for error in &e.errors {
                let top = top_member(&error.field);
                prop_assert!(top.is_empty() || pairs.iter().any(|(k, _)| k.eq_ignore_ascii_case(top)), "{error:?}");
            }
            prop_assert!(!e.errors.is_empty());
        }
        let _ = params.find_nul();
    }

    #[test]
    fn the_binder_answers_any_json_object(
        members in proptest::collection::vec((member_name(), any::<i64>(), any::<String>(), any::<bool>()), 0..16)
    ) {
        let mut object = serde_json::Map::new();
        for (i, (key, n, s, b)) in members.iter().enumerate() {
            let value = match i % 5 {
                0 => serde_json::json!(n),
                1 => serde_json::json!(s),
                2 => serde_json::json!(b),
                3 => serde_json::json!([s, n]),
                _ => serde_json::json!({ "label": s, "values": [n] }),
            };
            object.insert(key.clone(), value);
        }
        let mut params = Params::new();
        params.add_json_object(object);
        if let Err(e) = bind::<Probe>(&params) {
            for error in &e.errors {
                let top = top_member(&error.field);
                prop_assert!(top.is_empty() || members.iter().any(|(k, ..)| k.eq_ignore_ascii_case(top)), "{error:?}");
            }
        }
    }

    #[test]
    fn the_multipart_reader_answers_any_body(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        framed in proptest::collection::vec(("[a-zA-Z]{1,8}", any::<String>(), any::<bool>()), 0..6),
    ) {
        let content_type = "multipart/form-data; boundary=XyZ";
        let _ = canopy_wire::multipart::parse(content_type, &body, 4);
        // Well-framed parts with arbitrary values, some of them files, the bytes above as a tail.
        let mut text = Vec::new();
        for (name, value, file) in &framed {
            let filename = if *file { "; filename=\"f\"" } else { "" };
            text.extend_from_slice(format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"{filename}\r\n\r\n{value}\r\n").as_bytes());
        }
        text.extend_from_slice(b"--XyZ--\r\n");
        text.extend_from_slice(&body);
        if let Ok(pairs) = canopy_wire::multipart::parse(content_type, &text, 4) {
            prop_assert!(pairs.len() <= 4);
        }
    }

    #[test]
    fn the_csv_reader_answers_any_text(text in any::<String>()) {
        let _ = canopy_wire::csv::read_records(&text);
    }

    #[test]
    fn csv_written_reads_back_cell_for_cell(rows in proptest::collection::vec(("[^\u{0}]{0,12}", "[^\u{0}]{0,12}"), 1..8)) {
        #[derive(serde::Serialize)]
        struct Row<'a> { a: &'a str, b: &'a str }
        let mut writer = canopy_wire::csv::CsvWriter::with_columns(Vec::new(), ["a", "b"]);
        for (a, b) in &rows {
            writer.write_row(&Row { a, b }).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        let bytes = writer.finish().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let records = canopy_wire::csv::read_records(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(records.len(), rows.len() + 1);
        for ((a, b), record) in rows.iter().zip(records.iter().skip(1)) {
            prop_assert_eq!(record, &vec![a.clone(), b.clone()]);
        }
    }
}

/// A flood of members merges in linear time: 200,000 distinct keys bind (or fail) in well under the time the old
/// quadratic merge took for 50,000. Not a timing assertion: the test would simply not finish in CI's time box.
#[test]
fn a_flood_of_members_merges_in_linear_time() {
    let params: Params = (0..200_000).map(|i| (format!("k{i}"), "1".to_owned())).collect();
    assert_eq!(params.len(), 200_000);
    assert!(bind::<Probe>(&params).is_ok());
}
