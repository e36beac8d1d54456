//! A customer as users see it (`CustomerInfo`), and its small companion types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{billing::BillingSettings, schedule::Schedule, settings::AppSettings, value::Struct};

/// One ancestor of a customer, in its breadcrumb.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CustomerBreadcrumb {
    /// The ancestor customer's id.
    pub id: String,
    /// The ancestor customer's name.
    pub name: String,
}

/// The colour a tag is shown in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum TagColor {
    #[default]
    Magenta,
    Red,
    Volcano,
    Orange,
    Gold,
    Lime,
    Green,
    Cyan,
    Blue,
    GeekBlue,
    Purple,
}

/// A tag of an account's catalogue; customers of the account may carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Tag {
    /// The tag's id, unique within the catalogue (at most 200 characters).
    pub id: String,
    /// The tag's name (at most 200 characters).
    pub name: String,
    /// The colour the tag is shown in; `Magenta` when absent.
    #[serde(default)]
    pub color: TagColor,
}

/// What a customer is in one third-party integration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationRef {
    /// The customer's id in the integration's system (at most 1,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_id: Option<String>,
}

/// Keyed by integration id.
pub type IntegrationData = BTreeMap<String, IntegrationRef>;

/// A customer: its own stored values, plus what the hierarchy says about it (`accountName`, `breadcrumb`).
/// Its settings are its own; the effective ones are served by the inherited-* operations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerInfo {
    /// The customer's id (opaque; Canopy generates 32 hex digits).
    pub id: String,
    /// The id of the account the customer belongs to; it never changes.
    pub account_id: String,
    /// The name of the customer's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// The parent customer's id; absent for a top-level customer, or when the parent lies beyond the caller's reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_customer_id: Option<String>,
    /// The customer's ancestors, root first, ending with its parent; empty for a top-level customer (cut at the caller's reach).
    #[serde(default)]
    pub breadcrumb: Vec<CustomerBreadcrumb>,
    /// Whether the customer is in staging mode (changed with SetCustomerStagingMode).
    #[serde(default)]
    pub is_staging: bool,
    /// The customer's name (1 to 200 characters).
    pub name: String,
    /// The customer's id in a third-party system; unique within the account (at most 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    /// Custom data: values of the account's customer data fields, by field name.
    #[serde(default)]
    pub data: Struct,
    /// The tags the customer carries, from its account's catalogue.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// The customer's own business-hours schedule as stored; GetInheritedSchedule serves the one that applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// The third-party integrations the customer is known to: integration id to the customer's id there.
    #[serde(default)]
    pub integration_data: crate::customer::IntegrationData,
    /// Whether the customer's own `billingSettings` apply to it instead of those inherited from above.
    #[serde(default)]
    pub override_billing_settings: bool,
    /// The customer's own billing settings, kept whether or not `overrideBillingSettings` is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_settings: Option<BillingSettings>,
    /// Whether the customer's own `appSettings` apply to it instead of those inherited from above.
    #[serde(default)]
    pub override_app_settings: bool,
    /// The customer's own portal settings, kept whether or not `overrideAppSettings` is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_settings: Option<AppSettings>,
    /// When the customer was created: an ISO 8601 UTC instant with microseconds.
    pub date_created: String,
    /// When the customer was last changed: an ISO 8601 UTC instant with microseconds.
    pub date_last_modified: String,
    /// The id of the user who created the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// The id of the user who last changed the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_by: Option<String>,
}
