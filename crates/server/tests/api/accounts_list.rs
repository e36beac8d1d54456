//! ListAccounts: the paging, sorting and simplified-paging contract of ListCustomers, its filters (ids, name,
//! parent accounts, the top of the caller's reach), and a bounded number of statements per page.

use actix_web::http::{Method, StatusCode};
use canopy_domain::{ManagerAccess, Role};
use serde_json::{json, Value};

use crate::support::{new_user, spawn, user_with_key};

/// Accounts: Platform over alpha (over gamma) and Beta; delta and Alpha apart (Alpha ties alpha by name).
struct World {
    platform: String,
    alpha: String,
    beta: String,
    gamma: String,
    delta: String,
    alpha_upper: String,
}

async fn world<S, B>(app: &crate::support::TestApp<S>) -> World
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let create = |name: &'static str, parent: Option<String>| async move {
        let mut body = json!({ "name": name });
        if let Some(parent) = parent {
            body["parentAccountId"] = Value::String(parent);
        }
        let reply = app.post("/accounts", body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.body["id"].as_str().unwrap_or_default().to_owned()
    };
    let platform = create("Platform", None).await;
    let alpha = create("alpha", Some(platform.clone())).await;
    let beta = create("Beta", Some(platform.clone())).await;
    let gamma = create("gamma", Some(alpha.clone())).await;
    let delta = create("delta", None).await;
    let alpha_upper = create("Alpha", None).await;
    World { platform, alpha, beta, gamma, delta, alpha_upper }
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[actix_web::test]
async fn account_filters_narrow_the_list_and_combine() {
    let app = spawn().await;
    let w = world(&app).await;
    let cases: Vec<(String, Vec<&String>)> = vec![
        (format!("parentAccountIds={}", w.platform), vec![&w.alpha, &w.beta, &w.gamma]),
        (format!("parentAccountIds={}&shallowParent=true", w.platform), vec![&w.alpha, &w.beta]),
        (format!("parentAccountIds={},{}", w.alpha, w.delta), vec![&w.gamma]),
        ("parentAccountIds=no-such-account".into(), vec![]),
        ("topLevelOnly=true".into(), vec![&w.platform, &w.delta, &w.alpha_upper]),
        ("TOPLEVELONLY=true&nameFilter=ALPHA".into(), vec![&w.alpha_upper]),
        ("nameFilter=alpha".into(), vec![&w.alpha, &w.alpha_upper]),
        (format!("specificIds={},{}", w.alpha, w.delta), vec![&w.alpha, &w.delta]),
        (format!("parentAccountIds={}&nameFilter=ta", w.platform), vec![&w.beta]),
        (format!("parentAccountIds={}&specificIds={},{}", w.platform, w.gamma, w.delta), vec![&w.gamma]),
    ];
    for (query, expected) in cases {
        let reply = app.get(&format!("/accounts?{query}&all=true")).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(sorted(reply.ids()), sorted(expected), "{query}");
        assert_eq!(reply.body["totalCount"].as_u64(), Some(reply.ids().len() as u64), "{query}");
    }
}

#[actix_web::test]
async fn a_manager_lists_below_and_at_the_top_of_its_own_reach_only() {
    let app = spawn().await;
    let w = world(&app).await;
    let mut manager = new_user("manager", &[Role::Manager]);
    manager.account_ids = vec![w.alpha.clone()];
    manager.manager_access = ManagerAccess::ReadOnly;
    let auth = format!("Bearer {}", user_with_key(&app.store, manager));
    let get = |uri: String| {
        let auth = auth.clone();
        let app = &app;
        async move { app.request(Method::GET, &uri, None, &[("Authorization", auth.as_str())]).await }
    };
    // Its top is its own account: the parent above it is not shown, so alpha is at the top of what it sees.
    let top = get("/accounts?topLevelOnly=true".into()).await;
    assert_eq!(top.ids(), std::slice::from_ref(&w.alpha), "{}", top.text);
    assert_eq!(get(format!("/accounts?parentAccountIds={}", w.alpha)).await.ids(), std::slice::from_ref(&w.gamma));
    for beyond in [w.platform.as_str(), w.delta.as_str(), "no-such-account"] {
        let refused = get(format!("/accounts?parentAccountIds={beyond}")).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{beyond}: {}", refused.text);
        assert_eq!(refused.field_error().0, "parentAccountIds");
    }
    // An id list names nothing beyond reach into the answer.
    let specific = get(format!("/accounts?specificIds={},{}", w.gamma, w.delta)).await;
    assert_eq!(specific.ids(), std::slice::from_ref(&w.gamma));
}

