//! The spreadsheet CSV style (`csvStyle=Flat`) and sparse fieldsets (`fields=`): a flat export read back with
//! Python's `csv` module and `canopy_wire::flat::unflatten` is the JSON data of the same customers; formulas are
//! neutralised there and only there; `fields` picks and orders members in every format; unknown fields are 400s.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use canopy_domain::CustomerInfo;
use canopy_server::view::customer_layout;
use serde_json::{json, Value};

/// Header and rows, as Python's csv.reader reads them (the way a spreadsheet user's tooling reads an export).
fn python_csv(csv: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let script = "import csv, io, json, sys\nstream = io.TextIOWrapper(sys.stdin.buffer, encoding='utf-8', newline='')\nprint(json.dumps(list(csv.reader(stream))))";
    let mut rows: Vec<Vec<String>> =
        serde_json::from_slice(&crate::support::python_output(script, csv)).expect("rows as JSON");
    assert!(!rows.is_empty(), "a header at least: {csv}");
    let header = rows.remove(0);
    (header, rows)
}

/// A value without its empty members: an empty cell is no member, so empties cannot survive a spreadsheet (JSON
/// cells such as schedule rules are pruned alike on both sides of a comparison).
fn pruned(value: &Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::Array(items) if items.is_empty() => None,
        Value::Array(items) => Some(Value::Array(items.iter().map(|i| pruned(i).unwrap_or(Value::Null)).collect())),
        Value::Object(members) => {
            let kept: serde_json::Map<String, Value> =
                members.iter().filter_map(|(k, v)| pruned(v).map(|v| (k.clone(), v))).collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        other => Some(other.clone()),
    }
}

/// What a flat row can say of a customer: its JSON without the empty members, without the breadcrumb (shown, never
/// read back), and with tags as their names.
fn as_flat_reads_it(customer: &Value) -> Value {
    let mut customer = customer.clone();
    let object = customer.as_object_mut().expect("an object");
    object.remove("breadcrumb");
    if let Some(Value::Array(tags)) = object.get("tags") {
        let names: Vec<Value> = tags.iter().map(|t| t["name"].clone()).collect();
        object.insert("tags".into(), Value::Array(names));
    }
    pruned(&customer).unwrap_or(Value::Null)
}

/// Cells a spreadsheet would run as formulas, and a cell that starts with the neutralising quote itself.
async fn with_formulas<S, B>(app: &crate::support::TestApp<S>)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let patched = app
        .patch(
            "/customers/cus-lakeside",
            json!({
                "name": "=HYPERLINK(\"http://evil.example\",\"Lakeside\")",
                "integrationData": {"crm": {"thirdPartyId": "@SUM(1+1)"}, "billing.v2": {"thirdPartyId": "+44 20"}},
                "overrideAppSettings": true,
                "appSettings": {"pageTitle": "-Lakeside, \"Legal\"", "customCss": "'quoted"},
            }),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
}

