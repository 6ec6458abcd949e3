//! Helpers shared by the schemes: MACs, secret checks, timestamp parsing and
//! the constant-time comparison.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use crate::SignatureError;

/// HMAC-SHA256 of the concatenation of `parts`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA1 of the concatenation of `parts`.
pub(crate) fn hmac_sha1(key: &[u8], parts: &[&[u8]]) -> [u8; 20] {
    let mut mac =
        <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Standard base64 with padding.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes a hex candidate signature. Undecodable input becomes an empty vector,
/// which never matches.
pub(crate) fn decode_hex_candidate(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_default()
}

/// Decodes a base64 candidate signature. Undecodable input becomes an empty
/// vector, which never matches.
pub(crate) fn decode_base64_candidate(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .unwrap_or_default()
}

/// Fails if no secret is configured or one of them is empty.
pub(crate) fn check_secrets<S: AsRef<[u8]>>(secrets: &[S]) -> Result<(), SignatureError> {
    if secrets.is_empty() {
        return Err(SignatureError::NoSecretConfigured);
    }
    if secrets.iter().any(|s| s.as_ref().is_empty()) {
        return Err(SignatureError::InvalidSecret("secret is empty"));
    }
    Ok(())
}

/// Parses a timestamp that must be ASCII digits only: no sign, no whitespace,
/// no exponent, and no overflow.
pub(crate) fn parse_timestamp(s: &str) -> Result<i64, SignatureError> {
    if s.is_empty() {
        return Err(SignatureError::InvalidTimestamp);
    }
    s.bytes().try_fold(0i64, |acc, b| {
        if !b.is_ascii_digit() {
            return Err(SignatureError::InvalidTimestamp);
        }
        acc.checked_mul(10)
            .and_then(|acc| acc.checked_add(i64::from(b - b'0')))
            .ok_or(SignatureError::InvalidTimestamp)
    })
}

/// Checks that `timestamp` is within `tolerance` of `now` in either direction,
/// inclusive. All three values use the same unit.
pub(crate) fn check_window(timestamp: i64, now: i64, tolerance: i64) -> Result<(), SignatureError> {
    let age = i128::from(now) - i128::from(timestamp);
    let tolerance = i128::from(tolerance.max(0));
    if age > tolerance {
        Err(SignatureError::TimestampTooOld)
    } else if -age > tolerance {
        Err(SignatureError::TimestampInFuture)
    } else {
        Ok(())
    }
}

/// Returns the index of the first expected MAC (one per secret) that equals
/// any candidate.
///
/// Every expected MAC is compared with every candidate, and the loops never
/// exit early. A candidate of the wrong length, including an empty one, just
/// does not match. The only branch that depends on the result is the final one.
pub(crate) fn find_matching_secret<E: AsRef<[u8]>, C: AsRef<[u8]>>(
    expected: &[E],
    candidates: &[C],
) -> Option<usize> {
    let mut found = Choice::from(0);
    let mut index: u64 = 0;
    // Walk backwards so the lowest matching index is the one assigned last.
    for (i, mac) in expected.iter().enumerate().rev() {
        let mac = mac.as_ref();
        let mut hit = Choice::from(0);
        for candidate in candidates {
            hit |= mac.ct_eq(candidate.as_ref());
        }
        // An empty expected MAC would equal an empty candidate. It cannot occur,
        // but it must never count as a match.
        hit &= Choice::from(u8::from(!mac.is_empty()));
        index.conditional_assign(&(i as u64), hit);
        found |= hit;
    }
    if bool::from(found) {
        usize::try_from(index).ok()
    } else {
        None
    }
}

/// How a `key=value` list header (the `sdk`, `stripe` and `inngest` schemes)
/// is written.
pub(crate) struct PairSyntax {
    pub separator: char,
    pub timestamp_key: &'static str,
    pub signature_key: &'static str,
    pub missing_timestamp: &'static str,
    pub duplicate_timestamp: &'static str,
    pub missing_signature: &'static str,
}

/// A `key=value` list header, split into its timestamp and signatures.
pub(crate) struct Pairs<'h> {
    pub timestamp: &'h str,
    pub signatures: Vec<&'h str>,
}

