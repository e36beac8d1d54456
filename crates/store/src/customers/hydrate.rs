//! Rows turned into `CustomerInfo`s: tags, breadcrumb names and account names, in a bounded number of statements.

use std::{
    collections::{HashMap, HashSet},
    hash::BuildHasher,
    sync::Arc,
};

use canopy_domain::{access::Reach, hierarchy, CustomerInfo, Tag};
use diesel::{
    dsl::sql,
    prelude::*,
    sql_types::{Bool, Integer, Text},
};

use super::{in_reach, BIND_CHUNK};
use crate::{
    connection::AnyConnection,
    rows::{CustomerRow, Names, TagRow},
    schema::{accounts, customer_tags, customers, tags},
    StoreError, StoreResult,
};

/// Turns rows into `CustomerInfo`s with one more statement whatever their number or depth (a `UNION ALL` of their
/// tags, the names of every ancestor on their breadcrumbs, and their accounts' names), or a statement per 900 ids
/// for tags, names and account names each when there are too many ids for one statement.
pub(super) fn hydrate(conn: &mut AnyConnection, rows: Vec<CustomerRow>) -> StoreResult<Vec<CustomerInfo>> {
    gather(conn, rows, TagIds::Ask, &mut KnownNames::default())?.into_customers()
}

/// The names of ancestors and accounts that a walk has read already, kept from chunk to chunk: rows sorted by name
/// come from all over the forest, but share their upper ancestors (and their few accounts), so a walk that
/// remembers them reads each name about once instead of once per chunk. Bounded: the names read at the start
/// ([`KnownNames::prime`]) are kept, and past [`KnownNames::LIMIT`] names in all the walk forgets the others and
/// starts again, so memory stays flat however large the forest. A walk also keeps the tag catalogue of each account
/// it meets, so that a customer's tags are read as ids alone.
#[derive(Debug, Default)]
pub(super) struct KnownNames {
    /// Read at the start of a walk, kept to its end, and shared with every chunk rather than copied into it.
    primed: Arc<PrimedNames>,
    /// Met chunk by chunk.
    customers: Names,
    accounts: Names,
    /// Every tag of the accounts met so far, with its position in the catalogue, by account id, then tag id.
    tags: HashMap<String, HashMap<String, (i32, Tag)>>,
}

