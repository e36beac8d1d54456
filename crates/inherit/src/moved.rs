//! What a move changes below the moved customer: which customers now inherit a facet from another source (or
//! another value), recorded in the history as `effective.*` members (`canopy_domain::history::EFFECTIVE_RECORDED`).
//!
//! A move changes the ancestors of the moved customer's subtree and of nothing else, so only the customers of
//! that subtree can be affected. The caller hands in the subtree twice, as it was (under the old ancestors) and as
//! it is (under the new ones); both are resolved in one pass each ([`Forest`]) and compared customer by customer.
//! A descendant that claims a facet between itself and the moved customer keeps its source and value, so it comes
//! out unchanged without being looked for. Cost: O(subtree + ancestors + accounts), whatever the depth.

use std::fmt;

use canopy_domain::history::{MemberChange, EFFECTIVE_RECORDED};
use serde::Serialize;

use crate::error::HierarchyError;
use crate::facet::{AppSettingsFacet, BillingSettingsFacet, Effective};
use crate::forest::Forest;
use crate::node::{AccountNode, CustomerNode};

/// One customer whose effective values a move changed, and how: one change per facet, in the order of
/// `EFFECTIVE_RECORDED`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveChanges {
    pub customer_id: String,
    pub changes: Vec<MemberChange>,
}

/// Why the effective changes of a move could not be worked out: the store handed over too little (a broken
/// invariant, a server error), or a value would not encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EffectiveChangeError {
    Hierarchy(HierarchyError),
    /// A customer of `subtree` is missing from the customers before or after the move.
    MissingCustomer {
        customer: String,
    },
    Encoding(String),
}

impl fmt::Display for EffectiveChangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EffectiveChangeError::Hierarchy(e) => e.fmt(f),
            EffectiveChangeError::MissingCustomer { customer } => {
                write!(f, "customer {customer} of the moved subtree was not provided both before and after the move")
            }
            EffectiveChangeError::Encoding(e) => write!(f, "an effective value does not encode: {e}"),
        }
    }
}

impl std::error::Error for EffectiveChangeError {}

impl From<HierarchyError> for EffectiveChangeError {
    fn from(e: HierarchyError) -> Self {
        EffectiveChangeError::Hierarchy(e)
    }
}

/// The customers of `subtree` (the moved customer and all its descendants, by id) whose effective billing
/// settings, app settings or schedule differ between `before` and `after`, in the order of `subtree`.
///
/// `before` holds the subtree as it was with the moved customer's old ancestors, `after` the subtree as it is with
/// the new ones; `accounts` the customers' account and its ancestors (a move stays in one account). Each value is
/// the JSON of an [`Effective`] (`{value, sourceId, sourceKind}`), the schedule's with its zone in force filled in,
/// as `includeEffective` shows them.
pub fn effective_changes_of_move<C: CustomerNode, A: AccountNode>(
    subtree: &[&str],
    before: &[C],
    after: &[C],
    accounts: &[A],
) -> Result<Vec<EffectiveChanges>, EffectiveChangeError> {
    let [billing_member, app_member, schedule_member] = EFFECTIVE_RECORDED;
    let (old_forest, new_forest) = (Forest::new(before, accounts)?, Forest::new(after, accounts)?);
    let (old_billing, new_billing) =
        (old_forest.resolve(BillingSettingsFacet), new_forest.resolve(BillingSettingsFacet));
    let (old_app, new_app) = (old_forest.resolve(AppSettingsFacet), new_forest.resolve(AppSettingsFacet));
    let (old_schedules, new_schedules) = (old_forest.resolve_schedules(), new_forest.resolve_schedules());
    let mut affected = Vec::new();
    for &id in subtree {
        let missing = || EffectiveChangeError::MissingCustomer { customer: id.to_owned() };
        let (old, new) = (old_forest.index_of(id).ok_or_else(missing)?, new_forest.index_of(id).ok_or_else(missing)?);
        let mut changes = Vec::new();
        compare(billing_member, old_billing.effective(old), new_billing.effective(new), &mut changes)?;
        compare(app_member, old_app.effective(old), new_app.effective(new), &mut changes)?;
        compare(
            schedule_member,
            old_schedules.effective(old).map(|s| s.schedule),
            new_schedules.effective(new).map(|s| s.schedule),
            &mut changes,
        )?;
        if !changes.is_empty() {
            affected.push(EffectiveChanges { customer_id: id.to_owned(), changes });
        }
    }
    Ok(affected)
}

/// Adds `member`'s change when the effective value or its source differs.
fn compare<T: PartialEq + Serialize>(
    member: &str,
    old: Option<Effective<T>>,
    new: Option<Effective<T>>,
    changes: &mut Vec<MemberChange>,
) -> Result<(), EffectiveChangeError> {
    if old == new {
        return Ok(());
    }
    let text = |value: Option<Effective<T>>| {
        value.map(|v| serde_json::to_string(&v)).transpose().map_err(|e| EffectiveChangeError::Encoding(e.to_string()))
    };
    changes.push(MemberChange { member: member.to_owned(), old_value: text(old)?, new_value: text(new)? });
    Ok(())
}
