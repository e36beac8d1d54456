//! The stored form of a customer, built in one place for every write: the changeset of a sparse change, and the
//! full row of a new customer (created one at a time or imported in bulk), which is that changeset with the
//! defaults of what it leaves. The derived columns (the sort keys of the name and the reference, documents as
//! JSON text) are computed here and nowhere else, so the three writes cannot drift apart.

use canopy_domain::{
    customer::IntegrationData,
    patch::{optional_text, CustomerChanges},
    value::Struct,
};
use diesel::prelude::*;

use crate::{rows::to_doc, schema::customers, sort_key, StoreResult};

/// The stored form of the optional documents, keeping `None` as "leave".
fn doc_change<T: serde::Serialize>(value: &Option<T>) -> StoreResult<Option<String>> {
    value.as_ref().map(to_doc).transpose()
}

/// The sort key of a reference; an absent reference is an empty key (not NULL), so that it sorts first without an
/// `IS NULL` term.
fn reference_key(reference_id: Option<&str>) -> String {
    reference_id.map(sort_key).unwrap_or_default()
}

/// Each tag id once, in the order first given: what `customer_tags` holds for a customer, and what its row's
/// `tag_ids` lists.
pub(super) fn distinct_tag_ids(tag_ids: &[String]) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    tag_ids.iter().map(String::as_str).filter(|id| seen.insert(*id)).collect()
}

/// The columns a [`CustomerChanges`] writes: `None` leaves a column as it is, `Some(None)` clears a nullable one.
#[derive(AsChangeset)]
#[diesel(table_name = customers)]
pub(super) struct CustomerChangeset {
    name: Option<String>,
    name_key: Option<String>,
    parent_customer_id: Option<Option<String>>,
    reference_id: Option<Option<String>>,
    reference_key: Option<Option<String>>,
    is_staging: Option<bool>,
    data: Option<String>,
    schedule: Option<Option<String>>,
    integration_data: Option<String>,
    override_billing_settings: Option<bool>,
    billing_settings: Option<Option<String>>,
    override_app_settings: Option<bool>,
    app_settings: Option<Option<String>>,
    /// The customer's tag ids as a JSON array, kept with the row so that a walk reads them without asking
    /// `customer_tags`, which the same write replaces (`write::replace_tags`, or the bulk imports' multi-row
    /// INSERTs of the same deduplicated list).
    tag_ids: Option<String>,
    date_last_modified: String,
    last_modified_by: Option<Option<String>>,
}

impl CustomerChangeset {
    /// What `changes` writes, stamped as modified at `now` by `modified_by`.
    pub(super) fn new(changes: &CustomerChanges, now: String, modified_by: Option<&str>) -> StoreResult<Self> {
        let reference = optional_text(&changes.reference_id);
        Ok(Self {
            name: changes.name.clone(),
            name_key: changes.name.as_deref().map(sort_key),
            parent_customer_id: optional_text(&changes.parent_customer_id).map(|p| p.map(str::to_owned)),
            reference_id: reference.map(|r| r.map(str::to_owned)),
            reference_key: reference.map(|r| Some(reference_key(r))),
            is_staging: changes.is_staging,
            data: doc_change(&changes.data)?,
            // A schedule or settings document is replaced by a change, never removed.
            schedule: doc_change(&changes.schedule)?.map(Some),
            integration_data: doc_change(&changes.integration_data)?,
            override_billing_settings: changes.override_billing_settings,
            billing_settings: doc_change(&changes.billing_settings)?.map(Some),
            override_app_settings: changes.override_app_settings,
            app_settings: doc_change(&changes.app_settings)?.map(Some),
            tag_ids: changes.tag_ids.as_deref().map(|ids| to_doc(&distinct_tag_ids(ids))).transpose()?,
            date_last_modified: now,
            last_modified_by: Some(modified_by.map(str::to_owned)),
        })
    }
}

