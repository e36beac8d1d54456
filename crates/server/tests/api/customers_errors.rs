use actix_web::{
    http::{Method, StatusCode},
    test::TestRequest,
};
use serde_json::json;

use crate::support::spawn;

#[actix_web::test]
async fn errors_carry_a_response_status_with_code_message_and_field() {
    let app = spawn().await;
    let a = app.account("A").await;
    let id = app.customer(&a, "C", None).await;
    type Case<'a> = (Method, String, Option<serde_json::Value>, StatusCode, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            Method::POST,
            "/customers".into(),
            Some(json!({"name": "No account"})),
            StatusCode::BAD_REQUEST,
            "accountId",
            "NotEmpty",
        ),
        (Method::POST, "/customers".into(), Some(json!({"accountId": a})), StatusCode::BAD_REQUEST, "name", "NotEmpty"),
        (
            Method::POST,
            "/customers".into(),
            Some(json!({"accountId": "nope", "name": "x"})),
            StatusCode::BAD_REQUEST,
            "accountId",
            "NotFound",
        ),
        (
            Method::POST,
            "/customers".into(),
            Some(json!({"accountId": a, "name": "x", "parentCustomerId": "ghost"})),
            StatusCode::BAD_REQUEST,
            "parentCustomerId",
            "NotFound",
        ),
        (
            Method::PATCH,
            format!("/customers/{id}"),
            Some(json!({"tagIds": ["vip", "unknown-tag"]})),
            StatusCode::BAD_REQUEST,
            "tagIds[1]",
            "NotFound",
        ),
        (
            Method::PATCH,
            format!("/customers/{id}"),
            Some(json!({"data": {"Nope": {"stringValue": "x"}}})),
            StatusCode::BAD_REQUEST,
            "data.Nope",
            "UnknownField",
        ),
        (
            Method::PATCH,
            format!("/customers/{id}"),
            Some(json!({"data": {"Seats": {"stringValue": "many"}}})),
            StatusCode::BAD_REQUEST,
            "data.Seats",
            "InvalidValue",
        ),
        (
            Method::PATCH,
            format!("/customers/{id}"),
            Some(json!({"billingSettings": {"base": {"unitCost": -1}}})),
            StatusCode::BAD_REQUEST,
            "billingSettings.base.unitCost",
            "GreaterThanOrEqual",
        ),
        (
            Method::PATCH,
            format!("/customers/{id}"),
            Some(json!({"appSettings": {"logoutUrl": "javascript:alert(1)"}})),
            StatusCode::BAD_REQUEST,
            "appSettings.logoutUrl",
            "Url",
        ),
        (
            Method::PATCH,
            format!("/customers/{id}"),
            Some(json!({"name": "x".repeat(201)})),
            StatusCode::BAD_REQUEST,
            "name",
            "Length",
        ),
        (
            Method::PATCH,
            format!("/customers/{id}"),
            Some(json!({"overrideBillingSettings": "maybe"})),
            StatusCode::BAD_REQUEST,
            "overrideBillingSettings",
            "SerializationException",
        ),
        (Method::GET, "/customers?page=two".into(), None, StatusCode::BAD_REQUEST, "page", "SerializationException"),
        (
            Method::GET,
            "/customers?sortOrder=Sideways".into(),
            None,
            StatusCode::BAD_REQUEST,
            "sortOrder",
            "SerializationException",
        ),
        (
            Method::GET,
            "/customers?sortField=password".into(),
            None,
            StatusCode::BAD_REQUEST,
            "sortField",
            "InvalidSortField",
        ),
        (Method::GET, "/customers?format=yaml".into(), None, StatusCode::BAD_REQUEST, "format", "UnknownFormat"),
        (Method::GET, "/system/settings".into(), None, StatusCode::BAD_REQUEST, "accountId", "NotEmpty"),
    ];
    for (method, uri, body, status, field, code) in cases {
        let reply = app.request(method.clone(), &uri, body, &[]).await;
        assert_eq!(reply.status, status, "{method} {uri}: {}", reply.text);
        assert_eq!(reply.field_error(), (field, code), "{method} {uri}: {}", reply.text);
        assert!(reply.body["responseStatus"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", reply.text);
        assert_eq!(
            reply.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/json; charset=utf-8")
        );
    }
}

#[actix_web::test]
async fn missing_things_are_404_and_wrong_verbs_405() {
    let app = spawn().await;
    for (method, uri, status, code) in [
        (Method::GET, "/customers/nope", StatusCode::NOT_FOUND, "NotFound"),
        (Method::PATCH, "/customers/nope", StatusCode::NOT_FOUND, "NotFound"),
        (Method::DELETE, "/customers/nope", StatusCode::NOT_FOUND, "NotFound"),
        (Method::GET, "/accounts/nope", StatusCode::NOT_FOUND, "NotFound"),
        (Method::GET, "/system/settings?accountId=nope", StatusCode::NOT_FOUND, "NotFound"),
        (Method::GET, "/no/such/route", StatusCode::NOT_FOUND, "NotFound"),
        (Method::PUT, "/customers", StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed"),
        (Method::DELETE, "/customers", StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed"),
    ] {
        let reply = app.request(method.clone(), uri, None, &[]).await;
        assert_eq!(reply.status, status, "{method} {uri}");
        assert_eq!(reply.error_code(), code, "{method} {uri}: {}", reply.text);
        assert!(reply.body["responseStatus"]["errors"].is_array());
    }
}

#[actix_web::test]
async fn bodies_that_cannot_be_read_are_refused_clearly() {
    let app = spawn().await;
    let a = app.account("A").await;
    let broken = TestRequest::post()
        .uri("/customers")
        .insert_header(("content-type", "application/json"))
        .set_payload("{\"name\":");
    let reply = app.send(broken).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "SerializationException");
    let not_object =
        TestRequest::post().uri("/customers").insert_header(("content-type", "application/json")).set_payload("[1,2]");
    assert_eq!(app.send(not_object).await.status, StatusCode::BAD_REQUEST);
    let xml =
        TestRequest::post().uri("/customers").insert_header(("content-type", "application/xml")).set_payload("<x/>");
    let reply = app.send(xml).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(reply.error_code(), "UnsupportedMediaType");
    let huge = json!({"accountId": a, "name": "x".repeat(70 * 1024)});
    let reply = app.post("/customers", huge).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.error_code(), "RequestEntityTooLarge");
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let nested =
        TestRequest::post().uri("/customers").insert_header(("content-type", "application/json")).set_payload(deep);
    assert_eq!(app.send(nested).await.status, StatusCode::BAD_REQUEST);
    let mut data = json!({"stringValue": "leaf"});
    for _ in 0..20 {
        data = json!({"structValue": {"k": data}});
    }
    let too_deep = app.post("/customers", json!({"accountId": a, "name": "Deep", "data": {"k": data}})).await;
    assert_eq!(too_deep.status, StatusCode::BAD_REQUEST, "{}", too_deep.text);
    assert_eq!(app.get("/customers?all=true").await.ids().len(), 0, "nothing was written by refused requests");
}

#[actix_web::test]
async fn a_reference_id_is_unique_within_an_account() {
    let app = spawn().await;
    let a = app.account("A").await;
    let b = app.account("B").await;
    let first = app.post("/customers", json!({"accountId": a, "name": "One", "referenceId": "ext-1"})).await;
    assert_eq!(first.status, StatusCode::OK);
    let clash = app.post("/customers", json!({"accountId": a, "name": "Two", "referenceId": "ext-1"})).await;
    assert_eq!(clash.status, StatusCode::CONFLICT, "{}", clash.text);
    assert_eq!(clash.field_error(), ("referenceId", "Conflict"));
    let other_account = app.post("/customers", json!({"accountId": b, "name": "Two", "referenceId": "ext-1"})).await;
    assert_eq!(other_account.status, StatusCode::OK);
}

#[actix_web::test]
async fn too_many_ids_in_a_filter_are_refused() {
    let app = spawn().await;
    let ids: Vec<String> = (0..1001).map(|i| format!("c{i}")).collect();
    let reply = app.get(&format!("/customers?specificIds={}", ids.join(","))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.field_error(), ("specificIds", "Length"));
}

#[actix_web::test]
async fn format_suffixes_and_the_format_parameter_are_honoured() {
    let app = spawn().await;
    let json_suffix = app.get("/customers.json").await;
    assert_eq!(json_suffix.status, StatusCode::OK, "{}", json_suffix.text);
    assert_eq!(json_suffix.body["items"], json!([]));
    let param = app.get("/customers?format=json").await;
    assert_eq!(param.status, StatusCode::OK);
    let content_type = |reply: &crate::support::Reply| {
        reply.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
    };
    // On user routes the suffix wins over ?format=; on predefined routes ?format= wins over the suffix.
    assert_eq!(content_type(&app.get("/customers.csv?format=json").await), "text/csv");
    assert_eq!(content_type(&app.get("/api/ListCustomers.csv").await), "text/csv");
    assert_eq!(content_type(&app.get("/api/ListCustomers.csv?format=json").await), "application/json; charset=utf-8");
    assert_eq!(content_type(&app.get("/jsv/reply/ListCustomers").await), "application/jsv");
    let accept_ignored =
        app.request(actix_web::http::Method::GET, "/api/ListCustomers", None, &[("Accept", "text/csv")]).await;
    assert_eq!(content_type(&accept_ignored), "application/json; charset=utf-8", "predefined routes ignore Accept");
    let health = app.get("/health").await;
    assert_eq!(health.body["status"], "ok");
}

#[actix_web::test]
async fn jsv_and_csv_are_negotiated_and_written() {
    let app = crate::support::spawn_demo().await;
    let jsv = app.get("/customers?accountIds=acct-northwind&countPerPage=2&format=jsv").await;
    assert_eq!(jsv.status, StatusCode::OK);
    assert_eq!(jsv.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/jsv"));
    assert!(jsv.text.starts_with("{items:[{id:"), "{}", jsv.text);
    let parsed: serde_json::Value = canopy_wire::jsv::from_str(&jsv.text).expect("our JSV reads back");
    assert_eq!(parsed["items"].as_array().map(Vec::len), Some(2));
    let csv = app.get("/customers.csv?accountIds=acct-northwind&all=true").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("text/csv"));
    let lines: Vec<&str> = csv.text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 8, "a header and seven rows: {}", csv.text);
    assert!(lines[0].starts_with("id,accountId,"), "{}", lines[0]);
    let accept = app
        .request(Method::GET, "/customers/cus-lakeside", None, &[("Accept", "text/csv;q=0.5, application/jsv")])
        .await;
    assert_eq!(accept.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/jsv"));
    let error = app.get("/customers/nope?format=jsv").await;
    assert_eq!(error.status, StatusCode::NOT_FOUND);
    assert!(error.text.starts_with("{responseStatus:{errorCode:NotFound"), "{}", error.text);
}
