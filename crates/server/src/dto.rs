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
    /// Only customers of these accounts (at most 1,000 ids, comma-separated in a query string).
    pub account_ids: Vec<String>,
    /// Only customers whose name contains this text, ignoring case (at most 200 characters; `%` and `_` match themselves).
    pub name_filter: Option<String>,
    /// Only descendants of these customers, at any depth, the named ones excluded (at most 1,000 ids, comma-separated in a query string).
    pub parent_customer_ids: Vec<String>,
    /// With `parentCustomerIds`: only their direct children.
    pub shallow_parent: bool,
    /// Only the customers at the top of what the caller reaches: those answered without a `parentCustomerId` (top-level customers of their accounts; for a Customer user, its own customers).
    pub top_level_only: bool,
    /// Only customers carrying all of these tags (at most 1,000 ids, comma-separated in a query string).
    pub tag_ids: Vec<String>,
    /// Only customers whose `referenceId` is exactly one of these (at most 1,000 ids, comma-separated in a query string).
    pub reference_ids: Vec<String>,
    /// Add to each customer its effective billing settings, app settings and schedule, with their sources (`effective`).
    pub include_effective: bool,
    // Evo Voice's ListRequest<T> paging members, spelled out: serde's flatten would lose case-insensitive binding.
    /// The 0-based page number (default 0; not negative).
    pub page: Option<i64>,
    /// How many items a page holds, 1 to 1,000; 0 or absent means 25.
    pub count_per_page: Option<i64>,
    /// Every match on one page, without paging; the answer is streamed unless `includeEffective` is set.
    pub all: bool,
    /// Only customers with these ids (at most 1,000 ids, comma-separated in a query string).
    pub specific_ids: Vec<String>,
    /// The member to sort by, ignoring case: `name` (the default), `id`, `referenceId`, `accountId`, `parentCustomerId`, `isStaging`, `dateCreated` or `dateLastModified`. Ties break on `id`.
    pub sort_field: Option<String>,
    /// `Ascend` (the default) or `Descend`.
    pub sort_order: Option<SortOrder>,
    /// Leave out `totalCount` and `totalPages`: the answer carries `items` and `hasMorePages` only.
    pub simplified_paging: bool,
    /// Only these members, in this order, in every format (sparse fieldsets; comma-separated in a query string). Wire names, ignoring case; a dotted name picks a nested member (`billingSettings.base.unitCost`, `data.Tier`), in the flat CSV style every column under it. An unknown name is a 400 `InvalidField`.
    pub fields: Vec<String>,
    /// How CSV answers lay out nested members: `ServiceStack` (the default: JSV inside cells) or `Flat` (dotted columns, readable lists, formulas neutralised; for spreadsheets). Other formats ignore it.
    pub csv_style: Option<crate::view::CsvStyle>,
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
            top_level_only: self.top_level_only,
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
    /// The customer's id.
    pub customer_id: String,
    /// Only these members, in this order, in every format (sparse fieldsets; comma-separated in a query string). Wire names, ignoring case; a dotted name picks a nested member (`billingSettings.base.unitCost`, `data.Tier`), in the flat CSV style every column under it. An unknown name is a 400 `InvalidField`.
    pub fields: Vec<String>,
    /// How CSV answers lay out nested members: `ServiceStack` (the default: JSV inside cells) or `Flat` (dotted columns, readable lists, formulas neutralised; for spreadsheets). Other formats ignore it.
    pub csv_style: Option<crate::view::CsvStyle>,
}

/// The path member of PatchCustomer; its other members are `CustomerChanges`, bound from the same request.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct PatchCustomer {
    /// The id of the customer to change.
    pub customer_id: String,
}

/// A customer named by its primary external id. `accountId` names the account the reference belongs to; it is
/// required when the caller reaches more than one account.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct GetCustomerByReference {
    /// The customer's `referenceId`, matched exactly (percent-encoded in the path).
    pub reference_id: String,
    /// The account the reference belongs to; required when the caller reaches more than one account.
    pub account_id: Option<String>,
    /// Only these members, in this order, in every format (sparse fieldsets; comma-separated in a query string). Wire names, ignoring case; a dotted name picks a nested member (`billingSettings.base.unitCost`, `data.Tier`), in the flat CSV style every column under it. An unknown name is a 400 `InvalidField`.
    pub fields: Vec<String>,
    /// How CSV answers lay out nested members: `ServiceStack` (the default: JSV inside cells) or `Flat` (dotted columns, readable lists, formulas neutralised; for spreadsheets). Other formats ignore it.
    pub csv_style: Option<crate::view::CsvStyle>,
}

