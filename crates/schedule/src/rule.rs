//! A Time rule compiled to wall-clock windows: where windows start (one start, or a recurrence) and how long
//! each lasts on the local clock.

use chrono::{Duration, NaiveDateTime, NaiveTime};

use canopy_domain::{DayOfWeek, SchedulingRule};

use crate::parse::{non_empty, parse_date, parse_time};
use crate::recur::{Recurrence, RecurrenceSpec};
use crate::validate::rule_freq;

/// Where the windows of a Time rule start, in local wall-clock time.
#[derive(Debug, Clone)]
pub enum CompiledTime {
    /// `frequency: None`: one window.
    Single(NaiveDateTime),
    /// A recurrence, expanded on demand.
    Recurring(Box<Recurrence>),
    /// Every start up to some horizon, expanded once (rules with `count`, which must be counted from the start).
    Listed(Vec<NaiveDateTime>),
}

/// A Time rule: windows `[start, start + length)` on the local clock.
#[derive(Debug, Clone)]
pub struct TimeRule {
    pub length: Duration,
    pub kind: CompiledTime,
}

pub(crate) fn weekday_index(day: DayOfWeek) -> u32 {
    match day {
        DayOfWeek::Monday => 0,
        DayOfWeek::Tuesday => 1,
        DayOfWeek::Wednesday => 2,
        DayOfWeek::Thursday => 3,
        DayOfWeek::Friday => 4,
        DayOfWeek::Saturday => 5,
        DayOfWeek::Sunday => 6,
    }
}

fn unsigned(values: &Option<Vec<i32>>) -> Vec<u32> {
    values.iter().flatten().filter_map(|v| u32::try_from(*v).ok()).collect()
}

fn signed(values: &Option<Vec<i32>>) -> Vec<i32> {
    values.iter().flatten().copied().filter(|v| *v != 0).collect()
}

/// Compiles the time part of a rule (whatever its `simpleRuleType`). The rule is expected to be valid
/// ([`crate::validate_rule`]); what cannot be read is an error rather than a guess.
pub fn compile_time_rule(rule: &SchedulingRule) -> Result<TimeRule, String> {
    let date_text = non_empty(&rule.start_date).ok_or("the rule has no startDate")?;
    let date = parse_date(date_text).ok_or_else(|| format!("startDate '{date_text}' is not a date"))?;
    let day = Duration::hours(24);
    let (start_time, length) = if rule.is_all_day {
        (NaiveTime::MIN, day)
    } else {
        let start = match non_empty(&rule.start_time) {
            Some(text) => parse_time(text).ok_or_else(|| format!("startTime '{text}' is not a time"))?,
            None => NaiveTime::MIN,
        };
        let length = match non_empty(&rule.end_time) {
            None => day - (start - NaiveTime::MIN),
            Some(text) => {
                let end = parse_time(text).ok_or_else(|| format!("endTime '{text}' is not a time"))?;
                if end > start {
                    end - start
                } else {
                    day - (start - end)
                }
            }
        };
        (start, length)
    };
    let dtstart = date.and_time(start_time);
    let Some(freq) = rule_freq(rule) else {
        return Ok(TimeRule { length, kind: CompiledTime::Single(dtstart) });
    };
    let until = match non_empty(&rule.until_date) {
        None => None,
        Some(text) => {
            let until = parse_date(text).ok_or_else(|| format!("untilDate '{text}' is not a date"))?;
            NaiveTime::from_hms_opt(23, 59, 59).map(|t| until.and_time(t))
        }
    };
    let spec = RecurrenceSpec {
        freq,
        interval: u32::try_from(rule.interval).unwrap_or(1).max(1),
        count: u32::try_from(rule.count).ok().filter(|c| *c > 0),
        until,
        dtstart,
        by_set_pos: signed(&rule.by_set_position),
        by_month: unsigned(&rule.by_month),
        by_week_no: signed(&rule.by_week_no),
        by_year_day: signed(&rule.by_year_day),
        by_month_day: signed(&rule.by_month_day),
        by_day: rule.by_day.iter().flatten().map(|d| (weekday_index(d.day_of_week), d.offset)).collect(),
        by_hour: unsigned(&rule.by_hour),
        by_minute: unsigned(&rule.by_minute),
    };
    Ok(TimeRule { length, kind: CompiledTime::Recurring(Box::new(Recurrence::new(&spec))) })
}

impl TimeRule {
    /// Rules with `count` are expanded once, from the start up to `upto`, so that later queries are cheap.
    pub fn expand_counted(&mut self, upto: NaiveDateTime) {
        if let CompiledTime::Recurring(recurrence) = &self.kind {
            if recurrence.count().is_some() {
                let mut starts = Vec::new();
                recurrence.for_each_between(NaiveDateTime::MIN, upto, |start| {
                    starts.push(start);
                    true
                });
                self.kind = CompiledTime::Listed(starts);
            }
        }
    }

    /// Window starts `s` with `after < s <= upto`, in order, appended to `out`.
    pub fn starts_between(&self, after: NaiveDateTime, upto: NaiveDateTime, out: &mut Vec<NaiveDateTime>) {
        match &self.kind {
            CompiledTime::Single(start) => {
                if after < *start && *start <= upto {
                    out.push(*start);
                }
            }
            CompiledTime::Recurring(recurrence) => {
                recurrence.for_each_between(after, upto, |start| {
                    out.push(start);
                    true
                });
            }
            CompiledTime::Listed(starts) => {
                let from = starts.partition_point(|s| *s <= after);
                let to = starts.partition_point(|s| *s <= upto);
                out.extend_from_slice(starts.get(from..to).unwrap_or_default());
            }
        }
    }

    /// Whether the local wall-clock time `local` lies in one of the windows (`[start, start + length)`).
    pub fn covers(&self, local: NaiveDateTime) -> bool {
        let after = local - self.length;
        match &self.kind {
            CompiledTime::Single(start) => after < *start && *start <= local,
            CompiledTime::Recurring(recurrence) => {
                let mut found = false;
                recurrence.for_each_between(after, local, |_| {
                    found = true;
                    false
                });
                found
            }
            CompiledTime::Listed(starts) => {
                let last = starts.partition_point(|s| *s <= local);
                last > 0 && starts.get(last - 1).is_some_and(|s| *s > after)
            }
        }
    }
}
