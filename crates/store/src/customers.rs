//! Customers: the forest inside each account, its listing, and sparse changes.

use std::collections::{HashMap, HashSet};

use canopy_domain::{
    account::validate_customer_data,
    hierarchy::{self, check_move, child_path, subtree_upper_bound, MoveRefusal},
    listing::{CustomerSortField, PageTotals, Paging, SortOrder},
    patch::{optional_text, CustomerChanges},
    AccountInfo, CustomerDataField, CustomerInfo, FieldError, Tag, ValidationErrors,
};
use diesel::{
    dsl::sql,
    prelude::*,
    sql_types::{Bool, Integer, Text},
};

use crate::{
    connection::{AnyConnection, Db},
    new_id, now_text,
    rows::{from_doc, to_doc, CustomerRow, TagRow},
    schema::{accounts, customer_tags, customers, tags},
    sort_key, Actor, IdempotencyClaim, Store, StoreError, StoreResult, Touches,
};

/// What part of the forest a caller may see. Applied inside every query, never after loading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Scope {
    #[default]
    All,
    /// Every customer of these accounts.
    Accounts(Vec<String>),
    /// These customers and all their descendants.
    Subtrees(Vec<String>),
}

/// The filters of ListCustomers. Empty lists mean "no filter".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFilter {
    pub account_ids: Vec<String>,
    /// Case-insensitive substring of the name.
    pub name_filter: Option<String>,
    /// Descendants (at any depth, the parents themselves excluded) of these customers…
    pub parent_customer_ids: Vec<String>,
    /// …or only their direct children.
    pub shallow_parent: bool,
    /// Customers carrying every one of these tags.
    pub tag_ids: Vec<String>,
    pub specific_ids: Vec<String>,
    pub reference_ids: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CustomerPage {
    pub items: Vec<CustomerInfo>,
    pub totals: PageTotals,
}

/// A customer to create. `id` is normally generated; fixtures may fix it.
#[derive(Debug, Clone, Default)]
pub struct NewCustomer {
    pub id: Option<String>,
    pub account_id: String,
    pub name: String,
    pub fields: CustomerChanges,
}

/// A filter with the ids it names already turned into paths, so that the query can be built twice (count and
/// page) without touching the database again.
struct ResolvedFilter {
    filter: CustomerFilter,
    name_pattern: Option<String>,
    /// Paths of the named parents that exist; `None` when no parent filter was given.
    parent_paths: Option<Vec<String>>,
    scope_accounts: Option<Vec<String>>,
    scope_paths: Option<Vec<String>>,
}

type BoxedCustomers<'a> = customers::BoxedQuery<'a, Db>;
type BoolExpr<'a> = Box<dyn BoxableExpression<customers::table, Db, SqlType = Bool> + 'a>;

/// The rows whose path lies in one of the subtrees at `paths` (`include_roots`: the subtree roots too). Combined
/// as a balanced tree of ORs, because SQLite limits expression depth.
fn within_any<'a>(paths: &'a [String], include_roots: bool) -> BoolExpr<'a> {
    match paths {
        [] => Box::new(diesel::dsl::sql::<Bool>("1 = 0")),
        [path] => {
            let upper = subtree_upper_bound(path);
            if include_roots {
                Box::new(customers::path.ge(path.as_str()).and(customers::path.lt(upper)))
            } else {
                Box::new(customers::path.gt(path.as_str()).and(customers::path.lt(upper)))
            }
        }
        _ => {
            let (left, right) = paths.split_at(paths.len() / 2);
            Box::new(within_any(left, include_roots).or(within_any(right, include_roots)))
        }
    }
}

/// Escapes LIKE's wildcards so that a user's `%` or `_` matches itself.
fn like_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in sort_key(needle).chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl ResolvedFilter {
    fn query(&self) -> BoxedCustomers<'_> {
        let f = &self.filter;
        let mut q = customers::table.into_boxed();
        if let Some(accounts) = &self.scope_accounts {
            q = q.filter(customers::account_id.eq_any(accounts));
        }
        if let Some(paths) = &self.scope_paths {
            q = q.filter(within_any(paths, true));
        }
        if !f.account_ids.is_empty() {
            q = q.filter(customers::account_id.eq_any(&f.account_ids));
        }
        if let Some(pattern) = &self.name_pattern {
            q = q.filter(customers::name_key.like(pattern).escape('\\'));
        }
        if let Some(paths) = &self.parent_paths {
            q = if f.shallow_parent {
                q.filter(customers::parent_customer_id.eq_any(&f.parent_customer_ids))
            } else {
                q.filter(within_any(paths, false))
            };
        }
        for tag in &f.tag_ids {
            let carrying =
                customer_tags::table.filter(customer_tags::tag_id.eq(tag)).select(customer_tags::customer_id);
            q = q.filter(customers::id.eq_any(carrying));
        }
        if !f.specific_ids.is_empty() {
            q = q.filter(customers::id.eq_any(&f.specific_ids));
        }
        if !f.reference_ids.is_empty() {
            q = q.filter(customers::reference_id.eq_any(&f.reference_ids));
        }
        q
    }
}