/// The path and account members of PatchCustomerByReference; its changes are `CustomerChanges`, as for
/// PatchCustomer (the path's `referenceId` wins over one in the body, so this route never changes the reference).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct PatchCustomerByReference {
    /// The `referenceId` of the customer to change, matched exactly (percent-encoded in the path); this operation cannot change it.
    pub reference_id: String,
    /// The account the reference belongs to; required when the caller reaches more than one account.
    pub account_id: Option<String>,
}

/// The members NewCustomer has beyond `CustomerChanges` (which carries `name` and the rest).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct NewCustomer {
    /// The id of the account the customer belongs to, for ever (required).
    pub account_id: Option<String>,
    /// Whether the customer starts in staging mode (default false).
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
    /// The id of the customer to delete; it must have no children.
    pub customer_id: String,
}

/// One customer's change history, newest first, a page at a time, narrowed by time and member.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ListCustomerHistory {
    /// The customer whose history to list (it may since have been deleted).
    pub customer_id: String,
    /// Changes at or after this instant (ISO 8601; without an offset, UTC; a date alone is its midnight).
    pub from: Option<String>,
    /// Changes before this instant (ISO 8601, as `from`).
    pub to: Option<String>,
    /// Only the changes of this member (its wire name: `name`, `parentCustomerId`, `tagIds`, …).
    pub member: Option<String>,
    // ListRequest<T>'s paging members, as ListCustomers spells them out.
    /// The 0-based page number (default 0; not negative).
    pub page: Option<i64>,
    /// How many entries a page holds, 1 to 1,000; 0 or absent means 25.
    pub count_per_page: Option<i64>,
    /// Every matching entry on one page, without paging.
    pub all: bool,
    /// Leave out `totalCount` and `totalPages`: the answer carries `items` and `hasMorePages` only.
    pub simplified_paging: bool,
}

/// Imports customers from the file in the body (what export writes: ServiceStack CSV, JSON or JSON lines) into one
/// account, matching existing customers by id, else by referenceId. The members below come from the query string;
/// the body is the file.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ImportCustomers {
    /// The account to import into; without it, the one account the rows' `accountId` name. Rows of another
    /// account are copies: their ids only link rows of the file, and they are matched by referenceId alone.
    pub account_id: Option<String>,
    /// When true, nothing is written: the answer counts what would be created, updated or left unchanged, and
    /// lists the rows that would be refused.
    pub dry_run: bool,
    /// When true, the answer lists each row's outcome (`rows`), not only the counts.
    pub include_rows: bool,
    /// When true, refused rows (and the rows below them in the file) are skipped and the rest is imported; the
    /// answer counts them (`skipped`) and says why (`refused`). By default a file is imported all or nothing.
    pub skip_refused_rows: bool,
    /// The file's format when its Content-Type does not say: `csv`, `flatcsv` (the spreadsheet style), `json` or `jsonl`.
    pub file_format: Option<String>,
    /// The customers, when the JSON body is this request itself (what a typed client sends): read exactly as
    /// export's `items`, and `accountId`, `dryRun` and `includeRows` are then read from the body too.
    pub items: Vec<canopy_domain::CustomerInfo>,
}

