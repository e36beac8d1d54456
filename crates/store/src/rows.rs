//! Rows as stored, and their conversion to the domain's shapes. Documents (data, schedule, settings) are stored
//! as JSON text: both backends hold it, and the store never queries inside them.

use canopy_domain::{AccountInfo, CustomerBreadcrumb, CustomerInfo, Tag, TagColor};
use diesel::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

use crate::{
    schema::{accounts, customers, tags},
    StoreError, StoreResult,
};

/// Names by id (of customers, or of accounts), shared rather than copied: a walk hands the same ancestor's name
/// to every chunk that needs it.
pub(crate) type Names = std::collections::HashMap<std::sync::Arc<str>, std::sync::Arc<str>>;

pub(crate) fn to_doc<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn from_doc<T: DeserializeOwned>(column: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

pub(crate) fn from_optional_doc<T: DeserializeOwned>(column: &str, text: Option<&str>) -> StoreResult<Option<T>> {
    text.map(|t| from_doc(column, t)).transpose()
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = customers)]
pub(crate) struct CustomerRow {
    pub id: String,
    pub account_id: String,
    pub parent_customer_id: Option<String>,
    pub path: String,
    pub name: String,
    pub reference_id: Option<String>,
    pub is_staging: bool,
    pub data: String,
    pub schedule: Option<String>,
    pub integration_data: String,
    pub override_billing_settings: bool,
    pub billing_settings: Option<String>,
    pub override_app_settings: bool,
    pub app_settings: Option<String>,
    pub date_created: String,
    pub date_last_modified: String,
    pub created_by: Option<String>,
    pub last_modified_by: Option<String>,
    pub version: i64,
}

impl CustomerRow {
    /// The customer as users see it; `name_of` answers the names of (at least) its ancestors, asked for once each
    /// from the root down.
    pub fn into_info(
        self,
        account_name: Option<String>,
        tags: Vec<Tag>,
        name_of: &mut dyn FnMut(&str) -> Option<String>,
    ) -> StoreResult<CustomerInfo> {
        let breadcrumb = canopy_domain::hierarchy::ancestors(&self.path)
            .map(|id| CustomerBreadcrumb { id: id.to_owned(), name: name_of(id).unwrap_or_default() })
            .collect();
        Ok(CustomerInfo {
            data: from_doc("data", &self.data)?,
            schedule: from_optional_doc("schedule", self.schedule.as_deref())?,
            integration_data: from_doc("integration_data", &self.integration_data)?,
            billing_settings: from_optional_doc("billing_settings", self.billing_settings.as_deref())?,
            app_settings: from_optional_doc("app_settings", self.app_settings.as_deref())?,
            id: self.id,
            account_id: self.account_id,
            account_name,
            parent_customer_id: self.parent_customer_id,
            breadcrumb,
            is_staging: self.is_staging,
            name: self.name,
            reference_id: self.reference_id,
            tags,
            override_billing_settings: self.override_billing_settings,
            override_app_settings: self.override_app_settings,
            date_created: self.date_created,
            date_last_modified: self.date_last_modified,
            created_by: self.created_by,
            last_modified_by: self.last_modified_by,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub(crate) struct AccountRow {
    pub id: String,
    pub name: String,
    pub parent_account_id: Option<String>,
    pub path: String,
    pub billing_settings: Option<String>,
    pub date_created: String,
    pub date_last_modified: String,
    pub created_by: Option<String>,
    pub last_modified_by: Option<String>,
    pub twilio_account_sid: Option<String>,
    pub max_phone_numbers: i32,
    pub is_byoa: bool,
    pub trust_hub_profile_sid: Option<String>,
    pub logo_id: Option<String>,
    pub logo_uri: Option<String>,
}

impl AccountRow {
    pub fn into_info(self) -> StoreResult<AccountInfo> {
        Ok(AccountInfo {
            ancestor_ids: canopy_domain::hierarchy::ancestor_ids(&self.path).into_iter().map(str::to_owned).collect(),
            billing_settings: from_optional_doc("billing_settings", self.billing_settings.as_deref())?,
            id: self.id,
            name: self.name,
            parent_account_id: self.parent_account_id,
            date_created: self.date_created,
            date_last_modified: self.date_last_modified,
            created_by: self.created_by,
            last_modified_by: self.last_modified_by,
            twilio_account_sid: self.twilio_account_sid,
            max_phone_numbers: self.max_phone_numbers,
            is_byoa: self.is_byoa,
            trust_hub_profile_sid: self.trust_hub_profile_sid,
            logo_id: self.logo_id,
            logo_uri: self.logo_uri,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tags)]
pub(crate) struct TagRow {
    pub account_id: String,
    pub id: String,
    pub name: String,
    pub color: String,
    pub position: i32,
}

impl TagRow {
    pub fn into_tag(self) -> StoreResult<Tag> {
        let color: TagColor = serde_json::from_value(serde_json::Value::String(self.color.clone()))
            .map_err(|_| StoreError::Corrupt(format!("tag color '{}'", self.color)))?;
        Ok(Tag { id: self.id, name: self.name, color })
    }
}

pub(crate) fn color_text(color: TagColor) -> StoreResult<String> {
    match serde_json::to_value(color) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(StoreError::Corrupt("tag color".into())),
    }
}
