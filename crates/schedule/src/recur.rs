//! RFC 5545 recurrence expansion over naive (wall-clock) date-times.
//!
//! The algorithm is python-dateutil's `rrule._iter` (the reference implementation the contract names), period by
//! period: a period (a year, month, week, day, hour, minute or second, stepped by `interval`) yields the days that
//! pass the BY filters, combined with the period's times of day, optionally reduced by `BYSETPOS`, kept when not
//! before DTSTART, stopped by `UNTIL` or `COUNT`. Two things differ on purpose:
//!
//! * Expansion can start at any period ("jump"): without `COUNT`, the periods before the one that can hold the
//!   first wanted occurrence are skipped arithmetically, so the cost of a query does not depend on how long ago
//!   DTSTART was. With `COUNT`, occurrences must be counted from DTSTART (bounded at write time, see
//!   [`Recurrence::count_walk_periods`]).
//! * A `BYDAY` list mixing plain weekdays and ordinals (`MO,1FR`) is their union, as RFC 5545 says; dateutil
//!   intersects them.
//!
//! Iteration always stops at the end of the asked range, so a rule that never (or rarely) occurs costs no more
//! than the periods inside the range.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::parse::MAX_YEAR;

/// Frequencies, in dateutil's order (coarsest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Freq {
    Yearly,
    Monthly,
    Weekly,
    Daily,
    Hourly,
    Minutely,
    Secondly,
}

/// The recurrence fields as the schedule gives them (already parsed; lists may be empty).
#[derive(Debug, Clone)]
pub struct RecurrenceSpec {
    pub freq: Freq,
    pub interval: u32,
    pub count: Option<u32>,
    pub until: Option<NaiveDateTime>,
    pub dtstart: NaiveDateTime,
    pub by_set_pos: Vec<i32>,
    pub by_month: Vec<u32>,
    pub by_week_no: Vec<i32>,
    pub by_year_day: Vec<i32>,
    pub by_month_day: Vec<i32>,
    /// `(weekday, n)`: weekday 0 = Monday; `n` 0 = every such weekday.
    pub by_day: Vec<(u32, i32)>,
    pub by_hour: Vec<u32>,
    pub by_minute: Vec<u32>,
}

/// A recurrence ready to expand, BY defaults filled in from DTSTART as RFC 5545 / dateutil do.
#[derive(Debug, Clone)]
pub struct Recurrence {
    freq: Freq,
    interval: i64,
    count: Option<u32>,
    until: Option<NaiveDateTime>,
    dtstart: NaiveDateTime,
    by_set_pos: Vec<i32>,
    by_month: Vec<u32>,
    by_week_no: Vec<i32>,
    by_year_day: Vec<i32>,
    by_month_day: Vec<i32>,
    by_n_month_day: Vec<i32>,
    by_weekday: Vec<u32>,
    by_n_weekday: Vec<(u32, i32)>,
    by_hour: Vec<u32>,
    by_minute: Vec<u32>,
    by_second: Vec<u32>,
    /// Times of day of every period, for frequencies coarser than hourly.
    timeset: Vec<NaiveTime>,
}

fn sorted_unique<T: Ord + Copy>(items: &[T]) -> Vec<T> {
    let mut v = items.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    match (NaiveDate::from_ymd_opt(ny, nm, 1), NaiveDate::from_ymd_opt(year, month, 1)) {
        (Some(next), Some(this)) => u32::try_from((next - this).num_days()).unwrap_or(31),
        _ => 31,
    }
}

fn year_len(year: i32) -> i64 {
    if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        366
    } else {
        365
    }
}

fn weekday0(date: NaiveDate) -> u32 {
    date.weekday().num_days_from_monday()
}

fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

/// One period's expansion: candidate days (filtered) and its times of day.
struct Period {
    days: Vec<NaiveDate>,
    times: Vec<NaiveTime>,
}

/// What to do after a sub-daily period produced nothing because a filter failed.
enum Skip {
    None,
    ToNextDay,
    ToNextHour,
    ToNextMinute,
}

