//! Accounts (the tenant boundary) and their system settings: the tag catalogue and customer data fields.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::{
    billing::BillingSettings,
    customer::Tag,
    validation::{
        check_http_url, check_length, check_not_blank, FieldError, ValidationErrors, MAX_NAME_LEN, MAX_SHORT_TEXT_LEN,
    },
    value::{Struct, Value},
};

/// An account: the top of a tree of customers and the tenant boundary. Accounts nest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    /// The account's id (opaque; Canopy generates 32 hex digits).
    pub id: String,
    /// The account's name (1 to 200 characters).
    pub name: String,
    /// The parent account's id; absent for a root account, or when the parent lies beyond the caller's reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_account_id: Option<String>,
    /// The ids of the account's ancestors that the caller reaches, root first, the account itself excluded.
    #[serde(default)]
    pub ancestor_ids: Vec<String>,
    /// The account's billing settings, inherited by the customers below it that do not override theirs; absent when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_settings: Option<BillingSettings>,
    /// When the account was created: an ISO 8601 UTC instant with microseconds.
    pub date_created: String,
    /// When the account was last changed: an ISO 8601 UTC instant with microseconds.
    pub date_last_modified: String,
    /// The id of the user who created the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// The id of the user who last changed the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_by: Option<String>,
    // Evo Voice's telephony and branding members, after the members above so that CSV columns keep their places.
    // Stored and returned; Canopy manages no phone numbers or logos, so nothing enforces them.
    /// Evo Voice: the SID of the account's Twilio account (at most 1,000 characters; stored, not used by Canopy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub twilio_account_sid: Option<String>,
    /// Evo Voice: how many phone numbers the account may have (0 or more; 0 when never set; not enforced by Canopy).
    #[serde(default)]
    pub max_phone_numbers: i32,
    /// Evo Voice: whether the account brings its own Twilio account ("BYOA"); false when never set.
    // Evo Voice spells the wire name with a capitalised acronym.
    #[serde(default, rename = "isBYOA")]
    pub is_byoa: bool,
    /// Evo Voice: the SID of the account's Twilio Trust Hub profile (at most 1,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_hub_profile_sid: Option<String>,
    /// Evo Voice: the id of the account's logo (at most 1,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_id: Option<String>,
    /// Evo Voice: the URL of the account's logo, an absolute http or https URL (at most 1,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
}

/// The telephony and branding members of an account as a write carries them (NewAccount, PatchAccount): `None`
/// leaves a member as it is (on create: empty, 0, false); an empty text clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountDetails {
    pub twilio_account_sid: Option<String>,
    pub max_phone_numbers: Option<i32>,
    pub is_byoa: Option<bool>,
    pub trust_hub_profile_sid: Option<String>,
    pub logo_id: Option<String>,
    pub logo_uri: Option<String>,
}

