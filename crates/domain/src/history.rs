//! A customer's change history: which members one change altered, with their values before and after.
//!
//! [`diff`] compares two `CustomerInfo`s member by member (by their wire names and JSON values). Members that are
//! derived or bookkeeping (`id`, `accountId`, `accountName`, `breadcrumb`, the dates and `createdBy` /
//! `lastModifiedBy`) are never recorded: a move is recorded as its `parentCustomerId`, and who and when are the
//! record's own members. Tags are compared as their ids, under `tagIds` (the member a patch sets), so that a tag
//! renamed in the catalogue is not a change of the customer.
//!
//! A move also changes what its subtree inherits. Those changes are recorded under the members of
//! [`EFFECTIVE_RECORDED`] (`effective.billingSettings`, …), one per facet whose effective value or source changed,
//! for each customer it changed; `canopy_inherit` decides which. Their values carry a source id, which
//! [`withhold_effective_sources`] hides from a reader who may not know that source.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::CustomerInfo;

/// Members never recorded (see the module documentation).
pub const NOT_RECORDED: [&str; 8] =
    ["id", "accountId", "accountName", "breadcrumb", "dateCreated", "dateLastModified", "createdBy", "lastModifiedBy"];

/// One member changed by one change. A value is JSON text; `None` is "absent" (before a create, after a delete,
/// or an optional member unset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberChange {
    pub member: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// One recorded change of one member of a customer, as `ListCustomerHistory` answers it (a flat row, so that CSV
/// has one column per member).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerHistoryEntry {
    /// Shared by every member one change altered.
    pub change_id: String,
    /// The customer that changed.
    pub customer_id: String,
    /// The account the customer belongs (or belonged) to.
    pub account_id: String,
    /// When the change was made (read once per change, in its transaction): ISO 8601 UTC with microseconds.
    pub changed_at: String,
    /// The id of the user who made the change; absent for changes made outside a request by no user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// That user's name at the time of the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// The id of the request that made the change (its `X-Request-Id`), to follow it in the logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The operation that made the change (`NewCustomer`, `PatchCustomer`, `SetCustomerStagingMode`, …).
    pub operation: String,
    /// The member's wire name (`name`, `parentCustomerId`, `tagIds`, `billingSettings`, …), or for an effective value
    /// a move changed, `effective.` and the facet's member (`effective.billingSettings`, …).
    pub member: String,
    /// The value before, as JSON text; absent when the member had none (or the customer did not exist). For an
    /// `effective.*` member, `{value, sourceId, sourceKind}` as `includeEffective` shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_value: Option<String>,
    /// The value after, as JSON text; absent when the member has none (or the customer was deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_value: Option<String>,
}

/// The members recorded, in `CustomerInfo`'s declaration order (tags under `tagIds`). A test checks that every
/// member of `CustomerInfo` is here or in [`NOT_RECORDED`], so a new field cannot be left out silently.
pub const RECORDED: [&str; 12] = [
    "parentCustomerId",
    "isStaging",
    "name",
    "referenceId",
    "data",
    "tagIds",
    "schedule",
    "integrationData",
    "overrideBillingSettings",
    "billingSettings",
    "overrideAppSettings",
    "appSettings",
];

/// The members a move records for each customer whose effective value of a facet changed (its source, its value, or
/// both): `effective.` and the member that holds the facet's own value. Each value is the effective value as
/// `ListCustomers` with `includeEffective=true` shows it, `{value, sourceId, sourceKind}`, as JSON text.
pub const EFFECTIVE_RECORDED: [&str; 3] = ["effective.billingSettings", "effective.appSettings", "effective.schedule"];

/// Whether `member` is one of [`EFFECTIVE_RECORDED`].
pub fn is_effective_member(member: &str) -> bool {
    EFFECTIVE_RECORDED.contains(&member)
}

/// Removes, from the values of an `effective.*` entry, each `sourceId` that `may_know(id, is_account)` refuses: the
/// value still shows what applied, as `includeEffective` does for a source beyond the reader's reach. Other members
/// are left alone.
pub fn withhold_effective_sources(entry: &mut CustomerHistoryEntry, may_know: impl Fn(&str, bool) -> bool) {
    if !is_effective_member(&entry.member) {
        return;
    }
    for value in [&mut entry.old_value, &mut entry.new_value] {
        let Some(text) = value.as_deref() else { continue };
        let Ok(Json::Object(mut object)) = serde_json::from_str::<Json>(text) else { continue };
        let is_account = object.get("sourceKind").and_then(Json::as_str) == Some("account");
        let known = object.get("sourceId").and_then(Json::as_str).is_none_or(|id| may_know(id, is_account));
        if !known {
            object.remove("sourceId");
            *value = Some(Json::Object(object).to_string());
        }
    }
}