fn sort_value(account: &Value, field: &str) -> (bool, String) {
    match &account[field] {
        Value::Null => (false, String::new()),
        Value::String(s) if field == "name" => (true, s.to_lowercase()),
        Value::String(s) => (true, s.clone()),
        other => (true, other.to_string()),
    }
}

#[actix_web::test]
async fn every_account_sort_field_sorts_both_ways_with_ties_broken_by_id() {
    let app = spawn().await;
    let w = world(&app).await;
    // A later change, so that dateLastModified differs from dateCreated's order.
    let touched = app.patch(&format!("/accounts/{}", w.platform), json!({"name": "Platform 2"})).await;
    assert_eq!(touched.status, StatusCode::OK, "{}", touched.text);
    let all = app.get("/accounts?all=true").await.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(all.len(), 6);
    for field in ["name", "id", "parentAccountId", "dateCreated", "dateLastModified"] {
        for (order, descending) in [("Ascend", false), ("Descend", true)] {
            let mut expected = all.clone();
            expected.sort_by(|x, y| {
                let key = |a: &Value| (sort_value(a, field), a["id"].as_str().unwrap_or("").to_owned());
                key(x).cmp(&key(y))
            });
            if descending {
                expected.reverse();
            }
            let expected: Vec<String> = expected.iter().map(|a| a["id"].as_str().unwrap_or("").to_owned()).collect();
            let upper = field.to_uppercase();
            let reply = app.get(&format!("/accounts?all=true&sortField={upper}&sortOrder={order}")).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            assert_eq!(reply.ids(), expected, "sortField={field} sortOrder={order}");
            // Pages of two partition the same order.
            let mut paged = Vec::new();
            for page in 0..3 {
                let reply =
                    app.get(&format!("/accounts?countPerPage=2&page={page}&sortField={field}&sortOrder={order}")).await;
                assert_eq!(reply.body["totalCount"], 6);
                assert_eq!(reply.body["totalPages"], 3);
                assert_eq!(reply.body["hasMorePages"], page < 2, "{field} {order} page {page}");
                paged.extend(reply.ids());
            }
            assert_eq!(paged, expected, "pages of sortField={field} sortOrder={order}");
        }
    }
    // The default: by name, ignoring case, ties by id.
    let names: Vec<String> = app.get("/accounts").await.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| a["name"].as_str().unwrap_or("").to_lowercase())
        .collect();
    assert_eq!(names, ["alpha", "alpha", "beta", "delta", "gamma", "platform 2"]);
}

