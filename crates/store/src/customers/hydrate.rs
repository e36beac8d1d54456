//! Rows turned into `CustomerInfo`s: tags, breadcrumb names and account names, in a bounded number of statements.

use std::collections::{HashMap, HashSet};

use canopy_domain::{access::Reach, hierarchy, CustomerInfo, Tag};
use diesel::{
    dsl::sql,
    prelude::*,
    sql_types::{Integer, Text},
};

use super::{in_reach, BIND_CHUNK};
use crate::{
    connection::AnyConnection,
    rows::{CustomerRow, TagRow},
    schema::{accounts, customer_tags, customers, tags},
    StoreError, StoreResult,
};

/// Turns rows into `CustomerInfo`s with one more statement whatever their number or depth (a `UNION ALL` of their
/// tags, the names of every ancestor on their breadcrumbs, and their accounts' names), or three per thousand when
/// there are too many ids for one statement.
pub(super) fn hydrate(conn: &mut AnyConnection, rows: Vec<CustomerRow>) -> StoreResult<Vec<CustomerInfo>> {
    gather(conn, rows, &mut KnownNames::default())?.into_customers()
}

/// The names of ancestors and accounts that a walk has read already, kept from chunk to chunk: rows sorted by name
/// come from all over the forest, but share their upper ancestors (and their few accounts), so a walk that
/// remembers them reads each name about once instead of once per chunk. Bounded: past [`KnownNames::LIMIT`] names
/// it starts again, so memory stays flat however large the forest. A walk also keeps the tag catalogue of each
/// account it meets, so that a customer's tags are read as ids alone.
#[derive(Debug, Default)]
pub(super) struct KnownNames {
    customers: HashMap<String, String>,
    accounts: HashMap<String, String>,
    /// Every tag of the accounts met so far, by account id, then tag id.
    tags: HashMap<String, HashMap<String, TagRow>>,
    /// Kept across the chunks of a walk. A walk reads tags as ids against the catalogue and names apart, a few
    /// cheap statements per chunk; a page (not walking) asks everything in one statement, which is quicker for
    /// its few rows.
    walking: bool,
}

impl KnownNames {
    /// What a walk starts with: nothing known yet, to be kept from chunk to chunk.
    pub(super) fn for_walk() -> Self {
        Self { walking: true, ..Self::default() }
    }

    /// About 8 MiB of ids and names. Smaller costs more than it saves: at 20,000 a 100,000-customer export (55,000
    /// distinct ancestors) kept forgetting and re-reading names, 25 % slower on an idle machine.
    const LIMIT: usize = 50_000;

    /// Makes room for `more` names, forgetting all when they would not fit.
    fn make_room(&mut self, more: usize) {
        let tags: usize = self.tags.values().map(HashMap::len).sum();
        if self.customers.len() + self.accounts.len() + tags + more > Self::LIMIT {
            self.customers.clear();
            self.accounts.clear();
            self.tags.clear();
        }
    }
}

/// Rows with what they need from the database to become `CustomerInfo`s: their tags, and the names on their
/// breadcrumbs and of their accounts. Becoming customers ([`Gathered::into_customers`]: parsing the stored JSON
/// documents, building breadcrumbs) needs no connection, so a walk does it on another thread while the next chunk
/// is read (see `Store::for_each_customer`).
#[derive(Debug)]
pub(super) struct Gathered {
    rows: Vec<CustomerRow>,
    tags: HashMap<String, Vec<Tag>>,
    /// The names of these rows' ancestors and accounts (a copy of what the walk knows, limited to this chunk).
    names: KnownNames,
}

impl Gathered {
    pub(super) fn into_customers(self) -> StoreResult<Vec<CustomerInfo>> {
        let Gathered { rows, mut tags, names } = self;
        rows.into_iter()
            .map(|row| {
                let tags = tags.remove(&row.id).unwrap_or_default();
                let account_name = names.accounts.get(&row.account_id).cloned();
                row.into_info(account_name, tags, &names.customers)
            })
            .collect()
    }
}

