//! Request and response DTOs, named and cased as ServiceStack clients send and expect them, and their
//! conversions to the domain's terms. Nothing here touches HTTP or the store.

use canopy_domain::{
    listing::SortOrder, patch::CustomerChanges, AccountDetails, BillingSettings, CustomerDataField, ManagerAccess, Tag,
};
use canopy_store::{AccountChanges, CustomerFilter, NewAccount, SystemSettingsChanges};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ListCustomers {
    pub account_ids: Vec<String>,
    pub name_filter: Option<String>,
    pub parent_customer_ids: Vec<String>,
    pub shallow_parent: bool,
    pub tag_ids: Vec<String>,
    pub reference_ids: Vec<String>,
    /// Ours: add each customer's effective billing settings, app settings and schedule, with their sources.
    pub include_effective: bool,
    // Evo Voice's ListRequest<T> paging members, spelled out: serde's flatten would lose case-insensitive binding.
    pub page: Option<i64>,
    pub count_per_page: Option<i64>,
    pub all: bool,
    pub specific_ids: Vec<String>,
    pub sort_field: Option<String>,
    pub sort_order: Option<SortOrder>,
    pub simplified_paging: bool,
}

impl ListCustomers {
    pub fn filter(&self) -> CustomerFilter {
        CustomerFilter {
            account_ids: self.account_ids.clone(),
            name_filter: self.name_filter.clone(),
            parent_customer_ids: self.parent_customer_ids.clone(),
            shallow_parent: self.shallow_parent,
            tag_ids: self.tag_ids.clone(),
            specific_ids: self.specific_ids.clone(),
            reference_ids: self.reference_ids.clone(),
        }
    }

    /// The filter lists, for the size limit on each.
    pub fn id_lists(&self) -> [(&'static str, &Vec<String>); 5] {
        [
            ("accountIds", &self.account_ids),
            ("parentCustomerIds", &self.parent_customer_ids),
            ("tagIds", &self.tag_ids),
            ("specificIds", &self.specific_ids),
            ("referenceIds", &self.reference_ids),
        ]
    }
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct GetCustomer {
    pub customer_id: String,
}

/// The path member of PatchCustomer; its other members are `CustomerChanges`, bound from the same request.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct PatchCustomer {
    pub customer_id: String,
}

/// A customer named by its primary external id. `accountId` names the account the reference belongs to; it is
/// required when the caller reaches more than one account.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct GetCustomerByReference {
    pub reference_id: String,
    pub account_id: Option<String>,
}

/// The path and account members of PatchCustomerByReference; its changes are `CustomerChanges`, as for
/// PatchCustomer (the path's `referenceId` wins over one in the body, so this route never changes the reference).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct PatchCustomerByReference {
    pub reference_id: String,
    pub account_id: Option<String>,
}

/// The members NewCustomer has beyond `CustomerChanges` (which carries `name` and the rest).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct NewCustomer {
    pub account_id: Option<String>,
    pub is_staging: Option<bool>,
}

