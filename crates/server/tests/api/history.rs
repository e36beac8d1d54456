//! ListCustomerHistory and the recording behind it: every kind of change recorded with its old and new values
//! (and nothing for a change without effect), newest first, paged, filtered, in CSV, and scoped like the customer
//! itself — except that a deleted customer's history stays readable by administrators and its account's managers.

use actix_web::http::{Method, StatusCode};
use canopy_domain::{ManagerAccess, Role};
use serde_json::{json, Value};

use crate::support::{new_user, spawn, user_with_key};

/// The rows of one history page as (operation, member, oldValue, newValue).
fn rows(body: &Value) -> Vec<(String, String, Option<String>, Option<String>)> {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {body}"))
        .iter()
        .map(|e| {
            (
                text(&e["operation"]).unwrap_or_default(),
                text(&e["member"]).unwrap_or_default(),
                text(&e["oldValue"]),
                text(&e["newValue"]),
            )
        })
        .collect()
}

fn row(
    operation: &str,
    member: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> (String, String, Option<String>, Option<String>) {
    (operation.to_owned(), member.to_owned(), old.map(str::to_owned), new.map(str::to_owned))
}

#[actix_web::test]
async fn every_kind_of_change_is_recorded_with_its_values_newest_first() {
    let app = spawn().await;
    let account = app.account("A").await;
    let parent = app.customer(&account, "Parent", None).await;
    let created = app
        .request(
            Method::POST,
            "/customers",
            Some(json!({"accountId": account, "name": "Acme", "tagIds": ["vip"]})),
            &[("X-Request-Id", "req-create-1")],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let id = created.body["id"].as_str().unwrap_or_default().to_owned();
    let history = app.get(&format!("/customers/{id}/history")).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    assert_eq!(
        rows(&history.body),
        [row("NewCustomer", "name", None, Some("\"Acme\"")), row("NewCustomer", "tagIds", None, Some("[\"vip\"]"))]
    );
    let first = &history.body["items"][0];
    assert_eq!(first["customerId"], id.as_str());
    assert_eq!(first["accountId"], account.as_str());
    assert_eq!(first["userName"], "test-admin");
    assert!(first["userId"].as_str().is_some_and(|u| !u.is_empty()), "{first}");
    assert_eq!(first["requestId"], "req-create-1");
    assert!(first["changedAt"].as_str().is_some_and(|t| t.ends_with('Z') && t.len() == 27), "{first}");
    assert_eq!(history.body["totalCount"], 2);

    // A patch, a move, staging: each its own change, the newest first.
    let patched = app
        .patch(
            &format!("/customers/{id}"),
            json!({"name": "Acme Corp", "referenceId": "r-1", "tagIds": ["vip", "trial"]}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    let moved = app.patch(&format!("/customers/{id}"), json!({"parentCustomerId": parent})).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let staged = app.post(&format!("/customers/{id}/staging"), json!({"isStaging": true})).await;
    assert_eq!(staged.status, StatusCode::OK, "{}", staged.text);
    let history = app.get(&format!("/customers/{id}/history")).await;
    let parent_json = format!("\"{parent}\"");
    assert_eq!(
        rows(&history.body),
        [
            row("SetCustomerStagingMode", "isStaging", Some("false"), Some("true")),
            row("PatchCustomer", "parentCustomerId", None, Some(&parent_json)),
            row("PatchCustomer", "name", Some("\"Acme\""), Some("\"Acme Corp\"")),
            row("PatchCustomer", "referenceId", None, Some("\"r-1\"")),
            row("PatchCustomer", "tagIds", Some("[\"vip\"]"), Some("[\"vip\",\"trial\"]")),
            row("NewCustomer", "name", None, Some("\"Acme\"")),
            row("NewCustomer", "tagIds", None, Some("[\"vip\"]")),
        ]
    );
    // Clearing is recorded as a change to nothing; a move back to the top as the parent going.
    let cleared = app.patch(&format!("/customers/{id}"), json!({"referenceId": "", "parentCustomerId": ""})).await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.text);
    let history = app.get(&format!("/customers/{id}/history?countPerPage=2")).await;
    assert_eq!(
        rows(&history.body),
        [
            row("PatchCustomer", "parentCustomerId", Some(&parent_json), None),
            row("PatchCustomer", "referenceId", Some("\"r-1\""), None),
        ]
    );

    // The delete records what the customer had, and its history outlives it.
    let deleted = app.delete(&format!("/customers/{id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let history = app.get(&format!("/customers/{id}/history?member=name")).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    assert_eq!(
        rows(&history.body),
        [
            row("DeleteCustomer", "name", Some("\"Acme Corp\""), None),
            row("PatchCustomer", "name", Some("\"Acme\""), Some("\"Acme Corp\"")),
            row("NewCustomer", "name", None, Some("\"Acme\"")),
        ]
    );
}

#[actix_web::test]
async fn a_change_without_effect_records_nothing() {
    let app = spawn().await;
    let account = app.account("A").await;
    let id = app.customer(&account, "Same", None).await;
    let before = app.get(&format!("/customers/{id}/history")).await;
    assert_eq!(before.body["totalCount"], 1);
    for body in [json!({"name": "Same"}), json!({}), json!({"tagIds": []}), json!({"referenceId": ""})] {
        let reply = app.patch(&format!("/customers/{id}"), body.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{body}: {}", reply.text);
    }
    app.post(&format!("/customers/{id}/staging"), json!({"isStaging": false})).await;
    let after = app.get(&format!("/customers/{id}/history")).await;
    assert_eq!(after.body["totalCount"], 1, "{}", after.text);
    // A refused change records nothing either.
    let refused = app.patch(&format!("/customers/{id}"), json!({"tagIds": ["no-such-tag"]})).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get(&format!("/customers/{id}/history")).await.body["totalCount"], 1);
}

#[actix_web::test]
async fn history_pages_newest_first_and_filters_by_time_and_member() {
    let app = spawn().await;
    let account = app.account("A").await;
    let id = app.customer(&account, "N0", None).await;
    for n in 1..=5 {
        let reply = app.patch(&format!("/customers/{id}"), json!({"name": format!("N{n}")})).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let new_names = |body: &Value| -> Vec<String> {
        rows(body).into_iter().map(|(_, _, _, new)| new.unwrap_or_default()).collect()
    };
    let page = app.get(&format!("/customers/{id}/history?countPerPage=2&page=1")).await;
    assert_eq!(new_names(&page.body), ["\"N3\"", "\"N2\""]);
    assert_eq!((page.body["totalCount"].as_u64(), page.body["totalPages"].as_u64()), (Some(6), Some(3)));
    assert_eq!(page.body["hasMorePages"], true);
    let last = app.get(&format!("/customers/{id}/history?countPerPage=2&page=2")).await;
    assert_eq!(new_names(&last.body), ["\"N1\"", "\"N0\""]);
    assert_eq!(last.body["hasMorePages"], false);
    let simplified = app.get(&format!("/customers/{id}/history?countPerPage=4&simplifiedPaging=true")).await;
    assert_eq!(new_names(&simplified.body).len(), 4);
    assert!(simplified.body.get("totalCount").is_none());
    assert_eq!(simplified.body["hasMorePages"], true);

    // By time: the instants of the changes themselves bound the window (from inclusive, to exclusive).
    let all = app.get(&format!("/customers/{id}/history?all=true")).await;
    let at: Vec<String> = all.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["changedAt"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(at.len(), 6);
    let window = app.get(&format!("/customers/{id}/history?from={}&to={}", at[4], at[1])).await;
    assert_eq!(new_names(&window.body), ["\"N3\"", "\"N2\"", "\"N1\""]);
    let future = app.get(&format!("/customers/{id}/history?from=2999-01-01")).await;
    assert_eq!(future.body["totalCount"], 0);
    let past = app.get(&format!("/customers/{id}/history?to=2000-01-01T00:00:00%2B02:00")).await;
    assert_eq!(past.body["totalCount"], 0);

    // By member.
    app.post(&format!("/customers/{id}/staging"), json!({"isStaging": true})).await;
    let staging = app.get(&format!("/customers/{id}/history?member=isStaging")).await;
    assert_eq!(rows(&staging.body), [row("SetCustomerStagingMode", "isStaging", Some("false"), Some("true"))]);
    assert_eq!(app.get(&format!("/customers/{id}/history?member=name")).await.body["totalCount"], 6);
    assert_eq!(app.get(&format!("/customers/{id}/history?member=nothing")).await.body["totalCount"], 0);
}

#[actix_web::test]
async fn bad_history_requests_are_400s_naming_the_field() {
    let app = spawn().await;
    let account = app.account("A").await;
    let id = app.customer(&account, "C", None).await;
    for (query, field) in
        [("from=yesterday", "from"), ("to=2026-13-40", "to"), ("countPerPage=-1", "countPerPage"), ("page=x", "page")]
    {
        let reply = app.get(&format!("/customers/{id}/history?{query}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}: {}", reply.text);
        assert_eq!(reply.field_error().0, field, "{query}: {}", reply.text);
        assert!(!reply.body["responseStatus"]["message"].as_str().unwrap_or("").is_empty());
    }
    assert_eq!(app.get("/customers/no-such-customer/history").await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn history_is_served_in_jsv_and_csv_with_declared_columns() {
    let app = spawn().await;
    let account = app.account("A").await;
    let id = app.customer(&account, "Comma, Inc", None).await;
    let csv = app.get(&format!("/customers/{id}/history.csv")).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    let mut lines = csv.text.lines();
    assert_eq!(
        lines.next(),
        Some("changeId,customerId,accountId,changedAt,userId,userName,requestId,operation,member,oldValue,newValue")
    );
    let row = lines.next().unwrap_or_default();
    assert!(row.contains(",NewCustomer,name,,\"\"\"Comma, Inc\"\"\""), "{row}");
    // An empty page still has its header.
    let empty = app.get(&format!("/customers/{id}/history.csv?member=nothing")).await;
    assert_eq!(empty.text.lines().count(), 1, "{}", empty.text);
    let jsv = app.get(&format!("/customers/{id}/history?format=jsv")).await;
    assert_eq!(jsv.status, StatusCode::OK);
    assert!(jsv.text.starts_with("{items:[{changeId:"), "{}", jsv.text);
    let reply = app.get(&format!("/json/reply/ListCustomerHistory?customerId={id}")).await;
    assert_eq!(reply.body["totalCount"], 1, "{}", reply.text);
}

#[actix_web::test]
async fn history_has_the_customers_scope_and_a_deleted_customers_stays_with_its_account() {
    let app = spawn().await;
    let a = app.account("A").await;
    let b = app.account("B").await;
    let own = app.customer(&a, "Own", None).await;
    let child = app.customer(&a, "Child", Some(&own)).await;
    let sibling = app.customer(&a, "Sibling", None).await;
    let other = app.customer(&b, "Other", None).await;
    let key = |name: &str, roles: &[Role], accounts: &[&String], customers: &[&String]| {
        let mut user = new_user(name, roles);
        user.account_ids = accounts.iter().map(|s| (*s).clone()).collect();
        user.customer_ids = customers.iter().map(|s| (*s).clone()).collect();
        user.manager_access = ManagerAccess::ReadWriteDelete;
        format!("Bearer {}", user_with_key(&app.store, user))
    };
    let manager_a = key("manager-a", &[Role::Manager], &[&a], &[]);
    let manager_b = key("manager-b", &[Role::Manager], &[&b], &[]);
    let customer_user = key("customer-user", &[Role::Customer], &[], &[&own]);
    let status = |who: String, id: String| {
        let app = &app;
        async move {
            app.request(Method::GET, &format!("/customers/{id}/history"), None, &[("Authorization", &who)]).await.status
        }
    };
    assert_eq!(status(manager_a.clone(), own.clone()).await, StatusCode::OK);
    assert_eq!(status(manager_b.clone(), own.clone()).await, StatusCode::NOT_FOUND);
    assert_eq!(status(manager_b.clone(), other.clone()).await, StatusCode::OK);
    assert_eq!(status(customer_user.clone(), own.clone()).await, StatusCode::OK);
    assert_eq!(status(customer_user.clone(), child.clone()).await, StatusCode::OK);
    assert_eq!(status(customer_user.clone(), sibling.clone()).await, StatusCode::NOT_FOUND);
    assert_eq!(status(customer_user.clone(), other.clone()).await, StatusCode::NOT_FOUND);

    // A Customer user never learns the parent above its own customer from a move's record.
    let top = app.customer(&a, "Top", None).await;
    app.patch(&format!("/customers/{own}"), json!({"parentCustomerId": top})).await;
    let seen = app
        .request(
            Method::GET,
            &format!("/customers/{own}/history?member=parentCustomerId"),
            None,
            &[("Authorization", &customer_user)],
        )
        .await;
    assert_eq!(seen.body["totalCount"], 1, "{}", seen.text);
    assert!(!seen.text.contains(&top), "{}", seen.text);
    let admin_view = app.get(&format!("/customers/{own}/history?member=parentCustomerId")).await;
    assert!(admin_view.text.contains(&top), "{}", admin_view.text);

    // Deleted: the administrator and the account's managers still read it; nobody else does.
    let reply =
        app.request(Method::DELETE, &format!("/customers/{child}"), None, &[("Authorization", &manager_a)]).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let deleted = app.get(&format!("/customers/{child}/history")).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert_eq!(deleted.body["items"][0]["operation"], "DeleteCustomer");
    assert_eq!(deleted.body["items"][0]["userName"], "manager-a");
    assert_eq!(status(manager_a.clone(), child.clone()).await, StatusCode::OK);
    assert_eq!(status(manager_b.clone(), child.clone()).await, StatusCode::NOT_FOUND);
    assert_eq!(status(customer_user.clone(), child.clone()).await, StatusCode::NOT_FOUND);
}

#[test]
fn canopy_history_prune_removes_rows_before_a_date_and_says_how_many() {
    let db = crate::support::TestDb::new();
    let store = canopy_store::Store::open(&db.url).expect("opens");
    let fixture_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo");
    let fixture = canopy_server::seed::read_fixture(&fixture_path).expect("demo fixture reads");
    let created = canopy_server::seed::load_fixture(&store, &fixture, &canopy_store::Actor::named("fixture"))
        .expect("demo loads");
    assert!(created > 0);
    let page = |store: &canopy_store::Store| {
        let query = canopy_store::HistoryQuery {
            customer_id: "cus-riverside".into(),
            reach: canopy_domain::access::Reach::Everything,
            from: None,
            to: None,
            member: None,
            paging: canopy_domain::listing::Paging::All,
        };
        store.customer_history(&query).expect("history").0
    };
    assert!(!page(&store).is_empty(), "fixtures are created one by one, and recorded");
    drop(store);
    let prune = |before: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_canopy"))
            .args(["history", "prune", "--before", before, "--database", &db.url])
            .env_remove("CANOPY_HISTORY_RETENTION_DAYS")
            .output()
            .expect("canopy runs")
    };
    let kept = prune("2000-01-01");
    assert!(kept.status.success(), "{}", String::from_utf8_lossy(&kept.stderr));
    assert!(String::from_utf8_lossy(&kept.stdout).starts_with("removed 0 history row(s)"));
    let removed = prune("2999-01-01T00:00:00Z");
    assert!(removed.status.success(), "{}", String::from_utf8_lossy(&removed.stderr));
    let out = String::from_utf8_lossy(&removed.stdout).into_owned();
    let count: usize = out.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(count >= created, "{out}");
    let bad = prune("last tuesday");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--before"), "{}", String::from_utf8_lossy(&bad.stderr));
    let store = canopy_store::Store::open(&db.url).expect("opens");
    assert!(page(&store).is_empty());
    assert!(store.get_customer("cus-riverside", &canopy_domain::access::Reach::Everything).is_ok(), "customers stay");
}