impl KnownNames {
    /// Remembers the names of the customers in `scope` that have children, up to [`KnownNames::PRIMED`] names and
    /// [`KnownNames::PRIMED_BYTES`] of text, in one statement (on PostgreSQL, one per 4,096 names): a walk over a whole account (or everything) reads its rows sorted by name from all over the
    /// forest, and asking for each chunk's missing ancestors by id cost 0.7 s of SQLite's 1.8 s for 100,000
    /// customers, where this one scan takes under 0.1 s. Names it leaves out are read chunk by chunk as before.
    pub(super) fn prime(&mut self, conn: &mut AnyConnection, scope: &super::filter::ResolvedFilter) -> StoreResult<()> {
        // The customers with children, after id `after` when given. The children's side is bounded by it too:
        // PostgreSQL answers EXISTS with a merge join, whose scan of the children would otherwise start from the
        // first id for every slice (17 ms a slice in the middle of 100,000 customers, a quarter of a second in all).
        let parents_of = |after: Option<String>| {
            let exists = "EXISTS (SELECT 1 FROM customers AS children WHERE children.parent_customer_id = customers.id";
            match after {
                None => scope.query().filter(sql::<Bool>(exists).sql(")")),
                Some(after) => scope.query().filter(customers::id.gt(after.clone())).filter(
                    sql::<Bool>(exists).sql(" AND children.parent_customer_id > ").bind::<Text, _>(after).sql(")"),
                ),
            }
            .select((customers::id, customers::name))
        };
        let mut primed = PrimedNames::default();
        match conn {
            // SQLite hands rows over one by one: one statement, read as a stream (the names alone are held, not the
            // names and a list of them), in the table's order (a sequential scan).
            AnyConnection::Sqlite(_) => {
                let parents = parents_of(None)
                    .limit(Self::PRIMED as i64)
                    .load_iter::<(String, String), diesel::connection::DefaultLoadingMode>(conn)?;
                for parent in parents {
                    let (id, name) = parent?;
                    if !primed.push_within(&id, &name, Self::PRIMED, Self::PRIMED_BYTES) {
                        break;
                    }
                }
            }
            // PostgreSQL's driver takes a whole result at once: read in slices by id, so that no more than a slice
            // is held besides the names.
            AnyConnection::Postgresql(_) => {
                const SLICE: i64 = 4_096;
                let mut after: Option<String> = None;
                'slices: loop {
                    let slice = parents_of(after.take()).order_by(customers::id.asc()).limit(SLICE);
                    let parents: Vec<(String, String)> = slice.load(conn)?;
                    let done = parents.len() < SLICE as usize;
                    for (id, name) in &parents {
                        if !primed.push_within(id, name, Self::PRIMED, Self::PRIMED_BYTES) {
                            break 'slices;
                        }
                    }
                    match parents.into_iter().last() {
                        Some((last, _)) if !done => after = Some(last),
                        _ => break,
                    }
                }
            }
        }
        primed.seal();
        self.primed = Arc::new(primed);
        Ok(())
    }

    /// At most 80,000 ids and names: about 3 MiB primed (with 32-character ids and 20-character names), or
    /// about 10 MiB met chunk by chunk. Smaller costs more than it saves: at 20,000 a 100,000-customer export
    /// (55,000 distinct ancestors) kept forgetting and re-reading names, 25 % slower on an idle machine.
    const LIMIT: usize = 80_000;

    /// How many names a walk reads at its start: room is left for the names it still meets chunk by chunk.
    const PRIMED: usize = Self::LIMIT - Self::LIMIT / 5;

    /// How much text (ids and names) a walk reads at its start, at most: names may be 200 characters long, and
    /// 64,000 of those would be 50 MiB.
    const PRIMED_BYTES: usize = 8 << 20;

    /// Makes room for `more` names, forgetting all but the primed ones when they would not fit.
    fn make_room(&mut self, more: usize) {
        let tags: usize = self.tags.values().map(HashMap::len).sum();
        if self.primed.len() + self.customers.len() + self.accounts.len() + tags + more > Self::LIMIT {
            self.customers.clear();
            self.accounts.clear();
            self.tags.clear();
        }
    }
}

/// The names a walk read at its start, compact: one text holding every id and name, and a hash table of where
/// each is in it. Held as `Names` (two shared strings and a table slot each), 55,000 names took about 7 MiB per
/// export, and four exports at once grew past the 64 MiB they may; this takes about half of it. Looked up once per
/// ancestor of every customer: a binary search by id (the first form) was 12 % of an export's CPU, as each of its
/// steps compares against another part of the text; a hash lookup compares once.
#[derive(Debug, Default)]
pub(super) struct PrimedNames {
    text: String,
    /// For each name, where in `text` its id starts, where its name starts (where the id ends), and where the name
    /// ends; by the hash of its id. Held in the table itself, not numbered into a list beside it: a lookup touches
    /// the table and the text and nothing else.
    by_id: hashbrown::HashTable<(u32, u32, u32)>,
    /// Randomly keyed (each table its own keys), so that ids chosen to collide cannot make lookups slow.
    hasher: std::hash::RandomState,
}

impl PrimedNames {
    /// Adds `id` and its name unless that would make more than `most` names or `bytes` of text; answers whether
    /// it did.
    fn push_within(&mut self, id: &str, name: &str, most: usize, bytes: usize) -> bool {
        if self.by_id.len() >= most || self.text.len() + id.len() + name.len() > bytes {
            return false;
        }
        self.push(id, name);
        true
    }

    fn push(&mut self, id: &str, name: &str) {
        let start = self.text.len() as u32;
        self.text.push_str(id);
        let name_start = self.text.len() as u32;
        self.text.push_str(name);
        let entry = (start, name_start, self.text.len() as u32);
        let (text, hasher) = (&self.text, &self.hasher);
        self.by_id.insert_unique(hasher.hash_one(id), entry, |entry| hasher.hash_one(id_in(text, entry)));
    }

