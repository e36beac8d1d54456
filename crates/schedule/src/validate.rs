//! Write-time validation: the "refused at write time" list of docs/schedules.md, every error naming its field by
//! wire path (`schedule.rules[2].byMonthDay`).

use canopy_domain::schedule::MAX_RULES_PER_SCHEDULE;
use canopy_domain::validation::{check_length, FieldError, ValidationErrors, MAX_LONG_TEXT_LEN, MAX_NAME_LEN};
use canopy_domain::value::validate_struct;
use canopy_domain::{Schedule, SchedulingRule, SchedulingRuleFrequency, SimpleSchedulingRuleType};

use crate::parse::{non_empty, parse_date, parse_time};
use crate::recur::Freq;
use crate::rule::{compile_time_rule, CompiledTime};
use crate::tz::resolve_time_zone;

/// The largest `count` accepted. With `count`, occurrences are counted from `startDate` at every evaluation.
pub const MAX_COUNT: i32 = 10_000;
/// With `count`, the walk from `startDate` to the last counted occurrence may visit at most this many periods
/// (years, months, weeks, days, hours, …); beyond, the rule is refused (use `untilDate`).
pub const MAX_COUNT_WALK_PERIODS: u64 = 100_000;
/// A rule may open at most this many windows in any 400 days (an upper estimate from its fields), so that a
/// `nextChange` search over 400 days stays cheap.
pub const MAX_WINDOWS_PER_RULE: u64 = 50_000;
/// The same bound for all the rules of a schedule together.
pub const MAX_WINDOWS_PER_SCHEDULE: u64 = 200_000;

fn err(errors: &mut ValidationErrors, field: &str, code: &str, message: impl Into<String>) {
    errors.push(FieldError::new(field, code, message));
}

/// Validates a schedule as it is about to be stored (or tested). `path` is the wire path of the schedule itself,
/// e.g. `"schedule"`; errors name `"{path}.rules[2].byMonthDay"`.
pub fn validate(schedule: &Schedule, path: &str) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    if let Some(id) = non_empty(&schedule.time_zone_id) {
        if resolve_time_zone(id).is_none() {
            err(
                &mut errors,
                &format!("{path}.timeZoneId"),
                "InvalidValue",
                format!("unknown time zone '{id}': use an IANA id such as 'Europe/Brussels' or a Windows id such as 'Romance Standard Time'"),
            );
        }
    }
    if let Some(state) = &schedule.default_state {
        check_length(&format!("{path}.defaultState"), state, MAX_NAME_LEN, &mut errors);
    }
    let rules = schedule.rules.as_deref().unwrap_or_default();
    if rules.len() > MAX_RULES_PER_SCHEDULE {
        err(
            &mut errors,
            &format!("{path}.rules"),
            "Length",
            format!("a schedule holds at most {MAX_RULES_PER_SCHEDULE} rules"),
        );
    }
    let mut total_windows = 0_u64;
    for (index, rule) in rules.iter().enumerate() {
        let rule_path = format!("{path}.rules[{index}]");
        let before = errors.0.len();
        validate_rule(rule, &rule_path, &mut errors);
        if errors.0.len() == before {
            total_windows = total_windows.saturating_add(estimated_windows(rule));
        }
    }
    if total_windows > MAX_WINDOWS_PER_SCHEDULE {
        err(
            &mut errors,
            &format!("{path}.rules"),
            "TooExpensive",
            format!(
                "the rules together could open about {total_windows} windows in 400 days; at most {MAX_WINDOWS_PER_SCHEDULE} are accepted"
            ),
        );
    }
    errors.into_result()
}