impl AccountDetails {
    /// Texts are short texts, `logoUri` is an absolute http(s) URL or empty, `maxPhoneNumbers` is not negative.
    pub fn validate(&self, errors: &mut ValidationErrors) {
        let texts = [
            ("twilioAccountSid", &self.twilio_account_sid),
            ("trustHubProfileSid", &self.trust_hub_profile_sid),
            ("logoId", &self.logo_id),
            ("logoUri", &self.logo_uri),
        ];
        for (field, value) in texts {
            if let Some(value) = value {
                check_length(field, value, MAX_SHORT_TEXT_LEN, errors);
            }
        }
        if let Some(uri) = &self.logo_uri {
            check_http_url("logoUri", uri, errors);
        }
        if self.max_phone_numbers.is_some_and(|n| n < 0) {
            errors.push(FieldError::new(
                "maxPhoneNumbers",
                "GreaterThanOrEqual",
                "'maxPhoneNumbers' must be greater than or equal to '0'.",
            ));
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The type of a customer data field's values. Date, Time, TimeZoneId and PhoneNumber values are texts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum ValueType {
    #[default]
    String,
    Number,
    Boolean,
    Date,
    Time,
    TimeZoneId,
    PhoneNumber,
    List,
    Struct,
}

/// Whether a customer data field's values must be unique among the customers of its account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum DataFieldUniqueness {
    #[default]
    NotUnique,
    Unique,
}

/// The definition of a customer data field: a member that customers of the account may carry in `data`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerDataField {
    /// An id for the field, stored and returned as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The field's name, its key in a customer's `data`; unique within the account (1 to 200 characters).
    pub name: String,
    /// The type of the field's values; `String` when absent.
    #[serde(default, rename = "type")]
    pub value_type: ValueType,
    /// What the field is for (at most 1,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// For a text field: the values it may take; when absent or empty, any text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub possible_values: Option<Vec<String>>,
    /// The field's default value; it must fit the field's type and possible values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<Value>,
    /// `Unique`: no two customers of the account may hold the same value; `NotUnique` (the default): no such rule.
    #[serde(default)]
    pub uniqueness: DataFieldUniqueness,
}

/// An account's system settings. Both lists are replaced whole on PATCH, as Evo Voice does.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SystemSettings {
    /// The id of the account the settings belong to.
    pub account_id: String,
    /// The account's tag catalogue.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// The definitions of the account's customer data fields.
    #[serde(default)]
    pub customer_fields: Vec<CustomerDataField>,
}

impl SystemSettings {
    pub fn validate_catalogue(tags: &[Tag], fields: &[CustomerDataField]) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut tag_ids = HashSet::new();
        for (i, tag) in tags.iter().enumerate() {
            check_not_blank(&format!("tags[{i}].id"), &tag.id, &mut errors);
            check_length(&format!("tags[{i}].id"), &tag.id, MAX_NAME_LEN, &mut errors);
            check_not_blank(&format!("tags[{i}].name"), &tag.name, &mut errors);
            check_length(&format!("tags[{i}].name"), &tag.name, MAX_NAME_LEN, &mut errors);
            if !tag_ids.insert(tag.id.as_str()) {
                errors.push(FieldError::new(&format!("tags[{i}].id"), "Unique", "tag ids must be unique"));
            }
        }
        let mut names = HashSet::new();
        for (i, field) in fields.iter().enumerate() {
            let path = format!("customerFields[{i}]");
            check_not_blank(&format!("{path}.name"), &field.name, &mut errors);
            check_length(&format!("{path}.name"), &field.name, MAX_NAME_LEN, &mut errors);
            if let Some(description) = &field.description {
                check_length(&format!("{path}.description"), description, MAX_SHORT_TEXT_LEN, &mut errors);
            }
            if !names.insert(field.name.as_str()) {
                errors.push(FieldError::new(&format!("{path}.name"), "Unique", "field names must be unique"));
            }
            if let Some(default) = &field.default_value {
                if let Err(problem) = check_value_against_field(field, default) {
                    errors.push(FieldError::new(&format!("{path}.defaultValue"), "InvalidValue", problem));
                }
            }
        }
        errors.into_result()
    }
}

/// Checks a customer's `data` against its account's field definitions: every key must be a defined field and
/// every value of the field's type (and among its `possibleValues` when those are given).
pub fn validate_customer_data(path: &str, data: &Struct, fields: &[CustomerDataField], errors: &mut ValidationErrors) {
    crate::value::validate_struct(path, data, errors);
    for (key, value) in data {
        let field_path = format!("{path}.{key}");
        match fields.iter().find(|f| f.name == *key) {
            None => errors.push(FieldError::new(
                &field_path,
                "UnknownField",
                format!("'{key}' is not a customer data field of this account"),
            )),
            Some(field) => {
                if let Err(problem) = check_value_against_field(field, value) {
                    errors.push(FieldError::new(&field_path, "InvalidValue", problem));
                }
            }
        }
    }
}

