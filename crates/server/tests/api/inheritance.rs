use actix_web::http::StatusCode;
use serde_json::{json, Value};

use crate::support::spawn;

fn prices(base: f64) -> Value {
    json!({"base": {"baseCost": base, "rawUnitMultiplier": 1, "unitCost": 0, "allowance": 0}})
}

#[actix_web::test]
async fn billing_is_inherited_down_customers_then_accounts_with_provenance() {
    let app = spawn().await;
    let platform = app.post("/accounts", json!({"name": "Platform", "billingSettings": prices(1.0)})).await;
    let platform = platform.body["id"].as_str().unwrap_or("").to_owned();
    let reseller = app.post("/accounts", json!({"name": "Reseller", "parentAccountId": platform})).await;
    let reseller = reseller.body["id"].as_str().unwrap_or("").to_owned();
    let root = app.customer(&reseller, "Root", None).await;
    let mid = app.customer(&reseller, "Mid", Some(&root)).await;
    let leaf = app.customer(&reseller, "Leaf", Some(&mid)).await;
    let effective = |id: String| {
        let app = &app;
        async move {
            let reply = app.get(&format!("/customers/{id}/inherited-billing-settings")).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            (
                reply.body["billingSettings"]["base"]["baseCost"].as_f64().unwrap_or(-1.0),
                reply.body["sourceId"].as_str().unwrap_or("").to_owned(),
                reply.body["sourceKind"].as_str().unwrap_or("").to_owned(),
            )
        }
    };
    // Nobody overrides: the reseller account has no prices, so the platform account's apply.
    assert_eq!(effective(leaf.clone()).await, (1.0, platform.clone(), "account".into()));
    // The reseller account sets its own.
    app.patch(&format!("/accounts/{reseller}"), json!({"billingSettings": prices(2.0)})).await;
    assert_eq!(effective(leaf.clone()).await, (2.0, reseller.clone(), "account".into()));
    // Override at the root, then the middle, then the leaf: the nearest wins.
    app.patch(&format!("/customers/{root}"), json!({"overrideBillingSettings": true, "billingSettings": prices(3.0)}))
        .await;
    assert_eq!(effective(leaf.clone()).await, (3.0, root.clone(), "customer".into()));
    app.patch(&format!("/customers/{mid}"), json!({"overrideBillingSettings": true, "billingSettings": prices(4.0)}))
        .await;
    assert_eq!(effective(leaf.clone()).await, (4.0, mid.clone(), "customer".into()));
    assert_eq!(effective(root.clone()).await, (3.0, root.clone(), "customer".into()));
    app.patch(&format!("/customers/{leaf}"), json!({"overrideBillingSettings": true, "billingSettings": prices(5.0)}))
        .await;
    assert_eq!(effective(leaf.clone()).await, (5.0, leaf.clone(), "customer".into()));
    // Toggling the middle's override off passes the root's through; its own stored prices stay stored.
    app.patch(&format!("/customers/{leaf}"), json!({"overrideBillingSettings": false})).await;
    app.patch(&format!("/customers/{mid}"), json!({"overrideBillingSettings": false})).await;
    assert_eq!(effective(leaf.clone()).await, (3.0, root.clone(), "customer".into()));
    assert_eq!(app.get(&format!("/customers/{mid}")).await.body["billingSettings"]["base"]["baseCost"], 4.0);
    app.patch(&format!("/customers/{mid}"), json!({"overrideBillingSettings": true})).await;
    assert_eq!(effective(leaf.clone()).await, (4.0, mid.clone(), "customer".into()));
    // A move into another subtree takes that subtree's values at once.
    let other = app.customer(&reseller, "Other", None).await;
    app.patch(&format!("/customers/{mid}"), json!({"overrideBillingSettings": false, "parentCustomerId": other})).await;
    assert_eq!(effective(leaf.clone()).await, (2.0, reseller.clone(), "account".into()));
}

#[actix_web::test]
async fn a_root_account_without_prices_falls_back_to_zeros() {
    let app = spawn().await;
    let a = app.account("Bare").await;
    let c = app.customer(&a, "C", None).await;
    let reply = app.get(&format!("/customers/{c}/inherited-billing-settings")).await;
    assert_eq!(reply.body["sourceKind"], "default");
    assert!(reply.body.get("sourceId").is_none());
    assert_eq!(reply.body["billingSettings"]["aiMessages"]["unitCost"], 0.0);
}

