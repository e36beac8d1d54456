//! Evaluation scenarios: rule types, recurrence fields, windows, daylight saving, nextChange, inheritance.

use canopy_domain::{
    DayOfWeek, Schedule, ScheduleDay, SchedulingRule, SchedulingRuleFrequency, SimpleSchedulingRuleType,
};
use canopy_schedule::{
    effective_schedule, evaluate, evaluate_schedule, parse_at, render_instant, state_at, At, ChainLink, Evaluation,
    Reason, SourceKind,
};
use chrono::{DateTime, NaiveDate, Utc};

fn instant(text: &str) -> DateTime<Utc> {
    match parse_at(text) {
        Some(At::Instant(instant)) => instant,
        other => panic!("{text} is not an instant: {other:?}"),
    }
}

fn rule(state: &str) -> SchedulingRule {
    SchedulingRule {
        id: Some(state.to_lowercase()),
        name: Some(state.into()),
        state: Some(state.into()),
        ..Default::default()
    }
}

fn window(state: &str, date: &str, start: &str, end: &str) -> SchedulingRule {
    SchedulingRule {
        simple_rule_type: SimpleSchedulingRuleType::Time,
        start_date: Some(date.into()),
        start_time: Some(start.into()),
        end_time: Some(end.into()),
        ..rule(state)
    }
}

fn all_day(state: &str, date: &str) -> SchedulingRule {
    SchedulingRule {
        simple_rule_type: SimpleSchedulingRuleType::Time,
        start_date: Some(date.into()),
        is_all_day: true,
        ..rule(state)
    }
}

fn every(mut rule: SchedulingRule, frequency: SchedulingRuleFrequency) -> SchedulingRule {
    rule.frequency = frequency;
    rule
}

fn days(list: &[(i32, DayOfWeek)]) -> Option<Vec<ScheduleDay>> {
    Some(list.iter().map(|&(offset, day_of_week)| ScheduleDay { offset, day_of_week }).collect())
}

const WEEKDAYS: [DayOfWeek; 5] =
    [DayOfWeek::Monday, DayOfWeek::Tuesday, DayOfWeek::Wednesday, DayOfWeek::Thursday, DayOfWeek::Friday];

fn schedule(zone: &str, rules: Vec<SchedulingRule>) -> Schedule {
    Schedule {
        time_zone_id: Some(zone.into()),
        rules: Some(rules),
        default_state: Some("Closed".into()),
        ..Default::default()
    }
}

fn eval(schedule: &Schedule, at: &str) -> Evaluation {
    evaluate_schedule(schedule, parse_at(at).expect("a date-time"))
}

fn state(schedule: &Schedule, at: &str) -> String {
    eval(schedule, at).state_name
}

fn next(schedule: &Schedule, at: &str) -> Option<String> {
    eval(schedule, at).next_change.map(render_instant)
}

fn business_hours(zone: &str) -> Schedule {
    let mut open = every(window("Open", "2024-01-01", "09:00", "17:00"), SchedulingRuleFrequency::Weekly);
    open.by_day = days(&WEEKDAYS.map(|d| (0, d)));
    schedule(zone, vec![open])
}

// --- rule types, priority, defaults -------------------------------------------------------------------------

#[test]
fn force_closed_yields_closed_whatever_the_rules_say() {
    let mut s = schedule("UTC", vec![rule("Open")]);
    s.force_closed = true;
    s.default_state = Some("Whatever".into());
    let e = eval(&s, "2024-05-01T12:00:00Z");
    assert_eq!(e.state_name, "Closed");
    assert_eq!(e.reason, Reason::ForceClosed);
    assert_eq!(e.next_change, None);
}

#[test]
fn an_always_rule_matches_and_reports_its_rule_and_flow() {
    let mut always = rule("Open");
    always.flow_id = Some("flow-1".into());
    let e = eval(&schedule("UTC", vec![always]), "2024-05-01T12:00:00Z");
    assert_eq!(e.state_name, "Open");
    assert_eq!(e.reason, Reason::Rule);
    assert_eq!(e.rule_id.as_deref(), Some("open"));
    assert_eq!(e.rule_name.as_deref(), Some("Open"));
    assert_eq!(e.flow_id.as_deref(), Some("flow-1"));
    assert_eq!(e.next_change, None);
}