/// The source ids an `effective.*` entry names, with whether each is an account's (none for other members).
pub fn effective_source_ids(entry: &CustomerHistoryEntry) -> Vec<(String, bool)> {
    if !is_effective_member(&entry.member) {
        return Vec::new();
    }
    [&entry.old_value, &entry.new_value]
        .into_iter()
        .flatten()
        .filter_map(|text| match serde_json::from_str::<Json>(text) {
            Ok(Json::Object(object)) => {
                let id = object.get("sourceId").and_then(Json::as_str)?.to_owned();
                Some((id, object.get("sourceKind").and_then(Json::as_str) == Some("account")))
            }
            _ => None,
        })
        .collect()
}

/// A customer's members and their JSON values (members left out when unset are absent; tags are `tagIds`).
fn members(customer: &CustomerInfo) -> Map<String, Json> {
    let Ok(Json::Object(mut object)) = serde_json::to_value(customer) else { return Map::new() };
    object.remove("tags");
    object.insert("tagIds".to_owned(), customer.tags.iter().map(|t| Json::String(t.id.clone())).collect());
    object
}

/// A value that means "nothing": what a member of a customer that does not exist is taken to be.
fn is_empty(value: &Json) -> bool {
    match value {
        Json::Null => true,
        Json::Bool(b) => !b,
        Json::String(s) => s.is_empty(),
        Json::Array(a) => a.is_empty(),
        Json::Object(o) => o.is_empty(),
        Json::Number(_) => false,
    }
}

fn text(value: &Json) -> Option<String> {
    (!value.is_null()).then(|| value.to_string())
}

