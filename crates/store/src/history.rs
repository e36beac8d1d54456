//! Each customer's change history: written by the customer writes in their own transactions (one row per member a
//! change altered, `canopy_domain::history::diff` deciding which), read a page at a time, newest first, and pruned
//! by age.

use canopy_domain::{
    access::Reach,
    history::{CustomerHistoryEntry, MemberChange},
    listing::{PageTotals, Paging},
};
use diesel::prelude::*;

use crate::{
    connection::{AnyConnection, Db},
    customers::path_in_reach,
    new_id,
    schema::{customer_history, customers},
    Actor, Store, StoreError, StoreResult, Touches,
};

/// One page of one customer's history, and what it may be narrowed to.
#[derive(Debug, Clone)]
pub struct HistoryQuery {
    pub customer_id: String,
    /// The caller's reach: a live customer must lie within it; a deleted one's history is read by callers who
    /// reach its whole account (`Everything` or its account among `Accounts`), never by a Customer user.
    pub reach: Reach,
    /// Changes at or after this instant (stored form, see `clock::parse`).
    pub from: Option<String>,
    /// Changes strictly before this instant (stored form).
    pub to: Option<String>,
    /// Only this member's changes (its wire name).
    pub member: Option<String>,
    pub paging: Paging,
}

// An absent value is NULL, not DEFAULT: with no DEFAULT in them, SQLite takes the rows of one change in one INSERT
// (diesel writes a row per statement there otherwise).
#[derive(Insertable)]
#[diesel(table_name = customer_history, treat_none_as_default_value = false)]
struct HistoryInsert<'a> {
    change_id: &'a str,
    position: i32,
    customer_id: &'a str,
    account_id: &'a str,
    changed_at: &'a str,
    user_id: Option<&'a str>,
    user_name: Option<&'a str>,
    request_id: Option<&'a str>,
    operation: &'a str,
    member: &'a str,
    old_value: Option<&'a str>,
    new_value: Option<&'a str>,
}

/// A stored history row as `ListCustomerHistory` reads it (its position only orders the rows).
#[derive(Queryable, Selectable)]
#[diesel(table_name = customer_history)]
struct HistoryRow {
    change_id: String,
    customer_id: String,
    account_id: String,
    changed_at: String,
    user_id: Option<String>,
    user_name: Option<String>,
    request_id: Option<String>,
    operation: String,
    member: String,
    old_value: Option<String>,
    new_value: Option<String>,
}

impl From<HistoryRow> for CustomerHistoryEntry {
    fn from(row: HistoryRow) -> Self {
        Self {
            change_id: row.change_id,
            customer_id: row.customer_id,
            account_id: row.account_id,
            changed_at: row.changed_at,
            user_id: row.user_id,
            user_name: row.user_name,
            request_id: row.request_id,
            operation: row.operation,
            member: row.member,
            old_value: row.old_value,
            new_value: row.new_value,
        }
    }
}

/// Records one change of one customer, in the caller's transaction: nothing when `changes` is empty (a change
/// with no effect), else one row per member, all in one statement. `operation` is the store's name for the write,
/// used when the actor does not name the operation it runs.
pub(crate) fn record(
    conn: &mut AnyConnection,
    actor: &Actor,
    operation: &str,
    customer_id: &str,
    account_id: &str,
    changes: &[MemberChange],
) -> StoreResult<()> {
    record_change(conn, actor, operation, account_id, &[(customer_id, changes)])
}

/// Rows per INSERT: 12 bound values a row stays well under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
const ROWS_PER_INSERT: usize = 1_000;
/// Up to this many rows of one customer's change, SQLite inserts them one at a time with one cached statement (see
/// `insert_changes`).
const ROWS_ONE_BY_ONE: usize = 32;

/// Records one change that altered several customers of one account (a move and the effective values it changed
/// below the moved customer): one `changeId` and one `changedAt` for all, each customer's members numbered from 0.
/// Customers without changes record nothing; the rest are written 1,000 rows per statement.
pub(crate) fn record_change(
    conn: &mut AnyConnection,
    actor: &Actor,
    operation: &str,
    account_id: &str,
    customers: &[(&str, &[MemberChange])],
) -> StoreResult<()> {
    if customers.iter().all(|(_, changes)| changes.is_empty()) {
        return Ok(());
    }
    let change_id = new_id();
    insert_changes(
        conn,
        actor,
        operation,
        account_id,
        customers.iter().map(|&(id, changes)| (&*change_id, id, changes)),
    )
}

/// Records the changes of many customers of one account at once (the customers an import created), as
/// [`record`] would one by one (a change each), in multi-row INSERTs of up to a thousand rows.
pub(crate) fn record_many(
    conn: &mut AnyConnection,
    actor: &Actor,
    operation: &str,
    account_id: &str,
    changes: &[(&str, Vec<MemberChange>)],
) -> StoreResult<()> {
    let change_ids: Vec<String> = changes.iter().map(|_| new_id()).collect();
    let entries = changes.iter().zip(&change_ids).map(|((id, members), change)| (change.as_str(), *id, &members[..]));
    insert_changes(conn, actor, operation, account_id, entries)
}

