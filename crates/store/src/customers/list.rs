//! Listing: a page of customers, or a walk over every match.

use canopy_domain::{
    listing::{PageTotals, Paging},
    CustomerInfo,
};
use diesel::prelude::*;

use super::{
    filter::{ordered, resolve_filter},
    hydrate::{gather, hydrate, Gathered, KnownNames, TagIds},
    keyset::{after_key, keyset_column},
    lookup::{inheritance_context, InheritanceContext},
    CustomerPage, CustomerQuery,
};
use crate::{connection::AnyConnection, rows::CustomerRow, schema::customers, Store, StoreResult};

impl Store {
    /// The page `query.paging` names, with its totals.
    pub fn list_customers(&self, query: &CustomerQuery) -> StoreResult<CustomerPage> {
        self.list_customers_knowing_total(query, None)
    }

    /// A page. `known_total` is the number of matches when the caller knows it for the current generations (then
    /// it is not counted again: the count is the costliest part of a page). A page costs, whatever the depth: the
    /// parent paths (only with a parent filter or a Customer user's reach), the count (unless known), the rows, and
    /// one statement for their tags, breadcrumb names and account names. No transaction: each is one consistent
    /// read, and a page that straddles a concurrent write is no worse than the next page read after it.
    pub fn list_customers_knowing_total(
        &self,
        query: &CustomerQuery,
        known_total: Option<u64>,
    ) -> StoreResult<CustomerPage> {
        let paging = query.paging;
        let mut conn = self.conn()?;
        let conn = &mut *conn;
        let resolved = resolve_filter(conn, &query.filter, &query.reach)?;
        let mut q = ordered(resolved.query(), query.sort, query.order);
        if let Some((offset, limit)) = paging.window() {
            q = q.offset(offset as i64).limit(limit as i64);
        }
        let needs_count = matches!(paging, Paging::Page { simplified: false, .. });
        let (mut rows, total): (Vec<CustomerRow>, Option<u64>) = match (needs_count, known_total) {
            (true, None) => {
                // The count rides along with the page as an uncorrelated scalar subquery (computed once by both
                // databases): one statement instead of two. A page past the end has no row to carry it.
                let counted: Vec<(CustomerRow, i64)> = q
                    .select((CustomerRow::as_select(), resolved.query().count().single_value().assume_not_null()))
                    .load(conn)?;
                let total = match counted.first() {
                    Some((_, total)) => *total,
                    None => resolved.query().count().get_result::<i64>(conn)?,
                };
                (counted.into_iter().map(|(row, _)| row).collect(), Some(total.max(0) as u64))
            }
            (true, Some(total)) => (q.select(CustomerRow::as_select()).load(conn)?, Some(total)),
            (false, _) => (q.select(CustomerRow::as_select()).load(conn)?, None),
        };
        let totals = PageTotals::compute(paging, total, rows.len());
        if let Paging::Page { count_per_page, .. } = paging {
            rows.truncate(count_per_page as usize);
        }
        Ok(CustomerPage { items: hydrate(conn, rows)?, totals })
    }

