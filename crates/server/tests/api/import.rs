//! ImportCustomers (`POST /customers/import`): what export writes reads back into an empty account field by field
//! (demo data and 10,000 synthetic customers, in ServiceStack CSV, JSON and JSON lines); rows update what they
//! match by id or referenceId and create the rest, parents first whatever the order; any refused row refuses the
//! file with every refused row named; dry runs write nothing; Idempotency-Key; the same reach as single writes.

use std::collections::HashMap;

use actix_web::{
    http::{Method, StatusCode},
    test,
};
use canopy_domain::{ManagerAccess, Role};
use canopy_store::Actor;
use serde_json::{json, Value};

use crate::support::{new_user, spawn, spawn_demo, user_with_key, Reply, TestApp};

/// Members that export writes but that a customer does not own: they are not expected to survive a copy.
const DERIVED: [&str; 8] =
    ["id", "accountId", "accountName", "breadcrumb", "dateCreated", "dateLastModified", "createdBy", "lastModifiedBy"];

#[derive(Clone, Copy, Debug)]
enum FileKind {
    Csv,
    /// The flat spreadsheet CSV (`csvStyle=Flat`).
    FlatCsv,
    Json,
    JsonLines,
}

impl FileKind {
    const ALL: [FileKind; 4] = [FileKind::Csv, FileKind::FlatCsv, FileKind::Json, FileKind::JsonLines];

    fn content_type(self) -> &'static str {
        match self {
            FileKind::Csv | FileKind::FlatCsv => "text/csv",
            FileKind::Json => "application/json",
            FileKind::JsonLines => "application/x-ndjson",
        }
    }
}

macro_rules! app_type {
    () => {
        TestApp<
            impl actix_web::dev::Service<
                actix_http::Request,
                Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
                Error = actix_web::Error,
            >,
        >
    };
}

/// Sends `body` as an import file, as the administrator unless `key` names another caller.
async fn post_file(app: &app_type!(), uri: &str, content_type: &str, body: String, headers: &[(&str, &str)]) -> Reply {
    let mut req = test::TestRequest::default()
        .method(Method::POST)
        .uri(uri)
        .insert_header(("Content-Type", content_type))
        .set_payload(body);
    let own_credentials = headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("authorization"));
    for header in headers {
        req = req.insert_header(*header);
    }
    if own_credentials {
        app.send_raw(req).await
    } else {
        app.send(req).await
    }
}

async fn import_json(app: &app_type!(), uri: &str, rows: Value) -> Reply {
    post_file(app, uri, "application/json", rows.to_string(), &[]).await
}

