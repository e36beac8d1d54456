//! Floating-point text as .NET (Core 3.0+) writes it with the invariant culture: the shortest digits that
//! round-trip, positional notation while the decimal exponent is in `-5 < e < P` (P = 15 for double, 7 for
//! float), otherwise `d.dddE+XX` with at least two exponent digits. So `1.0` → `1`, `1e21` → `1E+21`,
//! `0.00001` → `1E-05`.

use std::fmt::Write;

pub(crate) fn write_f64(out: &mut String, value: f64) {
    if let Some(special) = special(value.is_nan(), value.is_infinite(), value.is_sign_negative()) {
        out.push_str(special);
        return;
    }
    write_shortest(out, &format!("{value:e}"), 15);
}

pub(crate) fn write_f32(out: &mut String, value: f32) {
    if let Some(special) = special(value.is_nan(), value.is_infinite(), value.is_sign_negative()) {
        out.push_str(special);
        return;
    }
    write_shortest(out, &format!("{value:e}"), 7);
}

fn special(nan: bool, infinite: bool, negative: bool) -> Option<&'static str> {
    match (nan, infinite, negative) {
        (true, _, _) => Some("NaN"),
        (_, true, true) => Some("-Infinity"),
        (_, true, false) => Some("Infinity"),
        _ => None,
    }
}

/// `scientific` is Rust's shortest round-trip `{:e}` text, e.g. `-1.2345e-7`.
fn write_shortest(out: &mut String, scientific: &str, precision: i32) {
    let (negative, body) = match scientific.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, scientific),
    };
    let (mantissa, exponent) = body.split_once('e').unwrap_or((body, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    if negative {
        out.push('-');
    }
    if digits.is_empty() {
        out.push('0');
        return;
    }
    if exponent > -5 && exponent < precision {
        if exponent >= 0 {
            let int_len = usize::try_from(exponent).unwrap_or(0) + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', usize::try_from(-exponent - 1).unwrap_or(0)));
            out.push_str(digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "E{sign}{:02}", exponent.unsigned_abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f64_text(v: f64) -> String {
        let mut s = String::new();
        write_f64(&mut s, v);
        s
    }

    fn f32_text(v: f32) -> String {
        let mut s = String::new();
        write_f32(&mut s, v);
        s
    }

    #[test]
    fn doubles_are_written_as_dotnet_does() {
        let cases = [
            (1.0, "1"),
            (0.0, "0"),
            (-0.0, "-0"),
            (1.1, "1.1"),
            (2222222.22, "2222222.22"),
            (33333333.333, "33333333.333"),
            (-12.5, "-12.5"),
            (123456789012345.0, "123456789012345"),
            (1e15, "1E+15"),
            (1e21, "1E+21"),
            (1.5e300, "1.5E+300"),
            (0.0001, "0.0001"),
            (0.00001, "1E-05"),
            (1.25e-7, "1.25E-07"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (value, expected) in cases {
            assert_eq!(f64_text(value), expected, "{value:?}");
        }
    }

    #[test]
    fn singles_switch_to_exponent_form_at_seven_digits() {
        assert_eq!(f32_text(1.1), "1.1");
        assert_eq!(f32_text(111111.1), "111111.1");
        assert_eq!(f32_text(1234567.0), "1234567");
        assert_eq!(f32_text(1e7), "1E+07");
    }

    #[test]
    fn written_doubles_parse_back_exactly() {
        for value in [0.1, 1.0 / 3.0, 6.02214076e23, 5e-324, f64::MAX, f64::MIN_POSITIVE] {
            let text = f64_text(value);
            assert_eq!(text.parse::<f64>().ok(), Some(value), "{text}");
        }
    }
}
