//! Bulk import (ImportCustomers): one row of an import file as it is read back from what export writes, what an
//! import answers, and the pure parts of planning one (row naming, parent-first order).
//!
//! Every input format (ServiceStack CSV, JSON, JSON lines) is reduced to one [`ImportedCustomer`] per row before
//! anything else happens, so what a row means does not depend on the format it came in.

use serde::{Deserialize, Serialize};

use crate::{
    billing::BillingSettings, customer::IntegrationData, patch::CustomerChanges, schedule::Schedule,
    settings::AppSettings, value::Struct,
};

/// The most rows one import may hold: past it, the whole import is refused before anything is written.
pub const MAX_IMPORT_ROWS: usize = 100_000;

/// A tag as export writes it (`{id, name, color}`); only its id is read, the catalogue owns the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct TagRef {
    pub id: String,
}

/// One customer of an import file: the members of `CustomerInfo` that a customer owns, plus
/// `parentReferenceId`. Derived and bookkeeping members that export also writes (`accountName`, `breadcrumb`,
/// the dates, `createdBy`, `lastModifiedBy`, `effective`) are not declared, so reading ignores them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImportedCustomer {
    /// Matches an existing customer of the account; a new customer keeps it (when it is free).
    pub id: Option<String>,
    /// The account the row was exported from; another account than the import's makes the row a copy.
    pub account_id: Option<String>,
    /// The parent: a row's `id` in the same file, or an existing customer of the account.
    pub parent_customer_id: Option<String>,
    /// The parent by its `referenceId`: a row of the same file, or an existing customer of the account.
    pub parent_reference_id: Option<String>,
    pub is_staging: Option<bool>,
    pub name: Option<String>,
    pub reference_id: Option<String>,
    pub data: Option<Struct>,
    /// As export writes them; only the ids are read.
    pub tags: Option<Vec<TagRef>>,
    /// As PatchCustomer takes them; wins over `tags` and `tagNames` when given.
    pub tag_ids: Option<Vec<String>>,
    /// Tags by name, as the flat (spreadsheet) CSV writes them; the import resolves them against the account's
    /// catalogue. Wins over `tags`.
    pub tag_names: Option<Vec<String>>,
    pub schedule: Option<Schedule>,
    pub integration_data: Option<IntegrationData>,
    pub override_billing_settings: Option<bool>,
    pub billing_settings: Option<BillingSettings>,
    pub override_app_settings: Option<bool>,
    pub app_settings: Option<AppSettings>,
}

/// What names a row, its parent and its tags, for the import to resolve, apart from the values it sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowKeys {
    pub id: Option<String>,
    pub account_id: Option<String>,
    pub parent_customer_id: Option<String>,
    pub parent_reference_id: Option<String>,
    /// Tags named rather than given by id (the flat CSV): the import turns them into the change's `tag_ids`.
    pub tag_names: Option<Vec<String>>,
}

fn non_blank(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

impl ImportedCustomer {
    /// The row's keys, and the values it sets as a sparse change (the parent is left out: the import resolves
    /// it). An explicit `parentCustomerId: ""` (JSON only; an empty CSV cell is absent) makes it top-level.
    pub fn into_parts(self) -> (RowKeys, CustomerChanges) {
        let top_level = self.parent_customer_id.as_deref() == Some("");
        let keys = RowKeys {
            id: non_blank(self.id),
            account_id: non_blank(self.account_id),
            parent_customer_id: if top_level { Some(String::new()) } else { non_blank(self.parent_customer_id) },
            parent_reference_id: non_blank(self.parent_reference_id),
            tag_names: if self.tag_ids.is_some() { None } else { self.tag_names.clone() },
        };
        let tag_ids = match (self.tag_ids, &self.tag_names) {
            (Some(ids), _) => Some(ids),
            (None, Some(_)) => None,
            (None, None) => self.tags.map(|tags| tags.into_iter().map(|t| t.id).collect()),
        };
        let changes = CustomerChanges {
            name: self.name,
            parent_customer_id: None,
            reference_id: self.reference_id,
            data: self.data,
            tag_ids,
            schedule: self.schedule,
            override_billing_settings: self.override_billing_settings,
            billing_settings: self.billing_settings,
            override_app_settings: self.override_app_settings,
            app_settings: self.app_settings,
            integration_data: self.integration_data,
            is_staging: self.is_staging,
        };
        (keys, changes)
    }
}

/// The wire name of a row's field in errors: `rows[12].billingSettings.base.allowance`. Rows count from 1, the
/// first customer of the file (the first record after a CSV header, the first item of a JSON list, the first
/// non-blank line of JSON lines).
pub fn row_field(row: usize, field: &str) -> String {
    if field.is_empty() {
        format!("rows[{row}]")
    } else {
        format!("rows[{row}].{field}")
    }
}

/// What an import did (or, for a dry run, would do) with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum ImportAction {
    /// A new customer.
    Created,
    /// An existing customer, changed.
    Updated,
    /// An existing customer that already held every value the row gives.
    Unchanged,
    /// Refused, or below a refused row, and not imported (`skipRefusedRows=true`; see `refused`).
    Skipped,
}

