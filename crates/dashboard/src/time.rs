//! Times as people read them (UTC, to the minute) and as filters give them.

use chrono::{DateTime, NaiveDate};

/// `2026-12-07 16:05 UTC`.
pub fn at(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// `2026-12-07T16:05:09.123Z`, for machines (CSV, `datetime` attributes).
pub fn iso(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// `3 min`, `2 h`, `4 d`: how long from `from` to `to`.
pub fn span(from: i64, to: i64) -> String {
    let secs = (to - from).max(0) / 1000;
    match secs {
        s if s < 90 => format!("{s} s"),
        s if s < 90 * 60 => format!("{} min", s / 60),
        s if s < 36 * 3600 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86400),
    }
}

/// The start of a `YYYY-MM-DD` day (UTC) in unix ms.
pub fn day_start(day: &str) -> Option<i64> {
    let date = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_the_same_everywhere() {
        assert_eq!(at(1_796_659_086_502), "2026-12-07 15:58 UTC");
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(day_start("1970-01-02"), Some(86_400_000));
        assert_eq!(day_start("yesterday"), None);
        assert_eq!(span(0, 45_000), "45 s");
        assert_eq!(span(0, 3 * 3600 * 1000), "3 h");
    }
}
