//! Sparse changes to a customer, the semantics of PatchCustomer (and the optional part of NewCustomer).
//!
//! `None` means "leave as it is" (the field was absent or null); for optional strings `Some("")` clears;
//! a present list or object replaces the stored one whole.

use crate::{
    billing::BillingSettings,
    customer::IntegrationData,
    hierarchy::check_id,
    schedule::{Schedule, MAX_RULES_PER_SCHEDULE},
    settings::AppSettings,
    validation::{
        check_length, check_not_blank, FieldError, ValidationErrors, MAX_NAME_LEN, MAX_REFERENCE_ID_LEN,
        MAX_SHORT_TEXT_LEN,
    },
    value::Struct,
    CustomerInfo,
};

/// Bound straight from requests (PatchCustomer, and the optional part of NewCustomer), so its members carry the
/// wire names.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomerChanges {
    /// The customer's name (1 to 200 characters); required by NewCustomer; on a patch, absent or null leaves it.
    pub name: Option<String>,
    /// The parent customer's id, in the same account; `""` (or absent on create) makes the customer top-level; on a patch, absent or null leaves it.
    pub parent_customer_id: Option<String>,
    /// The customer's id in a third-party system, unique within the account (at most 200 characters); `""` clears it; absent or null leaves it.
    pub reference_id: Option<String>,
    /// Custom data by field name, only the account's defined fields with their types; replaces the stored data whole.
    pub data: Option<Struct>,
    /// The ids of the tags the customer carries, from its account's catalogue (at most 1,000); replaces the stored list whole.
    pub tag_ids: Option<Vec<String>>,
    /// The customer's business-hours schedule, checked when written; replaces the stored one whole.
    pub schedule: Option<Schedule>,
    /// Whether the customer's own `billingSettings` apply to it instead of those inherited from above.
    pub override_billing_settings: Option<bool>,
    /// The customer's own billing settings; replace the stored ones whole.
    pub billing_settings: Option<BillingSettings>,
    /// Whether the customer's own `appSettings` apply to it instead of those inherited from above.
    pub override_app_settings: Option<bool>,
    /// The customer's own portal settings; replace the stored ones whole.
    pub app_settings: Option<AppSettings>,
    /// Integration id (at most 200 characters) to the customer's id in that system; replaces the stored map whole.
    pub integration_data: Option<IntegrationData>,
    /// Set by its own route (SetCustomerStagingMode) or at creation, never by PatchCustomer.
    #[serde(skip)]
    pub is_staging: Option<bool>,
}

/// What a string change means for an optional column.
pub fn optional_text(change: &Option<String>) -> Option<Option<&str>> {
    change.as_deref().map(|s| if s.is_empty() { None } else { Some(s) })
}

impl CustomerChanges {
    /// The checks that need nothing but the request itself. Checks against stored state (the account's data
    /// fields, tags, the tree) are the store's, in the same transaction as the write.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if let Some(name) = &self.name {
            check_not_blank("name", name, &mut errors);
            check_length("name", name, MAX_NAME_LEN, &mut errors);
        }
        if let Some(Some(parent)) = optional_text(&self.parent_customer_id) {
            check_id("parentCustomerId", parent, &mut errors);
        }
        if let Some(Some(reference)) = optional_text(&self.reference_id) {
            check_length("referenceId", reference, MAX_REFERENCE_ID_LEN, &mut errors);
        }
        if let Some(data) = &self.data {
            crate::value::validate_struct("data", data, &mut errors);
        }
        if let Some(tag_ids) = &self.tag_ids {
            if tag_ids.len() > crate::listing::MAX_FILTER_IDS {
                errors.push(FieldError::new("tagIds", "Length", "too many tags"));
            }
            for (i, id) in tag_ids.iter().enumerate() {
                check_id(&format!("tagIds[{i}]"), id, &mut errors);
            }
        }
        if let Some(schedule) = &self.schedule {
            validate_schedule_shape(schedule, &mut errors);
        }
        if let Some(billing) = &self.billing_settings {
            billing.validate("billingSettings", &mut errors);
        }
        if let Some(app) = &self.app_settings {
            app.validate("appSettings", &mut errors);
        }
        if let Some(integrations) = &self.integration_data {
            for (key, reference) in integrations {
                let field = format!("integrationData.{key}");
                check_not_blank(&field, key, &mut errors);
                check_length(&field, key, MAX_NAME_LEN, &mut errors);
                if let Some(id) = &reference.third_party_id {
                    check_length(&format!("{field}.thirdPartyId"), id, MAX_SHORT_TEXT_LEN, &mut errors);
                }
            }
        }
        errors.into_result()
    }
}

