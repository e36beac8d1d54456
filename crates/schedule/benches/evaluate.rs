//! Evaluation cost: a realistic 20-rule schedule, and a daily rule that started ten years ago vs yesterday (the
//! cost must not depend on the start date).

use std::hint::black_box;

use canopy_domain::{
    DayOfWeek, Schedule, ScheduleDay, SchedulingRule, SchedulingRuleFrequency, SimpleSchedulingRuleType,
};
use canopy_schedule::{evaluate, state_at, At, ChainLink};
use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};

fn time_rule(state: &str, priority: i32, start_date: &str, start: &str, end: &str) -> SchedulingRule {
    SchedulingRule {
        state: Some(state.into()),
        priority,
        simple_rule_type: SimpleSchedulingRuleType::Time,
        start_date: Some(start_date.into()),
        start_time: Some(start.into()),
        end_time: Some(end.into()),
        ..Default::default()
    }
}

fn twenty_rules() -> Schedule {
    let mut rules = Vec::new();
    // Ten fixed-date yearly holidays.
    for (i, (month, day)) in [(1, 1), (4, 1), (5, 1), (5, 9), (7, 21), (8, 15), (11, 1), (11, 11), (12, 25), (12, 26)]
        .into_iter()
        .enumerate()
    {
        let mut holiday = time_rule("Holiday", 0, &format!("2015-{month:02}-{day:02}"), "", "");
        holiday.is_all_day = true;
        holiday.frequency = SchedulingRuleFrequency::Yearly;
        holiday.id = Some(format!("h{i}"));
        rules.push(holiday);
    }
    // Opening hours per weekday, lunch breaks, a monthly meeting, a last-Friday early close.
    for (i, day) in
        [DayOfWeek::Monday, DayOfWeek::Tuesday, DayOfWeek::Wednesday, DayOfWeek::Thursday, DayOfWeek::Friday]
            .into_iter()
            .enumerate()
    {
        let mut open = time_rule("Open", 5, "2015-01-05", "08:30", "17:30");
        open.frequency = SchedulingRuleFrequency::Weekly;
        open.by_day = Some(vec![ScheduleDay { offset: 0, day_of_week: day }]);
        open.id = Some(format!("o{i}"));
        rules.push(open);
    }
    let mut lunch = time_rule("Lunch", 2, "2015-01-05", "12:00", "13:00");
    lunch.frequency = SchedulingRuleFrequency::Daily;
    rules.push(lunch);
    let mut meeting = time_rule("Meeting", 1, "2015-01-01", "09:00", "10:00");
    meeting.frequency = SchedulingRuleFrequency::Monthly;
    meeting.by_day = Some(vec![ScheduleDay { offset: 1, day_of_week: DayOfWeek::Tuesday }]);
    rules.push(meeting);
    let mut early = time_rule("Early close", 1, "2015-01-01", "15:00", "17:30");
    early.frequency = SchedulingRuleFrequency::Monthly;
    early.by_day = Some(vec![ScheduleDay { offset: -1, day_of_week: DayOfWeek::Friday }]);
    rules.push(early);
    let mut night = time_rule("Night", 3, "2015-01-01", "22:00", "06:00");
    night.frequency = SchedulingRuleFrequency::Daily;
    rules.push(night);
    let mut weekend = time_rule("Weekend", 4, "2015-01-03", "", "");
    weekend.is_all_day = true;
    weekend.frequency = SchedulingRuleFrequency::Weekly;
    weekend.by_day = Some(vec![
        ScheduleDay { offset: 0, day_of_week: DayOfWeek::Saturday },
        ScheduleDay { offset: 0, day_of_week: DayOfWeek::Sunday },
    ]);
    rules.push(weekend);
    assert_eq!(rules.len(), 20);
    Schedule {
        time_zone_id: Some("Europe/Brussels".into()),
        rules: Some(rules),
        default_state: Some("Closed".into()),
        ..Default::default()
    }
}

fn daily(start_date: &str) -> Schedule {
    let mut open = time_rule("Open", 0, start_date, "09:00", "17:00");
    open.frequency = SchedulingRuleFrequency::Daily;
    Schedule {
        time_zone_id: Some("Europe/Brussels".into()),
        rules: Some(vec![open]),
        default_state: Some("Closed".into()),
        ..Default::default()
    }
}

fn bench(c: &mut Criterion) {
    // Wednesday 2025-06-11 10:15 CEST.
    let at = At::Instant(Utc.with_ymd_and_hms(2025, 6, 11, 8, 15, 0).single().expect("valid instant"));
    let twenty = twenty_rules();
    let chain = [ChainLink::new("c", Some(&twenty))];
    c.bench_function("20 rules: evaluate (state + nextChange)", |b| b.iter(|| evaluate(black_box(&chain), at)));
    c.bench_function("20 rules: state only", |b| b.iter(|| state_at(black_box(&chain), at)));

    let old = daily("2015-06-11");
    let new = daily("2025-06-10");
    let old_chain = [ChainLink::new("c", Some(&old))];
    let new_chain = [ChainLink::new("c", Some(&new))];
    c.bench_function("daily rule started 10 years ago: evaluate", |b| b.iter(|| evaluate(black_box(&old_chain), at)));
    c.bench_function("daily rule started yesterday: evaluate", |b| b.iter(|| evaluate(black_box(&new_chain), at)));
    c.bench_function("daily rule started 10 years ago: state only", |b| b.iter(|| state_at(black_box(&old_chain), at)));
    c.bench_function("daily rule started yesterday: state only", |b| b.iter(|| state_at(black_box(&new_chain), at)));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_millis(300)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