    /// Gives back what the text and the table reserved beyond their contents, once every name is in.
    fn seal(&mut self) {
        self.text.shrink_to_fit();
        let (text, hasher) = (&self.text, &self.hasher);
        self.by_id.shrink_to_fit(|entry| hasher.hash_one(id_in(text, entry)));
    }

    fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Where the name of customer `id` is, if it was read ([`PrimedNames::name`] reads it).
    fn find(&self, id: &str) -> Option<NameAt> {
        let &(_, name_start, end) =
            self.by_id.find(self.hasher.hash_one(id), |entry| id_in(&self.text, entry) == id)?;
        Some(NameAt(name_start, end))
    }

    fn name(&self, at: NameAt) -> &str {
        &self.text[at.0 as usize..at.1 as usize]
    }

    /// The name of customer `id`, if it was read.
    #[cfg(test)]
    fn get(&self, id: &str) -> Option<&str> {
        self.find(id).map(|at| self.name(at))
    }
}

/// Where a name is in [`PrimedNames`]' text.
#[derive(Debug, Clone, Copy)]
struct NameAt(u32, u32);

fn id_in<'a>(text: &'a str, entry: &(u32, u32, u32)) -> &'a str {
    &text[entry.0 as usize..entry.1 as usize]
}

/// Rows with what they need from the database to become `CustomerInfo`s: their tags, and the names on their
/// breadcrumbs and of their accounts. Becoming customers ([`Gathered::into_customers`]: parsing the stored JSON
/// documents, building breadcrumbs) needs no connection, so a walk does it on another thread while the next chunk
/// is read (see `Store::for_each_customer`).
#[derive(Debug)]
pub(super) struct Gathered {
    rows: Vec<CustomerRow>,
    tags: HashMap<String, Vec<Tag>>,
    /// For each ancestor of each row in turn (rows in order, each row's ancestors from the root down), where its
    /// name is among the primed names, or `None` when it is among `names.customers` (or unknown). Found once, while
    /// the chunk is gathered: a second lookup on the other thread, whose cache had not seen the names, was a fifth
    /// of that thread's time.
    primed_at: Vec<Option<NameAt>>,
    /// The names of these rows' ancestors and accounts: the walk's primed names, shared, and the others it knows
    /// that this chunk needs.
    names: KnownNames,
}

impl Gathered {
    pub(super) fn into_customers(self) -> StoreResult<Vec<CustomerInfo>> {
        // One part holding every row: the sink only keeps it, and cannot stop the walk.
        let mut customers = Vec::new();
        let kept: Result<(), std::convert::Infallible> = self.into_customers_in_parts(usize::MAX, |part| {
            customers = part;
            Ok(())
        })?;
        let Ok(()) = kept;
        Ok(customers)
    }

    /// The customers `part` at a time, handed to `each` until it stops: a customer takes several times the memory
    /// of its row (its documents parsed), so a reader that read many rows in one statement does not make this
    /// thread hold them all as customers at once.
    pub(super) fn into_customers_in_parts<E>(
        self,
        part: usize,
        mut each: impl FnMut(Vec<CustomerInfo>) -> Result<(), E>,
    ) -> StoreResult<Result<(), E>> {
        let Gathered { rows, mut tags, primed_at, names } = self;
        let mut primed_at = primed_at.into_iter();
        let mut name_of = |id: &str| match primed_at.next().flatten() {
            Some(at) => Some(names.primed.name(at).to_owned()),
            None => names.customers.get(id).map(|name| name.to_string()),
        };
        let part = part.max(1);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let customers = rows
                .by_ref()
                .take(part)
                .map(|row| {
                    let tags = tags.remove(&row.id).unwrap_or_default();
                    let account_name = names.accounts.get(row.account_id.as_str()).map(|name| name.to_string());
                    row.into_info(account_name, tags, &mut name_of)
                })
                .collect::<StoreResult<Vec<CustomerInfo>>>()?;
            if let Err(e) = each(customers) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(()))
    }
}