#[actix_web::test]
async fn a_flat_export_reads_back_with_python_to_the_json_data() {
    let app = crate::support::spawn_demo().await;
    with_formulas(&app).await;
    let json = app.get("/customers?all=true").await;
    let items = json.body["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 8);

    let csv = app.get("/customers.csv?all=true&csvStyle=flat").await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    let disposition = csv.headers.get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert_eq!(disposition, "attachment;filename=\"ListCustomers.csv\"");
    let (header, rows) = python_csv(&csv.text);
    for column in [
        "billingSettings.base.unitCost",
        "data.Managed",
        "data.Seats",
        "data.Tier",
        "appSettings.pageTitle",
        "integrationData.crm.thirdPartyId",
        "integrationData.billing.v2.thirdPartyId",
        "schedule.timeZoneId",
    ] {
        assert!(header.iter().any(|h| h == column), "{column} in {header:?}");
    }
    let data_columns: Vec<&str> = header.iter().map(String::as_str).filter(|h| h.starts_with("data.")).collect();
    assert_eq!(data_columns, ["data.Managed", "data.Seats", "data.Tier"], "every key any customer has, A–Z");
    assert_eq!(rows.len(), items.len());

    let cell = |row: &[String], column: &str| -> String {
        let at = header.iter().position(|h| h == column).unwrap_or_else(|| panic!("{column} in the header"));
        row[at].clone()
    };
    let by_id = |id: &str| rows.iter().find(|r| cell(r, "id") == id).unwrap_or_else(|| panic!("{id} exported")).clone();
    let lakeside = by_id("cus-lakeside");
    assert_eq!(cell(&lakeside, "name"), "'=HYPERLINK(\"http://evil.example\",\"Lakeside\")", "neutralised");
    assert_eq!(cell(&lakeside, "integrationData.crm.thirdPartyId"), "'@SUM(1+1)");
    assert_eq!(cell(&lakeside, "integrationData.billing.v2.thirdPartyId"), "'+44 20");
    assert_eq!(cell(&lakeside, "appSettings.pageTitle"), "'-Lakeside, \"Legal\"");
    assert_eq!(cell(&lakeside, "appSettings.customCss"), "''quoted");
    assert!(csv.text.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Lakeside\"\")\","), "quoted too");
    let triage = by_id("cus-riverside-cardio-night-triage");
    assert_eq!(
        cell(&triage, "breadcrumb"),
        "Riverside Health / Riverside Cardiology / Cardiology Night Desk",
        "the breadcrumb is a path"
    );
    let riverside = by_id("cus-riverside");
    assert_eq!(cell(&riverside, "tags"), "VIP; Partner", "tags by name");
    assert_eq!(cell(&riverside, "data.Seats"), "240");
    assert_eq!(cell(&riverside, "billingSettings.base.baseCost"), "199");

    // Every row, read back through the one flat model, is the JSON data of the same customer.
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    for (row, expected) in rows.iter().zip(&items) {
        let back = canopy_wire::flat::unflatten(customer_layout(false), &header_refs, row, &BTreeMap::new())
            .expect("a flat row reads back");
        assert_eq!(pruned(&back), Some(as_flat_reads_it(expected)), "row {}", cell(row, "id"));
    }

    // A page lays its rows out the same way (its own keys), and so does one customer.
    let page = app.get("/customers.csv?csvStyle=Flat&countPerPage=100").await;
    assert_eq!(page.text, csv.text, "every customer on one page: the same bytes as the stream");
    let one = app.get("/customers/cus-lakeside.csv?csvStyle=flat").await;
    let (one_header, one_rows) = python_csv(&one.text);
    assert_eq!(one_rows.len(), 1);
    let one_refs: Vec<&str> = one_header.iter().map(String::as_str).collect();
    let lakeside_json = items.iter().find(|c| c["id"] == "cus-lakeside").expect("lakeside");
    let back = canopy_wire::flat::unflatten(customer_layout(false), &one_refs, &one_rows[0], &BTreeMap::new())
        .expect("reads back");
    assert_eq!(pruned(&back), Some(as_flat_reads_it(lakeside_json)));
}

#[actix_web::test]
async fn flat_headers_come_first_for_empty_paged_and_streamed_answers() {
    let app = crate::support::spawn_demo().await;
    let header = |reply: &crate::support::Reply| {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.text.split("\r\n").next().unwrap_or("").to_owned()
    };
    let empty = app.get("/customers.csv?csvStyle=flat&nameFilter=no-such-customer").await;
    let streamed_empty = app.get("/customers.csv?csvStyle=flat&nameFilter=no-such-customer&all=true").await;
    assert_eq!(empty.text, streamed_empty.text);
    assert_eq!(empty.text, format!("{}\r\n", header(&empty)), "an empty list is its header alone");
    assert!(header(&empty).starts_with("id,accountId,accountName,parentCustomerId,breadcrumb,isStaging,name,"));
    assert!(!header(&empty).contains("data."), "no customer, no data keys");

    // With the columns named, every page and the stream share one header.
    let fields = "fields=name,data.Tier,data.Seats,billingSettings.base.unitCost,tags";
    let first = app.get(&format!("/customers.csv?csvStyle=flat&countPerPage=2&{fields}")).await;
    let second = app.get(&format!("/customers.csv?csvStyle=flat&countPerPage=2&page=3&{fields}")).await;
    let streamed = app.get(&format!("/customers.csv?csvStyle=flat&all=true&{fields}")).await;
    let expected = "name,data.Tier,data.Seats,billingSettings.base.unitCost,tags";
    for reply in [&first, &second, &streamed] {
        assert_eq!(header(reply), expected);
        assert_eq!(reply.text.matches(expected).count(), 1, "one header");
    }
    assert_eq!(streamed.text.split("\r\n").filter(|l| !l.is_empty()).count(), 9, "a header and eight rows");
    let with_effective = app.get("/customers.csv?csvStyle=flat&all=true&includeEffective=true").await;
    let effective_header = header(&with_effective);
    assert!(effective_header.contains(",effective.billingSettings.value.base.unitCost,"), "{effective_header}");
    assert!(effective_header.contains(",effective.schedule.sourceKind"), "{effective_header}");
}

