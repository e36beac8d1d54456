//! Listing rules shared by every list endpoint: sort fields, sort order, page limits and page arithmetic.

use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, ValidationErrors};

pub const DEFAULT_COUNT_PER_PAGE: u32 = 25;
pub const MAX_COUNT_PER_PAGE: u32 = 1_000;
/// Longest list accepted in a filter (`specificIds`, `tagIds`, …): enough for any screen, small enough for one
/// SQL statement on both backends.
pub const MAX_FILTER_IDS: usize = 1_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum SortOrder {
    #[default]
    Ascend,
    Descend,
}

/// The customer fields a list can be sorted by. Text fields sort case-insensitively; ties break on `id` so
/// that paging is stable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CustomerSortField {
    #[default]
    Name,
    Id,
    ReferenceId,
    AccountId,
    ParentCustomerId,
    IsStaging,
    DateCreated,
    DateLastModified,
}

impl CustomerSortField {
    pub const ALL: [CustomerSortField; 8] = [
        CustomerSortField::Name,
        CustomerSortField::Id,
        CustomerSortField::ReferenceId,
        CustomerSortField::AccountId,
        CustomerSortField::ParentCustomerId,
        CustomerSortField::IsStaging,
        CustomerSortField::DateCreated,
        CustomerSortField::DateLastModified,
    ];

    pub fn wire_name(self) -> &'static str {
        match self {
            CustomerSortField::Name => "name",
            CustomerSortField::Id => "id",
            CustomerSortField::ReferenceId => "referenceId",
            CustomerSortField::AccountId => "accountId",
            CustomerSortField::ParentCustomerId => "parentCustomerId",
            CustomerSortField::IsStaging => "isStaging",
            CustomerSortField::DateCreated => "dateCreated",
            CustomerSortField::DateLastModified => "dateLastModified",
        }
    }

    /// Parses a client's `sortField`, case-insensitively; empty means the default.
    pub fn parse(text: &str) -> Result<Self, ValidationErrors> {
        parse_sort_field(text, &Self::ALL, Self::wire_name)
    }
}

/// The account fields a list can be sorted by: the same rules as for customers (text ignores case, ties break on
/// `id`, absent values first when ascending).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AccountSortField {
    #[default]
    Name,
    Id,
    ParentAccountId,
    DateCreated,
    DateLastModified,
}

impl AccountSortField {
    pub const ALL: [AccountSortField; 5] = [
        AccountSortField::Name,
        AccountSortField::Id,
        AccountSortField::ParentAccountId,
        AccountSortField::DateCreated,
        AccountSortField::DateLastModified,
    ];

    pub fn wire_name(self) -> &'static str {
        match self {
            AccountSortField::Name => "name",
            AccountSortField::Id => "id",
            AccountSortField::ParentAccountId => "parentAccountId",
            AccountSortField::DateCreated => "dateCreated",
            AccountSortField::DateLastModified => "dateLastModified",
        }
    }

    /// Parses a client's `sortField`, case-insensitively; empty means the default.
    pub fn parse(text: &str) -> Result<Self, ValidationErrors> {
        parse_sort_field(text, &Self::ALL, Self::wire_name)
    }
}

/// One `sortField` rule for every list: case-insensitive, empty means the default, anything else is a 400
/// `InvalidSortField` on `sortField` that names the fields allowed.
fn parse_sort_field<F: Copy + Default>(
    text: &str,
    all: &[F],
    wire_name: fn(F) -> &'static str,
) -> Result<F, ValidationErrors> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(F::default());
    }
    all.iter().copied().find(|f| wire_name(*f).eq_ignore_ascii_case(text)).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|f| wire_name(*f)).collect();
        ValidationErrors::single(
            "sortField",
            "InvalidSortField",
            format!("'{text}' is not a sortable field; use one of {}", names.join(", ")),
        )
    })
}

/// Which slice of the results a request wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// Everything, no totals needed beyond the count of what is returned.
    All,
    /// One page; `simplified` skips the total count and reports only whether more pages follow.
    Page { page: u32, count_per_page: u32, simplified: bool },
}

