//! Effective billing settings: customers, then accounts, then zeros.

mod support;

use canopy_domain::{AccountInfo, BillingSettings, CustomerInfo};
use canopy_inherit::{resolve_billing_chain, Effective, Forest, HierarchyError, SourceKind};
use support::*;

/// root → mid → leaf in one account whose billing is 1.0.
fn three_levels() -> (Vec<CustomerInfo>, Vec<AccountInfo>) {
    let customers = vec![customer("root", None), customer("mid", Some("root")), customer("leaf", Some("mid"))];
    (customers, vec![account(ACCOUNT, None, Some(billing(1.0)))])
}

#[test]
fn a_leaf_that_overrides_uses_its_own_billing_settings() {
    let (mut customers, accounts) = three_levels();
    customers[2] = overriding_billing(customers[2].clone(), 3.0);
    assert_eq!(billing_of("leaf", &customers, &accounts), from_customer(billing(3.0), "leaf"));
    assert_eq!(billing_of("mid", &customers, &accounts), Effective::from_account(billing(1.0), ACCOUNT));
}

#[test]
fn an_override_in_the_middle_covers_the_customers_below_it() {
    let (mut customers, accounts) = three_levels();
    customers[1] = overriding_billing(customers[1].clone(), 2.0);
    assert_eq!(billing_of("leaf", &customers, &accounts), from_customer(billing(2.0), "mid"));
    assert_eq!(billing_of("mid", &customers, &accounts), from_customer(billing(2.0), "mid"));
    assert_eq!(billing_of("root", &customers, &accounts), Effective::from_account(billing(1.0), ACCOUNT));
}

#[test]
fn an_override_at_the_top_level_customer_covers_its_whole_tree() {
    let (mut customers, accounts) = three_levels();
    customers[0] = overriding_billing(customers[0].clone(), 5.0);
    for id in ["root", "mid", "leaf"] {
        assert_eq!(billing_of(id, &customers, &accounts), from_customer(billing(5.0), "root"), "{id}");
    }
}

#[test]
fn the_nearest_override_wins_over_farther_ones() {
    let (mut customers, accounts) = three_levels();
    customers[0] = overriding_billing(customers[0].clone(), 5.0);
    customers[1] = overriding_billing(customers[1].clone(), 2.0);
    assert_eq!(billing_of("leaf", &customers, &accounts), from_customer(billing(2.0), "mid"));
}

#[test]
fn own_billing_settings_are_not_used_while_the_override_is_off() {
    let (mut customers, accounts) = three_levels();
    customers[2].billing_settings = Some(billing(9.0));
    assert_eq!(billing_of("leaf", &customers, &accounts), Effective::from_account(billing(1.0), ACCOUNT));
}

#[test]
fn turning_an_override_off_and_on_again_moves_the_whole_subtree_with_it() {
    let (mut customers, accounts) = three_levels();
    customers[0] = overriding_billing(customers[0].clone(), 5.0);
    customers[1] = overriding_billing(customers[1].clone(), 2.0);
    assert_eq!(billing_of("leaf", &customers, &accounts).source_id.as_deref(), Some("mid"));

    customers[1].override_billing_settings = false;
    assert_eq!(billing_of("leaf", &customers, &accounts), from_customer(billing(5.0), "root"));
    assert_eq!(billing_of("mid", &customers, &accounts), from_customer(billing(5.0), "root"));

    customers[1].override_billing_settings = true;
    assert_eq!(billing_of("leaf", &customers, &accounts), from_customer(billing(2.0), "mid"));
}

#[test]
fn an_override_without_billing_settings_means_all_zeros_from_that_customer() {
    let (mut customers, accounts) = three_levels();
    customers[1].override_billing_settings = true;
    assert_eq!(billing_of("leaf", &customers, &accounts), from_customer(BillingSettings::zeros(), "mid"));
}

#[test]
fn a_top_level_customer_without_override_takes_its_accounts_billing() {
    let (customers, accounts) = three_levels();
    let effective = billing_of("root", &customers, &accounts);
    assert_eq!(effective.source_kind, SourceKind::Account);
    assert_eq!(effective, Effective::from_account(billing(1.0), ACCOUNT));
}

#[test]
fn an_account_without_billing_settings_inherits_from_its_parent_account() {
    let customers: Vec<_> = three_levels().0.into_iter().map(|c| in_account(c, "reseller")).collect();
    let accounts = vec![
        account("reseller", Some("platform"), None),
        account("platform", Some("top"), Some(billing(7.0))),
        account("top", None, Some(billing(8.0))),
    ];
    assert_eq!(billing_of("leaf", &customers, &accounts), Effective::from_account(billing(7.0), "platform"));
}

#[test]
fn the_nearest_account_with_billing_settings_wins() {
    let customers: Vec<_> = three_levels().0.into_iter().map(|c| in_account(c, "reseller")).collect();
    let accounts =
        vec![account("platform", None, Some(billing(7.0))), account("reseller", Some("platform"), Some(billing(6.0)))];
    assert_eq!(billing_of("leaf", &customers, &accounts), Effective::from_account(billing(6.0), "reseller"));
}

#[test]
fn a_root_account_without_billing_settings_falls_back_to_zeros_by_default() {
    let customers: Vec<_> = three_levels().0.into_iter().map(|c| in_account(c, "reseller")).collect();
    let accounts = vec![account("reseller", Some("platform"), None), account("platform", None, None)];
    let effective = billing_of("leaf", &customers, &accounts);
    assert_eq!(effective, Effective::built_in(BillingSettings::zeros()));
    assert_eq!(effective.source_id, None);
    assert_eq!(effective.source_kind, SourceKind::Default);
}

