//! Differential test: thousands of random (seeded, reproducible) schedules and instants, evaluated by this crate
//! and by `tests/differential/oracle.py` (python-dateutil's rrule + zoneinfo), which must agree on the state and
//! the deciding rule. Every `nextChange` is checked too: the oracle must see a different state at it, the old
//! state one second before it, and the old state at random instants in between.
//!
//! Needs `python3` with python-dateutil (`pip install python-dateutil`). Seed and size can be changed with
//! `CANOPY_DIFF_SEED` and `CANOPY_DIFF_CASES`.

use std::io::Write;
use std::process::{Command, Stdio};

use canopy_domain::{
    DayOfWeek, Schedule, ScheduleDay, SchedulingRule, SchedulingRuleFrequency, SimpleSchedulingRuleType,
};
use canopy_schedule::{evaluate_schedule, render_instant, validate, At};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + i64::try_from(self.below(u64::try_from(hi - lo + 1).expect("range"))).expect("fits")
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).expect("index")]
    }
}

const ZONES: &[&str] = &[
    "UTC",
    "Europe/Brussels",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/Sao_Paulo",
];

/// Days with clock changes in the zones above, to aim instants at.
const DST_DAYS: &[(i32, u32, u32)] = &[
    (2024, 3, 31),
    (2024, 10, 27),
    (2024, 3, 10),
    (2024, 11, 3),
    (2024, 4, 7),
    (2024, 10, 6),
    (2024, 9, 29),
    (2025, 3, 30),
    (2025, 4, 6),
];

const WEEKDAYS: &[DayOfWeek] = &[
    DayOfWeek::Monday,
    DayOfWeek::Tuesday,
    DayOfWeek::Wednesday,
    DayOfWeek::Thursday,
    DayOfWeek::Friday,
    DayOfWeek::Saturday,
    DayOfWeek::Sunday,
];

fn some_list(rng: &mut Rng, percent: u64, max_len: u64, mut value: impl FnMut(&mut Rng) -> i32) -> Option<Vec<i32>> {
    if !rng.chance(percent) {
        return None;
    }
    let len = 1 + rng.below(max_len);
    Some((0..len).map(|_| value(rng)).collect())
}

fn signed(rng: &mut Rng, max: i64) -> i32 {
    let v = i32::try_from(rng.range(1, max)).expect("small");
    if rng.chance(25) {
        -v
    } else {
        v
    }
}

fn time_text(rng: &mut Rng) -> String {
    let h = rng.range(0, 23);
    let any = rng.range(0, 59);
    let m = *rng.pick(&[0, 0, 15, 30, 45, any]);
    if rng.chance(10) {
        format!("{h:02}:{m:02}:{:02}", rng.range(0, 59))
    } else {
        format!("{h:02}:{m:02}")
    }
}