/// One row's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportedRow {
    /// The row's number in the file, counting from 1.
    pub row: usize,
    /// The customer the row created or matched (a created customer's new id when the row's id was not kept).
    pub id: String,
    /// Created, Updated or Unchanged.
    pub action: ImportAction,
}

/// What ImportCustomers answers: how many rows created, updated or left customers unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportCustomersResponse {
    /// Customers created.
    pub created: u64,
    /// Existing customers changed.
    pub updated: u64,
    /// Existing customers that already held every value their row gives (not written, no history).
    pub unchanged: u64,
    /// True when nothing was written (`dryRun=true`): the counts say what the import would do.
    pub dry_run: bool,
    /// Rows not imported with `skipRefusedRows=true`: refused, or below a refused row.
    #[serde(default)]
    pub skipped: u64,
    /// Why each skipped row was refused (`skipRefusedRows=true`), as `responseStatus.errors` would name it: its
    /// error code, its field (`rows[12].billingSettings.base.allowance`) and a message; sorted by row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<RowRefusal>,
    /// Each row's outcome, in file order; only with `includeRows=true`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<ImportedRow>,
}

impl ImportCustomersResponse {
    /// Counts one row's outcome.
    pub fn count(&mut self, action: ImportAction) {
        match action {
            ImportAction::Created => self.created += 1,
            ImportAction::Updated => self.updated += 1,
            ImportAction::Unchanged => self.unchanged += 1,
            ImportAction::Skipped => self.skipped += 1,
        }
    }
}

/// One refusal of a row that was skipped, in the shape of ServiceStack's `ResponseError`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RowRefusal {
    /// Why, as a code: `NotFound`, `Cycle`, `ParentRefused` (below a refused row), … as the all-or-nothing 400 names it.
    pub error_code: String,
    /// The row and its member: `rows[3].tagIds[0]`.
    pub field_name: String,
    /// Why, in words.
    pub message: String,
}

impl From<crate::FieldError> for RowRefusal {
    fn from(error: crate::FieldError) -> Self {
        Self { error_code: error.code, field_name: error.field, message: error.message }
    }
}

/// Orders rows so that every row comes after the row that is its parent (`parents[i]` is the index of row `i`'s
/// parent row, if its parent is a row of the same file), keeping file order otherwise. Answers the order, and the
/// rows on or below a cycle (which no order can place), in file order.
pub fn parent_first_order(parents: &[Option<usize>]) -> (Vec<usize>, Vec<usize>) {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); parents.len()];
    let mut roots = Vec::new();
    for (row, parent) in parents.iter().enumerate() {
        match parent {
            Some(parent) if *parent < parents.len() => children[*parent].push(row),
            _ => roots.push(row),
        }
    }
    let mut order = Vec::with_capacity(parents.len());
    // Depth first from each root, without recursion (a file may be one long chain).
    let mut stack: Vec<usize> = roots.into_iter().rev().collect();
    while let Some(row) = stack.pop() {
        order.push(row);
        stack.extend(children[row].iter().rev());
    }
    let mut placed = vec![false; parents.len()];
    for row in &order {
        placed[*row] = true;
    }
    let cyclic = (0..parents.len()).filter(|row| !placed[*row]).collect();
    (order, cyclic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_come_first_whatever_the_file_order() {
        // 0 → child of 2, 1 → root, 2 → child of 1, 3 → child of 0.
        let (order, cyclic) = parent_first_order(&[Some(2), None, Some(1), Some(0)]);
        assert_eq!(order, vec![1, 2, 0, 3]);
        assert!(cyclic.is_empty());
    }

    #[test]
    fn rows_on_or_under_a_cycle_are_named() {
        let (order, cyclic) = parent_first_order(&[Some(1), Some(0), None, Some(1), Some(3)]);
        assert_eq!(order, vec![2]);
        assert_eq!(cyclic, vec![0, 1, 3, 4]);
        let (_, own_parent) = parent_first_order(&[Some(0)]);
        assert_eq!(own_parent, vec![0]);
    }

    #[test]
    fn tags_as_exported_become_tag_ids_and_derived_members_are_ignored() {
        let row: ImportedCustomer = serde_json::from_value(serde_json::json!({
            "id": "c1", "name": "Acme", "breadcrumb": [{"id": "p", "name": "P"}], "dateCreated": "x",
            "tags": [{"id": "vip", "name": "VIP", "color": "Gold"}], "parentCustomerId": ""
        }))
        .expect("reads");
        let (keys, changes) = row.into_parts();
        assert_eq!(keys.parent_customer_id.as_deref(), Some(""));
        assert_eq!(changes.tag_ids, Some(vec!["vip".to_owned()]));
        assert_eq!(row_field(3, "name"), "rows[3].name");
    }
}
