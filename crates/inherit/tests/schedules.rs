//! Effective schedules (`inherit` up the customers) and the cascading time zone.

mod support;

use canopy_domain::{CustomerInfo, Schedule};
use canopy_inherit::{resolve_schedule_chain, Effective, SourceKind};
use support::*;

fn three_levels() -> Vec<CustomerInfo> {
    vec![customer("root", None), customer("mid", Some("root")), customer("leaf", Some("mid"))]
}

fn zoned(s: &Schedule, zone: &str) -> Schedule {
    Schedule { time_zone_id: Some(zone.into()), ..s.clone() }
}

#[test]
fn a_customer_with_inherit_true_uses_its_parents_effective_schedule() {
    let mut customers = three_levels();
    let company = schedule(Some("Europe/Brussels"), false, "Open");
    customers[0] = with_schedule(customers[0].clone(), company.clone());
    customers[1] = with_schedule(customers[1].clone(), schedule(Some("Asia/Tokyo"), true, "Ignored"));
    let effective = schedule_of("leaf", &customers);
    assert_eq!(effective.schedule, from_customer(company.clone(), "root"));
    assert_eq!(effective.time_zone, from_customer("Europe/Brussels".to_owned(), "root"));
}

#[test]
fn a_customer_with_its_own_schedule_uses_it_and_covers_those_below() {
    let mut customers = three_levels();
    customers[0] = with_schedule(customers[0].clone(), schedule(Some("Europe/Brussels"), false, "Company"));
    let department = schedule(Some("America/New_York"), false, "Department");
    customers[1] = with_schedule(customers[1].clone(), department.clone());
    assert_eq!(schedule_of("leaf", &customers).schedule, from_customer(department.clone(), "mid"));
    assert_eq!(schedule_of("mid", &customers).schedule, from_customer(department, "mid"));
}

#[test]
fn a_top_level_customer_with_inherit_true_uses_its_own_fields() {
    let mut customers = three_levels();
    let own = schedule(Some("Europe/Paris"), true, "Open");
    customers[0] = with_schedule(customers[0].clone(), own.clone());
    let effective = schedule_of("leaf", &customers);
    assert_eq!(effective.schedule, from_customer(own, "root"));
    assert_eq!(effective.schedule.source_kind, SourceKind::Customer);
}

#[test]
fn a_customer_without_a_schedule_inherits_like_inherit_true() {
    let mut customers = three_levels();
    let own = schedule(Some("Europe/Paris"), false, "Open");
    customers[0] = with_schedule(customers[0].clone(), own.clone());
    assert_eq!(schedule_of("mid", &customers).schedule, from_customer(own, "root"));
}

#[test]
fn with_no_schedule_anywhere_the_effective_schedule_is_the_empty_one_in_utc() {
    let customers = three_levels();
    let effective = schedule_of("leaf", &customers);
    assert_eq!(effective.schedule, Effective::built_in(zoned(&Schedule::default(), "UTC")));
    assert_eq!(effective.time_zone, Effective::built_in("UTC".to_owned()));
}

#[test]
fn the_effective_schedule_carries_the_zone_in_force() {
    let mut customers = three_levels();
    customers[0] = with_schedule(customers[0].clone(), schedule(Some("Europe/Brussels"), false, "Company"));
    let department = schedule(None, false, "Department");
    customers[1] = with_schedule(customers[1].clone(), department.clone());
    let effective = schedule_of("leaf", &customers);
    assert_eq!(effective.schedule, from_customer(zoned(&department, "Europe/Brussels"), "mid"));
    assert_eq!(effective.time_zone, from_customer("Europe/Brussels".to_owned(), "root"));
}

#[test]
fn an_empty_or_blank_zone_cascades_from_the_nearest_ancestor_that_names_one() {
    for blank in [None, Some(""), Some("   ")] {
        let mut customers = three_levels();
        customers[0] = with_schedule(customers[0].clone(), schedule(Some("Europe/Brussels"), false, "Company"));
        customers[1] = with_schedule(customers[1].clone(), schedule(Some("Asia/Tokyo"), false, "Department"));
        customers[2] = with_schedule(customers[2].clone(), schedule(blank, false, "Team"));
        let effective = schedule_of("leaf", &customers);
        assert_eq!(effective.schedule.source_id.as_deref(), Some("leaf"));
        assert_eq!(effective.time_zone, from_customer("Asia/Tokyo".to_owned(), "mid"), "{blank:?}");
    }
}

#[test]
fn a_zone_on_an_inheriting_schedule_is_not_read() {
    let mut customers = three_levels();
    customers[0] = with_schedule(customers[0].clone(), schedule(None, false, "Company"));
    customers[2] = with_schedule(customers[2].clone(), schedule(Some("Asia/Tokyo"), true, "Team"));
    let effective = schedule_of("leaf", &customers);
    assert_eq!(effective.schedule.source_id.as_deref(), Some("root"));
    assert_eq!(effective.time_zone, Effective::built_in("UTC".to_owned()));
}

#[test]
fn an_own_schedule_without_a_zone_and_no_zone_above_reads_in_utc() {
    let mut customers = three_levels();
    customers[1] = with_schedule(customers[1].clone(), schedule(Some(""), false, "Department"));
    let effective = schedule_of("leaf", &customers);
    assert_eq!(effective.schedule.source_id.as_deref(), Some("mid"));
    assert_eq!(effective.time_zone, Effective::built_in("UTC".to_owned()));
    assert_eq!(effective.schedule.value.time_zone_id.as_deref(), Some("UTC"));
}

#[test]
fn moving_a_customer_changes_its_schedule_and_zone() {
    let mut customers = vec![
        with_schedule(customer("a", None), schedule(Some("Europe/Brussels"), false, "A")),
        with_schedule(customer("x", Some("a")), schedule(None, false, "X")),
        with_schedule(customer("b", None), schedule(Some("Asia/Tokyo"), false, "B")),
    ];
    assert_eq!(schedule_of("x", &customers).time_zone.value, "Europe/Brussels");
    customers[1].parent_customer_id = Some("b".into());
    assert_eq!(schedule_of("x", &customers).time_zone, from_customer("Asia/Tokyo".to_owned(), "b"));
    customers[1].schedule = Some(schedule(None, true, "X"));
    assert_eq!(schedule_of("x", &customers).schedule.source_id.as_deref(), Some("b"));
}

#[test]
fn toggling_inherit_off_and_on_switches_the_source() {
    let mut customers = three_levels();
    customers[0] = with_schedule(customers[0].clone(), schedule(Some("Europe/Brussels"), false, "Company"));
    customers[1] = with_schedule(customers[1].clone(), schedule(None, false, "Department"));
    assert_eq!(schedule_of("leaf", &customers).schedule.source_id.as_deref(), Some("mid"));
    if let Some(s) = customers[1].schedule.as_mut() {
        s.inherit = true;
    }
    assert_eq!(schedule_of("leaf", &customers).schedule.source_id.as_deref(), Some("root"));
    if let Some(s) = customers[1].schedule.as_mut() {
        s.inherit = false;
    }
    assert_eq!(schedule_of("leaf", &customers).schedule.source_id.as_deref(), Some("mid"));
}

#[test]
fn an_empty_schedule_chain_is_refused() {
    let none: [&CustomerInfo; 0] = [];
    assert!(resolve_schedule_chain(&none).is_err());
}
