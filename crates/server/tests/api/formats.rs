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
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write;
    child.stdin.take().expect("stdin").write_all(csv.as_bytes()).expect("writes");
    let output = child.wait_with_output().expect("python3 finishes");
    assert!(output.status.success(), "python's csv module read the export");
    serde_json::from_slice(&output.stdout).expect("rows as JSON")
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