impl Recurrence {
    pub fn new(spec: &RecurrenceSpec) -> Self {
        let dtstart = spec.dtstart;
        let freq = spec.freq;
        let mut by_month = sorted_unique(&spec.by_month);
        let by_week_no = sorted_unique(&spec.by_week_no);
        let by_year_day = sorted_unique(&spec.by_year_day);
        let mut by_month_day: Vec<i32> = sorted_unique(&spec.by_month_day).into_iter().filter(|d| *d > 0).collect();
        let by_n_month_day: Vec<i32> = sorted_unique(&spec.by_month_day).into_iter().filter(|d| *d < 0).collect();
        let mut by_weekday = Vec::new();
        let mut by_n_weekday = Vec::new();
        for &(weekday, n) in &spec.by_day {
            if n == 0 || freq > Freq::Monthly {
                by_weekday.push(weekday);
            } else {
                by_n_weekday.push((weekday, n));
            }
        }
        by_weekday = sorted_unique(&by_weekday);
        by_n_weekday = sorted_unique(&by_n_weekday);

        if by_week_no.is_empty() && by_year_day.is_empty() && spec.by_month_day.is_empty() && spec.by_day.is_empty() {
            match freq {
                Freq::Yearly => {
                    if by_month.is_empty() {
                        by_month = vec![dtstart.month()];
                    }
                    by_month_day = vec![i32::try_from(dtstart.day()).unwrap_or(1)];
                }
                Freq::Monthly => by_month_day = vec![i32::try_from(dtstart.day()).unwrap_or(1)],
                Freq::Weekly => by_weekday = vec![weekday0(dtstart.date())],
                _ => {}
            }
        }
        let mut by_hour = sorted_unique(&spec.by_hour);
        if by_hour.is_empty() && freq < Freq::Hourly {
            by_hour = vec![dtstart.hour()];
        }
        let mut by_minute = sorted_unique(&spec.by_minute);
        if by_minute.is_empty() && freq < Freq::Minutely {
            by_minute = vec![dtstart.minute()];
        }
        let by_second = if freq < Freq::Secondly { vec![dtstart.second()] } else { Vec::new() };
        let mut timeset = Vec::new();
        if freq < Freq::Hourly {
            for &h in &by_hour {
                for &m in &by_minute {
                    for &s in &by_second {
                        if let Some(t) = NaiveTime::from_hms_opt(h, m, s) {
                            timeset.push(t);
                        }
                    }
                }
            }
            timeset.sort_unstable();
        }
        Self {
            freq,
            interval: i64::from(spec.interval.max(1)),
            count: spec.count.filter(|c| *c > 0),
            until: spec.until,
            dtstart,
            by_set_pos: sorted_unique(&spec.by_set_pos),
            by_month,
            by_week_no,
            by_year_day,
            by_month_day,
            by_n_month_day,
            by_weekday,
            by_n_weekday,
            by_hour,
            by_minute,
            by_second,
            timeset,
        }
    }

    pub fn count(&self) -> Option<u32> {
        self.count
    }

    /// The length of one step, for the sub-daily frequencies.
    fn step(&self) -> Duration {
        match self.freq {
            Freq::Hourly => Duration::hours(self.interval),
            Freq::Minutely => Duration::minutes(self.interval),
            _ => Duration::seconds(self.interval),
        }
    }

    /// The first instant of the first sub-daily period (DTSTART truncated to the frequency's unit).
    fn sub_daily_base(&self) -> NaiveDateTime {
        let d = self.dtstart;
        let date = d.date();
        let time = match self.freq {
            Freq::Hourly => NaiveTime::from_hms_opt(d.hour(), 0, 0),
            Freq::Minutely => NaiveTime::from_hms_opt(d.hour(), d.minute(), 0),
            _ => Some(d.time()),
        };
        date.and_time(time.unwrap_or(d.time()))
    }

    fn week_zero(&self) -> NaiveDate {
        let date = self.dtstart.date();
        date - Duration::days(i64::from(weekday0(date)))
    }

