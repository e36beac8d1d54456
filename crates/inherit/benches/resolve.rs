//! Bulk resolution of 100,000 customers arranged at depth 2 and at depth 10: the time per customer should not
//! grow with depth.
//!
//! Each tree is a chain of `depth` customers whose top-level customer overrides billing and owns a schedule, so
//! every other customer inherits from `depth - 1` levels up. The input is shuffled so that parents do not
//! conveniently precede their children.

use std::hint::black_box;

use canopy_domain::{AccountInfo, BillingItem, BillingSettings, CustomerInfo, Schedule};
use canopy_inherit::{AppSettingsFacet, BillingSettingsFacet, Forest};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const CUSTOMERS: usize = 100_000;

fn forest_of_chains(depth: usize) -> (Vec<CustomerInfo>, Vec<AccountInfo>) {
    let account = AccountInfo { id: "acct".into(), name: "acct".into(), ..AccountInfo::default() };
    let mut customers = Vec::with_capacity(CUSTOMERS);
    for i in 0..CUSTOMERS {
        let level = i % depth;
        let mut customer = CustomerInfo {
            id: format!("c{i:06}"),
            account_id: "acct".into(),
            parent_customer_id: (level > 0).then(|| format!("c{:06}", i - 1)),
            name: format!("customer {i}"),
            ..CustomerInfo::default()
        };
        if level == 0 {
            customer.override_billing_settings = true;
            customer.billing_settings = Some(BillingSettings {
                base: Some(BillingItem { base_cost: i as f64, ..BillingItem::default() }),
                ..BillingSettings::default()
            });
            customer.schedule = Some(Schedule { time_zone_id: Some("Europe/Brussels".into()), ..Schedule::default() });
        }
        customers.push(customer);
    }
    // A deterministic Fisher–Yates shuffle (xorshift), so every run measures the same input.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..customers.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        customers.swap(i, (state % (i as u64 + 1)) as usize);
    }
    (customers, vec![account])
}

fn bulk(c: &mut Criterion) {
    let mut group = c.benchmark_group("bulk");
    group.throughput(Throughput::Elements(CUSTOMERS as u64));
    group.sample_size(20);
    for depth in [2, 10] {
        let (customers, accounts) = forest_of_chains(depth);

        group.bench_with_input(BenchmarkId::new("index_only", depth), &depth, |b, _| {
            b.iter(|| {
                let forest = Forest::new(black_box(&customers), &accounts).expect("a valid forest");
                black_box(forest.len());
            });
        });
        // Index the forest and resolve billing provenance for every customer: what `includeEffective` needs
        // before it renders anything.
        group.bench_with_input(BenchmarkId::new("index_and_resolve_billing", depth), &depth, |b, _| {
            b.iter(|| {
                let forest = Forest::new(black_box(&customers), &accounts).expect("a valid forest");
                let billing = forest.resolve(BillingSettingsFacet);
                black_box(billing.source(customers.len() - 1));
            });
        });

        // All three facets, every effective value materialised with its provenance.
        group.bench_with_input(BenchmarkId::new("all_facets_materialised", depth), &depth, |b, _| {
            b.iter(|| {
                let forest = Forest::new(black_box(&customers), &accounts).expect("a valid forest");
                let billing = forest.resolve(BillingSettingsFacet);
                let app_settings = forest.resolve(AppSettingsFacet);
                let schedules = forest.resolve_schedules();
                let mut total = 0usize;
                for i in 0..forest.len() {
                    total += billing.effective(i).map_or(0, |e| e.source_id.map_or(0, |s| s.len()));
                    total += app_settings.effective(i).map_or(0, |e| e.source_id.map_or(0, |s| s.len()));
                    total += schedules.effective(i).map_or(0, |e| e.time_zone.value.len());
                }
                black_box(total);
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bulk);
criterion_main!(benches);
