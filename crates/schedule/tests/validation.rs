//! Write-time validation: every item of the "refused at write time" list of docs/schedules.md, with the field
//! named.

use canopy_domain::{
    DayOfWeek, Schedule, ScheduleDay, SchedulingRule, SchedulingRuleFrequency, SimpleSchedulingRuleType,
};
use canopy_schedule::validate;

fn time_rule() -> SchedulingRule {
    SchedulingRule {
        simple_rule_type: SimpleSchedulingRuleType::Time,
        state: Some("Open".into()),
        start_date: Some("2024-05-01".into()),
        start_time: Some("09:00".into()),
        end_time: Some("17:00".into()),
        frequency: SchedulingRuleFrequency::Daily,
        ..Default::default()
    }
}

fn with_rules(rules: Vec<SchedulingRule>) -> Schedule {
    Schedule { time_zone_id: Some("Europe/Brussels".into()), rules: Some(rules), ..Default::default() }
}

/// The fields named by the errors of a schedule holding `rule` (at index 0), or empty when it is valid.
fn refused(rule: SchedulingRule) -> Vec<String> {
    match validate(&with_rules(vec![rule]), "schedule") {
        Ok(()) => Vec::new(),
        Err(errors) => errors.0.into_iter().map(|e| e.field).collect(),
    }
}

fn field(name: &str) -> Vec<String> {
    vec![format!("schedule.rules[0].{name}")]
}

#[test]
fn a_plain_valid_schedule_is_accepted() {
    assert_eq!(refused(time_rule()), Vec::<String>::new());
    assert!(validate(&Schedule::default(), "schedule").is_ok());
}

#[test]
fn unknown_time_zones_are_refused_and_iana_or_windows_ids_accepted() {
    let mut s = with_rules(vec![]);
    s.time_zone_id = Some("Mars/Olympus".into());
    let errors = validate(&s, "customer.schedule").expect_err("refused");
    assert_eq!(errors.0[0].field, "customer.schedule.timeZoneId");
    for ok in ["Europe/Brussels", "Eastern Standard Time", "", "UTC", "Lord Howe Standard Time"] {
        s.time_zone_id = Some(ok.into());
        assert!(validate(&s, "schedule").is_ok(), "{ok}");
    }
}

#[test]
fn a_time_rule_without_start_date_is_refused() {
    assert_eq!(refused(SchedulingRule { start_date: None, ..time_rule() }), field("startDate"));
    assert_eq!(refused(SchedulingRule { start_date: Some(" ".into()), ..time_rule() }), field("startDate"));
}

#[test]
fn malformed_dates_and_times_are_refused() {
    assert_eq!(refused(SchedulingRule { start_date: Some("2023-02-29".into()), ..time_rule() }), field("startDate"));
    assert_eq!(refused(SchedulingRule { start_time: Some("9h".into()), ..time_rule() }), field("startTime"));
    assert_eq!(refused(SchedulingRule { end_time: Some("24:00".into()), ..time_rule() }), field("endTime"));
    assert_eq!(refused(SchedulingRule { until_date: Some("soon".into()), ..time_rule() }), field("untilDate"));
    assert_eq!(
        refused(SchedulingRule { start_date: Some("2024-05-01T08:00:00Z".into()), ..time_rule() }),
        Vec::<String>::new()
    );
}

#[test]
fn negative_interval_and_count_are_refused() {
    assert_eq!(refused(SchedulingRule { interval: -1, ..time_rule() }), field("interval"));
    assert_eq!(refused(SchedulingRule { count: -1, ..time_rule() }), field("count"));
}

#[test]
fn count_and_until_date_together_are_refused() {
    let rule = SchedulingRule { count: 3, until_date: Some("2024-06-01".into()), ..time_rule() };
    assert_eq!(refused(rule), field("untilDate"));
}

#[test]
fn until_date_before_start_date_is_refused_but_the_same_day_is_accepted() {
    assert_eq!(refused(SchedulingRule { until_date: Some("2024-04-30".into()), ..time_rule() }), field("untilDate"));
    assert!(refused(SchedulingRule { until_date: Some("2024-05-01".into()), ..time_rule() }).is_empty());
}