/// Reads what `rows` need to become customers: one statement (or three per thousand rows when the ids would not
/// fit in one), asking only for the names `known` lacks and remembering them there.
pub(super) fn gather(
    conn: &mut AnyConnection,
    rows: Vec<CustomerRow>,
    known: &mut KnownNames,
) -> StoreResult<Gathered> {
    if rows.is_empty() {
        return Ok(Gathered { rows, tags: HashMap::new(), names: KnownNames::default() });
    }
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let missing = |known: &KnownNames| -> (Vec<String>, Vec<String>) {
        let ancestors: HashSet<&str> = rows
            .iter()
            .flat_map(|r| hierarchy::ancestor_ids(&r.path))
            .filter(|id| !known.customers.contains_key(*id))
            .collect();
        let accounts: HashSet<&str> =
            rows.iter().map(|r| r.account_id.as_str()).filter(|id| !known.accounts.contains_key(*id)).collect();
        (ancestors.into_iter().map(str::to_owned).collect(), accounts.into_iter().map(str::to_owned).collect())
    };
    let (mut ancestor_ids, mut account_ids) = missing(known);
    if ancestor_ids.len() + account_ids.len() > 0 {
        let before = known.customers.len() + known.accounts.len();
        known.make_room(ancestor_ids.len() + account_ids.len());
        if known.customers.len() + known.accounts.len() < before {
            (ancestor_ids, account_ids) = missing(known);
        }
    }
    let mut tagged: Vec<(String, i32, TagRow)> = Vec::new();
    if !known.walking && ids.len() + ancestor_ids.len() + account_ids.len() <= BIND_CHUNK {
        for (kind, key, text, name, color, position) in lookups(conn, &ids, &ancestor_ids, &account_ids)? {
            match (kind.as_str(), name, color, position) {
                ("t", Some(name), Some(color), Some(position)) => {
                    tagged.push((key, position, TagRow { account_id: String::new(), id: text, name, color, position }))
                }
                ("n", ..) => {
                    known.customers.insert(key, text);
                }
                ("a", ..) => {
                    known.accounts.insert(key, text);
                }
                _ => return Err(StoreError::Corrupt(format!("unexpected lookup row of kind '{kind}'"))),
            }
        }
    } else {
        // Tags as ids alone: the (customer_id, tag_id) key answers the statement by itself, so neither the link
        // rows nor the tags are visited once per customer (a third of a chunk's reading on SQLite). The tags come
        // from their accounts' catalogues, read once per walk.
        let unread: HashSet<&str> =
            rows.iter().map(|r| r.account_id.as_str()).filter(|id| !known.tags.contains_key(*id)).collect();
        if !unread.is_empty() {
            let unread: Vec<&str> = unread.into_iter().collect();
            let catalogue: Vec<TagRow> =
                tags::table.filter(tags::account_id.eq_any(&unread)).select(TagRow::as_select()).load(conn)?;
            for account in unread {
                known.tags.entry(account.to_owned()).or_default();
            }
            for tag in catalogue {
                known.tags.entry(tag.account_id.clone()).or_default().insert(tag.id.clone(), tag);
            }
        }
        let account_of: HashMap<&str, &str> = rows.iter().map(|r| (r.id.as_str(), r.account_id.as_str())).collect();
        for chunk in ids.chunks(BIND_CHUNK) {
            let links: Vec<(String, String)> = customer_tags::table
                .filter(customer_tags::customer_id.eq_any(chunk))
                .select((customer_tags::customer_id, customer_tags::tag_id))
                .load(conn)?;
            for (customer_id, tag_id) in links {
                let tag = account_of
                    .get(customer_id.as_str())
                    .and_then(|account| known.tags.get(*account))
                    .and_then(|catalogue| catalogue.get(&tag_id))
                    .ok_or_else(|| StoreError::Corrupt(format!("customer {customer_id} has unknown tag {tag_id}")))?;
                tagged.push((customer_id, tag.position, tag.clone()));
            }
        }
        for chunk in ancestor_ids.chunks(BIND_CHUNK) {
            let found: Vec<(String, String)> = customers::table
                .filter(customers::id.eq_any(chunk))
                .select((customers::id, customers::name))
                .load(conn)?;
            known.customers.extend(found);
        }
        for chunk in account_ids.chunks(BIND_CHUNK) {
            let found: Vec<(String, String)> =
                accounts::table.filter(accounts::id.eq_any(chunk)).select((accounts::id, accounts::name)).load(conn)?;
            known.accounts.extend(found);
        }
    }
    tagged.sort_by_key(|(_, position, _)| *position);
    let mut tags_by_customer: HashMap<String, Vec<Tag>> = HashMap::new();
    for (customer_id, _, tag) in tagged {
        tags_by_customer.entry(customer_id).or_default().push(tag.into_tag()?);
    }
    let mut names = KnownNames::default();
    for row in &rows {
        for id in hierarchy::ancestor_ids(&row.path) {
            if let (false, Some(name)) = (names.customers.contains_key(id), known.customers.get(id)) {
                names.customers.insert(id.to_owned(), name.clone());
            }
        }
        if let (false, Some(name)) = (names.accounts.contains_key(&row.account_id), known.accounts.get(&row.account_id))
        {
            names.accounts.insert(row.account_id.clone(), name.clone());
        }
    }
    Ok(Gathered { rows, tags: tags_by_customer, names })
}