/// The members that differ between `before` and `after`, in declaration order. `None` on one side is a customer
/// that does not exist (a create or a delete): its members count as empty, so a create records the members it set
/// and a delete the members the customer had. Two equal customers give nothing.
pub fn diff(before: Option<&CustomerInfo>, after: Option<&CustomerInfo>) -> Vec<MemberChange> {
    let old = before.map(members).unwrap_or_default();
    let new = after.map(members).unwrap_or_default();
    let mut changes = Vec::new();
    for member in RECORDED {
        let old_value = old.get(member).unwrap_or(&Json::Null);
        let new_value = new.get(member).unwrap_or(&Json::Null);
        let unchanged = if before.is_none() || after.is_none() {
            // Against a customer that does not exist, only what is there counts.
            is_empty(old_value) && is_empty(new_value)
        } else {
            old_value == new_value
        };
        if !unchanged {
            changes.push(MemberChange {
                member: member.to_owned(),
                old_value: text(old_value),
                new_value: text(new_value),
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Tag, TagColor};

    fn customer() -> CustomerInfo {
        CustomerInfo {
            id: "c1".into(),
            account_id: "a1".into(),
            account_name: Some("Account".into()),
            name: "Acme".into(),
            date_created: "2026-01-01T00:00:00.000000Z".into(),
            date_last_modified: "2026-01-01T00:00:00.000000Z".into(),
            ..CustomerInfo::default()
        }
    }

    fn members_of(changes: &[MemberChange]) -> Vec<&str> {
        changes.iter().map(|c| c.member.as_str()).collect()
    }

    #[test]
    fn equal_customers_differ_in_nothing_even_when_bookkeeping_differs() {
        let before = customer();
        let mut after = customer();
        after.date_last_modified = "2026-02-02T00:00:00.000000Z".into();
        after.last_modified_by = Some("u2".into());
        after.account_name = Some("Renamed".into());
        assert_eq!(diff(Some(&before), Some(&after)), Vec::new());
    }

    #[test]
    fn a_change_names_each_member_with_its_json_before_and_after() {
        let before = customer();
        let mut after = customer();
        after.name = "Acme Corp".into();
        after.reference_id = Some("r-1".into());
        after.parent_customer_id = Some("p1".into());
        let changes = diff(Some(&before), Some(&after));
        assert_eq!(members_of(&changes), ["parentCustomerId", "name", "referenceId"]);
        assert_eq!(changes[0].old_value, None);
        assert_eq!(changes[0].new_value.as_deref(), Some("\"p1\""));
        assert_eq!(changes[1].old_value.as_deref(), Some("\"Acme\""));
        assert_eq!(changes[1].new_value.as_deref(), Some("\"Acme Corp\""));
    }

    #[test]
    fn tags_are_compared_by_id_under_tag_ids() {
        let tag = |id: &str, name: &str| Tag { id: id.into(), name: name.into(), color: TagColor::Red };
        let mut before = customer();
        before.tags = vec![tag("vip", "VIP")];
        let mut after = customer();
        after.tags = vec![tag("vip", "Very important")];
        assert_eq!(diff(Some(&before), Some(&after)), Vec::new());
        after.tags.push(tag("partner", "Partner"));
        let changes = diff(Some(&before), Some(&after));
        assert_eq!(members_of(&changes), ["tagIds"]);
        assert_eq!(changes[0].old_value.as_deref(), Some("[\"vip\"]"));
        assert_eq!(changes[0].new_value.as_deref(), Some("[\"vip\",\"partner\"]"));
    }

    #[test]
    fn a_create_records_what_was_set_and_a_delete_what_there_was() {
        let mut created = customer();
        created.is_staging = true;
        let changes = diff(None, Some(&created));
        assert_eq!(members_of(&changes), ["isStaging", "name"]);
        assert!(changes.iter().all(|c| c.old_value.is_none()));
        let changes = diff(Some(&created), None);
        assert_eq!(members_of(&changes), ["isStaging", "name"]);
        assert_eq!(changes[1].old_value.as_deref(), Some("\"Acme\""));
        assert!(changes.iter().all(|c| c.new_value.is_none()));
        assert_eq!(diff(None, None), Vec::new());
    }

    #[test]
    fn every_member_is_either_recorded_or_deliberately_not() {
        let mut full = customer();
        full.parent_customer_id = Some("p".into());
        full.reference_id = Some("r".into());
        full.schedule = Some(Default::default());
        full.billing_settings = Some(Default::default());
        full.app_settings = Some(Default::default());
        full.created_by = Some("u".into());
        full.last_modified_by = Some("u".into());
        let Ok(Json::Object(object)) = serde_json::to_value(&full) else { panic!("a customer is an object") };
        let expected: Vec<&str> = object
            .keys()
            .map(|k| if k == "tags" { "tagIds" } else { k.as_str() })
            .filter(|k| !NOT_RECORDED.contains(k))
            .collect();
        assert_eq!(expected, RECORDED, "CustomerInfo's members and RECORDED disagree");
    }

    #[test]
    fn effective_members_name_a_recorded_facet_and_no_member_of_the_customer() {
        for member in EFFECTIVE_RECORDED {
            let facet = member.strip_prefix("effective.").expect("an effective member starts with effective.");
            assert!(RECORDED.contains(&facet), "{member} names no recorded member");
            assert!(!RECORDED.contains(&member) && !NOT_RECORDED.contains(&member), "{member} is also a member");
        }
    }

    #[test]
    fn sources_a_reader_may_not_know_are_withheld_from_effective_entries_only() {
        let value = |id: &str, kind: &str| format!(r#"{{"value":{{}},"sourceId":"{id}","sourceKind":"{kind}"}}"#);
        let mut entry = CustomerHistoryEntry {
            member: "effective.billingSettings".into(),
            old_value: Some(value("acc-root", "account")),
            new_value: Some(value("cus-parent", "customer")),
            ..CustomerHistoryEntry::default()
        };
        assert_eq!(effective_source_ids(&entry), [("acc-root".to_owned(), true), ("cus-parent".to_owned(), false)]);
        withhold_effective_sources(&mut entry, |id, is_account| !is_account && id == "cus-parent");
        assert_eq!(entry.old_value.as_deref(), Some(r#"{"value":{},"sourceKind":"account"}"#));
        assert_eq!(entry.new_value, Some(value("cus-parent", "customer")));
        let mut own = CustomerHistoryEntry {
            member: "parentCustomerId".into(),
            new_value: Some(value("x", "customer")),
            ..CustomerHistoryEntry::default()
        };
        withhold_effective_sources(&mut own, |_, _| false);
        assert_eq!(own.new_value, Some(value("x", "customer")));
        assert!(effective_source_ids(&own).is_empty());
    }

    #[test]
    fn an_unset_member_is_recorded_going_and_coming() {
        let mut before = customer();
        before.parent_customer_id = Some("p1".into());
        let after = customer();
        let changes = diff(Some(&before), Some(&after));
        assert_eq!(members_of(&changes), ["parentCustomerId"]);
        assert_eq!((changes[0].old_value.as_deref(), changes[0].new_value.as_deref()), (Some("\"p1\""), None));
    }

    #[test]
    fn a_flag_turned_off_is_recorded_with_both_values() {
        let mut before = customer();
        before.is_staging = true;
        let after = customer();
        let changes = diff(Some(&before), Some(&after));
        assert_eq!(members_of(&changes), ["isStaging"]);
        assert_eq!((changes[0].old_value.as_deref(), changes[0].new_value.as_deref()), (Some("true"), Some("false")));
    }
}