#[test]
fn the_default_state_applies_when_no_rule_matches() {
    let e = eval(&business_hours("UTC"), "2024-05-04T12:00:00Z");
    assert_eq!(e.state_name, "Closed");
    assert_eq!(e.reason, Reason::Default);
    assert_eq!(e.rule_id, None);
}

#[test]
fn rules_are_tried_in_ascending_priority_and_ties_keep_list_order() {
    let mut a = rule("A");
    a.priority = 5;
    let mut b = rule("B");
    b.priority = 1;
    let mut c = rule("C");
    c.priority = 1;
    assert_eq!(state(&schedule("UTC", vec![a.clone(), b.clone(), c.clone()]), "2024-05-01T00:00:00Z"), "B");
    assert_eq!(state(&schedule("UTC", vec![a, c, b]), "2024-05-01T00:00:00Z"), "C");
}

#[test]
fn a_rule_with_a_condition_never_matches_and_is_listed_in_warnings() {
    let mut scripted = rule("Scripted");
    scripted.condition = Some("caller.isVip".into());
    let e = eval(&schedule("UTC", vec![scripted, rule("Open")]), "2024-05-01T00:00:00Z");
    assert_eq!(e.state_name, "Open");
    assert_eq!(e.warnings.len(), 1);
    assert_eq!(e.warnings[0].code, "ConditionNotEvaluated");
    assert_eq!(e.warnings[0].rule_index, Some(0));
}

#[test]
fn customer_state_rules_of_a_top_level_schedule_never_match() {
    let mut follow = rule("Holiday");
    follow.simple_rule_type = SimpleSchedulingRuleType::CustomerState;
    follow.customer_state = Some("Holiday".into());
    assert_eq!(state(&schedule("UTC", vec![follow]), "2024-12-25T12:00:00Z"), "Closed");
}

#[test]
fn a_customer_with_no_schedule_anywhere_evaluates_to_the_empty_state() {
    let chain = [ChainLink::new("child", None), ChainLink::new("top", None)];
    let e = evaluate(&chain, At::Instant(instant("2024-05-01T00:00:00Z")));
    assert_eq!(e.state_name, "");
    assert_eq!(e.time_zone_id, "UTC");
    let effective = effective_schedule(&chain);
    assert_eq!(effective.source_kind, SourceKind::Default);
    assert_eq!(effective.schedule, Schedule::default());
}

// --- windows ------------------------------------------------------------------------------------------------

#[test]
fn a_window_includes_its_start_and_excludes_its_end() {
    let s = business_hours("Europe/Brussels");
    // Wednesday 2024-05-01, CEST (+02:00).
    assert_eq!(state(&s, "2024-05-01T06:59:59Z"), "Closed");
    assert_eq!(state(&s, "2024-05-01T07:00:00Z"), "Open");
    assert_eq!(state(&s, "2024-05-01T14:59:59Z"), "Open");
    assert_eq!(state(&s, "2024-05-01T15:00:00Z"), "Closed");
}

#[test]
fn a_window_whose_end_is_not_after_its_start_runs_overnight() {
    let mut night = every(window("Night", "2024-05-03", "22:00", "06:00"), SchedulingRuleFrequency::Weekly);
    night.by_day = days(&[(0, DayOfWeek::Friday)]);
    let s = schedule("UTC", vec![night]);
    assert_eq!(state(&s, "2024-05-03T21:59:00Z"), "Closed");
    assert_eq!(state(&s, "2024-05-03T23:00:00Z"), "Night");
    assert_eq!(state(&s, "2024-05-04T05:59:59Z"), "Night");
    assert_eq!(state(&s, "2024-05-04T06:00:00Z"), "Closed");
    assert_eq!(state(&s, "2024-05-04T23:00:00Z"), "Closed");
}

#[test]
fn an_all_day_rule_and_an_empty_end_time_run_to_midnight() {
    let s = schedule("UTC", vec![all_day("Holiday", "2024-12-25"), window("Late", "2024-12-24", "18:00", "")]);
    assert_eq!(state(&s, "2024-12-24T17:59:59Z"), "Closed");
    assert_eq!(state(&s, "2024-12-24T23:59:59Z"), "Late");
    assert_eq!(state(&s, "2024-12-25T00:00:00Z"), "Holiday");
    assert_eq!(state(&s, "2024-12-25T23:59:59Z"), "Holiday");
    assert_eq!(state(&s, "2024-12-26T00:00:00Z"), "Closed");
}

