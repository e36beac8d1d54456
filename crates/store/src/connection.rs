//! Connections and the pool. The backend is chosen from the URL once, when the pool is built; every
//! connection of a pool is of that backend.

use diesel::{
    connection::SimpleConnection,
    r2d2::{self, ManageConnection},
    Connection, PgConnection, SqliteConnection,
};
use std::sync::{
    atomic::{AtomicBool, AtomicU64, Ordering},
    Arc,
};

use diesel::connection::InstrumentationEvent;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::StoreError;

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// The SQL dialect every query in this crate is written for: the common subset of SQLite and PostgreSQL.
pub type Db = <AnyConnection as Connection>::Backend;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the data lives, parsed from a `sqlite://…` or `postgres://…` URL (a bare path means SQLite).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    pub backend: Backend,
    /// What the driver is given: a file path for SQLite, the URL itself for PostgreSQL.
    target: String,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self { backend: Backend::Postgres, target: url.to_owned() });
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if path.is_empty() || url.contains("://") && !url.starts_with("sqlite://") {
            return Err(StoreError::Config(format!(
                "unsupported database URL '{}': use sqlite://PATH or postgres://…",
                redact(url)
            )));
        }
        Ok(Self { backend: Backend::Sqlite, target: path.to_owned() })
    }

    /// The URL with any password removed, for logs and messages.
    pub fn redacted(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("sqlite://{}", self.target),
            Backend::Postgres => redact(&self.target),
        }
    }

    pub fn target(&self) -> &str {
        &self.target
    }
}

/// Hides the password of `scheme://user:password@host/…`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((credentials, host)) = rest.split_once('@') else { return url.to_owned() };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Opens connections of one backend, with the per-connection settings SQLite needs.
#[derive(Debug, Clone)]
pub struct Connector {
    url: DatabaseUrl,
    /// Statements run by every connection of the pool: how tests and benchmarks show that a request costs a
    /// bounded number of queries.
    statements: Arc<AtomicU64>,
}

impl Connector {
    pub fn new(url: DatabaseUrl, statements: Arc<AtomicU64>) -> Self {
        Self { url, statements }
    }

    pub fn establish(&self) -> Result<Pooled, diesel::ConnectionError> {
        let mut conn = self.open()?;
        let statements = Arc::clone(&self.statements);
        let broken = Arc::new(AtomicBool::new(false));
        let marks_broken = Arc::clone(&broken);
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| match event {
            InstrumentationEvent::StartQuery { .. } => {
                statements.fetch_add(1, Ordering::Relaxed);
                crate::checkout::count_statement_on_this_thread();
            }
            // The pool does not test connections when handing them out (that would cost a statement per
            // request); a connection whose server went away is recognised by its first failure and discarded.
            InstrumentationEvent::FinishQuery { error: Some(error), .. } if is_connection_failure(error) => {
                marks_broken.store(true, Ordering::Relaxed);
            }
            _ => {}
        });
        Ok(Pooled { conn, broken })
    }

    fn open(&self) -> Result<AnyConnection, diesel::ConnectionError> {
        match self.url.backend {
            Backend::Postgres => Ok(AnyConnection::Postgresql(PgConnection::establish(&self.url.target)?)),
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.url.target)?;
                // WAL lets readers run beside the writer; the busy timeout makes writers queue instead of failing;
                // foreign keys are off by default in SQLite and the schema relies on them.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 15000; \
                     PRAGMA foreign_keys = ON;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }
}

/// A pooled connection and whether it has failed in a way that makes it useless (its server went away).
pub struct Pooled {
    pub conn: AnyConnection,
    broken: Arc<AtomicBool>,
}

fn is_connection_failure(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(
        error,
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, _)
    )
}

