//! Resolving one customer from its chain of ancestors.
//!
//! The caller loads the chain nearest-first: the customer, its parent, …, the top-level customer; and, for
//! facets that reach accounts (billing), the top-level customer's account and its parent accounts, nearest-first.
//! The nearest node that claims supplies the value. Cost: O(depth of the chain).

use crate::error::HierarchyError;
use crate::facet::{Effective, Facet};
use crate::node::{non_empty, AccountNode, CustomerNode};

/// The effective value of `customers[0]` for `facet`, and where it came from.
///
/// `accounts` may be empty for facets that do not reach accounts; when given it must run from the top-level
/// customer's account up to a root account. The chain is checked link by link, so a caller that loaded too
/// little gets an error instead of a silently wrong answer.
pub fn resolve_chain<F: Facet, C: CustomerNode, A: AccountNode>(
    facet: &F,
    customers: &[C],
    accounts: &[A],
) -> Result<Effective<F::Value>, HierarchyError> {
    check_customer_chain(customers)?;
    check_account_chain(customers, accounts, facet.reaches_accounts())?;
    let top_level = customers.len() - 1;
    let claimant = customers.iter().enumerate().find(|(i, customer)| facet.customer_claims(*customer, *i == top_level));
    if let Some((_, customer)) = claimant {
        return Ok(Effective::from_customer(facet.customer_value(customer).into_owned(), customer.id()));
    }
    if facet.reaches_accounts() {
        if let Some(account) = accounts.iter().find(|account| facet.account_claims(*account)) {
            return Ok(Effective::from_account(facet.account_value(account).into_owned(), account.id()));
        }
    }
    Ok(Effective::built_in(facet.built_in()))
}

/// Each customer's parent is the next one, all in one account, and the last one is top-level.
fn check_customer_chain<C: CustomerNode>(customers: &[C]) -> Result<(), HierarchyError> {
    let Some(last) = customers.last() else { return Err(HierarchyError::EmptyChain) };
    for pair in customers.windows(2) {
        let (customer, next) = (&pair[0], &pair[1]);
        let parent = non_empty(customer.parent_id());
        if parent != Some(next.id()) {
            return Err(HierarchyError::BrokenChain {
                customer: customer.id().to_owned(),
                parent: parent.map(str::to_owned),
                next: Some(next.id().to_owned()),
            });
        }
        if customer.account_id() != next.account_id() {
            return Err(HierarchyError::CrossAccountParent {
                customer: customer.id().to_owned(),
                parent: next.id().to_owned(),
            });
        }
    }
    if let Some(parent) = non_empty(last.parent_id()) {
        return Err(HierarchyError::BrokenChain {
            customer: last.id().to_owned(),
            parent: Some(parent.to_owned()),
            next: None,
        });
    }
    Ok(())
}

/// The accounts start at the top-level customer's account and end at a root account.
fn check_account_chain<C: CustomerNode, A: AccountNode>(
    customers: &[C],
    accounts: &[A],
    required: bool,
) -> Result<(), HierarchyError> {
    let Some(top_level) = customers.last() else { return Err(HierarchyError::EmptyChain) };
    let Some(first) = accounts.first() else {
        return if required {
            Err(HierarchyError::MissingAccount {
                customer: top_level.id().to_owned(),
                account: top_level.account_id().to_owned(),
            })
        } else {
            Ok(())
        };
    };
    if first.id() != top_level.account_id() {
        return Err(HierarchyError::MissingAccount {
            customer: top_level.id().to_owned(),
            account: top_level.account_id().to_owned(),
        });
    }
    for pair in accounts.windows(2) {
        if non_empty(pair[0].parent_account_id()) != Some(pair[1].id()) {
            return Err(HierarchyError::BrokenAccountChain { account: pair[0].id().to_owned() });
        }
    }
    match accounts.last() {
        Some(root) if non_empty(root.parent_account_id()).is_some() => {
            Err(HierarchyError::BrokenAccountChain { account: root.id().to_owned() })
        }
        _ => Ok(()),
    }
}