/// Splits `header` on the separator and trims each item. The timestamp key must
/// appear exactly once, and the signature key at least once. Items with another
/// key, and items without `=`, are ignored. Values are not trimmed, so
/// `timestamp= 1` has an invalid timestamp.
pub(crate) fn parse_pairs<'h>(
    header: &'h str,
    syntax: &PairSyntax,
) -> Result<Pairs<'h>, SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(syntax.separator) {
        let Some((key, value)) = item.trim().split_once('=') else {
            continue;
        };
        if key == syntax.timestamp_key {
            if timestamp.replace(value).is_some() {
                return Err(SignatureError::MalformedHeader(syntax.duplicate_timestamp));
            }
        } else if key == syntax.signature_key {
            signatures.push(value);
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::MalformedHeader(syntax.missing_timestamp))?;
    if signatures.is_empty() {
        return Err(SignatureError::MalformedHeader(syntax.missing_signature));
    }
    Ok(Pairs {
        timestamp,
        signatures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_must_be_plain_digits() {
        assert_eq!(parse_timestamp("0"), Ok(0));
        assert_eq!(parse_timestamp("1700000000"), Ok(1_700_000_000));
        assert_eq!(parse_timestamp("9223372036854775807"), Ok(i64::MAX));
        for bad in [
            "",
            "abc",
            "1e9",
            "-5",
            "+5",
            " 123",
            "123 ",
            "12.5",
            "9223372036854775808",
            "١٢٣",
        ] {
            assert_eq!(
                parse_timestamp(bad),
                Err(SignatureError::InvalidTimestamp),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn window_is_two_sided_and_inclusive() {
        assert_eq!(check_window(1000, 1300, 300), Ok(()));
        assert_eq!(check_window(1000, 700, 300), Ok(()));
        assert_eq!(
            check_window(1000, 1301, 300),
            Err(SignatureError::TimestampTooOld)
        );
        assert_eq!(
            check_window(1000, 699, 300),
            Err(SignatureError::TimestampInFuture)
        );
        // Extremes do not overflow.
        assert_eq!(
            check_window(0, i64::MAX, 300),
            Err(SignatureError::TimestampTooOld)
        );
        assert_eq!(
            check_window(i64::MAX, i64::MIN, 300),
            Err(SignatureError::TimestampInFuture)
        );
    }

    #[test]
    fn matching_reports_the_lowest_secret_index() {
        let expected = [[1u8; 4], [2u8; 4], [2u8; 4]];
        assert_eq!(
            find_matching_secret(&expected, &[vec![9u8; 4], vec![2u8; 4]]),
            Some(1)
        );
        assert_eq!(find_matching_secret(&expected, &[vec![1u8; 4]]), Some(0));
        assert_eq!(find_matching_secret(&expected, &[vec![3u8; 4]]), None);
    }

    #[test]
    fn wrong_lengths_and_empties_never_match() {
        let expected = [[1u8; 4]];
        assert_eq!(
            find_matching_secret(&expected, &[vec![1u8; 3], vec![1u8; 5], vec![]]),
            None
        );
        let no_candidates: [Vec<u8>; 0] = [];
        assert_eq!(find_matching_secret(&expected, &no_candidates), None);
        let empty_expected: [Vec<u8>; 1] = [vec![]];
        assert_eq!(
            find_matching_secret(&empty_expected, &[Vec::<u8>::new()]),
            None
        );
    }

    #[test]
    fn undecodable_candidates_are_empty() {
        assert!(decode_hex_candidate("abc").is_empty());
        assert!(decode_hex_candidate("zz").is_empty());
        assert_eq!(decode_hex_candidate("ABcd"), vec![0xab, 0xcd]);
        assert!(decode_base64_candidate("not base64!").is_empty());
    }
}
