//! The history of what a move changes below the moved customer: the effective values its subtree now inherits from
//! elsewhere (`effective.*` members). `canopy_inherit` decides which customers changed; this module loads what it
//! needs, in the move's transaction, with a bounded number of statements whatever the size of the subtree.

use std::collections::HashSet;

use canopy_domain::{hierarchy, history::MemberChange, AccountInfo, CustomerInfo};
use diesel::prelude::*;

use super::BIND_CHUNK;
use crate::{connection::AnyConnection, rows::from_optional_doc, schema::customers, StoreError, StoreResult};

/// The columns inheritance reads, and nothing else: a subtree of thousands is loaded without its data documents.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = customers)]
struct InheritanceRow {
    id: String,
    account_id: String,
    parent_customer_id: Option<String>,
    override_billing_settings: bool,
    billing_settings: Option<String>,
    override_app_settings: bool,
    app_settings: Option<String>,
    schedule: Option<String>,
}

impl InheritanceRow {
    /// A customer with only what inheritance reads filled in.
    fn into_node(self) -> StoreResult<CustomerInfo> {
        Ok(CustomerInfo {
            billing_settings: from_optional_doc("billing_settings", self.billing_settings.as_deref())?,
            app_settings: from_optional_doc("app_settings", self.app_settings.as_deref())?,
            schedule: from_optional_doc("schedule", self.schedule.as_deref())?,
            id: self.id,
            account_id: self.account_id,
            parent_customer_id: self.parent_customer_id,
            override_billing_settings: self.override_billing_settings,
            override_app_settings: self.override_app_settings,
            ..CustomerInfo::default()
        })
    }
}

/// What a moving customer's subtree inherits through before the move: the subtree (the moved customer first) and
/// the ancestors above it before and after the move, and the account with its ancestors. Read before the paths are
/// rewritten.
pub(super) struct BeforeMove {
    subtree: Vec<CustomerInfo>,
    old_ancestors: Vec<CustomerInfo>,
    new_ancestors: Vec<CustomerInfo>,
    accounts: Vec<AccountInfo>,
}

impl BeforeMove {
    /// Loads the subtree at `old_path` (one statement, by path prefix), the ancestors on `old_path` and `new_path`
    /// together (one statement per 900 of them) and the account chain (two statements).
    pub(super) fn load(
        conn: &mut AnyConnection,
        moved_id: &str,
        account_id: &str,
        old_path: &str,
        new_path: &str,
    ) -> StoreResult<Self> {
        let mut subtree: Vec<CustomerInfo> = customers::table
            .filter(customers::path.ge(old_path))
            .filter(customers::path.lt(hierarchy::subtree_upper_bound(old_path)))
            .select(InheritanceRow::as_select())
            .load::<InheritanceRow>(conn)?
            .into_iter()
            .map(InheritanceRow::into_node)
            .collect::<StoreResult<_>>()?;
        let moved = subtree
            .iter()
            .position(|c| c.id == moved_id)
            .ok_or_else(|| StoreError::Corrupt(format!("customer '{moved_id}' is not on its own path")))?;
        subtree.swap(0, moved);
        let old_ids: HashSet<&str> = hierarchy::ancestor_ids(old_path).into_iter().collect();
        let new_ids: HashSet<&str> = hierarchy::ancestor_ids(new_path).into_iter().collect();
        let wanted: Vec<&str> = old_ids.union(&new_ids).copied().collect();
        let (mut old_ancestors, mut new_ancestors) = (Vec::new(), Vec::new());
        for chunk in wanted.chunks(BIND_CHUNK) {
            let rows: Vec<InheritanceRow> =
                customers::table.filter(customers::id.eq_any(chunk)).select(InheritanceRow::as_select()).load(conn)?;
            for row in rows {
                let node = row.into_node()?;
                if old_ids.contains(node.id.as_str()) && new_ids.contains(node.id.as_str()) {
                    old_ancestors.push(node.clone());
                    new_ancestors.push(node);
                } else if old_ids.contains(node.id.as_str()) {
                    old_ancestors.push(node);
                } else {
                    new_ancestors.push(node);
                }
            }
        }
        let accounts = crate::accounts::accounts_with_ancestors(conn, &[account_id.to_owned()])?;
        Ok(Self { subtree, old_ancestors, new_ancestors, accounts })
    }

    /// Each customer of the subtree whose effective values changed, with those changes, given the moved customer
    /// as it is after the write (its new parent, and any settings the same write changed). No statement: the rest
    /// of the subtree is unchanged by a move but for its paths, which inheritance does not read.
    pub(super) fn effective_changes(self, moved_after: &CustomerInfo) -> StoreResult<Vec<(String, Vec<MemberChange>)>> {
        let Self { subtree, old_ancestors, new_ancestors, accounts } = self;
        let ids: Vec<&str> = subtree.iter().map(|c| c.id.as_str()).collect();
        let mut before = subtree.clone();
        before.extend(old_ancestors);
        let mut after = subtree.clone();
        after[0] = CustomerInfo {
            id: moved_after.id.clone(),
            account_id: moved_after.account_id.clone(),
            parent_customer_id: moved_after.parent_customer_id.clone(),
            override_billing_settings: moved_after.override_billing_settings,
            billing_settings: moved_after.billing_settings.clone(),
            override_app_settings: moved_after.override_app_settings,
            app_settings: moved_after.app_settings.clone(),
            schedule: moved_after.schedule.clone(),
            ..CustomerInfo::default()
        };
        after.extend(new_ancestors);
        let changed = canopy_inherit::effective_changes_of_move(&ids, &before, &after, &accounts)
            .map_err(|e| StoreError::Corrupt(format!("effective values of a move: {e}")))?;
        Ok(changed.into_iter().map(|c| (c.customer_id, c.changes)).collect())
    }
}