/// How a chunk's tags are known: asked for with the names in one statement (a page), or listed by each row's
/// `tag_ids` column, a JSON array (a walk: the rows statement reads them with the rows, where a correlated
/// subquery on `customer_tags` cost SQLite a quarter of that statement's time and PostgreSQL 2 ms a chunk; the
/// writes keep the column in step, see `row::distinct_tag_ids`). A tag id may hold any character, hence JSON rather
/// than a separator.
pub(super) enum TagIds {
    Ask,
    Listed(Vec<String>),
}

/// Reads what `rows` need to become customers, asking only for the names `known` lacks and remembering them
/// there: for a page, its tags and names in one statement (or a statement per 900 rows for tags and names each
/// when the ids would not fit in one); for a walk, whose rows list their tag ids, the names alone (and each
/// account's tag catalogue once).
pub(super) fn gather(
    conn: &mut AnyConnection,
    rows: Vec<CustomerRow>,
    tag_ids: TagIds,
    known: &mut KnownNames,
) -> StoreResult<Gathered> {
    if rows.is_empty() {
        return Ok(Gathered { rows, tags: HashMap::new(), primed_at: Vec::new(), names: KnownNames::default() });
    }
    // This chunk's names, shared with what the walk knows (not copied), and the ones it does not know yet: one
    // pass over the chunk's ancestors.
    let mut names = KnownNames { primed: Arc::clone(&known.primed), ..KnownNames::default() };
    let mut missing_ancestors: HashSet<&str> = HashSet::new();
    let mut missing_accounts: HashSet<&str> = HashSet::new();
    let mut primed_at = Vec::with_capacity(rows.len() * 4);
    for row in &rows {
        for id in hierarchy::ancestors(&row.path) {
            let at = known.primed.find(id);
            primed_at.push(at);
            if at.is_some() || names.customers.contains_key(id) || missing_ancestors.contains(id) {
                continue;
            }
            match known.customers.get_key_value(id) {
                Some((id, name)) => {
                    names.customers.insert(id.clone(), name.clone());
                }
                None => {
                    missing_ancestors.insert(id);
                }
            }
        }
        let account = row.account_id.as_str();
        if !names.accounts.contains_key(account) && !missing_accounts.contains(account) {
            match known.accounts.get_key_value(account) {
                Some((id, name)) => {
                    names.accounts.insert(id.clone(), name.clone());
                }
                None => {
                    missing_accounts.insert(account);
                }
            }
        }
    }
    // Forgetting what the walk knows leaves this chunk's names as they are.
    known.make_room(missing_ancestors.len() + missing_accounts.len());
    let mut ancestor_ids: Vec<String> = missing_ancestors.into_iter().map(str::to_owned).collect();
    let mut account_ids: Vec<String> = missing_accounts.into_iter().map(str::to_owned).collect();
    let learn = |known: &mut KnownNames, names: &mut KnownNames, id: String, name: String, account: bool| {
        let (id, name): (Arc<str>, Arc<str>) = (id.into(), name.into());
        let (theirs, ours) = if account {
            (&mut known.accounts, &mut names.accounts)
        } else {
            (&mut known.customers, &mut names.customers)
        };
        theirs.insert(id.clone(), name.clone());
        ours.insert(id, name);
    };
    let mut tags_by_customer: HashMap<String, Vec<Tag>> = HashMap::new();
    match tag_ids {
        TagIds::Ask => {
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let mut tagged: Vec<(String, i32, TagRow)> = Vec::new();
            if ids.len() + ancestor_ids.len() + account_ids.len() <= BIND_CHUNK {
                for (kind, key, text, name, color, position) in lookups(conn, &ids, &ancestor_ids, &account_ids)? {
                    match (kind.as_str(), name, color, position) {
                        ("t", Some(name), Some(color), Some(position)) => tagged.push((
                            key,
                            position,
                            TagRow { account_id: String::new(), id: text, name, color, position },
                        )),
                        ("n", ..) => learn(known, &mut names, key, text, false),
                        ("a", ..) => learn(known, &mut names, key, text, true),
                        _ => return Err(StoreError::Corrupt(format!("unexpected lookup row of kind '{kind}'"))),
                    }
                }
                (ancestor_ids, account_ids) = (Vec::new(), Vec::new());
            } else {
                for chunk in ids.chunks(BIND_CHUNK) {
                    let found: Vec<(String, TagRow)> =
                        customer_tags::table
                            .inner_join(tags::table.on(
                                tags::account_id.eq(customer_tags::account_id).and(tags::id.eq(customer_tags::tag_id)),
                            ))
                            .filter(customer_tags::customer_id.eq_any(chunk))
                            .select((customer_tags::customer_id, TagRow::as_select()))
                            .load(conn)?;
                    tagged.extend(found.into_iter().map(|(customer, tag)| (customer, tag.position, tag)));
                }
            }
            tagged.sort_by_key(|(_, position, _)| *position);
            for (customer_id, _, tag) in tagged {
                tags_by_customer.entry(customer_id).or_default().push(tag.into_tag()?);
            }
        }
        TagIds::Listed(lists) => {
            // The tags come from their accounts' catalogues, read once per walk.
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
                    let account = tag.account_id.clone();
                    let position = tag.position;
                    let tag = tag.into_tag()?;
                    known.tags.entry(account).or_default().insert(tag.id.clone(), (position, tag));
                }
            }
            for (row, list) in rows.iter().zip(lists) {
                if list == "[]" {
                    continue; // a third of customers: not worth a parse
                }
                let ids: Vec<std::borrow::Cow<'_, str>> = serde_json::from_str(&list)
                    .map_err(|e| StoreError::Corrupt(format!("tag ids of customer {}: {e}", row.id)))?;
                if ids.is_empty() {
                    continue;
                }
                let catalogue = known.tags.get(&row.account_id);
                let mut tags = ids
                    .iter()
                    .map(|id| {
                        catalogue
                            .and_then(|c| c.get(id.as_ref()))
                            .ok_or_else(|| StoreError::Corrupt(format!("customer {} has unknown tag {id}", row.id)))
                    })
                    .collect::<StoreResult<Vec<&(i32, Tag)>>>()?;
                tags.sort_by_key(|(position, _)| *position);
                tags_by_customer.insert(row.id.clone(), tags.into_iter().map(|(_, tag)| tag.clone()).collect());
            }
        }
    }
    for chunk in ancestor_ids.chunks(BIND_CHUNK) {
        let found: Vec<(String, String)> =
            customers::table.filter(customers::id.eq_any(chunk)).select((customers::id, customers::name)).load(conn)?;
        for (id, name) in found {
            learn(known, &mut names, id, name, false);
        }
    }
    for chunk in account_ids.chunks(BIND_CHUNK) {
        let found: Vec<(String, String)> =
            accounts::table.filter(accounts::id.eq_any(chunk)).select((accounts::id, accounts::name)).load(conn)?;
        for (id, name) in found {
            learn(known, &mut names, id, name, true);
        }
    }
    Ok(Gathered { rows, tags: tags_by_customer, primed_at, names })
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

