//! Who may do what: the role and scope rules of docs/contract.md §10, as pure decisions. The store applies scopes
//! inside its queries; these functions decide the rest (which roles may write, what a Customer user may change about
//! the customer it is linked to).

use crate::{patch::CustomerChanges, user::ManagerAccess, user::Role};

/// A caller's [`Reach`], borrowing the caller's lists.
enum ReachRef<'a> {
    Everything,
    Accounts(&'a [String]),
    Subtrees { customers: &'a [String], accounts: &'a [String] },
}

/// The signed-in user, as far as access decisions need it. Built from the store on every request, so a change
/// of roles or links takes effect at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: String,
    pub user_name: String,
    pub roles: Vec<Role>,
    pub manager_access: ManagerAccess,
    /// For Managers: the accounts linked to the user and all their descendant accounts.
    pub managed_accounts: Vec<String>,
    /// For Customer users: the customers linked to the user (each with its whole subtree in reach).
    pub linked_customers: Vec<String>,
    /// For Customer users: the accounts of the linked customers (their tag catalogues and data fields).
    pub linked_accounts: Vec<String>,
}

/// What part of the data a caller reaches: the one answer the store applies inside every query (customers and
/// accounts), never after loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Everything,
    /// Every customer and setting of these accounts.
    Accounts(Vec<String>),
    /// These customers and their descendants; the accounts are theirs (readable, for catalogues).
    Subtrees {
        customers: Vec<String>,
        accounts: Vec<String>,
    },
}

impl Reach {
    /// Whether more than one account lies within this reach (everything counts as several, whatever exists):
    /// then a `referenceId`, unique only within an account, needs its account to name one customer.
    pub fn spans_several_accounts(&self) -> bool {
        self.readable_accounts().is_none_or(|accounts| accounts.len() > 1)
    }

    /// The accounts whose catalogue and settings this reach may read; `None` means all.
    pub fn readable_accounts(&self) -> Option<&[String]> {
        match self {
            Reach::Everything => None,
            Reach::Accounts(accounts) | Reach::Subtrees { accounts, .. } => Some(accounts),
        }
    }
}

/// Why a caller may not do something it can see. Answered with 403.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    pub field: Option<&'static str>,
    pub message: String,
}

