//! Effective schedules and evaluation at an instant, with `nextChange`.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use canopy_domain::{Schedule, SchedulingRule, SimpleSchedulingRuleType, Struct, ValidationErrors};

use crate::parse::non_empty;
use crate::rule::{compile_time_rule, TimeRule};
use crate::tz::resolve_time_zone;
use crate::validate::validate_rule;

/// `nextChange` is searched up to (excluding) this far after the evaluated instant.
pub const NEXT_CHANGE_HORIZON_HOURS: i64 = 400 * 24;

/// The state a `forceClosed` schedule is in.
pub const FORCE_CLOSED_STATE: &str = "Closed";

/// One customer of a chain, nearest first: `[customer, parent, grandparent, …, top-level customer]`.
#[derive(Debug, Clone, Copy)]
pub struct ChainLink<'a> {
    pub id: &'a str,
    /// The customer's own stored schedule; `None` when it has none (then it behaves as `inherit: true`).
    pub schedule: Option<&'a Schedule>,
}

impl<'a> ChainLink<'a> {
    pub fn new(id: &'a str, schedule: Option<&'a Schedule>) -> Self {
        Self { id, schedule }
    }
}

/// Where an effective schedule comes from (`sourceKind` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A customer's own schedule (`sourceId` is that customer).
    Customer,
    /// No schedule anywhere up the chain: the empty schedule.
    Default,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Default => "default",
        }
    }
}

/// The schedule a customer actually uses, and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectiveSchedule {
    /// The owner's schedule as stored, except that an empty `timeZoneId` is filled with the cascaded zone.
    /// `Schedule::default()` when there is no schedule anywhere up the chain.
    pub schedule: Schedule,
    /// The id of the customer that owns the schedule.
    pub source_id: Option<String>,
    pub source_kind: SourceKind,
    /// The owner's index in the chain (0 = the customer itself).
    pub source_index: Option<usize>,
    /// The IANA zone the customer's schedule is evaluated in ("UTC" when nothing up the chain sets one).
    pub time_zone_id: String,
}

/// The index of the customer whose schedule the customer at `from` uses: walk up while `inherit` is true
/// (or there is no schedule); a top-level customer with `inherit: true` uses its own fields.
fn owner_index(chain: &[ChainLink<'_>], from: usize) -> Option<usize> {
    let last = chain.len().checked_sub(1)?;
    (from..chain.len()).find(|&i| match chain[i].schedule {
        None => false,
        Some(schedule) => !schedule.inherit || i == last,
    })
}

struct Zone {
    tz: Tz,
    /// The raw id that could not be resolved, if any (then UTC is used).
    unknown: Option<String>,
}

/// The zone of the customer at `from`: its effective schedule's `timeZoneId` when non-empty, else its parent's
/// zone, else UTC. An id that does not resolve (refused at write time, so only in old data) means UTC.
fn zone_of(chain: &[ChainLink<'_>], from: usize) -> Zone {
    for i in from..chain.len() {
        let id = owner_index(chain, i).and_then(|owner| chain[owner].schedule).and_then(|s| non_empty(&s.time_zone_id));
        if let Some(id) = id {
            return match resolve_time_zone(id) {
                Some(tz) => Zone { tz, unknown: None },
                None => Zone { tz: Tz::UTC, unknown: Some(id.to_owned()) },
            };
        }
    }
    Zone { tz: Tz::UTC, unknown: None }
}

/// The effective schedule of `chain[0]` (see [`ChainLink`]).
pub fn effective_schedule(chain: &[ChainLink<'_>]) -> EffectiveSchedule {
    let zone = zone_of(chain, 0);
    let time_zone_id = zone.tz.name().to_owned();
    match owner_index(chain, 0) {
        Some(owner) => {
            let mut schedule = chain[owner].schedule.cloned().unwrap_or_default();
            if non_empty(&schedule.time_zone_id).is_none() {
                schedule.time_zone_id = Some(time_zone_id.clone());
            }
            EffectiveSchedule {
                schedule,
                source_id: Some(chain[owner].id.to_owned()),
                source_kind: SourceKind::Customer,
                source_index: Some(owner),
                time_zone_id,
            }
        }
        None => EffectiveSchedule {
            schedule: Schedule::default(),
            source_id: None,
            source_kind: SourceKind::Default,
            source_index: None,
            time_zone_id,
        },
    }
}

/// The moment to evaluate at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// An instant (an ISO date-time with `Z` or an offset).
    Instant(DateTime<Utc>),
    /// A wall-clock time in the schedule's zone (an ISO date-time without offset), used as it is.
    Local(NaiveDateTime),
}

/// Reads `test-schedule`'s `dateTime`: ISO 8601 with `Z` or an offset (an instant), or without (a local time);
/// `T` or a space between date and time; seconds and fractions optional; a bare date means its midnight.
pub fn parse_at(text: &str) -> Option<At> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(At::Instant(dt.with_timezone(&Utc)));
    }
    let (body, offset) = split_offset(text);
    let naive = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(body, format).ok())
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(body, "%Y-%m-%d").ok().map(|d| d.and_time(chrono::NaiveTime::MIN))
        })?;
    match offset {
        None => Some(At::Local(naive)),
        Some(seconds) => {
            let fixed = chrono::FixedOffset::east_opt(seconds)?;
            let instant = fixed.from_local_datetime(&naive).single()?;
            Some(At::Instant(instant.with_timezone(&Utc)))
        }
    }
}