/// A new customer in its place: what its row holds besides the time and the author of its creation.
pub(super) struct PlacedCustomer<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub parent_customer_id: Option<&'a str>,
    pub path: &'a str,
    pub name: &'a str,
    /// Its own values; the name and the parent are taken from the fields above, not from here.
    pub fields: &'a CustomerChanges,
}

/// Every column of a new customer's row (None is NULL, not the column's default).
#[derive(Insertable)]
#[diesel(table_name = customers, treat_none_as_default_value = false)]
pub(super) struct CustomerInsert {
    id: String,
    account_id: String,
    parent_customer_id: Option<String>,
    path: String,
    name: String,
    name_key: String,
    reference_id: Option<String>,
    reference_key: Option<String>,
    is_staging: bool,
    data: String,
    schedule: Option<String>,
    integration_data: String,
    override_billing_settings: bool,
    billing_settings: Option<String>,
    override_app_settings: bool,
    app_settings: Option<String>,
    date_created: String,
    date_last_modified: String,
    created_by: Option<String>,
    last_modified_by: Option<String>,
    version: i64,
    tag_ids: String,
}

impl CustomerInsert {
    /// The row of `customer`, created at `now` by `created_by`, at version 1: the changeset of its fields, with
    /// the defaults of what they leave (no reference, empty documents, flags off).
    pub(super) fn new(customer: PlacedCustomer<'_>, now: &str, created_by: Option<&str>) -> StoreResult<Self> {
        let values = CustomerChangeset::new(customer.fields, now.to_owned(), created_by)?;
        let reference_id = values.reference_id.flatten();
        Ok(Self {
            id: customer.id.to_owned(),
            account_id: customer.account_id.to_owned(),
            parent_customer_id: customer.parent_customer_id.map(str::to_owned),
            path: customer.path.to_owned(),
            name: customer.name.to_owned(),
            name_key: sort_key(customer.name),
            reference_key: Some(reference_key(reference_id.as_deref())),
            reference_id,
            is_staging: values.is_staging.unwrap_or(false),
            data: values.data.map_or_else(|| to_doc(&Struct::default()), Ok)?,
            schedule: values.schedule.flatten(),
            integration_data: values.integration_data.map_or_else(|| to_doc(&IntegrationData::default()), Ok)?,
            override_billing_settings: values.override_billing_settings.unwrap_or(false),
            billing_settings: values.billing_settings.flatten(),
            override_app_settings: values.override_app_settings.unwrap_or(false),
            app_settings: values.app_settings.flatten(),
            date_created: now.to_owned(),
            date_last_modified: values.date_last_modified,
            created_by: created_by.map(str::to_owned),
            last_modified_by: values.last_modified_by.flatten(),
            version: 1,
            tag_ids: values.tag_ids.unwrap_or_else(|| "[]".to_owned()),
        })
    }
}

impl CustomerInsert {
    /// The row as it will be read back once inserted: what history records of a created customer without a
    /// statement to read it.
    pub(super) fn to_row(&self) -> crate::rows::CustomerRow {
        crate::rows::CustomerRow {
            id: self.id.clone(),
            account_id: self.account_id.clone(),
            parent_customer_id: self.parent_customer_id.clone(),
            path: self.path.clone(),
            name: self.name.clone(),
            reference_id: self.reference_id.clone(),
            is_staging: self.is_staging,
            data: self.data.clone(),
            schedule: self.schedule.clone(),
            integration_data: self.integration_data.clone(),
            override_billing_settings: self.override_billing_settings,
            billing_settings: self.billing_settings.clone(),
            override_app_settings: self.override_app_settings,
            app_settings: self.app_settings.clone(),
            date_created: self.date_created.clone(),
            date_last_modified: self.date_last_modified.clone(),
            created_by: self.created_by.clone(),
            last_modified_by: self.last_modified_by.clone(),
            version: self.version,
        }
    }
}