    /// Every customer `query` matches (its paging aside), in its order, handed to `sink` a chunk at a time so that
    /// memory stays bounded however many there are. Runs in one read transaction: a consistent snapshot on both
    /// backends.
    ///
    /// Two threads share the work, as an export is the one request that keeps a core busy for seconds: a reader
    /// runs the statements (the rows, which carry their tag ids, then the names it lacks) while this thread turns the
    /// chunk before into customers and hands them to `sink`. The channel holds nothing (each hand-over waits for this
    /// thread), so the reader is at most one statement's rows ahead and memory stays bounded by two of them and a
    /// chunk of customers. When `sink` stops, the reader stops at its next statement.
    ///
    /// `sink` gets `chunk` customers at a time; the reader may read more per statement ([`rows_per_statement`]).
    pub fn for_each_customer<E>(
        &self,
        query: &CustomerQuery,
        chunk: usize,
        mut sink: impl FnMut(Vec<CustomerInfo>) -> Result<(), E>,
    ) -> StoreResult<Result<(), E>> {
        /// The reader's own way to stop: this thread no longer listens.
        struct NoLongerWanted;
        let (chunks_out, chunks_in) = std::sync::mpsc::sync_channel::<Gathered>(0);
        std::thread::scope(|scope| {
            let per_statement = rows_per_statement(self.backend(), chunk);
            let reader = scope.spawn(move || {
                self.walk(query, per_statement, |_, gathered| Ok(chunks_out.send(gathered).map_err(|_| NoLongerWanted)))
            });
            let mut written: StoreResult<Result<(), E>> = Ok(Ok(()));
            for gathered in chunks_in.iter() {
                match gathered.into_customers_in_parts(chunk, &mut sink) {
                    Ok(Ok(())) => {}
                    stopped => {
                        written = stopped;
                        break;
                    }
                }
            }
            // Hanging up makes the reader's next send fail, which ends its walk (and its transaction).
            drop(chunks_in);
            let read = match reader.join() {
                Ok(read) => read,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            match (read, written) {
                (Err(e), _) | (_, Err(e)) => Err(e),
                (Ok(_), written) => written,
            }
        })
    }

    /// [`Store::for_each_customer`], with each chunk's inheritance context (its ancestors outside the chunk and its
    /// accounts, see [`Store::inheritance_context`]) read in the same transaction: effective values resolved chunk
    /// by chunk, in memory bounded by the chunk and its ancestors however many customers there are.
    pub fn for_each_customer_in_context<E>(
        &self,
        query: &CustomerQuery,
        chunk: usize,
        mut sink: impl FnMut(Vec<CustomerInfo>, InheritanceContext) -> Result<(), E>,
    ) -> StoreResult<Result<(), E>> {
        self.walk(query, chunk, |conn, gathered| {
            let items = gathered.into_customers()?;
            let context = inheritance_context(conn, &items)?;
            Ok(sink(items, context))
        })
    }

    /// The stored `data` and `integrationData` documents (JSON text) of every customer `query` matches, a chunk at
    /// a time, by id rather than in the query's order: what a flat export reads first to name its columns. Neither
    /// tags nor names nor the other documents are read, so this costs a fraction of a walk (on SQLite, 100,000
    /// customers took 1.5 s through `for_each_customer`).
    pub fn for_each_customer_maps<E>(
        &self,
        query: &CustomerQuery,
        mut sink: impl FnMut(&str, &str) -> Result<(), E>,
    ) -> StoreResult<Result<(), E>> {
        // As many as a walk's chunk: documents may be large, and two chunks of them are what a walk holds.
        const CHUNK: i64 = 500;
        let mut conn = self.conn()?;
        conn.transaction(|conn| {
            one_snapshot(conn)?;
            let resolved = resolve_filter(conn, &query.filter, &query.reach)?;
            let mut after: Option<String> = None;
            loop {
                let mut next = resolved.query().order_by(customers::id.asc());
                if let Some(last) = &after {
                    next = next.filter(customers::id.gt(last.clone()));
                }
                let maps: Vec<(String, String, String)> = next
                    .select((customers::id, customers::data, customers::integration_data))
                    .limit(CHUNK)
                    .load(conn)?;
                for (_, data, integration_data) in &maps {
                    if let Err(e) = sink(data, integration_data) {
                        return Ok(Err(e));
                    }
                }
                let done = maps.len() < CHUNK as usize;
                match maps.into_iter().last() {
                    Some((last, ..)) if !done => after = Some(last),
                    _ => return Ok(Ok(())),
                }
            }
        })
    }

    /// The keyset walk under both: each chunk's rows with their tags and names, handed to `sink` with the walk's
    /// connection.
    fn walk<E>(
        &self,
        query: &CustomerQuery,
        chunk: usize,
        mut sink: impl FnMut(&mut AnyConnection, Gathered) -> StoreResult<Result<(), E>>,
    ) -> StoreResult<Result<(), E>> {
        let mut conn = self.conn()?;
        conn.transaction(|conn| {
            one_snapshot(conn)?;
            let (sort, order) = (query.sort, query.order);
            let resolved = resolve_filter(conn, &query.filter, &query.reach)?;
            let chunk = chunk.clamp(1, 10_000);
            // Each chunk starts after the last row of the one before (keyset paging), so the whole walk reads each
            // row once; OFFSET would re-read every skipped row and make an export quadratic. Sorts on columns that
            // may be NULL or are booleans fall back to OFFSET.
            let mut after: Option<(String, String)> = None;
            let mut offset = 0i64;
            let mut known = KnownNames::default();
            if query.filter.is_whole_scope() {
                known.prime(conn, &resolved)?;
            }
            loop {
                let mut next = ordered(resolved.query(), sort, order);
                match (&after, keyset_column(sort)) {
                    (Some((key, id)), Some(column)) => next = next.filter(after_key(column, order, key, id)),
                    (_, None) => next = next.offset(offset),
                    (None, Some(_)) => {}
                }
                let (rows, tags): (Vec<CustomerRow>, Vec<String>) = next
                    .limit(chunk as i64)
                    .select((CustomerRow::as_select(), customers::tag_ids))
                    .load::<(CustomerRow, String)>(conn)?
                    .into_iter()
                    .unzip();
                let done = rows.len() < chunk;
                offset += rows.len() as i64;
                if let (Some(last), Some(column)) = (rows.last(), keyset_column(sort)) {
                    after = Some((column.key_of(last), last.id.clone()));
                }
                if !rows.is_empty() {
                    let gathered = gather(conn, rows, TagIds::Listed(tags), &mut known)?;
                    if let Err(e) = sink(conn, gathered)? {
                        return Ok(Err(e));
                    }
                }
                if done {
                    return Ok(Ok(()));
                }
            }
        })
    }
}

/// How many rows a walk that hands `chunk` customers at a time reads per statement. On SQLite, `chunk`: a statement
/// is a function call that steps rows as they are asked for. On PostgreSQL, at least 2,000: each statement is a
/// round trip whose whole result libpq takes before the first row is decoded, so the reader waits for the
/// database once per statement (and on two cores, for it to be scheduled); with 500 rows a statement the 200
/// round trips of a 100,000-customer export made the HTTP answers 1.9–2.0× `COPY`, with 2,000 1.3–1.5×
/// (docs/performance.md, seventh pass). The rows are still turned into customers `chunk` at a time.
fn rows_per_statement(backend: crate::Backend, chunk: usize) -> usize {
    const POSTGRES_ROWS_PER_STATEMENT: usize = 2_000;
    match backend {
        crate::Backend::Sqlite => chunk,
        crate::Backend::Postgres => chunk.max(POSTGRES_ROWS_PER_STATEMENT),
    }
}

/// Makes the transaction just begun see one snapshot to its end. SQLite's read transactions do already; on
/// PostgreSQL a transaction reads what is committed as each statement starts unless asked otherwise, and a walk is
/// many statements (its names read at the start, then chunk after chunk).
fn one_snapshot(conn: &mut AnyConnection) -> StoreResult<()> {
    if let AnyConnection::Postgresql(_) = conn {
        diesel::connection::SimpleConnection::batch_execute(
            conn,
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        )?;
    }
    Ok(())
}