/// Validates one rule; `path` is `schedule.rules[i]`.
pub fn validate_rule(rule: &SchedulingRule, path: &str, errors: &mut ValidationErrors) {
    let field = |name: &str| format!("{path}.{name}");
    let before = errors.0.len();
    for (name, value, max) in [
        ("id", &rule.id, MAX_NAME_LEN),
        ("name", &rule.name, MAX_NAME_LEN),
        ("state", &rule.state, MAX_NAME_LEN),
        ("customerState", &rule.customer_state, MAX_NAME_LEN),
        ("flowId", &rule.flow_id, MAX_NAME_LEN),
        ("source", &rule.source, MAX_LONG_TEXT_LEN),
        ("condition", &rule.condition, MAX_LONG_TEXT_LEN),
    ] {
        if let Some(value) = value {
            check_length(&field(name), value, max, errors);
        }
    }
    if let Some(params) = &rule.flow_params {
        validate_struct(&field("flowParams"), params, errors);
    }
    if rule.simple_rule_type != SimpleSchedulingRuleType::Time {
        return;
    }

    let start_date = match non_empty(&rule.start_date) {
        None => {
            err(errors, &field("startDate"), "NotEmpty", "a Time rule needs a startDate (YYYY-MM-DD)");
            None
        }
        Some(text) => {
            let parsed = parse_date(text);
            if parsed.is_none() {
                err(errors, &field("startDate"), "InvalidValue", format!("'{text}' is not a date (YYYY-MM-DD)"));
            }
            parsed
        }
    };
    if !rule.is_all_day {
        let mut times = [None, None];
        for (slot, (name, value)) in
            [("startTime", &rule.start_time), ("endTime", &rule.end_time)].into_iter().enumerate()
        {
            if let Some(text) = non_empty(value) {
                times[slot] = parse_time(text);
                if times[slot].is_none() {
                    err(
                        errors,
                        &field(name),
                        "InvalidValue",
                        format!("'{text}' is not a time of day (HH:mm or HH:mm:ss)"),
                    );
                }
            }
        }
        if let [Some(start), Some(end)] = times {
            if start == end {
                err(
                    errors,
                    &field("endTime"),
                    "InvalidValue",
                    "endTime equals startTime: the window would be empty (for a whole day use isAllDay)",
                );
            }
        }
    }
    if rule.frequency == SchedulingRuleFrequency::None {
        return;
    }
    validate_recurrence(rule, path, start_date, before, errors);
}

fn freq_of(frequency: SchedulingRuleFrequency) -> Option<Freq> {
    Some(match frequency {
        SchedulingRuleFrequency::None => return None,
        SchedulingRuleFrequency::Secondly => Freq::Secondly,
        SchedulingRuleFrequency::Minutely => Freq::Minutely,
        SchedulingRuleFrequency::Hourly => Freq::Hourly,
        SchedulingRuleFrequency::Daily => Freq::Daily,
        SchedulingRuleFrequency::Weekly => Freq::Weekly,
        SchedulingRuleFrequency::Monthly => Freq::Monthly,
        SchedulingRuleFrequency::Yearly => Freq::Yearly,
    })
}

pub(crate) fn rule_freq(rule: &SchedulingRule) -> Option<Freq> {
    freq_of(rule.frequency)
}

fn check_range(errors: &mut ValidationErrors, field: &str, values: &[i32], min: i32, max: i32, allow_negative: bool) {
    let bad: Vec<String> = values
        .iter()
        .filter(|v| {
            let v = **v;
            let magnitude_ok =
                if allow_negative { v != 0 && v.abs() >= min && v.abs() <= max } else { v >= min && v <= max };
            !magnitude_ok
        })
        .map(ToString::to_string)
        .collect();
    if !bad.is_empty() {
        let range = if allow_negative { format!("{min}..{max} or -{max}..-{min}") } else { format!("{min}..{max}") };
        err(errors, field, "InclusiveBetween", format!("values must be in {range}; got {}", bad.join(", ")));
    }
}