impl Denied {
    fn new(field: Option<&'static str>, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

impl Caller {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The widest reach of the caller's roles.
    pub fn reach(&self) -> Reach {
        match self.reach_by_reference() {
            ReachRef::Everything => Reach::Everything,
            ReachRef::Accounts(ids) => Reach::Accounts(ids.to_vec()),
            ReachRef::Subtrees { customers, accounts } => {
                Reach::Subtrees { customers: customers.to_vec(), accounts: accounts.to_vec() }
            }
        }
    }

    /// [`Caller::reach`] without copying its lists: what is asked once per customer of an export.
    fn reach_by_reference(&self) -> ReachRef<'_> {
        if self.has(Role::SystemAdministrator) {
            ReachRef::Everything
        } else if self.has(Role::Manager) {
            ReachRef::Accounts(&self.managed_accounts)
        } else if self.has(Role::Customer) {
            ReachRef::Subtrees { customers: &self.linked_customers, accounts: &self.linked_accounts }
        } else {
            // No customer in reach; the accounts are those `readable_accounts` names, so that the two agree.
            ReachRef::Subtrees { customers: &[], accounts: &self.linked_accounts }
        }
    }

    /// Accounts whose catalogue and settings the caller may read; `None` means all. The same as
    /// `self.reach().readable_accounts()`, without copying the lists.
    pub fn readable_accounts(&self) -> Option<&[String]> {
        match self.reach_by_reference() {
            ReachRef::Everything => None,
            ReachRef::Accounts(ids) => Some(ids),
            ReachRef::Subtrees { accounts, .. } => Some(accounts),
        }
    }

    /// Whether `account_id` is among the accounts the caller reaches.
    pub fn reaches_account(&self, account_id: &str) -> bool {
        self.readable_accounts().is_none_or(|ids| ids.iter().any(|id| id == account_id))
    }

    fn is_admin(&self) -> bool {
        self.has(Role::SystemAdministrator)
    }

    fn manager_only(&self) -> bool {
        !self.is_admin() && self.has(Role::Manager)
    }

    /// Creating and changing customers: everyone but a read-only Manager.
    pub fn may_write_customers(&self) -> Result<(), Denied> {
        if self.manager_only() && self.manager_access < ManagerAccess::ReadWrite {
            return Err(Denied::new(None, "read-only managers may not change customers"));
        }
        Ok(())
    }

    /// Deleting customers: Managers need ReadWriteDelete; a Customer user may delete below its linked customers
    /// but not the linked customers themselves.
    pub fn may_delete_customer(&self, customer_id: &str) -> Result<(), Denied> {
        if self.manager_only() && self.manager_access < ManagerAccess::ReadWriteDelete {
            return Err(Denied::new(None, "this manager may not delete customers"));
        }
        if self.is_customer_user() && self.linked_customers.iter().any(|c| c == customer_id) {
            return Err(Denied::new(Some("customerId"), "a customer user may not delete the customer it is linked to"));
        }
        Ok(())
    }

    fn is_customer_user(&self) -> bool {
        !self.is_admin() && !self.has(Role::Manager) && self.has(Role::Customer)
    }

    /// The field rule: a Customer user may not change the billing settings, the override flags or the parent of
    /// a customer it is linked to (it may for their descendants).
    pub fn may_patch_customer(&self, customer_id: &str, changes: &CustomerChanges) -> Result<(), Denied> {
        self.may_write_customers()?;
        if !self.is_customer_user() || !self.linked_customers.iter().any(|c| c == customer_id) {
            return Ok(());
        }
        let protected: [(&'static str, bool); 4] = [
            ("billingSettings", changes.billing_settings.is_some()),
            ("overrideBillingSettings", changes.override_billing_settings.is_some()),
            ("overrideAppSettings", changes.override_app_settings.is_some()),
            ("parentCustomerId", changes.parent_customer_id.is_some()),
        ];
        match protected.into_iter().find(|(_, changed)| *changed) {
            Some((field, _)) => Err(Denied::new(
                Some(field),
                format!("a customer user may not change '{field}' of the customer it is linked to"),
            )),
            None => Ok(()),
        }
    }

    /// Users and API keys (listing, disabling, deleting, passwords, revocation) are the SystemAdministrator's.
    pub fn may_manage_users(&self) -> Result<(), Denied> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Denied::new(None, "only a SystemAdministrator may manage users and API keys"))
        }
    }

    /// Accounts (create, change, delete) are the SystemAdministrator's.
    pub fn may_write_accounts(&self) -> Result<(), Denied> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Denied::new(None, "only a SystemAdministrator may change accounts"))
        }
    }

    /// An account's system settings: the SystemAdministrator, or a Manager of the account with write access.
    pub fn may_write_settings(&self, account_id: &str) -> Result<(), Denied> {
        if self.is_admin() {
            return Ok(());
        }
        if self.has(Role::Manager)
            && self.manager_access >= ManagerAccess::ReadWrite
            && self.managed_accounts.iter().any(|a| a == account_id)
        {
            return Ok(());
        }
        Err(Denied::new(None, "this user may not change the account's system settings"))
    }

    /// A user list's filters may only name what the caller reaches: an account outside it, a parent customer it
    /// cannot see or a tag of another account is refused whether it exists or not, so that the answer never tells
    /// an unreachable id from a missing one. `visible_parents` and `known_tags` are the named parents and tags the
    /// store found within the caller's reach.
    pub fn may_filter_by(&self, filter: &FilterIds<'_>) -> Result<(), Denied> {
        let Some(readable) = self.readable_accounts() else { return Ok(()) };
        let outside = |field: &'static str, id: &String| {
            Denied::new(Some(field), format!("'{id}' is outside what this user may reach"))
        };
        if let Some(id) = filter.account_ids.iter().find(|id| !readable.contains(id)) {
            return Err(outside("accountIds", id));
        }
        if let Some(id) = filter.parent_customer_ids.iter().find(|id| !filter.visible_parents.contains(id)) {
            return Err(outside("parentCustomerIds", id));
        }
        if let Some(id) = filter.tag_ids.iter().find(|id| !filter.known_tags.contains(id)) {
            return Err(outside("tagIds", id));
        }
        Ok(())
    }

    /// An account list's `parentAccountIds` may only name accounts the caller reaches: any other id is refused
    /// whether it exists or not, as for customer filters.
    pub fn may_filter_accounts_by(&self, parent_account_ids: &[String]) -> Result<(), Denied> {
        let Some(readable) = self.readable_accounts() else { return Ok(()) };
        match parent_account_ids.iter().find(|id| !readable.contains(id)) {
            Some(id) => {
                Err(Denied::new(Some("parentAccountIds"), format!("'{id}' is outside what this user may reach")))
            }
            None => Ok(()),
        }
    }

    /// A SystemAdministrator may not disable or delete itself: that could leave nobody able to undo it over HTTP.
    pub fn may_disable_or_delete_user(&self, user_name: &str) -> Result<(), Denied> {
        if self.user_name.eq_ignore_ascii_case(user_name) {
            return Err(Denied::new(Some("userName"), "a user may not disable or delete itself"));
        }
        Ok(())
    }
}