/// The file export writes for `account`, in `kind` (JSON lines: the JSON export's items, one per line).
async fn export(app: &app_type!(), account: &str, kind: FileKind) -> String {
    let format = match kind {
        FileKind::Csv => "csv",
        FileKind::FlatCsv => "csv&csvStyle=Flat",
        FileKind::Json | FileKind::JsonLines => "json",
    };
    let reply = app.get(&format!("/customers?all=true&accountIds={account}&format={format}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    match kind {
        FileKind::JsonLines => {
            reply.body["items"].as_array().expect("items").iter().map(|item| format!("{item}\n")).collect()
        }
        _ => reply.text,
    }
}

async fn customers_of(app: &app_type!(), account: &str) -> Vec<Value> {
    let reply = app.get(&format!("/customers?all=true&accountIds={account}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["items"].as_array().expect("items").clone()
}

/// A new, empty account with `source`'s tag catalogue and data fields.
async fn empty_copy_of(app: &app_type!(), source: &str, name: &str) -> String {
    let created = app.post("/accounts", json!({ "name": name })).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let id = created.body["id"].as_str().expect("id").to_owned();
    let settings = app.get(&format!("/system/settings?accountId={source}")).await;
    assert_eq!(settings.status, StatusCode::OK, "{}", settings.text);
    let patched = app
        .patch(
            &format!("/system/settings?accountId={id}"),
            json!({ "tags": settings.body["tags"], "customerFields": settings.body["customerFields"] }),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    id
}

/// `value` without the object members whose value is an empty text, at any depth.
fn without_empty_texts(value: &mut Value) {
    match value {
        Value::Object(object) => {
            object.retain(|_, member| member.as_str() != Some(""));
            object.values_mut().for_each(without_empty_texts);
        }
        Value::Array(items) => items.iter_mut().for_each(without_empty_texts),
        _ => {}
    }
}

/// Exports `source`, imports the file into a new empty account, and checks that every customer came across with
/// every member it owns (its parent as the copy of its parent).
async fn assert_round_trip(app: &app_type!(), source: &str, kind: FileKind) {
    let originals = customers_of(app, source).await;
    assert!(!originals.is_empty(), "{source} has no customers to copy");
    let target = empty_copy_of(app, source, &format!("Copy of {source} as {kind:?}")).await;
    let file = export(app, source, kind).await;
    let imported = post_file(
        app,
        &format!("/customers/import?accountId={target}&includeRows=true"),
        kind.content_type(),
        file,
        &[],
    )
    .await;
    assert_eq!(imported.status, StatusCode::OK, "{kind:?}: {}", &imported.text[..imported.text.len().min(2000)]);
    assert_eq!(imported.body["created"], originals.len(), "{kind:?}");
    assert_eq!(imported.body["updated"], 0);
    // Row n is the nth customer of the export, which lists customers in the order `originals` has.
    let copies_by_original: HashMap<String, String> = imported.body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            let n = row["row"].as_u64().expect("row number") as usize;
            (originals[n - 1]["id"].as_str().expect("id").to_owned(), row["id"].as_str().expect("id").to_owned())
        })
        .collect();
    let copies: HashMap<String, Value> =
        customers_of(app, &target).await.into_iter().map(|c| (c["id"].as_str().expect("id").to_owned(), c)).collect();
    assert_eq!(copies.len(), originals.len());
    for original in &originals {
        let original_id = original["id"].as_str().expect("id");
        let copy = &copies[&copies_by_original[original_id]];
        let mut expected = original.as_object().expect("object").clone();
        let mut actual = copy.as_object().expect("object").clone();
        for member in DERIVED {
            expected.remove(member);
            actual.remove(member);
        }
        if let Some(parent) = expected.get_mut("parentCustomerId") {
            *parent = Value::String(copies_by_original[parent.as_str().expect("parent id")].clone());
        }
        let (mut actual, mut expected) = (Value::Object(actual), Value::Object(expected));
        if let FileKind::FlatCsv = kind {
            // A spreadsheet cell cannot tell empty text from none (`schedule.timeZoneId: ""` means what its absence
            // means: the zone of the customers above), so the flat style compares without empty texts.
            without_empty_texts(&mut actual);
            without_empty_texts(&mut expected);
        }
        assert_eq!(actual, expected, "{kind:?}: customer {original_id}");
        assert_eq!(copy["breadcrumb"].as_array().map(Vec::len), original["breadcrumb"].as_array().map(Vec::len));
    }
}

#[actix_web::test]
async fn the_demo_data_round_trips_through_every_format() {
    let app = spawn_demo().await;
    for account in ["acct-northwind", "acct-platform"] {
        for kind in FileKind::ALL {
            assert_round_trip(&app, account, kind).await;
        }
    }
}

#[actix_web::test]
async fn an_account_s_own_export_imported_back_changes_nothing_in_every_format() {
    let app = spawn_demo().await;
    for account in ["acct-northwind", "acct-platform"] {
        let count = customers_of(&app, account).await.len();
        for kind in FileKind::ALL {
            let file = export(&app, account, kind).await;
            let uri = format!("/customers/import?accountId={account}&dryRun=true");
            let imported = post_file(&app, &uri, kind.content_type(), file, &[]).await;
            assert_eq!(imported.status, StatusCode::OK, "{kind:?}: {}", imported.text);
            // The demo holds a schedule with `timeZoneId: ""`, which the flat style writes as an empty cell.
            assert_eq!(
                (&imported.body["created"], &imported.body["updated"], &imported.body["unchanged"]),
                (&json!(0), &json!(0), &json!(count)),
                "{account} as {kind:?}: {}",
                imported.text
            );
        }
    }
}

async fn synthetic_round_trip(kind: FileKind) {
    let app = spawn().await;
    let plan =
        canopy_server::seed::SyntheticPlan { reseller_accounts: 1, ..canopy_server::seed::SyntheticPlan::new(10_000) };
    canopy_server::seed::seed_synthetic(&app.store, plan, &Actor::named("seed")).expect("seeds");
    assert_round_trip(&app, "reseller-7-0", kind).await;
}

#[actix_web::test]
async fn ten_thousand_synthetic_customers_round_trip_as_servicestack_csv() {
    synthetic_round_trip(FileKind::Csv).await;
}

#[actix_web::test]
async fn ten_thousand_synthetic_customers_round_trip_as_flat_csv() {
    synthetic_round_trip(FileKind::FlatCsv).await;
}

#[actix_web::test]
async fn ten_thousand_synthetic_customers_round_trip_as_json() {
    synthetic_round_trip(FileKind::Json).await;
}

#[actix_web::test]
async fn ten_thousand_synthetic_customers_round_trip_as_json_lines() {
    synthetic_round_trip(FileKind::JsonLines).await;
}

#[actix_web::test]
async fn rows_may_swap_reference_ids_but_not_take_one_a_customer_keeps() {
    let app = spawn().await;
    let account = app.account("A").await;
    let ids = customers_named(
        &app,
        &account,
        &[("First", Some("crm-1")), ("Second", Some("crm-2")), ("Third", Some("crm-3"))],
    )
    .await;
    let uri = format!("/customers/import?accountId={account}");

    // The third keeps crm-3 (its row does not mention it), so the first may not take it: a refusal of that row.
    let taken =
        import_json(&app, &uri, json!([{"id": ids[0], "referenceId": "crm-3"}, {"id": ids[2], "name": "Third"}])).await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST, "{}", taken.text);
    assert_eq!(taken.body["responseStatus"]["errors"][0]["fieldName"], "rows[1].referenceId", "{}", taken.text);
    assert_eq!(taken.body["responseStatus"]["errors"][0]["errorCode"], "Conflict");

    // A swap, by id and by referenceId, in either order of the rows.
    let swapped = import_json(
        &app,
        &uri,
        json!([{"id": ids[0], "referenceId": "crm-2"}, {"id": ids[1], "referenceId": "crm-1"}]),
    )
    .await;
    assert_eq!(swapped.status, StatusCode::OK, "{}", swapped.text);
    assert_eq!(swapped.body["updated"], 2, "{}", swapped.text);
    let reference_of = |reply: &Reply| reply.body["referenceId"].as_str().unwrap_or_default().to_owned();
    assert_eq!(reference_of(&app.get(&format!("/customers/{}", ids[0])).await), "crm-2");
    assert_eq!(reference_of(&app.get(&format!("/customers/{}", ids[1])).await), "crm-1");
    let history = app.get(&format!("/customers/{}/history?member=referenceId", ids[0])).await;
    let newest = &history.body["items"][0];
    // History values are JSON texts.
    assert_eq!(
        (&newest["oldValue"], &newest["newValue"]),
        (&json!("\"crm-1\""), &json!("\"crm-2\"")),
        "{}",
        history.text
    );

    // Three ways round, one of them clearing its own.
    let rotated = import_json(
        &app,
        &uri,
        json!([
            {"id": ids[2], "referenceId": "crm-1"},
            {"id": ids[1], "referenceId": ""},
            {"id": ids[0], "referenceId": "crm-3"},
        ]),
    )
    .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    assert_eq!(reference_of(&app.get(&format!("/customers/{}", ids[2])).await), "crm-1");
    assert_eq!(reference_of(&app.get(&format!("/customers/{}", ids[0])).await), "crm-3");
    assert_eq!(reference_of(&app.get(&format!("/customers/{}", ids[1])).await), "");
}

#[actix_web::test]
async fn rows_upsert_by_id_or_reference_and_parents_resolve_in_any_order() {
    let app = spawn().await;
    let account = app.account("A").await;
    let kept = app.customer(&account, "Kept", None).await;
    let by_reference =
        app.post("/customers", json!({"accountId": account, "name": "Old name", "referenceId": "crm-1"})).await;
    let by_reference = by_reference.body["id"].as_str().expect("id").to_owned();
    let rows = json!([
        // A child whose parent is created two rows later, named by its referenceId.
        {"name": "Child", "referenceId": "crm-child", "parentReferenceId": "crm-parent", "tags": [{"id": "vip"}]},
        {"id": kept, "name": "Kept"},
        {"id": "new-parent", "name": "Parent", "referenceId": "crm-parent", "data": {"Seats": {"numberValue": 3}}},
        {"name": "New name", "referenceId": "crm-1", "parentCustomerId": "new-parent"},
    ]);
    let uri = format!("/customers/import?accountId={account}&includeRows=true");
    let dry = import_json(&app, &format!("{uri}&dryRun=true"), rows.clone()).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.text);
    assert_eq!(
        (dry.body["created"].as_u64(), dry.body["updated"].as_u64(), dry.body["unchanged"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(dry.body["dryRun"], true);
    assert_eq!(customers_of(&app, &account).await.len(), 2, "a dry run writes nothing");

    let done = import_json(&app, &uri, rows).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(
        (done.body["created"].as_u64(), done.body["updated"].as_u64(), done.body["unchanged"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    let actions: Vec<(u64, &str)> = done.body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["row"].as_u64().unwrap_or(0), r["action"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(actions, [(1, "Created"), (2, "Unchanged"), (3, "Created"), (4, "Updated")]);

    let parent = app.get("/customers/new-parent").await;
    assert_eq!(parent.status, StatusCode::OK, "the row's id is kept: {}", parent.text);
    assert_eq!(parent.body["data"]["Seats"]["numberValue"], 3);
    let child_id = done.body["rows"][0]["id"].as_str().expect("id");
    let child = app.get(&format!("/customers/{child_id}")).await;
    assert_eq!(child.body["parentCustomerId"], "new-parent");
    assert_eq!(child.body["tags"][0]["id"], "vip");
    let moved = app.get(&format!("/customers/{by_reference}")).await;
    assert_eq!(moved.body["name"], "New name");
    assert_eq!(moved.body["parentCustomerId"], "new-parent");
    assert_eq!(moved.body["breadcrumb"][0]["name"], "Parent");

    let history = app.get(&format!("/customers/{by_reference}/history")).await;
    let newest = &history.body["items"][0];
    assert_eq!(newest["operation"], "ImportCustomers", "{}", history.text);
    assert_no_import_in_history_of(&app, &kept, "an unchanged row records nothing").await;
}

/// New top-level customers of `account`, `(name, referenceId)` each: their ids.
async fn customers_named(app: &app_type!(), account: &str, customers: &[(&str, Option<&str>)]) -> Vec<String> {
    let mut ids = Vec::new();
    for (name, reference) in customers {
        let created =
            app.post("/customers", json!({"accountId": account, "name": name, "referenceId": reference})).await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.text);
        ids.push(created.body["id"].as_str().expect("id").to_owned());
    }
    ids
}

/// Asserts that no import changed customer `id`, by its history.
async fn assert_no_import_in_history_of(app: &app_type!(), id: &str, why: &str) {
    let history = app.get(&format!("/customers/{id}/history")).await;
    assert!(
        history.body["items"].as_array().expect("items").iter().all(|e| e["operation"] != "ImportCustomers"),
        "{why}: {}",
        history.text
    );
}

/// The `(fieldName, errorCode)` of each refusal an import with skipRefusedRows answered.
fn refused_of(reply: &Reply) -> Vec<(&str, &str)> {
    reply.body["refused"]
        .as_array()
        .expect("refused")
        .iter()
        .map(|r| (r["fieldName"].as_str().unwrap_or(""), r["errorCode"].as_str().unwrap_or("")))
        .collect()
}

#[actix_web::test]
async fn a_flat_files_tags_are_found_by_name_and_an_unknown_name_is_refused_by_row() {
    let app = spawn().await;
    let account = app.account("A").await;
    let tags =
        json!([{"id": "t-vip", "name": "VIP", "color": "Gold"}, {"id": "t-semi", "name": "A; B", "color": "Red"}]);
    let patched = app.patch(&format!("/system/settings?accountId={account}"), json!({ "tags": tags })).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    let uri = format!("/customers/import?accountId={account}&fileFormat=flatcsv");
    let file = "name,tags\r\nOne,vip; A;; B\r\nTwo,Platinum\r\n".to_owned();
    let refused = post_file(&app, &uri, "text/csv", file, &[]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(refused.field_error(), ("rows[2].tagNames[0]", "NotFound"), "{}", refused.text);
    let done = post_file(&app, &uri, "text/csv", "name,tags\r\nOne,vip; A;; B\r\n".to_owned(), &[]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let one = &customers_of(&app, &account).await[0];
    let tag_ids: Vec<&str> = one["tags"].as_array().expect("tags").iter().filter_map(|t| t["id"].as_str()).collect();
    assert_eq!(tag_ids, ["t-vip", "t-semi"], "by name, ignoring case only where no name matches exactly");
}

#[actix_web::test]
async fn every_refused_row_is_named_and_nothing_is_written() {
    let app = spawn().await;
    let account = app.account("A").await;
    let other = app.account("B").await;
    let elsewhere = app.customer(&other, "Elsewhere", None).await;
    let rows = json!([
        {"name": "Fine"},
        {"name": "Tagged", "tagIds": ["no-such-tag"]},
        {"name": "Bad data", "data": {"Seats": {"stringValue": "many"}}},
        {"id": "loop-a", "name": "A", "parentCustomerId": "loop-b"},
        {"id": "loop-b", "name": "B", "parentCustomerId": "loop-a"},
        {"name": "Foreign parent", "parentCustomerId": elsewhere},
        {"name": "Bad allowance", "billingSettings": {"base": {"allowance": 1.5}}},
        {"name": "Missing parent", "parentReferenceId": "nobody"},
        {"referenceId": "no-name"},
    ]);
    let reply = import_json(&app, &format!("/customers/import?accountId={account}"), rows).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    let errors: Vec<(String, String)> = reply.body["responseStatus"]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["fieldName"].as_str().unwrap_or("").to_owned(), e["errorCode"].as_str().unwrap_or("").to_owned()))
        .collect();
    let expected = [
        ("rows[2].tagIds[0]", "NotFound"),
        ("rows[3].data.Seats", "InvalidValue"),
        ("rows[4].parentCustomerId", "Cycle"),
        ("rows[5].parentCustomerId", "Cycle"),
        ("rows[6].parentCustomerId", "CrossAccount"),
        ("rows[7].billingSettings.base.allowance", "SerializationException"),
        ("rows[8].parentReferenceId", "NotFound"),
        ("rows[9].name", "NotEmpty"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(f, c)| ((*f).to_owned(), (*c).to_owned())).collect();
    assert_eq!(errors, expected, "{}", reply.text);
    assert!(customers_of(&app, &account).await.is_empty(), "all or nothing");
}

#[actix_web::test]
async fn a_move_into_its_own_subtree_is_refused_and_rolls_everything_back() {
    let app = spawn().await;
    let account = app.account("A").await;
    let top = app.customer(&account, "Top", None).await;
    let below = app.customer(&account, "Below", Some(&top)).await;
    let rows = json!([{"name": "Created first"}, {"id": top, "parentCustomerId": below}]);
    let reply = import_json(&app, &format!("/customers/import?accountId={account}"), rows).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.field_error(), ("rows[2].parentCustomerId", "Cycle"));
    assert_eq!(customers_of(&app, &account).await.len(), 2, "the created row was rolled back");
}

#[actix_web::test]
async fn skip_refused_rows_imports_the_rest_and_says_why_each_skipped_row_was_refused() {
    let app = spawn().await;
    let account = app.account("A").await;
    let top = app.customer(&account, "Top", None).await;
    let below = app.customer(&account, "Below", Some(&top)).await;
    let rows = json!([
        {"name": "Fine", "tags": [{"id": "vip"}]},
        {"id": "bad-tag", "name": "Unknown tag", "tagIds": ["no-such-tag"]},
        {"name": "Child of a refused row", "parentCustomerId": "bad-tag"},
        {"id": "nameless"},
        // Refused while writing (a move under its own subtree): its rename is undone with it.
        {"id": top, "name": "Top renamed", "parentCustomerId": below},
        {"id": below, "name": "Below renamed"},
    ]);
    let uri = format!("/customers/import?accountId={account}&includeRows=true");
    let all_or_nothing = import_json(&app, &uri, rows.clone()).await;
    assert_eq!(all_or_nothing.status, StatusCode::BAD_REQUEST, "the default: {}", all_or_nothing.text);
    assert_eq!(customers_of(&app, &account).await.len(), 2);

    let dry = import_json(&app, &format!("{uri}&skipRefusedRows=true&dryRun=true"), rows.clone()).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.text);
    assert_eq!(customers_of(&app, &account).await.len(), 2, "a dry run writes nothing");

    let done = import_json(&app, &format!("{uri}&skipRefusedRows=true"), rows).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let counts = |reply: &Reply| {
        ["created", "updated", "unchanged", "skipped"].map(|k| reply.body[k].as_u64().unwrap_or(u64::MAX))
    };
    assert_eq!(counts(&done), [1, 1, 0, 4], "{}", done.text);
    assert_eq!(counts(&dry), counts(&done), "a dry run counts what the import does");
    assert_eq!(
        refused_of(&done),
        [
            ("rows[2].tagIds[0]", "NotFound"),
            ("rows[3].parentCustomerId", "ParentRefused"),
            ("rows[4].name", "NotEmpty"),
            ("rows[5].parentCustomerId", "Cycle"),
        ],
        "{}",
        done.text
    );
    let actions: Vec<&str> =
        done.body["rows"].as_array().expect("rows").iter().map(|r| r["action"].as_str().unwrap_or("")).collect();
    assert_eq!(actions, ["Created", "Skipped", "Skipped", "Skipped", "Skipped", "Updated"]);
    let names: Vec<String> =
        customers_of(&app, &account).await.iter().map(|c| c["name"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(names, ["Below renamed", "Fine", "Top"], "the refused move's rename was undone");
    assert_no_import_in_history_of(&app, &top, "a skipped row records no history").await;
}

#[actix_web::test]
async fn a_skipped_row_keeps_its_customer_s_reference_id_and_a_row_taking_it_is_skipped_too() {
    let app = spawn().await;
    let account = app.account("A").await;
    let ids =
        customers_named(&app, &account, &[("Holder", Some("crm-x")), ("Taker", None), ("Second taker", None)]).await;
    let uri = format!("/customers/import?accountId={account}&skipRefusedRows=true");
    // The holder's row is below a refused row; two rows would take its reference (the second a duplicate).
    let rows = json!([
        {"id": "new-parent", "name": "Parent", "parentCustomerId": "no-such-customer"},
        {"id": ids[0], "referenceId": "crm-y", "parentCustomerId": "new-parent"},
        {"id": ids[1], "referenceId": "crm-x"},
        {"id": ids[2], "referenceId": "crm-x"},
    ]);
    let reply = import_json(&app, &uri, rows).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        refused_of(&reply),
        [
            ("rows[1].parentCustomerId", "NotFound"),
            ("rows[2].parentCustomerId", "ParentRefused"),
            ("rows[3].referenceId", "Conflict"),
            ("rows[4].referenceId", "Duplicate"),
            ("rows[4].referenceId", "Conflict"),
        ],
        "{}",
        reply.text
    );
    assert_eq!(reply.body["skipped"], 4);
    let holder = app.get(&format!("/customers/{}", ids[0])).await;
    assert_eq!(holder.body["referenceId"], "crm-x", "a skipped row writes nothing: {}", holder.text);
    let found = app.get(&format!("/customers/by-reference/crm-x?accountId={account}")).await;
    assert_eq!(found.body["id"], ids[0], "{}", found.text);
}

#[actix_web::test]
async fn bad_files_are_clear_400s() {
    let app = spawn().await;
    let account = app.account("A").await;
    let uri = format!("/customers/import?accountId={account}");
    let not_json = post_file(&app, &uri, "application/json", "{\"items\": [".into(), &[]).await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST, "{}", not_json.text);
    assert_eq!(not_json.field_error().0, "file");
    let no_header = post_file(&app, &uri, "text/csv", "x,y\r\n1,2\r\n".into(), &[]).await;
    assert_eq!(no_header.field_error(), ("file", "InvalidHeader"));
    let unknown = post_file(&app, &format!("{uri}&fileFormat=xml"), "text/plain", "<a/>".into(), &[]).await;
    assert_eq!(unknown.field_error(), ("fileFormat", "InvalidValue"));
    let no_account = import_json(&app, "/customers/import", json!([{"name": "X"}])).await;
    assert_eq!(no_account.field_error(), ("accountId", "NotEmpty"));
    let missing_account = import_json(&app, "/customers/import?accountId=nope", json!([{"name": "X"}])).await;
    assert_eq!(missing_account.status, StatusCode::BAD_REQUEST, "{}", missing_account.text);
    let reserved = import_json(&app, &uri, json!([{"id": "import", "name": "X"}])).await;
    assert_eq!(reserved.field_error(), ("rows[1].id", "InvalidId"));
    // The row's account comes from the rows when the request names none.
    let from_rows = import_json(&app, "/customers/import", json!([{"accountId": account, "name": "X"}])).await;
    assert_eq!(from_rows.status, StatusCode::OK, "{}", from_rows.text);
}

#[actix_web::test]
async fn a_retry_with_its_idempotency_key_imports_once() {
    let app = spawn().await;
    let account = app.account("A").await;
    let uri = format!("/customers/import?accountId={account}");
    let file = json!([{"name": "Once"}]).to_string();
    let key = [("Idempotency-Key", "import-1")];
    let first = post_file(&app, &uri, "application/json", file.clone(), &key).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let again = post_file(&app, &uri, "application/json", file, &key).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body, first.body);
    assert_eq!(customers_of(&app, &account).await.len(), 1);
    let other = post_file(&app, &uri, "application/json", json!([{"name": "Other"}]).to_string(), &key).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", other.text);
}

#[actix_web::test]
async fn imports_follow_the_callers_reach_and_field_rule() {
    let app = spawn().await;
    let account = app.account("A").await;
    let other = app.account("B").await;
    let linked = app.customer(&account, "Linked", None).await;
    let mut reader = new_user("reader", &[Role::Manager]);
    reader.account_ids = vec![account.clone()];
    let reader = user_with_key(&app.store, reader);
    let mut manager = new_user("manager", &[Role::Manager]);
    manager.account_ids = vec![account.clone()];
    manager.manager_access = ManagerAccess::ReadWrite;
    let manager = user_with_key(&app.store, manager);
    let mut customer_user = new_user("customer", &[Role::Customer]);
    customer_user.customer_ids = vec![linked.clone()];
    let customer_user = user_with_key(&app.store, customer_user);
    let as_user = |key: &str| format!("Bearer {key}");
    let file = |rows: Value| rows.to_string();

    let read_only = as_user(&reader);
    let denied = post_file(
        &app,
        &format!("/customers/import?accountId={account}"),
        "application/json",
        file(json!([{"name": "X"}])),
        &[("Authorization", &read_only)],
    )
    .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.text);

    let writer = as_user(&manager);
    let outside = post_file(
        &app,
        &format!("/customers/import?accountId={other}"),
        "application/json",
        file(json!([{"name": "X"}])),
        &[("Authorization", &writer)],
    )
    .await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN, "{}", outside.text);
    let inside = post_file(
        &app,
        &format!("/customers/import?accountId={account}"),
        "application/json",
        file(json!([{"name": "X"}])),
        &[("Authorization", &writer)],
    )
    .await;
    assert_eq!(inside.status, StatusCode::OK, "{}", inside.text);

    let customer = as_user(&customer_user);
    let top_level = post_file(
        &app,
        &format!("/customers/import?accountId={account}"),
        "application/json",
        file(json!([{"name": "Top"}])),
        &[("Authorization", &customer)],
    )
    .await;
    assert_eq!(top_level.field_error(), ("rows[1].parentCustomerId", "Forbidden"), "{}", top_level.text);
    let protected = post_file(
        &app,
        &format!("/customers/import?accountId={account}"),
        "application/json",
        file(json!([{"id": linked, "overrideBillingSettings": true}])),
        &[("Authorization", &customer)],
    )
    .await;
    assert_eq!(protected.field_error(), ("rows[1].overrideBillingSettings", "Forbidden"), "{}", protected.text);
    let below = post_file(&app, &format!("/customers/import?accountId={account}"), "application/json", file(json!([{"id": linked, "name": "Linked", "overrideBillingSettings": false}, {"name": "Below", "parentCustomerId": linked}])), &[("Authorization", &customer)]).await;
    assert_eq!(below.status, StatusCode::OK, "{}", below.text);
    assert_eq!((below.body["created"].as_u64(), below.body["unchanged"].as_u64()), (Some(1), Some(1)));
}

#[actix_web::test]
async fn unique_data_values_are_refused_by_row_whether_held_in_the_file_or_before() {
    let app = spawn().await;
    let account = app.account("A").await;
    let fields = json!({"customerFields": [{"name": "CrmId", "type": "String", "uniqueness": "Unique"}]});
    let patched = app.patch(&format!("/system/settings?accountId={account}"), fields).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    let held = app
        .post("/customers", json!({"accountId": account, "name": "Holder", "data": {"CrmId": {"stringValue": "c-1"}}}))
        .await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.text);
    let uri = format!("/customers/import?accountId={account}");
    let crm = |value: &str| json!({"CrmId": {"stringValue": value}});
    let twice =
        import_json(&app, &uri, json!([{"name": "A", "data": crm("c-2")}, {"name": "B", "data": crm("c-2")}])).await;
    assert_eq!(twice.field_error(), ("rows[2].data.CrmId", "Conflict"), "{}", twice.text);
    let taken =
        import_json(&app, &uri, json!([{"name": "C", "data": crm("c-3")}, {"name": "D", "data": crm("c-1")}])).await;
    assert_eq!(taken.field_error(), ("rows[2].data.CrmId", "Conflict"), "{}", taken.text);
    assert_eq!(customers_of(&app, &account).await.len(), 1, "nothing of either file was written");
    let fine = import_json(&app, &uri, json!([{"name": "E", "data": crm("c-4")}])).await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.text);
}

