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
