//! `/ui`, the API explorer: the page and its files answer without credentials, with a strict
//! Content-Security-Policy; the browser test in `tests/ui` drives it for real.

use actix_web::{http::StatusCode, test};

fn header<'a>(reply: &'a crate::support::Reply, name: &str) -> &'a str {
    reply.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[actix_web::test]
async fn the_page_and_its_files_load_without_credentials_under_a_strict_policy() {
    let app = crate::support::spawn().await;
    for (path, content_type) in
        [("/ui", "text/html"), ("/ui/", "text/html"), ("/ui/app.js", "text/javascript"), ("/ui/app.css", "text/css")]
    {
        // A browser asks for the page with Accept: text/html; nothing about it is negotiated as an API format.
        let reply = app.send_raw(test::TestRequest::get().uri(path).insert_header(("Accept", "text/html"))).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert!(header(&reply, "content-type").starts_with(content_type), "{path}: {}", header(&reply, "content-type"));
        let policy = header(&reply, "content-security-policy");
        for directive in ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        assert!(!policy.contains("unsafe"), "{path}: {policy}");
        assert_eq!(header(&reply, "x-content-type-options"), "nosniff", "{path}");
        assert!(!reply.text.is_empty(), "{path}");
    }
    let page = app.send_raw(test::TestRequest::get().uri("/ui")).await;
    assert!(page.text.contains("/ui/app.js") && page.text.contains("/ui/app.css"), "{}", page.text);
    // The script reads the operations from the metadata, which needs no sign-in either.
    let script = app.send_raw(test::TestRequest::get().uri("/ui/app.js")).await;
    assert!(script.text.contains("/types/metadata"));
    let metadata = app.send_raw(test::TestRequest::get().uri("/types/metadata")).await;
    assert_eq!(metadata.status, StatusCode::OK);
}

#[actix_web::test]
async fn other_files_under_ui_are_not_found() {
    let app = crate::support::spawn().await;
    for path in ["/ui/nope.js", "/ui/index.html", "/ui/..%2Fapp.js", "/ui/app.js/x"] {
        let reply = app.send_raw(test::TestRequest::get().uri(path)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}: {}", reply.text);
    }
    // The explorer is read-only: other verbs are refused.
    let post = app.send_raw(test::TestRequest::post().uri("/ui")).await;
    assert_ne!(post.status, StatusCode::OK);
}
