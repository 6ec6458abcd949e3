//! Backoff for redelivering events to Inngest.

/// First retry delay.
pub const BASE_DELAY_MS: i64 = 1_000;
/// Longest wait between two attempts.
pub const MAX_DELAY_MS: i64 = 5 * 60 * 1_000;

/// How long to wait before attempt `attempts + 1`, given how many attempts failed so
/// far, an optional `Retry-After` from the server, and a jitter source in `[0, 1)`.
///
/// Exponential (1 s, 2 s, 4 s ... capped at 5 minutes) with up to 20 % jitter so that
/// many conversations recovering at once do not hit Inngest in lockstep. A server's
/// `Retry-After` is honoured when longer, and capped at an hour.
pub fn next_delay_ms(attempts: u32, retry_after_secs: Option<u64>, jitter: f64) -> i64 {
    let exp = BASE_DELAY_MS.saturating_mul(1_i64 << attempts.saturating_sub(1).min(20));
    let capped = exp.min(MAX_DELAY_MS);
    let jittered = capped + (capped as f64 * 0.2 * jitter.clamp(0.0, 1.0)) as i64;
    let server = retry_after_secs
        .map(|s| (s.min(3_600) as i64) * 1_000)
        .unwrap_or(0);
    jittered.max(server)
}

/// Parse a `Retry-After` header given in seconds (the HTTP-date form is rare from
/// Inngest and ignored).
pub fn parse_retry_after(value: Option<&str>) -> Option<u64> {
    value?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_one_second_and_caps_at_five_minutes() {
        let delays: Vec<i64> = (1..=10).map(|a| next_delay_ms(a, None, 0.0)).collect();
        assert_eq!(
            delays,
            [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000]
        );
        assert_eq!(next_delay_ms(60, None, 0.0), MAX_DELAY_MS);
    }

    #[test]
    fn jitter_adds_at_most_a_fifth() {
        assert_eq!(next_delay_ms(1, None, 0.999_999), 1_199);
        assert_eq!(next_delay_ms(1, None, 7.0), 1_200);
    }

    #[test]
    fn retry_after_wins_when_longer_and_is_capped() {
        assert_eq!(next_delay_ms(1, Some(30), 0.0), 30_000);
        assert_eq!(next_delay_ms(10, Some(1), 0.0), 300_000);
        assert_eq!(next_delay_ms(1, Some(999_999), 0.0), 3_600_000);
        assert_eq!(parse_retry_after(Some(" 12 ")), Some(12));
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
    }
}
