//! Depth costs no stack: a 100,000-deep chain resolves in bulk and one node at a time.

mod support;

use canopy_domain::CustomerInfo;
use canopy_inherit::{resolve_billing_chain, BillingSettingsFacet, Forest};
use support::*;

const DEPTH: usize = 100_000;

fn deep_chain() -> Vec<CustomerInfo> {
    let mut customers: Vec<CustomerInfo> = (0..DEPTH)
        .map(|i| {
            let parent = (i > 0).then(|| format!("c{}", i - 1));
            customer(&format!("c{i}"), parent.as_deref())
        })
        .collect();
    customers[0] = overriding_billing(customers[0].clone(), 1.0);
    customers[DEPTH / 2] = with_schedule(customers[DEPTH / 2].clone(), schedule(Some("Europe/Brussels"), false, "S"));
    // Nodes in reverse order: children before parents in the input.
    customers.reverse();
    customers
}

#[test]
fn a_hundred_thousand_deep_chain_resolves_in_bulk_without_overflowing_the_stack() {
    let customers = deep_chain();
    let accounts = [account(ACCOUNT, None, None)];
    let forest = Forest::new(&customers, &accounts).expect("a chain is a forest");
    let billing = forest.resolve(BillingSettingsFacet);
    let leaf = forest.index_of(&format!("c{}", DEPTH - 1)).expect("the leaf is there");
    assert_eq!(billing.effective(leaf), Some(from_customer(support::billing(1.0), "c0")));
    let schedules = forest.resolve_schedules();
    let effective = schedules.effective(leaf).expect("the leaf is there");
    assert_eq!(effective.schedule.source_id, Some(format!("c{}", DEPTH / 2)));
    assert_eq!(effective.time_zone.value, "Europe/Brussels");
}

#[test]
fn a_hundred_thousand_deep_chain_resolves_one_node_at_a_time() {
    let customers = deep_chain();
    let chain: Vec<&CustomerInfo> = customers.iter().collect();
    let accounts = [account(ACCOUNT, None, None)];
    let effective = resolve_billing_chain(&chain, &[&accounts[0]]).expect("a valid chain");
    assert_eq!(effective.source_id.as_deref(), Some("c0"));
}
