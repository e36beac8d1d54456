//! Canopy's domain model.
//!
//! Every type here is named and cased as it travels on the wire (ServiceStack camelCase, Evo Voice's field
//! names), because these are the shapes users read and write. The crate knows nothing of HTTP, SQL or time
//! sources: callers pass in "now" and identities, and get back decisions and validation errors.

pub mod access;
pub mod account;
pub mod billing;
pub mod customer;
pub mod hierarchy;
pub mod history;
pub mod import;
pub mod listing;
mod number;
pub mod patch;
pub mod schedule;
pub mod settings;
pub mod throttle;
pub mod user;
pub mod validation;
pub mod value;

pub use account::{AccountDetails, AccountInfo, CustomerDataField, DataFieldUniqueness, SystemSettings, ValueType};
pub use billing::{BillingItem, BillingSettings};
pub use customer::{CustomerBreadcrumb, CustomerInfo, IntegrationData, IntegrationRef, Tag, TagColor};
pub use schedule::{
    DayOfWeek, Schedule, ScheduleDay, SchedulingRule, SchedulingRuleFrequency, SimpleSchedulingRuleType,
};
pub use settings::AppSettings;
pub use user::{ManagerAccess, Role};
pub use validation::{FieldError, ValidationErrors};
pub use value::{Struct, Value};