/// Splits a trailing `Z` / `±HH:mm` / `±HHmm` / `±HH` off a date-time; the offset in seconds east.
fn split_offset(text: &str) -> (&str, Option<i32>) {
    if let Some(body) = text.strip_suffix(['Z', 'z']) {
        return (body, Some(0));
    }
    let Some(time_at) = text.find(['T', 't', ' ']) else { return (text, None) };
    let Some(sign_at) = text[time_at..].rfind(['+', '-']).map(|i| i + time_at) else { return (text, None) };
    let (body, offset) = text.split_at(sign_at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits: String = offset[1..].chars().filter(|c| *c != ':').collect();
    let (h, m) = match digits.len() {
        2 => (digits.as_str(), "0"),
        4 => (&digits[..2], &digits[2..]),
        _ => return (text, None),
    };
    match (h.parse::<i32>(), m.parse::<i32>()) {
        (Ok(h), Ok(m)) if h <= 14 && m < 60 => (body, Some(sign * (h * 3600 + m * 60))),
        _ => (text, None),
    }
}

/// Why the state is what it is (`reason` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    ForceClosed,
    Rule,
    Default,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ForceClosed => "forceClosed",
            Self::Rule => "rule",
            Self::Default => "default",
        }
    }
}

/// A rule that was skipped (`warnings` on the wire).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The rule's index in the schedule's `rules` (`None` for a warning about the schedule itself).
    pub rule_index: Option<usize>,
    pub rule_id: Option<String>,
    /// `ConditionNotEvaluated`, `InvalidRule` or `UnknownTimeZone`.
    pub code: &'static str,
    pub message: String,
}

/// The answer of `test-schedule`.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub state_name: String,
    /// The IANA zone used.
    pub time_zone_id: String,
    pub rule_id: Option<String>,
    pub rule_name: Option<String>,
    pub flow_id: Option<String>,
    pub flow_params: Option<Struct>,
    pub reason: Reason,
    /// The next instant (strictly less than 400 × 24 h later) at which `state_name` differs; render with
    /// [`render_instant`].
    pub next_change: Option<DateTime<Utc>>,
    pub warnings: Vec<Warning>,
}

/// An instant as ISO 8601 with `Z`, to the second (`2024-03-31T01:00:00Z`).
pub fn render_instant(instant: DateTime<Utc>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

enum Matcher {
    Always,
    /// Lower-cased `customerState`.
    CustomerState(String),
    Time(TimeRule),
}

/// A customer's effective schedule, ready to evaluate, with the parent of its owner when CustomerState rules
/// need it.
struct Level<'a> {
    schedule: Option<&'a Schedule>,
    tz: Tz,
    /// `(index in schedule.rules, matcher)` in decision order; rules that can never match are left out.
    rules: Vec<(usize, Matcher)>,
    warnings: Vec<Warning>,
    parent: Option<Box<Level<'a>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    ForceClosed,
    /// Position in `Level::rules`.
    Rule(usize),
    Default,
}

/// Window starts of every Time rule (and of the parent's) for one stretch of the `nextChange` search.
struct View {
    starts: Vec<Vec<NaiveDateTime>>,
    parent: Option<Box<View>>,
}