    /// The index of the first period that can hold an occurrence at or after `from` (0 when `from` is before
    /// DTSTART's period).
    fn first_period_for(&self, from: NaiveDateTime) -> i64 {
        let d = self.dtstart;
        let units = match self.freq {
            Freq::Yearly => i64::from(from.year() - d.year()),
            Freq::Monthly => i64::from(from.year() - d.year()) * 12 + i64::from(from.month()) - i64::from(d.month()),
            Freq::Weekly => {
                let from_week = from.date() - Duration::days(i64::from(weekday0(from.date())));
                (from_week - self.week_zero()).num_days().div_euclid(7)
            }
            Freq::Daily => (from.date() - d.date()).num_days(),
            Freq::Hourly | Freq::Minutely | Freq::Secondly => {
                let step = self.step().num_seconds().max(1);
                return (from - self.sub_daily_base()).num_seconds().div_euclid(step).max(0);
            }
        };
        units.div_euclid(self.interval).max(0)
    }

    /// The earliest date-time any candidate of period `k` can have; `None` past the supported years.
    fn period_start(&self, k: i64) -> Option<NaiveDateTime> {
        let d = self.dtstart;
        let midnight = NaiveTime::MIN;
        let offset = k.checked_mul(self.interval)?;
        let date = match self.freq {
            Freq::Yearly => ymd(i32::try_from(i64::from(d.year()) + offset).ok()?, 1, 1)?,
            Freq::Monthly => {
                let index = i64::from(d.year()) * 12 + i64::from(d.month0()) + offset;
                ymd(i32::try_from(index.div_euclid(12)).ok()?, u32::try_from(index.rem_euclid(12)).ok()? + 1, 1)?
            }
            Freq::Weekly if k == 0 => d.date(),
            Freq::Weekly => self.week_zero().checked_add_signed(Duration::try_days(offset.checked_mul(7)?)?)?,
            Freq::Daily => d.date().checked_add_signed(Duration::try_days(offset)?)?,
            Freq::Hourly | Freq::Minutely | Freq::Secondly => {
                let at = self.sub_daily_base().checked_add_signed(self.step().checked_mul(i32::try_from(k).ok()?)?)?;
                return (at.year() <= MAX_YEAR).then_some(at);
            }
        };
        (date.year() <= MAX_YEAR).then(|| date.and_time(midnight))
    }

    /// Whether `date` passes the day-level BY filters. `nth` holds the days the ordinal weekdays select in the
    /// period (MONTHLY, YEARLY); `week_no` the `BYWEEKNO` mask of the period's year (YEARLY).
    fn day_matches(&self, date: NaiveDate, nth: &[NaiveDate], week_no: Option<&[bool]>) -> bool {
        if !self.by_month.is_empty() && !self.by_month.contains(&date.month()) {
            return false;
        }
        if let Some(mask) = week_no {
            let index = usize::try_from(date.ordinal0()).unwrap_or(usize::MAX);
            if !mask.get(index).copied().unwrap_or(false) {
                return false;
            }
        }
        if !self.by_weekday.is_empty() || !self.by_n_weekday.is_empty() {
            let plain = self.by_weekday.contains(&weekday0(date));
            if !plain && !nth.contains(&date) {
                return false;
            }
        }
        if !self.by_month_day.is_empty() || !self.by_n_month_day.is_empty() {
            let day = i32::try_from(date.day()).unwrap_or(0);
            let len = i32::try_from(days_in_month(date.year(), date.month())).unwrap_or(31);
            if !self.by_month_day.contains(&day) && !self.by_n_month_day.contains(&(day - len - 1)) {
                return false;
            }
        }
        if !self.by_year_day.is_empty() {
            let day = i32::try_from(date.ordinal()).unwrap_or(0);
            let len = i32::try_from(year_len(date.year())).unwrap_or(365);
            if !self.by_year_day.contains(&day) && !self.by_year_day.contains(&(day - len - 1)) {
                return false;
            }
        }
        true
    }