impl ManageConnection for Connector {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        self.establish().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), r2d2::Error> {
        pooled.conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    /// Broken: a failed connection, one left inside a transaction, or one given back by a panicking thread.
    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        use diesel::r2d2::R2D2Connection;
        std::thread::panicking() || pooled.broken.load(Ordering::Relaxed) || pooled.conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<Connector>;
pub type PooledConnection = r2d2::PooledConnection<Connector>;

/// Applies every pending migration of the connection's backend; returns how many ran.
pub fn run_migrations(conn: &mut AnyConnection) -> Result<usize, StoreError> {
    let applied = match conn {
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        AnyConnection::Postgresql(c) => {
            // Two instances starting together must not both migrate: the advisory lock makes the second wait.
            c.batch_execute("SELECT pg_advisory_lock(7243110)")?;
            let result = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len());
            c.batch_execute("SELECT pg_advisory_unlock(7243110)")?;
            result
        }
    };
    applied.map_err(|e| StoreError::Migration(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend() {
        assert_eq!(DatabaseUrl::parse("sqlite://canopy.db").map(|u| u.backend).ok(), Some(Backend::Sqlite));
        assert_eq!(DatabaseUrl::parse("canopy.db").map(|u| u.backend).ok(), Some(Backend::Sqlite));
        assert_eq!(DatabaseUrl::parse("postgres://u@h/db").map(|u| u.backend).ok(), Some(Backend::Postgres));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
    }

    /// The bundled SQLite is built as `.cargo/config.toml` asks (multi-thread mode, no memory statistics): a
    /// build that lost the setting would still work, only slower, so nothing else would notice.
    #[test]
    fn the_bundled_sqlite_is_built_in_multi_thread_mode() {
        use diesel::{dsl::sql, sql_types::Integer, RunQueryDsl};
        let mut conn = SqliteConnection::establish(":memory:").expect("an in-memory database");
        let used = |conn: &mut SqliteConnection, option: &str| -> i32 {
            diesel::select(sql::<Integer>(&format!("sqlite_compileoption_used('{option}')")))
                .get_result(conn)
                .expect("a compile option")
        };
        assert_eq!(used(&mut conn, "THREADSAFE=2"), 1, "SQLITE_THREADSAFE");
        assert_eq!(used(&mut conn, "DEFAULT_MEMSTATUS=0"), 1, "SQLITE_DEFAULT_MEMSTATUS");
    }

    /// Runs every migration before the one that added `customers.tag_ids` on a database holding tagged
    /// customers, then that one: it must fill each row's list from `customer_tags`. A macro rather than a function
    /// generic over the connection, as the two connections' bounds for loading rows differ.
    macro_rules! tag_ids_filled_by_migration {
        ($conn:expr, $migrations:expr) => {{
            let conn = $conn;
            loop {
                let pending = conn.pending_migrations($migrations).expect("pending migrations");
                let next = pending.first().expect("the tag_ids migration is pending");
                if next.name().to_string().ends_with("_customer_tag_ids") {
                    break;
                }
                conn.run_migration(next.as_ref()).expect("an earlier migration");
            }
            conn.batch_execute(
                r#"
                INSERT INTO accounts (id, name, name_key, path, date_created, date_last_modified)
                    VALUES ('a', 'A', 'a', '/a/', 'now', 'now');
                INSERT INTO tags (account_id, id, name, color, position) VALUES
                    ('a', 'vip', 'VIP', 'Gold', 0), ('a', 'trial', 'Trial', 'Cyan', 1), ('a', 'odd, "one"', 'Odd', 'Red', 2);
                INSERT INTO customers (id, account_id, path, name, name_key, date_created, date_last_modified) VALUES
                    ('c1', 'a', '/c1/', 'One', 'one', 'now', 'now'),
                    ('c2', 'a', '/c2/', 'Two', 'two', 'now', 'now'),
                    ('c3', 'a', '/c1/c3/', 'Three', 'three', 'now', 'now');
                INSERT INTO customer_tags (customer_id, account_id, tag_id) VALUES
                    ('c1', 'a', 'vip'), ('c1', 'a', 'trial'), ('c3', 'a', 'odd, "one"');
                "#,
            )
            .expect("tagged customers");
            conn.run_pending_migrations($migrations).expect("the tag_ids migration and the rest");
            use diesel::prelude::*;
            use crate::schema::customers;
            let rows: Vec<(String, String)> =
                customers::table.select((customers::id, customers::tag_ids)).order(customers::id).load(conn).expect("rows");
            rows.into_iter()
                .map(|(id, list)| {
                    let mut ids: Vec<String> = serde_json::from_str(&list).expect("a JSON list");
                    ids.sort();
                    (id, ids)
                })
                .collect::<Vec<_>>()
        }};
    }

    fn tag_ids_expected() -> Vec<(String, Vec<String>)> {
        let ids = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        vec![
            ("c1".to_owned(), ids(&["trial", "vip"])),
            ("c2".to_owned(), ids(&[])),
            ("c3".to_owned(), ids(&["odd, \"one\""])),
        ]
    }

    #[test]
    fn the_tag_ids_migration_fills_each_row_from_customer_tags_on_sqlite() {
        let mut conn = SqliteConnection::establish(":memory:").expect("an in-memory database");
        assert_eq!(tag_ids_filled_by_migration!(&mut conn, SQLITE_MIGRATIONS), tag_ids_expected());
    }

    /// The same on PostgreSQL, in a database of its own, when `CANOPY_TEST_POSTGRES` names a server.
    #[test]
    #[allow(clippy::disallowed_methods)] // a knob of this test run, not a setting of the service
    fn the_tag_ids_migration_fills_each_row_from_customer_tags_on_postgres() {
        let Ok(base) = std::env::var("CANOPY_TEST_POSTGRES") else { return };
        let base = base.trim_end_matches('/');
        let name = format!("canopy_test_tag_ids_migration_{}", std::process::id());
        let mut admin = PgConnection::establish(&format!("{base}/postgres")).expect("the postgres database");
        // Two statements: PostgreSQL runs a multi-statement string as one transaction, which neither may be in.
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).expect("no database left over");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("a database");
        let filled = std::panic::catch_unwind(|| {
            let mut conn = PgConnection::establish(&format!("{base}/{name}")).expect("the new database");
            tag_ids_filled_by_migration!(&mut conn, POSTGRES_MIGRATIONS)
        });
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).expect("dropped");
        assert_eq!(filled.expect("the migration ran"), tag_ids_expected());
    }

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(redact("postgres://canopy:s3cret@db:5432/canopy"), "postgres://canopy:***@db:5432/canopy");
        assert_eq!(redact("postgres://canopy@db/canopy"), "postgres://canopy@db/canopy");
    }
}
