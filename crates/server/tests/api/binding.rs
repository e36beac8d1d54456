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
