//! Written by hand in the shape `npx get-dtos rust` ("Add ServiceStack Reference") generates for Evo Voice's
//! customer operations and Canopy's routes (docs/contract.md §6-§9):
//! request DTOs implement `IRequest` (name + verb) and `IReturn` / `IReturnVoid`. Only the members the
//! conformance suite needs beyond the request DTOs are declared on the response types.
#![allow(missing_docs)]

use serde::{Deserialize, Serialize};
use servicestack::{IRequest, IReturn, IReturnVoid, ResponseStatus};
use std::collections::HashMap;

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrders {
    Ascend,
    Descend,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagColors {
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

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueTypes {
    NotSpecified,
    String,
    Boolean,
    Number,
    List,
    Struct,
    Date,
    TimeZoneId,
    PhoneNumber,
    Time,
}

/// Evo's `Struct` is a `Dictionary<string, Value>`.
pub type Struct = HashMap<String, Value>;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct Value {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bool_value: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_value: Option<Vec<Struct>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub struct_value: Option<Struct>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct Tag {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<TagColors>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct CustomerBreadcrumb {
    pub id: String,
    pub name: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct CustomerDataField {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<ValueTypes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possible_values: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct CustomerInfo {
    pub id: String,
    pub account_id: String,
    pub account_name: Option<String>,
    pub parent_customer_id: Option<String>,
    pub breadcrumb: Vec<CustomerBreadcrumb>,
    pub is_staging: bool,
    pub name: String,
    pub reference_id: Option<String>,
    pub data: Struct,
    pub tags: Vec<Tag>,
    pub override_billing_settings: bool,
    pub override_app_settings: bool,
    pub date_created: String,
    pub date_last_modified: String,
    pub created_by: Option<String>,
    pub last_modified_by: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct AccountInfo {
    pub id: String,
    pub name: String,
    pub parent_account_id: Option<String>,
    pub ancestor_ids: Vec<String>,
    pub date_created: String,
    pub date_last_modified: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    pub total_count: Option<i64>,
    pub total_pages: Option<i64>,
    pub has_more_pages: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_status: Option<ResponseStatus>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct SystemSettingsInfo {
    pub account_id: Option<String>,
    pub tags: Vec<Tag>,
    pub customer_fields: Vec<CustomerDataField>,
}

/// Paging members of Evo's `ListRequest<T>` base class, flattened into each list request.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ListRequest {
    /// The page of data to retrieve, 0 based
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<i32>,
    /// If you want all objects to be returned. This should be used with care
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all: Option<bool>,
    /// The number per page to retrieve
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count_per_page: Option<i32>,
    /// Specific IDs
    #[serde(skip_serializing_if = "Option::is_none")]
    pub specific_ids: Option<Vec<String>>,
    /// Specify a sort field
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_field: Option<String>,
    /// Specify a sort order
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<SortOrders>,
    /// Disables total / page counts - improves performance. Returns only data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simplified_paging: Option<bool>,
}

// @Route("/customers", "GET")
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ListCustomers {
    #[serde(flatten)]
    pub list_request: ListRequest,
    /// The IDs of the account whose customers you want to retrieve
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_ids: Option<Vec<String>>,
    /// The filter to use
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_filter: Option<String>,
    /// Parent customer IDs: all their descendants
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_customer_ids: Option<Vec<String>>,
    /// Only the direct children of parentCustomerIds
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shallow_parent: Option<bool>,
    /// Customers carrying every one of these tags
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_ids: Option<Vec<String>>,
    /// Exact third-party reference ids (Canopy)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_ids: Option<Vec<String>>,
}
impl IRequest for ListCustomers {
    const NAME: &'static str = "ListCustomers";
    const VERB: &'static str = servicestack::HTTP_GET;
}
impl IReturn for ListCustomers {
    type Response = ListResponse<CustomerInfo>;
}

// @Route("/customers/{customerId}", "GET")
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct GetCustomer {
    pub customer_id: String,
}
impl IRequest for GetCustomer {
    const NAME: &'static str = "GetCustomer";
    const VERB: &'static str = servicestack::HTTP_GET;
}
impl IReturn for GetCustomer {
    type Response = CustomerInfo;
}

// @Route("/customers", "POST")
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct NewCustomer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_customer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Struct>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_ids: Option<Vec<String>>,
}
impl IRequest for NewCustomer {
    const NAME: &'static str = "NewCustomer";
    const VERB: &'static str = servicestack::HTTP_POST;
}
impl IReturn for NewCustomer {
    type Response = CustomerInfo;
}

// @Route("/customers/{customerId}", "PATCH")
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct PatchCustomer {
    pub customer_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_customer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Struct>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_billing_settings: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_app_settings: Option<bool>,
}
impl IRequest for PatchCustomer {
    const NAME: &'static str = "PatchCustomer";
    const VERB: &'static str = servicestack::HTTP_PATCH;
}
impl IReturn for PatchCustomer {
    type Response = CustomerInfo;
}

// @Route("/customers/{customerId}", "DELETE")
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct DeleteCustomer {
    pub customer_id: String,
}
impl IRequest for DeleteCustomer {
    const NAME: &'static str = "DeleteCustomer";
    const VERB: &'static str = servicestack::HTTP_DELETE;
}
impl IReturnVoid for DeleteCustomer {}

// @Route("/customers/{customerId}/staging", "POST")
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct SetCustomerStagingMode {
    pub customer_id: String,
    pub is_staging: bool,
}
impl IRequest for SetCustomerStagingMode {
    const NAME: &'static str = "SetCustomerStagingMode";
    const VERB: &'static str = servicestack::HTTP_POST;
}
impl IReturn for SetCustomerStagingMode {
    type Response = CustomerInfo;
}

// @Route("/accounts", "POST")
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct NewAccount {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_account_id: Option<String>,
}
impl IRequest for NewAccount {
    const NAME: &'static str = "NewAccount";
    const VERB: &'static str = servicestack::HTTP_POST;
}
impl IReturn for NewAccount {
    type Response = AccountInfo;
}

// @Route("/system/settings", "PATCH")
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct PatchSystemSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_fields: Option<Vec<CustomerDataField>>,
}
impl IRequest for PatchSystemSettings {
    const NAME: &'static str = "PatchSystemSettings";
    const VERB: &'static str = servicestack::HTTP_PATCH;
}
impl IReturn for PatchSystemSettings {
    type Response = SystemSettingsInfo;
}