fn random_rule(rng: &mut Rng, index: usize, instant: DateTime<Utc>) -> SchedulingRule {
    let mut rule = SchedulingRule {
        id: Some(format!("r{index}")),
        name: Some(format!("Rule {index}")),
        priority: i32::try_from(rng.range(0, 4)).expect("small"),
        state: Some(format!("S{}", rng.range(0, 3))),
        ..SchedulingRule::default()
    };
    let kind = rng.below(100);
    if kind < 4 {
        rule.simple_rule_type = SimpleSchedulingRuleType::Always;
        return rule;
    }
    if kind < 8 {
        rule.simple_rule_type = SimpleSchedulingRuleType::CustomerState;
        rule.customer_state = Some("Holiday".into());
        return rule;
    }
    rule.simple_rule_type = SimpleSchedulingRuleType::Time;
    if kind < 11 {
        rule.condition = Some("caller.vip".into());
    }
    let freq = *rng.pick(&[
        SchedulingRuleFrequency::None,
        SchedulingRuleFrequency::Daily,
        SchedulingRuleFrequency::Daily,
        SchedulingRuleFrequency::Weekly,
        SchedulingRuleFrequency::Weekly,
        SchedulingRuleFrequency::Monthly,
        SchedulingRuleFrequency::Monthly,
        SchedulingRuleFrequency::Yearly,
        SchedulingRuleFrequency::Yearly,
        SchedulingRuleFrequency::Hourly,
        SchedulingRuleFrequency::Minutely,
        SchedulingRuleFrequency::Secondly,
    ]);
    rule.frequency = freq;
    rule.is_all_day = rng.chance(20);
    if !rule.is_all_day {
        if rng.chance(90) {
            rule.start_time = Some(time_text(rng));
        }
        if rng.chance(85) {
            rule.end_time = Some(time_text(rng));
        }
    }
    // How far back the rule starts: far for coarse frequencies, close for fine ones (the oracle counts from
    // the start).
    let back_days = match freq {
        SchedulingRuleFrequency::None => rng.range(-2, 3),
        SchedulingRuleFrequency::Hourly => rng.range(0, 20),
        SchedulingRuleFrequency::Minutely | SchedulingRuleFrequency::Secondly => rng.range(0, 2),
        SchedulingRuleFrequency::Daily | SchedulingRuleFrequency::Weekly => rng.range(0, 800),
        _ => rng.range(0, 3000),
    };
    let start = instant.date_naive() - Duration::days(back_days);
    rule.start_date = Some(if rng.chance(10) {
        format!("{}T00:00:00Z", start.format("%Y-%m-%d"))
    } else {
        start.format("%Y-%m-%d").to_string()
    });
    rule.interval = match freq {
        SchedulingRuleFrequency::Minutely => *rng.pick(&[15, 20, 30, 45, 60, 90]),
        SchedulingRuleFrequency::Secondly => *rng.pick(&[900, 1800, 3600, 5400]),
        _ => i32::try_from(rng.range(0, 3)).expect("small"),
    };
    if rng.chance(20) {
        rule.count = i32::try_from(rng.range(1, 40)).expect("small");
    } else if rng.chance(20) {
        let until = start + Duration::days(rng.range(0, back_days.max(0) + 60));
        rule.until_date = Some(until.format("%Y-%m-%d").to_string());
    }
    let coarse = matches!(freq, SchedulingRuleFrequency::Monthly | SchedulingRuleFrequency::Yearly);
    rule.by_month = some_list(rng, 20, 3, |r| i32::try_from(r.range(1, 12)).expect("small"));
    if freq != SchedulingRuleFrequency::Weekly {
        rule.by_month_day =
            some_list(
                rng,
                if coarse { 35 } else { 15 },
                3,
                |r| {
                    if r.chance(90) {
                        signed(r, 28)
                    } else {
                        signed(r, 31)
                    }
                },
            );
    }
    if freq == SchedulingRuleFrequency::Yearly
        || matches!(
            freq,
            SchedulingRuleFrequency::Hourly | SchedulingRuleFrequency::Minutely | SchedulingRuleFrequency::Secondly
        ) && rng.chance(30)
    {
        rule.by_year_day = some_list(rng, 15, 3, |r| signed(r, 366));
    }
    if freq == SchedulingRuleFrequency::Yearly {
        rule.by_week_no = some_list(rng, 20, 2, |r| signed(r, 53));
    }
    if rng.chance(45) {
        let len = 1 + rng.below(3);
        let nth_allowed = coarse && rule.by_week_no.is_none();
        // Plain and ordinal weekdays are not mixed: dateutil intersects them where RFC 5545 unites them.
        let nth = nth_allowed && rng.chance(50);
        let days: Vec<ScheduleDay> = (0..len)
            .map(|_| ScheduleDay {
                day_of_week: *rng.pick(WEEKDAYS),
                offset: if nth {
                    // Yearly with byMonth counts within each month; dateutil crashes on ordinals past ±5 there.
                    if freq == SchedulingRuleFrequency::Monthly || rule.by_month.is_some() {
                        signed(rng, 5)
                    } else {
                        signed(rng, 53)
                    }
                } else {
                    0
                },
            })
            .collect();
        rule.by_day = Some(days);
    }
    let fine = matches!(freq, SchedulingRuleFrequency::Minutely | SchedulingRuleFrequency::Secondly);
    rule.by_hour = some_list(rng, if fine { 40 } else { 15 }, 3, |r| i32::try_from(r.range(0, 23)).expect("small"));
    rule.by_minute = some_list(rng, 10, 2, |r| i32::try_from(r.range(0, 59)).expect("small"));
    let any_by = rule.by_month.is_some()
        || rule.by_month_day.is_some()
        || rule.by_year_day.is_some()
        || rule.by_week_no.is_some()
        || rule.by_day.is_some()
        || rule.by_hour.is_some()
        || rule.by_minute.is_some();
    if any_by && rng.chance(20) {
        rule.by_set_position = some_list(rng, 100, 2, |r| signed(r, 5));
    }
    rule
}

fn random_instant(rng: &mut Rng) -> DateTime<Utc> {
    if rng.chance(35) {
        let (y, m, d) = *rng.pick(DST_DAYS);
        let day = NaiveDate::from_ymd_opt(y, m, d).expect("valid day");
        let at = day.and_hms_opt(0, 0, 0).expect("midnight") + Duration::seconds(rng.range(-14 * 3600, 38 * 3600));
        return Utc.from_utc_datetime(&at);
    }
    let base = Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).single().expect("valid");
    base + Duration::seconds(rng.range(0, 3 * 365 * 86_400))
}

fn random_schedule(rng: &mut Rng, instant: DateTime<Utc>) -> Schedule {
    let rules = (0..1 + rng.below(5)).map(|i| random_rule(rng, usize::try_from(i).expect("small"), instant)).collect();
    Schedule {
        time_zone_id: Some((*rng.pick(ZONES)).to_owned()),
        inherit: false,
        force_closed: rng.chance(3),
        rules: Some(rules),
        default_state: Some("Default".into()),
    }
}

