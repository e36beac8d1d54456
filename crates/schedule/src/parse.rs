//! The text formats of schedule fields: dates (`YYYY-MM-DD`, or an ISO date-time whose date part is used) and
//! times of day (`HH:mm` or `HH:mm:ss`, 24-hour).

use chrono::{NaiveDate, NaiveTime};

/// Years a schedule date may name. The recurrence arithmetic is exact over this range.
pub const MIN_YEAR: i32 = 1;
pub const MAX_YEAR: i32 = 9999;

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `YYYY-MM-DD`, or a full ISO 8601 date-time (`2024-03-01T09:00`, `2024-03-01T09:00:00Z`,
/// `2024-03-01 09:00:00+01:00`, …) of which only the date part is used.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let (date, rest) = if text.len() > 10 { (text.get(..10)?, text.get(10..)?) } else { (text, "") };
    if date.len() != 10 || date.as_bytes()[4] != b'-' || date.as_bytes()[7] != b'-' {
        return None;
    }
    let year = digits(&date[..4])?;
    let month = digits(&date[5..7])?;
    let day = digits(&date[8..10])?;
    let year = i32::try_from(year).ok()?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return None;
    }
    let parsed = NaiveDate::from_ymd_opt(year, month, day)?;
    if rest.is_empty() {
        return Some(parsed);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    valid_time_with_offset(rest).then_some(parsed)
}

/// The time part of an ISO date-time: `HH:mm[:ss[.fff]]` followed by nothing, `Z` or `±HH:mm` / `±HHmm`.
fn valid_time_with_offset(text: &str) -> bool {
    let (time, offset) = match text.find(['Z', 'z', '+', '-']) {
        Some(at) => (&text[..at], &text[at..]),
        None => (text, ""),
    };
    let time = match time.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() && fraction.len() <= 9 && digits(fraction).is_some() => whole,
        Some(_) => return false,
        None => time,
    };
    if parse_time(time).is_none() || time.len() < 5 {
        return false;
    }
    match offset {
        "" | "Z" | "z" => true,
        _ => {
            let body = &offset[1..];
            let (h, m) = match body.split_once(':') {
                Some(parts) => parts,
                None if body.len() == 4 => (&body[..2], &body[2..]),
                None if body.len() == 2 => (body, "00"),
                None => return false,
            };
            h.len() == 2 && m.len() == 2 && digits(h).is_some_and(|h| h <= 14) && digits(m).is_some_and(|m| m < 60)
        }
    }
}

/// `HH:mm` or `HH:mm:ss`, 24-hour (a one-digit hour is accepted: `9:30`).
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    let text = text.trim();
    let mut parts = text.split(':');
    let hour = parts.next()?;
    let minute = parts.next()?;
    let second = parts.next();
    if parts.next().is_some() || hour.is_empty() || hour.len() > 2 || minute.len() != 2 {
        return None;
    }
    let second = match second {
        Some(s) if s.len() == 2 => digits(s)?,
        Some(_) => return None,
        None => 0,
    };
    NaiveTime::from_hms_opt(digits(hour)?, digits(minute)?, second)
}

/// A non-empty, non-blank optional string.
pub fn non_empty(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn dates_accept_plain_dates_and_the_date_part_of_iso_date_times() {
        assert_eq!(parse_date("2024-02-29"), Some(date(2024, 2, 29)));
        assert_eq!(parse_date("2024-02-29T10:00:00Z"), Some(date(2024, 2, 29)));
        assert_eq!(parse_date("2024-02-29T10:00"), Some(date(2024, 2, 29)));
        assert_eq!(parse_date("2024-02-29 10:00:00.123+01:00"), Some(date(2024, 2, 29)));
        assert_eq!(parse_date("2024-02-29T10:00:00-0500"), Some(date(2024, 2, 29)));
    }

    #[test]
    fn malformed_dates_are_refused() {
        for bad in
            ["", "2023-02-29", "2024-2-1", "24-02-01", "2024/02/01", "2024-02-01X", "2024-02-01T25:00", "0000-01-01"]
        {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn times_accept_hours_and_minutes_with_optional_seconds() {
        assert_eq!(parse_time("09:30"), NaiveTime::from_hms_opt(9, 30, 0));
        assert_eq!(parse_time("9:30"), NaiveTime::from_hms_opt(9, 30, 0));
        assert_eq!(parse_time("23:59:59"), NaiveTime::from_hms_opt(23, 59, 59));
        for bad in ["", "24:00", "12", "12:5", "12:60", "12:00:60", "12:00:00:00", "ab:cd", "-1:00"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