#[test]
fn an_empty_start_time_means_midnight() {
    let mut r = window("Morning", "2024-05-01", "", "08:00");
    r.start_time = None;
    let s = schedule("UTC", vec![r]);
    assert_eq!(state(&s, "2024-05-01T00:00:00Z"), "Morning");
    assert_eq!(state(&s, "2024-05-01T08:00:00Z"), "Closed");
}

// --- daylight saving ----------------------------------------------------------------------------------------

#[test]
fn on_a_spring_forward_night_in_brussels_a_one_to_three_window_holds_one_real_hour() {
    let s = schedule("Europe/Brussels", vec![window("Night", "2024-03-31", "01:00", "03:00")]);
    assert_eq!(state(&s, "2024-03-30T23:59:59Z"), "Closed");
    assert_eq!(state(&s, "2024-03-31T00:00:00Z"), "Night"); // 01:00 CET
    assert_eq!(state(&s, "2024-03-31T00:59:59Z"), "Night"); // 01:59:59 CET
    assert_eq!(state(&s, "2024-03-31T01:00:00Z"), "Closed"); // 03:00 CEST
    assert_eq!(next(&s, "2024-03-31T00:30:00Z").as_deref(), Some("2024-03-31T01:00:00Z"));
}

#[test]
fn on_a_spring_forward_night_a_window_starting_in_the_gap_holds_what_remains_after_it() {
    let s = schedule("Europe/Brussels", vec![window("W", "2024-03-31", "02:30", "03:15")]);
    assert_eq!(state(&s, "2024-03-31T00:59:59Z"), "Closed");
    assert_eq!(state(&s, "2024-03-31T01:00:00Z"), "W"); // 03:00 CEST
    assert_eq!(state(&s, "2024-03-31T01:14:59Z"), "W");
    assert_eq!(state(&s, "2024-03-31T01:15:00Z"), "Closed");
    // The window's start is in the skipped hour: the state changes at the clock change.
    assert_eq!(next(&s, "2024-03-31T00:30:00Z").as_deref(), Some("2024-03-31T01:00:00Z"));
    assert_eq!(next(&s, "2024-03-31T01:00:00Z").as_deref(), Some("2024-03-31T01:15:00Z"));
}

#[test]
fn on_a_fall_back_night_in_brussels_a_one_to_three_window_holds_three_real_hours() {
    let s = schedule("Europe/Brussels", vec![window("Night", "2024-10-27", "01:00", "03:00")]);
    assert_eq!(state(&s, "2024-10-26T22:59:59Z"), "Closed");
    assert_eq!(state(&s, "2024-10-26T23:00:00Z"), "Night"); // 01:00 CEST
    assert_eq!(state(&s, "2024-10-27T00:30:00Z"), "Night"); // 02:30 CEST
    assert_eq!(state(&s, "2024-10-27T01:30:00Z"), "Night"); // 02:30 CET
    assert_eq!(state(&s, "2024-10-27T02:00:00Z"), "Closed"); // 03:00 CET
    assert_eq!(next(&s, "2024-10-26T23:00:00Z").as_deref(), Some("2024-10-27T02:00:00Z"));
}

#[test]
fn on_a_fall_back_night_a_window_inside_the_repeated_hour_opens_twice() {
    let s = schedule("Europe/Brussels", vec![window("W", "2024-10-27", "02:30", "02:45")]);
    assert_eq!(state(&s, "2024-10-27T00:30:00Z"), "W"); // 02:30 CEST
    assert_eq!(next(&s, "2024-10-27T00:30:00Z").as_deref(), Some("2024-10-27T00:45:00Z"));
    assert_eq!(next(&s, "2024-10-27T00:45:00Z").as_deref(), Some("2024-10-27T01:30:00Z")); // 02:30 CET
    assert_eq!(state(&s, "2024-10-27T01:40:00Z"), "W");
}

