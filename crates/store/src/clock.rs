//! The one place that reads the clock (`clippy.toml` refuses `Utc::now` elsewhere): every stored or sent instant
//! is written the same way, and a test that needs another "now" has one seam to look at.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

/// Now, in UTC.
#[allow(clippy::disallowed_methods)] // the clock's one home
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// An instant as stored and sent: ISO 8601 UTC with microseconds. Fixed width, so text order is time order.
pub fn text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Now, as stored and sent.
pub fn now_text() -> String {
    text(now())
}

/// The instant `after` from now, as stored.
pub fn text_after(after: Duration) -> String {
    text(now() + chrono::Duration::from_std(after).unwrap_or_else(|_| chrono::Duration::zero()))
}

/// The instant `before` now, as stored.
pub fn text_before(before: Duration) -> String {
    text(now() - chrono::Duration::from_std(before).unwrap_or_else(|_| chrono::Duration::zero()))
}