/// One row of [`lookups`]: kind (`t` tag, `n` ancestor name, `a` account name), the customer or account id, the
/// tag id or the name, then the tag's name, color and position.
type LookupRow = (String, String, String, Option<String>, Option<String>, Option<i32>);

/// Tags, ancestor names and account names in one statement.
fn lookups(
    conn: &mut AnyConnection,
    ids: &[String],
    ancestor_ids: &[String],
    account_ids: &[String],
) -> StoreResult<Vec<LookupRow>> {
    use diesel::sql_types::Nullable;
    let tag_rows = customer_tags::table
        .inner_join(
            tags::table.on(tags::account_id.eq(customer_tags::account_id).and(tags::id.eq(customer_tags::tag_id))),
        )
        .filter(customer_tags::customer_id.eq_any(ids))
        .select((
            sql::<Text>("'t'"),
            customer_tags::customer_id,
            tags::id,
            tags::name.nullable(),
            tags::color.nullable(),
            tags::position.nullable(),
        ));
    let ancestor_names = customers::table.filter(customers::id.eq_any(ancestor_ids)).select((
        sql::<Text>("'n'"),
        customers::id,
        customers::name,
        sql::<Nullable<Text>>("NULL"),
        sql::<Nullable<Text>>("NULL"),
        sql::<Nullable<Integer>>("NULL"),
    ));
    let account_names = accounts::table.filter(accounts::id.eq_any(account_ids)).select((
        sql::<Text>("'a'"),
        accounts::id,
        accounts::name,
        sql::<Nullable<Text>>("NULL"),
        sql::<Nullable<Text>>("NULL"),
        sql::<Nullable<Integer>>("NULL"),
    ));
    let query = tag_rows.union_all(ancestor_names).union_all(account_names);
    // UNION is outside diesel's MultiConnection subset: each backend runs the same query itself.
    Ok(match conn {
        AnyConnection::Sqlite(c) => query.load::<LookupRow>(c)?,
        AnyConnection::Postgresql(c) => query.load::<LookupRow>(c)?,
    })
}

pub(super) fn load_row(conn: &mut AnyConnection, id: &str) -> StoreResult<CustomerRow> {
    customers::table
        .find(id)
        .select(CustomerRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound { entity: "Customer", id: id.to_owned() })
}

pub(super) fn get_in_reach(conn: &mut AnyConnection, id: &str, reach: &Reach) -> StoreResult<(CustomerInfo, i64)> {
    let not_found = || StoreError::NotFound { entity: "Customer", id: id.to_owned() };
    let row = load_row(conn, id)?;
    if !in_reach(&row, reach) {
        return Err(not_found());
    }
    let version = row.version;
    let mut items = hydrate(conn, vec![row])?;
    let info = items.pop().ok_or_else(not_found)?;
    Ok((info, version))
}