fn rule_warning(index: usize, rule: &SchedulingRule, code: &'static str, message: String) -> Warning {
    Warning { rule_index: Some(index), rule_id: rule.id.clone(), code, message }
}

fn describe(index: usize, rule: &SchedulingRule) -> String {
    match non_empty(&rule.name) {
        Some(name) => format!("rule {index} ('{name}')"),
        None => format!("rule {index}"),
    }
}

/// Local wall-clock margin around a stretch of instants: more than any UTC offset.
fn margin() -> Duration {
    Duration::hours(26)
}

impl<'a> Level<'a> {
    /// The customer at `chain[from]`. `expand_upto` bounds the expansion of rules with `count`.
    fn build(chain: &[ChainLink<'a>], from: usize, expand_upto: NaiveDateTime) -> Self {
        let zone = zone_of(chain, from);
        let mut warnings = Vec::new();
        if let Some(id) = zone.unknown {
            warnings.push(Warning {
                rule_index: None,
                rule_id: None,
                code: "UnknownTimeZone",
                message: format!("unknown time zone '{id}'; UTC is used"),
            });
        }
        let owner = owner_index(chain, from);
        let schedule = owner.and_then(|o| chain[o].schedule);
        let has_parent = owner.is_some_and(|o| o + 1 < chain.len());
        let mut rules = Vec::new();
        if let Some(schedule) = schedule {
            let list = schedule.rules.as_deref().unwrap_or_default();
            let mut order: Vec<usize> = (0..list.len()).collect();
            order.sort_by_key(|&i| list[i].priority);
            let mut decided = schedule.force_closed;
            for index in order {
                let rule = &list[index];
                if non_empty(&rule.condition).is_some() {
                    warnings.push(rule_warning(
                        index,
                        rule,
                        "ConditionNotEvaluated",
                        format!(
                            "{} has a condition; scripted rules are not evaluated and never match",
                            describe(index, rule)
                        ),
                    ));
                    continue;
                }
                if decided {
                    continue;
                }
                let mut errors = ValidationErrors::default();
                validate_rule(rule, &format!("rules[{index}]"), &mut errors);
                if !errors.is_empty() {
                    warnings.push(rule_warning(
                        index,
                        rule,
                        "InvalidRule",
                        format!("{} is invalid and was skipped: {errors}", describe(index, rule)),
                    ));
                    continue;
                }
                match rule.simple_rule_type {
                    SimpleSchedulingRuleType::Always => {
                        rules.push((index, Matcher::Always));
                        // Nothing after an unconditional rule can decide.
                        decided = true;
                    }
                    SimpleSchedulingRuleType::CustomerState => {
                        if let (true, Some(want)) = (has_parent, non_empty(&rule.customer_state)) {
                            rules.push((index, Matcher::CustomerState(want.to_lowercase())));
                        }
                    }
                    SimpleSchedulingRuleType::Time => match compile_time_rule(rule) {
                        Ok(mut time) => {
                            time.expand_counted(expand_upto);
                            rules.push((index, Matcher::Time(time)));
                        }
                        Err(message) => warnings.push(rule_warning(
                            index,
                            rule,
                            "InvalidRule",
                            format!("{} was skipped: {message}", describe(index, rule)),
                        )),
                    },
                }
            }
        }
        let needs_parent = rules.iter().any(|(_, m)| matches!(m, Matcher::CustomerState(_)));
        let parent = match owner {
            Some(o) if needs_parent => Some(Box::new(Level::build(chain, o + 1, expand_upto))),
            _ => None,
        };
        Level { schedule, tz: zone.tz, rules, warnings, parent }
    }

    fn local(&self, instant: DateTime<Utc>) -> NaiveDateTime {
        instant.with_timezone(&self.tz).naive_local()
    }

    fn decide(&self, local: NaiveDateTime, instant: DateTime<Utc>, view: Option<&View>) -> Outcome {
        let Some(schedule) = self.schedule else { return Outcome::Default };
        if schedule.force_closed {
            return Outcome::ForceClosed;
        }
        for (position, (_, matcher)) in self.rules.iter().enumerate() {
            let hit = match matcher {
                Matcher::Always => true,
                Matcher::CustomerState(want) => self.parent.as_ref().is_some_and(|parent| {
                    let parent_view = view.and_then(|v| v.parent.as_deref());
                    parent.state_at(instant, parent_view).to_lowercase() == *want
                }),
                Matcher::Time(rule) => match view.and_then(|v| v.starts.get(position)) {
                    Some(starts) => {
                        let last = starts.partition_point(|s| *s <= local);
                        last > 0 && starts.get(last - 1).is_some_and(|s| *s > local - rule.length)
                    }
                    None => rule.covers(local),
                },
            };
            if hit {
                return Outcome::Rule(position);
            }
        }
        Outcome::Default
    }

    fn rule_of(&self, outcome: Outcome) -> Option<&'a SchedulingRule> {
        let Outcome::Rule(position) = outcome else { return None };
        let (index, _) = self.rules.get(position)?;
        self.schedule?.rules.as_ref()?.get(*index)
    }