/// The values of `data` that must be unique within the account: (field name, the value's canonical text) for every
/// field declared `Unique` that `data` holds. Equal values give equal texts (numbers and strings as JSON writes
/// them), whatever order or spelling the client used for the rest of the value.
pub fn unique_values(data: &Struct, fields: &[CustomerDataField]) -> Vec<(String, String)> {
    fields
        .iter()
        .filter(|f| f.uniqueness == DataFieldUniqueness::Unique)
        .filter_map(|f| {
            let value = data.get(&f.name)?;
            let canonical = serde_json::to_string(value).ok()?;
            Some((f.name.clone(), canonical))
        })
        .collect()
}

fn check_value_against_field(field: &CustomerDataField, value: &Value) -> Result<(), String> {
    let kind_ok = match field.value_type {
        ValueType::String | ValueType::Date | ValueType::Time | ValueType::TimeZoneId | ValueType::PhoneNumber => {
            value.string_value.is_some()
        }
        ValueType::Number => value.number_value.is_some(),
        ValueType::Boolean => value.bool_value.is_some(),
        ValueType::List => value.list_value.is_some(),
        ValueType::Struct => value.struct_value.is_some(),
    };
    if !kind_ok {
        return Err(format!("'{}' holds a value of type {:?}", field.name, field.value_type));
    }
    if let (Some(possible), Some(s)) = (&field.possible_values, &value.string_value) {
        if !possible.is_empty() && !possible.iter().any(|p| p == s) {
            return Err(format!("'{s}' is not one of the possible values of '{}'", field.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier_field() -> CustomerDataField {
        CustomerDataField {
            name: "Tier".into(),
            value_type: ValueType::String,
            possible_values: Some(vec!["Gold".into(), "Silver".into()]),
            ..CustomerDataField::default()
        }
    }

    #[test]
    fn data_must_use_defined_fields_of_the_right_type() {
        let mut data = Struct::new();
        data.insert("Tier".into(), Value::number(3.0));
        data.insert("Unknown".into(), Value::string("x"));
        let mut errors = ValidationErrors::default();
        validate_customer_data("data", &data, &[tier_field()], &mut errors);
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["data.Tier", "data.Unknown"]);
    }

    #[test]
    fn account_details_are_checked_and_named() {
        let fine = AccountDetails {
            twilio_account_sid: Some("AC0123".into()),
            max_phone_numbers: Some(0),
            logo_uri: Some(String::new()),
            ..AccountDetails::default()
        };
        let mut errors = ValidationErrors::default();
        fine.validate(&mut errors);
        assert!(errors.is_empty(), "{errors}");
        let bad = AccountDetails {
            max_phone_numbers: Some(-1),
            logo_uri: Some("ftp://example.com/logo.png".into()),
            logo_id: Some("x".repeat(MAX_SHORT_TEXT_LEN + 1)),
            ..AccountDetails::default()
        };
        let mut errors = ValidationErrors::default();
        bad.validate(&mut errors);
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["logoId", "logoUri", "maxPhoneNumbers"]);
    }

    #[test]
    fn the_byoa_member_keeps_its_wire_spelling() {
        let json = serde_json::to_value(AccountInfo { is_byoa: true, ..AccountInfo::default() }).expect("json");
        assert_eq!(json["isBYOA"], true);
    }

    #[test]
    fn possible_values_are_enforced() {
        let mut data = Struct::new();
        data.insert("Tier".into(), Value::string("Bronze"));
        let mut errors = ValidationErrors::default();
        validate_customer_data("data", &data, &[tier_field()], &mut errors);
        assert_eq!(errors.0.len(), 1);
        data.insert("Tier".into(), Value::string("Gold"));
        let mut errors = ValidationErrors::default();
        validate_customer_data("data", &data, &[tier_field()], &mut errors);
        assert!(errors.is_empty());
    }
}