/// The members of ImportCustomers that a JSON body may carry beside its `items` (a typed client sends the request
/// as its body; the query string still wins for `accountId`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImportEnvelope {
    pub account_id: Option<String>,
    pub dry_run: Option<bool>,
    pub include_rows: Option<bool>,
    pub skip_refused_rows: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct SetCustomerStagingMode {
    /// The customer's id.
    pub customer_id: String,
    /// Whether the customer is in staging mode (required).
    pub is_staging: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ListAccounts {
    /// Only accounts whose name contains this text, ignoring case (at most 200 characters; `%` and `_` match themselves).
    pub name_filter: Option<String>,
    /// Only descendants of these accounts, at any depth, the named ones excluded (at most 1,000 ids, comma-separated in a query string).
    pub parent_account_ids: Vec<String>,
    /// With `parentAccountIds`: only their direct children.
    pub shallow_parent: bool,
    /// Only the accounts at the top of what the caller reaches: those answered without a `parentAccountId`.
    pub top_level_only: bool,
    // ListRequest<T>'s paging members, as ListCustomers spells them out.
    /// The 0-based page number (default 0; not negative).
    pub page: Option<i64>,
    /// How many items a page holds, 1 to 1,000; 0 or absent means 25.
    pub count_per_page: Option<i64>,
    /// Every match on one page, without paging.
    pub all: bool,
    /// Only accounts with these ids; ids beyond the caller's reach match nothing (at most 1,000 ids, comma-separated in a query string).
    pub specific_ids: Vec<String>,
    /// The member to sort by, ignoring case: `name` (the default), `id`, `parentAccountId`, `dateCreated` or `dateLastModified`. Ties break on `id`.
    pub sort_field: Option<String>,
    /// `Ascend` (the default) or `Descend`.
    pub sort_order: Option<SortOrder>,
    /// Leave out `totalCount` and `totalPages`: the answer carries `items` and `hasMorePages` only.
    pub simplified_paging: bool,
    /// Only these members, in this order, in every format (sparse fieldsets; comma-separated in a query string). Wire names, ignoring case; a dotted name picks a nested member (`billingSettings.base.unitCost`, `data.Tier`), in the flat CSV style every column under it. An unknown name is a 400 `InvalidField`.
    pub fields: Vec<String>,
    /// How CSV answers lay out nested members: `ServiceStack` (the default: JSV inside cells) or `Flat` (dotted columns, readable lists, formulas neutralised; for spreadsheets). Other formats ignore it.
    pub csv_style: Option<crate::view::CsvStyle>,
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
    /// The account's id.
    pub account_id: String,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct NewAccountRequest {
    /// The account's name (required; 1 to 200 characters).
    pub name: Option<String>,
    /// The parent account's id; absent or `""`: a root account.
    pub parent_account_id: Option<String>,
    /// The account's billing settings, inherited by the customers below it that do not override theirs.
    pub billing_settings: Option<BillingSettings>,
    /// Evo Voice: the SID of the account's Twilio account (at most 1,000 characters).
    pub twilio_account_sid: Option<String>,
    /// Evo Voice: how many phone numbers the account may have (0 or more; default 0).
    pub max_phone_numbers: Option<i32>,
    /// Evo Voice: whether the account brings its own Twilio account (default false).
    #[serde(rename = "isBYOA")]
    pub is_byoa: Option<bool>,
    /// Evo Voice: the SID of the account's Twilio Trust Hub profile (at most 1,000 characters).
    pub trust_hub_profile_sid: Option<String>,
    /// Evo Voice: the id of the account's logo (at most 1,000 characters).
    pub logo_id: Option<String>,
    /// Evo Voice: the URL of the account's logo, an absolute http or https URL (at most 1,000 characters).
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
    /// The id of the account to change.
    pub account_id: String,
    /// The account's name (1 to 200 characters); absent or null leaves it.
    pub name: Option<String>,
    /// The parent account's id, moving the account (not under its own subtree); `""` makes it a root account; absent or null leaves it.
    pub parent_account_id: Option<String>,
    /// The account's billing settings, replacing the stored ones whole; absent or null leaves them.
    pub billing_settings: Option<BillingSettings>,
    /// Evo Voice: the SID of the account's Twilio account (at most 1,000 characters); `""` clears it, absent or null leaves it.
    pub twilio_account_sid: Option<String>,
    /// Evo Voice: how many phone numbers the account may have (0 or more); absent or null leaves it.
    pub max_phone_numbers: Option<i32>,
    /// Evo Voice: whether the account brings its own Twilio account; absent or null leaves it.
    #[serde(rename = "isBYOA")]
    pub is_byoa: Option<bool>,
    /// Evo Voice: the SID of the account's Twilio Trust Hub profile (at most 1,000 characters); `""` clears it, absent or null leaves it.
    pub trust_hub_profile_sid: Option<String>,
    /// Evo Voice: the id of the account's logo (at most 1,000 characters); `""` clears it, absent or null leaves it.
    pub logo_id: Option<String>,
    /// Evo Voice: the URL of the account's logo, an absolute http or https URL (at most 1,000 characters); `""` clears it, absent or null leaves it.
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
    /// The id of the account to delete; it must have no customers and no child accounts.
    pub account_id: String,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct GetSystemSettings {
    /// The id of the account whose settings to read (required).
    pub account_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct PatchSystemSettings {
    /// The id of the account whose settings to change (required).
    pub account_id: Option<String>,
    /// The account's tag catalogue, replacing the stored one whole (a removed tag leaves every customer); absent leaves it.
    pub tags: Option<Vec<Tag>>,
    /// The account's customer data field definitions, replacing the stored ones whole; absent leaves them.
    pub customer_fields: Option<Vec<CustomerDataField>>,
}

impl PatchSystemSettings {
    pub fn changes(&self) -> SystemSettingsChanges {
        SystemSettingsChanges { tags: self.tags.clone(), customer_fields: self.customer_fields.clone() }
    }
}

/// One page of a list (Evo Voice's `ListResponse`).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ListResponseOf{T}")]
pub struct ListResponse<T> {
    /// The items of this page, or every match with `all=true`.
    pub items: Vec<T>,
    /// How many items match in all; absent with `simplifiedPaging`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    /// How many pages the matches fill (with `all=true`: 1, or 0 when nothing matches); absent with `simplifiedPaging`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_pages: Option<u64>,
    /// Whether a page follows this one.
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
    /// The customer's id.
    pub customer_id: String,
}

/// The billing settings that apply to a customer, and where they come from.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InheritedBillingSettings {
    /// The billing settings that apply to the customer.
    pub billing_settings: BillingSettings,
    /// The id of the customer or account they come from; absent for the built-in default, or when the source lies beyond the caller's reach.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// What they come from: `customer`, `account`, or `default` (nobody sets them: all zeros).
    pub source_kind: canopy_inherit::SourceKind,
}

/// The portal settings that apply to a customer, and where they come from.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InheritedAppSettings {
    /// The portal settings that apply to the customer.
    pub app_settings: canopy_domain::AppSettings,
    /// The id of the customer they come from; absent for the built-in default, or when the source lies beyond the caller's reach.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// What they come from: `customer`, or `default` (nobody sets them: the built-in defaults).
    pub source_kind: canopy_inherit::SourceKind,
}

/// The effective Schedule, as Evo Voice returns it, plus where it comes from (ours).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InheritedSchedule {
    #[serde(flatten)]
    pub schedule: canopy_domain::Schedule,
    /// The id of the customer whose schedule applies; absent for the built-in default, or when it lies beyond the caller's reach.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// What the schedule comes from: `customer`, or `default` (no schedule up the chain: the empty schedule).
    pub source_kind: canopy_inherit::SourceKind,
    /// The customer whose schedule names the zone in force (absent when it is the "UTC" default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone_source_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct TestSchedule {
    /// The id of the customer whose schedule is evaluated.
    pub customer_id: String,
    /// The instant to evaluate at, ISO 8601 (required); without an offset, a local time in the schedule's zone.
    pub date_time: Option<String>,
    /// A schedule to evaluate in place of the customer's stored one; absent: the customer's effective schedule.
    pub schedule: Option<canopy_domain::Schedule>,
}

/// Evo Voice's `{stateName, timeZoneId}`, plus why (ours): the deciding rule, the reason, the next change and
/// the rules that were skipped.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestScheduleResponse {
    /// The state at that instant: the deciding rule's `state`, `Closed` when force-closed, else the `defaultState` (`""` without a schedule).
    pub state_name: String,
    /// The IANA time zone the schedule was read in.
    pub time_zone_id: String,
    /// The `id` of the rule that decided, when a rule did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    /// The `name` of the rule that decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_name: Option<String>,
    /// The `flowId` of the rule that decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<String>,
    /// The `flowParams` of the rule that decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_params: Option<canopy_domain::Struct>,
    /// What decided: `forceClosed`, `rule` or `default`.
    pub reason: &'static str,
    /// The next instant, within 400 days, at which the state differs (ISO 8601 UTC, whole seconds); absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_change: Option<String>,
    /// The rules that were skipped, and why.
    pub warnings: Vec<ScheduleWarning>,
}

