//! How request bodies bind, format by format: the details integrators meet (a bad value deep inside a member,
//! enums in any case or by number, multipart forms).

use actix_web::{http::StatusCode, test::TestRequest};

use crate::support::spawn;

#[actix_web::test]
async fn a_bad_value_inside_a_member_is_named_by_its_path_in_every_format() {
    let app = spawn().await;
    let a = app.account("A").await;
    let id = app.customer(&a, "C", None).await;
    let uri = format!("/customers/{id}");
    let form = "application/x-www-form-urlencoded";
    for (content_type, body) in [
        ("application/json", r#"{"billingSettings":{"base":{"allowance":1.5}}}"#),
        ("application/json", r#"{"BillingSettings":{"Base":{"Allowance":1.5}}}"#),
        ("application/jsv", "{billingSettings:{base:{allowance:1.5}}}"),
        // A form field holding JSV, and one holding JSON.
        (form, "billingSettings=%7Bbase%3A%7Ballowance%3A1.5%7D%7D"),
        (form, "billingSettings=%7B%22base%22%3A%7B%22allowance%22%3A1.5%7D%7D"),
    ] {
        let request = TestRequest::patch().uri(&uri).insert_header(("content-type", content_type)).set_payload(body);
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {}", reply.text);
        assert_eq!(reply.field_error(), ("billingSettings.base.allowance", "SerializationException"), "{body}");
        assert_eq!(
            reply.body["responseStatus"]["errors"][0]["message"],
            "'1.5' is an Invalid value for 'billingSettings.base.allowance'",
            "{body}: only the bad value is echoed"
        );
    }
    // A list item is named by its index.
    let reply =
        app.patch(&uri, serde_json::json!({"schedule": {"rules": [{"priority": 1}, {"priority": "high"}]}})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.field_error().0, "schedule.rules[1].priority", "{}", reply.text);
}

/// Percent-encodes a form value (everything but ASCII letters and digits), as a browser would.
fn form_value(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[actix_web::test]
async fn enums_read_in_any_case_or_by_number_in_every_format() {
    let app = spawn().await;
    let a = app.account("A").await;
    app.customer(&a, "Alpha", None).await;
    app.customer(&a, "Beta", None).await;
    let form = "application/x-www-form-urlencoded";
    // ListCustomers' sortOrder, from a body (a GET's body binds as any other).
    for (content_type, body) in [
        ("application/json", r#"{"sortField":"name","sortOrder":"descend"}"#),
        ("application/json", r#"{"sortField":"name","sortOrder":"DESCEND"}"#),
        ("application/json", r#"{"sortField":"name","sortOrder":1}"#),
        ("application/json", r#"{"sortField":"name","SortOrder":"1"}"#),
        ("application/jsv", "{sortField:name,sortOrder:descend}"),
        ("application/jsv", "{sortField:name,sortOrder:1}"),
        (form, "sortField=name&sortOrder=descend"),
        (form, "sortField=name&sortOrder=1"),
    ] {
        let request =
            TestRequest::get().uri("/customers").insert_header(("content-type", content_type)).set_payload(body);
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::OK, "{body}: {}", reply.text);
        assert_eq!(reply.body["items"][0]["name"], "Beta", "{body}: sorted descending");
    }
    let reply = app.get("/customers?sortField=name&sortOrder=descend").await;
    assert_eq!(reply.body["items"][0]["name"], "Beta", "the query string, as before");

    // Schedule rule types and frequencies, nested in a PATCH body.
    let id = app.customer(&a, "Scheduled", None).await;
    let uri = format!("/customers/{id}");
    let time_rule = r#"startDate:2026-01-01,startTime:"09:00",endTime:"17:00",byMonthDay:[1]"#;
    let jsv = format!(
        "{{schedule:{{timeZoneId:UTC,rules:[{{simpleRuleType:always,state:Open}},\
         {{simpleRuleType:2,frequency:monthly,{time_rule}}}]}}}}"
    );
    let json = r#"{"schedule":{"timeZoneId":"UTC","rules":[{"simpleRuleType":"always","state":"Open"},
        {"simpleRuleType":2,"frequency":"MONTHLY","startDate":"2026-01-01","startTime":"09:00","endTime":"17:00",
         "byMonthDay":[1]}]}}"#;
    let jsv_in_form = format!(
        "schedule={}",
        form_value(&format!(
            "{{timeZoneId:UTC,rules:[{{simpleRuleType:ALWAYS,state:Open}},{{simpleRuleType:time,frequency:6,{time_rule}}}]}}"
        ))
    );
    for (content_type, body) in [("application/json", json.to_owned()), ("application/jsv", jsv), (form, jsv_in_form)] {
        let clear = app.patch(&uri, serde_json::json!({"schedule": {"timeZoneId": "UTC", "rules": []}})).await;
        assert_eq!(clear.status, StatusCode::OK, "{}", clear.text);
        let request =
            TestRequest::patch().uri(&uri).insert_header(("content-type", content_type)).set_payload(body.clone());
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::OK, "{body}: {}", reply.text);
        let rules = &reply.body["schedule"]["rules"];
        assert_eq!(rules[0]["simpleRuleType"], "Always", "{body}: {}", reply.text);
        assert_eq!(rules[1]["simpleRuleType"], "Time", "{body}: {}", reply.text);
        assert_eq!(rules[1]["frequency"], "Monthly", "{body}: {}", reply.text);
    }

    // A tag's color in the system settings, and an unknown name still refused, naming its path.
    let settings = format!("/system/settings?accountId={a}");
    let reply = app
        .patch(
            &settings,
            serde_json::json!({"tags": [{"id": "vip", "name": "VIP", "color": "gold"}, {"id": "t", "name": "T", "color": 7}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["tags"][0]["color"], "Gold", "{}", reply.text);
    assert_eq!(reply.body["tags"][1]["color"], "Cyan", "{}", reply.text);
    let reply = app.patch(&settings, serde_json::json!({"tags": [{"id": "x", "name": "X", "color": "Beige"}]})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.field_error(), ("tags[0].color", "SerializationException"));
    let reply = app.patch(&settings, serde_json::json!({"tags": [{"id": "x", "name": "X", "color": 99}]})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "a number past the last member is refused");
}

const MULTIPART: &str = "multipart/form-data; boundary=----canopy-test";

/// A multipart body of `parts`: `(name, value)` text parts, or a file part when the name has `; filename=…`.
fn multipart(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut body = String::new();
    for (name, value) in parts {
        body.push_str(&format!("------canopy-test\r\nContent-Disposition: form-data; name={name}\r\n\r\n{value}\r\n"));
    }
    body.push_str("------canopy-test--\r\n");
    body.into_bytes()
}

#[actix_web::test]
async fn multipart_text_parts_bind_as_form_fields() {
    let app = spawn().await;
    let a = app.account("A").await;
    let id = app.customer(&a, "C", None).await;
    let other = app.customer(&a, "Other", None).await;
    // What `curl -F name=X -X PATCH $B/customers/ID` sends. A part beats the query, the path beats a part, as for a
    // urlencoded form.
    let body = multipart(&[
        ("\"name\"", "Renamed by a part"),
        ("\"customerId\"", &other),
        ("\"referenceId\"", "ref-1"),
        ("\"tagIds\"", "vip,trial"),
        ("\"schedule\"", "{timeZoneId:UTC,rules:[{simpleRuleType:always,state:Open}]}"),
        ("\"isStaging\"", ""),
    ]);
    let request = TestRequest::patch()
        .uri(&format!("/customers/{id}?name=FromQuery&referenceId=ignored"))
        .insert_header(("content-type", MULTIPART))
        .set_payload(body);
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["id"], id.as_str());
    assert_eq!(reply.body["name"], "Renamed by a part");
    assert_eq!(reply.body["referenceId"], "ref-1");
    assert_eq!(reply.body["tags"].as_array().map(Vec::len), Some(2), "{}", reply.text);
    assert_eq!(reply.body["schedule"]["rules"][0]["simpleRuleType"], "Always");
    assert_eq!(app.get(&format!("/customers/{other}")).await.body["name"], "Other", "the path named the customer");

    // A predefined route binds a multipart form too, as it binds a urlencoded one.
    let request = TestRequest::post()
        .uri("/json/reply/NewCustomer")
        .insert_header(("content-type", MULTIPART))
        .set_payload(multipart(&[("\"accountId\"", &a), ("name", "Made by a form")]));
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["name"], "Made by a form");

    // Bad values in parts are named like form fields, paths included.
    let request = TestRequest::patch()
        .uri(&format!("/customers/{id}"))
        .insert_header(("content-type", MULTIPART))
        .set_payload(multipart(&[("\"billingSettings\"", "{base:{allowance:1.5}}")]));
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.field_error(), ("billingSettings.base.allowance", "SerializationException"));
}

#[actix_web::test]
async fn multipart_files_and_broken_bodies_are_refused_clearly() {
    let app = spawn().await;
    let a = app.account("A").await;
    let id = app.customer(&a, "C", None).await;
    let uri = format!("/customers/{id}");
    let send = |content_type: &str, body: Vec<u8>| {
        TestRequest::patch().uri(&uri).insert_header(("content-type", content_type.to_owned())).set_payload(body)
    };

    let file = multipart(&[("\"name\"", "x"), ("\"logo\"; filename=\"logo.png\"\r\nContent-Type: image/png", "PNG")]);
    let reply = app.send(send(MULTIPART, file)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.field_error(), ("logo", "FileNotAccepted"), "{}", reply.text);
    assert_eq!(reply.error_code(), "FileNotAccepted");
    let message = reply.body["responseStatus"]["message"].as_str().unwrap_or("");
    assert!(message.contains("'logo' is a file"), "{message}");

    let mut not_utf8 = b"------canopy-test\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n".to_vec();
    not_utf8.extend_from_slice(b"\xff\xfe\r\n------canopy-test--\r\n");
    let reply = app.send(send(MULTIPART, not_utf8)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.field_error(), ("name", "InvalidCharacter"));

    let good = multipart(&[("\"name\"", "x")]);
    for (what, content_type, body) in [
        ("no boundary", "multipart/form-data", good.clone()),
        ("another boundary", "multipart/form-data; boundary=elsewhere", good.clone()),
        ("unterminated", MULTIPART, good[..good.len() - 25].to_vec()),
        ("not multipart at all", MULTIPART, b"name=x".to_vec()),
        ("a part without a name", MULTIPART, b"------canopy-test\r\n\r\nx\r\n------canopy-test--\r\n".to_vec()),
    ] {
        let reply = app.send(send(content_type, body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{what}: {}", reply.text);
        assert_eq!(reply.error_code(), "SerializationException", "{what}: {}", reply.text);
    }

    // Parts count against the members limit like any other source: 1,001 parts are refused before binding. (A short
    // boundary keeps the body under the tests' 64 KiB limit.)
    let mut many = String::new();
    for i in 0..=canopy_server::api::MAX_MEMBERS {
        many.push_str(&format!("--b\r\nContent-Disposition: form-data; name=k{i}\r\n\r\nv\r\n"));
    }
    many.push_str("--b--\r\n");
    let reply = app.send(send("multipart/form-data; boundary=b", many.into_bytes())).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.text.contains("at most 1000 members"), "{}", reply.text);
    assert_eq!(app.get(&uri).await.body["name"], "C", "nothing was changed by a refused body");
}