#[actix_web::test]
async fn the_servicestack_style_stays_byte_for_byte_and_runs_nothing_through_neutralising() {
    let app = crate::support::spawn_demo().await;
    with_formulas(&app).await;
    let default = app.get("/customers.csv?all=true").await;
    let named = app.get("/customers.csv?all=true&csvStyle=ServiceStack").await;
    let page = app.get("/customers.csv?countPerPage=100").await;
    assert_eq!(named.text, default.text);
    assert_eq!(page.text, default.text);

    // The bytes are what the ServiceStack CSV writer makes of the JSON data, cell for cell.
    let json = app.get("/customers?all=true").await;
    let items: Vec<CustomerInfo> = serde_json::from_value(json.body["items"].clone()).expect("customers");
    let mut writer = canopy_wire::csv::CsvWriter::for_type::<CustomerInfo>(Vec::new()).expect("a struct");
    for item in &items {
        writer.write_row(item).expect("writes");
    }
    let expected = String::from_utf8(writer.finish().expect("finishes")).expect("utf-8");
    assert_eq!(default.text, expected);
    assert!(default.text.contains(",\"=HYPERLINK(\"\"http://evil.example\"\",\"\"Lakeside\"\")\","), "as written");
    assert!(!default.text.contains("'="), "nothing neutralised: {}", default.text);
    let one = app.get("/customers/cus-lakeside.csv").await;
    assert!(one.text.contains("=HYPERLINK") && !one.text.contains("'=HYPERLINK"), "{}", one.text);
}

#[actix_web::test]
async fn fields_pick_and_order_members_in_every_format() {
    let app = crate::support::spawn_demo().await;
    let page = app.get("/customers?fields=Name,ID&countPerPage=3").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    for item in page.body["items"].as_array().expect("items") {
        let members: Vec<&String> = item.as_object().expect("object").keys().collect();
        assert_eq!(members, ["name", "id"], "only the members asked for, in that order");
    }
    assert_eq!(page.body["totalCount"], 8, "the list's own members stay");
    assert!(page.text.starts_with("{\"items\":[{\"name\":"), "{}", page.text);

    let streamed = app.get("/customers?fields=name,id&all=true").await;
    assert_eq!(streamed.body["items"].as_array().map(Vec::len), Some(8));
    assert_eq!(streamed.body["items"][0].as_object().map(|o| o.len()), Some(2), "{}", streamed.text);

    let jsv = app.get("/customers.jsv?fields=name,id&countPerPage=1").await;
    assert!(jsv.text.starts_with("{items:[{name:"), "{}", jsv.text);
    let jsv_stream = app.get("/customers.jsv?fields=name,id&all=true").await;
    let from_jsv: Value = canopy_wire::jsv::from_str(&jsv_stream.text).expect("our reader reads it");
    assert_eq!(from_jsv["items"], streamed.body["items"]);

    let nested = app.get("/customers/cus-riverside?fields=billingSettings.base.baseCost,data.Tier,id").await;
    assert_eq!(
        nested.text,
        r#"{"billingSettings":{"base":{"baseCost":199}},"data":{"Tier":{"stringValue":"Gold"}},"id":"cus-riverside"}"#
    );
    assert!(nested.headers.get("etag").is_some(), "still with its ETag");
    let by_reference = app.get("/customers/by-reference/nw-100?accountId=acct-northwind&fields=id,referenceId").await;
    assert_eq!(by_reference.text, r#"{"id":"cus-riverside","referenceId":"nw-100"}"#);

    let csv = app.get("/customers.csv?fields=name,id,billingSettings.base&specificIds=cus-riverside").await;
    assert_eq!(
        csv.text,
        "name,id,billingSettings.base\r\nRiverside Health,cus-riverside,\"{baseCost:199,rawUnitMultiplier:1,unitCost:0,allowance:0}\"\r\n"
    );
    let csv_stream =
        app.get("/customers.csv?fields=name,id,billingSettings.base&specificIds=cus-riverside&all=true").await;
    assert_eq!(csv_stream.text, csv.text, "a stream has the same columns");
    let flat = app.get("/customers.csv?csvStyle=flat&fields=name,billingSettings.base&specificIds=cus-riverside").await;
    assert_eq!(
        flat.text,
        "name,billingSettings.base.baseCost,billingSettings.base.rawUnitMultiplier,billingSettings.base.unitCost,billingSettings.base.allowance\r\nRiverside Health,199,1,0,0\r\n"
    );

    let accounts = app.get("/accounts?fields=name&countPerPage=2").await;
    assert_eq!(accounts.status, StatusCode::OK, "{}", accounts.text);
    assert_eq!(
        accounts.body["items"][0].as_object().map(|o| o.keys().collect::<Vec<_>>()),
        Some(vec![&"name".to_owned()])
    );
    let accounts_flat =
        app.get("/accounts.csv?csvStyle=flat&fields=id,billingSettings.base.baseCost&specificIds=acct-platform").await;
    assert!(
        accounts_flat.text.starts_with("id,billingSettings.base.baseCost\r\nacct-platform,"),
        "{}",
        accounts_flat.text
    );
}

#[actix_web::test]
async fn an_unknown_field_is_a_400_naming_it_in_the_clients_format() {
    let app = crate::support::spawn_demo().await;
    for uri in [
        "/customers?fields=id,nickname",
        "/customers?fields=id,nickname&all=true",
        "/customers.csv?fields=id,nickname&all=true&csvStyle=flat",
        "/customers/cus-riverside?fields=nickname",
        "/customers?fields=billingSettings.base.discount",
        "/accounts?fields=nickname",
    ] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}: {}", reply.text);
        if uri.contains(".csv") {
            assert!(reply.text.contains("InvalidField") && reply.text.contains("fields"), "{}", reply.text);
            continue;
        }
        assert_eq!(reply.field_error(), ("fields", "InvalidField"), "{uri}");
        let message = reply.body["responseStatus"]["errors"][0]["message"].as_str().unwrap_or("");
        let named = if uri.contains("discount") { "billingSettings.base.discount" } else { "nickname" };
        assert!(message.contains(&format!("'{named}'")), "{uri}: {message}");
    }
    let style = app.get("/customers.csv?csvStyle=sideways").await;
    assert_eq!(style.status, StatusCode::BAD_REQUEST, "{}", style.text);
    assert!(style.text.contains("csvStyle"), "{}", style.text);
}