/// A rule (or the schedule itself) that evaluation skipped, and why.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleWarning {
    /// The rule's 0-based position in the schedule's `rules`; absent for a warning about the schedule itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_index: Option<usize>,
    /// The rule's `id`, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    /// `ConditionNotEvaluated`, `InvalidRule` or `UnknownTimeZone`.
    pub code: &'static str,
    /// What the problem is, in words.
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
    /// The customer's effective billing settings, app settings and schedule, each with its source.
    pub effective: EffectiveValues,
}

/// Each value with where it comes from: `{value, sourceId, sourceKind}`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveValues {
    /// The billing settings that apply to the customer, with their source.
    pub billing_settings: canopy_inherit::Effective<BillingSettings>,
    /// The portal settings that apply to the customer, with their source.
    pub app_settings: canopy_inherit::Effective<canopy_domain::AppSettings>,
    /// The schedule that applies to the customer, with its source.
    pub schedule: canopy_inherit::Effective<canopy_domain::Schedule>,
}

// ---- Authentication (ServiceStack's own DTOs, the members Canopy fills) ----

/// ServiceStack's Authenticate: a login with a user name and password.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct Authenticate {
    /// The auth provider: `credentials` (the default) or `login`; the `/auth/{provider}` route sets it.
    pub provider: Option<String>,
    /// The user's login name (required to log in; POST only).
    pub user_name: Option<String>,
    /// The user's password (required to log in; POST only).
    pub password: Option<String>,
    /// Keep the session for 28 days instead of 14 (the `ss-opt` cookie says `perm`).
    pub remember_me: Option<bool>,
}

