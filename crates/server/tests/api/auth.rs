use actix_web::{
    http::{Method, StatusCode},
    test::TestRequest,
};
use canopy_domain::Role;
use serde_json::json;

use crate::support::{new_user, spawn, spawn_with_auth, user_with_key};

const PASSWORD: &str = "correct horse battery";

fn with_password(name: &str, roles: &[Role]) -> canopy_store::NewUser {
    canopy_store::NewUser {
        password_hash: canopy_server::auth::hash_password(PASSWORD).expect("hashes"),
        ..new_user(name, roles)
    }
}

fn set_cookie<'a>(reply: &'a crate::support::Reply, name: &str) -> Option<&'a str> {
    reply.headers.get_all("set-cookie").filter_map(|v| v.to_str().ok()).find(|c| c.starts_with(&format!("{name}=")))
}

fn cookie_value(header: &str) -> String {
    header.split(';').next().unwrap_or("").split_once('=').map(|(_, v)| v.to_owned()).unwrap_or_default()
}

#[actix_web::test]
async fn credentials_log_in_with_session_cookies_and_a_bearer_token() {
    let app = spawn().await;
    app.store.create_user(with_password("alice", &[Role::SystemAdministrator])).expect("user");
    let login = app
        .request(
            Method::POST,
            "/auth/credentials",
            Some(json!({"userName": "Alice", "password": PASSWORD, "rememberMe": true})),
            &[("Authorization", "-")],
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    assert_eq!(login.body["userName"], "alice");
    assert_eq!(login.body["roles"], json!(["SystemAdministrator"]));
    let session = login.body["sessionId"].as_str().unwrap_or("").to_owned();
    assert_eq!(session.len(), 20);
    let token = login.body["bearerToken"].as_str().unwrap_or("").to_owned();
    assert_eq!(token.split('.').count(), 3, "a JWT");
    for name in ["ss-id", "ss-pid", "ss-opt"] {
        let cookie = set_cookie(&login, name).unwrap_or_else(|| panic!("{name} cookie set"));
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
    }
    assert_eq!(cookie_value(set_cookie(&login, "ss-opt").unwrap_or("")), "perm");
    assert!(!login.text.contains(PASSWORD));

    let by_cookie =
        app.request(Method::GET, "/customers", None, &[("Cookie", &format!("ss-pid={session}; ss-opt=perm"))]).await;
    assert_eq!(by_cookie.status, StatusCode::OK, "{}", by_cookie.text);
    let by_token = app.request(Method::GET, "/customers", None, &[("Authorization", &format!("Bearer {token}"))]).await;
    assert_eq!(by_token.status, StatusCode::OK, "{}", by_token.text);
    let current = app.request(Method::GET, "/auth", None, &[("Cookie", &format!("ss-id={session}"))]).await;
    assert_eq!(current.body["userName"], "alice", "{}", current.text);
    let status = app.request(Method::GET, "/auth/status", None, &[("Cookie", &format!("ss-id={session}"))]).await;
    assert_eq!(status.body["isAuthenticated"], true);
    assert_eq!(status.body["roles"], json!(["SystemAdministrator"]));

    let logout = app.request(Method::POST, "/auth/logout", None, &[("Cookie", &format!("ss-id={session}"))]).await;
    assert_eq!(logout.status, StatusCode::OK);
    assert_eq!(cookie_value(set_cookie(&logout, "ss-id").unwrap_or("ss-id=x")), "");
    let after = app.request(Method::GET, "/customers", None, &[("Cookie", &format!("ss-id={session}"))]).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn the_predefined_authenticate_route_logs_in_too() {
    let app = spawn().await;
    app.store.create_user(with_password("bob", &[Role::Manager])).expect("user");
    let login = app
        .request(
            Method::POST,
            "/api/Authenticate",
            Some(json!({"provider": "credentials", "userName": "bob", "password": PASSWORD})),
            &[("Authorization", "-")],
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    assert_eq!(cookie_value(set_cookie(&login, "ss-opt").unwrap_or("")), "temp");
}

#[actix_web::test]
async fn bad_logins_are_refused_clearly_and_then_throttled() {
    let app = spawn().await;
    app.store.create_user(with_password("carol", &[Role::Customer])).expect("user");
    app.store.create_user(with_password("dave", &[Role::Customer])).expect("user");
    let anonymous = [("Authorization", "-")];
    let missing = app.request(Method::POST, "/auth/credentials", Some(json!({"userName": "carol"})), &anonymous).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.field_error(), ("password", "NotEmpty"));
    let provider = app
        .request(Method::POST, "/auth/github", Some(json!({"userName": "carol", "password": "x"})), &anonymous)
        .await;
    assert_eq!(provider.status, StatusCode::NOT_FOUND);
    for _ in 0..5 {
        let wrong = app
            .request(
                Method::POST,
                "/auth/credentials",
                Some(json!({"userName": "carol", "password": "wrong"})),
                &anonymous,
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.body["responseStatus"]["message"], "Invalid Username or Password");
    }
    let throttled = app
        .request(
            Method::POST,
            "/auth/credentials",
            Some(json!({"userName": "carol", "password": PASSWORD})),
            &anonymous,
        )
        .await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS, "{}", throttled.text);
    assert_eq!(throttled.error_code(), "TooManyRequests");
    assert_eq!(throttled.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("30"), "the first delay");
    let other = app
        .request(Method::POST, "/auth/credentials", Some(json!({"userName": "dave", "password": PASSWORD})), &anonymous)
        .await;
    assert_eq!(other.status, StatusCode::OK, "throttling is per user name");
    let unknown = app
        .request(Method::POST, "/auth/credentials", Some(json!({"userName": "nobody", "password": "x"})), &anonymous)
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED, "an unknown user looks like a wrong password");
    assert_eq!(unknown.body["responseStatus"]["message"], "Invalid Username or Password");
}

