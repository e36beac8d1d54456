//! Customers: the forest inside each account, its listing, and sparse changes. This file holds the values callers
//! pass in and out, and the reach checks made on a loaded row; `filter` and `keyset` build the SQL, `list` and
//! `lookup` read, `hydrate` turns rows into `CustomerInfo`s, `write` and `import` change the forest, and `row` is
//! the stored form every write builds its row from.

mod filter;
mod hydrate;
mod import;
mod keyset;
mod list;
mod lookup;
mod moved;
mod row;
mod upsert;
mod write;

use canopy_domain::{
    access::Reach,
    hierarchy,
    listing::{CustomerSortField, PageTotals, Paging, SortOrder},
    patch::CustomerChanges,
    CustomerInfo,
};

use crate::{rows::CustomerRow, StoreError};

pub use import::ImportCustomer;
pub use lookup::InheritanceContext;
pub use upsert::{FieldRule, ImportRequest, ImportRow, RowValues};
pub(crate) use write::recompute_tag_ids;

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
    /// Only the customers at the top of what the caller reaches: those without a parent, or, for a caller that
    /// reaches subtrees, the roots of its subtrees (answered without a parent too).
    pub top_level_only: bool,
}

impl CustomerFilter {
    /// Whether this filter keeps whole accounts (or everything): no name, parent, tag, id or reference filter, not
    /// only the top level. A walk over such a scope meets most of its forest's ancestors.
    pub fn is_whole_scope(&self) -> bool {
        self.name_filter.as_deref().is_none_or(str::is_empty)
            && self.parent_customer_ids.is_empty()
            && self.tag_ids.is_empty()
            && self.specific_ids.is_empty()
            && self.reference_ids.is_empty()
            && !self.top_level_only
    }
}

/// Which customers to read and in what order: the one value a list of a page and a walk over every match both
/// take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerQuery {
    pub filter: CustomerFilter,
    /// What the caller reaches; applied inside every statement, never after loading.
    pub reach: Reach,
    pub sort: CustomerSortField,
    pub order: SortOrder,
    /// The slice a list answers. A walk reads every match whatever this says: it pages by itself, by key.
    pub paging: Paging,
}

impl CustomerQuery {
    /// Every customer, by name: what `canopy export` writes.
    pub fn everything() -> Self {
        Self {
            filter: CustomerFilter::default(),
            reach: Reach::Everything,
            sort: CustomerSortField::Name,
            order: SortOrder::Ascend,
            paging: Paging::All,
        }
    }

    /// What the number of matches depends on (the filter and the reach; not the order or the page), as text: the
    /// key a known count may be remembered under.
    pub fn count_key(&self) -> String {
        format!("{:?}|{:?}", self.reach, self.filter)
    }
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

/// Largest id list bound in one statement; keeps well inside SQLite's and PostgreSQL's parameter limits.
const BIND_CHUNK: usize = 900;

fn in_reach(row: &CustomerRow, reach: &Reach) -> bool {
    path_in_reach(&row.path, &row.account_id, reach)
}

/// Whether the customer at `path` in `account_id` is within `reach`.
pub(crate) fn path_in_reach(path: &str, account_id: &str, reach: &Reach) -> bool {
    match reach {
        Reach::Everything => true,
        Reach::Accounts(ids) => ids.iter().any(|id| id == account_id),
        Reach::Subtrees { customers: roots, .. } => {
            hierarchy::path_ids(path).any(|ancestor| roots.iter().any(|r| r == ancestor))
        }
    }
}

fn forbidden(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Forbidden { field: Some(field.to_owned()), message: message.into() }
}
