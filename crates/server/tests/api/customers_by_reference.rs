//! GetCustomerByReference and PatchCustomerByReference: a customer named by its referenceId (within an account)
//! reads and patches exactly as by its id, with the same reach rules, and no customer route shadows the literal
//! `/customers/by-reference/…` path.

use actix_web::http::{Method, StatusCode};
use canopy_domain::{ManagerAccess, Role};
use serde_json::{json, Value};

use crate::support::{new_user, spawn, user_with_key, Reply};

fn etag(reply: &Reply) -> String {
    reply.headers.get("etag").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

/// The answer without what a write changes by itself (the version and the time).
fn without_stamp(body: &Value) -> Value {
    let mut body = body.clone();
    if let Some(object) = body.as_object_mut() {
        object.remove("dateLastModified");
    }
    body
}

#[actix_web::test]
async fn a_customer_reads_and_patches_by_its_reference_exactly_as_by_its_id() {
    let app = spawn().await;
    let a = app.account("A").await;
    let by_id = app.customer(&a, "Helpdesk Twin", None).await;
    let by_ref = app.customer(&a, "Helpdesk", None).await;
    for (id, reference) in [(&by_id, "HD-1"), (&by_ref, "HD 42")] {
        let set = app.patch(&format!("/customers/{id}"), json!({"referenceId": reference})).await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    }
    let path = format!("/customers/by-reference/HD%2042?accountId={a}");

    let read = app.get(&path).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    let direct = app.get(&format!("/customers/{by_ref}")).await;
    assert_eq!(read.body, direct.body);
    assert_eq!(etag(&read), etag(&direct));

    // Refusals: the same status and body as PatchCustomer's for the same request.
    let stale = etag(&read).replace('"', "") + "0";
    let refusals: [(Value, Option<String>); 5] = [
        (json!({"name": ""}), None),
        (json!({"tagIds": ["vip", "nope"]}), None),
        (json!({"data": {"Seats": {"stringValue": "many"}}}), None),
        (json!({"schedule": {"timeZoneId": "Mars/Olympus"}}), None),
        (json!({"name": "Too late"}), Some(format!("\"{stale}\""))),
    ];
    for (body, if_match) in refusals {
        let headers: Vec<(&str, &str)> = if_match.as_deref().map(|t| vec![("If-Match", t)]).unwrap_or_default();
        let referenced = app.request(Method::PATCH, &path, Some(body.clone()), &headers).await;
        let identified = app.request(Method::PATCH, &format!("/customers/{by_id}"), Some(body.clone()), &headers).await;
        assert_ne!(referenced.status, StatusCode::OK, "{body}");
        assert_eq!(referenced.status, identified.status, "{body}: {}", referenced.text);
        // Binding errors name the request DTO, as ServiceStack's do; everything else is the same.
        assert_eq!(referenced.text.replace("PatchCustomerByReference", "PatchCustomer"), identified.text, "{body}");
    }

    // A successful patch: the same answer as PatchCustomer gives, and an ETag that GetCustomer agrees with.
    let change = json!({"name": "Renamed", "tagIds": ["vip"], "data": {"Tier": {"stringValue": "Gold"}}});
    let current = etag(&read);
    let patched = app.request(Method::PATCH, &path, Some(change.clone()), &[("If-Match", current.as_str())]).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(patched.body["name"], "Renamed");
    assert_eq!(patched.body["referenceId"], "HD 42", "the path names the customer; its reference stays");
    assert_ne!(etag(&patched), current);
    assert_eq!(etag(&patched), etag(&app.get(&format!("/customers/{by_ref}")).await));
    let twin = app.patch(&format!("/customers/{by_id}"), change).await;
    let mut expected = without_stamp(&twin.body);
    for member in ["id", "referenceId", "dateCreated"] {
        expected[member] = patched.body[member].clone();
    }
    assert_eq!(without_stamp(&patched.body), expected);
    // Members bind from the query string as well; the account may come in the body.
    let by_query = app.patch("/customers/by-reference/HD%2042?name=Queried", json!({"accountId": a})).await;
    assert_eq!((by_query.status, by_query.body["name"].clone()), (StatusCode::OK, json!("Queried")));
    assert_eq!(app.delete(&path).await.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[actix_web::test]
async fn references_spelled_like_customer_routes_reach_the_by_reference_operations() {
    let app = spawn().await;
    let a = app.account("A").await;
    for reference in ["staging", "inherited-schedule", "inherited-billing-settings", "test-schedule", "by-reference"] {
        let id = app.customer(&a, &format!("Named {reference}"), None).await;
        app.patch(&format!("/customers/{id}"), json!({"referenceId": reference})).await;
        let path = format!("/customers/by-reference/{reference}?accountId={a}");
        let read = app.get(&path).await;
        assert_eq!(read.status, StatusCode::OK, "GET {path}: {}", read.text);
        assert_eq!(read.body["id"], id.as_str(), "{path}");
        let patched = app.patch(&path, json!({"name": format!("Patched {reference}")})).await;
        assert_eq!(patched.status, StatusCode::OK, "PATCH {path}: {}", patched.text);
        assert_eq!(patched.body["id"], id.as_str(), "{path}");
    }
}

#[actix_web::test]
async fn unknown_and_unreachable_references_are_one_404_and_several_accounts_need_the_account() {
    let app = spawn().await;
    let p = app.post("/accounts", json!({"name": "P"})).await.body["id"].as_str().unwrap_or("").to_owned();
    let a = app.post("/accounts", json!({"name": "A", "parentAccountId": p})).await.body["id"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let b = app.account("B").await;
    let own = app.customer(&a, "Own", None).await;
    let below = app.customer(&a, "Below", Some(&own)).await;
    let sibling = app.customer(&a, "Sibling", None).await;
    let in_a = app.customer(&a, "Shared in A", None).await;
    let in_b = app.customer(&b, "Shared in B", None).await;
    for (id, reference) in
        [(&own, "OWN"), (&below, "BELOW"), (&sibling, "SIBLING"), (&in_a, "SHARED"), (&in_b, "SHARED")]
    {
        app.patch(&format!("/customers/{id}"), json!({"referenceId": reference})).await;
    }
    app.patch(&format!("/customers/{in_b}"), json!({"name": "Only B"})).await;
    let only_b = app.customer(&b, "Only B", None).await;
    app.patch(&format!("/customers/{only_b}"), json!({"referenceId": "ONLY-B"})).await;

    // An administrator reaches every account: the account is required, and then picks the customer.
    for method in [Method::GET, Method::PATCH] {
        let body = (method == Method::PATCH).then(|| json!({"name": "x"}));
        let missing = app.request(method, "/customers/by-reference/SHARED", body, &[]).await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.text);
        assert_eq!(missing.field_error(), ("accountId", "NotEmpty"));
    }
    assert_eq!(app.get(&format!("/customers/by-reference/SHARED?accountId={a}")).await.body["id"], in_a.as_str());
    assert_eq!(app.get(&format!("/customers/by-reference/SHARED?accountId={b}")).await.body["id"], in_b.as_str());
    let wrong_account = app.get(&format!("/customers/by-reference/ONLY-B?accountId={a}")).await;
    let unknown = app.get(&format!("/customers/by-reference/NONE?accountId={a}")).await;
    assert_eq!((wrong_account.status, unknown.status), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));

    let key = |name: &str, roles: &[Role], accounts: &[&String], customers: &[&String], access: ManagerAccess| {
        let mut user = new_user(name, roles);
        user.account_ids = accounts.iter().map(|s| s.to_string()).collect();
        user.customer_ids = customers.iter().map(|s| s.to_string()).collect();
        user.manager_access = access;
        format!("Bearer {}", user_with_key(&app.store, user))
    };
    let manager_of_a = key("manager-a", &[Role::Manager], &[&a], &[], ManagerAccess::ReadWrite);
    let read_only = key("read-only", &[Role::Manager], &[&a], &[], ManagerAccess::ReadOnly);
    let manager_of_p = key("manager-p", &[Role::Manager], &[&p], &[], ManagerAccess::ReadWrite);
    let customer_user = key("customer", &[Role::Customer], &[], &[&own], ManagerAccess::ReadOnly);
    let as_user = |auth: &String, method: Method, uri: String, body: Option<Value>| {
        let auth = auth.clone();
        let app = &app;
        async move { app.request(method, &uri, body, &[("Authorization", auth.as_str())]).await }
    };

    // One account in reach: no accountId needed; what lies beyond reach is the 404 of a reference that does not
    // exist, word for word.
    let found = as_user(&manager_of_a, Method::GET, "/customers/by-reference/SHARED".into(), None).await;
    assert_eq!((found.status, found.body["id"].clone()), (StatusCode::OK, json!(in_a)));
    for (uri, method) in [
        ("/customers/by-reference/ONLY-B".to_owned(), Method::GET),
        ("/customers/by-reference/ONLY-B".to_owned(), Method::PATCH),
        (format!("/customers/by-reference/ONLY-B?accountId={b}"), Method::GET),
        (format!("/customers/by-reference/ONLY-B?accountId={b}"), Method::PATCH),
    ] {
        let body = (method == Method::PATCH).then(|| json!({"name": "x"}));
        let hidden = as_user(&manager_of_a, method.clone(), uri.clone(), body.clone()).await;
        let missing = as_user(&manager_of_a, method.clone(), uri.replace("ONLY-B", "NONE-B"), body).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{method} {uri}: {}", hidden.text);
        assert_eq!(hidden.text.replace("ONLY-B", "NONE-B"), missing.text, "{method} {uri}");
    }
    // A Manager of the parent account reaches two accounts: the account is required.
    let ambiguous = as_user(&manager_of_p, Method::GET, "/customers/by-reference/OWN".into(), None).await;
    assert_eq!(ambiguous.field_error(), ("accountId", "NotEmpty"), "{}", ambiguous.text);
    let named = as_user(&manager_of_p, Method::GET, format!("/customers/by-reference/OWN?accountId={a}"), None).await;
    assert_eq!(named.body["id"], own.as_str());

    // The write rules of PatchCustomer: a read-only Manager sees the customer and is refused (403); a Customer
    // user reaches its subtree only, and may not change its own customer's protected members.
    let refused =
        as_user(&read_only, Method::PATCH, "/customers/by-reference/OWN".into(), Some(json!({"name": "x"}))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let below_patch =
        as_user(&customer_user, Method::PATCH, "/customers/by-reference/BELOW".into(), Some(json!({"name": "Mine"})))
            .await;
    assert_eq!((below_patch.status, below_patch.body["name"].clone()), (StatusCode::OK, json!("Mine")));
    let protected = as_user(
        &customer_user,
        Method::PATCH,
        "/customers/by-reference/OWN".into(),
        Some(json!({"overrideBillingSettings": true})),
    )
    .await;
    assert_eq!(protected.status, StatusCode::FORBIDDEN);
    assert_eq!(protected.field_error().0, "overrideBillingSettings");
    let sibling_read = as_user(&customer_user, Method::GET, "/customers/by-reference/SIBLING".into(), None).await;
    let nothing = as_user(&customer_user, Method::GET, "/customers/by-reference/NOTHING".into(), None).await;
    assert_eq!(sibling_read.status, StatusCode::NOT_FOUND);
    assert_eq!(sibling_read.text.replace("SIBLING", "NOTHING"), nothing.text);
}

#[actix_web::test]
async fn references_with_reserved_characters_are_found_percent_encoded() {
    let app = spawn().await;
    let a = app.account("A").await;
    for (reference, encoded) in [("ZD/1234", "ZD%2F1234"), ("50% off", "50%25%20off"), ("a+b?c#d", "a%2Bb%3Fc%23d")] {
        let id = app.customer(&a, reference, None).await;
        let set = app.patch(&format!("/customers/{id}"), json!({ "referenceId": reference })).await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.text);
        let read = app.get(&format!("/customers/by-reference/{encoded}?accountId={a}")).await;
        assert_eq!(read.status, StatusCode::OK, "{reference}: {}", read.text);
        assert_eq!(read.body["id"], id.as_str(), "{reference}");
    }
}