#[test]
fn a_window_crossing_the_clock_change_ends_when_the_local_clock_leaves_it() {
    // 02:30-03:30 on the fall-back night: in during 02:30-03:00 CEST, out when the clock goes back to 02:00 CET,
    // in again from 02:30 CET to 03:30 CET.
    let s = schedule("Europe/Brussels", vec![window("W", "2024-10-27", "02:30", "03:30")]);
    assert_eq!(state(&s, "2024-10-27T00:30:00Z"), "W");
    assert_eq!(next(&s, "2024-10-27T00:30:00Z").as_deref(), Some("2024-10-27T01:00:00Z"));
    assert_eq!(state(&s, "2024-10-27T01:10:00Z"), "Closed"); // 02:10 CET
    assert_eq!(next(&s, "2024-10-27T01:10:00Z").as_deref(), Some("2024-10-27T01:30:00Z"));
    assert_eq!(next(&s, "2024-10-27T01:30:00Z").as_deref(), Some("2024-10-27T02:30:00Z"));
}

#[test]
fn in_new_york_a_window_in_the_skipped_hour_holds_nothing_and_one_crossing_it_is_cut() {
    let s = schedule(
        "America/New_York",
        vec![window("Gap", "2024-03-10", "02:15", "02:45"), window("Cut", "2024-03-10", "01:30", "02:30")],
    );
    assert_eq!(state(&s, "2024-03-10T06:30:00Z"), "Cut"); // 01:30 EST
    assert_eq!(state(&s, "2024-03-10T07:00:00Z"), "Closed"); // 03:00 EDT
    assert_eq!(next(&s, "2024-03-10T06:45:00Z").as_deref(), Some("2024-03-10T07:00:00Z"));
}

#[test]
fn in_new_york_a_fall_back_window_in_the_repeated_hour_holds_two_real_hours() {
    let s = schedule("America/New_York", vec![window("W", "2024-11-03", "01:00", "02:00")]);
    assert_eq!(state(&s, "2024-11-03T05:00:00Z"), "W"); // 01:00 EDT
    assert_eq!(state(&s, "2024-11-03T06:30:00Z"), "W"); // 01:30 EST
    assert_eq!(state(&s, "2024-11-03T07:00:00Z"), "Closed"); // 02:00 EST
    assert_eq!(next(&s, "2024-11-03T05:00:00Z").as_deref(), Some("2024-11-03T07:00:00Z"));
}

#[test]
fn at_lord_howe_the_thirty_minute_spring_forward_cuts_a_window_to_half_an_hour() {
    // 2024-10-06 02:00 +10:30 becomes 02:30 +11:00 (at 15:30Z the day before).
    let s = schedule("Australia/Lord_Howe", vec![window("W", "2024-10-06", "02:00", "03:00")]);
    assert_eq!(state(&s, "2024-10-05T15:29:59Z"), "Closed");
    assert_eq!(state(&s, "2024-10-05T15:30:00Z"), "W");
    assert_eq!(state(&s, "2024-10-05T15:59:59Z"), "W");
    assert_eq!(state(&s, "2024-10-05T16:00:00Z"), "Closed");
    assert_eq!(next(&s, "2024-10-05T15:00:00Z").as_deref(), Some("2024-10-05T15:30:00Z"));
}

#[test]
fn at_lord_howe_the_thirty_minute_fall_back_repeats_half_an_hour() {
    // 2024-04-07 02:00 +11:00 becomes 01:30 +10:30 (at 15:00Z the day before): 01:30-02:00 happens twice.
    let s = schedule("Australia/Lord_Howe", vec![window("W", "2024-04-07", "01:30", "02:00")]);
    assert_eq!(state(&s, "2024-04-06T14:29:59Z"), "Closed");
    assert_eq!(state(&s, "2024-04-06T14:30:00Z"), "W");
    assert_eq!(state(&s, "2024-04-06T15:15:00Z"), "W");
    assert_eq!(state(&s, "2024-04-06T15:30:00Z"), "Closed");
    assert_eq!(next(&s, "2024-04-06T14:30:00Z").as_deref(), Some("2024-04-06T15:30:00Z"));
}

#[test]
fn a_local_date_time_is_read_on_the_wall_clock_and_resolved_forward_in_a_gap() {
    let s = schedule("Europe/Brussels", vec![window("W", "2024-03-31", "02:00", "02:45")]);
    // 02:30 does not exist that night, but a wall-clock reading of it lies in the window.
    let e = evaluate_schedule(&s, parse_at("2024-03-31T02:30:00").expect("local"));
    assert_eq!(e.state_name, "W");
    // It resolves to 03:30 CEST, where the window (02:00-02:45, skipped) does not hold.
    assert_eq!(e.next_change.map(render_instant).as_deref(), Some("2024-03-31T01:30:00Z"));
    assert_eq!(state(&s, "2024-03-31T01:30:00+00:00"), "Closed");
}

