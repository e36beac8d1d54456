#![doc = include_str!("../README.md")]

pub mod chain;
pub mod error;
pub mod facet;
pub mod forest;
pub mod moved;
pub mod node;
pub mod schedule;

pub use chain::resolve_chain;
pub use error::HierarchyError;
pub use facet::{AppSettingsFacet, BillingSettingsFacet, Effective, Facet, ScheduleFacet, SourceKind};
pub use forest::{Forest, Resolved, ResolvedSchedules, SourceRef};
pub use moved::{effective_changes_of_move, EffectiveChangeError, EffectiveChanges};
pub use node::{AccountNode, CustomerNode};
pub use schedule::{resolve_schedule_chain, zone_of, EffectiveSchedule, DEFAULT_TIME_ZONE};

use canopy_domain::{AppSettings, BillingSettings};

/// The effective billing settings of `customers[0]`: its chain nearest-first to the top-level customer, then that
/// customer's account and its parent accounts nearest-first to the root account.
pub fn resolve_billing_chain<C: CustomerNode, A: AccountNode>(
    customers: &[C],
    accounts: &[A],
) -> Result<Effective<BillingSettings>, HierarchyError> {
    resolve_chain(&BillingSettingsFacet, customers, accounts)
}

/// The effective app settings of `customers[0]`: its chain nearest-first to the top-level customer.
pub fn resolve_app_settings_chain<C: CustomerNode>(customers: &[C]) -> Result<Effective<AppSettings>, HierarchyError> {
    resolve_chain::<_, C, canopy_domain::AccountInfo>(&AppSettingsFacet, customers, &[])
}
