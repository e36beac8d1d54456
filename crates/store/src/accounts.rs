//! Accounts: the tenant boundary, nested under parent accounts.

use canopy_domain::{
    access::Reach,
    hierarchy::{self, child_path, subtree_upper_bound},
    listing::{AccountSortField, PageTotals, Paging, SortOrder},
    validation::{check_length, check_not_blank, MAX_NAME_LEN},
    AccountDetails, AccountInfo, BillingSettings, ValidationErrors,
};
use diesel::{
    connection::SimpleConnection,
    dsl::sql,
    prelude::*,
    sql_types::{Bool, Integer, Text},
};

use crate::{
    connection::{AnyConnection, Db},
    new_id, now_text,
    rows::{to_doc, AccountRow},
    schema::{accounts, customers},
    sort_key, Actor, IdempotencyClaim, Store, StoreError, StoreResult, Touches,
};

#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub id: Option<String>,
    pub name: String,
    pub parent_account_id: Option<String>,
    pub billing_settings: Option<BillingSettings>,
    /// Telephony and branding members; absent ones start empty, 0 or false.
    pub details: AccountDetails,
}

/// Sparse changes: `None` leaves a field; `parent_account_id: Some("")` makes the account a root; an empty text
/// among `details` clears it.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub name: Option<String>,
    pub parent_account_id: Option<String>,
    pub billing_settings: Option<BillingSettings>,
    pub details: AccountDetails,
}

/// The columns of [`AccountDetails`] a write sets: `None` leaves a column, `Some(None)` stores NULL (an empty
/// text, "not set").
#[derive(AsChangeset)]
#[diesel(table_name = accounts)]
struct DetailsChangeset<'a> {
    twilio_account_sid: Option<Option<&'a str>>,
    max_phone_numbers: Option<i32>,
    is_byoa: Option<bool>,
    trust_hub_profile_sid: Option<Option<&'a str>>,
    logo_id: Option<Option<&'a str>>,
    logo_uri: Option<Option<&'a str>>,
}

impl<'a> DetailsChangeset<'a> {
    fn of(details: &'a AccountDetails) -> Self {
        let text = |value: &'a Option<String>| value.as_deref().map(|t| Some(t).filter(|t| !t.is_empty()));
        Self {
            twilio_account_sid: text(&details.twilio_account_sid),
            max_phone_numbers: details.max_phone_numbers,
            is_byoa: details.is_byoa,
            trust_hub_profile_sid: text(&details.trust_hub_profile_sid),
            logo_id: text(&details.logo_id),
            logo_uri: text(&details.logo_uri),
        }
    }
}

/// The filters of ListAccounts (empty lists mean "no filter"; filters combine) and the caller's reach.
#[derive(Debug, Clone)]
pub struct AccountFilter {
    pub name_filter: Option<String>,
    pub specific_ids: Vec<String>,
    /// Descendants (at any depth, the parents themselves excluded) of these accounts…
    pub parent_account_ids: Vec<String>,
    /// …or only their direct children.
    pub shallow_parent: bool,
    /// Only the accounts at the top of what the caller reaches: without a parent, or under a parent beyond its
    /// reach (the accounts it is shown without a `parentAccountId`).
    pub top_level_only: bool,
    /// The caller's reach: only the accounts it may read are listed.
    pub reach: Reach,
}

/// Every account: the default serves the service's own reads (what an administrator may choose from), which reach
/// everything.
impl Default for AccountFilter {
    fn default() -> Self {
        Self {
            name_filter: None,
            specific_ids: Vec::new(),
            parent_account_ids: Vec::new(),
            shallow_parent: false,
            top_level_only: false,
            reach: Reach::Everything,
        }
    }
}

type BoxedAccounts<'a> = accounts::BoxedQuery<'a, Db>;
type AccountCondition<'a> = Box<dyn BoxableExpression<accounts::table, Db, SqlType = Bool> + 'a>;