/// Writes history rows, one per member of each `(change id, customer id, members)`, all at one `changedAt`.
fn insert_changes<'a>(
    conn: &mut AnyConnection,
    actor: &'a Actor,
    operation: &'a str,
    account_id: &'a str,
    entries: impl Iterator<Item = (&'a str, &'a str, &'a [MemberChange])>,
) -> StoreResult<()> {
    let changed_at = crate::now_text();
    let operation = actor.operation.as_deref().unwrap_or(operation);
    let mut rows = Vec::new();
    for (change_id, customer_id, changes) in entries {
        for (position, change) in changes.iter().enumerate() {
            rows.push(HistoryInsert {
                change_id,
                position: i32::try_from(position).map_err(|_| StoreError::Corrupt("too many members".into()))?,
                customer_id,
                account_id,
                changed_at: &changed_at,
                user_id: actor.user_id.as_deref(),
                user_name: actor.user_name.as_deref(),
                request_id: actor.request_id.as_deref(),
                operation,
                member: &change.member,
                old_value: change.old_value.as_deref(),
                new_value: change.new_value.as_deref(),
            });
        }
    }
    let one_customer = rows.windows(2).all(|pair| pair[0].customer_id == pair[1].customer_id);
    if one_customer && rows.len() <= ROWS_ONE_BY_ONE {
        if let AnyConnection::Sqlite(c) = &mut *conn {
            // One customer's change (most writes): SQLite would prepare a multi-row INSERT anew for each number of
            // rows (diesel caches only statements whose text never changes), and preparing costs more than running
            // the one cached single-row INSERT a few times. A change across customers (a move and its subtree) or
            // an import's many keep multi-row INSERTs, and so a number of statements that does not grow with them.
            for row in &rows {
                diesel::insert_into(customer_history::table).values(row).execute(c)?;
            }
            return Ok(());
        }
    }
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        // Multi-row INSERTs are outside diesel's MultiConnection subset, so each backend runs its own.
        match &mut *conn {
            AnyConnection::Sqlite(c) => diesel::insert_into(customer_history::table).values(chunk).execute(c)?,
            AnyConnection::Postgresql(c) => diesel::insert_into(customer_history::table).values(chunk).execute(c)?,
        };
    }
    Ok(())
}

type BoxedHistory<'a> = customer_history::BoxedQuery<'a, Db>;

impl Store {
    /// A page of one customer's history, newest first (a change's members in declaration order). A customer out
    /// of reach, and one with neither a row nor a history the caller may read, is `NotFound`. Three statements:
    /// the reach check, the count (not with simplified paging) and the page.
    pub fn customer_history(&self, query: &HistoryQuery) -> StoreResult<(Vec<CustomerHistoryEntry>, PageTotals)> {
        let mut conn = self.conn()?;
        let not_found = || StoreError::NotFound { entity: "Customer", id: query.customer_id.clone() };
        let live: Option<(String, String)> = customers::table
            .find(&query.customer_id)
            .select((customers::path, customers::account_id))
            .first(&mut *conn)
            .optional()?;
        match &live {
            Some((path, account)) if !path_in_reach(path, account, &query.reach) => return Err(not_found()),
            Some(_) => {}
            // Deleted (or never there): its history's account decides, and only for callers who reach accounts.
            None => {
                let account: Option<String> = customer_history::table
                    .filter(customer_history::customer_id.eq(&query.customer_id))
                    .select(customer_history::account_id)
                    .first(&mut *conn)
                    .optional()?;
                let readable = match (&query.reach, account) {
                    (_, None) => false,
                    (Reach::Everything, Some(_)) => true,
                    (Reach::Accounts(ids), Some(account)) => ids.contains(&account),
                    (Reach::Subtrees { .. }, Some(_)) => false,
                };
                if !readable {
                    return Err(not_found());
                }
            }
        }
        let filtered = || {
            let mut q: BoxedHistory<'_> = customer_history::table
                .filter(customer_history::customer_id.eq(query.customer_id.clone()))
                .into_boxed();
            if let Some(from) = &query.from {
                q = q.filter(customer_history::changed_at.ge(from.clone()));
            }
            if let Some(to) = &query.to {
                q = q.filter(customer_history::changed_at.lt(to.clone()));
            }
            if let Some(member) = &query.member {
                q = q.filter(customer_history::member.eq(member.clone()));
            }
            q
        };
        let total = match query.paging {
            Paging::Page { simplified: false, .. } => {
                Some(filtered().count().get_result::<i64>(&mut *conn)?.max(0) as u64)
            }
            _ => None,
        };
        let mut page = filtered().order((
            customer_history::changed_at.desc(),
            customer_history::change_id.desc(),
            customer_history::position.asc(),
        ));
        if let Some((offset, limit)) = query.paging.window() {
            page = page.offset(offset as i64).limit(limit as i64);
        }
        let mut rows: Vec<HistoryRow> = page.select(HistoryRow::as_select()).load(&mut *conn)?;
        let totals = PageTotals::compute(query.paging, total, rows.len());
        if let Paging::Page { count_per_page, .. } = query.paging {
            rows.truncate(count_per_page as usize);
        }
        let items = rows.into_iter().map(CustomerHistoryEntry::from).collect();
        Ok((items, totals))
    }

    /// Removes every history row older than `before` (stored form, see `clock::parse`); returns how many.
    pub fn prune_history(&self, before: &str) -> StoreResult<usize> {
        self.write(Touches::Data, |conn| {
            Ok(diesel::delete(customer_history::table.filter(customer_history::changed_at.lt(before))).execute(conn)?)
        })
    }

    /// Whether customer writes record their history (on unless a benchmark turned it off to measure its cost).
    pub(crate) fn records_history(&self) -> bool {
        self.history_recording.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Turns history recording off or on for this store's writes. Not a setting: a knob for the benchmark that
    /// measures what recording costs (`benches/`), and for tests.
    #[doc(hidden)]
    pub fn set_history_recording(&self, on: bool) {
        self.history_recording.store(on, std::sync::atomic::Ordering::Relaxed);
    }
}
