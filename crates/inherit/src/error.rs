//! What can be wrong with the nodes handed to a resolver.
//!
//! Every variant is a broken invariant of the stored hierarchy or a caller that loaded too little: the store
//! guarantees a forest within one account, so a caller should map these to a server error, not a 4xx.

use std::error::Error;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HierarchyError {
    /// A chain must start with the customer whose values are asked for.
    EmptyChain,
    /// In a chain, `customer`'s parent is not the next customer (or the last customer is not top-level).
    BrokenChain {
        customer: String,
        parent: Option<String>,
        next: Option<String>,
    },
    /// In a chain, the accounts do not run from the top-level customer's account up to a root account.
    BrokenAccountChain {
        account: String,
    },
    /// A facet that reaches accounts was resolved without the customer's account.
    MissingAccount {
        customer: String,
        account: String,
    },
    DuplicateCustomer {
        customer: String,
    },
    DuplicateAccount {
        account: String,
    },
    UnknownParent {
        customer: String,
        parent: String,
    },
    UnknownParentAccount {
        account: String,
        parent: String,
    },
    /// A customer's parent belongs to another account.
    CrossAccountParent {
        customer: String,
        parent: String,
    },
    /// `customer` lies on, or below, a cycle of parent links.
    CustomerCycle {
        customer: String,
    },
    AccountCycle {
        account: String,
    },
    /// More than `u32::MAX - 1` nodes: indices are kept as `u32` to halve the memory of a bulk resolution.
    TooManyNodes,
}

impl fmt::Display for HierarchyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HierarchyError::EmptyChain => f.write_str("a chain must start with a customer"),
            HierarchyError::BrokenChain { customer, parent, next } => write!(
                f,
                "customer {customer} has parent {} but the chain continues with {}",
                parent.as_deref().unwrap_or("(none)"),
                next.as_deref().unwrap_or("(nothing)")
            ),
            HierarchyError::BrokenAccountChain { account } => {
                write!(f, "the account chain is broken at account {account}")
            }
            HierarchyError::MissingAccount { customer, account } => {
                write!(f, "account {account} of customer {customer} was not provided")
            }
            HierarchyError::DuplicateCustomer { customer } => write!(f, "customer {customer} appears twice"),
            HierarchyError::DuplicateAccount { account } => write!(f, "account {account} appears twice"),
            HierarchyError::UnknownParent { customer, parent } => {
                write!(f, "parent {parent} of customer {customer} was not provided")
            }
            HierarchyError::UnknownParentAccount { account, parent } => {
                write!(f, "parent account {parent} of account {account} was not provided")
            }
            HierarchyError::CrossAccountParent { customer, parent } => {
                write!(f, "customer {customer} and its parent {parent} belong to different accounts")
            }
            HierarchyError::CustomerCycle { customer } => write!(f, "customer {customer} is on or below a cycle"),
            HierarchyError::AccountCycle { account } => write!(f, "account {account} is on or below a cycle"),
            HierarchyError::TooManyNodes => f.write_str("too many nodes for one resolution"),
        }
    }
}

impl Error for HierarchyError {}
