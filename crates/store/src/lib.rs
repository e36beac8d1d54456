//! Canopy's store: every read and write of accounts, system settings and customers, on SQLite or PostgreSQL
//! from one diesel code base.
//!
//! Invariants this crate keeps (and that the rest of Canopy relies on):
//! - the customer parent graph is a forest inside one account; every write that changes it runs in a transaction
//!   that first takes the account's write lock, so two racing moves cannot build a cycle;
//! - every list is answered with a bounded number of queries, whatever the depth of the tree;
//! - every write transaction starts with a write, so SQLite never has to upgrade a read lock (which would fail
//!   instead of waiting).

mod accounts;
mod checkout;
pub mod clock;
mod connection;
mod customers;
mod generation;
mod history;
mod idempotency;
mod rows;
mod schema;
mod settings;
mod unique;
mod users;

use canopy_domain::ValidationErrors;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

pub use accounts::{AccountChanges, AccountFilter, NewAccount};
pub use checkout::{statements_on_this_thread, PoolStatus};
pub use connection::{redact, AnyConnection, Backend, DatabaseUrl};
pub use customers::{
    CustomerFilter, CustomerPage, CustomerQuery, FieldRule, ImportCustomer, ImportRequest, ImportRow,
    InheritanceContext, NewCustomer, RowValues,
};
pub use generation::{Generations, Touches};
pub use history::HistoryQuery;
pub use idempotency::{IdempotencyClaim, Recall};
pub use settings::SystemSettingsChanges;
pub use users::{ApiKeyInfo, NewUser, UserRecord, API_KEY_ID_LENGTH};

/// Who performs a write, recorded in `createdBy` / `lastModifiedBy`, and with the request that asked for it in
/// customers' change history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    /// The request id (`X-Request-Id`) of the HTTP request that runs the write.
    pub request_id: Option<String>,
    /// The operation that runs the write (its DTO name); writes outside a request are named by the store.
    pub operation: Option<String>,
}

