//! Canopy's scheduling-rule engine.
//!
//! Pure functions over Evo Voice's `Schedule` / `SchedulingRule` shapes (`canopy-domain`): no IO, no clock (the
//! instant is an argument), no store (the caller passes the customer's chain of ancestors). The semantics, and
//! the choices made on details they leave open, are in `docs/schedules.md`.
//!
//! * [`validate`]: the write-time checks, errors named by wire path (`schedule.rules[2].byMonthDay`).
//! * [`effective_schedule`]: the schedule a customer uses (the `inherit` walk, the cascading zone).
//! * [`evaluate`]: the state at an instant or local time, the deciding rule, `nextChange` and warnings.
//! * [`resolve_time_zone`]: IANA and common Windows zone ids.

mod eval;
mod parse;
mod recur;
mod rule;
mod tz;
mod validate;

pub use eval::{
    effective_schedule, evaluate, evaluate_schedule, parse_at, render_instant, resolve_local, state_at, At, ChainLink,
    EffectiveSchedule, Evaluation, Reason, SourceKind, Warning, FORCE_CLOSED_STATE, NEXT_CHANGE_HORIZON_HOURS,
};
pub use parse::{parse_date, parse_time};
pub use tz::{resolve_time_zone, WINDOWS_ZONES};
pub use validate::{
    estimated_windows, validate, validate_rule, MAX_COUNT, MAX_COUNT_WALK_PERIODS, MAX_WINDOWS_PER_RULE,
    MAX_WINDOWS_PER_SCHEDULE,
};
