//! What the schemes share: the verification core ([`verify`]) and the pieces it
//! is built from (MACs, key checks, timestamp parsing, the tolerance window and
//! the constant-time comparison).
//!
//! A scheme module only says what is its own: how a secret becomes a key, how
//! the headers are read (into a [`Request`]), and what the MAC covers.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use crate::{Clock, SignatureError, Tolerance, Verified};

/// The unit of a scheme's timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Unix seconds (every scheme but Front application webhooks).
    Seconds,
    /// Milliseconds since the epoch (Front application webhooks).
    Millis,
}

/// A signed timestamp exactly as it was sent, and the window it must fall in.
///
/// The clock is a trait object so that [`Request`] needs no clock type (Front
/// rule webhooks have none). A scheme's `clock: &C` may be unsized, so the
/// scheme passes `&clock`: `&C` is sized and is a [`Clock`] too.
pub(crate) struct Timestamp<'a> {
    text: &'a str,
    clock: &'a dyn Clock,
    tolerance: Tolerance,
    unit: Unit,
}

impl<'a> Timestamp<'a> {
    /// `text` must be within `tolerance` of `clock`, both read in `unit`.
    pub(crate) fn new(
        text: &'a str,
        clock: &'a dyn Clock,
        tolerance: Tolerance,
        unit: Unit,
    ) -> Self {
        Self {
            text,
            clock,
            tolerance,
            unit,
        }
    }

    /// Parses the timestamp, then checks it against the clock (read only now),
    /// both in the timestamp's own unit.
    fn check(&self) -> Result<i64, SignatureError> {
        let timestamp = parse_timestamp(self.text)?;
        let (now, tolerance) = match self.unit {
            Unit::Seconds => (self.clock.now_unix(), self.tolerance.as_secs()),
            Unit::Millis => (self.clock.now_unix_millis(), self.tolerance.as_millis()),
        };
        check_window(timestamp, now, tolerance)?;
        Ok(timestamp)
    }
}

/// What a scheme reads from the request headers.
pub(crate) struct Request<'a, T> {
    /// The signed timestamp, or `None` for a scheme without one (Front rule
    /// webhooks).
    pub timestamp: Option<Timestamp<'a>>,
    /// The signatures in the request, decoded. One that does not decode is
    /// empty, so it just never matches.
    pub candidates: Vec<Vec<u8>>,
    /// The header values the MAC covers, handed to the MAC closure.
    pub signed: T,
}

