//! JSV and CSV answers carry the same data as JSON: read back with our JSV reader, and with Python's `csv` module
//! (the way a spreadsheet user's tooling reads an export), they give the same customers.

use actix_web::http::StatusCode;
use canopy_domain::CustomerInfo;
use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Listed {
    items: Vec<CustomerInfo>,
    total_count: u64,
}

/// Rows as Python's csv.DictReader reads them.
fn python_csv_rows(csv: &str) -> Vec<Vec<(String, String)>> {
    let script = "import csv, io, json, sys\nstream = io.TextIOWrapper(sys.stdin.buffer, encoding='utf-8', newline='')\nrows = list(csv.DictReader(stream))\nprint(json.dumps([list(r.items()) for r in rows]))";
    serde_json::from_slice(&crate::support::python_output(script, csv)).expect("rows as JSON")
}

#[actix_web::test]
async fn jsv_and_csv_lists_read_back_to_the_json_data() {
    let app = crate::support::spawn_demo().await;
    // A name with the characters CSV and JSV must quote.
    app.patch("/customers/cus-lakeside", serde_json::json!({"name": "Lakeside, \"Legal\" {LLP}"})).await;
    let json: Listed = serde_json::from_str(&app.get("/customers?all=true").await.text).expect("json reads");
    assert_eq!(json.items.len(), 8);

    let jsv = app.get("/customers?all=true&format=jsv").await;
    assert_eq!(jsv.status, StatusCode::OK);
    let from_jsv: Listed = canopy_wire::jsv::from_str(&jsv.text).expect("our reader reads our JSV");
    assert_eq!(from_jsv, json);
    let paged_jsv = app.get("/customers?countPerPage=3&format=jsv").await;
    let paged: Listed = canopy_wire::jsv::from_str(&paged_jsv.text).expect("a page reads too");
    assert_eq!(paged.items, json.items[..3]);

    let csv = app.get("/customers.csv?all=true").await;
    let disposition = csv.headers.get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(disposition.starts_with("attachment;") && disposition.contains("ListCustomers.csv"), "{disposition}");
    let rows = python_csv_rows(&csv.text);
    assert_eq!(rows.len(), json.items.len());
    for (row, expected) in rows.into_iter().zip(&json.items) {
        // Each cell binds back into its member (nested values are JSV), exactly as a request would bind.
        let mut params = canopy_wire::binding::Params::new();
        params.add_source(row);
        let customer: CustomerInfo = canopy_wire::binding::bind(&params).expect("a row binds back");
        assert_eq!(&customer, expected);
    }
}

/// The header row and the Content-Disposition of a CSV answer.
fn csv_header(reply: &crate::support::Reply) -> (String, String) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let disposition = reply.headers.get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (reply.text.split("\r\n").next().unwrap_or("").to_owned(), disposition)
}

#[actix_web::test]
async fn paged_empty_and_streamed_csv_lists_have_one_and_the_same_header() {
    let app = crate::support::spawn_demo().await;
    let declared =
        canopy_wire::csv::field_names::<CustomerInfo>().expect("CustomerInfo declares its members").join(",");
    let paged = app.get("/customers.csv?countPerPage=3").await;
    let empty = app.get("/customers.csv?nameFilter=no-such-customer-anywhere").await;
    let streamed = app.get("/customers.csv?all=true").await;
    let streamed_empty = app.get("/customers.csv?all=true&nameFilter=no-such-customer-anywhere").await;
    let answers = [("paged", &paged), ("empty", &empty), ("streamed", &streamed), ("streamed empty", &streamed_empty)];
    for (what, reply) in answers {
        let (header, disposition) = csv_header(reply);
        assert_eq!(header, declared, "the {what} header is the declared members in declared order");
        assert_eq!(disposition, "attachment;filename=\"ListCustomers.csv\"", "{what}");
        assert_eq!(reply.text.matches(declared.as_str()).count(), 1, "one header in the {what} answer");
    }
    assert_eq!(empty.text, format!("{declared}\r\n"), "an empty list is its header alone");
    assert_eq!(streamed_empty.text, empty.text);
    assert_eq!(paged.text.split("\r\n").filter(|l| !l.is_empty()).count(), 4, "a header and three rows");
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedValues {
    items: Vec<serde_json::Value>,
    total_count: u64,
}

#[actix_web::test]
async fn effective_values_stream_like_a_page_in_every_format() {
    let app = crate::support::spawn_demo().await;
    let paged: ListedValues =
        serde_json::from_str(&app.get("/customers?includeEffective=true&countPerPage=100").await.text).expect("json");
    let streamed = app.get("/customers?includeEffective=true&all=true").await;
    assert_eq!(streamed.status, StatusCode::OK, "{}", streamed.text);
    let streamed: ListedValues = serde_json::from_str(&streamed.text).expect("json");
    assert_eq!(streamed.total_count, paged.total_count);
    assert_eq!(streamed.items, paged.items, "the same customers with the same effective values and sources");
    assert!(streamed.items.iter().all(|item| item["effective"]["billingSettings"].is_object()));

    let jsv = app.get("/customers.jsv?includeEffective=true&all=true").await;
    let from_jsv: serde_json::Value = canopy_wire::jsv::from_str(&jsv.text).expect("our reader reads our JSV");
    assert_eq!(from_jsv["items"].as_array().map(Vec::len), Some(paged.items.len()));

    let csv = app.get("/customers.csv?includeEffective=true&all=true").await;
    let (header, _) = csv_header(&csv);
    assert!(header.ends_with(",effective"), "{header}");
    assert_eq!(python_csv_rows(&csv.text).len(), paged.items.len());
}
