//! Hostile input: every case answers a clear error in the client's format — never a 500, the same on both
//! backends — and costs little before it is refused.

use actix_web::{http::StatusCode, test};
use serde_json::json;

use crate::support::spawn;

#[actix_web::test]
async fn a_flood_of_members_is_refused_before_any_work() {
    let app = spawn().await;
    let form: String = (0..5_000).map(|i| format!("k{i}=1")).collect::<Vec<_>>().join("&");
    let reply = app
        .send_raw(
            test::TestRequest::post()
                .uri("/auth/credentials")
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload(form),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.body["responseStatus"]["message"].as_str().unwrap_or("").contains("at most 1000 members"));

    let object: serde_json::Map<String, serde_json::Value> = (0..5_000).map(|i| (format!("k{i}"), json!(1))).collect();
    let reply = app.post("/customers", serde_json::Value::Object(object)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);

    let query: String = (0..2_000).map(|i| format!("q{i}=1")).collect::<Vec<_>>().join("&");
    assert_eq!(app.get(&format!("/customers?{query}")).await.status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn a_nul_character_is_a_400_naming_the_field_or_a_404_in_the_path() {
    let app = spawn().await;
    let account = app.account("Nul").await;
    let id = app.customer(&account, "Plain", None).await;
    assert_eq!(app.get("/customers/%00").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/customers/a%00b/inherited-schedule").await.status, StatusCode::NOT_FOUND);
    for (uri, field) in [
        ("/customers?specificIds=%00".to_owned(), "specificIds"),
        ("/customers?referenceIds=a,%00".to_owned(), "referenceIds"),
        ("/customers?nameFilter=x%00".to_owned(), "nameFilter"),
    ] {
        let reply = app.get(&uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}: {}", reply.text);
        assert_eq!(reply.field_error(), (field, "InvalidCharacter"), "{uri}");
    }
    for (body, field) in [
        (json!({ "name": "a\u{0}" }), "name"),
        (json!({ "data": { "Tier": "x\u{0}" } }), "data.Tier"),
        (json!({ "tagIds": ["vip", "\u{0}"] }), "tagIds[1]"),
    ] {
        let reply = app.patch(&format!("/customers/{id}"), body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert_eq!(reply.field_error().0, field);
    }
    let jsv = app
        .send(
            test::TestRequest::patch()
                .uri(&format!("/customers/{id}"))
                .insert_header(("Content-Type", "application/jsv"))
                .set_payload("{name:a\u{0}b}"),
        )
        .await;
    assert_eq!(jsv.status, StatusCode::BAD_REQUEST, "{}", jsv.text);
    let login = app
        .request(
            actix_web::http::Method::POST,
            "/auth/credentials",
            Some(json!({ "userName": "ad\u{0}min", "password": "x" })),
            &[("Authorization", "-")],
        )
        .await;
    assert_eq!(login.status, StatusCode::BAD_REQUEST, "{}", login.text);
    assert_eq!(login.field_error().0, "userName");
}

#[actix_web::test]
async fn long_strings_are_refused_with_their_limit() {
    let app = spawn().await;
    let reply = app.get(&format!("/customers?nameFilter={}", "a".repeat(60_000))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.field_error(), ("nameFilter", "Length"));
    assert_eq!(app.get(&format!("/accounts?nameFilter={}", "a".repeat(300))).await.status, StatusCode::BAD_REQUEST);
    let login = app
        .request(
            actix_web::http::Method::POST,
            "/auth/credentials",
            Some(json!({ "userName": "u".repeat(3_000), "password": "x" })),
            &[("Authorization", "-")],
        )
        .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED, "{}", login.text);
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:pw", "u".repeat(3_000)));
    let reply = app
        .request(actix_web::http::Method::GET, "/customers", None, &[("Authorization", &format!("Basic {basic}"))])
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
}

#[actix_web::test]
async fn path_values_win_over_the_query_string_and_the_body() {
    let app = spawn().await;
    let account = app.account("Paths").await;
    let a = app.customer(&account, "Alpha", None).await;
    let b = app.customer(&account, "Bravo", None).await;
    let reply = app.get(&format!("/customers/{a}?customerId={b}")).await;
    assert_eq!(reply.body["id"], a.as_str(), "GET names the path's customer");
    let reply = app.patch(&format!("/customers/{a}?customerId={b}&name=Renamed"), json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["id"], a.as_str());
    assert_eq!(app.get(&format!("/customers/{a}")).await.body["name"], "Renamed");
    assert_eq!(app.get(&format!("/customers/{b}")).await.body["name"], "Bravo", "B is untouched");
    let reply = app.patch(&format!("/customers/{a}"), json!({ "customerId": b, "name": "Body" })).await;
    assert_eq!(reply.body["id"], a.as_str(), "the body cannot redirect a write either");
    let reply = app.get(&format!("/customers/{a}/inherited-billing-settings?customerId={b}")).await;
    assert_eq!(reply.body["customerId"].as_str().unwrap_or(a.as_str()), a.as_str());
    let reply = app.get(&format!("/accounts/{account}?accountId=other")).await;
    assert_eq!(reply.body["id"], account.as_str());
}

/// `uniqueness: Unique` on a customer data field holds within the account, under racing writes too, on both
/// backends; other accounts may repeat the value.
#[actix_web::test]
async fn unique_data_fields_are_unique_within_their_account() {
    let app = spawn().await;
    let account = app.account("Unique").await;
    let other_account = app.account("Elsewhere").await;
    for id in [&account, &other_account] {
        let reply = app
            .patch(
                &format!("/system/settings?accountId={id}"),
                json!({ "customerFields": [{"name": "CrmId", "type": "String", "uniqueness": "Unique"},
                                           {"name": "Tier", "type": "String"}] }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let create = |account: &str, name: &str, crm: &str| {
        app.post(
            "/customers",
            json!({ "accountId": account, "name": name, "data": { "CrmId": { "stringValue": crm } } }),
        )
    };
    let a = create(&account, "A", "X-1").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let twin = create(&account, "Twin", "X-1").await;
    assert_eq!(twin.status, StatusCode::CONFLICT, "{}", twin.text);
    assert_eq!(twin.field_error().0, "data.CrmId");
    assert_eq!(create(&other_account, "Other", "X-1").await.status, StatusCode::OK, "another account may repeat it");
    let b = create(&account, "B", "Y-1").await;
    let b_id = b.body["id"].as_str().unwrap_or_default().to_owned();
    let a_id = a.body["id"].as_str().unwrap_or_default().to_owned();
    let clash =
        app.patch(&format!("/customers/{b_id}"), json!({ "data": { "CrmId": { "stringValue": "X-1" } } })).await;
    assert_eq!(clash.status, StatusCode::CONFLICT, "{}", clash.text);
    let tier_only =
        app.patch(&format!("/customers/{b_id}"), json!({ "data": { "Tier": { "stringValue": "Gold" } } })).await;
    assert_eq!(tier_only.status, StatusCode::OK, "{}", tier_only.text);
    app.patch(&format!("/customers/{a_id}"), json!({ "data": { "CrmId": { "stringValue": "Z-1" } } })).await;
    let freed =
        app.patch(&format!("/customers/{b_id}"), json!({ "data": { "CrmId": { "stringValue": "X-1" } } })).await;
    assert_eq!(freed.status, StatusCode::OK, "a value given up is free again: {}", freed.text);
    assert_eq!(app.delete(&format!("/customers/{b_id}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(create(&account, "C", "X-1").await.status, StatusCode::OK, "a deleted customer's value is free");

    // Racing creates with one value: exactly one wins.
    let racing = futures_util::future::join_all((0..8).map(|i| create(&account, &format!("Racer {i}"), "RACE"))).await;
    let won = racing.iter().filter(|r| r.status == StatusCode::OK).count();
    assert_eq!(won, 1, "{:?}", racing.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(racing.iter().all(|r| r.status == StatusCode::OK || r.status == StatusCode::CONFLICT));

    // A field cannot become unique while customers share a value of it.
    for name in ["T1", "T2"] {
        let reply = app
            .post(
                "/customers",
                json!({ "accountId": account, "name": name, "data": { "Tier": { "stringValue": "Same" } } }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let refused = app
        .patch(
            &format!("/system/settings?accountId={account}"),
            json!({ "customerFields": [{"name": "CrmId", "type": "String", "uniqueness": "Unique"},
                                       {"name": "Tier", "type": "String", "uniqueness": "Unique"}] }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(refused.field_error().0, "customerFields");
    let settings = app.get(&format!("/system/settings?accountId={account}")).await;
    assert_ne!(settings.body["customerFields"][1]["uniqueness"], "Unique", "the refused change left nothing behind");
}

/// Malformed bodies of every kind: each is a 4xx with a `responseStatus`, never a 5xx.
#[actix_web::test]
async fn malformed_bodies_are_client_errors_with_a_response_status() {
    let app = spawn().await;
    let account = app.account("Malformed").await;
    let id = app.customer(&account, "Target", None).await;
    let uri = format!("/customers/{id}");
    let deep_json = format!("{{\"data\":{}1{}}}", "[".repeat(5_000), "]".repeat(5_000));
    let deep_jsv = format!("{{name:{}x{}}}", "[".repeat(5_000), "]".repeat(5_000));
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        ("deep JSON nesting", "application/json", deep_json.into_bytes()),
        ("deep JSV nesting", "application/jsv", deep_jsv.into_bytes()),
        ("invalid UTF-8 in JSON", "application/json", b"{\"name\":\"\xff\xfe\"}".to_vec()),
        ("invalid UTF-8 in JSV", "application/jsv", b"{name:\xff\xfe}".to_vec()),
        ("invalid UTF-8 in a form", "application/x-www-form-urlencoded", b"name=%ff%fe".to_vec()),
        ("unbalanced JSV quotes", "application/jsv", b"{name:\"unterminated}".to_vec()),
        ("unbalanced JSV braces", "application/jsv", b"{name:{a:1}".to_vec()),
        ("a form declared as JSON", "application/json", b"name=x&referenceId=y".to_vec()),
        ("XML", "application/xml", b"<name>x</name>".to_vec()),
        ("a JSON array", "application/json", b"[1,2,3]".to_vec()),
        ("an oversized value", "application/json", format!("{{\"name\":\"{}\"}}", "n".repeat(70_000)).into_bytes()),
        ("a value of the wrong type", "application/json", b"{\"overrideBillingSettings\":{\"x\":1}}".to_vec()),
    ];
    for (what, content_type, body) in cases {
        let reply = app
            .send(test::TestRequest::patch().uri(&uri).insert_header(("Content-Type", content_type)).set_payload(body))
            .await;
        assert!(reply.status.is_client_error(), "{what}: {} {}", reply.status, reply.text);
        assert!(!reply.error_code().is_empty(), "{what}: a responseStatus is expected: {}", reply.text);
    }
    // JSON sent as a form is a form with one odd key and no known member: it binds to nothing, as ServiceStack
    // would bind it, and changes nothing.
    let lie = app
        .send(
            test::TestRequest::patch()
                .uri(&uri)
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload("{\"name\":\"x\"}"),
        )
        .await;
    assert!(lie.status == StatusCode::OK || lie.status.is_client_error(), "{}", lie.text);
    assert_eq!(app.get(&uri).await.body["name"], "Target", "nothing was changed by any of them");
    let bad_query = app.get("/customers?nameFilter=%ff").await;
    assert_eq!(bad_query.status, StatusCode::BAD_REQUEST, "{}", bad_query.text);
    assert_eq!(bad_query.field_error(), ("nameFilter", "InvalidCharacter"));
}