    fn state_of(&self, outcome: Outcome) -> &'a str {
        match outcome {
            Outcome::ForceClosed => FORCE_CLOSED_STATE,
            Outcome::Rule(_) => self.rule_of(outcome).and_then(|r| r.state.as_deref()).unwrap_or(""),
            Outcome::Default => self.schedule.and_then(|s| s.default_state.as_deref()).unwrap_or(""),
        }
    }

    fn state_at(&self, instant: DateTime<Utc>, view: Option<&View>) -> &'a str {
        self.state_of(self.decide(self.local(instant), instant, view))
    }

    /// Whether the state can change at all (otherwise there is no `nextChange`).
    fn can_change(&self) -> bool {
        match self.schedule {
            None => false,
            Some(s) if s.force_closed => false,
            Some(_) => !self.rules.is_empty() && !matches!(self.rules.first(), Some((_, Matcher::Always))),
        }
    }

    fn view(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> View {
        let lo = from.naive_utc() - margin();
        let hi = to.naive_utc() + margin();
        let starts = self
            .rules
            .iter()
            .map(|(_, matcher)| {
                let mut starts = Vec::new();
                if let Matcher::Time(rule) = matcher {
                    rule.starts_between(lo - rule.length, hi, &mut starts);
                }
                starts
            })
            .collect();
        let parent = self.parent.as_ref().map(|p| Box::new(p.view(from, to)));
        View { starts, parent }
    }

    /// Every instant in `[from, to)` at which this level's state may change: window edges, clock changes, and
    /// the parent's own candidates.
    fn candidates(&self, from: DateTime<Utc>, to: DateTime<Utc>, view: &View, out: &mut Vec<DateTime<Utc>>) {
        for ((_, matcher), starts) in self.rules.iter().zip(&view.starts) {
            let Matcher::Time(rule) = matcher else { continue };
            for start in starts {
                for edge in [*start, *start + rule.length] {
                    push_local_instants(&self.tz, edge, from, to, out);
                }
            }
        }
        clock_changes(&self.tz, from, to, out);
        if let (Some(parent), Some(parent_view)) = (&self.parent, &view.parent) {
            parent.candidates(from, to, parent_view, out);
        }
    }

    /// The first instant after `t0` and before the horizon at which the state differs from `baseline`.
    fn next_change(&self, t0: DateTime<Utc>, baseline: &str) -> Option<DateTime<Utc>> {
        if !self.can_change() {
            return None;
        }
        let end = t0 + Duration::hours(NEXT_CHANGE_HORIZON_HOURS);
        let mut from = t0;
        let mut span = Duration::days(1);
        let mut candidates = Vec::new();
        loop {
            let to = (from + span).min(end);
            let view = self.view(from, to);
            candidates.clear();
            self.candidates(from, to, &view, &mut candidates);
            candidates.retain(|c| *c > t0);
            candidates.sort_unstable();
            candidates.dedup();
            for &candidate in &candidates {
                if self.state_at(candidate, Some(&view)) != baseline {
                    return Some(candidate);
                }
            }
            if to >= end {
                return None;
            }
            from = to;
            span = span * 2;
        }
    }
}

/// The instants at which the local clock of `tz` reads `local` (two in a repeated hour, none in a skipped one),
/// kept when in `[from, to)`.
fn push_local_instants(
    tz: &Tz,
    local: NaiveDateTime,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    out: &mut Vec<DateTime<Utc>>,
) {
    let mut push = |dt: DateTime<Tz>| {
        let instant = dt.with_timezone(&Utc);
        if from <= instant && instant < to {
            out.push(instant);
        }
    };
    match tz.from_local_datetime(&local) {
        LocalResult::Single(dt) => push(dt),
        LocalResult::Ambiguous(first, second) => {
            push(first);
            push(second);
        }
        LocalResult::None => {}
    }
}