fn run_oracle(queries: &[Value]) -> Vec<Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/differential/oracle.py");
    let check = Command::new("python3").args(["-c", "import dateutil"]).output();
    match check {
        Err(error) => panic!("python3 is needed for the differential test ({error}); install Python 3"),
        Ok(out) if !out.status.success() => {
            panic!("python-dateutil is missing: run `pip install python-dateutil` (needed by the differential test)")
        }
        Ok(_) => {}
    }
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the oracle");
    let input = json!({ "queries": queries }).to_string();
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("oracle output");
    writer.join().expect("writer thread").expect("write to the oracle");
    assert!(output.status.success(), "the oracle failed");
    let answer: Value = serde_json::from_slice(&output.stdout).expect("oracle JSON");
    answer["answers"].as_array().expect("answers").clone()
}

fn query(schedule: &Schedule, instant: DateTime<Utc>) -> Value {
    json!({ "schedule": schedule, "instant": render_instant(instant) })
}

#[test]
#[allow(clippy::disallowed_methods)] // a knob of this test run, not a setting of the service
fn the_engine_agrees_with_python_dateutil_on_thousands_of_random_schedules() {
    let seed = std::env::var("CANOPY_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_CA40_u64);
    let cases: usize = std::env::var("CANOPY_DIFF_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let mut rng = Rng(seed | 1);

    // (case index, what the query checks, expected relation)
    enum Check {
        State { expected: String, rule: Option<usize> },
        Differs(String),
        Same(String),
    }
    let mut schedules = Vec::new();
    let mut queries = Vec::new();
    let mut checks = Vec::new();
    while schedules.len() < cases {
        let instant = random_instant(&mut rng);
        let schedule = random_schedule(&mut rng, instant);
        if validate(&schedule, "schedule").is_err() {
            continue;
        }
        let case = schedules.len();
        let evaluation = evaluate_schedule(&schedule, At::Instant(instant));
        let rule = evaluation.rule_id.as_ref().and_then(|id| id.strip_prefix('r')).and_then(|i| i.parse().ok());
        queries.push(query(&schedule, instant));
        checks.push((case, instant, Check::State { expected: evaluation.state_name.clone(), rule }));
        if let Some(next) = evaluation.next_change {
            queries.push(query(&schedule, next));
            checks.push((case, next, Check::Differs(evaluation.state_name.clone())));
            let before = next - Duration::seconds(1);
            if before > instant {
                queries.push(query(&schedule, before));
                checks.push((case, before, Check::Same(evaluation.state_name.clone())));
            }
            let span = (next - instant).num_seconds();
            for _ in 0..2 {
                if span > 2 {
                    let probe = instant + Duration::seconds(rng.range(1, span - 1));
                    queries.push(query(&schedule, probe));
                    checks.push((case, probe, Check::Same(evaluation.state_name.clone())));
                }
            }
        } else if evaluation.reason != canopy_schedule::Reason::ForceClosed {
            for _ in 0..2 {
                let probe = instant + Duration::seconds(rng.range(1, 60 * 86_400));
                queries.push(query(&schedule, probe));
                checks.push((case, probe, Check::Same(evaluation.state_name.clone())));
            }
        }
        schedules.push(schedule);
    }

    let answers = run_oracle(&queries);
    assert_eq!(answers.len(), queries.len());
    let mut failures = Vec::new();
    let mut skipped = 0;
    let mut errors = Vec::new();
    for ((case, instant, check), answer) in checks.iter().zip(&answers) {
        if let Some(error) = answer.get("error") {
            skipped += 1;
            errors.push(format!("case {case}: {error} {}", answer));
            continue;
        }
        let state = answer["stateName"].as_str().unwrap_or_default().to_owned();
        let rule = answer["ruleIndex"].as_u64().and_then(|i| usize::try_from(i).ok());
        let problem = match check {
            Check::State { expected, rule: expected_rule } => {
                (state != *expected || rule != *expected_rule).then(|| {
                    format!("state: engine {expected:?} (rule {expected_rule:?}), oracle {state:?} (rule {rule:?})")
                })
            }
            Check::Differs(old) => (state == *old).then(|| format!("nextChange: the oracle still says {old:?}")),
            Check::Same(old) => (state != *old)
                .then(|| format!("before nextChange: the oracle says {state:?}, the engine keeps {old:?}")),
        };
        if let Some(problem) = problem {
            failures.push(format!(
                "case {case} at {}: {problem}\n  schedule: {}",
                render_instant(*instant),
                serde_json::to_string(&schedules[*case]).unwrap_or_default()
            ));
        }
    }
    assert!(
        skipped * 50 <= queries.len(),
        "the oracle could not answer {skipped} of {} queries: {}",
        queries.len(),
        errors.iter().take(5).cloned().collect::<Vec<_>>().join("; ")
    );
    assert!(
        failures.is_empty(),
        "{} disagreements out of {} queries (seed {seed:#x}); first ones:\n{}",
        failures.len(),
        queries.len(),
        failures.iter().take(8).cloned().collect::<Vec<_>>().join("\n")
    );
}
