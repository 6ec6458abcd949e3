//! Inngest request signing (`X-Inngest-Signature`) and its key helpers.
//!
//! ```text
//! X-Inngest-Signature: t=<unix seconds>&s=<hex HMAC-SHA256(key, raw body || "<t>")>
//! key = signing key with its "signkey-<env>-" prefix removed, as ASCII bytes
//! ```
//!
//! * The key is the text after the prefix used **as is**. It is not hex-decoded.
//! * The MAC covers the body bytes followed directly by the decimal timestamp,
//!   with no separator.
//! * `t=` must appear exactly once. There must be at least one `s=`, and any one
//!   matching is enough.
//! * Pass the keys as `&[primary, fallback]`. That is how Inngest rotates
//!   signing keys.
//! * The timestamp must be within ±300 seconds of the clock, in both directions.
//!
//! [`hashed_signing_key`] derives the form of the key that the SDK sends as a
//! bearer token to the Inngest API. [`event_key_hash`] is the SHA-256 of an
//! event key.

use sha2::{Digest, Sha256};

use crate::internal::{self, PairSyntax};
use crate::{Clock, SignatureError, Tolerance, Verified};

/// The header name, in lowercase.
pub const HEADER: &str = "x-inngest-signature";

const KEY_PREFIX: &str = "signkey-";

const SYNTAX: PairSyntax = PairSyntax {
    header: HEADER,
    separator: '&',
    timestamp_key: "t",
    signature_key: "s",
    missing_timestamp: "missing t",
    duplicate_timestamp: "duplicate t",
    missing_signature: "missing s",
};

/// Removes a leading `signkey-<env>-` prefix, where `<env>` is one or more ASCII
/// word characters (`[A-Za-z0-9_]`). This is the regex `^signkey-\w+-`. A key
/// without such a prefix is returned unchanged.
///
/// ```
/// use support_signing::inngest::strip_key_prefix;
/// assert_eq!(strip_key_prefix("signkey-prod-12345678"), "12345678");
/// assert_eq!(strip_key_prefix("12345678"), "12345678");
/// ```
pub fn strip_key_prefix(key: &str) -> &str {
    let Some(rest) = key.strip_prefix(KEY_PREFIX) else {
        return key;
    };
    let env_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    if env_len == 0 {
        return key;
    }
    // `\w+` is greedy and `-` is not a word character, so the dash must come
    // right after the longest run.
    match rest[env_len..].strip_prefix('-') {
        Some(stripped) => stripped,
        None => key,
    }
}

/// `key` is the signing key with its prefix already removed.
fn mac(key: &[u8], timestamp: &str, body: &[u8]) -> [u8; 32] {
    internal::hmac_sha256(key, &[body, timestamp.as_bytes()])
}

/// Signs `body` at `timestamp` (Unix seconds) and returns the header value,
/// `t=<t>&s=<hex>`.
pub fn sign(signing_key: &str, timestamp: i64, body: &[u8]) -> String {
    let timestamp = timestamp.to_string();
    let key = strip_key_prefix(signing_key).as_bytes();
    internal::pair_header(&SYNTAX, &timestamp, &mac(key, &timestamp, body))
}

/// Verifies an `X-Inngest-Signature` header against the raw `body`. Keys are
/// usually `&[primary, fallback]`. A key that is empty once its prefix is
/// removed is [`SignatureError::InvalidSecret`].
pub fn verify<S, C>(
    header: Option<&str>,
    body: &[u8],
    keys: &[S],
    clock: &C,
) -> Result<Verified, SignatureError>
where
    S: AsRef<str>,
    C: Clock + ?Sized,
{
    verify_with_tolerance(header, body, keys, clock, Tolerance::DEFAULT)
}

/// Like [`verify`], with your own tolerance.
pub fn verify_with_tolerance<S, C>(
    header: Option<&str>,
    body: &[u8],
    keys: &[S],
    clock: &C,
    tolerance: Tolerance,
) -> Result<Verified, SignatureError>
where
    S: AsRef<str>,
    C: Clock + ?Sized,
{
    let clock: &dyn Clock = &clock;
    internal::verify(
        keys,
        |signing_key| match strip_key_prefix(signing_key.as_ref()) {
            "" => Err(SignatureError::InvalidSecret("signing key is empty")),
            key => Ok(key.as_bytes()),
        },
        || internal::pair_request(header, &SYNTAX, clock, tolerance),
        |key, timestamp| mac(key, timestamp, body),
    )
}

/// The hashed form of a signing key: its `signkey-<env>-` prefix (if any),
/// followed by the lowercase hex SHA-256 of the hex-decoded rest.
///
/// An empty key, or a rest that is not valid hex, is [`SignatureError::InvalidSecret`].
///
/// ```
/// use support_signing::inngest::hashed_signing_key;
/// assert_eq!(
///     hashed_signing_key("signkey-prod-12345678").unwrap(),
///     "signkey-prod-b2ed992186a5cb19f6668aade821f502c1d00970dfd0e35128d51bac4649916c"
/// );
/// ```
pub fn hashed_signing_key(key: &str) -> Result<String, SignatureError> {
    let stripped = strip_key_prefix(key);
    if stripped.is_empty() {
        return Err(SignatureError::InvalidSecret("signing key is empty"));
    }
    let prefix = &key[..key.len() - stripped.len()];
    let bytes = hex::decode(stripped)
        .map_err(|_| SignatureError::InvalidSecret("signing key is not valid hex"))?;
    Ok(format!("{prefix}{}", hex::encode(Sha256::digest(bytes))))
}

/// The lowercase hex SHA-256 of an event key.
pub fn event_key_hash(event_key: &str) -> String {
    hex::encode(Sha256::digest(event_key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::strip_key_prefix;

    #[test]
    fn prefix_strip_follows_the_regex() {
        assert_eq!(strip_key_prefix("signkey-test-abc"), "abc");
        assert_eq!(strip_key_prefix("signkey-branch_1-abc-def"), "abc-def");
        assert_eq!(strip_key_prefix("signkey-test-"), "");
        // No word characters, no dash after the run, wrong case, or no prefix.
        assert_eq!(strip_key_prefix("signkey--abc"), "signkey--abc");
        assert_eq!(strip_key_prefix("signkey-test"), "signkey-test");
        assert_eq!(strip_key_prefix("signkey-te.st-abc"), "signkey-te.st-abc");
        assert_eq!(strip_key_prefix("SIGNKEY-test-abc"), "SIGNKEY-test-abc");
        assert_eq!(strip_key_prefix("abc"), "abc");
        assert_eq!(strip_key_prefix(""), "");
        // Non-ASCII is not a word character, and slicing must not panic on it.
        assert_eq!(strip_key_prefix("signkey-é-abc"), "signkey-é-abc");
        assert_eq!(strip_key_prefix("signkey-té-abc"), "signkey-té-abc");
    }
}
