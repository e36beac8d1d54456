//! Effective app settings: customers, then the built-in defaults. Accounts hold none.

mod support;

use canopy_domain::{AppSettings, CustomerInfo};
use canopy_inherit::{Effective, SourceKind};
use support::*;

fn three_levels() -> Vec<CustomerInfo> {
    vec![customer("root", None), customer("mid", Some("root")), customer("leaf", Some("mid"))]
}

#[test]
fn without_any_override_every_customer_gets_the_built_in_defaults() {
    let customers = three_levels();
    let accounts = [account(ACCOUNT, None, Some(billing(1.0)))];
    for id in ["root", "mid", "leaf"] {
        let effective = app_of(id, &customers, &accounts);
        assert_eq!(effective, Effective::built_in(AppSettings::default()), "{id}");
        assert!(!effective.value.enable_dialer && effective.value.page_title.is_none());
    }
}

#[test]
fn an_override_at_the_root_the_middle_or_the_leaf_is_found_by_the_customers_below_it() {
    let accounts = [account(ACCOUNT, None, None)];
    for (at, index) in [("root", 0), ("mid", 1), ("leaf", 2)] {
        let mut customers = three_levels();
        customers[index] = overriding_app(customers[index].clone(), at);
        assert_eq!(app_of("leaf", &customers, &accounts), from_customer(app(at), at));
        for above in &customers[..index] {
            assert_eq!(app_of(&above.id, &customers, &accounts).source_kind, SourceKind::Default);
        }
    }
}

#[test]
fn turning_an_app_settings_override_off_and_on_again() {
    let mut customers = three_levels();
    customers[0] = overriding_app(customers[0].clone(), "company");
    customers[1] = overriding_app(customers[1].clone(), "department");
    let accounts = [account(ACCOUNT, None, None)];
    assert_eq!(app_of("leaf", &customers, &accounts), from_customer(app("department"), "mid"));
    customers[1].override_app_settings = false;
    assert_eq!(app_of("leaf", &customers, &accounts), from_customer(app("company"), "root"));
    customers[1].override_app_settings = true;
    assert_eq!(app_of("leaf", &customers, &accounts), from_customer(app("department"), "mid"));
}

#[test]
fn an_app_settings_override_without_settings_means_the_defaults_from_that_customer() {
    let mut customers = three_levels();
    customers[0] = overriding_app(customers[0].clone(), "company");
    customers[1].override_app_settings = true;
    let accounts = [account(ACCOUNT, None, None)];
    assert_eq!(app_of("leaf", &customers, &accounts), from_customer(AppSettings::default(), "mid"));
}

#[test]
fn moving_a_customer_changes_its_app_settings_source() {
    let mut customers = vec![
        overriding_app(customer("a", None), "a"),
        customer("x", Some("a")),
        overriding_app(customer("b", None), "b"),
    ];
    let accounts = [account(ACCOUNT, None, None)];
    assert_eq!(app_of("x", &customers, &accounts), from_customer(app("a"), "a"));
    customers[1].parent_customer_id = Some("b".into());
    assert_eq!(app_of("x", &customers, &accounts), from_customer(app("b"), "b"));
}

#[test]
fn the_billing_override_flag_does_not_affect_app_settings() {
    let mut customers = three_levels();
    customers[1] = overriding_billing(customers[1].clone(), 2.0);
    customers[1].app_settings = Some(app("ignored"));
    let accounts = [account(ACCOUNT, None, Some(billing(1.0)))];
    assert_eq!(app_of("leaf", &customers, &accounts), Effective::built_in(AppSettings::default()));
}