#[test]
fn equal_start_and_end_times_are_refused_unless_the_rule_is_all_day() {
    let same = SchedulingRule { start_time: Some("09:00".into()), end_time: Some("09:00:00".into()), ..time_rule() };
    assert_eq!(refused(same.clone()), field("endTime"));
    assert!(refused(SchedulingRule { is_all_day: true, ..same }).is_empty());
}

#[test]
fn by_values_out_of_their_rfc_ranges_are_refused_naming_the_list() {
    let yearly = SchedulingRule { frequency: SchedulingRuleFrequency::Yearly, ..time_rule() };
    let cases: Vec<(&str, SchedulingRule)> = vec![
        ("byMonth", SchedulingRule { by_month: Some(vec![0]), ..yearly.clone() }),
        ("byMonth", SchedulingRule { by_month: Some(vec![13]), ..yearly.clone() }),
        ("byMonthDay", SchedulingRule { by_month_day: Some(vec![32]), ..yearly.clone() }),
        ("byMonthDay", SchedulingRule { by_month_day: Some(vec![0]), ..yearly.clone() }),
        ("byYearDay", SchedulingRule { by_year_day: Some(vec![-367]), ..yearly.clone() }),
        ("byWeekNo", SchedulingRule { by_week_no: Some(vec![54]), ..yearly.clone() }),
        ("byHour", SchedulingRule { by_hour: Some(vec![24]), ..yearly.clone() }),
        ("byMinute", SchedulingRule { by_minute: Some(vec![60]), ..yearly.clone() }),
        (
            "bySetPosition",
            SchedulingRule { by_set_position: Some(vec![367]), by_month: Some(vec![1]), ..yearly.clone() },
        ),
        (
            "byDay",
            SchedulingRule {
                by_day: Some(vec![ScheduleDay { offset: 54, day_of_week: DayOfWeek::Monday }]),
                ..yearly.clone()
            },
        ),
        (
            "byDay",
            SchedulingRule {
                frequency: SchedulingRuleFrequency::Monthly,
                by_day: Some(vec![ScheduleDay { offset: -6, day_of_week: DayOfWeek::Monday }]),
                ..yearly.clone()
            },
        ),
    ];
    for (name, rule) in cases {
        assert_eq!(refused(rule), field(name), "{name}");
    }
    let edges = SchedulingRule {
        by_month: Some(vec![1, 12]),
        by_month_day: Some(vec![-31, 31]),
        by_year_day: Some(vec![-366, 366]),
        by_hour: Some(vec![0, 23]),
        by_minute: Some(vec![0, 59]),
        by_set_position: Some(vec![-366, 366]),
        by_day: Some(vec![ScheduleDay { offset: -53, day_of_week: DayOfWeek::Friday }]),
        ..yearly
    };
    assert!(refused(edges).is_empty());
}

#[test]
fn by_set_position_without_another_by_list_is_refused() {
    assert_eq!(refused(SchedulingRule { by_set_position: Some(vec![1]), ..time_rule() }), field("bySetPosition"));
    assert!(
        refused(SchedulingRule { by_set_position: Some(vec![1]), by_hour: Some(vec![9]), ..time_rule() }).is_empty()
    );
}

