//! The shapes of a customer's schedule, exactly as Evo Voice publishes them.
//!
//! These types only carry data; evaluation and the write-time rules live in the `canopy-schedule` crate.
//! Scalars that are non-nullable in Evo Voice's .NET DTOs (`priority`, `interval`, `count`, the booleans and the
//! enums) default to 0 / false / the first member when absent, as a .NET server would read them.

use serde::{Deserialize, Serialize};

use crate::value::Struct;

/// A business-hours schedule: rules that give a customer its state ("Business Hours", "Holiday", …) at any instant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    /// The IANA time zone id the rules are read in (common Windows ids accepted); empty: the zone of the customers above, else UTC.
    // Empty text is read as absent: both mean the zone above, and keeping one form means a schedule read back from
    // a spreadsheet (which cannot tell the two apart) is the schedule that was exported.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "empty_as_absent")]
    pub time_zone_id: Option<String>,
    /// Whether the customer uses its parent's effective schedule instead of this one (a top-level customer uses its own).
    #[serde(default)]
    pub inherit: bool,
    /// When true, the state is `Closed` whatever the rules say.
    #[serde(default)]
    pub force_closed: bool,
    /// The rules, tried by ascending `priority` (ties in list order); the first that matches gives the state. At most 200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<SchedulingRule>>,
    /// The state when no rule matches (at most 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_state: Option<String>,
}

/// An optional text where `""` means the same as no text at all.
fn empty_as_absent<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.filter(|text| !text.is_empty()))
}

/// What a scheduling rule matches on: always, the parent customer's state, or time windows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum SimpleSchedulingRuleType {
    #[default]
    Always,
    CustomerState,
    Time,
}

/// How a Time rule repeats, as iCalendar's FREQ; `None`: one window, on the start date.
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

/// A day of the week.
// .NET's `System.DayOfWeek`, names on the wire.
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

/// A BYDAY entry of a recurrence: a weekday, or its n-th occurrence in the month or year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleDay {
    /// 0: every such weekday of the period; +n or -n: the n-th from the start or end of the month (Monthly, 1 to 5) or year (Yearly, 1 to 53).
    #[serde(default)]
    pub offset: i32,
    /// The weekday; `Sunday` when absent.
    #[serde(default)]
    pub day_of_week: DayOfWeek,
}

/// One rule of a schedule: when it matches, and the state it then gives.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulingRule {
    /// The rule's id (at most 200 characters), answered as `ruleId` by TestSchedule when the rule decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The rule's name (at most 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Rules are tried by ascending priority, equal priorities in list order; 0 when absent.
    #[serde(default)]
    pub priority: i32,
    /// The state the rule gives when it matches: any text, such as "Business Hours" (at most 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Evo Voice: the source text of the rule; stored and returned, not used by Canopy (at most 100,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// A scripted condition: Canopy does not run it, so a rule with one never matches and is listed in warnings (at most 100,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// What the rule matches on: `Always`, `CustomerState` or `Time`; `Always` when absent.
    #[serde(default)]
    pub simple_rule_type: SimpleSchedulingRuleType,
    /// For a CustomerState rule: the state of the owner's parent customer that makes it match, ignoring case (at most 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_state: Option<String>,
    /// The id of the flow associated with the rule, answered by TestSchedule when the rule decides (at most 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<String>,
    /// Parameters for that flow, as dynamic data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_params: Option<Struct>,
    /// For a Time rule: its windows are whole days, from 00:00 to the next 00:00.
    #[serde(default)]
    pub is_all_day: bool,
    /// For a Time rule (required there): the first date, YYYY-MM-DD; of a full date-time only the date is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// For a Time rule: when each window starts, HH:mm or HH:mm:ss on the schedule's local clock; 00:00 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// For a Time rule: when each window ends, HH:mm or HH:mm:ss; not after the start: the next day; empty: the next midnight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// BYSETPOS: which of each period's candidates count, ±1 to ±366; only together with another BY list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_set_position: Option<Vec<i32>>,
    /// BYMONTH: months of the year, 1 to 12.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_month: Option<Vec<i32>>,
    /// BYWEEKNO: weeks of the year, ±1 to ±53; Yearly rules only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_week_no: Option<Vec<i32>>,
    /// BYYEARDAY: days of the year, ±1 to ±366; not with Daily, Weekly or Monthly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_year_day: Option<Vec<i32>>,
    /// BYMONTHDAY: days of the month, ±1 to ±31; not with Weekly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_month_day: Option<Vec<i32>>,
    /// BYDAY: weekdays, with offsets only on Monthly and Yearly rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_day: Option<Vec<ScheduleDay>>,
    /// BYHOUR: hours of the day, 0 to 23.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_hour: Option<Vec<i32>>,
    /// BYMINUTE: minutes of the hour, 0 to 59.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_minute: Option<Vec<i32>>,
    /// INTERVAL: every n-th period (0 or more; 0 means 1).
    #[serde(default)]
    pub interval: i32,
    /// COUNT: how many occurrences, at most 10,000; 0 means no limit. Not together with `untilDate`.
    #[serde(default)]
    pub count: i32,
    /// UNTIL: the last date an occurrence may start on (inclusive), YYYY-MM-DD; not before `startDate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_date: Option<String>,
    /// FREQ: how the rule repeats; `None` (the default): one window, on `startDate`.
    #[serde(default)]
    pub frequency: SchedulingRuleFrequency,
}

/// Rules and schedules accepted at write time are bounded so that evaluation stays cheap.
pub const MAX_RULES_PER_SCHEDULE: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_time_zone_reads_as_none_as_its_absence_does() {
        let empty: Schedule = serde_json::from_str(r#"{"timeZoneId":""}"#).expect("reads");
        let absent: Schedule = serde_json::from_str("{}").expect("reads");
        assert_eq!(empty, absent);
        assert_eq!(empty.time_zone_id, None);
        let named: Schedule = serde_json::from_str(r#"{"timeZoneId":"Europe/Paris"}"#).expect("reads");
        assert_eq!(named.time_zone_id.as_deref(), Some("Europe/Paris"));
    }
}