// --- recurrence fields --------------------------------------------------------------------------------------

#[test]
fn a_yearly_rule_starting_on_february_29_occurs_only_in_leap_years() {
    let s = schedule("UTC", vec![every(all_day("Leap", "2024-02-29"), SchedulingRuleFrequency::Yearly)]);
    assert_eq!(state(&s, "2024-02-29T12:00:00Z"), "Leap");
    assert_eq!(state(&s, "2025-02-28T12:00:00Z"), "Closed");
    assert_eq!(state(&s, "2025-03-01T12:00:00Z"), "Closed");
    assert_eq!(state(&s, "2028-02-29T12:00:00Z"), "Leap");
    assert_eq!(next(&s, "2025-01-01T00:00:00Z"), None, "the next one is more than 400 days away");
    assert_eq!(next(&s, "2027-03-01T00:00:00Z").as_deref(), Some("2028-02-29T00:00:00Z"));
}

#[test]
fn the_last_friday_of_the_month_is_a_negative_byday_offset() {
    let mut r = every(all_day("LastFriday", "2024-01-01"), SchedulingRuleFrequency::Monthly);
    r.by_day = days(&[(-1, DayOfWeek::Friday)]);
    let s = schedule("UTC", vec![r]);
    assert_eq!(state(&s, "2024-05-31T12:00:00Z"), "LastFriday");
    assert_eq!(state(&s, "2024-05-24T12:00:00Z"), "Closed");
    assert_eq!(state(&s, "2024-06-28T12:00:00Z"), "LastFriday");
    assert_eq!(next(&s, "2024-06-01T00:00:00Z").as_deref(), Some("2024-06-28T00:00:00Z"));
}

#[test]
fn the_fifth_monday_from_the_end_exists_only_in_months_with_five_mondays() {
    let mut r = every(all_day("M", "2024-01-01"), SchedulingRuleFrequency::Monthly);
    r.by_day = days(&[(-5, DayOfWeek::Monday)]);
    let s = schedule("UTC", vec![r]);
    assert_eq!(state(&s, "2024-01-01T12:00:00Z"), "M"); // January 2024 has five Mondays
    assert_eq!(state(&s, "2024-02-05T12:00:00Z"), "Closed");
    assert_eq!(state(&s, "2024-04-01T12:00:00Z"), "M");
}

#[test]
fn the_last_weekday_of_the_month_is_byday_weekdays_with_set_position_minus_one() {
    let mut r = every(all_day("LastWorkday", "2024-01-01"), SchedulingRuleFrequency::Monthly);
    r.by_day = days(&WEEKDAYS.map(|d| (0, d)));
    r.by_set_position = Some(vec![-1]);
    let s = schedule("UTC", vec![r]);
    assert_eq!(state(&s, "2024-06-28T12:00:00Z"), "LastWorkday"); // June 30 is a Sunday
    assert_eq!(state(&s, "2024-06-30T12:00:00Z"), "Closed");
    assert_eq!(state(&s, "2024-08-30T12:00:00Z"), "LastWorkday"); // August 31 is a Saturday
    assert_eq!(state(&s, "2024-07-31T12:00:00Z"), "LastWorkday");
}

#[test]
fn until_date_is_inclusive_and_its_last_window_runs_past_midnight() {
    let mut r = every(window("Night", "2024-05-01", "22:00", "02:00"), SchedulingRuleFrequency::Daily);
    r.until_date = Some("2024-05-10".into());
    let s = schedule("UTC", vec![r]);
    assert_eq!(state(&s, "2024-05-10T23:00:00Z"), "Night");
    assert_eq!(state(&s, "2024-05-11T01:59:59Z"), "Night");
    assert_eq!(state(&s, "2024-05-11T22:30:00Z"), "Closed");
    assert_eq!(next(&s, "2024-05-11T01:00:00Z").as_deref(), Some("2024-05-11T02:00:00Z"));
    assert_eq!(next(&s, "2024-05-11T02:00:00Z"), None);
}

