//! Slack request signing, version `v0`.
//!
//! ```text
//! X-Slack-Request-Timestamp: <unix seconds>
//! X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<timestamp>:<raw body>")>
//! ```
//!
//! The timestamp must be within ±300 seconds of the clock. The check is
//! two-sided. Hex may be lowercase or uppercase.

use crate::internal::{self, Request, Timestamp, Unit};
use crate::{Clock, SignatureError, Tolerance, Verified};

/// The signature header name, in lowercase.
pub const SIGNATURE_HEADER: &str = "x-slack-signature";
/// The timestamp header name, in lowercase.
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> [u8; 32] {
    internal::hmac_sha256(secret, &[b"v0:", timestamp.as_bytes(), b":", body])
}

/// Signs `body` at `timestamp` (Unix seconds) and returns the
/// `X-Slack-Signature` value, `v0=<hex>`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "v0={}",
        hex::encode(mac(secret, &timestamp.to_string(), body))
    )
}

/// Verifies `X-Slack-Signature` and `X-Slack-Request-Timestamp` against the
/// raw `body`.
pub fn verify<S, C>(
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    secrets: &[S],
    clock: &C,
) -> Result<Verified, SignatureError>
where
    S: AsRef<[u8]>,
    C: Clock + ?Sized,
{
    verify_with_tolerance(
        signature,
        timestamp,
        body,
        secrets,
        clock,
        Tolerance::DEFAULT,
    )
}

/// Like [`verify`], with your own tolerance.
pub fn verify_with_tolerance<S, C>(
    signature: Option<&str>,
    timestamp: Option<&str>,
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
        || {
            let signature = signature.ok_or(SignatureError::MissingHeader(SIGNATURE_HEADER))?;
            let timestamp = timestamp.ok_or(SignatureError::MissingHeader(TIMESTAMP_HEADER))?;
            let signature = signature
                .strip_prefix("v0=")
                .ok_or(SignatureError::MalformedHeader("missing v0= prefix"))?;
            Ok(Request {
                timestamp: Some(Timestamp::new(timestamp, clock, tolerance, Unit::Seconds)),
                candidates: vec![internal::decode_hex_candidate(signature)],
                signed: timestamp,
            })
        },
        |key, timestamp| mac(key, timestamp, body),
    )
}
