use actix_web::http::StatusCode;
use serde_json::json;

use crate::support::spawn;

#[actix_web::test]
async fn accounts_nest_and_report_their_ancestors() {
    let app = spawn().await;
    let platform =
        app.post("/accounts", json!({"name": "Platform", "billingSettings": {"base": {"baseCost": 5}}})).await;
    assert_eq!(platform.status, StatusCode::OK, "{}", platform.text);
    let pid = platform.body["id"].as_str().unwrap_or("").to_owned();
    let reseller = app.post("/accounts", json!({"name": "Reseller", "parentAccountId": pid})).await;
    let rid = reseller.body["id"].as_str().unwrap_or("").to_owned();
    assert_eq!(reseller.body["parentAccountId"], pid.as_str());
    assert_eq!(reseller.body["ancestorIds"], json!([pid]));
    let sub = app.post("/accounts", json!({"name": "Sub", "parentAccountId": rid})).await;
    let sid = sub.body["id"].as_str().unwrap_or("").to_owned();
    assert_eq!(sub.body["ancestorIds"], json!([pid, rid]));

    let cycle = app.patch(&format!("/accounts/{pid}"), json!({"parentAccountId": sid})).await;
    assert_eq!(cycle.status, StatusCode::BAD_REQUEST);
    assert_eq!(cycle.field_error(), ("parentAccountId", "Cycle"));

    let detached = app.patch(&format!("/accounts/{rid}"), json!({"parentAccountId": "", "name": "Independent"})).await;
    assert_eq!(detached.status, StatusCode::OK, "{}", detached.text);
    assert_eq!(detached.body["name"], "Independent");
    assert_eq!(app.get(&format!("/accounts/{sid}")).await.body["ancestorIds"], json!([rid]));

    let listed = app.get("/accounts?nameFilter=INDEP").await;
    assert_eq!(listed.ids(), std::slice::from_ref(&rid));
    assert_eq!(app.get("/accounts").await.body["totalCount"], 3);

    let busy = app.delete(&format!("/accounts/{rid}")).await;
    assert_eq!(busy.status, StatusCode::CONFLICT);
    assert_eq!(app.delete(&format!("/accounts/{sid}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&format!("/accounts/{rid}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("/accounts/{rid}")).await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn system_settings_replace_lists_whole_and_removed_tags_leave_customers() {
    let app = spawn().await;
    let a = app.account("A").await;
    let id = app.customer(&a, "Tagged", None).await;
    app.patch(&format!("/customers/{id}"), json!({"tagIds": ["vip", "trial"]})).await;
    let settings = app.get(&format!("/system/settings?accountId={a}")).await;
    assert_eq!(settings.body["tags"].as_array().map(Vec::len), Some(2));
    assert_eq!(settings.body["customerFields"][0]["name"], "Tier");

    // Keep "vip" (renamed, recoloured), drop "trial", add "new".
    let patched = app
        .patch(
            &format!("/system/settings?accountId={a}"),
            json!({"tags": [{"id": "vip", "name": "Very Important", "color": "Purple"}, {"id": "new", "name": "New", "color": "Lime"}]}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(patched.body["customerFields"].as_array().map(Vec::len), Some(2), "absent lists stay");
    let customer = app.get(&format!("/customers/{id}")).await;
    assert_eq!(customer.body["tags"], json!([{"id": "vip", "name": "Very Important", "color": "Purple"}]));

    let duplicate = app
        .patch(
            &format!("/system/settings?accountId={a}"),
            json!({"tags": [{"id": "x", "name": "X"}, {"id": "x", "name": "Y"}]}),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::BAD_REQUEST);
    assert_eq!(duplicate.field_error(), ("tags[1].id", "Unique"));
    let bad_color = app
        .patch(
            &format!("/system/settings?accountId={a}"),
            json!({"tags": [{"id": "x", "name": "X", "color": "Beige"}]}),
        )
        .await;
    assert_eq!(bad_color.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_color.field_error().0, "tags[0].color");
}

#[actix_web::test]
async fn the_demo_fixture_loads_and_shows_its_hierarchy() {
    let app = crate::support::spawn_demo().await;
    let triage = app.get("/customers/cus-riverside-cardio-night-triage").await;
    assert_eq!(triage.status, StatusCode::OK);
    let names: Vec<&str> =
        triage.body["breadcrumb"].as_array().into_iter().flatten().filter_map(|b| b["name"].as_str()).collect();
    assert_eq!(names, ["Riverside Health", "Riverside Cardiology", "Cardiology Night Desk"]);
    let northwind = app.get("/customers?accountIds=acct-northwind&all=true").await;
    assert_eq!(northwind.ids().len(), 7);
}
