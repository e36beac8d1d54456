//! Keyset paging for walks: each chunk starts after the last row of the one before.

use canopy_domain::listing::{CustomerSortField, SortOrder};
use diesel::prelude::*;

use super::filter::BoolExpr;
use crate::{rows::CustomerRow, schema::customers, sort_key};

/// The non-null text columns a walk can page through by key.
#[derive(Debug, Clone, Copy)]
pub(super) enum KeyColumn {
    NameKey,
    ReferenceKey,
    Id,
    AccountId,
    DateCreated,
    DateLastModified,
}

impl KeyColumn {
    pub(super) fn key_of(self, row: &CustomerRow) -> String {
        match self {
            KeyColumn::NameKey => sort_key(&row.name),
            KeyColumn::ReferenceKey => row.reference_id.as_deref().map(sort_key).unwrap_or_default(),
            KeyColumn::Id => row.id.clone(),
            KeyColumn::AccountId => row.account_id.clone(),
            KeyColumn::DateCreated => row.date_created.clone(),
            KeyColumn::DateLastModified => row.date_last_modified.clone(),
        }
    }
}

pub(super) fn keyset_column(field: CustomerSortField) -> Option<KeyColumn> {
    match field {
        CustomerSortField::Name => Some(KeyColumn::NameKey),
        CustomerSortField::Id => Some(KeyColumn::Id),
        CustomerSortField::AccountId => Some(KeyColumn::AccountId),
        CustomerSortField::DateCreated => Some(KeyColumn::DateCreated),
        CustomerSortField::DateLastModified => Some(KeyColumn::DateLastModified),
        CustomerSortField::ReferenceId => Some(KeyColumn::ReferenceKey),
        CustomerSortField::ParentCustomerId | CustomerSortField::IsStaging => None,
    }
}

/// Rows after `(key, id)` in the order `ordered` gives. The redundant bound on the key alone (`key >= k AND (key > k
/// OR key = k AND id > i)`) is what lets PostgreSQL start the index scan at the key: with the `OR` alone it filters
/// from the first row of the index on, so chunk n re-read the n thousand rows before it (a whole export was
/// quadratic: 100,000 customers read 5 million index entries).
pub(super) fn after_key(column: KeyColumn, order: SortOrder, key: &str, id: &str) -> BoolExpr<'static> {
    macro_rules! after {
        ($col:expr) => {
            match order {
                SortOrder::Ascend => Box::new(
                    $col.ge(key.to_owned())
                        .and($col.gt(key.to_owned()).or($col.eq(key.to_owned()).and(customers::id.gt(id.to_owned())))),
                ),
                SortOrder::Descend => Box::new(
                    $col.le(key.to_owned())
                        .and($col.lt(key.to_owned()).or($col.eq(key.to_owned()).and(customers::id.lt(id.to_owned())))),
                ),
            }
        };
    }
    match column {
        KeyColumn::NameKey => after!(customers::name_key),
        KeyColumn::ReferenceKey => after!(customers::reference_key.assume_not_null()),
        KeyColumn::AccountId => after!(customers::account_id),
        KeyColumn::DateCreated => after!(customers::date_created),
        KeyColumn::DateLastModified => after!(customers::date_last_modified),
        KeyColumn::Id => match order {
            SortOrder::Ascend => Box::new(customers::id.gt(id.to_owned())),
            SortOrder::Descend => Box::new(customers::id.lt(id.to_owned())),
        },
    }
}