/// The accounts strictly below one of the accounts at `paths`, as a balanced tree of ORs (SQLite limits
/// expression depth).
fn below_any(paths: &[String]) -> AccountCondition<'_> {
    match paths {
        [] => Box::new(sql::<Bool>("1 = 0")),
        [path] => Box::new(accounts::path.gt(path.as_str()).and(accounts::path.lt(subtree_upper_bound(path)))),
        _ => {
            let (left, right) = paths.split_at(paths.len() / 2);
            Box::new(below_any(left).or(below_any(right)))
        }
    }
}

/// Orders by the sort field, then by id so that pages never overlap or skip; absent parents sort first when
/// ascending, on both backends.
fn ordered(q: BoxedAccounts<'_>, field: AccountSortField, order: SortOrder) -> BoxedAccounts<'_> {
    macro_rules! by {
        ($col:expr) => {
            match order {
                SortOrder::Ascend => q.order_by($col.asc()).then_order_by(accounts::id.asc()),
                SortOrder::Descend => q.order_by($col.desc()).then_order_by(accounts::id.desc()),
            }
        };
    }
    match field {
        AccountSortField::Name => by!(accounts::name_key),
        AccountSortField::Id => match order {
            SortOrder::Ascend => q.order_by(accounts::id.asc()),
            SortOrder::Descend => q.order_by(accounts::id.desc()),
        },
        AccountSortField::ParentAccountId => match order {
            SortOrder::Ascend => q
                .order_by(accounts::parent_account_id.is_null().desc())
                .then_order_by(accounts::parent_account_id.asc())
                .then_order_by(accounts::id.asc()),
            SortOrder::Descend => q
                .order_by(accounts::parent_account_id.is_null().asc())
                .then_order_by(accounts::parent_account_id.desc())
                .then_order_by(accounts::id.desc()),
        },
        AccountSortField::DateCreated => by!(accounts::date_created),
        AccountSortField::DateLastModified => by!(accounts::date_last_modified),
    }
}

fn validate_name(name: &str, errors: &mut ValidationErrors) {
    check_not_blank("name", name, errors);
    check_length("name", name, MAX_NAME_LEN, errors);
}

fn load_account_row(conn: &mut AnyConnection, id: &str) -> StoreResult<AccountRow> {
    accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound { entity: "Account", id: id.to_owned() })
}

fn parent_path(conn: &mut AnyConnection, parent_id: &str) -> StoreResult<String> {
    accounts::table.find(parent_id).select(accounts::path).first::<String>(conn).optional()?.ok_or_else(|| {
        ValidationErrors::single("parentAccountId", "NotFound", format!("parent account '{parent_id}' does not exist"))
            .into()
    })
}

/// Account moves are rare and can race across two rows (A under B while B goes under A); on PostgreSQL one
/// advisory lock serialises them. SQLite serialises every writer already.
fn serialise_account_moves(conn: &mut AnyConnection) -> StoreResult<()> {
    if let AnyConnection::Postgresql(pg) = conn {
        pg.batch_execute("SELECT pg_advisory_xact_lock(7243111)")?;
    }
    Ok(())
}

pub(crate) fn account_chain(conn: &mut AnyConnection, id: &str) -> StoreResult<Vec<AccountInfo>> {
    let row = load_account_row(conn, id)?;
    let ids: Vec<String> = hierarchy::path_ids(&row.path).map(str::to_owned).collect();
    let rows: Vec<AccountRow> =
        accounts::table.filter(accounts::id.eq_any(&ids)).select(AccountRow::as_select()).load(conn)?;
    let mut infos = rows.into_iter().map(AccountRow::into_info).collect::<StoreResult<Vec<_>>>()?;
    infos.sort_by_key(|a| std::cmp::Reverse(a.ancestor_ids.len()));
    Ok(infos)
}

