//! What a move records beyond the moved customer's `parentCustomerId`: for it and each descendant whose effective
//! billing settings, app settings or schedule now come from another source, an `effective.*` entry in the move's
//! change, with who, when, the request and the operation. Not for a descendant that supplies the facet itself, not
//! for a move that changes no source, and with a bounded number of statements however large the subtree.

use actix_web::http::{Method, StatusCode};
use canopy_domain::{ManagerAccess, Role};
use serde_json::{json, Value};

use crate::support::{new_user, spawn, user_with_key};

/// Billing settings told apart by their base cost.
fn billing(base_cost: f64) -> Value {
    json!({"overrideBillingSettings": true, "billingSettings": {"base": {"baseCost": base_cost}}})
}

/// The JSON an `oldValue` or `newValue` holds.
fn parsed(entry: &Value, side: &str) -> Value {
    entry[side].as_str().map_or(Value::Null, |text| serde_json::from_str(text).expect("a JSON value"))
}

/// Two top-level customers of `account` that set their own billing, base costs 2 and 3: where a move starts and
/// where it ends.
async fn two_parents_billing_2_and_3<S, B>(app: &crate::support::TestApp<S>, account: &str) -> (String, String)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let old_parent = app.customer(account, "Old parent", None).await;
    let new_parent = app.customer(account, "New parent", None).await;
    for (id, cost) in [(&old_parent, 2.0), (&new_parent, 3.0)] {
        let set = app.patch(&format!("/customers/{id}"), billing(cost)).await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    }
    (old_parent, new_parent)
}

fn members(history: &Value) -> Vec<String> {
    history["items"].as_array().into_iter().flatten().map(|e| e["member"].as_str().unwrap_or("").to_owned()).collect()
}