#[test]
fn moving_a_customer_to_another_subtree_takes_its_descendants_to_the_new_source() {
    // a(override 1) → x → y ; b(override 2). Move x under b.
    let mut customers = vec![
        overriding_billing(customer("a", None), 1.0),
        customer("x", Some("a")),
        customer("y", Some("x")),
        overriding_billing(customer("b", None), 2.0),
    ];
    let accounts = vec![account(ACCOUNT, None, None)];
    assert_eq!(billing_of("y", &customers, &accounts), from_customer(billing(1.0), "a"));

    customers[1].parent_customer_id = Some("b".into());
    assert_eq!(billing_of("x", &customers, &accounts), from_customer(billing(2.0), "b"));
    assert_eq!(billing_of("y", &customers, &accounts), from_customer(billing(2.0), "b"));

    customers[1].parent_customer_id = None;
    assert_eq!(billing_of("y", &customers, &accounts), Effective::built_in(BillingSettings::zeros()));
}

#[test]
fn moving_an_overriding_customer_keeps_its_own_settings() {
    let mut customers = vec![
        overriding_billing(customer("a", None), 1.0),
        overriding_billing(customer("x", Some("a")), 3.0),
        customer("y", Some("x")),
        overriding_billing(customer("b", None), 2.0),
    ];
    let accounts = vec![account(ACCOUNT, None, None)];
    customers[1].parent_customer_id = Some("b".into());
    assert_eq!(billing_of("y", &customers, &accounts), from_customer(billing(3.0), "x"));
}

#[test]
fn a_chain_that_stops_short_of_the_top_level_customer_is_refused() {
    let (customers, accounts) = three_levels();
    let chain = [&customers[2], &customers[1]];
    let error = resolve_billing_chain(&chain, &[&accounts[0]]).expect_err("mid is not top-level");
    assert!(matches!(error, HierarchyError::BrokenChain { ref customer, .. } if customer == "mid"), "{error}");
}

#[test]
fn a_chain_that_skips_a_parent_is_refused() {
    let (customers, accounts) = three_levels();
    let chain = [&customers[2], &customers[0]];
    let error = resolve_billing_chain(&chain, &[&accounts[0]]).expect_err("leaf's parent is mid");
    assert!(matches!(error, HierarchyError::BrokenChain { ref customer, .. } if customer == "leaf"), "{error}");
}

#[test]
fn billing_without_the_account_is_refused() {
    let (customers, _) = three_levels();
    let chain = [&customers[0]];
    let none: [&AccountInfo; 0] = [];
    let error = resolve_billing_chain(&chain, &none).expect_err("billing reaches the account");
    assert!(matches!(error, HierarchyError::MissingAccount { .. }), "{error}");
}

#[test]
fn an_account_chain_that_stops_short_of_the_root_is_refused() {
    let customers = [in_account(customer("root", None), "reseller")];
    let accounts = [account("reseller", Some("platform"), None)];
    let error = resolve_billing_chain(&[&customers[0]], &[&accounts[0]]).expect_err("platform is missing");
    assert!(matches!(error, HierarchyError::BrokenAccountChain { .. }), "{error}");
}

type ErrorCheck = fn(&HierarchyError) -> bool;

#[test]
fn a_forest_refuses_unknown_parents_duplicates_cycles_and_foreign_parents() {
    let accounts = vec![account(ACCOUNT, None, None), account("other", None, None)];
    let cases: Vec<(Vec<CustomerInfo>, ErrorCheck)> = vec![
        (vec![customer("a", Some("ghost"))], |e| matches!(e, HierarchyError::UnknownParent { .. })),
        (vec![customer("a", None), customer("a", None)], |e| matches!(e, HierarchyError::DuplicateCustomer { .. })),
        (vec![customer("a", Some("b")), customer("b", Some("a"))], |e| {
            matches!(e, HierarchyError::CustomerCycle { .. })
        }),
        (vec![customer("a", None), in_account(customer("b", Some("a")), "other")], |e| {
            matches!(e, HierarchyError::CrossAccountParent { .. })
        }),
        (vec![in_account(customer("a", None), "nowhere")], |e| matches!(e, HierarchyError::MissingAccount { .. })),
    ];
    for (customers, expected) in cases {
        let error = Forest::new(&customers, &accounts).expect_err("a broken forest");
        assert!(expected(&error), "unexpected {error}");
    }
    let cyclic_accounts = vec![account("x", Some("y"), None), account("y", Some("x"), None)];
    let error = Forest::new(&[] as &[CustomerInfo], &cyclic_accounts).expect_err("an account cycle");
    assert!(matches!(error, HierarchyError::AccountCycle { .. }), "{error}");
}

#[test]
fn an_empty_parent_id_reads_as_a_top_level_customer() {
    let mut customers = vec![customer("a", None)];
    customers[0].parent_customer_id = Some(String::new());
    let accounts = vec![account(ACCOUNT, None, Some(billing(4.0)))];
    assert_eq!(billing_of("a", &customers, &accounts), Effective::from_account(billing(4.0), ACCOUNT));
}

#[test]
fn effective_values_serialize_with_the_wire_names_and_lower_case_kinds() {
    let effective = Effective::from_account(billing(1.0), ACCOUNT);
    let json = serde_json_like(&effective);
    assert!(json.contains("\"sourceId\":\"acct\""), "{json}");
    assert!(json.contains("\"sourceKind\":\"account\""), "{json}");
    let default = serde_json_like(&Effective::built_in(BillingSettings::zeros()));
    assert!(default.contains("\"sourceKind\":\"default\"") && !default.contains("sourceId"), "{default}");
}

fn serde_json_like<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("serializes")
}