pub(crate) fn accounts_with_ancestors(conn: &mut AnyConnection, ids: &[String]) -> StoreResult<Vec<AccountInfo>> {
    let mut wanted: Vec<String> = Vec::new();
    for chunk in ids.chunks(900) {
        let paths: Vec<String> =
            accounts::table.filter(accounts::id.eq_any(chunk)).select(accounts::path).load(conn)?;
        wanted.extend(paths.iter().flat_map(|p| hierarchy::path_ids(p)).map(str::to_owned));
    }
    wanted.sort();
    wanted.dedup();
    let mut infos = Vec::with_capacity(wanted.len());
    for chunk in wanted.chunks(900) {
        let rows: Vec<AccountRow> =
            accounts::table.filter(accounts::id.eq_any(chunk)).select(AccountRow::as_select()).load(conn)?;
        for row in rows {
            infos.push(row.into_info()?);
        }
    }
    Ok(infos)
}

impl Store {
    pub fn get_account(&self, id: &str) -> StoreResult<AccountInfo> {
        let mut conn = self.conn()?;
        load_account_row(&mut conn, id)?.into_info()
    }

    /// The account and its ancestors, nearest first: the chain billing settings are inherited along.
    pub fn account_chain(&self, id: &str) -> StoreResult<Vec<AccountInfo>> {
        account_chain(&mut *self.conn()?, id)
    }

    /// These accounts and all their ancestors, each once.
    pub fn accounts_with_ancestors(&self, ids: &[String]) -> StoreResult<Vec<AccountInfo>> {
        accounts_with_ancestors(&mut *self.conn()?, ids)
    }

