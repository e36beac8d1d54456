//! The shapes of a customer's schedule, exactly as Evo Voice publishes them.
//!
//! These types only carry data; evaluation and the write-time rules live in the `canopy-schedule` crate.
//! Scalars that are non-nullable in Evo Voice's .NET DTOs (`priority`, `interval`, `count`, the booleans and the
//! enums) default to 0 / false / the first member when absent, as a .NET server would read them.

use serde::{Deserialize, Serialize};

use crate::value::Struct;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone_id: Option<String>,
    #[serde(default)]
    pub inherit: bool,
    #[serde(default)]
    pub force_closed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<SchedulingRule>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_state: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum SimpleSchedulingRuleType {
    #[default]
    Always,
    CustomerState,
    Time,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum SchedulingRuleFrequency {
    #[default]
    None,
    Secondly,
    Minutely,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// .NET's `System.DayOfWeek`, names on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum DayOfWeek {
    #[default]
    Sunday,
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
}

/// A `BYDAY` entry: `offset` 0 means every such weekday of the period, ±n the n-th from its start or end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleDay {
    #[serde(default)]
    pub offset: i32,
    #[serde(default)]
    pub day_of_week: DayOfWeek,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulingRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub priority: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(default)]
    pub simple_rule_type: SimpleSchedulingRuleType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_params: Option<Struct>,
    #[serde(default)]
    pub is_all_day: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_set_position: Option<Vec<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_month: Option<Vec<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_week_no: Option<Vec<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_year_day: Option<Vec<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_month_day: Option<Vec<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_day: Option<Vec<ScheduleDay>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_hour: Option<Vec<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_minute: Option<Vec<i32>>,
    #[serde(default)]
    pub interval: i32,
    #[serde(default)]
    pub count: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_date: Option<String>,
    #[serde(default)]
    pub frequency: SchedulingRuleFrequency,
}

/// Rules and schedules accepted at write time are bounded so that evaluation stays cheap.
pub const MAX_RULES_PER_SCHEDULE: usize = 200;