#[test]
fn count_is_exhausted_after_that_many_occurrences() {
    let mut r = every(window("Trial", "2024-05-01", "09:00", "10:00"), SchedulingRuleFrequency::Daily);
    r.count = 3;
    let s = schedule("UTC", vec![r]);
    assert_eq!(state(&s, "2024-05-03T09:30:00Z"), "Trial");
    assert_eq!(state(&s, "2024-05-04T09:30:00Z"), "Closed");
    assert_eq!(next(&s, "2024-05-03T12:00:00Z"), None);
}

#[test]
fn an_occurrence_whose_start_is_skipped_by_the_clock_still_counts() {
    let mut r = every(window("W", "2024-03-30", "02:30", "04:00"), SchedulingRuleFrequency::Daily);
    r.count = 2;
    let s = schedule("Europe/Brussels", vec![r]);
    // The second occurrence starts at 02:30 on the spring-forward night: it opens (holding 03:00-04:00 CEST).
    assert_eq!(state(&s, "2024-03-31T01:30:00Z"), "W");
    assert_eq!(state(&s, "2024-04-01T01:00:00Z"), "Closed");
}

#[test]
fn interval_skips_periods_counted_from_the_start_date() {
    let r = SchedulingRule {
        interval: 2,
        ..every(all_day("Every other day", "2024-05-01"), SchedulingRuleFrequency::Daily)
    };
    let s = schedule("UTC", vec![r]);
    assert_eq!(state(&s, "2024-05-01T12:00:00Z"), "Every other day");
    assert_eq!(state(&s, "2024-05-02T12:00:00Z"), "Closed");
    assert_eq!(
        state(&s, "2034-05-03T12:00:00Z"),
        if (NaiveDate::from_ymd_opt(2034, 5, 3).expect("date") - NaiveDate::from_ymd_opt(2024, 5, 1).expect("date"))
            .num_days()
            % 2
            == 0
        {
            "Every other day"
        } else {
            "Closed"
        }
    );
}

#[test]
fn by_month_by_month_day_and_by_year_day_select_days() {
    let mut first_of_quarter = every(all_day("Q", "2020-01-01"), SchedulingRuleFrequency::Yearly);
    first_of_quarter.by_month = Some(vec![1, 4, 7, 10]);
    first_of_quarter.by_month_day = Some(vec![1]);
    let mut last_of_month = every(all_day("EOM", "2020-01-01"), SchedulingRuleFrequency::Monthly);
    last_of_month.by_month_day = Some(vec![-1]);
    let mut day_100 = every(all_day("D100", "2020-01-01"), SchedulingRuleFrequency::Yearly);
    day_100.by_year_day = Some(vec![100]);
    let s = schedule("UTC", vec![first_of_quarter, last_of_month, day_100]);
    assert_eq!(state(&s, "2024-07-01T10:00:00Z"), "Q");
    assert_eq!(state(&s, "2024-08-01T10:00:00Z"), "Closed");
    assert_eq!(state(&s, "2024-02-29T10:00:00Z"), "EOM");
    assert_eq!(state(&s, "2024-04-09T10:00:00Z"), "D100"); // leap year: April 9 is day 100
}

#[test]
fn by_week_no_covers_every_day_of_the_week_without_by_day() {
    let mut r = every(all_day("Week 1", "2020-01-01"), SchedulingRuleFrequency::Yearly);
    r.by_week_no = Some(vec![1]);
    let s = schedule("UTC", vec![r]);
    // ISO week 1 of 2025 runs from Monday 2024-12-30 to Sunday 2025-01-05.
    assert_eq!(state(&s, "2024-12-30T12:00:00Z"), "Week 1");
    assert_eq!(state(&s, "2025-01-05T12:00:00Z"), "Week 1");
    assert_eq!(state(&s, "2025-01-06T12:00:00Z"), "Closed");
}

#[test]
fn by_hour_and_by_minute_open_several_windows_a_day() {
    let mut r = every(window("Check", "2024-05-01", "00:00", "00:10"), SchedulingRuleFrequency::Daily);
    r.by_hour = Some(vec![9, 15]);
    r.by_minute = Some(vec![0, 30]);
    let s = schedule("UTC", vec![r]);
    for at in ["2024-05-02T09:05:00Z", "2024-05-02T09:35:00Z", "2024-05-02T15:00:00Z", "2024-05-02T15:39:59Z"] {
        assert_eq!(state(&s, at), "Check", "{at}");
    }
    for at in ["2024-05-02T09:10:00Z", "2024-05-02T12:00:00Z", "2024-05-02T15:40:00Z"] {
        assert_eq!(state(&s, at), "Closed", "{at}");
    }
    assert_eq!(next(&s, "2024-05-02T09:05:00Z").as_deref(), Some("2024-05-02T09:10:00Z"));
}