/// Orders by the sort field, then by id so that pages never overlap or skip. NULLs sort first in ascending
/// order on both backends (they disagree by default).
fn ordered(q: BoxedCustomers<'_>, field: CustomerSortField, order: SortOrder) -> BoxedCustomers<'_> {
    macro_rules! by {
        ($col:expr) => {
            match order {
                SortOrder::Ascend => q.order_by($col.asc()).then_order_by(customers::id.asc()),
                SortOrder::Descend => q.order_by($col.desc()).then_order_by(customers::id.desc()),
            }
        };
    }
    macro_rules! by_nullable {
        ($col:expr) => {
            match order {
                SortOrder::Ascend => {
                    q.order_by($col.is_null().desc()).then_order_by($col.asc()).then_order_by(customers::id.asc())
                }
                SortOrder::Descend => {
                    q.order_by($col.is_null().asc()).then_order_by($col.desc()).then_order_by(customers::id.desc())
                }
            }
        };
    }
    match field {
        CustomerSortField::Name => by!(customers::name_key),
        CustomerSortField::Id => match order {
            SortOrder::Ascend => q.order_by(customers::id.asc()),
            SortOrder::Descend => q.order_by(customers::id.desc()),
        },
        // An absent reference is stored as an empty key, so it sorts first ascending without an IS NULL term.
        CustomerSortField::ReferenceId => by!(customers::reference_key.assume_not_null()),
        CustomerSortField::AccountId => by!(customers::account_id),
        CustomerSortField::ParentCustomerId => by_nullable!(customers::parent_customer_id),
        CustomerSortField::IsStaging => by!(customers::is_staging),
        CustomerSortField::DateCreated => by!(customers::date_created),
        CustomerSortField::DateLastModified => by!(customers::date_last_modified),
    }
}

/// The non-null text columns a walk can page through by key.
#[derive(Debug, Clone, Copy)]
enum KeyColumn {
    NameKey,
    ReferenceKey,
    Id,
    AccountId,
    DateCreated,
    DateLastModified,
}

impl KeyColumn {
    fn key_of(self, row: &CustomerRow) -> String {
        match self {
            KeyColumn::NameKey => sort_key(&row.name),
            KeyColumn::ReferenceKey => row.reference_id.as_deref().map(sort_key).unwrap_or_default(),
            KeyColumn::Id => row.id.clone(),
            KeyColumn::AccountId => row.account_id.clone(),
            KeyColumn::DateCreated => row.date_created.clone(),
            KeyColumn::DateLastModified => row.date_last_modified.clone(),
        }
    }
}

fn keyset_column(field: CustomerSortField) -> Option<KeyColumn> {
    match field {
        CustomerSortField::Name => Some(KeyColumn::NameKey),
        CustomerSortField::Id => Some(KeyColumn::Id),
        CustomerSortField::AccountId => Some(KeyColumn::AccountId),
        CustomerSortField::DateCreated => Some(KeyColumn::DateCreated),
        CustomerSortField::DateLastModified => Some(KeyColumn::DateLastModified),
        CustomerSortField::ReferenceId => Some(KeyColumn::ReferenceKey),
        CustomerSortField::ParentCustomerId | CustomerSortField::IsStaging => None,
    }
}

/// Rows after `(key, id)` in the order `ordered` gives.
fn after_key(column: KeyColumn, order: SortOrder, key: &str, id: &str) -> BoolExpr<'static> {
    macro_rules! after {
        ($col:expr) => {
            match order {
                SortOrder::Ascend => {
                    Box::new($col.gt(key.to_owned()).or($col.eq(key.to_owned()).and(customers::id.gt(id.to_owned()))))
                }
                SortOrder::Descend => {
                    Box::new($col.lt(key.to_owned()).or($col.eq(key.to_owned()).and(customers::id.lt(id.to_owned()))))
                }
            }
        };
    }
    match column {
        KeyColumn::NameKey => after!(customers::name_key),
        KeyColumn::ReferenceKey => after!(customers::reference_key.assume_not_null()),
        KeyColumn::AccountId => after!(customers::account_id),
        KeyColumn::DateCreated => after!(customers::date_created),
        KeyColumn::DateLastModified => after!(customers::date_last_modified),
        KeyColumn::Id => match order {
            SortOrder::Ascend => Box::new(customers::id.gt(id.to_owned())),
            SortOrder::Descend => Box::new(customers::id.lt(id.to_owned())),
        },
    }
}

/// Largest id list bound in one statement; keeps well inside SQLite's and PostgreSQL's parameter limits.
const BIND_CHUNK: usize = 900;

