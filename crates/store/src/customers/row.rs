//! The stored form of a customer's values.

use diesel::prelude::*;

use crate::{rows::to_doc, schema::customers, StoreResult};

/// The stored form of the optional documents, keeping `None` as "leave".
pub(super) fn doc_change<T: serde::Serialize>(value: &Option<T>) -> StoreResult<Option<String>> {
    value.as_ref().map(to_doc).transpose()
}

#[derive(AsChangeset)]
#[diesel(table_name = customers)]
pub(super) struct CustomerChangeset {
    pub(super) name: Option<String>,
    pub(super) name_key: Option<String>,
    pub(super) parent_customer_id: Option<Option<String>>,
    pub(super) reference_id: Option<Option<String>>,
    pub(super) reference_key: Option<Option<String>>,
    pub(super) is_staging: Option<bool>,
    pub(super) data: Option<String>,
    pub(super) schedule: Option<Option<String>>,
    pub(super) integration_data: Option<String>,
    pub(super) override_billing_settings: Option<bool>,
    pub(super) billing_settings: Option<Option<String>>,
    pub(super) override_app_settings: Option<bool>,
    pub(super) app_settings: Option<Option<String>>,
    pub(super) date_last_modified: String,
    pub(super) last_modified_by: Option<Option<String>>,
}
