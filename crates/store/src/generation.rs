//! Generations: two counters in the database that every write transaction bumps before it commits. A cache
//! remembers the generations it was filled at and answers only while they are unchanged; since the bump commits
//! with the write, a write through any process is seen by the very next read through any other process, with no
//! time-based staleness. One statement reads both.

use diesel::prelude::*;

use crate::{connection::AnyConnection, schema::generations, Store, StoreResult};

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

pub(crate) fn read(conn: &mut AnyConnection) -> StoreResult<Generations> {
    let (data, auth) =
        generations::table.find(1).select((generations::data, generations::auth)).first::<(i64, i64)>(conn)?;
    Ok(Generations { data, auth })
}

impl Store {
    /// The current generations: one statement.
    pub fn generations(&self) -> StoreResult<Generations> {
        read(&mut *self.conn()?)
    }
}