#[actix_web::test]
async fn account_lists_refuse_unknown_sort_fields_and_bad_paging_like_customer_lists() {
    let app = spawn().await;
    world(&app).await;
    let bogus = app.get("/accounts?sortField=bogus").await;
    assert_eq!(bogus.status, StatusCode::BAD_REQUEST, "{}", bogus.text);
    assert_eq!(bogus.field_error(), ("sortField", "InvalidSortField"));
    assert_eq!(bogus.error_code(), "InvalidSortField");
    assert_eq!(
        bogus.body["responseStatus"]["message"],
        "'bogus' is not a sortable field; use one of name, id, parentAccountId, dateCreated, dateLastModified"
    );
    let customers_only = app.get("/accounts?sortField=referenceId").await;
    assert_eq!(customers_only.field_error(), ("sortField", "InvalidSortField"));
    for (bad, field) in [
        ("countPerPage=1001", "countPerPage"),
        ("countPerPage=-1", "countPerPage"),
        ("page=-1", "page"),
        ("sortOrder=Sideways", "sortOrder"),
        ("topLevelOnly=maybe", "topLevelOnly"),
    ] {
        let reply = app.get(&format!("/accounts?{bad}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {}", reply.text);
        assert_eq!(reply.field_error().0, field, "{bad}");
    }
    let too_many = (0..1001).map(|i| format!("a{i}")).collect::<Vec<_>>().join(",");
    let reply = app.get(&format!("/accounts?specificIds={too_many}")).await;
    assert_eq!(reply.field_error(), ("specificIds", "Length"));
}

#[actix_web::test]
async fn simplified_account_paging_reports_only_whether_more_pages_follow() {
    let app = spawn().await;
    world(&app).await;
    let first = app.get("/accounts?countPerPage=4&simplifiedPaging=true&sortOrder=Descend").await;
    assert_eq!(first.ids().len(), 4);
    assert_eq!(first.body["hasMorePages"], true);
    assert!(first.body.get("totalCount").is_none() && first.body.get("totalPages").is_none(), "{}", first.text);
    let last = app.get("/accounts?countPerPage=4&page=1&simplifiedPaging=true").await;
    assert_eq!(last.ids().len(), 2);
    assert_eq!(last.body["hasMorePages"], false);
    let exact = app.get("/accounts?countPerPage=6&simplifiedPaging=true").await;
    assert_eq!((exact.ids().len(), exact.body["hasMorePages"].clone()), (6, json!(false)));
    assert_eq!(app.get("/accounts?countPerPage=0").await.ids().len(), 6, "0 means the default page size");
}

#[actix_web::test]
async fn an_account_page_costs_the_same_few_statements_however_deep_the_accounts_nest() {
    let app = spawn().await;
    let mut parent: Option<String> = None;
    let mut chain = Vec::new();
    for depth in 0..12 {
        let mut body = json!({ "name": format!("Level {depth}") });
        if let Some(parent) = &parent {
            body["parentAccountId"] = Value::String(parent.clone());
        }
        let created = app.post("/accounts", body).await;
        let id = created.body["id"].as_str().unwrap_or_default().to_owned();
        for sibling in 0..2 {
            app.post("/accounts", json!({ "name": format!("Side {depth}.{sibling}"), "parentAccountId": id })).await;
        }
        chain.push(id.clone());
        parent = Some(id);
    }
    // Sign in once: the caller is then known for every request below.
    assert_eq!(app.get("/accounts?countPerPage=1").await.status, StatusCode::OK);
    let cost = |before: u64| app.store.statements_executed() - before;
    for (query, parent_paths) in [
        ("countPerPage=25".to_owned(), 0),
        ("countPerPage=25&sortField=dateCreated&sortOrder=Descend&nameFilter=level".to_owned(), 0),
        ("countPerPage=25&topLevelOnly=true".to_owned(), 0),
        (format!("countPerPage=25&parentAccountIds={}", chain[0]), 1),
        (format!("countPerPage=25&parentAccountIds={},{}&page=1", chain[3], chain[9]), 1),
        (format!("countPerPage=25&parentAccountIds={}&shallowParent=true", chain[5]), 0),
        ("countPerPage=25&simplifiedPaging=true&sortField=parentAccountId".to_owned(), 0),
    ] {
        // The generations, (the parents' paths), the count and the page.
        let before = app.store.statements_executed();
        let first = app.get(&format!("/accounts?{query}")).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        assert!(cost(before) <= 3 + parent_paths, "a page of {query} cost {}", cost(before));
        // The same page again: only the generations are read.
        let before = app.store.statements_executed();
        let again = app.get(&format!("/accounts?{query}")).await;
        assert_eq!(again.text, first.text, "a cached answer is the same answer");
        assert_eq!(cost(before), 1, "a repeated page only reads the generations");
    }
    let below_root = app.get(&format!("/accounts?parentAccountIds={}&all=true", chain[0])).await;
    assert_eq!(below_root.ids().len(), 11 + 12 * 2, "every account below the root, at any depth");
}