#[actix_web::test]
async fn a_typed_client_sends_the_request_itself_with_its_items() {
    let app = spawn().await;
    let account = app.account("A").await;
    let request = json!({"accountId": account, "dryRun": true, "includeRows": true, "items": [{"name": "Typed"}]});
    let rehearsed = app.post("/json/reply/ImportCustomers", request.clone()).await;
    assert_eq!(rehearsed.status, StatusCode::OK, "{}", rehearsed.text);
    assert_eq!((rehearsed.body["created"].as_u64(), rehearsed.body["dryRun"].as_bool()), (Some(1), Some(true)));
    assert_eq!(rehearsed.body["rows"][0]["action"], "Created");
    assert!(customers_of(&app, &account).await.is_empty());
    let done = app.post("/customers/import", json!({"accountId": account, "items": [{"name": "Typed"}]})).await;
    assert_eq!(done.body["created"], 1, "{}", done.text);
    assert_eq!(customers_of(&app, &account).await[0]["name"], "Typed");
}

/// A walk (an export) reads each customer's tags from the ids stored on its row; a page reads `customer_tags`.
/// Every kind of write that changes tags must change both: after each, the two agree, whole.
#[actix_web::test]
async fn every_write_that_changes_tags_keeps_an_export_in_step_with_a_page() {
    let app = spawn().await;
    let account = app.account("A").await;
    let tags_after = |step: &'static str| {
        let app = &app;
        async move {
            let streamed = app.get("/customers?all=true").await;
            let paged = app.get("/customers?countPerPage=1000").await;
            assert_eq!((streamed.status, paged.status), (StatusCode::OK, StatusCode::OK), "{step}");
            assert_eq!(streamed.body["items"], paged.body["items"], "{step}");
            let tags_of = |c: &Value| {
                let ids = c["tags"].as_array().into_iter().flatten().filter_map(|t| t["id"].as_str());
                (c["name"].as_str().unwrap_or_default().to_owned(), ids.collect::<Vec<_>>().join(","))
            };
            let mut tags: Vec<(String, String)> =
                streamed.body["items"].as_array().into_iter().flatten().map(tags_of).collect();
            tags.sort();
            tags
        }
    };
    let named = |pairs: &[(&str, &str)]| pairs.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect::<Vec<_>>();

    // Created with a tag given twice, then tagged, re-tagged and cleared by PATCH.
    let one =
        app.post("/customers", json!({"accountId": account, "name": "One", "tagIds": ["trial", "vip", "trial"]})).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    let two = app.customer(&account, "Two", None).await;
    assert_eq!(tags_after("created").await, named(&[("One", "vip,trial"), ("Two", "")]));
    app.patch(&format!("/customers/{two}"), json!({"tagIds": ["vip"]})).await;
    assert_eq!(tags_after("tagged by PATCH").await, named(&[("One", "vip,trial"), ("Two", "vip")]));
    app.patch(&format!("/customers/{two}"), json!({"tagIds": ["trial"], "name": "Two"})).await;
    assert_eq!(tags_after("re-tagged by PATCH").await, named(&[("One", "vip,trial"), ("Two", "trial")]));
    app.patch(&format!("/customers/{two}"), json!({"tagIds": []})).await;
    assert_eq!(tags_after("cleared by PATCH").await, named(&[("One", "vip,trial"), ("Two", "")]));

    // An import that creates tagged customers and re-tags one that exists.
    let rows = json!([
        {"name": "Three", "tags": [{"id": "vip"}, {"id": "vip"}]},
        {"id": two, "name": "Two", "tagIds": ["vip", "trial"]},
    ]);
    let imported = import_json(&app, &format!("/customers/import?accountId={account}"), rows).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    assert_eq!(tags_after("imported").await, named(&[("One", "vip,trial"), ("Three", "vip"), ("Two", "vip,trial")]));

    // A tag leaves the catalogue, and so every customer that had it.
    let settings = app
        .patch(&format!("/system/settings?accountId={account}"), json!({"tags": [{"id": "trial", "name": "Trial"}]}))
        .await;
    assert_eq!(settings.status, StatusCode::OK, "{}", settings.text);
    assert_eq!(tags_after("tag removed").await, named(&[("One", "trial"), ("Three", ""), ("Two", "trial")]));
}
