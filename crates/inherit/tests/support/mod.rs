//! Builders for small hierarchies, and resolution through both entry points at once.

#![allow(dead_code)]

use std::collections::HashMap;

use canopy_domain::{AccountInfo, AppSettings, BillingItem, BillingSettings, CustomerInfo, Schedule};
use canopy_inherit::{
    resolve_app_settings_chain, resolve_billing_chain, resolve_schedule_chain, Effective, EffectiveSchedule, Forest,
};

pub const ACCOUNT: &str = "acct";

pub fn customer(id: &str, parent: Option<&str>) -> CustomerInfo {
    CustomerInfo {
        id: id.into(),
        account_id: ACCOUNT.into(),
        parent_customer_id: parent.map(Into::into),
        name: id.into(),
        date_created: "2024-01-01T00:00:00Z".into(),
        date_last_modified: "2024-01-01T00:00:00Z".into(),
        ..CustomerInfo::default()
    }
}

pub fn account(id: &str, parent: Option<&str>, billing: Option<BillingSettings>) -> AccountInfo {
    AccountInfo {
        id: id.into(),
        name: id.into(),
        parent_account_id: parent.map(Into::into),
        billing_settings: billing,
        date_created: "2024-01-01T00:00:00Z".into(),
        date_last_modified: "2024-01-01T00:00:00Z".into(),
        ..AccountInfo::default()
    }
}

/// Billing settings told apart by their base cost.
pub fn billing(base_cost: f64) -> BillingSettings {
    BillingSettings { base: Some(BillingItem { base_cost, ..BillingItem::default() }), ..BillingSettings::default() }
}

/// App settings told apart by their page title.
pub fn app(title: &str) -> AppSettings {
    AppSettings { page_title: Some(title.into()), enable_dialer: true, ..AppSettings::default() }
}

pub fn schedule(zone: Option<&str>, inherit: bool, default_state: &str) -> Schedule {
    Schedule {
        time_zone_id: zone.map(Into::into),
        inherit,
        default_state: Some(default_state.into()),
        ..Schedule::default()
    }
}

pub fn overriding_billing(mut c: CustomerInfo, base_cost: f64) -> CustomerInfo {
    c.override_billing_settings = true;
    c.billing_settings = Some(billing(base_cost));
    c
}

pub fn overriding_app(mut c: CustomerInfo, title: &str) -> CustomerInfo {
    c.override_app_settings = true;
    c.app_settings = Some(app(title));
    c
}

pub fn with_schedule(mut c: CustomerInfo, s: Schedule) -> CustomerInfo {
    c.schedule = Some(s);
    c
}

pub fn in_account(mut c: CustomerInfo, account_id: &str) -> CustomerInfo {
    c.account_id = account_id.into();
    c
}

/// `id`'s chain nearest-first, up to its top-level customer.
pub fn customer_chain<'a>(id: &str, customers: &'a [CustomerInfo]) -> Vec<&'a CustomerInfo> {
    let by_id: HashMap<&str, &CustomerInfo> = customers.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut chain = vec![by_id[id]];
    while let Some(parent) =
        chain.last().copied().and_then(|c| c.parent_customer_id.as_deref().filter(|p| !p.is_empty()))
    {
        chain.push(by_id[parent]);
    }
    chain
}

/// `id`'s account chain nearest-first, up to the root account.
pub fn account_chain<'a>(id: &str, accounts: &'a [AccountInfo]) -> Vec<&'a AccountInfo> {
    let by_id: HashMap<&str, &AccountInfo> = accounts.iter().map(|a| (a.id.as_str(), a)).collect();
    let mut chain = vec![by_id[id]];
    while let Some(parent) = chain.last().copied().and_then(|a| a.parent_account_id.as_deref()) {
        chain.push(by_id[parent]);
    }
    chain
}

/// The effective billing of `id`, asserting that the single-node and the bulk resolvers agree.
pub fn billing_of(id: &str, customers: &[CustomerInfo], accounts: &[AccountInfo]) -> Effective<BillingSettings> {
    let chain = customer_chain(id, customers);
    let top = chain.last().expect("a chain has a customer");
    let single = resolve_billing_chain(&chain, &account_chain(&top.account_id, accounts)).expect("a valid chain");
    let forest = Forest::new(customers, accounts).expect("a valid forest");
    let bulk = forest.resolve(canopy_inherit::BillingSettingsFacet).effective_by_id(id).expect("a known id");
    assert_eq!(single, bulk, "the single-node and bulk resolvers disagree on {id}");
    single
}

/// The effective app settings of `id`, asserting that both resolvers agree.
pub fn app_of(id: &str, customers: &[CustomerInfo], accounts: &[AccountInfo]) -> Effective<AppSettings> {
    let single = resolve_app_settings_chain(&customer_chain(id, customers)).expect("a valid chain");
    let forest = Forest::new(customers, accounts).expect("a valid forest");
    let bulk = forest.resolve(canopy_inherit::AppSettingsFacet).effective_by_id(id).expect("a known id");
    assert_eq!(single, bulk, "the single-node and bulk resolvers disagree on {id}");
    single
}

/// The effective schedule of `id`, asserting that both resolvers agree.
pub fn schedule_of(id: &str, customers: &[CustomerInfo]) -> EffectiveSchedule {
    let single = resolve_schedule_chain(&customer_chain(id, customers)).expect("a valid chain");
    let accounts = [account(ACCOUNT, None, None)];
    let forest = Forest::new(customers, &accounts).expect("a valid forest");
    let bulk = forest.resolve_schedules().effective_by_id(id).expect("a known id");
    assert_eq!(single, bulk, "the single-node and bulk resolvers disagree on {id}");
    single
}

pub fn from_customer<T>(value: T, id: &str) -> Effective<T> {
    Effective::from_customer(value, id)
}