    /// The days the ordinal weekdays (`1MO`, `-1FR`) select inside the given date ranges.
    fn nth_days(&self, ranges: &[(NaiveDate, NaiveDate)]) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        for &(first, last) in ranges {
            for &(weekday, n) in &self.by_n_weekday {
                let day = if n < 0 {
                    let base = last + Duration::days(i64::from(n + 1) * 7);
                    let back = (i64::from(weekday0(base)) - i64::from(weekday)).rem_euclid(7);
                    base - Duration::days(back)
                } else {
                    let base = first + Duration::days(i64::from(n - 1) * 7);
                    let forward = (7 - i64::from(weekday0(base)) + i64::from(weekday)).rem_euclid(7);
                    base + Duration::days(forward)
                };
                if first <= day && day <= last {
                    out.push(day);
                }
            }
        }
        out
    }

    /// dateutil's `wnomask` for `year` (week start Monday), indexed by day of year (0-based).
    fn week_no_mask(&self, year: i32) -> Vec<bool> {
        let Some(jan1) = ymd(year, 1, 1) else { return Vec::new() };
        let yearlen = year_len(year);
        let yearweekday = i64::from(weekday0(jan1));
        let wkst = 0_i64;
        let mut mask = vec![false; usize::try_from(yearlen + 8).unwrap_or(374)];
        let wday = |i: i64| (yearweekday + i).rem_euclid(7);
        let firstwkst = (7 - yearweekday + wkst).rem_euclid(7);
        let mut no1wkst = firstwkst;
        let wyearlen = if no1wkst >= 4 {
            no1wkst = 0;
            yearlen + (yearweekday - wkst).rem_euclid(7)
        } else {
            yearlen - no1wkst
        };
        let numweeks = wyearlen / 7 + (wyearlen % 7) / 4;
        let mark_week = |mut i: i64, mask: &mut Vec<bool>| {
            for _ in 0..7 {
                if let Some(slot) = usize::try_from(i).ok().and_then(|i| mask.get_mut(i)) {
                    *slot = true;
                }
                i += 1;
                if wday(i) == wkst {
                    break;
                }
            }
        };
        for &n in &self.by_week_no {
            let n = i64::from(n);
            let n = if n < 0 { n + numweeks + 1 } else { n };
            if !(0 < n && n <= numweeks) {
                continue;
            }
            let i = if n > 1 {
                let mut i = no1wkst + (n - 1) * 7;
                if no1wkst != firstwkst {
                    i -= 7 - firstwkst;
                }
                i
            } else {
                no1wkst
            };
            mark_week(i, &mut mask);
        }
        if self.by_week_no.contains(&1) {
            let mut i = no1wkst + numweeks * 7;
            if no1wkst != firstwkst {
                i -= 7 - firstwkst;
            }
            if i < yearlen {
                mark_week(i, &mut mask);
            }
        }
        if no1wkst != 0 {
            let lnumweeks = if self.by_week_no.contains(&-1) {
                -1
            } else {
                let lyearweekday = ymd(year - 1, 1, 1).map_or(0, |d| i64::from(weekday0(d)));
                let lno1wkst = (7 - lyearweekday + wkst).rem_euclid(7);
                let lyearlen = year_len(year - 1);
                if lno1wkst >= 4 {
                    52 + (lyearlen + (lyearweekday - wkst).rem_euclid(7)).rem_euclid(7) / 4
                } else {
                    52 + (yearlen - no1wkst).rem_euclid(7) / 4
                }
            };
            if self.by_week_no.iter().any(|n| i64::from(*n) == lnumweeks) {
                for slot in mask.iter_mut().take(usize::try_from(no1wkst).unwrap_or(0)) {
                    *slot = true;
                }
            }
        }
        mask
    }

    /// Expands period `k` (starting at `start`, from [`Self::period_start`]). Sub-daily periods that fail a
    /// filter say how far the caller may skip.
    fn expand(&self, k: i64, start: NaiveDateTime) -> (Period, Skip) {
        let mut days = Vec::new();
        let empty = |skip| (Period { days: Vec::new(), times: Vec::new() }, skip);
        match self.freq {
            Freq::Yearly | Freq::Monthly => {
                let year = start.year();
                let (first, last) = if self.freq == Freq::Yearly {
                    (ymd(year, 1, 1), ymd(year, 12, 31))
                } else {
                    (Some(start.date()), ymd(year, start.month(), days_in_month(year, start.month())))
                };
                let (Some(first), Some(last)) = (first, last) else { return empty(Skip::None) };
                let nth = if self.by_n_weekday.is_empty() {
                    Vec::new()
                } else if self.freq == Freq::Yearly && !self.by_month.is_empty() {
                    let ranges: Vec<_> = self
                        .by_month
                        .iter()
                        .filter_map(|&m| Some((ymd(year, m, 1)?, ymd(year, m, days_in_month(year, m))?)))
                        .collect();
                    self.nth_days(&ranges)
                } else {
                    self.nth_days(&[(first, last)])
                };
                let mask = (self.freq == Freq::Yearly && !self.by_week_no.is_empty()).then(|| self.week_no_mask(year));
                // Only the months BYMONTH keeps can hold candidates (a shortcut; `day_matches` checks it too).
                let spans: Vec<(NaiveDate, NaiveDate)> = if self.freq == Freq::Yearly && !self.by_month.is_empty() {
                    self.by_month
                        .iter()
                        .filter_map(|&m| Some((ymd(year, m, 1)?, ymd(year, m, days_in_month(year, m))?)))
                        .collect()
                } else {
                    vec![(first, last)]
                };
                for (first, last) in spans {
                    let mut day = first;
                    while day <= last {
                        if self.day_matches(day, &nth, mask.as_deref()) {
                            days.push(day);
                        }
                        match day.succ_opt() {
                            Some(next) => day = next,
                            None => break,
                        }
                    }
                }
                (Period { days, times: self.timeset.clone() }, Skip::None)
            }
            Freq::Weekly => {
                let week_end =
                    if k == 0 { self.week_zero() + Duration::days(7) } else { start.date() + Duration::days(7) };
                let mut day = start.date();
                while day < week_end {
                    if self.day_matches(day, &[], None) {
                        days.push(day);
                    }
                    day += Duration::days(1);
                }
                (Period { days, times: self.timeset.clone() }, Skip::None)
            }
            Freq::Daily => {
                if self.day_matches(start.date(), &[], None) {
                    days.push(start.date());
                }
                (Period { days, times: self.timeset.clone() }, Skip::None)
            }
            Freq::Hourly | Freq::Minutely | Freq::Secondly => {
                if !self.day_matches(start.date(), &[], None) {
                    return empty(Skip::ToNextDay);
                }
                if !self.by_hour.is_empty() && !self.by_hour.contains(&start.hour()) {
                    return empty(if self.freq == Freq::Hourly { Skip::None } else { Skip::ToNextHour });
                }
                if self.freq >= Freq::Minutely
                    && !self.by_minute.is_empty()
                    && !self.by_minute.contains(&start.minute())
                {
                    return empty(if self.freq == Freq::Minutely { Skip::None } else { Skip::ToNextMinute });
                }
                let mut times = Vec::new();
                match self.freq {
                    Freq::Hourly => {
                        for &m in &self.by_minute {
                            for &s in &self.by_second {
                                times.extend(NaiveTime::from_hms_opt(start.hour(), m, s));
                            }
                        }
                        times.sort_unstable();
                    }
                    Freq::Minutely => {
                        for &s in &self.by_second {
                            times.extend(NaiveTime::from_hms_opt(start.hour(), start.minute(), s));
                        }
                    }
                    _ => times.push(start.time()),
                }
                (Period { days: vec![start.date()], times }, Skip::None)
            }
        }
    }

    /// The candidates of a period in order, after `BYSETPOS`.
    fn candidates(&self, period: &Period, out: &mut Vec<NaiveDateTime>) {
        out.clear();
        if period.times.is_empty() {
            return;
        }
        if self.by_set_pos.is_empty() {
            for day in &period.days {
                for time in &period.times {
                    out.push(day.and_time(*time));
                }
            }
            return;
        }
        let per_day = i64::try_from(period.times.len()).unwrap_or(i64::MAX);
        let days = i64::try_from(period.days.len()).unwrap_or(i64::MAX);
        for &pos in &self.by_set_pos {
            let pos = i64::from(pos);
            let (day_pos, time_pos) = if pos < 0 {
                (pos.div_euclid(per_day), pos.rem_euclid(per_day))
            } else {
                ((pos - 1) / per_day, (pos - 1) % per_day)
            };
            let day_index = if day_pos < 0 { days + day_pos } else { day_pos };
            let (Ok(day_index), Ok(time_index)) = (usize::try_from(day_index), usize::try_from(time_pos)) else {
                continue;
            };
            if let (Some(day), Some(time)) = (period.days.get(day_index), period.times.get(time_index)) {
                let candidate = day.and_time(*time);
                if !out.contains(&candidate) {
                    out.push(candidate);
                }
            }
        }
        out.sort_unstable();
    }

    /// The period index to continue with after a sub-daily period that asked to skip.
    fn skip_to(&self, k: i64, start: NaiveDateTime, skip: Skip) -> i64 {
        let boundary = match skip {
            Skip::None => return k + 1,
            Skip::ToNextDay => start.date().succ_opt().map(|d| d.and_time(NaiveTime::MIN)),
            Skip::ToNextHour => {
                NaiveTime::from_hms_opt(start.hour(), 0, 0).map(|t| start.date().and_time(t) + Duration::hours(1))
            }
            Skip::ToNextMinute => NaiveTime::from_hms_opt(start.hour(), start.minute(), 0)
                .map(|t| start.date().and_time(t) + Duration::minutes(1)),
        };
        let Some(boundary) = boundary else { return k + 1 };
        let step = self.step().num_seconds().max(1);
        let needed = (boundary - self.sub_daily_base()).num_seconds();
        // The first period starting at or after the boundary.
        let target = needed.div_euclid(step) + i64::from(needed.rem_euclid(step) != 0);
        target.max(k + 1)
    }

    /// Calls `visit` with every occurrence `o` with `after < o <= upto`, in order, until it returns `false`.
    /// Returns the number of periods examined (for cost accounting).
    pub fn for_each_between(
        &self,
        after: NaiveDateTime,
        upto: NaiveDateTime,
        mut visit: impl FnMut(NaiveDateTime) -> bool,
    ) -> u64 {
        let mut periods = 0_u64;
        if upto < self.dtstart || self.until.is_some_and(|until| after >= until) {
            return periods;
        }
        let mut remaining = self.count;
        let mut k = if remaining.is_some() { 0 } else { self.first_period_for(after) };
        let mut buffer = Vec::new();
        loop {
            let Some(start) = self.period_start(k) else { return periods };
            if start > upto {
                return periods;
            }
            periods += 1;
            let (period, skip) = self.expand(k, start);
            self.candidates(&period, &mut buffer);
            for &candidate in &buffer {
                if self.until.is_some_and(|until| candidate > until) || candidate > upto {
                    return periods;
                }
                if candidate < self.dtstart {
                    continue;
                }
                if let Some(left) = remaining.as_mut() {
                    *left -= 1;
                }
                if candidate > after && !visit(candidate) {
                    return periods;
                }
                if remaining == Some(0) {
                    return periods;
                }
            }
            k = self.skip_to(k, start, skip);
        }
    }

    /// How many periods must be walked from DTSTART until `COUNT` is exhausted, giving up past `budget`.
    /// `None` when there is no count or the budget ran out first.
    pub fn count_walk_periods(&self, budget: u64) -> Option<u64> {
        let count = self.count?;
        let mut seen = 0_u32;
        let mut periods = 0_u64;
        let mut k = 0_i64;
        let mut buffer = Vec::new();
        while periods < budget {
            let Some(start) = self.period_start(k) else { return Some(periods) };
            periods += 1;
            let (period, skip) = self.expand(k, start);
            self.candidates(&period, &mut buffer);
            for &candidate in &buffer {
                if self.until.is_some_and(|until| candidate > until) {
                    return Some(periods);
                }
                if candidate >= self.dtstart {
                    seen += 1;
                    if seen >= count {
                        return Some(periods);
                    }
                }
            }
            k = self.skip_to(k, start, skip);
        }
        None
    }
}