/// The verification every scheme shares, in the documented check order:
///
/// 1. the secrets: an empty slice is [`SignatureError::NoSecretConfigured`],
///    then `key` turns each secret into its HMAC key (or the scheme's
///    [`SignatureError::InvalidSecret`]);
/// 2. the headers: `parse` reads them, or fails with a missing or malformed
///    header;
/// 3. the timestamp, if the scheme has one: it must be numeric,
/// 4. and inside the tolerance window;
/// 5. the MACs: `mac(key, &request.signed)` for every key, compared in
///    constant time with every candidate ([`find_matching_secret`]).
///
/// For a scheme without a timestamp, [`Verified::timestamp`] is `0`; such a
/// scheme only reports [`Verified::secret_index`].
pub(crate) fn verify<'s, 'a, S, K, T, M>(
    secrets: &'s [S],
    key: impl Fn(&'s S) -> Result<K, SignatureError>,
    parse: impl FnOnce() -> Result<Request<'a, T>, SignatureError>,
    mac: impl Fn(&[u8], &T) -> M,
) -> Result<Verified, SignatureError>
where
    K: AsRef<[u8]>,
    M: AsRef<[u8]>,
{
    if secrets.is_empty() {
        return Err(SignatureError::NoSecretConfigured);
    }
    let keys = secrets.iter().map(key).collect::<Result<Vec<K>, _>>()?;
    let request = parse()?;
    let timestamp = match &request.timestamp {
        Some(timestamp) => timestamp.check()?,
        None => 0,
    };
    let expected: Vec<M> = keys
        .iter()
        .map(|key| mac(key.as_ref(), &request.signed))
        .collect();
    find_matching_secret(&expected, &request.candidates)
        .map(|secret_index| Verified {
            secret_index,
            timestamp,
        })
        .ok_or(SignatureError::NoMatchingSignature)
}

/// The key of a scheme that uses the secret's bytes as they are. An empty
/// secret is [`SignatureError::InvalidSecret`].
pub(crate) fn raw_key<S: AsRef<[u8]>>(secret: &S) -> Result<&[u8], SignatureError> {
    match secret.as_ref() {
        [] => Err(SignatureError::InvalidSecret("secret is empty")),
        key => Ok(key),
    }
}

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
    /// The header's name, for [`SignatureError::MissingHeader`].
    pub header: &'static str,
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

/// Writes a `key=value` list header: `<timestamp key>=<t><separator><signature
/// key>=<hex MAC>`, the form [`parse_pairs`] reads.
pub(crate) fn pair_header(syntax: &PairSyntax, timestamp: &str, mac: &[u8]) -> String {
    format!(
        "{}={timestamp}{}{}={}",
        syntax.timestamp_key,
        syntax.separator,
        syntax.signature_key,
        hex::encode(mac)
    )
}

/// Reads a `key=value` list header (the `sdk`, `stripe` and `inngest`
/// schemes): a timestamp in seconds, and hex signatures. The MAC covers the
/// timestamp as sent.
pub(crate) fn pair_request<'a>(
    header: Option<&'a str>,
    syntax: &PairSyntax,
    clock: &'a dyn Clock,
    tolerance: Tolerance,
) -> Result<Request<'a, &'a str>, SignatureError> {
    let header = header.ok_or(SignatureError::MissingHeader(syntax.header))?;
    let pairs = parse_pairs(header, syntax)?;
    Ok(Request {
        timestamp: Some(Timestamp::new(
            pairs.timestamp,
            clock,
            tolerance,
            Unit::Seconds,
        )),
        candidates: pairs
            .signatures
            .iter()
            .map(|s| decode_hex_candidate(s))
            .collect(),
        signed: pairs.timestamp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FixedClock;

    /// A request with one candidate, `[b'b']`, that signs nothing else.
    fn request(timestamp: Option<Timestamp<'_>>) -> Result<Request<'_, ()>, SignatureError> {
        Ok(Request {
            timestamp,
            candidates: vec![vec![b'b']],
            signed: (),
        })
    }

    /// A "MAC" that is the key's first byte, so key `b` matches.
    fn first_byte(key: &[u8], _: &()) -> [u8; 1] {
        [key[0]]
    }

    #[test]
    fn core_reads_nothing_before_the_secrets_are_checked() {
        let unread = || -> Result<Request<'static, ()>, SignatureError> {
            panic!("headers read before the secrets were checked")
        };
        let none: [&str; 0] = [];
        assert_eq!(
            verify(&none, raw_key, unread, first_byte),
            Err(SignatureError::NoSecretConfigured)
        );
        assert_eq!(
            verify(&["a", ""], raw_key, unread, first_byte),
            Err(SignatureError::InvalidSecret("secret is empty"))
        );
    }

    #[test]
    fn core_computes_no_mac_before_the_timestamp_is_checked() {
        let clock = FixedClock::from_secs(1000);
        let no_mac = |_: &[u8], _: &()| -> [u8; 1] { panic!("MAC computed too early") };
        for (text, error) in [
            ("abc", SignatureError::InvalidTimestamp),
            ("699", SignatureError::TimestampTooOld),
            ("1301", SignatureError::TimestampInFuture),
        ] {
            let at = || {
                request(Some(Timestamp::new(
                    text,
                    &clock,
                    Tolerance::DEFAULT,
                    Unit::Seconds,
                )))
            };
            assert_eq!(verify(&["a"], raw_key, at, no_mac), Err(error), "{text}");
        }
    }

    #[test]
    fn core_reports_the_matching_secret_and_the_timestamp_in_its_unit() {
        let clock = FixedClock(1_000_000);
        let secs = || {
            request(Some(Timestamp::new(
                "1000",
                &clock,
                Tolerance::DEFAULT,
                Unit::Seconds,
            )))
        };
        assert_eq!(
            verify(&["a", "b", "b"], raw_key, secs, first_byte),
            Ok(Verified {
                secret_index: 1,
                timestamp: 1000
            })
        );
        let millis = || {
            request(Some(Timestamp::new(
                "700000",
                &clock,
                Tolerance::DEFAULT,
                Unit::Millis,
            )))
        };
        assert_eq!(
            verify(&["b"], raw_key, millis, first_byte).map(|v| v.timestamp),
            Ok(700_000)
        );
        let untimed = || request(None);
        assert_eq!(
            verify(&["b"], raw_key, untimed, first_byte),
            Ok(Verified {
                secret_index: 0,
                timestamp: 0
            })
        );
        assert_eq!(
            verify(&["a"], raw_key, untimed, first_byte),
            Err(SignatureError::NoMatchingSignature)
        );
    }

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