/// Paths of the customers among `ids` that exist.
fn paths_of(conn: &mut AnyConnection, ids: &[String]) -> StoreResult<Vec<String>> {
    let mut paths = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(BIND_CHUNK) {
        let found: Vec<String> =
            customers::table.filter(customers::id.eq_any(chunk)).select(customers::path).load(conn)?;
        paths.extend(found);
    }
    Ok(paths)
}

fn resolve_filter(conn: &mut AnyConnection, filter: &CustomerFilter, scope: &Scope) -> StoreResult<ResolvedFilter> {
    let parent_paths =
        if filter.parent_customer_ids.is_empty() { None } else { Some(paths_of(conn, &filter.parent_customer_ids)?) };
    let (scope_accounts, scope_paths) = match scope {
        Scope::All => (None, None),
        Scope::Accounts(ids) => (Some(ids.clone()), None),
        Scope::Subtrees(ids) => (None, Some(paths_of(conn, ids)?)),
    };
    Ok(ResolvedFilter {
        name_pattern: filter.name_filter.as_deref().filter(|s| !s.is_empty()).map(like_pattern),
        filter: filter.clone(),
        parent_paths,
        scope_accounts,
        scope_paths,
    })
}

/// Turns rows into `CustomerInfo`s with one more statement whatever their number or depth (a `UNION ALL` of their
/// tags, the names of every ancestor on their breadcrumbs, and their accounts' names), or three per thousand when
/// there are too many ids for one statement (exports).
fn hydrate(conn: &mut AnyConnection, rows: Vec<CustomerRow>) -> StoreResult<Vec<CustomerInfo>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let ancestor_ids: Vec<String> = rows
        .iter()
        .flat_map(|r| hierarchy::ancestor_ids(&r.path))
        .map(str::to_owned)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let account_ids: Vec<String> =
        rows.iter().map(|r| r.account_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let mut tagged: Vec<(String, i32, TagRow)> = Vec::new();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut account_names: HashMap<String, String> = HashMap::new();
    if ids.len() + ancestor_ids.len() + account_ids.len() <= BIND_CHUNK {
        for (kind, key, text, name, color, position) in lookups(conn, &ids, &ancestor_ids, &account_ids)? {
            match (kind.as_str(), name, color, position) {
                ("t", Some(name), Some(color), Some(position)) => {
                    tagged.push((key, position, TagRow { account_id: String::new(), id: text, name, color, position }))
                }
                ("n", ..) => {
                    names.insert(key, text);
                }
                ("a", ..) => {
                    account_names.insert(key, text);
                }
                _ => return Err(StoreError::Corrupt(format!("unexpected lookup row of kind '{kind}'"))),
            }
        }
    } else {
        for chunk in ids.chunks(BIND_CHUNK) {
            let found: Vec<(String, TagRow)> = customer_tags::table
                .inner_join(
                    tags::table
                        .on(tags::account_id.eq(customer_tags::account_id).and(tags::id.eq(customer_tags::tag_id))),
                )
                .filter(customer_tags::customer_id.eq_any(chunk))
                .select((customer_tags::customer_id, TagRow::as_select()))
                .load(conn)?;
            tagged.extend(found.into_iter().map(|(customer, tag)| (customer, tag.position, tag)));
        }
        for chunk in ancestor_ids.chunks(BIND_CHUNK) {
            let found: Vec<(String, String)> = customers::table
                .filter(customers::id.eq_any(chunk))
                .select((customers::id, customers::name))
                .load(conn)?;
            names.extend(found);
        }
        for chunk in account_ids.chunks(BIND_CHUNK) {
            let found: Vec<(String, String)> =
                accounts::table.filter(accounts::id.eq_any(chunk)).select((accounts::id, accounts::name)).load(conn)?;
            account_names.extend(found);
        }
    }
    tagged.sort_by_key(|(_, position, _)| *position);
    let mut tags_by_customer: HashMap<String, Vec<Tag>> = HashMap::new();
    for (customer_id, _, tag) in tagged {
        tags_by_customer.entry(customer_id).or_default().push(tag.into_tag()?);
    }
    rows.into_iter()
        .map(|row| {
            let tags = tags_by_customer.remove(&row.id).unwrap_or_default();
            let account_name = account_names.get(&row.account_id).cloned();
            row.into_info(account_name, tags, &names)
        })
        .collect()
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

/// Takes the account's write lock: the first statement of every transaction that changes its customers.
/// On PostgreSQL this row lock serialises such transactions per account (so two moves cannot race into a cycle);
/// on SQLite it makes the transaction a writer from its first statement.
fn lock_account(conn: &mut AnyConnection, account_id: &str) -> StoreResult<bool> {
    let updated = diesel::update(accounts::table.find(account_id))
        .set(accounts::write_lock.eq(accounts::write_lock + 1))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Like [`lock_account`], for the account of a customer; false when the customer does not exist.
fn lock_account_of_customer(conn: &mut AnyConnection, customer_id: &str) -> StoreResult<bool> {
    let account = customers::table.filter(customers::id.eq(customer_id)).select(customers::account_id);
    let updated = diesel::update(accounts::table.filter(accounts::id.eq_any(account)))
        .set(accounts::write_lock.eq(accounts::write_lock + 1))
        .execute(conn)?;
    Ok(updated == 1)
}

fn load_row(conn: &mut AnyConnection, id: &str) -> StoreResult<CustomerRow> {
    customers::table
        .find(id)
        .select(CustomerRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound { entity: "Customer", id: id.to_owned() })
}

fn customer_fields_of(conn: &mut AnyConnection, account_id: &str) -> StoreResult<Vec<CustomerDataField>> {
    let text: String = accounts::table.find(account_id).select(accounts::customer_fields).first(conn)?;
    from_doc("customer_fields", &text)
}

/// Refuses tag ids that are not in the account's catalogue.
fn check_tags(conn: &mut AnyConnection, account_id: &str, tag_ids: &[String]) -> StoreResult<()> {
    let known: HashSet<String> = tags::table
        .filter(tags::account_id.eq(account_id))
        .filter(tags::id.eq_any(tag_ids))
        .select(tags::id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut errors = ValidationErrors::default();
    for (i, id) in tag_ids.iter().enumerate() {
        if !known.contains(id) {
            errors.push(FieldError::new(
                &format!("tagIds[{i}]"),
                "NotFound",
                format!("'{id}' is not a tag of this customer's account"),
            ));
        }
    }
    Ok(errors.into_result()?)
}

fn replace_tags(conn: &mut AnyConnection, customer_id: &str, account_id: &str, tag_ids: &[String]) -> StoreResult<()> {
    diesel::delete(customer_tags::table.filter(customer_tags::customer_id.eq(customer_id))).execute(conn)?;
    let mut seen = HashSet::new();
    for tag_id in tag_ids.iter().filter(|id| seen.insert(id.as_str())) {
        diesel::insert_into(customer_tags::table)
            .values((
                customer_tags::customer_id.eq(customer_id),
                customer_tags::account_id.eq(account_id),
                customer_tags::tag_id.eq(tag_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The new parent's path, after checking the move keeps the forest a forest inside one account.
fn resolve_new_parent(
    conn: &mut AnyConnection,
    moving: Option<(&str, &str)>,
    account_id: &str,
    parent_id: &str,
    scope: &Scope,
) -> StoreResult<String> {
    let parent: Option<(String, String)> =
        customers::table.find(parent_id).select((customers::path, customers::account_id)).first(conn).optional()?;
    // Outside the caller's scope, a missing parent and a hidden one look the same: both are refused as forbidden.
    let visible = parent.as_ref().is_some_and(|(path, account)| path_in_scope(path, account, scope));
    if *scope != Scope::All && !visible {
        return Err(forbidden("parentCustomerId", format!("'{parent_id}' is outside what this user may reach")));
    }
    let Some((parent_path, parent_account)) = parent else {
        return Err(ValidationErrors::single(
            "parentCustomerId",
            "NotFound",
            format!("parent customer '{parent_id}' does not exist"),
        )
        .into());
    };
    let refusal = match moving {
        Some((path, account)) => check_move(path, account, Some((&parent_path, &parent_account))).err(),
        None if parent_account != account_id => Some(MoveRefusal::CrossAccount),
        None => None,
    };
    match refusal {
        None => Ok(parent_path),
        Some(MoveRefusal::Cycle) => Err(ValidationErrors::single(
            "parentCustomerId",
            "Cycle",
            format!("'{parent_id}' is this customer or one of its descendants; moving there would create a cycle"),
        )
        .into()),
        Some(MoveRefusal::CrossAccount) => Err(ValidationErrors::single(
            "parentCustomerId",
            "CrossAccount",
            format!("'{parent_id}' belongs to another account; a parent must be in the customer's own account"),
        )
        .into()),
    }
}

/// The checks against the account that the request alone cannot make: `data` against the account's fields, and
/// tags against its catalogue.
/// Returns the account's data fields when `changes` sets `data` (for [`index_unique_data`]).
fn check_against_account(
    conn: &mut AnyConnection,
    account_id: &str,
    changes: &CustomerChanges,
) -> StoreResult<Option<Vec<CustomerDataField>>> {
    let mut fields = None;
    if let Some(data) = &changes.data {
        let defined = customer_fields_of(conn, account_id)?;
        let mut errors = ValidationErrors::default();
        validate_customer_data("data", data, &defined, &mut errors);
        errors.into_result()?;
        fields = Some(defined);
    }
    if let Some(tag_ids) = &changes.tag_ids {
        check_tags(conn, account_id, tag_ids)?;
    }
    Ok(fields)
}

/// After a write that set `data`: its values of fields declared Unique, checked and recorded.
fn index_unique_data(
    conn: &mut AnyConnection,
    account_id: &str,
    customer_id: &str,
    changes: &CustomerChanges,
    fields: Option<Vec<CustomerDataField>>,
) -> StoreResult<()> {
    match (&changes.data, fields) {
        (Some(data), Some(fields)) => crate::unique::index(conn, account_id, customer_id, data, &fields),
        _ => Ok(()),
    }
}

/// The first steps of every change to an existing customer: take its account's write lock, load it, hide it when
/// it is out of scope, and check the client's `If-Match`.
fn lock_and_load(conn: &mut AnyConnection, id: &str, scope: &Scope, if_match: Option<i64>) -> StoreResult<CustomerRow> {
    let not_found = || StoreError::NotFound { entity: "Customer", id: id.to_owned() };
    if !lock_account_of_customer(conn, id)? {
        return Err(not_found());
    }
    let row = load_row(conn, id)?;
    if !in_scope(&row, scope) {
        return Err(not_found());
    }
    check_if_match(&row, if_match)?;
    Ok(row)
}

fn check_if_match(row: &CustomerRow, if_match: Option<i64>) -> StoreResult<()> {
    match if_match {
        Some(expected) if expected != row.version => Err(StoreError::PreconditionFailed),
        _ => Ok(()),
    }
}

/// The stored form of the optional documents, keeping `None` as "leave".
fn doc_change<T: serde::Serialize>(value: &Option<T>) -> StoreResult<Option<String>> {
    value.as_ref().map(to_doc).transpose()
}

#[derive(AsChangeset)]
#[diesel(table_name = customers)]
struct CustomerChangeset {
    name: Option<String>,
    name_key: Option<String>,
    parent_customer_id: Option<Option<String>>,
    reference_id: Option<Option<String>>,
    reference_key: Option<Option<String>>,
    is_staging: Option<bool>,
    data: Option<String>,
    schedule: Option<Option<String>>,
    integration_data: Option<String>,
    override_billing_settings: Option<bool>,
    billing_settings: Option<Option<String>>,
    override_app_settings: Option<bool>,
    app_settings: Option<Option<String>>,
    date_last_modified: String,
    last_modified_by: Option<Option<String>>,
}

impl Store {
    /// One customer, with its version (for ETags).
    pub fn get_customer(&self, id: &str, scope: &Scope) -> StoreResult<(CustomerInfo, i64)> {
        let mut conn = self.conn()?;
        get_in_scope(&mut conn, id, scope)
    }

    pub fn list_customers(
        &self,
        filter: &CustomerFilter,
        scope: &Scope,
        sort: CustomerSortField,
        order: SortOrder,
        paging: Paging,
    ) -> StoreResult<CustomerPage> {
        self.list_customers_knowing_total(filter, scope, sort, order, paging, None)
    }

    /// A page. `known_total` is the number of matches when the caller knows it for the current generations (then
    /// it is not counted again: the count is the costliest part of a page). A page costs, whatever the depth: the
    /// parent paths (only with a parent filter or a Customer user's scope), the count (unless known), the rows, and
    /// one statement for their tags, breadcrumb names and account names. No transaction: each is one consistent
    /// read, and a page that straddles a concurrent write is no worse than the next page read after it.
    pub fn list_customers_knowing_total(
        &self,
        filter: &CustomerFilter,
        scope: &Scope,
        sort: CustomerSortField,
        order: SortOrder,
        paging: Paging,
        known_total: Option<u64>,
    ) -> StoreResult<CustomerPage> {
        let mut conn = self.conn()?;
        let conn = &mut *conn;
        let resolved = resolve_filter(conn, filter, scope)?;
        let mut q = ordered(resolved.query(), sort, order);
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

    /// Every matching customer, in order, handed to `sink` a chunk at a time so that memory stays bounded
    /// however many there are. Runs in one read transaction: a consistent snapshot on both backends.
    pub fn for_each_customer<E>(
        &self,
        filter: &CustomerFilter,
        scope: &Scope,
        sort: CustomerSortField,
        order: SortOrder,
        chunk: usize,
        mut sink: impl FnMut(Vec<CustomerInfo>) -> Result<(), E>,
    ) -> StoreResult<Result<(), E>> {
        let mut conn = self.conn()?;
        conn.transaction(|conn| {
            let resolved = resolve_filter(conn, filter, scope)?;
            let chunk = chunk.clamp(1, 10_000);
            // Each chunk starts after the last row of the one before (keyset paging), so the whole walk reads each
            // row once; OFFSET would re-read every skipped row and make an export quadratic. Sorts on columns that
            // may be NULL or are booleans fall back to OFFSET.
            let mut after: Option<(String, String)> = None;
            let mut offset = 0i64;
            loop {
                let mut query = ordered(resolved.query(), sort, order);
                match (&after, keyset_column(sort)) {
                    (Some((key, id)), Some(column)) => query = query.filter(after_key(column, order, key, id)),
                    (_, None) => query = query.offset(offset),
                    (None, Some(_)) => {}
                }
                let rows: Vec<CustomerRow> = query.limit(chunk as i64).select(CustomerRow::as_select()).load(conn)?;
                let done = rows.len() < chunk;
                offset += rows.len() as i64;
                if let (Some(last), Some(column)) = (rows.last(), keyset_column(sort)) {
                    after = Some((column.key_of(last), last.id.clone()));
                }
                if !rows.is_empty() {
                    if let Err(e) = sink(hydrate(conn, rows)?) {
                        return Ok(Err(e));
                    }
                }
                if done {
                    return Ok(Ok(()));
                }
            }
        })
    }

    /// Creates a customer and answers it as stored. With `idempotency`, the answer is also kept under the client's key
    /// in the same transaction.
    pub fn create_customer(
        &self,
        new: NewCustomer,
        actor: &Actor,
        scope: &Scope,
        idempotency: Option<&IdempotencyClaim>,
    ) -> StoreResult<(CustomerInfo, i64)> {
        let mut errors = ValidationErrors::default();
        canopy_domain::validation::check_not_blank("accountId", &new.account_id, &mut errors);
        canopy_domain::validation::check_not_blank("name", &new.name, &mut errors);
        if let Some(id) = &new.id {
            hierarchy::check_id("id", id, &mut errors);
        }
        if let Err(more) = new.fields.validate() {
            errors.0.extend(more.0);
        }
        errors.into_result()?;
        self.write(Touches::Data, |conn| {
            let reachable = match scope {
                Scope::All => true,
                Scope::Accounts(ids) => ids.contains(&new.account_id),
                // A customer user creates only below the customers it reaches (checked with the parent).
                Scope::Subtrees(_) => optional_text(&new.fields.parent_customer_id).flatten().is_some(),
            };
            if !reachable {
                return Err(forbidden("accountId", "this user may not create customers there"));
            }
            if !lock_account(conn, &new.account_id)? {
                return Err(ValidationErrors::single(
                    "accountId",
                    "NotFound",
                    format!("account '{}' does not exist", new.account_id),
                )
                .into());
            }
            let f = &new.fields;
            let id = new.id.clone().unwrap_or_else(new_id);
            let parent_id = optional_text(&f.parent_customer_id).flatten();
            let path = match parent_id {
                Some(parent_id) => {
                    let parent_path = resolve_new_parent(conn, None, &new.account_id, parent_id, scope)?;
                    child_path(Some(&parent_path), &id)
                }
                None => child_path(None, &id),
            };
            let fields = check_against_account(conn, &new.account_id, f)?;
            let now = now_text();
            let reference_id = optional_text(&f.reference_id).flatten();
            diesel::insert_into(customers::table)
                .values((
                    customers::id.eq(&id),
                    customers::account_id.eq(&new.account_id),
                    customers::parent_customer_id.eq(parent_id),
                    customers::path.eq(&path),
                    customers::name.eq(&new.name),
                    customers::name_key.eq(sort_key(&new.name)),
                    customers::reference_id.eq(reference_id),
                    customers::reference_key.eq(Some(reference_id.map(sort_key).unwrap_or_default())),
                    customers::is_staging.eq(f.is_staging.unwrap_or(false)),
                    customers::data.eq(to_doc(&f.data.clone().unwrap_or_default())?),
                    customers::schedule.eq(doc_change(&f.schedule)?),
                    customers::integration_data.eq(to_doc(&f.integration_data.clone().unwrap_or_default())?),
                    customers::override_billing_settings.eq(f.override_billing_settings.unwrap_or(false)),
                    customers::billing_settings.eq(doc_change(&f.billing_settings)?),
                    customers::override_app_settings.eq(f.override_app_settings.unwrap_or(false)),
                    customers::app_settings.eq(doc_change(&f.app_settings)?),
                    customers::date_created.eq(&now),
                    customers::date_last_modified.eq(&now),
                    customers::created_by.eq(actor.user_id.as_deref()),
                    customers::last_modified_by.eq(actor.user_id.as_deref()),
                    customers::version.eq(1i64),
                ))
                .execute(conn)?;
            if let Some(tag_ids) = &f.tag_ids {
                replace_tags(conn, &id, &new.account_id, tag_ids)?;
            }
            index_unique_data(conn, &new.account_id, &id, f, fields)?;
            // Read back on the same connection, in the same transaction: the answer cannot fail after the commit.
            let created = get_in_scope(conn, &id, &Scope::All)?;
            if let Some(claim) = idempotency {
                crate::idempotency::remember(conn, claim, &created)?;
            }
            Ok(created)
        })
    }

    /// Applies sparse changes. `if_match` is the version the client last read; a mismatch changes nothing.
    pub fn patch_customer(
        &self,
        id: &str,
        changes: &CustomerChanges,
        if_match: Option<i64>,
        actor: &Actor,
        scope: &Scope,
    ) -> StoreResult<(CustomerInfo, i64)> {
        changes.validate()?;
        self.write(Touches::Data, |conn| {
            let row = lock_and_load(conn, id, scope, if_match)?;
            let fields = check_against_account(conn, &row.account_id, changes)?;
            let now = now_text();
            let new_parent = optional_text(&changes.parent_customer_id);
            if let Some(new_parent) = new_parent {
                if new_parent != row.parent_customer_id.as_deref() {
                    let new_path = match new_parent {
                        Some(parent_id) => {
                            let parent_path = resolve_new_parent(
                                conn,
                                Some((&row.path, &row.account_id)),
                                &row.account_id,
                                parent_id,
                                scope,
                            )?;
                            child_path(Some(&parent_path), &row.id)
                        }
                        None if matches!(scope, Scope::Subtrees(_)) => {
                            return Err(forbidden("parentCustomerId", "this user may not make customers top-level"))
                        }
                        None => child_path(None, &row.id),
                    };
                    move_subtree(conn, &row.path, &new_path)?;
                }
            }
            let reference = optional_text(&changes.reference_id);
            let changeset = CustomerChangeset {
                name: changes.name.clone(),
                name_key: changes.name.as_deref().map(sort_key),
                parent_customer_id: new_parent.map(|p| p.map(str::to_owned)),
                reference_id: reference.map(|r| r.map(str::to_owned)),
                reference_key: reference.map(|r| Some(r.map(sort_key).unwrap_or_default())),
                is_staging: changes.is_staging,
                data: doc_change(&changes.data)?,
                schedule: doc_change(&changes.schedule)?.map(Some),
                integration_data: doc_change(&changes.integration_data)?,
                override_billing_settings: changes.override_billing_settings,
                billing_settings: doc_change(&changes.billing_settings)?.map(Some),
                override_app_settings: changes.override_app_settings,
                app_settings: doc_change(&changes.app_settings)?.map(Some),
                date_last_modified: now,
                last_modified_by: Some(actor.user_id.clone()),
            };
            diesel::update(customers::table.find(id))
                .set((changeset, customers::version.eq(customers::version + 1)))
                .execute(conn)?;
            if let Some(tag_ids) = &changes.tag_ids {
                replace_tags(conn, id, &row.account_id, tag_ids)?;
            }
            index_unique_data(conn, &row.account_id, id, changes, fields)?;
            get_in_scope(conn, id, &Scope::All)
        })
    }

    /// Deletes a leaf customer. One with children is refused, so nothing below it is ever lost.
    pub fn delete_customer(&self, id: &str, if_match: Option<i64>, scope: &Scope) -> StoreResult<()> {
        // A deleted customer's user links go with it (ON DELETE CASCADE): what users reach changes too.
        self.write(Touches::DataAndAuth, |conn| {
            lock_and_load(conn, id, scope, if_match)?;
            let children: i64 =
                customers::table.filter(customers::parent_customer_id.eq(id)).count().get_result(conn)?;
            if children > 0 {
                return Err(StoreError::Conflict {
                    field: "customerId".into(),
                    message: format!("customer '{id}' has {children} child customer(s); move or delete them first"),
                });
            }
            diesel::delete(customer_tags::table.filter(customer_tags::customer_id.eq(id))).execute(conn)?;
            diesel::delete(customers::table.find(id)).execute(conn)?;
            Ok(())
        })
    }

    /// The customer and its ancestors, nearest first, with their own stored settings (breadcrumbs and tags are
    /// not filled in), then its account and that account's ancestors, nearest first: what inheritance walks.
    /// Two queries for the customers, whatever the depth, and two for the accounts.
    pub fn customer_chain(&self, id: &str, scope: &Scope) -> StoreResult<(Vec<CustomerInfo>, Vec<AccountInfo>)> {
        let mut conn = self.conn()?;
        conn.transaction(|conn| -> StoreResult<(Vec<CustomerInfo>, Vec<AccountInfo>)> {
            let row = load_row(conn, id)?;
            if !in_scope(&row, scope) {
                return Err(StoreError::NotFound { entity: "Customer", id: id.to_owned() });
            }
            let ids: Vec<String> = hierarchy::ancestor_ids(&row.path).into_iter().map(str::to_owned).collect();
            let mut by_id: HashMap<String, CustomerRow> = customers::table
                .filter(customers::id.eq_any(&ids))
                .select(CustomerRow::as_select())
                .load::<CustomerRow>(conn)?
                .into_iter()
                .map(|r| (r.id.clone(), r))
                .collect();
            let no_names = HashMap::new();
            let mut chain = vec![row.into_info(None, Vec::new(), &no_names)?];
            for ancestor in ids.iter().rev() {
                let ancestor_row = by_id
                    .remove(ancestor)
                    .ok_or_else(|| StoreError::Corrupt(format!("ancestor '{ancestor}' of '{id}' is missing")))?;
                chain.push(ancestor_row.into_info(None, Vec::new(), &no_names)?);
            }
            let account_id = chain.first().map(|c| c.account_id.clone()).unwrap_or_default();
            let accounts = crate::accounts::account_chain(conn, &account_id)?;
            Ok((chain, accounts))
        })
    }
}

impl Store {
    /// The distinct accounts of these customers.
    pub fn accounts_of_customers(&self, ids: &[String]) -> StoreResult<Vec<String>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn()?;
        let mut accounts = Vec::new();
        for chunk in ids.chunks(BIND_CHUNK) {
            let found: Vec<String> =
                customers::table.filter(customers::id.eq_any(chunk)).select(customers::account_id).load(&mut *conn)?;
            accounts.extend(found);
        }
        accounts.sort();
        accounts.dedup();
        Ok(accounts)
    }

    /// Which of `ids` exist within `scope` (one query per thousand ids).
    pub fn visible_customer_ids(&self, ids: &[String], scope: &Scope) -> StoreResult<Vec<String>> {
        let mut conn = self.conn()?;
        let filter = CustomerFilter { specific_ids: ids.to_vec(), ..CustomerFilter::default() };
        let resolved = resolve_filter(&mut conn, &filter, scope)?;
        Ok(resolved.query().select(customers::id).load(&mut *conn)?)
    }

    /// Which of `tag_ids` are tags of one of `accounts`.
    pub fn tags_in_accounts(&self, tag_ids: &[String], accounts: &[String]) -> StoreResult<Vec<String>> {
        let mut conn = self.conn()?;
        let mut found: Vec<String> = tags::table
            .filter(tags::id.eq_any(tag_ids))
            .filter(tags::account_id.eq_any(accounts))
            .select(tags::id)
            .load(&mut *conn)?;
        found.sort();
        found.dedup();
        Ok(found)
    }

    /// What resolving effective values for `customers` needs beyond them: their ancestors that are not among them
    /// (own settings only), and their accounts with those accounts' ancestors. Each is loaded once, however many
    /// of the customers share it: a handful of queries in all, linear in what is loaded.
    pub fn inheritance_context(
        &self,
        customers_in: &[CustomerInfo],
    ) -> StoreResult<(Vec<CustomerInfo>, Vec<AccountInfo>)> {
        let present: HashSet<&str> = customers_in.iter().map(|c| c.id.as_str()).collect();
        let missing: Vec<String> = customers_in
            .iter()
            .flat_map(|c| c.breadcrumb.iter().map(|b| b.id.as_str()))
            .filter(|id| !present.contains(id))
            .collect::<HashSet<_>>()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut conn = self.conn()?;
        let no_names = HashMap::new();
        let mut ancestors = Vec::with_capacity(missing.len());
        for chunk in missing.chunks(BIND_CHUNK) {
            let rows: Vec<CustomerRow> = customers::table
                .filter(customers::id.eq_any(chunk))
                .select(CustomerRow::as_select())
                .load(&mut *conn)?;
            for row in rows {
                ancestors.push(row.into_info(None, Vec::new(), &no_names)?);
            }
        }
        let account_ids: Vec<String> =
            customers_in.iter().map(|c| c.account_id.clone()).collect::<HashSet<_>>().into_iter().collect();
        let accounts = crate::accounts::accounts_with_ancestors(&mut conn, &account_ids)?;
        Ok((ancestors, accounts))
    }
}

fn in_scope(row: &CustomerRow, scope: &Scope) -> bool {
    path_in_scope(&row.path, &row.account_id, scope)
}

/// Whether the customer at `path` in `account_id` is within `scope`.
fn path_in_scope(path: &str, account_id: &str, scope: &Scope) -> bool {
    match scope {
        Scope::All => true,
        Scope::Accounts(ids) => ids.iter().any(|id| id == account_id),
        Scope::Subtrees(roots) => hierarchy::path_ids(path).any(|ancestor| roots.iter().any(|r| r == ancestor)),
    }
}

fn forbidden(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Forbidden { field: Some(field.to_owned()), message: message.into() }
}

/// Rewrites the paths of the subtree at `old_root` to hang under `new_root`, in one statement.
fn move_subtree(conn: &mut AnyConnection, old_root: &str, new_root: &str) -> StoreResult<()> {
    let keep_from = i32::try_from(old_root.len() + 1).map_err(|_| StoreError::Corrupt("path too long".into()))?;
    let upper = subtree_upper_bound(old_root);
    diesel::update(customers::table.filter(customers::path.ge(old_root)).filter(customers::path.lt(upper)))
        .set((
            customers::path.eq(sql::<Text>("")
                .bind::<Text, _>(new_root)
                .sql(" || substr(path, ")
                .bind::<Integer, _>(keep_from)
                .sql(")")),
            customers::version.eq(customers::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

fn get_in_scope(conn: &mut AnyConnection, id: &str, scope: &Scope) -> StoreResult<(CustomerInfo, i64)> {
    let not_found = || StoreError::NotFound { entity: "Customer", id: id.to_owned() };
    let row = load_row(conn, id)?;
    if !in_scope(&row, scope) {
        return Err(not_found());
    }
    let version = row.version;
    let mut items = hydrate(conn, vec![row])?;
    let info = items.pop().ok_or_else(not_found)?;
    Ok((info, version))
}
