//! The schedule engine walks the inheritance chain itself (it needs every ancestor's schedule for CustomerState
//! rules), and `canopy-inherit` resolves the same effective schedule for the API. Two implementations of one rule
//! must never disagree: this checks them against each other on random chains.

use canopy_domain::{CustomerInfo, Schedule};
use canopy_schedule::{effective_schedule, ChainLink};
use proptest::prelude::*;

fn schedule() -> impl Strategy<Value = Option<Schedule>> {
    let zone = prop_oneof![
        Just(None),
        Just(Some(String::new())),
        Just(Some("  ".to_owned())),
        Just(Some("Europe/Brussels".to_owned())),
        Just(Some("America/New_York".to_owned())),
        Just(Some("Australia/Lord_Howe".to_owned())),
    ];
    proptest::option::of((any::<bool>(), zone, proptest::option::of("[A-Z][a-z]{2,8}")).prop_map(
        |(inherit, time_zone_id, default_state)| Schedule {
            inherit,
            time_zone_id,
            default_state,
            ..Schedule::default()
        },
    ))
}

/// A chain nearest first, as customers: `c0` under `c1` under … the top-level customer.
fn chain(schedules: Vec<Option<Schedule>>) -> Vec<CustomerInfo> {
    let n = schedules.len();
    schedules
        .into_iter()
        .enumerate()
        .map(|(i, schedule)| CustomerInfo {
            id: format!("c{i}"),
            account_id: "a".into(),
            parent_customer_id: (i + 1 < n).then(|| format!("c{}", i + 1)),
            name: format!("C{i}"),
            schedule,
            ..CustomerInfo::default()
        })
        .collect()
}

proptest! {
    #[test]
    fn the_engine_and_the_resolver_agree_on_every_effective_schedule(schedules in proptest::collection::vec(schedule(), 1..8)) {
        let customers = chain(schedules);
        let links: Vec<ChainLink<'_>> = customers.iter().map(|c| ChainLink::new(&c.id, c.schedule.as_ref())).collect();
        let engine = effective_schedule(&links);
        let resolver = canopy_inherit::resolve_schedule_chain(&customers).expect("a well-formed chain");
        prop_assert_eq!(engine.source_id.as_deref(), resolver.schedule.source_id.as_deref());
        prop_assert_eq!(engine.source_kind.as_str(), resolver.schedule.source_kind.as_str());
        // The resolver reports the zone as written; the engine as the IANA zone it evaluates in. All zones here
        // are IANA names, so the two must be equal.
        prop_assert_eq!(engine.time_zone_id.as_str(), resolver.time_zone.value.as_str());
        prop_assert_eq!(engine.schedule.default_state, resolver.schedule.value.default_state);
        prop_assert_eq!(engine.schedule.inherit, resolver.schedule.value.inherit);
    }
}