    /// Ids of the accounts and all their descendant accounts (a Manager's reach).
    pub fn account_subtree_ids(&self, roots: &[String]) -> StoreResult<Vec<String>> {
        let mut conn = self.conn()?;
        let mut ids = Vec::new();
        for root in roots {
            let Some(path) =
                accounts::table.find(root).select(accounts::path).first::<String>(&mut *conn).optional()?
            else {
                continue;
            };
            let found: Vec<String> = accounts::table
                .filter(accounts::path.ge(&path))
                .filter(accounts::path.lt(subtree_upper_bound(&path)))
                .select(accounts::id)
                .load(&mut *conn)?;
            ids.extend(found);
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// A page of accounts: at most three statements (the named parents' paths, the count, the page), whatever the
    /// number or depth of the accounts.
    pub fn list_accounts(
        &self,
        filter: &AccountFilter,
        sort: AccountSortField,
        order: SortOrder,
        paging: Paging,
    ) -> StoreResult<(Vec<AccountInfo>, PageTotals)> {
        let mut conn = self.conn()?;
        let pattern = filter.name_filter.as_deref().filter(|s| !s.is_empty()).map(|s| {
            let mut p = String::from("%");
            for c in sort_key(s).chars() {
                if matches!(c, '%' | '_' | '\\') {
                    p.push('\\');
                }
                p.push(c);
            }
            p.push('%');
            p
        });
        // Descendants are path ranges below the named parents that exist (one statement, ids in chunks).
        let parent_paths: Option<Vec<String>> = if filter.parent_account_ids.is_empty() || filter.shallow_parent {
            None
        } else {
            let mut paths = Vec::new();
            for chunk in filter.parent_account_ids.chunks(900) {
                let found: Vec<String> =
                    accounts::table.filter(accounts::id.eq_any(chunk)).select(accounts::path).load(&mut *conn)?;
                paths.extend(found);
            }
            Some(paths)
        };
        let readable = filter.reach.readable_accounts();
        let query = || {
            let mut q: BoxedAccounts<'_> = accounts::table.into_boxed();
            if let Some(pattern) = &pattern {
                q = q.filter(accounts::name_key.like(pattern.clone()).escape('\\'));
            }
            if !filter.specific_ids.is_empty() {
                q = q.filter(accounts::id.eq_any(filter.specific_ids.clone()));
            }
            if !filter.parent_account_ids.is_empty() {
                q = match &parent_paths {
                    Some(paths) => q.filter(below_any(paths)),
                    None => q.filter(accounts::parent_account_id.eq_any(filter.parent_account_ids.clone())),
                };
            }
            if filter.top_level_only {
                q = match readable {
                    None => q.filter(accounts::parent_account_id.is_null()),
                    Some(readable) => q.filter(
                        accounts::parent_account_id.is_null().or(accounts::parent_account_id.ne_all(readable.to_vec())),
                    ),
                };
            }
            if let Some(readable) = readable {
                q = q.filter(accounts::id.eq_any(readable.to_vec()));
            }
            q
        };
        let total = match paging {
            Paging::Page { simplified: false, .. } => {
                Some(query().count().get_result::<i64>(&mut *conn)?.max(0) as u64)
            }
            _ => None,
        };
        let mut q = ordered(query(), sort, order);
        if let Some((offset, limit)) = paging.window() {
            q = q.offset(offset as i64).limit(limit as i64);
        }
        let mut rows: Vec<AccountRow> = q.select(AccountRow::as_select()).load(&mut *conn)?;
        let totals = PageTotals::compute(paging, total, rows.len());
        if let Paging::Page { count_per_page, .. } = paging {
            rows.truncate(count_per_page as usize);
        }
        let items = rows.into_iter().map(AccountRow::into_info).collect::<StoreResult<Vec<_>>>()?;
        Ok((items, totals))
    }

    /// Creates an account; with `idempotency`, its answer is kept under the client's key in the same transaction.
    pub fn create_account(
        &self,
        new: NewAccount,
        actor: &Actor,
        idempotency: Option<&IdempotencyClaim>,
    ) -> StoreResult<AccountInfo> {
        let mut errors = ValidationErrors::default();
        validate_name(&new.name, &mut errors);
        if let Some(id) = &new.id {
            hierarchy::check_id("id", id, &mut errors);
        }
        if let Some(billing) = &new.billing_settings {
            billing.validate("billingSettings", &mut errors);
        }
        new.details.validate(&mut errors);
        errors.into_result()?;
        let id = new.id.clone().unwrap_or_else(new_id);
        // Accounts change what Managers reach: both generations move.
        self.write(Touches::DataAndAuth, |conn| {
            let parent = new.parent_account_id.as_deref().filter(|p| !p.is_empty());
            let path = match parent {
                Some(parent_id) => child_path(Some(&parent_path(conn, parent_id)?), &id),
                None => child_path(None, &id),
            };
            let now = now_text();
            diesel::insert_into(accounts::table)
                .values((
                    accounts::id.eq(&id),
                    accounts::name.eq(&new.name),
                    accounts::name_key.eq(sort_key(&new.name)),
                    accounts::parent_account_id.eq(parent),
                    accounts::path.eq(&path),
                    accounts::billing_settings.eq(new.billing_settings.as_ref().map(to_doc).transpose()?),
                    accounts::customer_fields.eq("[]"),
                    accounts::date_created.eq(&now),
                    accounts::date_last_modified.eq(&now),
                    accounts::created_by.eq(actor.user_id.as_deref()),
                    accounts::last_modified_by.eq(actor.user_id.as_deref()),
                    accounts::version.eq(1i64),
                    accounts::write_lock.eq(0i64),
                ))
                .execute(conn)?;
            if !new.details.is_empty() {
                diesel::update(accounts::table.find(&id)).set(DetailsChangeset::of(&new.details)).execute(conn)?;
            }
            let created = load_account_row(conn, &id)?.into_info()?;
            if let Some(claim) = idempotency {
                crate::idempotency::remember(conn, claim, &created)?;
            }
            Ok(created)
        })
    }

    pub fn patch_account(&self, id: &str, changes: &AccountChanges, actor: &Actor) -> StoreResult<AccountInfo> {
        let mut errors = ValidationErrors::default();
        if let Some(name) = &changes.name {
            validate_name(name, &mut errors);
        }
        if let Some(billing) = &changes.billing_settings {
            billing.validate("billingSettings", &mut errors);
        }
        changes.details.validate(&mut errors);
        errors.into_result()?;
        self.write(Touches::DataAndAuth, |conn| {
            let updated = diesel::update(accounts::table.find(id))
                .set(accounts::write_lock.eq(accounts::write_lock + 1))
                .execute(conn)?;
            if updated == 0 {
                return Err(StoreError::NotFound { entity: "Account", id: id.to_owned() });
            }
            if let Some(parent) = &changes.parent_account_id {
                serialise_account_moves(conn)?;
                let row = load_account_row(conn, id)?;
                let parent = Some(parent.as_str()).filter(|p| !p.is_empty());
                if parent != row.parent_account_id.as_deref() {
                    let new_path = match parent {
                        Some(parent_id) => {
                            let parent_path = parent_path(conn, parent_id)?;
                            if hierarchy::is_within(&parent_path, &row.path) {
                                return Err(ValidationErrors::single(
                                    "parentAccountId",
                                    "Cycle",
                                    format!("'{parent_id}' is this account or one of its descendants"),
                                )
                                .into());
                            }
                            child_path(Some(&parent_path), id)
                        }
                        None => child_path(None, id),
                    };
                    let keep_from = i32::try_from(row.path.len() + 1)
                        .map_err(|_| StoreError::Corrupt("account path too long".into()))?;
                    diesel::update(
                        accounts::table
                            .filter(accounts::path.ge(&row.path))
                            .filter(accounts::path.lt(subtree_upper_bound(&row.path))),
                    )
                    .set(
                        accounts::path.eq(sql::<Text>("")
                            .bind::<Text, _>(&new_path)
                            .sql(" || substr(path, ")
                            .bind::<Integer, _>(keep_from)
                            .sql(")")),
                    )
                    .execute(conn)?;
                    diesel::update(accounts::table.find(id))
                        .set(accounts::parent_account_id.eq(parent))
                        .execute(conn)?;
                }
            }
            if let Some(name) = &changes.name {
                diesel::update(accounts::table.find(id))
                    .set((accounts::name.eq(name), accounts::name_key.eq(sort_key(name))))
                    .execute(conn)?;
            }
            if let Some(billing) = &changes.billing_settings {
                diesel::update(accounts::table.find(id))
                    .set(accounts::billing_settings.eq(Some(to_doc(billing)?)))
                    .execute(conn)?;
            }
            if !changes.details.is_empty() {
                diesel::update(accounts::table.find(id)).set(DetailsChangeset::of(&changes.details)).execute(conn)?;
            }
            diesel::update(accounts::table.find(id))
                .set((
                    accounts::date_last_modified.eq(now_text()),
                    accounts::last_modified_by.eq(actor.user_id.as_deref()),
                    accounts::version.eq(accounts::version + 1),
                ))
                .execute(conn)?;
            load_account_row(conn, id)?.into_info()
        })
    }

    /// Deletes an account that holds no customers and no child accounts.
    pub fn delete_account(&self, id: &str) -> StoreResult<()> {
        self.write(Touches::DataAndAuth, |conn| {
            let updated = diesel::update(accounts::table.find(id))
                .set(accounts::write_lock.eq(accounts::write_lock + 1))
                .execute(conn)?;
            if updated == 0 {
                return Err(StoreError::NotFound { entity: "Account", id: id.to_owned() });
            }
            let children: i64 = accounts::table.filter(accounts::parent_account_id.eq(id)).count().get_result(conn)?;
            let customers: i64 = customers::table.filter(customers::account_id.eq(id)).count().get_result(conn)?;
            if children > 0 || customers > 0 {
                return Err(StoreError::Conflict {
                    field: "accountId".into(),
                    message: format!(
                        "account '{id}' still has {customers} customer(s) and {children} child account(s)"
                    ),
                });
            }
            diesel::delete(crate::schema::tags::table.filter(crate::schema::tags::account_id.eq(id))).execute(conn)?;
            diesel::delete(accounts::table.find(id)).execute(conn)?;
            Ok(())
        })
    }
}
