//! Random forests: the bulk and the single-node resolvers against a naive walk to the root, node by node.

mod support;

use std::collections::HashMap;

use canopy_domain::{AccountInfo, AppSettings, BillingSettings, CustomerInfo, Schedule};
use canopy_inherit::{
    resolve_app_settings_chain, resolve_billing_chain, resolve_schedule_chain, AppSettingsFacet, BillingSettingsFacet,
    Effective, EffectiveSchedule, Forest,
};
use proptest::prelude::*;
use support::*;

#[derive(Debug, Clone)]
struct RawCustomer {
    parent: u8,
    account: u8,
    override_billing: bool,
    has_billing: bool,
    override_app: bool,
    has_app: bool,
    schedule: Option<(bool, u8)>,
    order_key: u32,
}

fn raw_customer() -> impl Strategy<Value = RawCustomer> {
    (
        any::<u8>(),
        any::<u8>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of((any::<bool>(), 0u8..4)),
        any::<u32>(),
    )
        .prop_map(
            |(parent, account, override_billing, has_billing, override_app, has_app, schedule, order_key)| {
                RawCustomer {
                    parent,
                    account,
                    override_billing,
                    has_billing,
                    override_app,
                    has_app,
                    schedule,
                    order_key,
                }
            },
        )
}

const ZONES: [Option<&str>; 4] = [None, Some(""), Some("Europe/Brussels"), Some("Asia/Tokyo")];

/// Builds a forest in which every parent precedes its child, then shuffles it.
fn build(raw_accounts: &[(u8, bool)], raw: &[RawCustomer]) -> (Vec<CustomerInfo>, Vec<AccountInfo>) {
    let accounts: Vec<AccountInfo> = raw_accounts
        .iter()
        .enumerate()
        .map(|(j, &(parent, has_billing))| {
            let parent = (j > 0 && parent % 3 != 0).then(|| format!("a{}", parent as usize % j));
            account(&format!("a{j}"), parent.as_deref(), has_billing.then(|| billing(100.0 + j as f64)))
        })
        .collect();
    let mut customers: Vec<CustomerInfo> = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let parent = (i > 0 && r.parent % 4 != 0).then(|| r.parent as usize % i);
        let account_id = match parent {
            Some(p) => customers[p].account_id.clone(),
            None => format!("a{}", r.account as usize % accounts.len()),
        };
        let id = format!("c{i}");
        let mut c = in_account(customer(&id, parent.map(|p| format!("c{p}")).as_deref()), &account_id);
        c.override_billing_settings = r.override_billing;
        c.billing_settings = r.has_billing.then(|| billing(i as f64 + 1.0));
        c.override_app_settings = r.override_app;
        c.app_settings = r.has_app.then(|| app(&id));
        c.schedule = r.schedule.map(|(inherit, zone)| schedule(ZONES[zone as usize], inherit, &id));
        customers.push(c);
    }
    let mut keyed: Vec<(u32, CustomerInfo)> = raw.iter().map(|r| r.order_key).zip(customers).collect();
    keyed.sort_by_key(|(key, _)| *key);
    (keyed.into_iter().map(|(_, c)| c).collect(), accounts)
}

/// The naive oracle: walks from each node to the root, reading docs/contract.md §4 and docs/schedules.md literally.
struct Oracle<'a> {
    customers: HashMap<&'a str, &'a CustomerInfo>,
    accounts: HashMap<&'a str, &'a AccountInfo>,
}

impl<'a> Oracle<'a> {
    fn new(customers: &'a [CustomerInfo], accounts: &'a [AccountInfo]) -> Self {
        Self {
            customers: customers.iter().map(|c| (c.id.as_str(), c)).collect(),
            accounts: accounts.iter().map(|a| (a.id.as_str(), a)).collect(),
        }
    }