impl Paging {
    /// Builds the paging from a client's raw values: `countPerPage` 0 or absent means the default.
    pub fn from_request(
        page: Option<i64>,
        count_per_page: Option<i64>,
        all: bool,
        simplified: bool,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let page = page.unwrap_or(0);
        if page < 0 || page > i64::from(u32::MAX / 2) {
            errors.push(FieldError::new("page", "GreaterThanOrEqual", "page is 0-based and must be >= 0"));
        }
        let count = count_per_page.unwrap_or(0);
        if count < 0 || count > i64::from(MAX_COUNT_PER_PAGE) {
            errors.push(FieldError::new(
                "countPerPage",
                "InclusiveBetween",
                format!("countPerPage must be between 1 and {MAX_COUNT_PER_PAGE}"),
            ));
        }
        errors.into_result()?;
        if all {
            return Ok(Paging::All);
        }
        let count_per_page = if count == 0 { DEFAULT_COUNT_PER_PAGE } else { count as u32 };
        Ok(Paging::Page { page: page as u32, count_per_page, simplified })
    }

    /// `(offset, limit)` for the page query; `limit` is one more than the page when only "is there more?" is
    /// needed, so that one query answers both.
    pub fn window(self) -> Option<(u64, u64)> {
        match self {
            Paging::All => None,
            Paging::Page { page, count_per_page, simplified } => {
                let offset = u64::from(page) * u64::from(count_per_page);
                let limit = u64::from(count_per_page) + u64::from(simplified);
                Some((offset, limit))
            }
        }
    }
}

/// The totals of a list response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageTotals {
    pub total_count: Option<u64>,
    pub total_pages: Option<u64>,
    pub has_more_pages: bool,
}

impl PageTotals {
    /// Totals for a page, given the full count (when it was computed) and how many rows the page query found.
    pub fn compute(paging: Paging, total_count: Option<u64>, rows_found: usize) -> Self {
        match paging {
            Paging::All => Self {
                total_count: Some(rows_found as u64),
                total_pages: Some(u64::from(rows_found > 0)),
                has_more_pages: false,
            },
            Paging::Page { page, count_per_page, simplified: true } => {
                let _ = page;
                Self { total_count: None, total_pages: None, has_more_pages: rows_found > count_per_page as usize }
            }
            Paging::Page { page, count_per_page, simplified: false } => {
                let total = total_count.unwrap_or(0);
                let per = u64::from(count_per_page);
                let pages = total.div_ceil(per);
                Self {
                    total_count: Some(total),
                    total_pages: Some(pages),
                    has_more_pages: (u64::from(page) + 1) * per < total,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_fields_parse_case_insensitively_and_unknown_ones_are_named() {
        assert_eq!(CustomerSortField::parse("DATECREATED"), Ok(CustomerSortField::DateCreated));
        assert_eq!(CustomerSortField::parse(""), Ok(CustomerSortField::Name));
        let err = CustomerSortField::parse("password").expect_err("unknown field");
        assert_eq!(err.0[0].field, "sortField");
        assert_eq!(AccountSortField::parse("ParentAccountID"), Ok(AccountSortField::ParentAccountId));
        assert_eq!(AccountSortField::parse(" "), Ok(AccountSortField::Name));
        let err = AccountSortField::parse("referenceId").expect_err("not an account field");
        assert_eq!((err.0[0].field.as_str(), err.0[0].code.as_str()), ("sortField", "InvalidSortField"));
    }

    #[test]
    fn page_totals_round_up_and_know_the_last_page() {
        let paging = Paging::Page { page: 3, count_per_page: 25, simplified: false };
        let totals = PageTotals::compute(paging, Some(100), 25);
        assert_eq!(totals.total_pages, Some(4));
        assert!(!totals.has_more_pages);
        let paging = Paging::Page { page: 2, count_per_page: 25, simplified: false };
        assert!(PageTotals::compute(paging, Some(101), 25).has_more_pages);
        assert_eq!(PageTotals::compute(paging, Some(101), 25).total_pages, Some(5));
    }

    #[test]
    fn simplified_paging_looks_one_row_ahead() {
        let paging = Paging::Page { page: 0, count_per_page: 10, simplified: true };
        assert_eq!(paging.window(), Some((0, 11)));
        assert!(PageTotals::compute(paging, None, 11).has_more_pages);
        assert!(!PageTotals::compute(paging, None, 10).has_more_pages);
    }

    #[test]
    fn count_per_page_is_bounded() {
        assert!(Paging::from_request(None, Some(1001), false, false).is_err());
        assert!(Paging::from_request(None, Some(-1), false, false).is_err());
        assert!(Paging::from_request(Some(-1), None, false, false).is_err());
        assert_eq!(
            Paging::from_request(None, Some(0), false, false),
            Ok(Paging::Page { page: 0, count_per_page: 25, simplified: false })
        );
    }
}