/// The ids a customer list filters by, with those of them the store found in the caller's reach.
#[derive(Debug, Clone, Copy)]
pub struct FilterIds<'a> {
    pub account_ids: &'a [String],
    pub parent_customer_ids: &'a [String],
    pub visible_parents: &'a [String],
    pub tag_ids: &'a [String],
    pub known_tags: &'a [String],
}

impl Caller {
    /// Cuts what lies above the caller's reach out of a customer it can see: for a Customer user, the breadcrumb
    /// starts at its linked customer, and a linked customer's own parent is not named. Managers and
    /// administrators reach whole accounts, so nothing on a breadcrumb is beyond them.
    pub fn redact(&self, customer: &mut crate::CustomerInfo) {
        let ReachRef::Subtrees { customers: roots, .. } = self.reach_by_reference() else { return };
        if roots.contains(&customer.id) {
            customer.breadcrumb.clear();
            customer.parent_customer_id = None;
            return;
        }
        match customer.breadcrumb.iter().position(|b| roots.contains(&b.id)) {
            Some(root) => {
                customer.breadcrumb.drain(..root);
            }
            // Not reachable at all: a caller never gets here, because the store only returns what it reaches.
            None => {
                customer.breadcrumb.clear();
                customer.parent_customer_id = None;
            }
        }
    }

    /// Cuts the accounts above the caller's reach out of an account it can see (its parent and ancestors).
    pub fn redact_account(&self, account: &mut crate::AccountInfo) {
        let Some(readable) = self.readable_accounts().map(<[String]>::to_vec) else { return };
        account.ancestor_ids.retain(|id| readable.contains(id));
        if account.parent_account_id.as_ref().is_some_and(|id| !readable.contains(id)) {
            account.parent_account_id = None;
        }
    }

    /// The id of the node an effective value comes from, if the caller may know it: a customer on the (redacted)
    /// path of `customer`, or an account it reaches. Otherwise the value still applies, and its source stays
    /// unnamed.
    pub fn visible_source(
        &self,
        customer: &crate::CustomerInfo,
        source_id: Option<String>,
        source_is_account: bool,
    ) -> Option<String> {
        let id = source_id?;
        let visible = if source_is_account {
            self.reaches_account(&id)
        } else {
            id == customer.id || customer.breadcrumb.iter().any(|b| b.id == id)
        };
        visible.then_some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(roles: &[Role], access: ManagerAccess) -> Caller {
        Caller {
            user_id: "u".into(),
            user_name: "u".into(),
            roles: roles.to_vec(),
            manager_access: access,
            managed_accounts: vec!["acc".into()],
            linked_customers: vec!["root".into()],
            linked_accounts: vec!["acc".into()],
        }
    }

    #[test]
    fn a_customer_user_may_not_change_protected_fields_of_its_own_customer_only() {
        let c = caller(&[Role::Customer], ManagerAccess::ReadOnly);
        let billing = CustomerChanges { override_billing_settings: Some(true), ..CustomerChanges::default() };
        assert_eq!(c.may_patch_customer("root", &billing).map_err(|d| d.field), Err(Some("overrideBillingSettings")));
        assert!(c.may_patch_customer("child", &billing).is_ok());
        let rename = CustomerChanges { name: Some("x".into()), ..CustomerChanges::default() };
        assert!(c.may_patch_customer("root", &rename).is_ok());
    }

    #[test]
    fn list_filters_may_only_name_what_the_caller_reaches() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (accounts, parents, tags) = (ids(&["acc"]), ids(&["p1"]), ids(&["t1"]));
        let filter = FilterIds {
            account_ids: &accounts,
            parent_customer_ids: &parents,
            visible_parents: &parents,
            tag_ids: &tags,
            known_tags: &tags,
        };
        let manager = caller(&[Role::Manager], ManagerAccess::ReadOnly);
        assert!(manager.may_filter_by(&filter).is_ok());
        let other = ids(&["elsewhere"]);
        let field = |f: FilterIds<'_>| manager.may_filter_by(&f).map_err(|d| d.field);
        assert_eq!(field(FilterIds { account_ids: &other, ..filter }), Err(Some("accountIds")));
        assert_eq!(field(FilterIds { visible_parents: &[], ..filter }), Err(Some("parentCustomerIds")));
        assert_eq!(field(FilterIds { known_tags: &[], ..filter }), Err(Some("tagIds")));
        // An administrator reaches everything: nothing to check.
        let admin = caller(&[Role::SystemAdministrator], ManagerAccess::ReadOnly);
        assert!(admin.may_filter_by(&FilterIds { account_ids: &other, known_tags: &[], ..filter }).is_ok());
    }