fn offset_seconds(tz: &Tz, instant: NaiveDateTime) -> i32 {
    tz.offset_from_utc_datetime(&instant).fix().local_minus_utc()
}

/// The instants in `[from, to)` at which the UTC offset of `tz` changes.
fn clock_changes(tz: &Tz, from: DateTime<Utc>, to: DateTime<Utc>, out: &mut Vec<DateTime<Utc>>) {
    let step = Duration::hours(6);
    let end = to.naive_utc();
    let mut at = from.naive_utc();
    let mut offset = offset_seconds(tz, at);
    while at < end {
        let next = (at + step).min(end);
        let next_offset = offset_seconds(tz, next);
        if next_offset != offset {
            // The first second with the new offset, in (at, next].
            let (mut lo, mut hi) = (at, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if offset_seconds(tz, mid) == offset {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let instant = Utc.from_utc_datetime(&hi);
            if from <= instant && instant < to {
                out.push(instant);
            }
        }
        at = next;
        offset = next_offset;
    }
}

/// Resolves a local wall-clock time to an instant: the first of two in a repeated hour; in a skipped hour,
/// moved forward by the gap's length.
pub fn resolve_local(tz: &Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(dt) => dt.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // The offset in force before the gap; the local time read with it lands after the gap.
            let before = offset_seconds(tz, local - Duration::hours(30));
            Utc.from_utc_datetime(&(local - Duration::seconds(i64::from(before))))
        }
    }
}

/// Evaluates the schedule of `chain[0]` (see [`ChainLink`]) at `at`.
///
/// To test a schedule that is not stored (`test-schedule` with `schedule`), pass it as `chain[0].schedule`.
pub fn evaluate(chain: &[ChainLink<'_>], at: At) -> Evaluation {
    let zone = zone_of(chain, 0);
    let (local, instant) = match at {
        At::Instant(instant) => (instant.with_timezone(&zone.tz).naive_local(), instant),
        At::Local(local) => (local, resolve_local(&zone.tz, local)),
    };
    let horizon = instant.naive_utc() + Duration::hours(NEXT_CHANGE_HORIZON_HOURS) + margin() * 2;
    let level = Level::build(chain, 0, horizon);
    let outcome = level.decide(local, instant, None);
    let state = level.state_of(outcome);
    let rule = level.rule_of(outcome);
    let next_change = if level.state_at(instant, None) != state {
        // Only for a local time in a skipped hour: the resolved instant already reads differently.
        Some(instant)
    } else {
        level.next_change(instant, state)
    };
    Evaluation {
        state_name: state.to_owned(),
        time_zone_id: level.tz.name().to_owned(),
        rule_id: rule.and_then(|r| r.id.clone()),
        rule_name: rule.and_then(|r| r.name.clone()),
        flow_id: rule.and_then(|r| r.flow_id.clone()),
        flow_params: rule.and_then(|r| r.flow_params.clone()),
        reason: match outcome {
            Outcome::ForceClosed => Reason::ForceClosed,
            Outcome::Rule(_) => Reason::Rule,
            Outcome::Default => Reason::Default,
        },
        next_change,
        warnings: level.warnings,
    }
}

/// The state alone (no `nextChange`, no rule details): the cheap path for callers that only route.
pub fn state_at(chain: &[ChainLink<'_>], at: At) -> String {
    let zone = zone_of(chain, 0);
    let (local, instant) = match at {
        At::Instant(instant) => (instant.with_timezone(&zone.tz).naive_local(), instant),
        At::Local(local) => (local, resolve_local(&zone.tz, local)),
    };
    let level = Level::build(chain, 0, instant.naive_utc() + margin());
    level.state_of(level.decide(local, instant, None)).to_owned()
}

/// Evaluates a schedule on its own, as owned by a top-level customer (CustomerState rules never match; an empty
/// zone means UTC).
pub fn evaluate_schedule(schedule: &Schedule, at: At) -> Evaluation {
    evaluate(&[ChainLink::new("", Some(schedule))], at)
}
