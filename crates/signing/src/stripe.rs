//! Stripe webhooks: `Stripe-Signature`.
//!
//! ```text
//! Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=<hex>]
//! v1 = hex(HMAC-SHA256(secret, "<t>.<raw body>"))
//! ```
//!
//! * The HMAC key is the **whole** endpoint secret string, including its
//!   `whsec_` prefix. It is not decoded.
//! * `t=` must appear exactly once. Any `v1` value may match (Stripe sends
//!   several while a secret is being rolled). `v0` (test-mode signatures) and
//!   unknown keys are ignored.
//! * **Two-sided tolerance.** Stripe's own libraries only reject timestamps
//!   older than the tolerance, so a request dated in the future is accepted.
//!   Here a timestamp more than the tolerance ahead of the clock is rejected
//!   as well. Stripe signs with the current time, so a legitimate event is
//!   never ahead by minutes. A future-dated signature can only come from a
//!   badly skewed clock or from someone trying to stretch the replay window.

use crate::internal::{self, PairSyntax};
use crate::{Clock, SignatureError, Tolerance, Verified};

/// The header name, in lowercase.
pub const HEADER: &str = "stripe-signature";

const SYNTAX: PairSyntax = PairSyntax {
    header: HEADER,
    separator: ',',
    timestamp_key: "t",
    signature_key: "v1",
    missing_timestamp: "missing t",
    duplicate_timestamp: "duplicate t",
    missing_signature: "missing v1",
};

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> [u8; 32] {
    internal::hmac_sha256(secret, &[timestamp.as_bytes(), b".", body])
}

/// Signs `body` at `timestamp` (Unix seconds) with the whole secret string
/// (`whsec_…`) and returns the header value, `t=<t>,v1=<hex>`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let timestamp = timestamp.to_string();
    internal::pair_header(&SYNTAX, &timestamp, &mac(secret, &timestamp, body))
}

/// Verifies a `Stripe-Signature` header against the raw `body`, accepting a
/// timestamp within ±300 seconds of the clock.
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
