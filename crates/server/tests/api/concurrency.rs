//! The request path under concurrency and retries: many writers at once neither stall nor fail, a create retried
//! with its Idempotency-Key happens once, cached answers follow every write, and `/metrics` reports what ran.

use std::time::{Duration, Instant};

use actix_web::http::{Method, StatusCode};
use futures_util::future::join_all;
use serde_json::json;

use crate::support::spawn;

/// 64 writers at once, half patching one customer and half creating customers, with `/health` asked throughout.
/// Before writes were gated and took a single connection, this stalled every request (each writer held one
/// connection while waiting for a second) and answered 503s for writes that had committed.
#[actix_web::test]
async fn sixty_four_concurrent_writers_neither_stall_nor_fail() {
    let app = spawn().await;
    let account = app.account("Busy").await;
    let target = app.customer(&account, "Target", None).await;
    let started = Instant::now();
    let writes = (0..64).map(|i| {
        let (app, account, target) = (&app, account.clone(), target.clone());
        async move {
            if i % 2 == 0 {
                app.patch(&format!("/customers/{target}"), json!({ "referenceId": format!("ref-{i}") })).await
            } else {
                app.post("/customers", json!({ "accountId": account, "name": format!("Writer {i}") })).await
            }
        }
    });
    let health = async {
        let mut slowest = Duration::ZERO;
        for _ in 0..20 {
            let asked = Instant::now();
            let reply = app.get("/health").await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            slowest = slowest.max(asked.elapsed());
        }
        slowest
    };
    let (replies, _slowest_health) = futures_util::future::join(join_all(writes), health).await;
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    // A stall would run into the pool's 10 s timeout; the writes take well under a second in a release build.
    assert!(started.elapsed() < Duration::from_secs(30), "writers took {:?}", started.elapsed());
    let list = app.get(&format!("/customers?accountIds={account}&all=true")).await;
    assert_eq!(list.ids().len(), 33, "every acknowledged create is there once");
    let patched = app.get(&format!("/customers/{target}")).await;
    assert_eq!(patched.headers.get("etag").and_then(|v| v.to_str().ok()), Some("\"33\""), "32 patches, each once");
}

#[actix_web::test]
async fn a_create_retried_with_its_idempotency_key_happens_once() {
    let app = spawn().await;
    let account = app.account("Retries").await;
    let body = json!({ "accountId": account, "name": "Once Only" });
    let key = [("Idempotency-Key", "retry-7f3a")];
    let first = app.request(Method::POST, "/customers", Some(body.clone()), &key).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let retry = app.request(Method::POST, "/customers", Some(body.clone()), &key).await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.text);
    assert_eq!(retry.body["id"], first.body["id"], "the retry answers the original");
    assert_eq!(retry.headers.get("etag"), first.headers.get("etag"));

    let other = app.request(Method::POST, "/customers", Some(json!({ "accountId": account, "name": "X" })), &key).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", other.text);
    assert_eq!(other.error_code(), "IdempotencyKeyReused");
    assert_eq!(other.field_error().0, "Idempotency-Key");

    // Racing retries: eight copies of one request with one key create one customer, and all answer it.
    let racing = json!({ "accountId": account, "name": "Raced" });
    let raced = join_all(
        (0..8).map(|_| app.request(Method::POST, "/customers", Some(racing.clone()), &[("Idempotency-Key", "race-1")])),
    )
    .await;
    let ids: std::collections::HashSet<_> = raced
        .iter()
        .map(|r| {
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.body["id"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "one customer for eight racing retries");
    let all = app.get(&format!("/customers?accountIds={account}&all=true")).await;
    assert_eq!(all.ids().len(), 2);

    let bad = app.request(Method::POST, "/customers", Some(body), &[("Idempotency-Key", "has space")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);

    let account_key = [("Idempotency-Key", "acct-1")];
    let one = app.request(Method::POST, "/accounts", Some(json!({ "name": "Made once" })), &account_key).await;
    let two = app.request(Method::POST, "/accounts", Some(json!({ "name": "Made once" })), &account_key).await;
    assert_eq!((one.status, two.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(one.body["id"], two.body["id"]);
}

#[actix_web::test]
async fn cached_answers_follow_every_write_at_once() {
    let app = spawn().await;
    let account = app.account("Fresh").await;
    let id = app.customer(&account, "Before", None).await;
    let list = format!("/customers?accountIds={account}");
    for _ in 0..2 {
        assert_eq!(app.get(&list).await.body["items"][0]["name"], "Before");
        assert_eq!(app.get(&format!("/customers/{id}")).await.body["name"], "Before");
    }
    let renamed = app.patch(&format!("/customers/{id}"), json!({ "name": "After" })).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(app.get(&list).await.body["items"][0]["name"], "After", "the list page");
    assert_eq!(app.get(&format!("/customers/{id}")).await.body["name"], "After", "the customer");
    assert_eq!(
        app.get(&format!("/customers.csv?accountIds={account}")).await.text.lines().nth(1).map(|l| l.contains("After")),
        Some(true)
    );
    // A write straight to the store (another process would do the same) is seen too: the generation moved.
    app.store
        .patch_customer(
            &id,
            &canopy_domain::patch::CustomerChanges { name: Some("Elsewhere".into()), ..Default::default() },
            None,
            &canopy_store::Actor::default(),
            &canopy_domain::access::Reach::Everything,
        )
        .expect("patches");
    assert_eq!(app.get(&list).await.body["items"][0]["name"], "Elsewhere");
    assert_eq!(app.get(&format!("{list}&totalCount=x")).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn metrics_report_requests_statements_and_the_pool() {
    let app = spawn().await;
    assert_eq!(app.get("/customers").await.status, StatusCode::OK);
    let reply = app.get("/metrics").await;
    assert_eq!(reply.status, StatusCode::OK);
    let text = reply.text;
    assert!(text.contains("canopy_http_requests_total{operation=\"ListCustomers\",status=\"200\"} 1"), "{text}");
    assert!(text.contains("canopy_http_request_duration_seconds_bucket{operation=\"ListCustomers\",le=\"+Inf\"} 1"));
    assert!(text.contains("canopy_db_statements_per_request_count{operation=\"ListCustomers\"} 1"), "{text}");
    assert!(text.contains("canopy_db_pool_connections_in_use"), "{text}");
    assert!(text.contains("canopy_db_pool_wait_seconds_count"), "{text}");
    assert!(!text.contains(&app.admin_key), "no credential ever shows");
}