#[test]
fn combinations_rfc_5545_forbids_are_refused() {
    let nth = Some(vec![ScheduleDay { offset: 1, day_of_week: DayOfWeek::Monday }]);
    let weekly = SchedulingRule { frequency: SchedulingRuleFrequency::Weekly, ..time_rule() };
    let monthly = SchedulingRule { frequency: SchedulingRuleFrequency::Monthly, ..time_rule() };
    let yearly = SchedulingRule { frequency: SchedulingRuleFrequency::Yearly, ..time_rule() };
    assert_eq!(refused(SchedulingRule { by_day: nth.clone(), ..weekly.clone() }), field("byDay"));
    assert_eq!(refused(SchedulingRule { by_day: nth.clone(), ..time_rule() }), field("byDay"));
    assert_eq!(
        refused(SchedulingRule { by_day: nth.clone(), by_week_no: Some(vec![1]), ..yearly.clone() }),
        field("byDay")
    );
    assert!(refused(SchedulingRule { by_day: nth.clone(), ..monthly.clone() }).is_empty());
    assert!(refused(SchedulingRule { by_day: nth, ..yearly.clone() }).is_empty());
    assert_eq!(refused(SchedulingRule { by_month_day: Some(vec![1]), ..weekly.clone() }), field("byMonthDay"));
    for rule in [time_rule(), weekly, monthly.clone()] {
        assert_eq!(refused(SchedulingRule { by_year_day: Some(vec![1]), ..rule }), field("byYearDay"));
    }
    assert_eq!(refused(SchedulingRule { by_week_no: Some(vec![1]), ..monthly }), field("byWeekNo"));
    assert!(refused(SchedulingRule { by_week_no: Some(vec![1]), ..yearly }).is_empty());
}

#[test]
fn recurrence_and_time_fields_are_only_checked_where_they_matter() {
    // Frequency None: recurrence fields are ignored.
    let once = SchedulingRule {
        frequency: SchedulingRuleFrequency::None,
        interval: -3,
        by_month: Some(vec![99]),
        ..time_rule()
    };
    assert!(refused(once).is_empty());
    // Not a Time rule: nothing about time is checked.
    let always = SchedulingRule {
        simple_rule_type: SimpleSchedulingRuleType::Always,
        start_date: Some("never".into()),
        start_time: Some("late".into()),
        by_month: Some(vec![99]),
        ..time_rule()
    };
    assert!(refused(always).is_empty());
    // All-day: the times of day are ignored.
    assert!(refused(SchedulingRule { is_all_day: true, start_time: Some("whenever".into()), ..time_rule() }).is_empty());
}

#[test]
fn rules_too_dense_to_evaluate_quickly_are_refused() {
    let every_minute = SchedulingRule { frequency: SchedulingRuleFrequency::Minutely, interval: 1, ..time_rule() };
    assert_eq!(refused(every_minute.clone()), field("frequency"));
    // Narrowed to one hour a day it is fine.
    assert!(refused(SchedulingRule { by_hour: Some(vec![9]), ..every_minute }).is_empty());
    let every_second = SchedulingRule { frequency: SchedulingRuleFrequency::Secondly, interval: 60, ..time_rule() };
    assert_eq!(refused(every_second), field("frequency"));
    // Many acceptable rules can still be too many together.
    let quarter_hourly = SchedulingRule { frequency: SchedulingRuleFrequency::Minutely, interval: 15, ..time_rule() };
    assert!(refused(quarter_hourly.clone()).is_empty());
    let errors = validate(&with_rules(vec![quarter_hourly; 6]), "schedule").expect_err("too many");
    assert_eq!(errors.0[0].field, "schedule.rules");
}

#[test]
fn a_count_that_cannot_be_reached_quickly_is_refused() {
    // February 30 never happens: the count would be searched for forever.
    let never = SchedulingRule { count: 3, by_month: Some(vec![2]), by_month_day: Some(vec![30]), ..time_rule() };
    assert_eq!(refused(never), field("count"));
    assert_eq!(refused(SchedulingRule { count: 10_001, ..time_rule() }), field("count"));
    assert!(refused(SchedulingRule { count: 10_000, ..time_rule() }).is_empty());
}

#[test]
fn too_many_rules_are_refused() {
    let errors = validate(&with_rules(vec![SchedulingRule::default(); 201]), "schedule").expect_err("too many");
    assert_eq!(errors.0[0].field, "schedule.rules");
}

#[test]
fn every_problem_is_reported_with_its_own_rule_index() {
    let s = with_rules(vec![
        time_rule(),
        SchedulingRule { start_date: None, ..time_rule() },
        SchedulingRule { interval: -1, ..time_rule() },
    ]);
    let fields: Vec<String> = validate(&s, "schedule").expect_err("refused").0.into_iter().map(|e| e.field).collect();
    assert_eq!(fields, vec!["schedule.rules[1].startDate", "schedule.rules[2].interval"]);
}
