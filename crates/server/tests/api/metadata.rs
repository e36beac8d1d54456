//! What the service publishes about itself answers without credentials, in the shape each consumer expects.

use actix_web::{http::StatusCode, test::TestRequest};

use crate::support::spawn;

#[actix_web::test]
async fn metadata_pages_types_and_openapi_answer_without_signing_in() {
    let app = spawn().await;
    let header = |reply: &crate::support::Reply, name: &str| {
        reply.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
    };
    let index = app.send_raw(TestRequest::get().uri("/metadata")).await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(header(&index, "content-type").starts_with("text/html"));
    assert!(header(&index, "content-security-policy").contains("default-src 'none'"));
    assert!(index.text.contains("/json/metadata?op=ListCustomers"));

    for format in ["json", "jsv", "csv"] {
        let page = app.send_raw(TestRequest::get().uri(&format!("/{format}/metadata?op=listcustomers"))).await;
        assert_eq!(page.status, StatusCode::OK, "{format}");
        assert!(page.text.contains("<h1>ListCustomers</h1>") && page.text.contains("Sample response"), "{format}");
    }
    let unknown = app.send_raw(TestRequest::get().uri("/json/metadata?op=Nope")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["responseStatus"]["errorCode"], "NotFound");

    let openapi = app.send_raw(TestRequest::get().uri("/openapi.json")).await;
    assert_eq!(openapi.status, StatusCode::OK);
    assert_eq!(openapi.body["openapi"], "3.1.0");
    assert!(openapi.body["paths"]["/customers/{customerId}"]["patch"].is_object());

    let types = app.send_raw(TestRequest::get().uri("/types/metadata")).await;
    assert_eq!(types.status, StatusCode::OK);
    let operations = types.body["operations"].as_array().expect("operations");
    let list = operations.iter().find(|o| o["request"]["name"] == "ListCustomers").expect("ListCustomers");
    assert_eq!(list["routes"][0]["path"], "/customers");
    assert_eq!(list["requiresAuth"], true);

    let typescript = app.send_raw(TestRequest::get().uri("/types/typescript?IncludeTypes=GetCustomer")).await;
    assert_eq!(typescript.status, StatusCode::OK);
    assert!(typescript.text.starts_with("/* Options:\n"));
    assert!(typescript.text.contains("\nIncludeTypes: GetCustomer\n"));
    assert!(typescript.text.contains("export class GetCustomer implements IReturn<CustomerInfo>, IGet"));
}
