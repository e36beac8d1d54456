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

/// An ISO 8601 instant a client sent, in the stored form: with `Z` or an offset (`2026-11-30T08:00:00Z`,
/// `2026-11-30T09:00:00+01:00`), without one (taken as UTC), or a date alone (its midnight, UTC). `None` when it
/// is none of these.
pub fn parse(text: &str) -> Option<String> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(self::text(at.with_timezone(&Utc)));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(at) = chrono::NaiveDateTime::parse_from_str(text, format) {
            return Some(self::text(at.and_utc()));
        }
    }
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(self::text(date.and_hms_opt(0, 0, 0)?.and_utc()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn instants_parse_into_the_stored_form() {
        let parsed = |t: &str| super::parse(t);
        assert_eq!(parsed("2026-11-30T09:00:00+01:00").as_deref(), Some("2026-11-30T08:00:00.000000Z"));
        assert_eq!(parsed("2026-11-30T08:00:00.5Z").as_deref(), Some("2026-11-30T08:00:00.500000Z"));
        assert_eq!(parsed("2026-11-30T08:00:00").as_deref(), Some("2026-11-30T08:00:00.000000Z"));
        assert_eq!(parsed("2026-11-30").as_deref(), Some("2026-11-30T00:00:00.000000Z"));
        assert_eq!(parsed("yesterday"), None);
        assert_eq!(parsed("2026-13-01"), None);
    }
}
