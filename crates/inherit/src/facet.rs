//! The three inheritable facets of a customer, and what an effective value carries with it.
//!
//! A facet answers three questions about a node: does it supply its own value (it *claims*), what is that value,
//! and what is the built-in value when nobody up the chain claims. The resolvers in [`crate::chain`] and
//! [`crate::forest`] only ever ask these questions, so one algorithm serves billing settings, app settings and
//! schedules.

use std::borrow::Cow;
use std::fmt;

use canopy_domain::{AppSettings, BillingSettings, Schedule};
use serde::{Deserialize, Serialize};

use crate::node::{AccountNode, CustomerNode};

/// What an effective value comes from: a customer, an account, or the built-in default; lower case on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Customer,
    Account,
    /// Nobody up the chain supplies a value: the built-in one applies.
    Default,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Customer => "customer",
            SourceKind::Account => "account",
            SourceKind::Default => "default",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An effective value and where it comes from.
// `source_id` is `None` exactly when `source_kind` is `SourceKind::Default`; the server may also withhold it
// from a caller that does not reach the source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Effective<T> {
    /// The value that applies.
    pub value: T,
    /// The id of the customer or account it comes from; absent for the built-in default, or when the source lies beyond the caller's reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// What it comes from: `customer`, `account` or `default`.
    pub source_kind: SourceKind,
}

impl<T> Effective<T> {
    pub fn built_in(value: T) -> Self {
        Self { value, source_id: None, source_kind: SourceKind::Default }
    }

    pub fn from_customer(value: T, id: &str) -> Self {
        Self { value, source_id: Some(id.to_owned()), source_kind: SourceKind::Customer }
    }

    pub fn from_account(value: T, id: &str) -> Self {
        Self { value, source_id: Some(id.to_owned()), source_kind: SourceKind::Account }
    }
}

/// One inheritable facet of a customer.
pub trait Facet {
    type Value: Clone;

    /// Whether the facet walks on from the top-level customer into its account and the account's ancestors.
    /// When false, above the top-level customer lies the built-in default.
    fn reaches_accounts(&self) -> bool {
        false
    }

    /// Whether `customer` supplies its own value instead of its parent's. `is_top_level` is true for a customer
    /// without a parent (schedules need it: a top-level customer with `inherit: true` uses its own fields).
    fn customer_claims<C: CustomerNode + ?Sized>(&self, customer: &C, is_top_level: bool) -> bool;

    /// The value of a customer that claims.
    fn customer_value<'n, C: CustomerNode + ?Sized>(&self, customer: &'n C) -> Cow<'n, Self::Value>;

    /// Whether `account` supplies its own value (only asked when [`Facet::reaches_accounts`]).
    fn account_claims<A: AccountNode + ?Sized>(&self, _account: &A) -> bool {
        false
    }

    /// The value of an account that claims.
    fn account_value<'n, A: AccountNode + ?Sized>(&self, _account: &'n A) -> Cow<'n, Self::Value> {
        Cow::Owned(self.built_in())
    }

    /// The value when nobody up the chain claims.
    fn built_in(&self) -> Self::Value;
}

/// Billing settings: `overrideBillingSettings` up the customers, then the account and its parent accounts (an
/// account claims when it has billing settings), then all zeros.
///
/// A customer with the override on but no `billingSettings` object uses all zeros as its own: an absent object
/// reads like absent items, which Evo Voice's DTO reads as zero. It does not fall through to its parent: the
/// flag says "mine", and silently reporting a parent's prices as the customer's own would be worse.
#[derive(Debug, Clone, Copy, Default)]
pub struct BillingSettingsFacet;

impl Facet for BillingSettingsFacet {
    type Value = BillingSettings;

    fn reaches_accounts(&self) -> bool {
        true
    }

    fn customer_claims<C: CustomerNode + ?Sized>(&self, customer: &C, _is_top_level: bool) -> bool {
        customer.override_billing_settings()
    }

    fn customer_value<'n, C: CustomerNode + ?Sized>(&self, customer: &'n C) -> Cow<'n, BillingSettings> {
        customer.billing_settings().map_or_else(|| Cow::Owned(BillingSettings::zeros()), Cow::Borrowed)
    }

    fn account_claims<A: AccountNode + ?Sized>(&self, account: &A) -> bool {
        account.billing_settings().is_some()
    }

    fn account_value<'n, A: AccountNode + ?Sized>(&self, account: &'n A) -> Cow<'n, BillingSettings> {
        account.billing_settings().map_or_else(|| Cow::Owned(BillingSettings::zeros()), Cow::Borrowed)
    }

    fn built_in(&self) -> BillingSettings {
        BillingSettings::zeros()
    }
}

/// App settings: `overrideAppSettings` up the customers, then the built-in defaults (all false, empty). Accounts
/// carry no app settings. A customer with the override on but no `appSettings` object uses the built-in defaults
/// as its own (source: that customer).
#[derive(Debug, Clone, Copy, Default)]
pub struct AppSettingsFacet;

impl Facet for AppSettingsFacet {
    type Value = AppSettings;

    fn customer_claims<C: CustomerNode + ?Sized>(&self, customer: &C, _is_top_level: bool) -> bool {
        customer.override_app_settings()
    }

    fn customer_value<'n, C: CustomerNode + ?Sized>(&self, customer: &'n C) -> Cow<'n, AppSettings> {
        customer.app_settings().map_or_else(|| Cow::Owned(AppSettings::default()), Cow::Borrowed)
    }

    fn built_in(&self) -> AppSettings {
        AppSettings::default()
    }
}

/// Schedules, without the time-zone cascade (see [`crate::schedule`]): a customer claims when it has a schedule
/// with `inherit: false`, or when it is top-level and has any schedule (`inherit: true` there has nothing to
/// inherit). A customer with no schedule at all inherits. Nobody claiming gives the empty schedule.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScheduleFacet;

impl Facet for ScheduleFacet {
    type Value = Schedule;

    fn customer_claims<C: CustomerNode + ?Sized>(&self, customer: &C, is_top_level: bool) -> bool {
        customer.schedule().is_some_and(|schedule| is_top_level || !schedule.inherit)
    }

    fn customer_value<'n, C: CustomerNode + ?Sized>(&self, customer: &'n C) -> Cow<'n, Schedule> {
        customer.schedule().map_or_else(|| Cow::Owned(Schedule::default()), Cow::Borrowed)
    }

    fn built_in(&self) -> Schedule {
        Schedule::default()
    }
}
