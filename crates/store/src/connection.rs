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

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(redact("postgres://canopy:s3cret@db:5432/canopy"), "postgres://canopy:***@db:5432/canopy");
        assert_eq!(redact("postgres://canopy@db/canopy"), "postgres://canopy@db/canopy");
    }
}
