//! Taking connections from the pool, under two rules that make a pool deadlock impossible by construction:
//!
//! 1. **One connection per thread at a time.** A store call takes one connection and does all its work on it
//!    (a write reads its answer back inside its own transaction). A thread that already holds a connection and
//!    asks for a second gets [`StoreError::NestedConnection`] at once instead of waiting: with N connections, N
//!    callers each holding one while waiting for another would otherwise wait for ever (the stall that 40
//!    concurrent PATCHes once caused).
//! 2. **Writers pass a gate before they take a connection.** At most `write_permits` write transactions hold
//!    connections at once (one on SQLite, which has a single writer anyway; fewer than the pool on PostgreSQL), so
//!    writers queueing on a lock never occupy every connection: reads and `/health` always find one.
//!
//! It also measures how long callers wait for a connection, for `/metrics`.

use std::{
    cell::Cell,
    marker::PhantomData,
    ops::{Deref, DerefMut},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Condvar, Mutex,
    },
    time::{Duration, Instant},
};

use crate::{
    connection::{AnyConnection, PooledConnection},
    StoreError, StoreResult,
};

thread_local! {
    /// Whether this thread holds a pooled connection right now.
    static HOLDING: Cell<bool> = const { Cell::new(false) };
    /// Statements run by connections used on this thread (see [`statements_on_this_thread`]).
    static STATEMENTS: Cell<u64> = const { Cell::new(0) };
}

/// Statements run on this thread so far. A caller that runs a store call on a thread can subtract the value
/// before from the value after to learn what that call cost.
pub fn statements_on_this_thread() -> u64 {
    STATEMENTS.with(Cell::get)
}

pub(crate) fn count_statement_on_this_thread() {
    STATEMENTS.with(|count| count.set(count.get() + 1));
}

/// A pooled connection that this thread holds. Not `Send`: it must be given back on the thread that took it, so
/// the one-per-thread rule stays true.
pub struct Conn {
    inner: PooledConnection,
    _not_send: PhantomData<std::rc::Rc<()>>,
    _permit: Option<WritePermit>,
}

impl Deref for Conn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.inner.conn
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner.conn
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        HOLDING.with(|holding| holding.set(false));
    }
}

/// Upper bounds (seconds) of the pool-wait histogram.
pub const WAIT_BUCKETS: [f64; 10] = [0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];

/// How long callers waited for connections.
#[derive(Debug, Default)]
pub(crate) struct WaitStats {
    count: AtomicU64,
    micros: AtomicU64,
    buckets: [AtomicU64; WAIT_BUCKETS.len()],
}