#[test]
fn a_rule_with_frequency_none_opens_one_window_and_ignores_recurrence_fields() {
    let mut r = window("Once", "2024-05-01", "09:00", "10:00");
    r.by_month = Some(vec![13]);
    r.count = -4;
    let s = schedule("UTC", vec![r]);
    assert!(canopy_schedule::validate(&s, "schedule").is_ok());
    assert_eq!(state(&s, "2024-05-01T09:00:00Z"), "Once");
    assert_eq!(state(&s, "2024-05-02T09:00:00Z"), "Closed");
}

#[test]
fn a_daily_rule_that_started_decades_ago_answers_like_one_that_started_recently() {
    let old = schedule(
        "Europe/Brussels",
        vec![every(window("Open", "1990-01-01", "09:00", "17:00"), SchedulingRuleFrequency::Daily)],
    );
    let new = schedule(
        "Europe/Brussels",
        vec![every(window("Open", "2024-05-01", "09:00", "17:00"), SchedulingRuleFrequency::Daily)],
    );
    for at in ["2024-05-02T06:59:00Z", "2024-05-02T07:00:00Z", "2024-05-02T15:00:00Z", "2024-11-02T08:00:00Z"] {
        assert_eq!(eval(&old, at), eval(&new, at), "{at}");
    }
}

// --- nextChange ---------------------------------------------------------------------------------------------

#[test]
fn next_change_finds_the_next_window_edge_across_a_weekend() {
    let s = business_hours("America/New_York");
    // Monday 2024-05-06 08:00 EDT.
    assert_eq!(next(&s, "2024-05-06T12:00:00Z").as_deref(), Some("2024-05-06T13:00:00Z"));
    // Friday 17:30 EDT -> Monday 09:00 EDT.
    assert_eq!(next(&s, "2024-05-10T21:30:00Z").as_deref(), Some("2024-05-13T13:00:00Z"));
}

#[test]
fn next_change_ignores_edges_where_the_state_stays_the_same() {
    let s = schedule(
        "UTC",
        vec![window("Open", "2024-05-01", "09:00", "12:00"), window("Open", "2024-05-01", "12:00", "17:00")],
    );
    assert_eq!(next(&s, "2024-05-01T10:00:00Z").as_deref(), Some("2024-05-01T17:00:00Z"));
}

#[test]
fn next_change_is_absent_when_nothing_changes_within_400_days() {
    let s = schedule("UTC", vec![window("Once", "2024-05-01", "09:00", "10:00")]);
    assert_eq!(next(&s, "2024-05-02T00:00:00Z"), None);
    let far = schedule("UTC", vec![window("Later", "2025-06-05", "09:00", "10:00")]);
    assert_eq!(next(&far, "2024-05-01T09:00:00Z"), None, "400 days later is excluded");
    assert_eq!(next(&far, "2024-05-01T09:00:01Z").as_deref(), Some("2025-06-05T09:00:00Z"));
}

// --- zones and inheritance ----------------------------------------------------------------------------------

#[test]
fn windows_zone_ids_are_evaluated_in_their_iana_zone() {
    let e = eval(&business_hours("Romance Standard Time"), "2024-05-01T07:30:00Z");
    assert_eq!(e.time_zone_id, "Europe/Paris");
    assert_eq!(e.state_name, "Open");
}

#[test]
fn an_unknown_stored_zone_falls_back_to_utc_with_a_warning() {
    let e = eval(&business_hours("Mars/Olympus"), "2024-05-01T09:30:00Z");
    assert_eq!(e.time_zone_id, "UTC");
    assert_eq!(e.state_name, "Open");
    assert!(e.warnings.iter().any(|w| w.code == "UnknownTimeZone"));
}

