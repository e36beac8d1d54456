//! The test harness: a fresh database per test (SQLite file, or a PostgreSQL database cloned from a migrated
//! template when `CANOPY_TEST_POSTGRES` is set), dropped afterwards; the real app built by the same factory
//! `canopy serve` uses; and a typed way to call it.

use actix_web::{
    body::MessageBody,
    dev::{Service, ServiceResponse},
    http::{header::HeaderMap, Method, StatusCode},
    test, Error,
};
use canopy_server::{app, seed, AppState, Limits};
use canopy_store::{Actor, Store};
use serde_json::Value;

pub const POSTGRES_ENV: &str = "CANOPY_TEST_POSTGRES";

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(std::path::PathBuf),
    PostgresDatabase { admin_url: String, name: String },
}

fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn psql(admin_url: &str, sql: &str) {
    let status = std::process::Command::new("psql")
        .args([admin_url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("psql runs");
    assert!(status.success(), "psql failed: {sql}");
}

impl TestDb {
    #[allow(clippy::disallowed_methods)] // a knob of this test run, not a setting of the service
    pub fn new() -> Self {
        match std::env::var(POSTGRES_ENV) {
            Ok(server) if !server.is_empty() => Self::postgres(&server),
            _ => Self::sqlite(),
        }
    }

    fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("canopy-test-{}.db", unique()));
        let url = format!("sqlite://{}", path.display());
        Store::open(&url).expect("sqlite test database opens");
        Self { url, cleanup: Cleanup::SqliteFile(path) }
    }

    /// `server` is `postgres://user@host:port`; each test gets `canopy_test_<id>`, cloned from a template that
    /// is migrated once per test process.
    fn postgres(server: &str) -> Self {
        let server = server.trim_end_matches('/');
        let admin_url = format!("{server}/postgres");
        let template = template_database(server, &admin_url);
        let name = format!("canopy_test_{}", unique());
        psql(&admin_url, &format!("CREATE DATABASE {name} TEMPLATE {template}"));
        Self { url: format!("{server}/{name}"), cleanup: Cleanup::PostgresDatabase { admin_url, name } }
    }
}