#[test]
fn canopy_export_writes_the_flat_style_too() {
    let db = crate::support::TestDb::new();
    let store = canopy_store::Store::open(&db.url).expect("opens");
    let fixture_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo");
    let fixture = canopy_server::seed::read_fixture(&fixture_path).expect("demo fixture reads");
    canopy_server::seed::load_fixture(&store, &fixture, &canopy_store::Actor::named("fixture")).expect("loads");
    drop(store);
    let export = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_canopy"))
            .args(["export", "--database", &db.url])
            .args(args)
            .env_remove("CANOPY_DATABASE_URL")
            .output()
            .expect("canopy runs");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, flat, stderr) = export(&["--format", "csv", "--csv-style", "flat"]);
    assert!(ok, "{stderr}");
    let (header, rows) = python_csv(&flat);
    assert_eq!(rows.len(), 8);
    assert!(header.iter().any(|h| h == "data.Tier") && header.iter().any(|h| h == "billingSettings.base.unitCost"));
    let (ok, picked, stderr) = export(&["--format", "json", "--fields", "name,id"]);
    assert!(ok, "{stderr}");
    let picked: Value = serde_json::from_str(&picked).expect("json");
    assert_eq!(picked["items"][0].as_object().map(|o| o.len()), Some(2));
    let (ok, _, stderr) = export(&["--format", "csv", "--csv-style", "sideways"]);
    assert!(!ok && stderr.contains("sideways"), "{stderr}");
    let (ok, _, stderr) = export(&["--fields", "nickname"]);
    assert!(!ok && stderr.contains("nickname"), "{stderr}");
}

#[actix_web::test]
async fn a_flat_stream_names_every_map_key_of_every_customer_across_many_chunks() {
    use canopy_server::seed::{seed_synthetic, SyntheticPlan};
    let app = crate::support::spawn().await;
    let plan = SyntheticPlan { customers: 2_300, reseller_accounts: 2, max_depth: 6, seed: 11 };
    seed_synthetic(&app.store, plan, &canopy_store::Actor::default()).expect("synthetic data");
    // The first pass reads the stored maps 2,000 customers at a time, in the order of their ids; the header must
    // still name the keys of every customer, and every row must fit it. The last customer by id alone carries one
    // integration, so a pass that stopped early would miss its column.
    let ids = app.get("/customers?all=true&sortField=id").await.ids();
    let last = ids.last().expect("customers");
    let reply =
        app.patch(&format!("/customers/{last}"), json!({"integrationData": {"zz-late": {"thirdPartyId": "x"}}})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let json = app.get("/customers?all=true").await;
    let items = json.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2_300);
    let mut expected = std::collections::BTreeSet::new();
    for item in &items {
        for map in ["data", "integrationData"] {
            for key in item[map].as_object().into_iter().flat_map(|object| object.keys()) {
                expected.insert(format!("{map}.{key}"));
            }
        }
    }
    assert!(expected.iter().any(|column| column.starts_with("data.")), "the synthetic customers carry data");
    assert!(expected.contains("integrationData.zz-late"));
    let flat = app.get("/customers.csv?csvStyle=flat&all=true").await;
    assert_eq!(flat.status, StatusCode::OK, "{}", flat.text);
    let (header, rows) = python_csv(&flat.text);
    assert_eq!(rows.len(), 2_300, "every customer, none refused for a column the header lacks");
    let named: std::collections::BTreeSet<String> = header
        .iter()
        .filter(|column| column.starts_with("data.") || column.starts_with("integrationData."))
        .map(|column| column.splitn(3, '.').take(2).collect::<Vec<_>>().join("."))
        .collect();
    assert_eq!(named, expected);
}