fn validate_recurrence(
    rule: &SchedulingRule,
    path: &str,
    start_date: Option<chrono::NaiveDate>,
    errors_before: usize,
    errors: &mut ValidationErrors,
) {
    let field = |name: &str| format!("{path}.{name}");
    let Some(freq) = rule_freq(rule) else { return };
    if rule.interval < 0 {
        err(errors, &field("interval"), "GreaterThanOrEqual", "interval must be 0 (meaning 1) or more");
    }
    if rule.count < 0 {
        err(errors, &field("count"), "GreaterThanOrEqual", "count must be 0 (meaning no count) or more");
    } else if rule.count > MAX_COUNT {
        err(errors, &field("count"), "LessThanOrEqual", format!("count must be at most {MAX_COUNT}; use untilDate"));
    }
    if let Some(text) = non_empty(&rule.until_date) {
        match parse_date(text) {
            None => err(errors, &field("untilDate"), "InvalidValue", format!("'{text}' is not a date (YYYY-MM-DD)")),
            Some(until) => {
                if rule.count > 0 {
                    err(errors, &field("untilDate"), "InvalidValue", "count and untilDate cannot be used together");
                }
                if start_date.is_some_and(|start| until < start) {
                    err(errors, &field("untilDate"), "InvalidValue", "untilDate is before startDate");
                }
            }
        }
    }
    let list = |v: &Option<Vec<i32>>| v.clone().unwrap_or_default();
    let by_month = list(&rule.by_month);
    let by_month_day = list(&rule.by_month_day);
    let by_year_day = list(&rule.by_year_day);
    let by_week_no = list(&rule.by_week_no);
    let by_hour = list(&rule.by_hour);
    let by_minute = list(&rule.by_minute);
    let by_set_pos = list(&rule.by_set_position);
    let by_day = rule.by_day.clone().unwrap_or_default();

    check_range(errors, &field("byMonth"), &by_month, 1, 12, false);
    check_range(errors, &field("byMonthDay"), &by_month_day, 1, 31, true);
    check_range(errors, &field("byYearDay"), &by_year_day, 1, 366, true);
    check_range(errors, &field("byWeekNo"), &by_week_no, 1, 53, true);
    check_range(errors, &field("byHour"), &by_hour, 0, 23, false);
    check_range(errors, &field("byMinute"), &by_minute, 0, 59, false);
    check_range(errors, &field("bySetPosition"), &by_set_pos, 1, 366, true);

    let offsets: Vec<i32> = by_day.iter().map(|d| d.offset).filter(|o| *o != 0).collect();
    if !offsets.is_empty() {
        match freq {
            Freq::Monthly => check_range(errors, &field("byDay"), &offsets, 1, 5, true),
            Freq::Yearly if !by_week_no.is_empty() => err(
                errors,
                &field("byDay"),
                "InvalidValue",
                "byDay offsets cannot be combined with byWeekNo (RFC 5545)",
            ),
            Freq::Yearly => check_range(errors, &field("byDay"), &offsets, 1, 53, true),
            _ => err(
                errors,
                &field("byDay"),
                "InvalidValue",
                "byDay offsets are only allowed with Monthly or Yearly frequency (RFC 5545)",
            ),
        }
    }
    if !by_month_day.is_empty() && freq == Freq::Weekly {
        err(errors, &field("byMonthDay"), "InvalidValue", "byMonthDay cannot be used with Weekly frequency (RFC 5545)");
    }
    if !by_year_day.is_empty() && matches!(freq, Freq::Daily | Freq::Weekly | Freq::Monthly) {
        err(
            errors,
            &field("byYearDay"),
            "InvalidValue",
            "byYearDay cannot be used with Daily, Weekly or Monthly frequency (RFC 5545)",
        );
    }
    if !by_week_no.is_empty() && freq != Freq::Yearly {
        err(errors, &field("byWeekNo"), "InvalidValue", "byWeekNo can only be used with Yearly frequency (RFC 5545)");
    }
    let other_by = !by_month.is_empty()
        || !by_month_day.is_empty()
        || !by_year_day.is_empty()
        || !by_week_no.is_empty()
        || !by_hour.is_empty()
        || !by_minute.is_empty()
        || !by_day.is_empty();
    if !by_set_pos.is_empty() && !other_by {
        err(
            errors,
            &field("bySetPosition"),
            "InvalidValue",
            "bySetPosition needs another BY list (byDay, byMonthDay, …) to select from (RFC 5545)",
        );
    }
    if errors.0.len() > errors_before {
        return;
    }

    // Cost bounds (only meaningful once the rule is otherwise valid).
    let windows = estimated_windows(rule);
    if windows > MAX_WINDOWS_PER_RULE {
        err(
            errors,
            &field("frequency"),
            "TooExpensive",
            format!(
                "this rule could open about {windows} windows in 400 days; at most {MAX_WINDOWS_PER_RULE} are accepted (raise interval or narrow the BY lists)"
            ),
        );
    }
    if rule.count > 0 {
        if let Ok(CompiledTime::Recurring(recurrence)) = compile_time_rule(rule).map(|t| t.kind) {
            if recurrence.count_walk_periods(MAX_COUNT_WALK_PERIODS).is_none() {
                err(
                    errors,
                    &field("count"),
                    "TooExpensive",
                    format!(
                        "the count is not reached within {MAX_COUNT_WALK_PERIODS} periods from startDate; use untilDate instead"
                    ),
                );
            }
        }
    }
}