#[actix_web::test]
async fn a_move_records_the_effective_values_it_changes_for_the_moved_customer_and_descendants_inheriting_through_it() {
    let app = spawn().await;
    let account = app.account("A").await;
    let (old_parent, new_parent) = two_parents_billing_2_and_3(&app, &account).await;
    let moved = app.customer(&account, "Moved", Some(&old_parent)).await;
    let inherits = app.customer(&account, "Inherits", Some(&moved)).await;
    let grandchild = app.customer(&account, "Grandchild", Some(&inherits)).await;
    let overrides = app.customer(&account, "Overrides", Some(&moved)).await;
    let set = app.patch(&format!("/customers/{overrides}"), billing(5.0)).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);

    let reply = app
        .request(
            Method::PATCH,
            &format!("/customers/{moved}"),
            Some(json!({"parentCustomerId": new_parent})),
            &[("X-Request-Id", "req-move-1")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    // The moved customer: its parent, then its billing settings' new source, in one change.
    let history = app.get(&format!("/customers/{moved}/history")).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    let items = &history.body["items"];
    assert_eq!(members(&history.body)[..2], ["parentCustomerId", "effective.billingSettings"]);
    let (move_entry, effective) = (&items[0], &items[1]);
    assert_eq!(effective["changeId"], move_entry["changeId"]);
    assert_eq!(effective["operation"], "PatchCustomer");
    assert_eq!(effective["requestId"], "req-move-1");
    assert_eq!(effective["userName"], "test-admin");
    assert_eq!(effective["changedAt"], move_entry["changedAt"]);
    let old = parsed(effective, "oldValue");
    assert_eq!((old["sourceKind"].as_str(), old["sourceId"].as_str()), (Some("customer"), Some(old_parent.as_str())));
    assert_eq!(old["value"]["base"]["baseCost"], 2.0);
    let new = parsed(effective, "newValue");
    assert_eq!((new["sourceKind"].as_str(), new["sourceId"].as_str()), (Some("customer"), Some(new_parent.as_str())));
    assert_eq!(new["value"]["base"]["baseCost"], 3.0);
    // The same shape as includeEffective answers for the customer now.
    let listed = app.get(&format!("/customers?ids={moved}&includeEffective=true")).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.body["items"][0]["effective"]["billingSettings"], new, "{}", listed.text);

    // Descendants inheriting through it: the same change, filterable by member.
    for id in [&inherits, &grandchild] {
        let history = app.get(&format!("/customers/{id}/history?member=effective.billingSettings")).await;
        assert_eq!(history.status, StatusCode::OK, "{}", history.text);
        assert_eq!(members(&history.body), ["effective.billingSettings"], "{id}: {}", history.text);
        let entry = &history.body["items"][0];
        assert_eq!(entry["customerId"], id.as_str());
        assert_eq!(entry["changeId"], move_entry["changeId"]);
        assert_eq!(entry["requestId"], "req-move-1");
        assert_eq!(entry["operation"], "PatchCustomer");
        assert_eq!(parsed(entry, "oldValue")["sourceId"], old_parent.as_str());
        assert_eq!(parsed(entry, "newValue")["sourceId"], new_parent.as_str());
        // Nothing else of theirs changed: the move records no parentCustomerId (or anything else) for them.
        let all = app.get(&format!("/customers/{id}/history")).await;
        let of_the_move: Vec<&str> = all.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["requestId"] == "req-move-1")
            .map(|e| e["member"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(of_the_move, ["effective.billingSettings"], "{}", all.text);
    }
    // A descendant with its own billing settings is unaffected.
    let history = app.get(&format!("/customers/{overrides}/history?member=effective.billingSettings")).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    assert_eq!(history.body["totalCount"], 0, "{}", history.text);

    // By reference, to the top level: the account's default (no billing settings: zeros, source `default`).
    let reference = app.patch(&format!("/customers/{moved}"), json!({"referenceId": "moved-ref"})).await;
    assert_eq!(reference.status, StatusCode::OK, "{}", reference.text);
    let top =
        app.patch("/customers/by-reference/moved-ref", json!({"accountId": account, "parentCustomerId": ""})).await;
    assert_eq!(top.status, StatusCode::OK, "{}", top.text);
    let history = app.get(&format!("/customers/{grandchild}/history?member=effective.billingSettings")).await;
    assert_eq!(history.body["totalCount"], 2, "{}", history.text);
    let newest = &history.body["items"][0];
    assert_eq!(newest["operation"], "PatchCustomerByReference");
    let new = parsed(newest, "newValue");
    assert_eq!(new["sourceKind"], "default");
    assert!(new.get("sourceId").is_none(), "{new}");
}

#[actix_web::test]
async fn a_move_that_changes_no_source_records_no_effective_entry() {
    let app = spawn().await;
    let account = app.account("A").await;
    let first = app.customer(&account, "First", None).await;
    let second = app.customer(&account, "Second", None).await;
    let moved = app.customer(&account, "Moved", Some(&first)).await;
    let child = app.customer(&account, "Child", Some(&moved)).await;
    // The moved customer supplies its billing settings itself: a move changes neither its source nor its child's.
    let set = app.patch(&format!("/customers/{moved}"), billing(4.0)).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    for parent in [json!(second), json!("")] {
        let reply = app.patch(&format!("/customers/{moved}"), json!({"parentCustomerId": parent})).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    for id in [&moved, &child] {
        let history = app.get(&format!("/customers/{id}/history")).await;
        assert_eq!(history.status, StatusCode::OK, "{}", history.text);
        assert!(!members(&history.body).iter().any(|m| m.starts_with("effective.")), "{id}: {}", history.text);
    }
    let history = app.get(&format!("/customers/{moved}/history?member=parentCustomerId")).await;
    assert_eq!(history.body["totalCount"], 3, "created under First, then two moves: {}", history.text);
}

#[actix_web::test]
async fn a_moves_history_costs_the_same_statements_whatever_the_size_of_the_subtree() {
    let app = spawn().await;
    let account = app.account("A").await;
    let from = app.customer(&account, "From", None).await;
    let to = app.customer(&account, "To", None).await;
    let set = app
        .patch(&format!("/customers/{to}"), json!({"overrideAppSettings": true, "appSettings": {"pageTitle": "To"}}))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let mut cost = Vec::new();
    for descendants in [2, 40] {
        let moved = app.customer(&account, "Moved", Some(&from)).await;
        let mut parent = moved.clone();
        for n in 0..descendants {
            // Half a chain, half siblings: depth and breadth both.
            let child = app.customer(&account, &format!("Below {n}"), Some(&parent)).await;
            if n % 2 == 0 {
                parent = child;
            }
        }
        let before = app.store.statements_executed();
        let reply = app.patch(&format!("/customers/{moved}"), json!({"parentCustomerId": to})).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        cost.push(app.store.statements_executed() - before);
        let changed = app.get(&format!("/customers/{parent}/history?member=effective.appSettings")).await;
        assert_eq!(changed.body["totalCount"], 1, "{}", changed.text);
    }
    assert_eq!(cost[0], cost[1], "statements of a move with 2 and with 40 descendants");
}

#[actix_web::test]
async fn a_customer_user_sees_the_effective_values_of_a_move_but_not_sources_above_its_reach() {
    let app = spawn().await;
    let account = app.account("A").await;
    let reseller = app.customer(&account, "Reseller", None).await;
    let set = app.patch(&format!("/customers/{reseller}"), billing(2.0)).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let own = app.customer(&account, "Own", Some(&reseller)).await;
    let pricing = app.customer(&account, "Pricing", Some(&own)).await;
    let set = app.patch(&format!("/customers/{pricing}"), billing(3.0)).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let leaf = app.customer(&account, "Leaf", Some(&pricing)).await;
    let mut user = new_user("customer-user", &[Role::Customer]);
    user.customer_ids = vec![own.clone()];
    user.manager_access = ManagerAccess::ReadWriteDelete;
    let customer_user = format!("Bearer {}", user_with_key(&app.store, user));
    let auth = [("Authorization", customer_user.as_str())];

    // The user moves the leaf from under its priced customer to its own: the price now comes from the reseller.
    let moved =
        app.request(Method::PATCH, &format!("/customers/{leaf}"), Some(json!({"parentCustomerId": own})), &auth).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let uri = format!("/customers/{leaf}/history?member=effective.billingSettings");
    let seen = app.request(Method::GET, &uri, None, &auth).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
    let entry = &seen.body["items"][0];
    assert_eq!(entry["userName"], "customer-user");
    assert_eq!(parsed(entry, "oldValue")["sourceId"], pricing.as_str(), "within its reach: named");
    let new = parsed(entry, "newValue");
    assert_eq!(new["sourceKind"], "customer");
    assert_eq!(new["value"]["base"]["baseCost"], 2.0, "the value still shows");
    assert!(new.get("sourceId").is_none(), "the reseller above its reach stays unnamed: {new}");
    // An administrator sees the source.
    let admin = app.get(&uri).await;
    assert_eq!(parsed(&admin.body["items"][0], "newValue")["sourceId"], reseller.as_str());
}

/// More affected customers than one history INSERT takes (1,000 rows): every one still gets its entry, in the
/// move's one change.
#[actix_web::test]
async fn a_move_that_changes_more_customers_than_one_insert_takes_records_every_one() {
    use canopy_domain::{access::Reach, patch::CustomerChanges, AppSettings};
    use canopy_store::{Actor, HistoryQuery, NewCustomer};

    let app = spawn().await;
    let account = app.account("A").await;
    let actor = Actor::named("setup");
    let create = |name: &str, changes: CustomerChanges| {
        let new = NewCustomer { id: None, account_id: account.clone(), name: name.to_owned(), fields: changes };
        app.store.create_customer(new, &actor, &Reach::Everything, None).expect("creates").0.id
    };
    let titled = CustomerChanges {
        override_app_settings: Some(true),
        app_settings: Some(AppSettings { page_title: Some("Portal".into()), ..AppSettings::default() }),
        ..CustomerChanges::default()
    };
    let target = create("Target", titled);
    let moved = create("Moved", CustomerChanges::default());
    let under_moved = CustomerChanges { parent_customer_id: Some(moved.clone()), ..CustomerChanges::default() };
    let descendants: Vec<String> = (0..1_000).map(|n| create(&format!("Below {n}"), under_moved.clone())).collect();

    let reply = app.patch(&format!("/customers/{moved}"), json!({"parentCustomerId": target})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let effective_entries = |id: &str| {
        let query = HistoryQuery {
            customer_id: id.to_owned(),
            reach: Reach::Everything,
            from: None,
            to: None,
            member: Some("effective.appSettings".into()),
            paging: canopy_domain::listing::Paging::All,
        };
        app.store.customer_history(&query).expect("history").0
    };
    let moved_entries = effective_entries(&moved);
    assert_eq!(moved_entries.len(), 1);
    let change_id = &moved_entries[0].change_id;
    for id in &descendants {
        let entries = effective_entries(id);
        assert_eq!(entries.len(), 1, "customer {id}");
        assert_eq!(&entries[0].change_id, change_id, "customer {id}");
    }
}

/// A patch that moves a customer and sets its own settings is one change: its effective entries compare before and
/// after the whole patch.
#[actix_web::test]
async fn a_move_that_also_sets_the_customers_own_settings_records_the_effective_values_after_both() {
    let app = spawn().await;
    let account = app.account("A").await;
    let (old_parent, new_parent) = two_parents_billing_2_and_3(&app, &account).await;
    let moved = app.customer(&account, "Moved", Some(&old_parent)).await;
    let child = app.customer(&account, "Child", Some(&moved)).await;
    let mut body = billing(7.0);
    body["parentCustomerId"] = json!(new_parent);
    let reply = app.patch(&format!("/customers/{moved}"), body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    for id in [&moved, &child] {
        let history = app.get(&format!("/customers/{id}/history?member=effective.billingSettings")).await;
        assert_eq!(history.body["totalCount"], 1, "{id}: {}", history.text);
        let entry = &history.body["items"][0];
        assert_eq!(parsed(entry, "oldValue")["sourceId"], old_parent.as_str());
        let new = parsed(entry, "newValue");
        assert_eq!(
            (new["sourceId"].as_str(), new["value"]["base"]["baseCost"].as_f64()),
            (Some(moved.as_str()), Some(7.0))
        );
    }
}
