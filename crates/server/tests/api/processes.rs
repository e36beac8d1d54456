//! Two real `canopy serve` processes on one database: a session started on one is accepted by the other, as is a
//! bearer token. (On SQLite the processes share a file; on PostgreSQL, a database.)

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use canopy_domain::{access::Reach, Role};

use crate::support::{new_user, TestDb};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// One HTTP/1.1 exchange; returns the status line's code, the raw headers and the body.
fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("writes");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("reads");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let code = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (code, head.to_owned(), body.to_owned())
}

fn start(db: &TestDb, port: u16) -> Server {
    start_with(db, port, &[])
}

fn start_with(db: &TestDb, port: u16, env: &[(&str, &str)]) -> Server {
    serve(&db.url, port, env, &[])
}

/// `canopy serve` on `url` with `args` besides, once it answers `/health`.
fn serve(url: &str, port: u16, env: &[(&str, &str)], args: &[&str]) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_canopy"))
        // The workspace's root, where `--demo` finds `fixtures/demo`.
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .envs(env.iter().copied())
        .args(["serve", "--database", url, "--bind", &format!("127.0.0.1:{port}")])
        .args(args)
        .env("CANOPY_JWT_SECRET", "shared by every instance of this test")
        .env("CANOPY_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("canopy starts");
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() && http(port, "GET", "/health", &[], "").0 == 200 {
            return server;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("canopy on port {port} did not become healthy");
}

#[test]
fn a_session_started_on_one_instance_is_accepted_by_another() {
    let db = TestDb::new();
    let store = canopy_store::Store::open(&db.url).expect("opens");
    let hash = canopy_server::auth::hash_password("two instances").expect("hashes");
    store
        .create_user(canopy_store::NewUser { password_hash: hash, ..new_user("shared", &[Role::SystemAdministrator]) })
        .expect("user");
    drop(store);
    let (port_one, port_two) = (free_port(), free_port());
    let _one = start(&db, port_one);
    let _two = start(&db, port_two);

    let (code, head, body) =
        http(port_one, "POST", "/auth/credentials", &[], r#"{"userName":"shared","password":"two instances"}"#);
    assert_eq!(code, 200, "{body}");
    let session = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ss-id=").or_else(|| l.strip_prefix("Set-Cookie: ss-id=")))
        .and_then(|c| c.split(';').next())
        .expect("an ss-id cookie")
        .to_owned();
    let (code, _, body) = http(port_two, "GET", "/customers", &[("Cookie", &format!("ss-id={session}"))], "");
    assert_eq!(code, 200, "the other instance accepts the session: {body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    assert!(json["items"].is_array());

    let login: serde_json::Value = serde_json::from_str(
        &http(port_two, "POST", "/auth/credentials", &[], r#"{"userName":"shared","password":"two instances"}"#).2,
    )
    .unwrap_or_default();
    let token = login["bearerToken"].as_str().unwrap_or("").to_owned();
    let (code, _, _) = http(port_one, "GET", "/accounts", &[("Authorization", &format!("Bearer {token}"))], "");
    assert_eq!(code, 200, "a token from one instance works on the other");

    let (code, _, _) = http(port_one, "POST", "/auth/logout", &[("Cookie", &format!("ss-id={session}"))], "");
    assert_eq!(code, 200);
    let (code, _, _) = http(port_two, "GET", "/customers", &[("Cookie", &format!("ss-id={session}"))], "");
    assert_eq!(code, 401, "a session ended on one instance is ended on all");
}

/// Each instance caches answers, callers and credentials; a write through one is seen by the very next read
/// through the other (the caches check generations that every write bumps in its own transaction).
#[test]
fn a_write_through_one_instance_is_read_at_once_through_another() {
    let db = TestDb::new();
    let store = canopy_store::Store::open(&db.url).expect("opens");
    let key = crate::support::user_with_key(&store, new_user("writer", &[Role::SystemAdministrator]));
    drop(store);
    let (port_one, port_two) = (free_port(), free_port());
    let _one = start(&db, port_one);
    let _two = start(&db, port_two);
    let auth = format!("Bearer {key}");
    let headers = [("Authorization", auth.as_str())];
    let json = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap_or_default();

    let account = json(&http(port_one, "POST", "/accounts", &headers, r#"{"name":"Shared"}"#).2)["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let create = format!(r#"{{"accountId":"{account}","name":"Before"}}"#);
    let id =
        json(&http(port_one, "POST", "/customers", &headers, &create).2)["id"].as_str().unwrap_or_default().to_owned();
    let list = format!("/customers?accountIds={account}");
    for _ in 0..3 {
        assert_eq!(json(&http(port_two, "GET", &format!("/customers/{id}"), &headers, "").2)["name"], "Before");
        assert_eq!(json(&http(port_two, "GET", &list, &headers, "").2)["totalCount"], 1);
    }
    let (code, _, body) = http(port_one, "PATCH", &format!("/customers/{id}"), &headers, r#"{"name":"After"}"#);
    assert_eq!(code, 200, "{body}");
    assert_eq!(json(&http(port_two, "GET", &format!("/customers/{id}"), &headers, "").2)["name"], "After");
    assert_eq!(json(&http(port_two, "GET", &list, &headers, "").2)["items"][0]["name"], "After");
    http(port_one, "POST", "/customers", &headers, &format!(r#"{{"accountId":"{account}","name":"Second"}}"#));
    assert_eq!(json(&http(port_two, "GET", &list, &headers, "").2)["totalCount"], 2, "totals too");
    let csv = http(port_two, "GET", &format!("/customers.csv?accountIds={account}&all=true"), &headers, "").2;
    assert!(csv.contains("Second") && csv.contains("After"), "exports too: {csv}");
}

/// A body that stops arriving is answered 408 with a `responseStatus` once the deadline passes (here 1 s), instead
/// of holding the connection and a worker's attention for ever.
#[test]
fn a_body_that_never_finishes_is_timed_out() {
    let db = TestDb::new();
    let port = free_port();
    let _server = start_with(&db, port, &[("CANOPY_BODY_DEADLINE_SECS", "1")]);
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let started = Instant::now();
    stream
        .write_all(
            b"POST /auth/credentials HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"userName\":",
        )
        .expect("writes");
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buffer) {
        if n == 0 {
            break;
        }
        response.extend_from_slice(&buffer[..n]);
        if String::from_utf8_lossy(&response).contains("responseStatus") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("RequestTimeout"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(15), "answered after {:?}", started.elapsed());
}

#[test]
fn serve_on_port_zero_reports_the_port_it_got() {
    use std::io::BufRead;
    let db = TestDb::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .args(["serve", "--database", &db.url, "--bind", "127.0.0.1:0"])
        .env("CANOPY_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("canopy starts");
    let stdout = child.stdout.take().expect("stdout");
    let server = Server(child);
    let line = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|line| line.starts_with("Canopy listening on http://"))
        .expect("the listening line");
    let port: u16 = line.rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port in the line");
    assert_ne!(port, 0, "{line}");
    assert_eq!(http(port, "GET", "/health", &[], "").0, 200);
    drop(server);
}

/// The test database's store, an actor named for the test, and a new account named `name`.
fn store_with_account(
    db: &TestDb,
    name: &str,
) -> (canopy_store::Store, canopy_store::Actor, canopy_domain::AccountInfo) {
    let store = canopy_store::Store::open(&db.url).expect("opens");
    let actor = canopy_store::Actor::named(&format!("{name} test"));
    let new = canopy_store::NewAccount { name: name.into(), ..canopy_store::NewAccount::default() };
    let account = store.create_account(new, &actor, None).expect("account");
    (store, actor, account)
}

/// `history_retention_days`: `serve` removes older history as it starts (and then once a day, on the same thread),
/// and keeps what is younger.
#[test]
fn serve_with_a_history_retention_removes_older_history_as_it_starts() {
    let db = TestDb::new();
    let (store, actor, account) = store_with_account(&db, "Retention");
    let mut ids = Vec::new();
    for name in ["Expired", "Kept", "Recent"] {
        let new = canopy_store::NewCustomer {
            id: None,
            account_id: account.id.clone(),
            name: name.into(),
            fields: Default::default(),
        };
        let (created, _) = store.create_customer(new, &actor, &Reach::Everything, None).expect("customer");
        ids.push(created.id);
    }
    // 31 and 29 days ago, against a retention of 30 days; the third stays as recorded, just now.
    let day = Duration::from_secs(24 * 60 * 60);
    for (id, age) in [(&ids[0], 31 * day), (&ids[1], 29 * day)] {
        let at = canopy_store::clock::text_before(age);
        let dated = db.execute(&format!("UPDATE customer_history SET changed_at = '{at}' WHERE customer_id = '{id}'"));
        assert!(dated > 0, "{id} has history to date");
    }
    let history = |store: &canopy_store::Store, id: &str| {
        let query = canopy_store::HistoryQuery {
            customer_id: id.to_owned(),
            reach: Reach::Everything,
            from: None,
            to: None,
            member: None,
            paging: canopy_domain::listing::Paging::All,
        };
        store.customer_history(&query).expect("history").0.len()
    };
    let recorded: Vec<usize> = ids.iter().map(|id| history(&store, id)).collect();
    assert!(recorded.iter().all(|&rows| rows > 0), "{recorded:?}");

    let port = free_port();
    let _server = start_with(&db, port, &[("CANOPY_HISTORY_RETENTION_DAYS", "30")]);
    // The prune runs on its own thread as the server starts: wait for it, for at most as long as a start may take.
    let deadline = Instant::now() + Duration::from_secs(30);
    while history(&store, &ids[0]) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(history(&store, &ids[0]), 0, "history older than the retention is removed at start");
    assert_eq!(history(&store, &ids[1]), recorded[1], "history younger than the retention stays");
    assert_eq!(history(&store, &ids[2]), recorded[2], "history just recorded stays");
    assert!(store.get_customer(&ids[0], &Reach::Everything).is_ok(), "the customer itself stays");
}

/// `canopy import`: standard input and a file without an extension (its format told from its content), all or
/// nothing by default, `--skip-refused` to import the rest.
#[test]
fn canopy_import_reads_a_stream_and_skips_refused_rows_when_told() {
    let db = TestDb::new();
    let (store, _, account) = store_with_account(&db, "Imports");
    drop(store);
    let lines = "{\"name\":\"Fine\",\"referenceId\":\"ok-1\"}\n{\"referenceId\":\"nameless\"}\n";
    let import = |args: &[&str], input: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_canopy"));
        command.args(["--database", &db.url, "import"]).args(args).args(["--account", &account.id]);
        command.env("CANOPY_LOG", "warn").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("canopy starts");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(input.unwrap_or("").as_bytes()).expect("writes");
        drop(stdin);
        let output = child.wait_with_output().expect("runs");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, _, stderr) = import(&["-"], Some(lines));
    assert!(!ok, "all or nothing by default");
    assert!(stderr.contains("rows[2].name") && stderr.contains("nothing was imported"), "{stderr}");

    let (ok, stdout, stderr) = import(&["-", "--skip-refused", "--format", "jsonl"], Some(lines));
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("1 created, 0 updated, 0 unchanged, 1 skipped"), "{stdout}");
    assert!(stderr.contains("skipped rows[2].name"), "{stderr}");

    // The same rows again from a file named without an extension: JSON lines, told from the content.
    let file = std::env::temp_dir().join(format!("canopy-import-test-{}", std::process::id()));
    let named = lines.replace("{\"referenceId\":\"nameless\"}", "{\"name\":\"Second\"}");
    std::fs::write(&file, named).expect("writes the file");
    let (ok, stdout, stderr) = import(&[file.to_str().expect("a UTF-8 path")], None);
    let _ = std::fs::remove_file(&file);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("(JsonLines)"), "{stderr}");
    assert!(stdout.starts_with("1 created, 0 updated, 1 unchanged"), "the first matched by its referenceId: {stdout}");
}

/// A new SQLite database that `serve` migrates itself: a migration's `ALTER TABLE … RENAME` opens SQLite's temporary
/// database on the connection that ran it, after which that connection may not change `temp_store` inside a
/// transaction. An import on it (a typed client's first call did this) must still work. The file, kept on disk as it
/// arrives, is held to `max_import_bytes` all the same.
#[test]
fn an_import_right_after_serve_migrated_a_new_sqlite_database_works() {
    let path = std::env::temp_dir().join(format!("canopy-fresh-{}-{}.db", std::process::id(), free_port()));
    let port = free_port();
    let server = serve(&format!("sqlite://{}", path.display()), port, &[], &["--demo", "--max-import-bytes", "4096"]);
    let (code, head, _) = http(
        port,
        "POST",
        "/auth/credentials",
        &[],
        r#"{"userName":"admin","password":"canopy-demo-admin","useTokenCookie":false}"#,
    );
    assert_eq!(code, 200);
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ss-id=").or_else(|| l.strip_prefix("Set-Cookie: ss-id=")))
        .and_then(|c| c.split(';').next())
        .expect("an ss-id cookie")
        .to_owned();
    let cookie = format!("ss-id={cookie}");
    for dry_run in [true, false, true] {
        let uri = format!("/customers/import?accountId=acct-northwind&dryRun={dry_run}");
        let (code, _, body) = http(port, "POST", &uri, &[("Cookie", &cookie)], r#"[{"name":"Imported"}]"#);
        assert_eq!(code, 200, "dryRun={dry_run}: {body}");
    }
    // The file is kept on disk as it arrives, and still held to `max_import_bytes`.
    let rows: Vec<String> = (0..300).map(|n| format!(r#"{{"name":"Imported {n}"}}"#)).collect();
    let large = format!("[{}]", rows.join(","));
    assert!(large.len() > 4096);
    let uri = "/customers/import?accountId=acct-northwind&dryRun=true";
    let (code, _, body) = http(port, "POST", uri, &[("Cookie", &cookie)], &large);
    assert_eq!(code, 413, "{body}");
    let (code, _, body) = http(port, "POST", uri, &[("Cookie", &cookie)], &format!("[{}]", rows[..40].join(",")));
    assert_eq!(code, 200, "{body}");
    assert!(body.contains(r#""created":40"#), "{body}");
    drop(server);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