impl CustomerChanges {
    /// Whether the change sets nothing at all.
    pub fn is_empty(&self) -> bool {
        *self == CustomerChanges::default()
    }

    /// Only the members of this change that would alter `current` (an import row that repeats what is stored
    /// changes nothing, bumps no version and records no history). Tags compare as sets of ids: the store keeps
    /// them in catalogue order, whatever order a change names them in.
    pub fn effective_against(&self, current: &CustomerInfo) -> CustomerChanges {
        fn differs<T: PartialEq>(change: &Option<T>, current: &T) -> bool {
            change.as_ref().is_some_and(|value| value != current)
        }
        fn keep<T: Clone + PartialEq>(change: &Option<T>, current: &T) -> Option<T> {
            if differs(change, current) {
                change.clone()
            } else {
                None
            }
        }
        let optional_differs = |change: &Option<String>, current: &Option<String>| {
            optional_text(change).is_some_and(|value| value != current.as_deref())
        };
        let tags_differ = self.tag_ids.as_ref().is_some_and(|ids| {
            let wanted: std::collections::BTreeSet<&str> = ids.iter().map(String::as_str).collect();
            let held: std::collections::BTreeSet<&str> = current.tags.iter().map(|t| t.id.as_str()).collect();
            wanted != held
        });
        // A stored document is replaced by a change, never removed: only a present one can differ.
        fn keep_document<T: Clone + PartialEq>(change: &Option<T>, current: &Option<T>) -> Option<T> {
            if change.is_some() && change != current {
                change.clone()
            } else {
                None
            }
        }
        CustomerChanges {
            name: keep(&self.name, &current.name),
            parent_customer_id: if optional_differs(&self.parent_customer_id, &current.parent_customer_id) {
                self.parent_customer_id.clone()
            } else {
                None
            },
            reference_id: if optional_differs(&self.reference_id, &current.reference_id) {
                self.reference_id.clone()
            } else {
                None
            },
            data: keep(&self.data, &current.data),
            tag_ids: if tags_differ { self.tag_ids.clone() } else { None },
            schedule: keep_document(&self.schedule, &current.schedule),
            override_billing_settings: keep(&self.override_billing_settings, &current.override_billing_settings),
            billing_settings: keep_document(&self.billing_settings, &current.billing_settings),
            override_app_settings: keep(&self.override_app_settings, &current.override_app_settings),
            app_settings: keep_document(&self.app_settings, &current.app_settings),
            integration_data: keep(&self.integration_data, &current.integration_data),
            is_staging: keep(&self.is_staging, &current.is_staging),
        }
    }
}

/// Size limits on a schedule; the schedule engine adds the semantic checks.
fn validate_schedule_shape(schedule: &Schedule, errors: &mut ValidationErrors) {
    if let Some(zone) = &schedule.time_zone_id {
        check_length("schedule.timeZoneId", zone, MAX_NAME_LEN, errors);
    }
    if let Some(state) = &schedule.default_state {
        check_length("schedule.defaultState", state, MAX_NAME_LEN, errors);
    }
    if let Some(rules) = &schedule.rules {
        if rules.len() > MAX_RULES_PER_SCHEDULE {
            errors.push(FieldError::new(
                "schedule.rules",
                "Length",
                format!("a schedule holds at most {MAX_RULES_PER_SCHEDULE} rules"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_string_clears_and_absent_leaves() {
        assert_eq!(optional_text(&None), None);
        assert_eq!(optional_text(&Some(String::new())), Some(None));
        assert_eq!(optional_text(&Some("x".into())), Some(Some("x")));
    }

    #[test]
    fn a_blank_name_is_refused_but_an_absent_one_is_fine() {
        let changes = CustomerChanges { name: Some("  ".into()), ..CustomerChanges::default() };
        assert_eq!(changes.validate().expect_err("blank").0[0].field, "name");
        assert!(CustomerChanges::default().validate().is_ok());
    }
}
