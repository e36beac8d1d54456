//! What the resolver needs to know about a customer and an account, as traits.
//!
//! The resolver reads only ids, parent links, override flags and the node's own settings. Taking them through
//! traits lets the store hand in full [`CustomerInfo`]s, references to them, or a lean row type of its own that
//! loads only those columns.

use canopy_domain::{AccountInfo, AppSettings, BillingSettings, CustomerInfo, Schedule};

/// A customer as the resolver sees it: its place in the forest and its own (stored) settings.
pub trait CustomerNode {
    fn id(&self) -> &str;
    /// `None` (or an empty string, which reads the same) for a top-level customer.
    fn parent_id(&self) -> Option<&str>;
    fn account_id(&self) -> &str;
    fn override_billing_settings(&self) -> bool;
    fn billing_settings(&self) -> Option<&BillingSettings>;
    fn override_app_settings(&self) -> bool;
    fn app_settings(&self) -> Option<&AppSettings>;
    fn schedule(&self) -> Option<&Schedule>;
}

/// An account as the resolver sees it: its place among the accounts and its own billing settings.
pub trait AccountNode {
    fn id(&self) -> &str;
    /// `None` (or an empty string) for a root account.
    fn parent_account_id(&self) -> Option<&str>;
    fn billing_settings(&self) -> Option<&BillingSettings>;
}

/// Parent ids arrive from storage and the wire; an empty one means "no parent", as ServiceStack clients send it.
pub(crate) fn non_empty(id: Option<&str>) -> Option<&str> {
    id.filter(|id| !id.is_empty())
}

impl CustomerNode for CustomerInfo {
    fn id(&self) -> &str {
        &self.id
    }
    fn parent_id(&self) -> Option<&str> {
        non_empty(self.parent_customer_id.as_deref())
    }
    fn account_id(&self) -> &str {
        &self.account_id
    }
    fn override_billing_settings(&self) -> bool {
        self.override_billing_settings
    }
    fn billing_settings(&self) -> Option<&BillingSettings> {
        self.billing_settings.as_ref()
    }
    fn override_app_settings(&self) -> bool {
        self.override_app_settings
    }
    fn app_settings(&self) -> Option<&AppSettings> {
        self.app_settings.as_ref()
    }
    fn schedule(&self) -> Option<&Schedule> {
        self.schedule.as_ref()
    }
}

impl AccountNode for AccountInfo {
    fn id(&self) -> &str {
        &self.id
    }
    fn parent_account_id(&self) -> Option<&str> {
        non_empty(self.parent_account_id.as_deref())
    }
    fn billing_settings(&self) -> Option<&BillingSettings> {
        self.billing_settings.as_ref()
    }
}

impl<T: CustomerNode + ?Sized> CustomerNode for &T {
    fn id(&self) -> &str {
        (**self).id()
    }
    fn parent_id(&self) -> Option<&str> {
        (**self).parent_id()
    }
    fn account_id(&self) -> &str {
        (**self).account_id()
    }
    fn override_billing_settings(&self) -> bool {
        (**self).override_billing_settings()
    }
    fn billing_settings(&self) -> Option<&BillingSettings> {
        (**self).billing_settings()
    }
    fn override_app_settings(&self) -> bool {
        (**self).override_app_settings()
    }
    fn app_settings(&self) -> Option<&AppSettings> {
        (**self).app_settings()
    }
    fn schedule(&self) -> Option<&Schedule> {
        (**self).schedule()
    }
}

impl<T: AccountNode + ?Sized> AccountNode for &T {
    fn id(&self) -> &str {
        (**self).id()
    }
    fn parent_account_id(&self) -> Option<&str> {
        (**self).parent_account_id()
    }
    fn billing_settings(&self) -> Option<&BillingSettings> {
        (**self).billing_settings()
    }
}
