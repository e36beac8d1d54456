//! The access matrix: every route, every role, against the caller's own customer, a descendant, a sibling, a
//! customer of another account and a nonexistent one. Statuses are exact, and nothing out of scope appears in any
//! body, list, total count or CSV export.

use actix_web::http::{Method, StatusCode};
use canopy_domain::{ManagerAccess, Role};
use serde_json::json;

use crate::support::{new_user, spawn, user_with_key};

struct World {
    a: String,
    b: String,
    own: String,
    descendant: String,
    leaf: String,
    sibling: String,
    other: String,
}

const NONEXISTENT: &str = "no-such-customer";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Admin,
    ManagerOfA,
    ReadOnlyManagerOfA,
    ManagerOfParentAccount,
    CustomerUser,
}

const EVERYONE: [Who; 5] =
    [Who::Admin, Who::ManagerOfA, Who::ReadOnlyManagerOfA, Who::ManagerOfParentAccount, Who::CustomerUser];

#[actix_web::test]
async fn every_route_answers_every_role_exactly_and_leaks_nothing() {
    let app = spawn().await;
    // Accounts: P over A; B apart. Customers: own (linked to the Customer user) > descendant > leaf; sibling in A;
    // other in B.
    let p = app.post("/accounts", json!({"name": "P"})).await.body["id"].as_str().unwrap_or("").to_owned();
    let a = app.post("/accounts", json!({"name": "A", "parentAccountId": p})).await.body["id"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let b = app.account("B").await;
    for account in [&a] {
        app.patch(&format!("/system/settings?accountId={account}"), json!({"tags": [{"id": "vip", "name": "VIP"}]}))
            .await;
    }
    app.patch(&format!("/system/settings?accountId={b}"), json!({"tags": [{"id": "b-only", "name": "B"}]})).await;
    let own = app.customer(&a, "Own", None).await;
    let descendant = app.customer(&a, "Descendant", Some(&own)).await;
    let leaf = app.customer(&a, "Leaf", Some(&descendant)).await;
    let sibling = app.customer(&a, "Sibling", None).await;
    let other = app.customer(&b, "Other", None).await;
    let w = World { a: a.clone(), b: b.clone(), own, descendant, leaf, sibling, other };

    let key_of = |who: Who| -> String {
        let mut user = new_user(&format!("{who:?}").to_lowercase(), &[]);
        match who {
            Who::Admin => user.roles = vec![Role::SystemAdministrator],
            Who::ManagerOfA | Who::ReadOnlyManagerOfA => {
                user.roles = vec![Role::Manager];
                user.account_ids = vec![a.clone()];
                user.manager_access =
                    if who == Who::ManagerOfA { ManagerAccess::ReadWriteDelete } else { ManagerAccess::ReadOnly };
            }
            Who::ManagerOfParentAccount => {
                user.roles = vec![Role::Manager];
                user.account_ids = vec![p.clone()];
                user.manager_access = ManagerAccess::ReadWrite;
            }
            Who::CustomerUser => {
                user.roles = vec![Role::Customer];
                user.customer_ids = vec![w.own.clone()];
            }
        }
        user_with_key(&app.store, user)
    };
    let keys: Vec<(Who, String)> = EVERYONE.iter().map(|who| (*who, key_of(*who))).collect();

    for (who, key) in &keys {
        let who = *who;
        let auth = format!("Bearer {key}");
        let call = |method: Method, uri: String, body: Option<serde_json::Value>| {
            let auth = auth.clone();
            let app = &app;
            async move { app.request(method, &uri, body, &[("Authorization", &auth)]).await }
        };
        let visible: Vec<&String> = match who {
            Who::Admin => vec![&w.own, &w.descendant, &w.leaf, &w.sibling, &w.other],
            Who::ManagerOfA | Who::ReadOnlyManagerOfA | Who::ManagerOfParentAccount => {
                vec![&w.own, &w.descendant, &w.leaf, &w.sibling]
            }
            Who::CustomerUser => vec![&w.own, &w.descendant, &w.leaf],
        };
        let can_write = who != Who::ReadOnlyManagerOfA;
        let can_delete = matches!(who, Who::Admin | Who::ManagerOfA | Who::CustomerUser);

        // Lists, totals and exports hold exactly what is visible.
        let list = call(Method::GET, "/customers?all=true".into(), None).await;
        let mut ids = list.ids();
        ids.sort();
        let mut expected: Vec<String> = visible.iter().map(|s| (*s).clone()).collect();
        expected.sort();
        assert_eq!(ids, expected, "{who:?} list");
        assert_eq!(list.body["totalCount"], expected.len(), "{who:?} total");
        let page = call(Method::GET, "/customers?countPerPage=2".into(), None).await;
        assert_eq!(page.body["totalCount"], expected.len(), "{who:?} paged total");
        // A stream reads tags and names its own way and is redacted by the export loop, not by the page's reply:
        // for every caller, its customers are a page's, whole.
        let whole_page = call(Method::GET, "/customers?countPerPage=100".into(), None).await;
        assert_eq!(list.body["items"], whole_page.body["items"], "{who:?}: a stream's customers are a page's");
        let csv = call(Method::GET, "/customers.csv?all=true".into(), None).await;
        for hidden in
            [&w.own, &w.descendant, &w.leaf, &w.sibling, &w.other].into_iter().filter(|id| !visible.contains(id))
        {
            assert!(!csv.text.contains(hidden.as_str()), "{who:?} CSV shows {hidden}");
            assert!(!list.text.contains(hidden.as_str()), "{who:?} list shows {hidden}");
        }
        let effective = call(Method::GET, "/customers?all=true&includeEffective=true".into(), None).await;
        assert_eq!(effective.ids().len(), expected.len(), "{who:?} effective list");

        // Single customers: visible → 200; anything else, existing or not → 404, indistinguishably.
        for target in [&w.own, &w.descendant, &w.sibling, &w.other, &NONEXISTENT.to_owned()] {
            let seen = visible.contains(&target);
            for uri in [
                format!("/customers/{target}"),
                format!("/customers/{target}/inherited-billing-settings"),
                format!("/customers/{target}/inherited-app-settings"),
                format!("/customers/{target}/inherited-schedule"),
            ] {
                let reply = call(Method::GET, uri.clone(), None).await;
                let expected = if seen { StatusCode::OK } else { StatusCode::NOT_FOUND };
                assert_eq!(reply.status, expected, "{who:?} GET {uri}: {}", reply.text);
                if !seen {
                    assert_eq!(reply.body["responseStatus"]["message"], format!("Customer '{target}' was not found"));
                }
            }
            let tested = call(
                Method::POST,
                format!("/customers/{target}/test-schedule"),
                Some(json!({"dateTime": "2026-01-01T10:00:00"})),
            )
            .await;
            assert_eq!(
                tested.status,
                if seen { StatusCode::OK } else { StatusCode::NOT_FOUND },
                "{who:?} test-schedule {target}"
            );

            // A rename: 404 out of scope, 403 for a read-only manager, else 200.
            let rename = call(
                Method::PATCH,
                format!("/customers/{target}"),
                Some(json!({"name": format!("Renamed by {who:?}")})),
            )
            .await;
            let expected = match (seen, can_write) {
                (false, _) => StatusCode::NOT_FOUND,
                (true, false) => StatusCode::FORBIDDEN,
                (true, true) => StatusCode::OK,
            };
            assert_eq!(rename.status, expected, "{who:?} PATCH {target}: {}", rename.text);

            let staging =
                call(Method::POST, format!("/customers/{target}/staging"), Some(json!({"isStaging": false}))).await;
            assert_eq!(staging.status, expected, "{who:?} staging {target}");

            // Deletion with a stale If-Match: passing every guard ends in 412, so nothing is deleted here.
            let app_ref = &app;
            let delete = app_ref
                .request(
                    Method::DELETE,
                    &format!("/customers/{target}"),
                    None,
                    &[("Authorization", &auth), ("If-Match", "\"0\"")],
                )
                .await;
            let linked_root = who == Who::CustomerUser && *target == w.own;
            let expected = match (seen, can_delete && !linked_root) {
                (false, _) => StatusCode::NOT_FOUND,
                (true, false) => StatusCode::FORBIDDEN,
                (true, true) => StatusCode::PRECONDITION_FAILED,
            };
            assert_eq!(delete.status, expected, "{who:?} DELETE {target}: {}", delete.text);
        }

        // Field rule: a customer user may not change billing, override flags or parent of its own customer.
        if who == Who::CustomerUser {
            for body in [
                json!({"overrideBillingSettings": true}),
                json!({"billingSettings": {"base": {"baseCost": 1}}}),
                json!({"overrideAppSettings": true}),
                json!({"parentCustomerId": w.sibling}),
            ] {
                let reply = call(Method::PATCH, format!("/customers/{}", w.own), Some(body.clone())).await;
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "{body}: {}", reply.text);
                assert_eq!(reply.error_code(), "Forbidden");
            }
            let allowed = call(
                Method::PATCH,
                format!("/customers/{}", w.descendant),
                Some(json!({"overrideBillingSettings": true})),
            )
            .await;
            assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text);
            let top_level =
                call(Method::PATCH, format!("/customers/{}", w.leaf), Some(json!({"parentCustomerId": ""}))).await;
            assert_eq!(top_level.status, StatusCode::FORBIDDEN, "leaving the subtree: {}", top_level.text);
        }

        // Filters and write targets naming ids out of scope: 403 whether they exist or not.
        let outside_account = [w.b.as_str(), "no-such-account"];
        for account in outside_account {
            let reply = call(Method::GET, format!("/customers?accountIds={account}"), None).await;
            let expected = if who == Who::Admin { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(reply.status, expected, "{who:?} accountIds={account}");
        }
        for parent in [w.sibling.as_str(), w.other.as_str(), NONEXISTENT] {
            let in_scope = visible.iter().any(|v| v.as_str() == parent);
            let reply = call(Method::GET, format!("/customers?parentCustomerIds={parent}"), None).await;
            let expected = if who == Who::Admin || in_scope { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(reply.status, expected, "{who:?} parentCustomerIds={parent}");
            if can_write {
                let moved =
                    call(Method::PATCH, format!("/customers/{}", w.leaf), Some(json!({"parentCustomerId": parent})))
                        .await;
                // Another account or a missing parent is the administrator's mistake (400); for anyone else,
                // a parent out of reach is forbidden, existing or not.
                let expected = if in_scope && parent != w.other {
                    StatusCode::OK
                } else if who == Who::Admin {
                    StatusCode::BAD_REQUEST
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(moved.status, expected, "{who:?} move under {parent}: {}", moved.text);
                if moved.status == StatusCode::OK {
                    let back = call(
                        Method::PATCH,
                        format!("/customers/{}", w.leaf),
                        Some(json!({"parentCustomerId": w.descendant})),
                    )
                    .await;
                    assert_eq!(back.status, StatusCode::OK, "{who:?} move back: {}", back.text);
                }
            }
        }
        let tags = call(Method::GET, "/customers?tagIds=b-only".into(), None).await;
        assert_eq!(
            tags.status,
            if who == Who::Admin { StatusCode::OK } else { StatusCode::FORBIDDEN },
            "{who:?} tagIds"
        );

        // Accounts and system settings.
        let reach_a = true;
        let reach_b = who == Who::Admin;
        for (account, reached) in [(&w.a, reach_a), (&w.b, reach_b), (&"no-such-account".to_owned(), false)] {
            let get = call(Method::GET, format!("/accounts/{account}"), None).await;
            let exists = account != "no-such-account";
            let expected = if reached && exists { StatusCode::OK } else { StatusCode::NOT_FOUND };
            assert_eq!(get.status, expected, "{who:?} GET account {account}");
            let patch =
                call(Method::PATCH, format!("/accounts/{account}"), Some(json!({"name": format!("{account}")}))).await;
            let expected = match (reached, who) {
                (false, _) => StatusCode::NOT_FOUND,
                (true, Who::Admin) if exists => StatusCode::OK,
                (true, Who::Admin) => StatusCode::NOT_FOUND,
                (true, _) => StatusCode::FORBIDDEN,
            };
            assert_eq!(patch.status, expected, "{who:?} PATCH account {account}");
            let settings = call(Method::GET, format!("/system/settings?accountId={account}"), None).await;
            let expected = if reached && exists { StatusCode::OK } else { StatusCode::NOT_FOUND };
            assert_eq!(settings.status, expected, "{who:?} GET settings {account}");
            let write = call(
                Method::PATCH,
                format!("/system/settings?accountId={account}"),
                Some(json!({"customerFields": []})),
            )
            .await;
            let expected = match (reached, who) {
                (false, _) => StatusCode::NOT_FOUND,
                (true, _) if !exists => StatusCode::NOT_FOUND,
                (true, Who::Admin | Who::ManagerOfA | Who::ManagerOfParentAccount) => StatusCode::OK,
                (true, _) => StatusCode::FORBIDDEN,
            };
            assert_eq!(write.status, expected, "{who:?} PATCH settings {account}: {}", write.text);
        }
        let delete_account = call(Method::DELETE, format!("/accounts/{}", w.b), None).await;
        let expected = match who {
            Who::Admin => StatusCode::CONFLICT, // it still holds customers: every guard passed
            _ => StatusCode::NOT_FOUND,
        };
        assert_eq!(delete_account.status, expected, "{who:?} DELETE account B");
        let delete_own_account = call(Method::DELETE, format!("/accounts/{}", w.a), None).await;
        let expected = if who == Who::Admin { StatusCode::CONFLICT } else { StatusCode::FORBIDDEN };
        assert_eq!(delete_own_account.status, expected, "{who:?} DELETE account A");
        let accounts = call(Method::GET, "/accounts".into(), None).await;
        let listed = accounts.ids();
        assert_eq!(listed.contains(&w.b), reach_b, "{who:?} accounts list");
        let new_account = call(Method::POST, "/accounts".into(), Some(json!({"name": "Another"}))).await;
        assert_eq!(new_account.status, if who == Who::Admin { StatusCode::OK } else { StatusCode::FORBIDDEN });
    }

    // Creating last, so that what it adds does not change the lists above.
    for (who, key) in &keys {
        let who = *who;
        let auth = format!("Bearer {key}");
        let call = |method: Method, uri: String, body: Option<serde_json::Value>| {
            let auth = auth.clone();
            let app = &app;
            async move { app.request(method, &uri, body, &[("Authorization", &auth)]).await }
        };
        let can_write = who != Who::ReadOnlyManagerOfA;
        // Creating: in the caller's account (managers) or under its subtree (customer users).
        let in_a = call(Method::POST, "/customers".into(), Some(json!({"accountId": w.a, "name": "New in A"}))).await;
        let expected = match who {
            Who::ReadOnlyManagerOfA | Who::CustomerUser => StatusCode::FORBIDDEN,
            _ => StatusCode::OK,
        };
        assert_eq!(in_a.status, expected, "{who:?} create in A: {}", in_a.text);
        let below = call(
            Method::POST,
            "/customers".into(),
            Some(json!({"accountId": w.a, "name": "Below", "parentCustomerId": w.descendant})),
        )
        .await;
        assert_eq!(
            below.status,
            if can_write { StatusCode::OK } else { StatusCode::FORBIDDEN },
            "{who:?} create below: {}",
            below.text
        );
        let in_b = call(Method::POST, "/customers".into(), Some(json!({"accountId": w.b, "name": "New in B"}))).await;
        let expected = match who {
            Who::Admin => StatusCode::OK,
            _ => StatusCode::FORBIDDEN,
        };
        assert_eq!(in_b.status, expected, "{who:?} create in B: {}", in_b.text);
    }
}

#[actix_web::test]
async fn a_customer_user_sees_nothing_above_the_customer_it_is_linked_to() {
    let app = spawn().await;
    let parent_account =
        app.post("/accounts", json!({"name": "Upstream Account", "billingSettings": {"base": {"baseCost": 7}}})).await;
    let parent_account = parent_account.body["id"].as_str().unwrap_or("").to_owned();
    let a = app.post("/accounts", json!({"name": "A", "parentAccountId": parent_account})).await.body["id"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let top = app.customer(&a, "Secret Reseller", None).await;
    app.patch(&format!("/customers/{top}"), json!({"overrideBillingSettings": true, "billingSettings": {"base": {"baseCost": 9}}, "schedule": {"timeZoneId": "Europe/Brussels", "defaultState": "Open"}})).await;
    let linked = app.customer(&a, "Linked", Some(&top)).await;
    let below = app.customer(&a, "Below", Some(&linked)).await;
    let mut user = new_user("linked-user", &[Role::Customer]);
    user.customer_ids = vec![linked.clone()];
    let key = user_with_key(&app.store, user);
    let auth = format!("Bearer {key}");
    let mut bodies = Vec::new();
    for uri in [
        format!("/customers/{linked}"),
        format!("/customers/{below}"),
        "/customers?all=true".to_owned(),
        "/customers?countPerPage=5".to_owned(),
        "/customers.csv?all=true".to_owned(),
        "/customers?all=true&format=jsv".to_owned(),
        "/customers?includeEffective=true".to_owned(),
        format!("/customers/{below}/inherited-billing-settings"),
        format!("/customers/{below}/inherited-schedule"),
        format!("/customers/{linked}/inherited-app-settings"),
        format!("/accounts/{a}"),
        "/accounts".to_owned(),
        "/auth/status".to_owned(),
    ] {
        let reply = app.request(Method::GET, &uri, None, &[("Authorization", &auth)]).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text);
        bodies.push((uri, reply));
    }
    for (uri, reply) in &bodies {
        assert!(!reply.text.contains(&top), "{uri} names the customer above: {}", reply.text);
        assert!(!reply.text.contains("Secret Reseller"), "{uri} shows the name above: {}", reply.text);
        assert!(!reply.text.contains(&parent_account), "{uri} names the parent account: {}", reply.text);
    }
    // The values still apply (they are what the customer is billed by); only their out-of-reach source is unnamed.
    let billing = &bodies[7].1.body;
    assert_eq!(billing["billingSettings"]["base"]["baseCost"], 9);
    assert_eq!(billing["sourceKind"], "customer");
    assert!(billing.get("sourceId").is_none());
    let crumbs = &bodies[1].1.body["breadcrumb"];
    assert_eq!(crumbs, &json!([{"id": linked, "name": "Linked"}]));
    assert!(bodies[0].1.body.get("parentCustomerId").is_none());
    // Its top level is its own customer: what it is answered without a parent.
    let top_level = app.request(Method::GET, "/customers?topLevelOnly=true", None, &[("Authorization", &auth)]).await;
    assert_eq!(top_level.ids(), vec![linked.clone()], "{}", top_level.text);
    // Writes answer the customer too, redacted the same way (staging once answered it whole).
    for (method, uri, body) in [
        (Method::PATCH, format!("/customers/{linked}"), json!({"name": "Linked"})),
        (Method::POST, format!("/customers/{linked}/staging"), json!({"isStaging": true})),
    ] {
        let reply = app.request(method, &uri, Some(body), &[("Authorization", &auth)]).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text);
        assert!(!reply.text.contains(&top), "{uri} names the customer above: {}", reply.text);
        assert!(!reply.text.contains("Secret Reseller"), "{uri} shows the name above: {}", reply.text);
    }
}