/// ServiceStack's AuthenticateResponse, the members Canopy fills.
#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticateResponse {
    /// The signed-in user's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The session's id, also sent in the `ss-id` and `ss-pid` cookies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The user's login name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// The user's display name (its login name when it has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// A bearer token for the `Authorization` header: a JWT valid for 15 minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<String>,
    /// At login: a token to exchange at `/access-token` for a new bearer token while the session lasts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The user's roles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// ServiceStack's permissions; Canopy has none, so always empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
    /// The provider that signed the user in: `credentials`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_provider: Option<String>,
}

/// Who is signed in (Evo Voice's UserInfo); only `isAuthenticated: false` for a caller who is not.
#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// The user's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Whether the caller is signed in.
    pub is_authenticated: bool,
    /// The user's display name (its login name when it has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user's email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// The user's roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// The ids of the accounts whose catalogues and settings the user may read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub account_ids: Vec<String>,
    /// The names of those accounts, in the same order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub account_names: Vec<String>,
    /// A Manager's access level: `ReadOnly`, `ReadWrite` or `ReadWriteDelete`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager_access: Option<ManagerAccess>,
}

/// ServiceStack's GetAccessToken: a refresh token exchanged for a new bearer token.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct GetAccessToken {
    /// The refresh token a login answered (required).
    pub refresh_token: Option<String>,
}

/// ServiceStack's GetAccessTokenResponse.
#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetAccessTokenResponse {
    /// A new bearer token (a JWT valid for 15 minutes, and no longer than the session).
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
    /// The user's id.
    pub id: String,
    /// The user's login name.
    pub user_name: String,
    /// The user's email address.
    pub email: Option<String>,
    /// The user's display name.
    pub display_name: Option<String>,
    /// The user's roles: `SystemAdministrator`, `Manager` or `Customer`.
    pub roles: Vec<String>,
    /// The user's manager access level: `ReadOnly`, `ReadWrite` or `ReadWriteDelete` (what a Manager may change).
    pub manager_access: String,
    /// The ids of the accounts the user is linked to (as a Manager).
    pub account_ids: Vec<String>,
    /// The ids of the customers the user is linked to (as a Customer user).
    pub customer_ids: Vec<String>,
    /// Whether the user is disabled.
    pub is_disabled: bool,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct DeleteUser {
    /// The login name of the user to delete (not the caller itself).
    pub user_name: String,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct UpdateUser {
    /// The login name of the user to change.
    pub user_name: String,
    /// `true` disables the user (not the caller itself), `false` enables it again; absent leaves it.
    pub is_disabled: Option<bool>,
    /// A new password, 8 characters to 1,024 bytes; absent leaves it.
    pub password: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ListApiKeys {
    /// Only the keys of the user with this login name; absent: every key.
    pub user_name: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct RevokeApiKey {
    /// The key's id, as ListApiKeys answers it (16 hex digits).
    pub id: String,
}

/// ListUsers has no members: it lists every user.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct ListUsers {}