#[actix_web::test]
async fn app_settings_are_inherited_up_to_the_built_in_defaults() {
    let app = spawn().await;
    let a = app.account("A").await;
    let top = app.customer(&a, "Top", None).await;
    let child = app.customer(&a, "Child", Some(&top)).await;
    let reply = app.get(&format!("/customers/{child}/inherited-app-settings")).await;
    assert_eq!(reply.body["sourceKind"], "default", "{}", reply.text);
    assert_eq!(reply.body["appSettings"]["enableDialer"], false);
    app.patch(
        &format!("/customers/{top}"),
        json!({"overrideAppSettings": true, "appSettings": {"enableDialer": true, "pageTitle": "Top portal"}}),
    )
    .await;
    let reply = app.get(&format!("/customers/{child}/inherited-app-settings")).await;
    assert_eq!(reply.body["sourceId"], top.as_str());
    assert_eq!(reply.body["appSettings"]["pageTitle"], "Top portal");
    assert_eq!(app.get("/customers/nope/inherited-app-settings").await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn schedules_are_inherited_three_levels_deep_with_the_zone_cascading() {
    let app = crate::support::spawn_demo().await;
    let reply = app.get("/customers/cus-riverside-cardiology/inherited-schedule").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["sourceId"], "cus-riverside");
    assert_eq!(reply.body["timeZoneId"], "Europe/Brussels");
    assert_eq!(reply.body["rules"].as_array().map(Vec::len), Some(2));
    let triage = app.get("/customers/cus-riverside-cardio-night-triage/inherited-schedule").await;
    assert_eq!(triage.body["sourceId"], "cus-riverside-cardio-night");
    assert_eq!(triage.body["timeZoneId"], "Europe/Brussels", "the night desk's empty zone cascades: {}", triage.text);
    assert_eq!(triage.body["defaultState"], "Closed");
}

async fn state_at<S, B>(app: &crate::support::TestApp<S>, customer: &str, at: &str) -> (String, Value)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let reply = app.post(&format!("/customers/{customer}/test-schedule"), json!({"dateTime": at})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    (reply.body["stateName"].as_str().unwrap_or("").to_owned(), reply.body)
}

#[actix_web::test]
async fn test_schedule_evaluates_hours_holidays_and_a_parents_state() {
    let app = crate::support::spawn_demo().await;
    // Monday 2026-03-30 10:00 in Brussels: business hours; 20:00: after hours; Christmas: holiday.
    let (state, body) = state_at(&app, "cus-riverside", "2026-03-30T10:00:00").await;
    assert_eq!(state, "Business Hours");
    assert_eq!(body["timeZoneId"], "Europe/Brussels");
    assert_eq!(body["ruleId"], "hours");
    assert_eq!(body["reason"], "rule");
    assert_eq!(body["nextChange"], "2026-03-30T15:30:00Z", "17:30 CEST");
    assert_eq!(state_at(&app, "cus-riverside", "2026-03-30T20:00:00").await.0, "After Hours");
    assert_eq!(state_at(&app, "cus-riverside", "2026-12-25T10:00:00").await.0, "Holiday");
    // An instant with an offset: 08:00Z is 09:00 in Brussels in winter.
    assert_eq!(state_at(&app, "cus-riverside", "2026-01-05T08:00:00Z").await.0, "Business Hours");
    // The inheriting department answers like its parent.
    assert_eq!(state_at(&app, "cus-riverside-cardiology", "2026-12-25T10:00:00").await.0, "Holiday");
    // The night desk: its own overnight rule, and its parent's Holiday through a CustomerState rule.
    assert_eq!(state_at(&app, "cus-riverside-cardio-night", "2026-03-30T23:00:00").await.0, "Open");
    assert_eq!(state_at(&app, "cus-riverside-cardio-night", "2026-03-30T12:00:00").await.0, "Closed");
    assert_eq!(state_at(&app, "cus-riverside-cardio-night", "2026-12-25T12:00:00").await.0, "Holiday");
    assert_eq!(state_at(&app, "cus-riverside-cardio-night-triage", "2026-12-25T12:00:00").await.0, "Holiday");
}

#[actix_web::test]
async fn test_schedule_can_try_a_schedule_before_saving_it() {
    let app = crate::support::spawn_demo().await;
    let trial = json!({"dateTime": "2026-03-30T10:00:00", "schedule": {"forceClosed": true, "timeZoneId": "Romance Standard Time"}});
    let reply = app.post("/customers/cus-lakeside/test-schedule", trial).await;
    assert_eq!(reply.body["stateName"], "Closed", "{}", reply.text);
    assert_eq!(reply.body["reason"], "forceClosed");
    assert_eq!(reply.body["timeZoneId"], "Europe/Paris");
    let stored = app.get("/customers/cus-lakeside").await;
    assert_eq!(stored.body["schedule"]["forceClosed"], false, "trying a schedule does not save it");
    let bad_time = app.post("/customers/cus-lakeside/test-schedule", json!({"dateTime": "tomorrow-ish"})).await;
    assert_eq!(bad_time.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_time.field_error().0, "dateTime");
}

#[actix_web::test]
async fn invalid_schedules_are_refused_at_write_time_naming_the_field() {
    let app = spawn().await;
    let a = app.account("A").await;
    let c = app.customer(&a, "C", None).await;
    let bad_zone =
        app.patch(&format!("/customers/{c}"), json!({"schedule": {"timeZoneId": "Mars/Olympus_Mons"}})).await;
    assert_eq!(bad_zone.status, StatusCode::BAD_REQUEST, "{}", bad_zone.text);
    assert_eq!(bad_zone.field_error().0, "schedule.timeZoneId");
    let rule = json!({"simpleRuleType": "Time", "startDate": "2026-01-01", "startTime": "09:00", "endTime": "17:00",
                      "frequency": "Monthly", "byMonthDay": [32]});
    let bad_rule = app
        .patch(
            &format!("/customers/{c}"),
            json!({"schedule": {"timeZoneId": "UTC", "rules": [{"simpleRuleType": "Always", "state": "Open"}, rule]}}),
        )
        .await;
    assert_eq!(bad_rule.status, StatusCode::BAD_REQUEST, "{}", bad_rule.text);
    assert_eq!(bad_rule.field_error().0, "schedule.rules[1].byMonthDay");
    let create =
        app.post("/customers", json!({"accountId": a, "name": "X", "schedule": {"timeZoneId": "Nowhere/Else"}})).await;
    assert_eq!(create.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get(&format!("/customers/{c}")).await.body.get("schedule"), None, "nothing was stored");
}

#[actix_web::test]
async fn include_effective_agrees_with_the_single_customer_endpoints_for_every_customer() {
    let app = spawn().await;
    let plan = canopy_server::seed::SyntheticPlan { customers: 300, reseller_accounts: 3, max_depth: 9, seed: 11 };
    canopy_server::seed::seed_synthetic(&app.store, plan, &canopy_store::Actor::default()).expect("seeds");
    // Pages of 40 (so ancestors often sit on other pages), then everything at once.
    let mut listed = Vec::new();
    for page in 0..8 {
        let reply = app.get(&format!("/customers?includeEffective=true&countPerPage=40&page={page}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        listed.extend(reply.body["items"].as_array().cloned().unwrap_or_default());
    }
    assert_eq!(listed.len(), 300);
    let all = app.get("/customers?includeEffective=true&all=true").await;
    assert_eq!(all.body["items"].as_array().map(Vec::len), Some(300));
    for customer in listed.iter().step_by(3) {
        let id = customer["id"].as_str().unwrap_or("");
        let effective = &customer["effective"];
        let billing = app.get(&format!("/customers/{id}/inherited-billing-settings")).await.body;
        assert_eq!(effective["billingSettings"]["value"], billing["billingSettings"], "{id}");
        assert_eq!(effective["billingSettings"]["sourceId"], billing["sourceId"], "{id}");
        assert_eq!(effective["billingSettings"]["sourceKind"], billing["sourceKind"], "{id}");
        let app_settings = app.get(&format!("/customers/{id}/inherited-app-settings")).await.body;
        assert_eq!(effective["appSettings"]["value"], app_settings["appSettings"], "{id}");
        assert_eq!(effective["appSettings"]["sourceId"], app_settings["sourceId"], "{id}");
        let schedule = app.get(&format!("/customers/{id}/inherited-schedule")).await.body;
        assert_eq!(effective["schedule"]["sourceId"], schedule["sourceId"], "{id}");
        assert_eq!(effective["schedule"]["value"]["timeZoneId"], schedule["timeZoneId"], "{id}");
    }
    let before = app.store.statements_executed();
    app.get("/customers?includeEffective=true&countPerPage=100&sortField=dateCreated&sortOrder=Descend").await;
    let cost = app.store.statements_executed() - before;
    assert!(cost <= 22, "a page with effective values cost {cost} statements");
}

#[actix_web::test]
async fn effective_values_follow_every_change_at_once() {
    let app = spawn().await;
    let a = app.account("A").await;
    let top = app.customer(&a, "Top", None).await;
    let mid = app.customer(&a, "Mid", Some(&top)).await;
    let leaf = app.customer(&a, "Leaf", Some(&mid)).await;
    let source_of_leaf = |reply: &crate::support::Reply| {
        reply.body["items"]
            .as_array()
            .and_then(|items| items.iter().find(|c| c["id"] == leaf.as_str()))
            .map(|c| c["effective"]["billingSettings"]["sourceId"].clone())
            .unwrap_or(Value::Null)
    };
    let url = format!("/customers?includeEffective=true&specificIds={leaf}");
    assert_eq!(source_of_leaf(&app.get(&url).await), Value::Null);
    app.patch(&format!("/customers/{top}"), json!({"overrideBillingSettings": true, "billingSettings": prices(9.0)}))
        .await;
    assert_eq!(source_of_leaf(&app.get(&url).await), json!(top));
    app.patch(&format!("/customers/{mid}"), json!({"parentCustomerId": ""})).await;
    assert_eq!(source_of_leaf(&app.get(&url).await), Value::Null);
}