/// The migrated template every test database is cloned from. Named by the migrations' content, so every test
/// process of one run shares it (nextest runs each test in its own process) and a schema change gets a new one.
/// It is built under a private name and renamed into place, so nobody clones a half-migrated template.
fn template_database(server: &str, admin_url: &str) -> String {
    static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let name = format!("canopy_template_{:016x}", migrations_fingerprint());
            if database_exists(admin_url, &name) {
                return name;
            }
            let building = format!("canopy_building_{}", unique());
            psql(admin_url, &format!("CREATE DATABASE {building}"));
            drop(Store::open(&format!("{server}/{building}")).expect("template migrates"));
            let renamed = std::process::Command::new("psql")
                .args([
                    admin_url,
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-q",
                    "-c",
                    &format!("ALTER DATABASE {building} RENAME TO {name}"),
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !renamed {
                psql(admin_url, &format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"));
                assert!(database_exists(admin_url, &name), "template {name} could not be created");
            }
            name
        })
        .clone()
}

fn database_exists(admin_url: &str, name: &str) -> bool {
    let output = std::process::Command::new("psql")
        .args([admin_url, "-Atc", &format!("SELECT 1 FROM pg_database WHERE datname = '{name}'")])
        .output()
        .expect("psql runs");
    String::from_utf8_lossy(&output.stdout).trim() == "1"
}

fn migrations_fingerprint() -> u64 {
    use std::hash::{Hash, Hasher};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for file in files {
        file.hash(&mut hasher);
        std::fs::read(&file).unwrap_or_default().hash(&mut hasher);
    }
    hasher.finish()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::PostgresDatabase { admin_url, name } => {
                let _ = std::process::Command::new("psql")
                    .args([admin_url.as_str(), "-q", "-c", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")])
                    .stdout(std::process::Stdio::null())
                    .status();
            }
        }
    }
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub fn ids(&self) -> Vec<String> {
        self.body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("no items in {}", self.text))
            .iter()
            .map(|c| c["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    pub fn field_error(&self) -> (&str, &str) {
        let status = &self.body["responseStatus"];
        let first = &status["errors"][0];
        (first["fieldName"].as_str().unwrap_or(""), first["errorCode"].as_str().unwrap_or(""))
    }

    pub fn error_code(&self) -> &str {
        self.body["responseStatus"]["errorCode"].as_str().unwrap_or("")
    }
}

pub struct TestApp<S> {
    service: S,
    pub store: Store,
    /// An API key of a SystemAdministrator, sent with every request that names no credentials of its own.
    pub admin_key: String,
    _db: TestDb,
}

/// The signing key of tests' bearer tokens.
pub const JWT_SECRET: &[u8] = b"test secret, not for production";

/// Creates a user directly in the store and returns an API key for it.
pub fn user_with_key(store: &Store, new: canopy_store::NewUser) -> String {
    let user = store.create_user(new).expect("user");
    let key = canopy_server::auth::new_api_key();
    store.create_api_key(&user.id, &canopy_server::auth::digest(&key), &key[..7]).expect("key");
    key
}

pub fn new_user(name: &str, roles: &[canopy_domain::Role]) -> canopy_store::NewUser {
    canopy_store::NewUser {
        user_name: name.to_owned(),
        email: None,
        display_name: None,
        // Tests that log in with a password set their own hash; an unusable one is fine for key-based users.
        password_hash: "unusable".into(),
        roles: roles.to_vec(),
        manager_access: canopy_domain::ManagerAccess::ReadOnly,
        account_ids: Vec::new(),
        customer_ids: Vec::new(),
    }
}

/// The app over a fresh, empty database.
pub async fn spawn(
) -> TestApp<impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = Error>> {
    spawn_with_auth(canopy_server::auth::AuthConfig::new(JWT_SECRET.to_vec())).await
}

/// The app over a fresh, empty database, with these authentication settings (signing with the tests' secret).
pub async fn spawn_with_auth(
    auth: canopy_server::auth::AuthConfig,
) -> TestApp<impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = Error>> {
    let db = TestDb::new();
    let store = Store::open(&db.url).expect("store opens");
    let state = AppState::new(
        store.clone(),
        Limits { max_body_bytes: 64 * 1024, ..Limits::default() },
        canopy_server::auth::AuthConfig { jwt_secret: JWT_SECRET.to_vec(), ..auth },
    );
    let admin_key = user_with_key(&store, new_user("test-admin", &[canopy_domain::Role::SystemAdministrator]));
    let service = test::init_service(app(state)).await;
    TestApp { service, store, admin_key, _db: db }
}

/// The app over the demo fixture.
pub async fn spawn_demo(
) -> TestApp<impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = Error>> {
    let app = spawn().await;
    let fixture_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo");
    let fixture = seed::read_fixture(&fixture_path).expect("demo fixture reads");
    seed::load_fixture(&app.store, &fixture, &Actor::named("fixture")).expect("demo loads");
    app
}

impl<S, B> TestApp<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    pub async fn request(&self, method: Method, uri: &str, body: Option<Value>, headers: &[(&str, &str)]) -> Reply {
        let mut req = test::TestRequest::default().method(method).uri(uri);
        let has_credentials = headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("cookie"));
        if !has_credentials {
            req = req.insert_header(("Authorization", format!("Bearer {}", self.admin_key)));
        }
        for (name, value) in headers {
            if *value != "-" {
                req = req.insert_header((*name, *value));
            }
        }
        if let Some(body) = body {
            req = req.set_json(body);
        }
        self.send_raw(req).await
    }

    /// Sends a request as built, adding the administrator's key unless it carries credentials of its own.
    pub async fn send(&self, req: test::TestRequest) -> Reply {
        let req = req.insert_header(("Authorization", format!("Bearer {}", self.admin_key)));
        self.send_raw(req).await
    }

    /// Sends a request exactly as built (no credentials added).
    pub async fn send_raw(&self, req: test::TestRequest) -> Reply {
        let response = test::call_service(&self.service, req.to_request()).await;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = test::read_body(response).await;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, headers, body, text }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.request(Method::GET, uri, None, &[]).await
    }

    pub async fn post(&self, uri: &str, body: Value) -> Reply {
        self.request(Method::POST, uri, Some(body), &[]).await
    }

    pub async fn patch(&self, uri: &str, body: Value) -> Reply {
        self.request(Method::PATCH, uri, Some(body), &[]).await
    }

    pub async fn delete(&self, uri: &str) -> Reply {
        self.request(Method::DELETE, uri, None, &[]).await
    }

    /// Creates an account with a tag catalogue and data fields, returning its id.
    pub async fn account(&self, name: &str) -> String {
        let reply = self.post("/accounts", serde_json::json!({ "name": name })).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let id = reply.body["id"].as_str().expect("account id").to_owned();
        let reply = self
            .patch(
                &format!("/system/settings?accountId={id}"),
                serde_json::json!({
                    "tags": [{"id": "vip", "name": "VIP", "color": "Gold"}, {"id": "trial", "name": "Trial", "color": "Cyan"}],
                    "customerFields": [{"name": "Tier", "type": "String"}, {"name": "Seats", "type": "Number"}]
                }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        id
    }

    /// Creates a customer, returning its id.
    pub async fn customer(&self, account: &str, name: &str, parent: Option<&str>) -> String {
        let mut body = serde_json::json!({ "accountId": account, "name": name });
        if let Some(parent) = parent {
            body["parentCustomerId"] = Value::String(parent.to_owned());
        }
        let reply = self.post("/customers", body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.body["id"].as_str().expect("customer id").to_owned()
    }
}

/// What a Python script prints for `input` on its standard input: the suites read exports with Python's own csv
/// module, as a spreadsheet user's tooling would.
pub fn python_output(script: &str, input: &str) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("writes");
    let output = child.wait_with_output().expect("python3 finishes");
    assert!(output.status.success(), "python read the input: {script}");
    output.stdout
}