    fn parent(&self, c: &CustomerInfo) -> Option<&'a CustomerInfo> {
        c.parent_customer_id.as_deref().map(|p| self.customers[p])
    }

    fn billing(&self, id: &str) -> Effective<BillingSettings> {
        let mut current = self.customers[id];
        loop {
            if current.override_billing_settings {
                let value = current.billing_settings.clone().unwrap_or_else(BillingSettings::zeros);
                return Effective::from_customer(value, &current.id);
            }
            match self.parent(current) {
                Some(parent) => current = parent,
                None => break,
            }
        }
        let mut account = Some(self.accounts[current.account_id.as_str()]);
        while let Some(a) = account {
            if let Some(value) = &a.billing_settings {
                return Effective::from_account(value.clone(), &a.id);
            }
            account = a.parent_account_id.as_deref().map(|p| self.accounts[p]);
        }
        Effective::built_in(BillingSettings::zeros())
    }

    fn app(&self, id: &str) -> Effective<AppSettings> {
        let mut current = Some(self.customers[id]);
        while let Some(c) = current {
            if c.override_app_settings {
                return Effective::from_customer(c.app_settings.clone().unwrap_or_default(), &c.id);
            }
            current = self.parent(c);
        }
        Effective::built_in(AppSettings::default())
    }

    fn schedule(&self, id: &str) -> Effective<Schedule> {
        let c = self.customers[id];
        let parent = self.parent(c);
        match (&c.schedule, parent) {
            (Some(s), None) => Effective::from_customer(s.clone(), id),
            (Some(s), Some(_)) if !s.inherit => Effective::from_customer(s.clone(), id),
            (_, Some(parent)) => self.schedule(&parent.id),
            (None, None) => Effective::built_in(Schedule::default()),
        }
    }

    /// "The zone of a customer is its effective schedule's timeZoneId when non-empty, else its parent's zone,
    /// else UTC."
    fn zone(&self, id: &str) -> Effective<String> {
        let effective = self.schedule(id);
        if let Some(zone) = effective.value.time_zone_id.as_deref().map(str::trim).filter(|z| !z.is_empty()) {
            return Effective {
                value: zone.to_owned(),
                source_id: effective.source_id,
                source_kind: effective.source_kind,
            };
        }
        match self.parent(self.customers[id]) {
            Some(parent) => self.zone(&parent.id),
            None => Effective::built_in("UTC".to_owned()),
        }
    }

    fn effective_schedule(&self, id: &str) -> EffectiveSchedule {
        EffectiveSchedule::new(self.schedule(id), self.zone(id))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn bulk_and_single_node_resolution_match_a_naive_walk_to_the_root(
        raw_accounts in prop::collection::vec((any::<u8>(), any::<bool>()), 1..5),
        raw in prop::collection::vec(raw_customer(), 1..40),
    ) {
        let (customers, accounts) = build(&raw_accounts, &raw);
        let oracle = Oracle::new(&customers, &accounts);
        let forest = Forest::new(&customers, &accounts).expect("a generated forest is valid");
        let billing = forest.resolve(BillingSettingsFacet);
        let app_settings = forest.resolve(AppSettingsFacet);
        let schedules = forest.resolve_schedules();

        for (i, c) in customers.iter().enumerate() {
            let chain = customer_chain(&c.id, &customers);
            let top = chain.last().expect("a chain has a customer");
            let account_chain = account_chain(&top.account_id, &accounts);

            let expected = oracle.billing(&c.id);
            prop_assert_eq!(billing.effective(i), Some(expected.clone()));
            prop_assert_eq!(&resolve_billing_chain(&chain, &account_chain).expect("valid"), &expected);

            let expected = oracle.app(&c.id);
            prop_assert_eq!(app_settings.effective(i), Some(expected.clone()));
            prop_assert_eq!(&resolve_app_settings_chain(&chain).expect("valid"), &expected);

            let expected = oracle.effective_schedule(&c.id);
            prop_assert_eq!(schedules.effective(i), Some(expected.clone()));
            prop_assert_eq!(&resolve_schedule_chain(&chain).expect("valid"), &expected);
        }
    }
}
