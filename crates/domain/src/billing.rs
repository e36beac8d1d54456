//! Billing settings: twelve priced items, each with a base cost, a unit cost and an allowance.

use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, ValidationErrors};

/// The price of one billed item. Absent members read as 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BillingItem {
    /// The item's base cost (a finite number, 0 or more).
    #[serde(default, serialize_with = "crate::number::serialize")]
    pub base_cost: f64,
    /// Evo Voice's raw unit multiplier of the item (a finite number, 0 or more).
    #[serde(default, serialize_with = "crate::number::serialize")]
    pub raw_unit_multiplier: f64,
    /// The item's cost per unit (a finite number, 0 or more).
    #[serde(default, serialize_with = "crate::number::serialize")]
    pub unit_cost: f64,
    /// The item's allowance of units (a whole number, 0 or more).
    #[serde(default)]
    pub allowance: i64,
}

/// Billing settings: the prices of twelve billed items. An absent item reads as all zeros.
// That is what Evo Voice's .NET DTO does with a null class member, and what a user expects of a price nobody set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BillingSettings {
    /// The base price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<BillingItem>,
    /// The price of local phone numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_numbers: Option<BillingItem>,
    /// The price of toll-free phone numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toll_free_numbers: Option<BillingItem>,
    /// The price of inbound voice calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_voice_calls: Option<BillingItem>,
    /// The price of outbound voice calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_voice_calls: Option<BillingItem>,
    /// The price of inbound faxes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_faxes: Option<BillingItem>,
    /// The price of outbound faxes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_faxes: Option<BillingItem>,
    /// The price of inbound SMS messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_sms_messages: Option<BillingItem>,
    /// The price of outbound SMS messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_sms_messages: Option<BillingItem>,
    /// The price of AI insights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_insights: Option<BillingItem>,
    /// The price of AI live minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_live_minutes: Option<BillingItem>,
    /// The price of AI messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_messages: Option<BillingItem>,
}

impl BillingSettings {
    /// Every item present and zero: the root default of the inheritance chain.
    pub fn zeros() -> Self {
        let zero = Some(BillingItem::default());
        Self {
            base: zero,
            local_numbers: zero,
            toll_free_numbers: zero,
            inbound_voice_calls: zero,
            outbound_voice_calls: zero,
            inbound_faxes: zero,
            outbound_faxes: zero,
            inbound_sms_messages: zero,
            outbound_sms_messages: zero,
            ai_insights: zero,
            ai_live_minutes: zero,
            ai_messages: zero,
        }
    }

    /// The items with their wire names, in wire order.
    pub fn items(&self) -> [(&'static str, Option<&BillingItem>); 12] {
        [
            ("base", self.base.as_ref()),
            ("localNumbers", self.local_numbers.as_ref()),
            ("tollFreeNumbers", self.toll_free_numbers.as_ref()),
            ("inboundVoiceCalls", self.inbound_voice_calls.as_ref()),
            ("outboundVoiceCalls", self.outbound_voice_calls.as_ref()),
            ("inboundFaxes", self.inbound_faxes.as_ref()),
            ("outboundFaxes", self.outbound_faxes.as_ref()),
            ("inboundSmsMessages", self.inbound_sms_messages.as_ref()),
            ("outboundSmsMessages", self.outbound_sms_messages.as_ref()),
            ("aiInsights", self.ai_insights.as_ref()),
            ("aiLiveMinutes", self.ai_live_minutes.as_ref()),
            ("aiMessages", self.ai_messages.as_ref()),
        ]
    }

    pub fn validate(&self, path: &str, errors: &mut ValidationErrors) {
        for (name, item) in self.items() {
            let Some(item) = item else { continue };
            for (field, cost) in [
                ("baseCost", item.base_cost),
                ("rawUnitMultiplier", item.raw_unit_multiplier),
                ("unitCost", item.unit_cost),
            ] {
                if !cost.is_finite() || cost < 0.0 {
                    errors.push(FieldError::new(
                        &format!("{path}.{name}.{field}"),
                        "GreaterThanOrEqual",
                        "must be a finite number >= 0",
                    ));
                }
            }
            if item.allowance < 0 {
                errors.push(FieldError::new(
                    &format!("{path}.{name}.allowance"),
                    "GreaterThanOrEqual",
                    "must be a whole number >= 0",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_and_non_finite_costs_are_refused_with_their_paths() {
        let settings = BillingSettings {
            base: Some(BillingItem { unit_cost: -1.0, ..BillingItem::default() }),
            ai_messages: Some(BillingItem { base_cost: f64::INFINITY, allowance: -3, ..BillingItem::default() }),
            ..BillingSettings::default()
        };
        let mut errors = ValidationErrors::default();
        settings.validate("billingSettings", &mut errors);
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "billingSettings.base.unitCost",
                "billingSettings.aiMessages.baseCost",
                "billingSettings.aiMessages.allowance"
            ]
        );
    }

    #[test]
    fn ai_items_use_the_wire_spelling() {
        let json = serde_json::to_string(&BillingSettings::zeros()).expect("serializes");
        assert!(json.contains("\"aiInsights\""));
        assert!(json.contains("\"aiLiveMinutes\""));
        assert!(json.contains("\"inboundSmsMessages\""));
    }
}