#[actix_web::test]
async fn without_valid_credentials_every_guarded_route_is_401() {
    let app = spawn().await;
    let anonymous = [("Authorization", "-")];
    for (method, uri) in [
        (Method::GET, "/customers"),
        (Method::POST, "/customers"),
        (Method::GET, "/customers/x"),
        (Method::PATCH, "/customers/x"),
        (Method::DELETE, "/customers/x"),
        (Method::POST, "/customers/x/staging"),
        (Method::GET, "/customers/x/inherited-billing-settings"),
        (Method::POST, "/customers/x/test-schedule"),
        (Method::GET, "/accounts"),
        (Method::GET, "/system/settings?accountId=x"),
        (Method::GET, "/api/ListCustomers"),
        (Method::GET, "/json/reply/GetAccount?accountId=x"),
        (Method::GET, "/auth"),
    ] {
        let reply = app.request(method.clone(), uri, None, &anonymous).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        assert_eq!(reply.error_code(), "Unauthorized", "{method} {uri}");
        assert!(reply.headers.get("www-authenticate").is_some());
    }
    for bad in ["Bearer ak-00000000000000000000000000000000", "Bearer not.a.jwt", "Basic Zm9vOmJhcg==", "Bearer "] {
        let reply = app.request(Method::GET, "/customers", None, &[("Authorization", bad)]).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{bad}");
    }
    let status = app.request(Method::GET, "/auth/status", None, &anonymous).await;
    assert_eq!(status.status, StatusCode::OK);
    assert_eq!(status.body, json!({"isAuthenticated": false}));
    assert_eq!(app.request(Method::GET, "/health", None, &anonymous).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn expired_and_forged_tokens_are_refused() {
    let app = spawn().await;
    let user = app.store.create_user(new_user("erin", &[Role::SystemAdministrator])).expect("user");
    let now = canopy_store::clock::now().timestamp();
    let claims = |exp: i64| json!({"iss": "canopy", "sub": user.id, "iat": now - 1000, "exp": exp, "preferred_username": "erin", "roles": []});
    let sign = |claims: serde_json::Value, key: &[u8]| {
        jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &jsonwebtoken::EncodingKey::from_secret(key))
            .expect("signs")
    };
    let valid = sign(claims(now + 600), crate::support::JWT_SECRET);
    let reply = app.request(Method::GET, "/customers", None, &[("Authorization", &format!("Bearer {valid}"))]).await;
    assert_eq!(reply.status, StatusCode::OK);
    let expired = sign(claims(now - 600), crate::support::JWT_SECRET);
    let reply = app.request(Method::GET, "/customers", None, &[("Authorization", &format!("Bearer {expired}"))]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error_code(), "TokenException");
    assert_eq!(reply.body["responseStatus"]["message"], "Token has expired");
    let forged = sign(claims(now + 600), b"someone else's key");
    let reply = app.request(Method::GET, "/customers", None, &[("Authorization", &format!("Bearer {forged}"))]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error_code(), "Unauthorized");
}

#[actix_web::test]
async fn basic_auth_and_api_keys_work_on_any_request() {
    let app = spawn().await;
    app.store.create_user(with_password("frank", &[Role::SystemAdministrator])).expect("user");
    let basic = base64_encode(&format!("frank:{PASSWORD}"));
    let reply = app.request(Method::GET, "/accounts", None, &[("Authorization", &format!("Basic {basic}"))]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let wrong = base64_encode("frank:nope");
    let reply = app.request(Method::GET, "/accounts", None, &[("Authorization", &format!("Basic {wrong}"))]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let key = user_with_key(&app.store, new_user("grace", &[Role::SystemAdministrator]));
    let reply = app.request(Method::GET, "/accounts", None, &[("Authorization", &format!("Bearer {key}"))]).await;
    assert_eq!(reply.status, StatusCode::OK);
    let created = app
        .request(
            Method::POST,
            "/accounts",
            Some(json!({"name": "By grace"})),
            &[("Authorization", &format!("Bearer {key}"))],
        )
        .await;
    let grace = app.store.user_by_name("grace").expect("lookup").expect("grace");
    assert_eq!(created.body["createdBy"], grace.id.as_str(), "the acting user is recorded");
}

fn base64_encode(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[actix_web::test]
async fn a_user_without_roles_is_forbidden() {
    let app = spawn().await;
    let key = user_with_key(&app.store, new_user("nobody", &[]));
    let reply = app.request(Method::GET, "/customers", None, &[("Authorization", &format!("Bearer {key}"))]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    let raw = TestRequest::get().uri("/customers").insert_header(("Authorization", format!("Bearer {key}")));
    assert_eq!(app.send_raw(raw).await.status, StatusCode::FORBIDDEN);
}

/// Guesses slow the guesser, not the owner: five wrong passwords for carol from one address hold that address
/// back, while carol, signing in from another address with her password, gets in at once; and a guesser that
/// spreads over many names from one address is slowed too.
#[actix_web::test]
async fn guessing_slows_the_guesser_and_never_the_owner() {
    let app = spawn().await;
    app.store.create_user(with_password("carol", &[Role::Customer])).expect("user");
    let from = |address: &str, name: &str, password: &str| {
        actix_web::test::TestRequest::post()
            .uri("/auth/credentials")
            .peer_addr(address.parse().expect("an address"))
            .set_json(json!({ "userName": name, "password": password }))
    };
    for _ in 0..5 {
        let wrong = app.send_raw(from("203.0.113.7:4000", "carol", "guess")).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let guesser = app.send_raw(from("203.0.113.7:4001", "CAROL", PASSWORD)).await;
    assert_eq!(guesser.status, StatusCode::TOO_MANY_REQUESTS, "the guesser's address waits, whatever the case");
    let owner = app.send_raw(from("198.51.100.2:5000", "carol", PASSWORD)).await;
    assert_eq!(owner.status, StatusCode::OK, "the owner elsewhere is not held up: {}", owner.text);

    // Spraying: one wrong password for each of many names from one address.
    let mut refused = None;
    for i in 0..25 {
        let reply = app.send_raw(from("192.0.2.9:6000", &format!("user{i}"), "guess")).await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(i);
            break;
        }
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(refused, Some(20), "twenty free failures per address, then a delay");
    let owner = app.send_raw(from("198.51.100.2:5001", "carol", PASSWORD)).await;
    assert_eq!(owner.status, StatusCode::OK);
}

/// A bearer token lives only as long as the session it was issued for: a logout (by cookie or by the token itself)
/// revokes it at once. Renewal is ServiceStack's: the login's refresh token, exchanged at /access-token, gives a
/// new token bound to the same session; a bearer token alone renews nothing.
#[actix_web::test]
async fn tokens_end_with_their_session_and_renew_only_through_refresh_tokens() {
    let app = spawn().await;
    app.store.create_user(with_password("erin", &[Role::SystemAdministrator])).expect("user");
    let anonymous = [("Authorization", "-")];
    let login = |_: ()| {
        app.request(
            Method::POST,
            "/auth/credentials",
            Some(json!({"userName": "erin", "password": PASSWORD})),
            &anonymous,
        )
    };
    let first = login(()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let token = first.body["bearerToken"].as_str().unwrap_or_default().to_owned();
    let refresh = first.body["refreshToken"].as_str().unwrap_or_default().to_owned();
    assert!(!refresh.is_empty(), "a login hands out a refresh token: {}", first.text);
    let bearer = format!("Bearer {token}");
    assert_eq!(
        app.request(Method::GET, "/customers", None, &[("Authorization", &bearer)]).await.status,
        StatusCode::OK
    );

    // A bearer token alone renews nothing.
    let status = app.request(Method::GET, "/auth", None, &[("Authorization", &bearer)]).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.text);
    assert!(status.body.get("bearerToken").is_none(), "a token does not renew itself: {}", status.text);
    // The refresh token does, at /access-token and at the predefined route the JS client uses.
    let mut renewed = Vec::new();
    for uri in ["/access-token", "/json/reply/GetAccessToken"] {
        let reply = app.request(Method::POST, uri, Some(json!({ "refreshToken": refresh })), &anonymous).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text);
        let access = format!("Bearer {}", reply.body["accessToken"].as_str().unwrap_or_default());
        assert_eq!(
            app.request(Method::GET, "/accounts", None, &[("Authorization", &access)]).await.status,
            StatusCode::OK
        );
        renewed.push(access);
    }
    // Neither kind of token passes for the other.
    let as_bearer = format!("Bearer {refresh}");
    assert_eq!(
        app.request(Method::GET, "/accounts", None, &[("Authorization", &as_bearer)]).await.status,
        StatusCode::UNAUTHORIZED
    );
    let swapped = app.request(Method::POST, "/access-token", Some(json!({ "refreshToken": token })), &anonymous).await;
    assert_eq!(swapped.status, StatusCode::UNAUTHORIZED, "{}", swapped.text);

    let out = app.request(Method::POST, "/auth/logout", None, &[("Authorization", &bearer)]).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.text);
    for bearer in std::iter::once(&bearer).chain(renewed.iter()) {
        let after = app.request(Method::GET, "/customers", None, &[("Authorization", bearer)]).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "logout revokes every token of the session: {}", after.text);
    }
    let late = app.request(Method::POST, "/access-token", Some(json!({ "refreshToken": refresh })), &anonymous).await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED, "nor can the session be renewed after it: {}", late.text);

    // By cookie: the token GET /auth hands a session cookie is bound to the session and ends with it.
    let second = login(()).await;
    let cookie = format!("ss-id={}", second.body["sessionId"].as_str().unwrap_or_default());
    let from_cookie = app.request(Method::GET, "/auth", None, &[("Authorization", "-"), ("Cookie", &cookie)]).await;
    let from_cookie = format!("Bearer {}", from_cookie.body["bearerToken"].as_str().unwrap_or_default());
    assert_eq!(
        app.request(Method::GET, "/accounts", None, &[("Authorization", &from_cookie)]).await.status,
        StatusCode::OK
    );
    app.request(Method::POST, "/auth/logout", None, &[("Authorization", "-"), ("Cookie", &cookie)]).await;
    let after = app.request(Method::GET, "/accounts", None, &[("Authorization", &from_cookie)]).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.text);
}

/// Revocation over HTTP and its effect on the very next request, whatever the caches hold: a revoked API key, a
/// disabled user (its key, its password and its token), a new password, a deleted user.
#[actix_web::test]
async fn administrators_revoke_keys_and_users_with_effect_on_the_next_request() {
    let app = spawn().await;
    let key =
        crate::support::user_with_key(&app.store, crate::support::new_user("frank", &[Role::SystemAdministrator]));
    app.store.create_user(with_password("gina", &[Role::SystemAdministrator])).expect("user");
    let frank = format!("Bearer {key}");
    let as_frank = [("Authorization", frank.as_str())];
    for _ in 0..2 {
        assert_eq!(app.request(Method::GET, "/accounts", None, &as_frank).await.status, StatusCode::OK);
    }
    let keys = app.get("/apikeys?userName=frank").await;
    assert_eq!(keys.status, StatusCode::OK, "{}", keys.text);
    assert!(!keys.text.contains(&key), "a listing never shows a key");
    let id = keys.body["items"][0]["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(app.delete(&format!("/apikeys/{id}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.request(Method::GET, "/accounts", None, &as_frank).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.delete(&format!("/apikeys/{id}")).await.status, StatusCode::NOT_FOUND);

    use base64::Engine;
    let basic = |password: &str| {
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("gina:{password}")))
    };
    let old = basic(PASSWORD);
    let login = app
        .request(
            Method::POST,
            "/auth/credentials",
            Some(json!({"userName": "gina", "password": PASSWORD})),
            &[("Authorization", "-")],
        )
        .await;
    let token = format!("Bearer {}", login.body["bearerToken"].as_str().unwrap_or_default());
    for credential in [&old, &token] {
        assert_eq!(
            app.request(Method::GET, "/accounts", None, &[("Authorization", credential)]).await.status,
            StatusCode::OK
        );
    }
    let disabled = app.patch("/users/gina", json!({ "isDisabled": true })).await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);
    assert_eq!(disabled.body["isDisabled"], true);
    for credential in [&old, &token] {
        let reply = app.request(Method::GET, "/accounts", None, &[("Authorization", credential)]).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "a disabled user is nobody: {}", reply.text);
    }
    app.patch("/users/gina", json!({ "isDisabled": false, "password": "a brand new password" })).await;
    assert_eq!(
        app.request(Method::GET, "/accounts", None, &[("Authorization", &old)]).await.status,
        StatusCode::UNAUTHORIZED
    );
    let new = basic("a brand new password");
    assert_eq!(app.request(Method::GET, "/accounts", None, &[("Authorization", &new)]).await.status, StatusCode::OK);
    let listed = app.get("/users").await;
    assert!(!listed.text.contains("argon2"), "no hash in a listing");
    assert!(listed.ids().len() >= 3);
    assert_eq!(app.delete("/users/gina").await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.request(Method::GET, "/accounts", None, &[("Authorization", &new)]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.delete("/users/test-admin").await.status, StatusCode::CONFLICT, "not oneself");
    let short = app.patch("/users/frank", json!({ "password": "short" })).await;
    assert_eq!(short.field_error(), ("password", "Length"));
    let manager = crate::support::user_with_key(&app.store, crate::support::new_user("mia", &[Role::Manager]));
    let as_manager = format!("Bearer {manager}");
    for (method, uri) in [(Method::GET, "/users"), (Method::GET, "/apikeys"), (Method::DELETE, "/users/frank")] {
        let reply = app.request(method, uri, None, &[("Authorization", &as_manager)]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{uri}: {}", reply.text);
    }
}

/// Credentials in a query string do not sign in (they would sit in every log on the way): 405, as current
/// ServiceStack answers; `GET /auth` without them still answers the caller's session.
#[actix_web::test]
async fn credentials_in_a_query_string_do_not_sign_in() {
    let app = spawn().await;
    app.store.create_user(with_password("hana", &[Role::Customer])).expect("user");
    let uri = format!("/auth?provider=credentials&userName=hana&password={}", PASSWORD.replace(' ', "%20"));
    let reply = app.request(Method::GET, &uri, None, &[("Authorization", "-")]).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{}", reply.text);
    assert!(reply.headers.get("set-cookie").is_none(), "no session was started");
    assert_eq!(app.get("/auth").await.status, StatusCode::OK, "GET /auth still answers the session");
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

#[actix_web::test]
async fn an_api_key_is_accepted_as_the_basic_user_name_as_servicestack_does() {
    let app = spawn().await;
    let key = app.admin_key.clone();
    let reply = app.request(Method::GET, "/customers", None, &[("Authorization", &basic(&key, ""))]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // A wrong key, or the key with a password, is not a sign-in.
    let wrong = basic("ak-00000000000000000000000000000000", "");
    let reply = app.request(Method::GET, "/customers", None, &[("Authorization", &wrong)]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    let with_password = basic(&key, "something");
    let reply = app.request(Method::GET, "/customers", None, &[("Authorization", &with_password)]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
}

#[actix_web::test]
async fn an_api_key_in_the_query_or_a_form_counts_only_when_the_setting_allows_it() {
    let off = spawn().await;
    let uri = format!("/customers?apikey={}", off.admin_key);
    let reply = off.send_raw(TestRequest::get().uri(&uri)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "off by default: {}", reply.text);

    let on = spawn_with_auth(canopy_server::auth::AuthConfig {
        api_key_in_params: true,
        ..canopy_server::auth::AuthConfig::new(Vec::new())
    })
    .await;
    let uri = format!("/customers?apikey={}", on.admin_key);
    for _ in 0..2 {
        let reply = on.send_raw(TestRequest::get().uri(&uri)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let form = TestRequest::post()
        .uri("/accounts")
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload(format!("name=By+Form&apikey={}", on.admin_key));
    let reply = on.send_raw(form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["name"], "By Form");
    let reply = on.send_raw(TestRequest::get().uri("/customers?apikey=ak-00000000000000000000000000000000")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
}
