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

#[actix_web::test]
async fn accounts_store_and_return_evo_voice_telephony_and_branding_members() {
    let app = spawn().await;
    let details = json!({
        "twilioAccountSid": "AC0123456789abcdef",
        "maxPhoneNumbers": 25,
        "isBYOA": true,
        "trustHubProfileSid": "BU0123",
        "logoId": "logo-1",
        "logoUri": "https://cdn.example.com/logo.png"
    });
    let mut body = details.clone();
    body["name"] = json!("Branded");
    let created = app.post("/accounts", body).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let id = created.body["id"].as_str().unwrap_or("").to_owned();
    let got = app.get(&format!("/accounts/{id}")).await;
    let listed = app.get(&format!("/accounts?specificIds={id}")).await;
    for (what, account) in
        [("NewAccount", &created.body), ("GetAccount", &got.body), ("ListAccounts", &listed.body["items"][0])]
    {
        for (member, value) in details.as_object().into_iter().flatten() {
            assert_eq!(&account[member], value, "{what} answers {member}");
        }
    }

    // Sparse: absent members stay, "" clears a text, numbers and flags are set as sent.
    let patched =
        app.patch(&format!("/accounts/{id}"), json!({"logoUri": "", "maxPhoneNumbers": 0, "isBYOA": false})).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert!(patched.body.get("logoUri").is_none(), "{}", patched.text);
    assert_eq!(patched.body["maxPhoneNumbers"], 0);
    assert_eq!(patched.body["isBYOA"], false);
    assert_eq!(patched.body["twilioAccountSid"], "AC0123456789abcdef");
    assert_eq!(patched.body["logoId"], "logo-1");
    let by_query = app.patch(&format!("/accounts/{id}?isbyoa=true&LogoId=logo-2"), json!({})).await;
    assert_eq!((by_query.body["isBYOA"].clone(), by_query.body["logoId"].clone()), (json!(true), json!("logo-2")));

    // An account that never set them answers the defaults, and no text.
    let plain = app.post("/accounts", json!({"name": "Plain"})).await;
    assert_eq!((plain.body["maxPhoneNumbers"].clone(), plain.body["isBYOA"].clone()), (json!(0), json!(false)));
    assert!(plain.body.get("twilioAccountSid").is_none() && plain.body.get("logoUri").is_none());

    // CSV: the declared members in declared order, the new ones after the ones clients already read.
    let csv = app.get("/accounts.csv").await;
    let header = csv.text.lines().next().unwrap_or("");
    assert!(
        header.ends_with(
            "createdBy,lastModifiedBy,twilioAccountSid,maxPhoneNumbers,isBYOA,trustHubProfileSid,logoId,logoUri"
        ),
        "{header}"
    );
    assert!(header.starts_with("id,name,parentAccountId,ancestorIds,billingSettings,dateCreated"), "{header}");
}

#[actix_web::test]
async fn account_telephony_and_branding_members_are_validated_on_create_and_patch() {
    let app = spawn().await;
    let id = app.account("Checked").await;
    let long = "x".repeat(1_001);
    for (body, field, code) in [
        (json!({"maxPhoneNumbers": -1}), "maxPhoneNumbers", "GreaterThanOrEqual"),
        (json!({"logoUri": "ftp://example.com/logo.png"}), "logoUri", "Url"),
        (json!({"logoUri": "/relative/logo.png"}), "logoUri", "Url"),
        (json!({"twilioAccountSid": long}), "twilioAccountSid", "Length"),
        (json!({"trustHubProfileSid": long}), "trustHubProfileSid", "Length"),
        (json!({"logoId": long}), "logoId", "Length"),
        (json!({"maxPhoneNumbers": "many"}), "maxPhoneNumbers", "SerializationException"),
        (json!({"isBYOA": "perhaps"}), "isBYOA", "SerializationException"),
    ] {
        let patched = app.patch(&format!("/accounts/{id}"), body.clone()).await;
        assert_eq!(patched.status, StatusCode::BAD_REQUEST, "{body}: {}", patched.text);
        assert_eq!(patched.field_error(), (field, code), "{body}");
        let mut new = body.clone();
        new["name"] = json!("New");
        let created = app.post("/accounts", new).await;
        assert_eq!(created.status, StatusCode::BAD_REQUEST, "{body}: {}", created.text);
        assert_eq!(created.field_error(), (field, code), "{body}");
    }
    assert_eq!(app.get("/accounts").await.body["totalCount"], 1, "no invalid account was created");
    let unchanged = app.get(&format!("/accounts/{id}")).await;
    assert!(unchanged.body.get("logoUri").is_none() && unchanged.body["maxPhoneNumbers"] == 0);
}

#[actix_web::test]
async fn only_who_may_edit_an_account_sets_its_telephony_and_branding_members() {
    let app = spawn().await;
    let id = app.account("Managed").await;
    let mut manager = crate::support::new_user("manager", &[canopy_domain::Role::Manager]);
    manager.account_ids = vec![id.clone()];
    manager.manager_access = canopy_domain::ManagerAccess::ReadWriteDelete;
    let key = crate::support::user_with_key(&app.store, manager);
    let auth = format!("Bearer {key}");
    let refused = app
        .request(
            actix_web::http::Method::PATCH,
            &format!("/accounts/{id}"),
            Some(json!({"twilioAccountSid": "AC-mine", "maxPhoneNumbers": 99})),
            &[("Authorization", auth.as_str())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let seen = app
        .request(actix_web::http::Method::GET, &format!("/accounts/{id}"), None, &[("Authorization", auth.as_str())])
        .await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.body.get("twilioAccountSid").is_none(), "{}", seen.text);
    assert_eq!(seen.body["maxPhoneNumbers"], 0);
}