/// An upper estimate of how many windows a valid Time rule can open in any 400 days.
pub fn estimated_windows(rule: &SchedulingRule) -> u64 {
    if rule.simple_rule_type != SimpleSchedulingRuleType::Time {
        return 0;
    }
    let Some(freq) = rule_freq(rule) else { return 1 };
    let len = |v: &Option<Vec<i32>>| -> u64 {
        let mut values = v.clone().unwrap_or_default();
        values.sort_unstable();
        values.dedup();
        values.len() as u64
    };
    let or_one = |n: u64| n.max(1);
    let interval = u64::try_from(rule.interval.max(1)).unwrap_or(1);
    let hours = len(&rule.by_hour);
    let minutes = len(&rule.by_minute);
    let by_day = rule.by_day.clone().unwrap_or_default();
    let plain_days = {
        let mut d: Vec<_> = by_day.iter().filter(|d| d.offset == 0).map(|d| d.day_of_week as u8).collect();
        d.sort_unstable();
        d.dedup();
        d.len() as u64
    };
    let nth_days = by_day.iter().filter(|d| d.offset != 0).count() as u64;
    const SECONDS: u64 = 400 * 86_400;
    let (periods, per_period) = match freq {
        Freq::Secondly | Freq::Minutely | Freq::Hourly => {
            let unit = match freq {
                Freq::Secondly => 1,
                Freq::Minutely => 60,
                _ => 3600,
            };
            let mut periods = SECONDS / (unit * interval) + 1;
            // Hours (and, finer than hourly, minutes) outside the BY lists are skipped, not visited.
            if hours > 0 {
                periods = periods * hours / 24 + 1;
            }
            if freq != Freq::Hourly && minutes > 0 {
                periods = periods * minutes / 60 + 1;
            }
            let per_period = if freq == Freq::Hourly { or_one(minutes) } else { 1 };
            (periods, per_period)
        }
        Freq::Daily => (400 / interval + 1, or_one(hours) * or_one(minutes)),
        Freq::Weekly => (400 / (7 * interval) + 2, or_one(plain_days).min(7) * or_one(hours) * or_one(minutes)),
        Freq::Monthly => {
            let days = len(&rule.by_month_day) + plain_days * 5 + nth_days;
            (400 / (28 * interval) + 2, or_one(days).min(31) * or_one(hours) * or_one(minutes))
        }
        Freq::Yearly => {
            let months = or_one(len(&rule.by_month)).min(12);
            let mut days = len(&rule.by_year_day)
                + len(&rule.by_month_day) * months
                + plain_days * 53
                + nth_days * months
                + len(&rule.by_week_no) * 7;
            if days == 0 {
                days = months;
            }
            (400 / (365 * interval) + 2, days.min(366) * or_one(hours) * or_one(minutes))
        }
    };
    let set_pos = len(&rule.by_set_position);
    let per_period = if set_pos > 0 { per_period.min(set_pos) } else { per_period };
    let mut windows = periods.saturating_mul(per_period);
    if rule.count > 0 {
        windows = windows.min(u64::try_from(rule.count).unwrap_or(0));
    }
    windows
}