    #[test]
    fn a_reference_needs_its_account_when_the_reach_spans_several() {
        assert!(Reach::Everything.spans_several_accounts());
        assert!(!Reach::Accounts(vec!["a".into()]).spans_several_accounts());
        assert!(Reach::Accounts(vec!["a".into(), "b".into()]).spans_several_accounts());
        let one = Reach::Subtrees { customers: vec!["c1".into(), "c2".into()], accounts: vec!["a".into()] };
        assert!(!one.spans_several_accounts());
    }

    #[test]
    fn account_list_parents_must_be_reached() {
        let manager = caller(&[Role::Manager], ManagerAccess::ReadOnly);
        assert!(manager.may_filter_accounts_by(&["acc".into()]).is_ok());
        let refused = manager.may_filter_accounts_by(&["acc".into(), "elsewhere".into()]).map_err(|d| d.field);
        assert_eq!(refused, Err(Some("parentAccountIds")));
        let admin = caller(&[Role::SystemAdministrator], ManagerAccess::ReadOnly);
        assert!(admin.may_filter_accounts_by(&["elsewhere".into()]).is_ok());
    }

    #[test]
    fn an_administrator_may_not_disable_or_delete_itself() {
        let admin = caller(&[Role::SystemAdministrator], ManagerAccess::ReadOnly);
        assert!(admin.may_disable_or_delete_user("U").is_err());
        assert!(admin.may_disable_or_delete_user("someone-else").is_ok());
    }

    #[test]
    fn manager_access_levels_gate_writes_and_deletes() {
        assert!(caller(&[Role::Manager], ManagerAccess::ReadOnly).may_write_customers().is_err());
        assert!(caller(&[Role::Manager], ManagerAccess::ReadWrite).may_write_customers().is_ok());
        assert!(caller(&[Role::Manager], ManagerAccess::ReadWrite).may_delete_customer("x").is_err());
        assert!(caller(&[Role::Manager], ManagerAccess::ReadWriteDelete).may_delete_customer("x").is_ok());
        assert!(caller(&[Role::SystemAdministrator], ManagerAccess::ReadOnly).may_delete_customer("x").is_ok());
    }

    #[test]
    fn a_customer_user_sees_no_breadcrumb_above_its_linked_customer() {
        let c = caller(&[Role::Customer], ManagerAccess::ReadOnly);
        let crumb = |id: &str| crate::CustomerBreadcrumb { id: id.into(), name: id.to_uppercase() };
        let mut below = crate::CustomerInfo {
            id: "child".into(),
            parent_customer_id: Some("root".into()),
            breadcrumb: vec![crumb("top"), crumb("root")],
            ..crate::CustomerInfo::default()
        };
        c.redact(&mut below);
        assert_eq!(below.breadcrumb, vec![crumb("root")]);
        assert_eq!(below.parent_customer_id.as_deref(), Some("root"));
        let mut linked = crate::CustomerInfo {
            id: "root".into(),
            parent_customer_id: Some("top".into()),
            breadcrumb: vec![crumb("top")],
            ..crate::CustomerInfo::default()
        };
        c.redact(&mut linked);
        assert!(linked.breadcrumb.is_empty());
        assert_eq!(linked.parent_customer_id, None);
        assert_eq!(c.visible_source(&below, Some("top".into()), false), None);
        assert_eq!(c.visible_source(&below, Some("root".into()), false), Some("root".into()));
        assert_eq!(c.visible_source(&below, Some("acc".into()), true), Some("acc".into()));
        assert_eq!(c.visible_source(&below, Some("parent-acc".into()), true), None);
    }

    #[test]
    fn a_reach_reads_the_accounts_its_caller_reads() {
        let roles: [&[Role]; 5] =
            [&[], &[Role::Customer], &[Role::Manager], &[Role::Manager, Role::Customer], &[Role::SystemAdministrator]];
        for roles in roles {
            let mut c = caller(roles, ManagerAccess::ReadOnly);
            c.linked_accounts = vec!["linked".into()];
            assert_eq!(c.reach().readable_accounts(), c.readable_accounts(), "{roles:?}");
        }
    }

    #[test]
    fn only_administrators_write_accounts() {
        assert!(caller(&[Role::SystemAdministrator], ManagerAccess::ReadOnly).may_write_accounts().is_ok());
        assert!(caller(&[Role::Manager], ManagerAccess::ReadWriteDelete).may_write_accounts().is_err());
    }
}
