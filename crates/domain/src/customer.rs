//! A customer as users see it (`CustomerInfo`), and its small companion types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{billing::BillingSettings, schedule::Schedule, settings::AppSettings, value::Struct};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CustomerBreadcrumb {
    pub id: String,
    pub name: String,
}

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Tag {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub color: TagColor,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_id: Option<String>,
}

/// Keyed by integration id.
pub type IntegrationData = BTreeMap<String, IntegrationRef>;

/// `CustomerInfo`: the stored values of one customer, plus what the hierarchy says about it
/// (`accountName`, `breadcrumb`). Settings are the customer's own; effective values are served elsewhere.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerInfo {
    pub id: String,
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_customer_id: Option<String>,
    /// Root first, ending with the direct parent; empty for a top-level customer.
    #[serde(default)]
    pub breadcrumb: Vec<CustomerBreadcrumb>,
    #[serde(default)]
    pub is_staging: bool,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    #[serde(default)]
    pub data: Struct,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    #[serde(default)]
    pub integration_data: crate::customer::IntegrationData,
    #[serde(default)]
    pub override_billing_settings: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_settings: Option<BillingSettings>,
    #[serde(default)]
    pub override_app_settings: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_settings: Option<AppSettings>,
    pub date_created: String,
    pub date_last_modified: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_by: Option<String>,
}