#[test]
fn inheritance_three_levels_deep_uses_the_first_schedule_that_does_not_inherit() {
    let company = business_hours("Europe/Brussels");
    let inherit = Schedule { inherit: true, rules: Some(vec![rule("Ignored")]), ..Default::default() };
    let chain = [
        ChainLink::new("team", Some(&inherit)),
        ChainLink::new("department", Some(&inherit)),
        ChainLink::new("division", None),
        ChainLink::new("company", Some(&company)),
    ];
    let effective = effective_schedule(&chain);
    assert_eq!(effective.source_id.as_deref(), Some("company"));
    assert_eq!(effective.source_index, Some(3));
    assert_eq!(effective.source_kind, SourceKind::Customer);
    assert_eq!(effective.schedule, company);
    let e = evaluate(&chain, At::Instant(instant("2024-05-01T07:30:00Z")));
    assert_eq!((e.state_name.as_str(), e.time_zone_id.as_str()), ("Open", "Europe/Brussels"));
}

#[test]
fn a_top_level_customer_with_inherit_uses_its_own_fields() {
    let own = Schedule { inherit: true, rules: Some(vec![rule("Mine")]), ..Default::default() };
    let chain = [ChainLink::new("top", Some(&own))];
    assert_eq!(effective_schedule(&chain).source_id.as_deref(), Some("top"));
    assert_eq!(state_at(&chain, At::Instant(instant("2024-05-01T00:00:00Z"))), "Mine");
}

#[test]
fn an_empty_time_zone_cascades_from_the_parent_and_then_defaults_to_utc() {
    let company = Schedule { time_zone_id: Some("America/New_York".into()), ..business_hours("") };
    let mut department = business_hours("");
    department.time_zone_id = None;
    let chain = [ChainLink::new("department", Some(&department)), ChainLink::new("company", Some(&company))];
    let effective = effective_schedule(&chain);
    assert_eq!(effective.time_zone_id, "America/New_York");
    assert_eq!(effective.schedule.time_zone_id.as_deref(), Some("America/New_York"));
    let e = evaluate(&chain, At::Instant(instant("2024-05-01T13:30:00Z")));
    assert_eq!((e.state_name.as_str(), e.time_zone_id.as_str()), ("Open", "America/New_York"));
    let alone = [ChainLink::new("department", Some(&department))];
    assert_eq!(effective_schedule(&alone).time_zone_id, "UTC");
}

#[test]
fn a_customer_state_rule_follows_the_parent_holiday_and_an_inheriting_child_gets_the_same_answer() {
    let mut christmas = every(all_day("Holiday", "2020-12-25"), SchedulingRuleFrequency::Yearly);
    christmas.priority = 0;
    let company = Schedule {
        time_zone_id: Some("Europe/Brussels".into()),
        rules: Some(vec![christmas]),
        default_state: Some("Open".into()),
        ..Default::default()
    };
    let mut follow = rule("Closed for the holiday");
    follow.simple_rule_type = SimpleSchedulingRuleType::CustomerState;
    follow.customer_state = Some("HOLIDAY".into());
    let department = Schedule {
        time_zone_id: Some("America/New_York".into()),
        rules: Some(vec![follow]),
        default_state: Some("Business".into()),
        ..Default::default()
    };
    let child = Schedule { inherit: true, ..Default::default() };
    let department_chain = [ChainLink::new("dept", Some(&department)), ChainLink::new("co", Some(&company))];
    let child_chain = [
        ChainLink::new("kid", Some(&child)),
        ChainLink::new("dept", Some(&department)),
        ChainLink::new("co", Some(&company)),
    ];

    // Christmas in Brussels starts at 2024-12-24T23:00Z.
    let before = At::Instant(instant("2024-12-24T22:59:59Z"));
    let during = At::Instant(instant("2024-12-25T12:00:00Z"));
    assert_eq!(evaluate(&department_chain, before).state_name, "Business");
    let e = evaluate(&department_chain, during);
    assert_eq!(e.state_name, "Closed for the holiday");
    assert_eq!(e.time_zone_id, "America/New_York");
    assert_eq!(evaluate(&child_chain, during), e);
    let from_eve = evaluate(&department_chain, At::Instant(instant("2024-12-24T12:00:00Z")));
    assert_eq!(from_eve.next_change.map(render_instant).as_deref(), Some("2024-12-24T23:00:00Z"));
    assert_eq!(e.next_change.map(render_instant).as_deref(), Some("2024-12-25T23:00:00Z"));
}