#[cfg(test)]
mod tests {
    use super::PrimedNames;

    #[test]
    fn primed_names_are_found_by_id_whatever_order_they_came_in() {
        let mut names = PrimedNames::default();
        for (id, name) in [("c3", "Zürich Ost"), ("a1", "Alpha"), ("b2", ""), ("a10", "Ärzte – Nord")] {
            assert!(names.push_within(id, name, 10, 1_000));
        }
        names.seal();
        assert_eq!(names.get("a1"), Some("Alpha"));
        assert_eq!(names.get("a10"), Some("Ärzte – Nord"));
        assert_eq!(names.get("b2"), Some(""));
        assert_eq!(names.get("c3"), Some("Zürich Ost"));
        assert_eq!(names.get("a"), None);
        assert_eq!(names.get("d4"), None);
        assert_eq!(PrimedNames::default().get("a1"), None);
    }

    #[test]
    fn primed_names_stop_at_their_count_and_their_bytes() {
        let mut names = PrimedNames::default();
        assert!(names.push_within("a", "1234", 2, 10));
        assert!(!names.push_within("b", "123456", 2, 10), "10 bytes would become 12");
        assert!(names.push_within("c", "1234", 2, 10));
        assert!(!names.push_within("d", "", 2, 100), "two names at most");
        assert_eq!(names.len(), 2);
    }
}