impl Actor {
    /// A writer outside any request (the CLI, fixtures, seeds), known by a user id only.
    pub fn named(user_id: &str) -> Self {
        Self { user_id: Some(user_id.to_owned()), ..Self::default() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{entity} '{id}' was not found")]
    NotFound { entity: &'static str, id: String },
    #[error("invalid request: {0}")]
    Validation(ValidationErrors),
    #[error("conflict on {field}: {message}")]
    Conflict { field: String, message: String },
    #[error("forbidden: {message}")]
    Forbidden { field: Option<String>, message: String },
    #[error("the resource was changed since it was read (If-Match does not match)")]
    PreconditionFailed,
    #[error("database configuration: {0}")]
    Config(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database connection: {0}")]
    Pool(String),
    #[error("stored document is corrupt: {0}")]
    Corrupt(String),
    /// What an operation kept outside the database for itself (an import's rows) could not be read back.
    #[error("{0}")]
    Io(String),
    #[error("database error: {0}")]
    Database(DieselError),
    /// A thread that holds a connection asked for a second: a bug, refused at once rather than risk a pool
    /// deadlock (see `checkout`).
    #[error("a store call asked for a second connection while holding one")]
    NestedConnection,
    /// Too many writers queued for too long; nothing was written, so the request may simply be retried.
    #[error("too many concurrent writes; nothing was written, try again")]
    Busy,
    /// Another request with the same idempotency key committed first; nothing of this one was written.
    #[error("another request with this Idempotency-Key was completed first")]
    IdempotencyRace,
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match &error {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                let field =
                    if info.message().contains("reference") || info.constraint_name() == Some("customers_reference") {
                        "referenceId"
                    } else {
                        "id"
                    };
                StoreError::Conflict { field: field.to_owned(), message: format!("that {field} is already in use") }
            }
            _ => StoreError::Database(error),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        StoreError::Pool(error.to_string())
    }
}

impl From<ValidationErrors> for StoreError {
    fn from(errors: ValidationErrors) -> Self {
        StoreError::Validation(errors)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A handle on the database: cheap to clone, safe to share between threads. Its methods block; async callers
/// run them on a blocking thread pool.
#[derive(Clone)]
pub struct Store {
    pool: connection::Pool,
    backend: Backend,
    statements: std::sync::Arc<std::sync::atomic::AtomicU64>,
    waits: std::sync::Arc<checkout::WaitStats>,
    writers: std::sync::Arc<checkout::WriteGate>,
    max_connections: u32,
    /// SQLite only: a connection of its own for reading the generations on the caller's thread (see
    /// [`Store::generations_without_waiting`]).
    generations_reader: Option<std::sync::Arc<generation::InlineReader>>,
    /// Whether customer writes record their history (see [`Store::set_history_recording`]).
    history_recording: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Store {
    /// Connects (building the pool) and applies pending migrations.
    pub fn open(url: &str) -> StoreResult<Self> {
        let store = Self::connect(url)?;
        store.migrate()?;
        Ok(store)
    }

    /// Connects and applies pending migrations, for a command that runs once and ends: its connections are
    /// opened as they are first asked for. [`Store::open`] opens the pool's every connection before it returns
    /// (16 on PostgreSQL), which a server wants warm; a command uses one or two, and opening the others added
    /// 35 ms to the start of every command on PostgreSQL (50 ms, now 15).
    pub fn open_for_command(url: &str) -> StoreResult<Self> {
        let store = Self::connect_for_command(url)?;
        store.migrate()?;
        Ok(store)
    }

    /// Connects without migrating.
    pub fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_keeping(url, None)
    }

    /// Connects without migrating, opening connections as they are asked for (see [`Store::open_for_command`]).
    pub fn connect_for_command(url: &str) -> StoreResult<Self> {
        Self::connect_keeping(url, Some(0))
    }

    /// Connects, keeping `min_idle` connections open (all of the pool's when `None`).
    fn connect_keeping(url: &str, min_idle: Option<u32>) -> StoreResult<Self> {
        let url = DatabaseUrl::parse(url)?;
        let backend = url.backend;
        // SQLite has one writer at a time whatever the pool size: one write permit, and the other connections
        // serve readers. PostgreSQL runs writers side by side, but a few connections stay free for readers.
        let (size, write_permits) = match backend {
            Backend::Sqlite => (8, 1),
            Backend::Postgres => (16, 12),
        };
        let statements = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let connector = connection::Connector::new(url, statements.clone());
        let pool = diesel::r2d2::Pool::builder()
            .max_size(size)
            .min_idle(min_idle)
            // A connection is not tested when handed out (a statement per request); a failed one is discarded.
            .test_on_check_out(false)
            .connection_timeout(std::time::Duration::from_secs(10))
            .build(connector.clone())
            .map_err(|e| StoreError::Pool(e.to_string()))?;
        let writers = checkout::WriteGate::new(write_permits, std::time::Duration::from_secs(10));
        let generations_reader =
            (backend == Backend::Sqlite).then(|| std::sync::Arc::new(generation::InlineReader::new(connector.clone())));
        Ok(Self {
            pool,
            backend,
            statements,
            waits: Default::default(),
            writers: std::sync::Arc::new(writers),
            max_connections: size,
            generations_reader,
            history_recording: std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true)),
        })
    }

    /// The pool's connections and the time callers waited for them.
    pub fn pool_status(&self) -> PoolStatus {
        self.waits.status(self.pool.state(), self.max_connections)
    }

    /// How many SQL statements this store's connections have run so far (transaction control included).
    pub fn statements_executed(&self) -> u64 {
        self.statements.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations; returns how many ran.
    pub fn migrate(&self) -> StoreResult<usize> {
        let applied = connection::run_migrations(&mut *self.conn()?)?;
        if applied > 0 {
            // A schema change may have brought a new index of derived rows (unique data values): fill it from the
            // data already there, once.
            self.reindex_unique_values()?;
        }
        Ok(applied)
    }

    /// Indexes every account's values of data fields declared Unique again, from its customers.
    pub fn reindex_unique_values(&self) -> StoreResult<()> {
        use diesel::prelude::*;
        self.write(Touches::Data, |conn| {
            let accounts: Vec<(String, String)> =
                schema::accounts::table.select((schema::accounts::id, schema::accounts::customer_fields)).load(conn)?;
            for (account_id, fields) in accounts {
                let fields: Vec<canopy_domain::CustomerDataField> = rows::from_doc("customer_fields", &fields)?;
                unique::rebuild(conn, &account_id, &fields, false)?;
            }
            Ok(())
        })
    }

    /// A cheap round trip, for readiness checks.
    pub fn ping(&self) -> StoreResult<()> {
        use diesel::connection::SimpleConnection;
        self.conn()?.batch_execute("SELECT 1")?;
        Ok(())
    }

    /// A connection for reads (see `checkout` for the rules).
    fn conn(&self) -> StoreResult<checkout::Conn> {
        checkout::read(&self.pool, &self.waits)
    }

    /// Runs `work` as one write transaction: a write permit, one connection, and the generations that `touches`
    /// names bumped in the same transaction (so no cache can outlive the change). Every write goes through here.
    pub(crate) fn write<T>(
        &self,
        touches: Touches,
        work: impl FnOnce(&mut AnyConnection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        use diesel::Connection;
        let mut conn = checkout::write(&self.pool, &self.waits, &self.writers)?;
        conn.transaction(|conn| {
            let value = work(conn)?;
            generation::bump(conn, touches)?;
            Ok(value)
        })
    }

    /// Runs `work` like [`Store::write`] (a write permit, one connection, one transaction), then rolls the
    /// transaction back whatever `work` answered: a rehearsal that sees its own writes and leaves nothing behind.
    pub(crate) fn rehearse<T>(&self, work: impl FnOnce(&mut AnyConnection) -> StoreResult<T>) -> StoreResult<T> {
        use diesel::Connection;
        let mut conn = checkout::write(&self.pool, &self.waits, &self.writers)?;
        let mut answer = None;
        let rolled_back = conn.transaction::<(), diesel::result::Error, _>(|conn| {
            answer = Some(work(conn));
            Err(diesel::result::Error::RollbackTransaction)
        });
        match (rolled_back, answer) {
            (Err(diesel::result::Error::RollbackTransaction), Some(answer)) => answer,
            (Ok(()), _) | (Err(diesel::result::Error::RollbackTransaction), None) => {
                Err(StoreError::Corrupt("a rehearsal did not roll back".into()))
            }
            (Err(other), _) => Err(other.into()),
        }
    }
}

pub(crate) use clock::now_text;

/// A new opaque id: 32 hex digits, time-ordered (UUIDv7) so that new rows land at the end of the id index.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// The key text sorts and filters use: case-insensitive, computed here so both backends agree on it.
pub(crate) fn sort_key(text: &str) -> String {
    text.to_lowercase()
}
