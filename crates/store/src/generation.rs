//! Generations: two counters in the database that every write transaction bumps before it commits. A cache
//! remembers the generations it was filled at and answers only while they are unchanged; since the bump commits
//! with the write, a write through any process is seen by the very next read through any other process, with no
//! time-based staleness. One statement reads both.

use diesel::prelude::*;

use crate::{connection::AnyConnection, schema::generations, Store, StoreError, StoreResult};

/// The counters as one read saw them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Generations {
    /// Bumped by every change to customers, accounts, tags and system settings.
    pub data: i64,
    /// Bumped by every change to users, their links, sessions and API keys, and to accounts (which change what a
    /// Manager reaches).
    pub auth: i64,
}

/// What a write transaction changes, and so which generations it bumps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touches {
    Data,
    Auth,
    DataAndAuth,
}

/// Bumps the generations `touches` names. The last statement of a write transaction, so the row lock it takes on
/// PostgreSQL is held as briefly as possible, and always after any account lock (one order, no deadlock).
pub(crate) fn bump(conn: &mut AnyConnection, touches: Touches) -> StoreResult<()> {
    let row = diesel::update(generations::table.find(1));
    match touches {
        Touches::Data => row.set(generations::data.eq(generations::data + 1)).execute(conn)?,
        Touches::Auth => row.set(generations::auth.eq(generations::auth + 1)).execute(conn)?,
        Touches::DataAndAuth => row
            .set((generations::data.eq(generations::data + 1), generations::auth.eq(generations::auth + 1)))
            .execute(conn)?,
    };
    Ok(())
}

/// The table has exactly one row. The query has no bound value on purpose: it is prepared once per connection and
/// reused (SQLite re-prepares a statement whose bound values might change its plan, which cost more than the read).
pub(crate) fn read(conn: &mut AnyConnection) -> StoreResult<Generations> {
    let rows = generations::table.select((generations::data, generations::auth)).load::<(i64, i64)>(conn)?;
    let (data, auth) =
        rows.first().copied().ok_or_else(|| StoreError::Corrupt("the generations row is missing".into()))?;
    Ok(Generations { data, auth })
}

impl Store {
    /// The current generations: one statement.
    pub fn generations(&self) -> StoreResult<Generations> {
        read(&mut *self.conn()?)
    }

    /// The current generations, read on this thread only if that cannot wait: on SQLite, over a connection kept for
    /// this alone, when no other thread is using it (a WAL reader never waits for writers, and one row is read in
    /// microseconds). `None` means "ask [`Store::generations`] on a thread that may block": always on PostgreSQL,
    /// whose round trip must not hold an async worker.
    pub fn generations_without_waiting(&self) -> Option<StoreResult<Generations>> {
        self.generations_reader.as_ref()?.try_read()
    }
}

/// Connections kept for reading the generations without the pool (SQLite only): one per thread reading at the same
/// moment (the async workers), so readers never wait for each other.
pub(crate) struct InlineReader {
    connector: crate::connection::Connector,
    idle: std::sync::Mutex<Vec<crate::connection::Pooled>>,
}

/// More than the async workers ever need at once; past it, callers use the blocking path.
const MAX_INLINE_CONNECTIONS: usize = 8;

impl InlineReader {
    pub(crate) fn new(connector: crate::connection::Connector) -> Self {
        Self { connector, idle: std::sync::Mutex::new(Vec::new()) }
    }

    fn try_read(&self) -> Option<StoreResult<Generations>> {
        let taken = self.idle.try_lock().ok()?.pop();
        // The first read on each worker opens its connection (the file and its PRAGMAs), once.
        let mut pooled = match taken {
            Some(pooled) => pooled,
            None => self.connector.establish().ok()?,
        };
        let result = read(&mut pooled.conn);
        if result.is_ok() {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < MAX_INLINE_CONNECTIONS {
                idle.push(pooled);
            }
        }
        Some(result)
    }
}
