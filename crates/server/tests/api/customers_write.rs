use actix_web::{
    http::{Method, StatusCode},
    test::TestRequest,
};
use serde_json::json;

use crate::support::spawn;

#[actix_web::test]
async fn a_new_customer_comes_back_whole_with_an_etag() {
    let app = spawn().await;
    let a = app.account("A").await;
    let reply = app
        .post(
            "/customers",
            json!({"accountId": a, "name": "Harbor", "referenceId": "crm-1", "tagIds": ["vip"],
                   "data": {"Tier": {"stringValue": "Gold"}}, "overrideBillingSettings": true,
                   "billingSettings": {"base": {"baseCost": 10, "rawUnitMultiplier": 1, "unitCost": 0.5, "allowance": 3}}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let c = &reply.body;
    assert_eq!(c["accountId"], a.as_str());
    assert_eq!(c["accountName"], "A");
    assert_eq!(c["breadcrumb"], json!([]));
    assert!(c.get("parentCustomerId").is_none(), "top-level customers have no parent: {}", reply.text);
    assert_eq!(c["tags"], json!([{"id": "vip", "name": "VIP", "color": "Gold"}]));
    assert_eq!(c["data"]["Tier"]["stringValue"], "Gold");
    assert_eq!(c["billingSettings"]["base"]["unitCost"], 0.5);
    assert_eq!(c["overrideBillingSettings"], true);
    assert!(c["dateCreated"].as_str().is_some_and(|d| d.ends_with('Z')));
    assert!(reply.headers.get("etag").is_some());
    let fetched = app.get(&format!("/customers/{}", c["id"].as_str().unwrap_or(""))).await;
    assert_eq!(fetched.body, reply.body);
}

#[actix_web::test]
async fn patch_is_sparse_absent_and_null_leave_empty_string_clears_a_value_replaces() {
    let app = spawn().await;
    let a = app.account("A").await;
    let parent = app.customer(&a, "Parent", None).await;
    let id = app.customer(&a, "Child", Some(&parent)).await;
    let set = app
        .patch(
            &format!("/customers/{id}"),
            json!({"referenceId": "ref-1", "tagIds": ["vip", "trial"], "data": {"Seats": {"numberValue": 5}}}),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);

    // Absent: nothing changes but the modification stamp.
    let absent = app.patch(&format!("/customers/{id}"), json!({})).await;
    assert_eq!(absent.body["referenceId"], "ref-1");
    assert_eq!(absent.body["name"], "Child");
    assert_eq!(absent.body["parentCustomerId"], parent.as_str());
    assert_eq!(absent.body["tags"].as_array().map(Vec::len), Some(2));

    // Null: the same as absent.
    let null = app
        .patch(&format!("/customers/{id}"), json!({"referenceId": null, "tagIds": null, "data": null, "name": null}))
        .await;
    assert_eq!(null.status, StatusCode::OK, "{}", null.text);
    assert_eq!(null.body["referenceId"], "ref-1");
    assert_eq!(null.body["tags"].as_array().map(Vec::len), Some(2));
    assert_eq!(null.body["data"]["Seats"]["numberValue"], 5.0);

    // A value replaces whole: lists and objects are not merged.
    let replaced = app
        .patch(&format!("/customers/{id}"), json!({"tagIds": ["trial"], "data": {"Tier": {"stringValue": "Gold"}}}))
        .await;
    assert_eq!(replaced.body["tags"], json!([{"id": "trial", "name": "Trial", "color": "Cyan"}]));
    assert_eq!(replaced.body["data"], json!({"Tier": {"stringValue": "Gold"}}));

    // Empty string clears an optional string; an empty list clears a list.
    let cleared = app.patch(&format!("/customers/{id}"), json!({"referenceId": "", "tagIds": []})).await;
    assert!(cleared.body.get("referenceId").is_none(), "{}", cleared.text);
    assert_eq!(cleared.body["tags"], json!([]));

    // Empty parent makes it top-level.
    let root = app.patch(&format!("/customers/{id}"), json!({"parentCustomerId": ""})).await;
    assert!(root.body.get("parentCustomerId").is_none(), "{}", root.text);
    assert_eq!(root.body["breadcrumb"], json!([]));

    // An empty name is not "clear": a customer always has a name.
    let blank = app.patch(&format!("/customers/{id}"), json!({"name": ""})).await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    assert_eq!(blank.field_error(), ("name", "NotEmpty"));
}

#[actix_web::test]
async fn patch_fields_may_come_from_the_query_string_or_a_form() {
    let app = spawn().await;
    let a = app.account("A").await;
    let id = app.customer(&a, "Before", None).await;
    let reply = app
        .request(
            Method::PATCH,
            &format!("/customers/{id}?name=From%20query&tagIds=vip,trial&overrideAppSettings=true"),
            None,
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["name"], "From query");
    assert_eq!(reply.body["tags"].as_array().map(Vec::len), Some(2));
    assert_eq!(reply.body["overrideAppSettings"], true);
    let form = TestRequest::default()
        .method(Method::PATCH)
        .uri(&format!("/customers/{id}"))
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload("Name=From+form&ReferenceId=f-1&Data=%7B%22Tier%22%3A%7B%22stringValue%22%3A%22Gold%22%7D%7D");
    let reply = app.send(form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["name"], "From form");
    assert_eq!(reply.body["referenceId"], "f-1");
    assert_eq!(reply.body["data"]["Tier"]["stringValue"], "Gold");
}

#[actix_web::test]
async fn moves_rewrite_breadcrumbs_of_the_whole_subtree() {
    let app = spawn().await;
    let a = app.account("A").await;
    let r1 = app.customer(&a, "R1", None).await;
    let r2 = app.customer(&a, "R2", None).await;
    let m = app.customer(&a, "M", Some(&r1)).await;
    let leaf = app.customer(&a, "Leaf", Some(&m)).await;
    let deep = app.customer(&a, "Deep", Some(&leaf)).await;
    let crumbs = |reply: &crate::support::Reply| -> Vec<String> {
        reply.body["breadcrumb"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["name"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(crumbs(&app.get(&format!("/customers/{deep}")).await), ["R1", "M", "Leaf"]);

    // Deep move: M's subtree goes under R2.
    let moved = app.patch(&format!("/customers/{m}"), json!({"parentCustomerId": r2})).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert_eq!(crumbs(&app.get(&format!("/customers/{deep}")).await), ["R2", "M", "Leaf"]);
    let under_r1 = app.get(&format!("/customers?parentCustomerIds={r1}")).await;
    assert!(under_r1.ids().is_empty());
    let under_r2 = app.get(&format!("/customers?parentCustomerIds={r2}&all=true")).await;
    assert_eq!(under_r2.ids().len(), 3);

    // To root.
    let rooted = app.patch(&format!("/customers/{leaf}"), json!({"parentCustomerId": ""})).await;
    assert_eq!(rooted.status, StatusCode::OK);
    assert_eq!(crumbs(&app.get(&format!("/customers/{deep}")).await), ["Leaf"]);

    // Renaming an ancestor shows in every descendant's breadcrumb.
    app.patch(&format!("/customers/{leaf}"), json!({"name": "Leaf renamed"})).await;
    assert_eq!(crumbs(&app.get(&format!("/customers/{deep}")).await), ["Leaf renamed"]);
}

#[actix_web::test]
async fn moving_a_customer_under_itself_or_its_descendant_is_rejected() {
    let app = spawn().await;
    let a = app.account("A").await;
    let top = app.customer(&a, "Top", None).await;
    let mid = app.customer(&a, "Mid", Some(&top)).await;
    let low = app.customer(&a, "Low", Some(&mid)).await;
    for target in [&top, &mid, &low] {
        let reply = app.patch(&format!("/customers/{top}"), json!({"parentCustomerId": target})).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert_eq!(reply.field_error(), ("parentCustomerId", "Cycle"));
    }
    let unchanged = app.get(&format!("/customers/{low}")).await;
    assert_eq!(unchanged.body["breadcrumb"].as_array().map(Vec::len), Some(2));
}

#[actix_web::test]
async fn a_parent_in_another_account_is_refused() {
    let app = spawn().await;
    let a = app.account("A").await;
    let b = app.account("B").await;
    let in_a = app.customer(&a, "In A", None).await;
    let in_b = app.customer(&b, "In B", None).await;
    let reply = app.patch(&format!("/customers/{in_a}"), json!({"parentCustomerId": in_b})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.field_error(), ("parentCustomerId", "CrossAccount"));
    let create = app.post("/customers", json!({"accountId": a, "name": "X", "parentCustomerId": in_b})).await;
    assert_eq!(create.status, StatusCode::BAD_REQUEST);
    assert_eq!(create.field_error(), ("parentCustomerId", "CrossAccount"));
}

#[actix_web::test]
async fn racing_opposite_moves_never_build_a_cycle() {
    let app = spawn().await;
    let a = app.account("A").await;
    for round in 0..10 {
        let x = app.customer(&a, &format!("X{round}"), None).await;
        let y = app.customer(&a, &format!("Y{round}"), None).await;
        let (s1, s2) = (app.store.clone(), app.store.clone());
        let (x1, y1, x2, y2) = (x.clone(), y.clone(), x.clone(), y.clone());
        let y_id = y.clone();
        let move_x = std::thread::spawn(move || {
            let changes = canopy_domain::patch::CustomerChanges { parent_customer_id: Some(y1), ..Default::default() };
            s1.patch_customer(
                &x1,
                &changes,
                None,
                &canopy_store::Actor::default(),
                &canopy_domain::access::Reach::Everything,
            )
            .is_ok()
        });
        let move_y = std::thread::spawn(move || {
            let changes = canopy_domain::patch::CustomerChanges { parent_customer_id: Some(x2), ..Default::default() };
            s2.patch_customer(
                &y2,
                &changes,
                None,
                &canopy_store::Actor::default(),
                &canopy_domain::access::Reach::Everything,
            )
            .is_ok()
        });
        let (ok_x, ok_y) = (move_x.join().unwrap_or(false), move_y.join().unwrap_or(false));
        assert!(!(ok_x && ok_y), "both opposite moves succeeded in round {round}");
        assert!(ok_x || ok_y, "neither move succeeded in round {round}");
        let bx = app.get(&format!("/customers/{x}")).await;
        let by = app.get(&format!("/customers/{y_id}")).await;
        let tops = [&bx, &by].iter().filter(|r| r.body["breadcrumb"] == json!([])).count();
        assert_eq!(tops, 1, "exactly one of the two is still top-level: {} / {}", bx.text, by.text);
    }
}

#[actix_web::test]
async fn if_match_protects_against_lost_updates() {
    let app = spawn().await;
    let a = app.account("A").await;
    let id = app.customer(&a, "Shared", None).await;
    let read = app.get(&format!("/customers/{id}")).await;
    let etag = read.headers.get("etag").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let first = app
        .request(Method::PATCH, &format!("/customers/{id}"), Some(json!({"name": "First"})), &[("If-Match", &etag)])
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let second = app
        .request(Method::PATCH, &format!("/customers/{id}"), Some(json!({"name": "Second"})), &[("If-Match", &etag)])
        .await;
    assert_eq!(second.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(second.error_code(), "PreconditionFailed");
    assert_eq!(app.get(&format!("/customers/{id}")).await.body["name"], "First");
    let stale_delete = app.request(Method::DELETE, &format!("/customers/{id}"), None, &[("If-Match", &etag)]).await;
    assert_eq!(stale_delete.status, StatusCode::PRECONDITION_FAILED);
    let any = app
        .request(Method::PATCH, &format!("/customers/{id}"), Some(json!({"name": "Any"})), &[("If-Match", "*")])
        .await;
    assert_eq!(any.status, StatusCode::OK);
}

#[actix_web::test]
async fn only_leaves_can_be_deleted_and_nothing_below_is_lost() {
    let app = spawn().await;
    let a = app.account("A").await;
    let parent = app.customer(&a, "Parent", None).await;
    let child = app.customer(&a, "Child", Some(&parent)).await;
    let refused = app.delete(&format!("/customers/{parent}")).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.error_code(), "Conflict");
    assert_eq!(app.get(&format!("/customers/{child}")).await.status, StatusCode::OK);
    let deleted = app.delete(&format!("/customers/{child}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.text.is_empty());
    assert_eq!(app.get(&format!("/customers/{child}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&format!("/customers/{parent}")).await.status, StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn staging_mode_is_set_by_its_own_route() {
    let app = spawn().await;
    let a = app.account("A").await;
    let id = app.customer(&a, "C", None).await;
    let on = app.post(&format!("/customers/{id}/staging"), json!({"isStaging": true})).await;
    assert_eq!(on.body["isStaging"], true);
    let off = app.request(Method::POST, &format!("/customers/{id}/staging?isStaging=false"), None, &[]).await;
    assert_eq!(off.body["isStaging"], false);
    let missing = app.post(&format!("/customers/{id}/staging"), json!({})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.field_error().0, "isStaging");
}

#[actix_web::test]
async fn predefined_routes_reach_the_same_operations() {
    let app = spawn().await;
    let a = app.account("A").await;
    let created = app.post("/api/NewCustomer", json!({"accountId": a, "name": "Via api"})).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let id = created.body["id"].as_str().unwrap_or("").to_owned();
    let patched =
        app.request(Method::PATCH, "/api/PatchCustomer", Some(json!({"customerId": id, "name": "Patched"})), &[]).await;
    assert_eq!(patched.body["name"], "Patched", "{}", patched.text);
    let listed = app.get(&format!("/json/reply/ListCustomers?accountIds={a}")).await;
    assert_eq!(listed.ids(), std::slice::from_ref(&id));
    let got = app.get(&format!("/api/getcustomer?customerId={id}")).await;
    assert_eq!(got.body["name"], "Patched");
    let unknown = app.get("/api/NoSuchThing").await;
    assert_eq!(unknown.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[actix_web::test]
async fn jsv_bodies_pascal_case_json_and_jsv_query_values_all_bind() {
    let app = spawn().await;
    let a = app.account("A").await;
    let id = app.customer(&a, "Before", None).await;
    // The pretty-printed multi-line JSV of Evo Voice's reference page.
    let jsv = "{\n  name: \"Jsv, Inc\",\n  tagIds:\n  [\n    vip\n  ],\n  data:\n  {\n    Seats:\n    {\n      numberValue: 12\n    }\n  },\n  overrideBillingSettings: True\n}";
    let req = TestRequest::default()
        .method(Method::PATCH)
        .uri(&format!("/customers/{id}"))
        .insert_header(("content-type", "application/jsv"))
        .set_payload(jsv);
    let reply = app.send(req).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["name"], "Jsv, Inc");
    assert_eq!(reply.body["tags"][0]["id"], "vip");
    assert_eq!(reply.body["data"]["Seats"]["numberValue"], 12.0);
    assert_eq!(reply.body["overrideBillingSettings"], true);

    let pascal = app.patch(&format!("/customers/{id}"), json!({"Name": "Pascal", "ReferenceId": "P-1"})).await;
    assert_eq!(pascal.body["name"], "Pascal", "{}", pascal.text);
    assert_eq!(pascal.body["referenceId"], "P-1");

    let query =
        app.request(Method::PATCH, &format!("/customers/{id}?data=%7BTier:%7BstringValue:Gold%7D%7D"), None, &[]).await;
    assert_eq!(query.status, StatusCode::OK, "{}", query.text);
    assert_eq!(query.body["data"], json!({"Tier": {"stringValue": "Gold"}}));

    let broken = TestRequest::default()
        .method(Method::PATCH)
        .uri(&format!("/customers/{id}"))
        .insert_header(("content-type", "text/jsv"))
        .set_payload("{name: \"unterminated");
    let reply = app.send(broken).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "SerializationException");
}
