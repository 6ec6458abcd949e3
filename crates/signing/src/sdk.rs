//! The product-app SDK scheme: `X-Support-Signature`.
//!
//! ```text
//! X-Support-Signature: timestamp=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
//! ```
//!
//! * The key is the secret's raw bytes.
//! * Items are separated by `,`, and whitespace around each item is ignored.
//! * `timestamp=` must appear exactly once.
//! * There may be any number of `v1=` values. Any one matching any secret is
//!   enough. Unknown keys such as `v0=` or `v2=` are ignored.
//! * Hex may be lowercase or uppercase.
//! * The timestamp must be within ±[`DEFAULT_TOLERANCE_SECS`](crate::DEFAULT_TOLERANCE_SECS)
//!   of the clock, unless you use [`verify_with_tolerance`].

use crate::internal::{self, PairSyntax};
use crate::{Clock, SignatureError, Tolerance, Verified};

/// The header name, in lowercase (HTTP header names are case-insensitive).
pub const HEADER: &str = "x-support-signature";

const SYNTAX: PairSyntax = PairSyntax {
    header: HEADER,
    separator: ',',
    timestamp_key: "timestamp",
    signature_key: "v1",
    missing_timestamp: "missing timestamp",
    duplicate_timestamp: "duplicate timestamp",
    missing_signature: "missing v1",
};

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> [u8; 32] {
    internal::hmac_sha256(secret, &[timestamp.as_bytes(), b".", body])
}

/// Signs `body` at `timestamp` (Unix seconds) and returns the full header value,
/// `timestamp=<t>,v1=<hex>`.
///
/// ```
/// let header = support_signing::sdk::sign(b"secret", 1_700_000_000, b"{}");
/// assert!(header.starts_with("timestamp=1700000000,v1="));
/// ```
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let timestamp = timestamp.to_string();
    internal::pair_header(&SYNTAX, &timestamp, &mac(secret, &timestamp, body))
}

/// Signs `body` with each of `secrets`, in order, in one header:
/// `timestamp=<t>,v1=<hex>,v1=<hex>`. A verifier that tries every `v1` (this crate)
/// accepts it with any one of the secrets; one that reads only the first `v1` (the
/// TypeScript SDK) needs the first. During a key rotation the signer lists the secret
/// the app held until now first.
///
/// ```
/// let header = support_signing::sdk::sign_each(&[b"old", b"new"], 1_700_000_000, b"{}");
/// assert_eq!(header.matches(",v1=").count(), 2);
/// ```
pub fn sign_each(secrets: &[&[u8]], timestamp: i64, body: &[u8]) -> String {
    let t = timestamp.to_string();
    let mut header = String::new();
    for secret in secrets {
        let one = internal::pair_header(&SYNTAX, &t, &mac(secret, &t, body));
        if header.is_empty() {
            header = one;
        } else {
            // Each further secret adds only its `,v1=<hex>`.
            header.push_str(&one[one.find(',').unwrap_or(one.len())..]);
        }
    }
    header
}

/// Verifies the header against the raw `body`, accepting a timestamp within
/// the default tolerance.
///
/// `secrets` are tried together, newest first by convention. On success you
/// get the index of the secret that matched and the timestamp in seconds.
pub fn verify<S, C>(
    header: Option<&str>,
    body: &[u8],
    secrets: &[S],
    clock: &C,
) -> Result<Verified, SignatureError>
where
    S: AsRef<[u8]>,
    C: Clock + ?Sized,
{
    verify_with_tolerance(header, body, secrets, clock, Tolerance::DEFAULT)
}

/// Like [`verify`], with your own tolerance.
pub fn verify_with_tolerance<S, C>(
    header: Option<&str>,
    body: &[u8],
    secrets: &[S],
    clock: &C,
    tolerance: Tolerance,
) -> Result<Verified, SignatureError>
where
    S: AsRef<[u8]>,
    C: Clock + ?Sized,
{
    let clock: &dyn Clock = &clock;
    internal::verify(
        secrets,
        internal::raw_key,
        || internal::pair_request(header, &SYNTAX, clock, tolerance),
        |key, timestamp| mac(key, timestamp, body),
    )
}