impl WaitStats {
    fn observe(&self, waited: Duration) {
        let seconds = waited.as_secs_f64();
        self.count.fetch_add(1, Ordering::Relaxed);
        self.micros.fetch_add(u64::try_from(waited.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
        if let Some(i) = WAIT_BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The pool as `/metrics` shows it.
#[derive(Debug, Clone, Default)]
pub struct PoolStatus {
    pub max_connections: u32,
    pub connections: u32,
    pub idle_connections: u32,
    /// Connections taken so far, and the time spent waiting for them.
    pub waits: u64,
    pub wait_seconds_sum: f64,
    /// Cumulative: (upper bound in seconds, waits that took at most that long).
    pub wait_buckets: Vec<(f64, u64)>,
}

impl WaitStats {
    pub(crate) fn status(&self, state: diesel::r2d2::State, max: u32) -> PoolStatus {
        let mut cumulative = 0;
        let wait_buckets = WAIT_BUCKETS
            .iter()
            .zip(&self.buckets)
            .map(|(bound, count)| {
                cumulative += count.load(Ordering::Relaxed);
                (*bound, cumulative)
            })
            .collect();
        PoolStatus {
            max_connections: max,
            connections: state.connections,
            idle_connections: state.idle_connections,
            waits: self.count.load(Ordering::Relaxed),
            wait_seconds_sum: self.micros.load(Ordering::Relaxed) as f64 / 1e6,
            wait_buckets,
        }
    }
}

/// A fair counting semaphore for write transactions (std only: the store's calls block, they are not async).
/// Writers are admitted in arrival order: without that, an unlucky writer could be overtaken again and again and
/// wait far longer than the queue in front of it (the tail latency of 64 concurrent writers).
#[derive(Debug)]
pub(crate) struct WriteGate {
    state: Mutex<GateState>,
    changed: Condvar,
    /// How long a writer waits for its turn before the call fails with [`StoreError::Busy`] (nothing was written).
    patience: Duration,
}

#[derive(Debug)]
struct GateState {
    free: usize,
    next_ticket: u64,
    /// Tickets waiting, in arrival order.
    queue: std::collections::VecDeque<u64>,
}

pub(crate) struct WritePermit {
    gate: Arc<WriteGate>,
}

impl WriteGate {
    pub(crate) fn new(permits: usize, patience: Duration) -> Self {
        let state = GateState { free: permits.max(1), next_ticket: 0, queue: Default::default() };
        Self { state: Mutex::new(state), changed: Condvar::new(), patience }
    }

    fn enter(self: &Arc<Self>) -> StoreResult<WritePermit> {
        let deadline = Instant::now() + self.patience;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.queue.push_back(ticket);
        loop {
            if state.free > 0 && state.queue.front() == Some(&ticket) {
                state.queue.pop_front();
                state.free -= 1;
                // The next in line may be admitted too, if a permit is left.
                self.changed.notify_all();
                return Ok(WritePermit { gate: Arc::clone(self) });
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                state.queue.retain(|t| *t != ticket);
                self.changed.notify_all();
                return Err(StoreError::Busy);
            }
            state = self.changed.wait_timeout(state, left).unwrap_or_else(|e| e.into_inner()).0;
        }
    }
}

impl Drop for WritePermit {
    fn drop(&mut self) {
        self.gate.state.lock().unwrap_or_else(|e| e.into_inner()).free += 1;
        self.gate.changed.notify_all();
    }
}

/// Takes a connection for a read.
pub(crate) fn read(pool: &crate::connection::Pool, waits: &WaitStats) -> StoreResult<Conn> {
    take(pool, waits, None)
}

/// Takes a write permit, then a connection. The permit is held until the connection is given back.
pub(crate) fn write(pool: &crate::connection::Pool, waits: &WaitStats, gate: &Arc<WriteGate>) -> StoreResult<Conn> {
    if HOLDING.with(Cell::get) {
        return Err(StoreError::NestedConnection);
    }
    let permit = gate.enter()?;
    take(pool, waits, Some(permit))
}

fn take(pool: &crate::connection::Pool, waits: &WaitStats, permit: Option<WritePermit>) -> StoreResult<Conn> {
    if HOLDING.with(Cell::get) {
        return Err(StoreError::NestedConnection);
    }
    let started = Instant::now();
    let inner = pool.get()?;
    waits.observe(started.elapsed());
    HOLDING.with(|holding| holding.set(true));
    Ok(Conn { inner, _not_send: PhantomData, _permit: permit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writers_are_admitted_in_arrival_order() {
        let gate = Arc::new(WriteGate::new(1, Duration::from_secs(5)));
        let held = gate.enter().expect("first");
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut waiting = Vec::new();
        for i in 0..6 {
            let (entering, order) = (Arc::clone(&gate), Arc::clone(&order));
            waiting.push(std::thread::spawn(move || {
                let _permit = entering.enter().expect("admitted");
                order.lock().unwrap_or_else(|e| e.into_inner()).push(i);
            }));
            // Let each one queue before the next arrives.
            while gate.state.lock().unwrap_or_else(|e| e.into_inner()).queue.len() < i + 1 {
                std::thread::yield_now();
            }
        }
        drop(held);
        for thread in waiting {
            thread.join().expect("joins");
        }
        assert_eq!(*order.lock().unwrap_or_else(|e| e.into_inner()), vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn the_gate_admits_as_many_writers_as_it_has_permits_and_then_makes_them_wait() {
        let gate = Arc::new(WriteGate::new(2, Duration::from_millis(20)));
        let first = gate.enter().expect("first");
        let _second = gate.enter().expect("second");
        assert!(matches!(gate.enter(), Err(StoreError::Busy)), "a third waits, then gives up");
        drop(first);
        assert!(gate.enter().is_ok(), "a freed permit is taken again");
    }
}
