//! App (portal) settings of a customer.

use serde::{Deserialize, Serialize};

use crate::validation::{check_http_url, check_length, ValidationErrors, MAX_LONG_TEXT_LEN, MAX_SHORT_TEXT_LEN};

/// A customer's portal settings (Evo Voice's app settings). Absent flags read as false.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppSettings {
    /// Whether the portal offers phone number management.
    #[serde(default)]
    pub enable_phone_number_management: bool,
    /// Whether the portal offers device management.
    #[serde(default)]
    pub enable_device_management: bool,
    /// Whether the portal offers the dialer.
    #[serde(default)]
    pub enable_dialer: bool,
    /// Whether the portal offers the call history.
    #[serde(default)]
    pub enable_call_history: bool,
    /// Whether the portal offers assistants.
    #[serde(default)]
    pub enable_assistants: bool,
    /// Whether the portal's message center shows file names.
    #[serde(default)]
    pub show_file_name_in_message_center: bool,
    /// Evo Voice: the portal's Chakra UI theme (at most 1,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chakra_theme: Option<String>,
    /// Evo Voice: custom CSS for the portal (at most 100,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_css: Option<String>,
    /// The portal's page title (at most 1,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_title: Option<String>,
    /// Evo Voice: the portal's string mappings, as one text (at most 100,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_mappings: Option<String>,
    /// Where the portal sends users who log out: empty or an http or https URL (at most 1,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logout_url: Option<String>,
    /// Evo Voice: the portal's link for porting a number: empty or an http or https URL (at most 1,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_my_number_url: Option<String>,
}

impl AppSettings {
    pub fn validate(&self, path: &str, errors: &mut ValidationErrors) {
        let short = [("chakraTheme", &self.chakra_theme), ("pageTitle", &self.page_title)];
        for (name, value) in short {
            if let Some(value) = value {
                check_length(&format!("{path}.{name}"), value, MAX_SHORT_TEXT_LEN, errors);
            }
        }
        let long = [("customCss", &self.custom_css), ("stringMappings", &self.string_mappings)];
        for (name, value) in long {
            if let Some(value) = value {
                check_length(&format!("{path}.{name}"), value, MAX_LONG_TEXT_LEN, errors);
            }
        }
        let urls = [("logoutUrl", &self.logout_url), ("portMyNumberUrl", &self.port_my_number_url)];
        for (name, value) in urls {
            if let Some(value) = value {
                let field = format!("{path}.{name}");
                check_length(&field, value, MAX_SHORT_TEXT_LEN, errors);
                check_http_url(&field, value, errors);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_or_https() {
        for (url, ok) in [
            ("https://portal.example.com/bye", true),
            ("http://example.com", true),
            ("", true),
            ("javascript:alert(1)", false),
            ("ftp://example.com", false),
            ("not a url", false),
        ] {
            let settings = AppSettings { logout_url: Some(url.into()), ..AppSettings::default() };
            let mut errors = ValidationErrors::default();
            settings.validate("appSettings", &mut errors);
            assert_eq!(errors.is_empty(), ok, "{url}");
            if !ok {
                assert_eq!(errors.0[0].field, "appSettings.logoutUrl");
            }
        }
    }
}
