//! Time: the clock, Inngest durations and RFC 3339 instants.

use std::time::Duration;

use support_signing::{Clock, SystemClock};

/// Seconds since the epoch (the platform's one clock).
pub(super) fn now_secs() -> i64 {
    SystemClock.now_unix()
}

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> i64 {
    SystemClock.now_unix_millis()
}

/// Parse an Inngest duration (`30s`, `2h45m`, `1d`, `500ms`) or an RFC 3339 instant
/// (returned as the time until then).
pub fn parse_duration(text: &str) -> Option<Duration> {
    if text.len() >= 10 && text.contains('T') {
        let until = chrono_like_rfc3339_millis(text)?;
        return Some(Duration::from_millis(
            until.saturating_sub(now_ms()).max(0) as u64
        ));
    }
    let mut total = 0f64;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let mut unit = c.to_string();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphabetic() {
                unit.push(n);
                chars.next();
            } else {
                break;
            }
        }
        let n: f64 = number.parse().ok()?;
        number.clear();
        total += n * match unit.as_str() {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            "w" => 604800.0,
            _ => return None,
        };
    }
    if !number.is_empty() {
        return None;
    }
    Some(Duration::from_secs_f64(total))
}

/// Milliseconds since the epoch of a `YYYY-MM-DDTHH:MM:SS[.fff]Z` instant.
fn chrono_like_rfc3339_millis(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, mo, da) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':').map(|p| p.parse::<i64>());
    let (h, mi, s) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    let ms: i64 = format!("{:0<3}", &frac[..frac.len().min(3)]).parse().ok()?;
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (mo + if mo > 2 { -3 } else { 9 }) + 2) / 5 + da - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(((days * 86400 + h * 3600 + mi * 60 + s) * 1000) + ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_duration("2h45m"),
            Some(Duration::from_secs(2 * 3600 + 45 * 60))
        );
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86400)));
        assert_eq!(parse_duration(""), Some(Duration::ZERO));
        assert_eq!(parse_duration("5 parsecs"), None);
        assert_eq!(
            chrono_like_rfc3339_millis("1970-01-02T00:00:01.5Z"),
            Some(86_401_500)
        );
        assert_eq!(
            chrono_like_rfc3339_millis("2026-01-01T00:00:00Z"),
            Some(1_767_225_600_000)
        );
    }
}
