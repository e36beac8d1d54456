//! Reads of one customer and of what its neighbours need: its chain, its accounts, the context of inheritance.

use std::collections::{HashMap, HashSet};

use canopy_domain::{access::Reach, hierarchy, AccountInfo, CustomerInfo, ValidationErrors};
use diesel::prelude::*;

use super::{
    filter::resolve_filter,
    hydrate::{get_in_reach, load_row},
    in_reach, CustomerFilter, BIND_CHUNK,
};
use crate::{
    connection::AnyConnection,
    rows::CustomerRow,
    schema::{customers, tags},
    Store, StoreError, StoreResult,
};

impl Store {
    /// One customer, with its version (for ETags).
    pub fn get_customer(&self, id: &str, reach: &Reach) -> StoreResult<(CustomerInfo, i64)> {
        let mut conn = self.conn()?;
        get_in_reach(&mut conn, id, reach)
    }

    /// The id of the customer whose `referenceId` is exactly `reference_id`, in `account_id` when given, within
    /// `reach`: a reference that is unknown and one beyond reach are the same `NotFound`. A reference is unique
    /// within an account only, so without an account more than one match is refused as ambiguous (400 naming
    /// `accountId`). One statement (two for a Customer user, whose reach is resolved to paths first).
    pub fn customer_id_by_reference(
        &self,
        reference_id: &str,
        account_id: Option<&str>,
        reach: &Reach,
    ) -> StoreResult<String> {
        let mut conn = self.conn()?;
        let filter = CustomerFilter {
            reference_ids: vec![reference_id.to_owned()],
            account_ids: account_id.into_iter().map(str::to_owned).collect(),
            ..CustomerFilter::default()
        };
        let resolved = resolve_filter(&mut conn, &filter, reach)?;
        let ids: Vec<String> = resolved.query().select(customers::id).limit(2).load(&mut *conn)?;
        match ids.as_slice() {
            [id] => Ok(id.clone()),
            [] => Err(StoreError::NotFound { entity: "Customer with referenceId", id: reference_id.to_owned() }),
            _ => Err(ValidationErrors::single(
                "accountId",
                "NotEmpty",
                "'accountId' must not be empty: this referenceId is used in more than one account",
            )
            .into()),
        }
    }

    /// The customer and its ancestors, nearest first, with their own stored settings (breadcrumbs and tags are
    /// not filled in), then its account and that account's ancestors, nearest first: what inheritance walks.
    /// Two queries for the customers, whatever the depth, and two for the accounts.
    pub fn customer_chain(&self, id: &str, reach: &Reach) -> StoreResult<(Vec<CustomerInfo>, Vec<AccountInfo>)> {
        let mut conn = self.conn()?;
        conn.transaction(|conn| -> StoreResult<(Vec<CustomerInfo>, Vec<AccountInfo>)> {
            let row = load_row(conn, id)?;
            if !in_reach(&row, reach) {
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
            let mut chain = vec![row.into_info(None, Vec::new(), &mut |_| None)?];
            for ancestor in ids.iter().rev() {
                let ancestor_row = by_id
                    .remove(ancestor)
                    .ok_or_else(|| StoreError::Corrupt(format!("ancestor '{ancestor}' of '{id}' is missing")))?;
                chain.push(ancestor_row.into_info(None, Vec::new(), &mut |_| None)?);
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

    /// Which of `ids` exist within `reach` (one query per thousand ids).
    pub fn visible_customer_ids(&self, ids: &[String], reach: &Reach) -> StoreResult<Vec<String>> {
        let mut conn = self.conn()?;
        let filter = CustomerFilter { specific_ids: ids.to_vec(), ..CustomerFilter::default() };
        let resolved = resolve_filter(&mut conn, &filter, reach)?;
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
    pub fn inheritance_context(&self, customers_in: &[CustomerInfo]) -> StoreResult<InheritanceContext> {
        let mut conn = self.conn()?;
        inheritance_context(&mut conn, customers_in)
    }
}

/// What effective values of some customers need beyond them: their ancestors that are not among them (own settings
/// only, no breadcrumbs or tags), and their accounts with those accounts' ancestors.
pub type InheritanceContext = (Vec<CustomerInfo>, Vec<AccountInfo>);

/// [`Store::inheritance_context`] on a connection already held (a walk's, inside its transaction).
pub(super) fn inheritance_context(
    conn: &mut AnyConnection,
    customers_in: &[CustomerInfo],
) -> StoreResult<InheritanceContext> {
    let present: HashSet<&str> = customers_in.iter().map(|c| c.id.as_str()).collect();
    let missing: Vec<String> = customers_in
        .iter()
        .flat_map(|c| c.breadcrumb.iter().map(|b| b.id.as_str()))
        .filter(|id| !present.contains(id))
        .collect::<HashSet<_>>()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut ancestors = Vec::with_capacity(missing.len());
    for chunk in missing.chunks(BIND_CHUNK) {
        let rows: Vec<CustomerRow> =
            customers::table.filter(customers::id.eq_any(chunk)).select(CustomerRow::as_select()).load(conn)?;
        for row in rows {
            ancestors.push(row.into_info(None, Vec::new(), &mut |_| None)?);
        }
    }
    let account_ids: Vec<String> =
        customers_in.iter().map(|c| c.account_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let accounts = crate::accounts::accounts_with_ancestors(conn, &account_ids)?;
    Ok((ancestors, accounts))
}