impl NewCustomer {
    pub fn into_store(self, mut fields: CustomerChanges) -> canopy_store::NewCustomer {
        fields.is_staging = self.is_staging;
        canopy_store::NewCustomer {
            id: None,
            account_id: self.account_id.unwrap_or_default(),
            name: fields.name.take().unwrap_or_default(),
            fields,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct DeleteCustomer {
    pub customer_id: String,
}

/// One customer's change history, newest first, a page at a time, narrowed by time and member.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ListCustomerHistory {
    pub customer_id: String,
    /// Changes at or after this instant (ISO 8601; without an offset, UTC; a date alone is its midnight).
    pub from: Option<String>,
    /// Changes before this instant (ISO 8601, as `from`).
    pub to: Option<String>,
    /// Only the changes of this member (its wire name: `name`, `parentCustomerId`, `tagIds`, …).
    pub member: Option<String>,
    // ListRequest<T>'s paging members, as ListCustomers spells them out.
    pub page: Option<i64>,
    pub count_per_page: Option<i64>,
    pub all: bool,
    pub simplified_paging: bool,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct SetCustomerStagingMode {
    pub customer_id: String,
    pub is_staging: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ListAccounts {
    pub name_filter: Option<String>,
    /// Every descendant of these accounts (the named accounts themselves excluded)…
    pub parent_account_ids: Vec<String>,
    /// …or, with `parentAccountIds`, only their direct children.
    pub shallow_parent: bool,
    /// Ours: only the accounts at the top of what the caller reaches (shown without a `parentAccountId`).
    pub top_level_only: bool,
    // ListRequest<T>'s paging members, as ListCustomers spells them out.
    pub page: Option<i64>,
    pub count_per_page: Option<i64>,
    pub all: bool,
    pub specific_ids: Vec<String>,
    pub sort_field: Option<String>,
    pub sort_order: Option<SortOrder>,
    pub simplified_paging: bool,
}

impl ListAccounts {
    /// The filter lists, for the size limit on each.
    pub fn id_lists(&self) -> [(&'static str, &Vec<String>); 2] {
        [("parentAccountIds", &self.parent_account_ids), ("specificIds", &self.specific_ids)]
    }
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct GetAccount {
    pub account_id: String,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct NewAccountRequest {
    pub name: Option<String>,
    pub parent_account_id: Option<String>,
    pub billing_settings: Option<BillingSettings>,
    pub twilio_account_sid: Option<String>,
    pub max_phone_numbers: Option<i32>,
    #[serde(rename = "isBYOA")]
    pub is_byoa: Option<bool>,
    pub trust_hub_profile_sid: Option<String>,
    pub logo_id: Option<String>,
    pub logo_uri: Option<String>,
}

impl NewAccountRequest {
    pub fn into_store(self) -> NewAccount {
        NewAccount {
            id: None,
            name: self.name.unwrap_or_default(),
            parent_account_id: self.parent_account_id,
            billing_settings: self.billing_settings,
            details: AccountDetails {
                twilio_account_sid: self.twilio_account_sid,
                max_phone_numbers: self.max_phone_numbers,
                is_byoa: self.is_byoa,
                trust_hub_profile_sid: self.trust_hub_profile_sid,
                logo_id: self.logo_id,
                logo_uri: self.logo_uri,
            },
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct PatchAccount {
    pub account_id: String,
    pub name: Option<String>,
    pub parent_account_id: Option<String>,
    pub billing_settings: Option<BillingSettings>,
    pub twilio_account_sid: Option<String>,
    pub max_phone_numbers: Option<i32>,
    #[serde(rename = "isBYOA")]
    pub is_byoa: Option<bool>,
    pub trust_hub_profile_sid: Option<String>,
    pub logo_id: Option<String>,
    pub logo_uri: Option<String>,
}

impl PatchAccount {
    pub fn changes(&self) -> AccountChanges {
        AccountChanges {
            name: self.name.clone(),
            parent_account_id: self.parent_account_id.clone(),
            billing_settings: self.billing_settings.clone(),
            details: AccountDetails {
                twilio_account_sid: self.twilio_account_sid.clone(),
                max_phone_numbers: self.max_phone_numbers,
                is_byoa: self.is_byoa,
                trust_hub_profile_sid: self.trust_hub_profile_sid.clone(),
                logo_id: self.logo_id.clone(),
                logo_uri: self.logo_uri.clone(),
            },
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct DeleteAccount {
    pub account_id: String,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct GetSystemSettings {
    pub account_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct PatchSystemSettings {
    pub account_id: Option<String>,
    pub tags: Option<Vec<Tag>>,
    pub customer_fields: Option<Vec<CustomerDataField>>,
}

impl PatchSystemSettings {
    pub fn changes(&self) -> SystemSettingsChanges {
        SystemSettingsChanges { tags: self.tags.clone(), customer_fields: self.customer_fields.clone() }
    }
}

/// Evo Voice's `ListResponse<T>`. Totals are absent with `simplifiedPaging` (they were not computed).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ListResponseOf{T}")]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_pages: Option<u64>,
    pub has_more_pages: bool,
}

impl<T> ListResponse<T> {
    pub fn new(items: Vec<T>, totals: canopy_domain::listing::PageTotals) -> Self {
        Self {
            items,
            total_count: totals.total_count,
            total_pages: totals.total_pages,
            has_more_pages: totals.has_more_pages,
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthResponse {
    pub status: &'static str,
    pub database: &'static str,
    pub version: &'static str,
}

/// The path member of the inherited-* and test-schedule requests.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomerRef {
    pub customer_id: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InheritedBillingSettings {
    pub billing_settings: BillingSettings,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    pub source_kind: canopy_inherit::SourceKind,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InheritedAppSettings {
    pub app_settings: canopy_domain::AppSettings,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    pub source_kind: canopy_inherit::SourceKind,
}

/// The effective Schedule, as Evo Voice returns it, plus where it comes from (ours).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InheritedSchedule {
    #[serde(flatten)]
    pub schedule: canopy_domain::Schedule,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    pub source_kind: canopy_inherit::SourceKind,
    /// The customer whose schedule names the zone in force (absent when it is the "UTC" default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone_source_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct TestSchedule {
    pub customer_id: String,
    pub date_time: Option<String>,
    pub schedule: Option<canopy_domain::Schedule>,
}

/// Evo Voice's `{stateName, timeZoneId}`, plus why (ours): the deciding rule, the reason, the next change and
/// the rules that were skipped.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestScheduleResponse {
    pub state_name: String,
    pub time_zone_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_params: Option<canopy_domain::Struct>,
    pub reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_change: Option<String>,
    pub warnings: Vec<ScheduleWarning>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleWarning {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    pub code: &'static str,
    pub message: String,
}

impl From<canopy_schedule::Evaluation> for TestScheduleResponse {
    fn from(e: canopy_schedule::Evaluation) -> Self {
        Self {
            state_name: e.state_name,
            time_zone_id: e.time_zone_id,
            rule_id: e.rule_id,
            rule_name: e.rule_name,
            flow_id: e.flow_id,
            flow_params: e.flow_params,
            reason: e.reason.as_str(),
            next_change: e.next_change.map(canopy_schedule::render_instant),
            warnings: e
                .warnings
                .into_iter()
                .map(|w| ScheduleWarning {
                    rule_index: w.rule_index,
                    rule_id: w.rule_id,
                    code: w.code,
                    message: w.message,
                })
                .collect(),
        }
    }
}

/// A customer with its effective values (`includeEffective=true`).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerWithEffective {
    #[serde(flatten)]
    pub customer: canopy_domain::CustomerInfo,
    pub effective: EffectiveValues,
}

/// Each value with where it comes from: `{value, sourceId, sourceKind}`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveValues {
    pub billing_settings: canopy_inherit::Effective<BillingSettings>,
    pub app_settings: canopy_inherit::Effective<canopy_domain::AppSettings>,
    pub schedule: canopy_inherit::Effective<canopy_domain::Schedule>,
}

// ---- Authentication (ServiceStack's own DTOs, the members Canopy fills) ----

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct Authenticate {
    pub provider: Option<String>,
    pub user_name: Option<String>,
    pub password: Option<String>,
    pub remember_me: Option<bool>,
}

/// ServiceStack's AuthenticateResponse, the members Canopy fills.
#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticateResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_provider: Option<String>,
}

/// Evo Voice's UserInfo.
#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub is_authenticated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub account_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub account_names: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager_access: Option<ManagerAccess>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct GetAccessToken {
    pub refresh_token: Option<String>,
}

/// ServiceStack's GetAccessTokenResponse.
#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetAccessTokenResponse {
    pub access_token: String,
}

/// GetAuthStatus has no members: it answers for whoever sent it.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct GetAuthStatus {}

/// Logout has no members: it ends the session that sent it.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct Logout {}

// ---- Users and API keys ----

/// A user as listings show it: never a password or its hash.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct UserSummary {
    pub id: String,
    pub user_name: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub roles: Vec<String>,
    pub manager_access: String,
    pub account_ids: Vec<String>,
    pub customer_ids: Vec<String>,
    pub is_disabled: bool,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct DeleteUser {
    pub user_name: String,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct UpdateUser {
    pub user_name: String,
    pub is_disabled: Option<bool>,
    pub password: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ListApiKeys {
    pub user_name: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct RevokeApiKey {
    pub id: String,
}

/// ListUsers has no members: it lists every user.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct ListUsers {}
