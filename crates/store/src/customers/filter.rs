//! Query building: a filter and a reach turned into one SQL query, and its order.

use canopy_domain::{
    access::Reach,
    hierarchy::subtree_upper_bound,
    listing::{CustomerSortField, SortOrder},
};
use diesel::{prelude::*, sql_types::Bool};

use super::{CustomerFilter, BIND_CHUNK};
use crate::{
    connection::{AnyConnection, Db},
    schema::{customer_tags, customers},
    sort_key, StoreResult,
};

/// A filter with the ids it names already turned into paths, so that the query can be built twice (count and
/// page) without touching the database again.
pub(super) struct ResolvedFilter {
    filter: CustomerFilter,
    name_pattern: Option<String>,
    /// Paths of the named parents that exist; `None` when no parent filter was given.
    parent_paths: Option<Vec<String>>,
    reach_accounts: Option<Vec<String>>,
    reach_paths: Option<Vec<String>>,
    /// The ids of the subtrees a caller reaches, when it reaches subtrees: its top level.
    reach_roots: Option<Vec<String>>,
}

pub(super) type BoxedCustomers<'a> = customers::BoxedQuery<'a, Db>;
pub(super) type BoolExpr<'a> = Box<dyn BoxableExpression<customers::table, Db, SqlType = Bool> + 'a>;

/// The rows whose path lies in one of the subtrees at `paths` (`include_roots`: the subtree roots too). Combined
/// as a balanced tree of ORs, because SQLite limits expression depth.
fn within_any<'a>(paths: &'a [String], include_roots: bool) -> BoolExpr<'a> {
    match paths {
        [] => Box::new(diesel::dsl::sql::<Bool>("1 = 0")),
        [path] => {
            let upper = subtree_upper_bound(path);
            if include_roots {
                Box::new(customers::path.ge(path.as_str()).and(customers::path.lt(upper)))
            } else {
                Box::new(customers::path.gt(path.as_str()).and(customers::path.lt(upper)))
            }
        }
        _ => {
            let (left, right) = paths.split_at(paths.len() / 2);
            Box::new(within_any(left, include_roots).or(within_any(right, include_roots)))
        }
    }
}

/// Escapes LIKE's wildcards so that a user's `%` or `_` matches itself.
fn like_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in sort_key(needle).chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl ResolvedFilter {
    pub(super) fn query(&self) -> BoxedCustomers<'_> {
        let f = &self.filter;
        let mut q = customers::table.into_boxed();
        if let Some(accounts) = &self.reach_accounts {
            q = q.filter(customers::account_id.eq_any(accounts));
        }
        if let Some(paths) = &self.reach_paths {
            q = q.filter(within_any(paths, true));
        }
        if !f.account_ids.is_empty() {
            q = q.filter(customers::account_id.eq_any(&f.account_ids));
        }
        if let Some(pattern) = &self.name_pattern {
            q = q.filter(customers::name_key.like(pattern).escape('\\'));
        }
        if let Some(paths) = &self.parent_paths {
            q = if f.shallow_parent {
                q.filter(customers::parent_customer_id.eq_any(&f.parent_customer_ids))
            } else {
                q.filter(within_any(paths, false))
            };
        }
        for tag in &f.tag_ids {
            let carrying =
                customer_tags::table.filter(customer_tags::tag_id.eq(tag)).select(customer_tags::customer_id);
            q = q.filter(customers::id.eq_any(carrying));
        }
        if !f.specific_ids.is_empty() {
            q = q.filter(customers::id.eq_any(&f.specific_ids));
        }
        if !f.reference_ids.is_empty() {
            q = q.filter(customers::reference_id.eq_any(&f.reference_ids));
        }
        if f.top_level_only {
            q = match &self.reach_roots {
                Some(roots) => q.filter(customers::id.eq_any(roots)),
                None => q.filter(customers::parent_customer_id.is_null()),
            };
        }
        q
    }
}

/// Orders by the sort field, then by id so that pages never overlap or skip. NULLs sort first in ascending
/// order on both backends (they disagree by default).
pub(super) fn ordered(q: BoxedCustomers<'_>, field: CustomerSortField, order: SortOrder) -> BoxedCustomers<'_> {
    macro_rules! by {
        ($col:expr) => {
            match order {
                SortOrder::Ascend => q.order_by($col.asc()).then_order_by(customers::id.asc()),
                SortOrder::Descend => q.order_by($col.desc()).then_order_by(customers::id.desc()),
            }
        };
    }
    macro_rules! by_nullable {
        ($col:expr) => {
            match order {
                SortOrder::Ascend => {
                    q.order_by($col.is_null().desc()).then_order_by($col.asc()).then_order_by(customers::id.asc())
                }
                SortOrder::Descend => {
                    q.order_by($col.is_null().asc()).then_order_by($col.desc()).then_order_by(customers::id.desc())
                }
            }
        };
    }
    match field {
        CustomerSortField::Name => by!(customers::name_key),
        CustomerSortField::Id => match order {
            SortOrder::Ascend => q.order_by(customers::id.asc()),
            SortOrder::Descend => q.order_by(customers::id.desc()),
        },
        // An absent reference is stored as an empty key, so it sorts first ascending without an IS NULL term.
        CustomerSortField::ReferenceId => by!(customers::reference_key.assume_not_null()),
        CustomerSortField::AccountId => by!(customers::account_id),
        CustomerSortField::ParentCustomerId => by_nullable!(customers::parent_customer_id),
        CustomerSortField::IsStaging => by!(customers::is_staging),
        CustomerSortField::DateCreated => by!(customers::date_created),
        CustomerSortField::DateLastModified => by!(customers::date_last_modified),
    }
}

/// Paths of the customers among `ids` that exist.
fn paths_of(conn: &mut AnyConnection, ids: &[String]) -> StoreResult<Vec<String>> {
    let mut paths = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(BIND_CHUNK) {
        let found: Vec<String> =
            customers::table.filter(customers::id.eq_any(chunk)).select(customers::path).load(conn)?;
        paths.extend(found);
    }
    Ok(paths)
}

pub(super) fn resolve_filter(
    conn: &mut AnyConnection,
    filter: &CustomerFilter,
    reach: &Reach,
) -> StoreResult<ResolvedFilter> {
    let parent_paths =
        if filter.parent_customer_ids.is_empty() { None } else { Some(paths_of(conn, &filter.parent_customer_ids)?) };
    let (reach_accounts, reach_paths) = match reach {
        Reach::Everything => (None, None),
        Reach::Accounts(ids) => (Some(ids.clone()), None),
        Reach::Subtrees { customers: ids, .. } => (None, Some(paths_of(conn, ids)?)),
    };
    Ok(ResolvedFilter {
        name_pattern: filter.name_filter.as_deref().filter(|s| !s.is_empty()).map(like_pattern),
        filter: filter.clone(),
        parent_paths,
        reach_accounts,
        reach_paths,
        reach_roots: match reach {
            Reach::Subtrees { customers: ids, .. } => Some(ids.clone()),
            _ => None,
        },
    })
}
