//! Validation errors that name the offending field by its wire path (`billingSettings.base.unitCost`,
//! `schedule.rules[2].byMonthDay`), so that clients can show them next to the right input.

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FieldError {
    /// The wire path of the field, camelCase, with list indices: `schedule.rules[2].byMonthDay`.
    pub field: String,
    /// A short machine-readable code (`NotEmpty`, `Length`, `InvalidValue`, …).
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self { field: field.to_owned(), code: code.to_owned(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every problem found in one request, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was found, so validators can end with `errors.into_result()`.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    pub fn single(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, code, message)])
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for ValidationErrors {}

/// Limits on free text. Generous for humans, small enough that one row stays cheap to store and render.
pub const MAX_NAME_LEN: usize = 200;
pub const MAX_REFERENCE_ID_LEN: usize = 200;
pub const MAX_SHORT_TEXT_LEN: usize = 1_000;
pub const MAX_LONG_TEXT_LEN: usize = 100_000;

/// Checks a string's length in characters (not bytes), as users count them.
pub fn check_length(field: &str, value: &str, max: usize, errors: &mut ValidationErrors) {
    use validator::ValidateLength;
    if !value.validate_length(None, Some(max as u64), None) {
        errors.push(FieldError::new(field, "Length", format!("must be at most {max} characters")));
    }
}

/// A list's `nameFilter`: at most a name's length (a longer one matches nothing, and costs the database more).
pub fn check_name_filter(name_filter: Option<&str>) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    if let Some(name) = name_filter {
        check_length("nameFilter", name, MAX_NAME_LEN, &mut errors);
    }
    errors.into_result()
}

/// Checks that a required string holds something other than white space.
pub fn check_not_blank(field: &str, value: &str, errors: &mut ValidationErrors) {
    if value.trim().is_empty() {
        errors.push(FieldError::new(field, "NotEmpty", format!("'{field}' must not be empty.")));
    }
}

/// An absolute http(s) URL, or empty (meaning "not set").
pub fn check_http_url(field: &str, value: &str, errors: &mut ValidationErrors) {
    use validator::ValidateUrl;
    if value.is_empty() {
        return;
    }
    let lower = value.to_ascii_lowercase();
    let http = lower.starts_with("http://") || lower.starts_with("https://");
    if !http || !value.validate_url() {
        errors.push(FieldError::new(field, "Url", "must be an absolute http:// or https:// URL"));
    }
}
