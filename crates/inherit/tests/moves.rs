//! What a move changes in its subtree's effective values: the moved customer and the descendants that inherit
//! through it, not a descendant that claims the facet itself, and nothing when the source stays the same.

mod support;

use canopy_domain::{history::MemberChange, CustomerInfo};
use canopy_inherit::{effective_changes_of_move, EffectiveChangeError, EffectiveChanges};
use serde_json::{json, Value};
use support::*;

/// Two top-level customers, `a` (billing 2.0, app settings "A") and `b` (nothing of its own), and below `a` the
/// subtree that moves: `moved` → {`inherits` → `grandchild`, `overrides` (billing 5.0)}. The account bills 1.0.
fn forest() -> Vec<CustomerInfo> {
    vec![
        overriding_app(overriding_billing(customer("a", None), 2.0), "A"),
        customer("b", None),
        customer("moved", Some("a")),
        customer("inherits", Some("moved")),
        customer("grandchild", Some("inherits")),
        overriding_billing(customer("overrides", Some("moved")), 5.0),
    ]
}

const SUBTREE: [&str; 4] = ["moved", "inherits", "grandchild", "overrides"];

fn moved_under(customers: &[CustomerInfo], parent: Option<&str>) -> Vec<CustomerInfo> {
    let mut after = customers.to_vec();
    after[2].parent_customer_id = parent.map(str::to_owned);
    after
}

fn json_of(text: &Option<String>) -> Value {
    text.as_deref().map_or(Value::Null, |t| serde_json::from_str(t).expect("JSON text"))
}

fn members(changes: &EffectiveChanges) -> Vec<&str> {
    changes.changes.iter().map(|c| c.member.as_str()).collect()
}

#[test]
fn a_move_changes_the_sources_of_the_moved_customer_and_of_the_descendants_inheriting_through_it() {
    let before = forest();
    let after = moved_under(&before, Some("b"));
    let accounts = [account(ACCOUNT, None, Some(billing(1.0)))];
    let affected = effective_changes_of_move(&SUBTREE, &before, &after, &accounts).expect("resolves");
    let ids: Vec<&str> = affected.iter().map(|a| a.customer_id.as_str()).collect();
    assert_eq!(ids, ["moved", "inherits", "grandchild", "overrides"]);
    for customer in &affected[..3] {
        assert_eq!(members(customer), ["effective.billingSettings", "effective.appSettings"]);
    }
    // It keeps its own billing settings; its app settings came through `moved` from `a`, and change.
    assert_eq!(members(&affected[3]), ["effective.appSettings"]);
    let billing_change: &MemberChange = &affected[1].changes[0];
    assert_eq!(
        json_of(&billing_change.old_value),
        json!({"value": serde_json::to_value(billing(2.0)).expect("json"), "sourceId": "a", "sourceKind": "customer"})
    );
    assert_eq!(
        json_of(&billing_change.new_value),
        json!({"value": serde_json::to_value(billing(1.0)).expect("json"), "sourceId": ACCOUNT, "sourceKind": "account"})
    );
    let app_change = &affected[0].changes[1];
    assert_eq!(json_of(&app_change.old_value)["sourceId"], "a");
    assert_eq!(json_of(&app_change.new_value)["sourceKind"], "default");
    assert!(json_of(&app_change.new_value).get("sourceId").is_none(), "the default has no source id");
}

#[test]
fn a_move_that_changes_no_source_changes_nothing() {
    // Under another customer that supplies nothing, from under one that supplies nothing: the account and the
    // defaults stay the sources.
    let mut before = forest();
    before[0] = customer("a", None);
    let after = moved_under(&before, Some("b"));
    let accounts = [account(ACCOUNT, None, Some(billing(1.0)))];
    assert_eq!(effective_changes_of_move(&SUBTREE, &before, &after, &accounts), Ok(Vec::new()));
    // To the top level: the same.
    let top = moved_under(&before, None);
    assert_eq!(effective_changes_of_move(&SUBTREE, &before, &top, &accounts), Ok(Vec::new()));
}

#[test]
fn a_schedule_and_its_zone_move_with_their_owner() {
    let mut before = forest();
    before[0] = with_schedule(customer("a", None), schedule(Some("Europe/Paris"), false, "Open"));
    before[1] = with_schedule(customer("b", None), schedule(Some("America/New_York"), false, "Closed"));
    // `grandchild` keeps its own schedule but names no zone: its zone comes from above and changes too.
    before[4] = with_schedule(customer("grandchild", Some("inherits")), schedule(None, false, "Open"));
    let after = moved_under(&before, Some("b"));
    let accounts = [account(ACCOUNT, None, None)];
    let affected = effective_changes_of_move(&SUBTREE, &before, &after, &accounts).expect("resolves");
    let ids: Vec<&str> = affected.iter().map(|a| a.customer_id.as_str()).collect();
    assert_eq!(ids, ["moved", "inherits", "grandchild", "overrides"]);
    let grandchild = &affected[2];
    assert_eq!(members(grandchild), ["effective.schedule"]);
    assert_eq!(json_of(&grandchild.changes[0].old_value)["sourceId"], "grandchild");
    assert_eq!(json_of(&grandchild.changes[0].old_value)["value"]["timeZoneId"], "Europe/Paris");
    assert_eq!(json_of(&grandchild.changes[0].new_value)["value"]["timeZoneId"], "America/New_York");
    assert_eq!(json_of(&affected[0].changes[0].new_value)["sourceId"], "b");
}

#[test]
fn a_subtree_customer_left_out_is_an_error_not_a_silent_omission() {
    let before = forest();
    let after: Vec<CustomerInfo> =
        moved_under(&before, Some("b")).into_iter().filter(|c| c.id != "overrides").collect();
    let accounts = [account(ACCOUNT, None, Some(billing(1.0)))];
    assert_eq!(
        effective_changes_of_move(&SUBTREE, &before, &after, &accounts),
        Err(EffectiveChangeError::MissingCustomer { customer: "overrides".into() })
    );
}
