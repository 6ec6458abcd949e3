//! Front webhooks: application webhooks and (legacy) rule webhooks.
//!
//! **Application webhooks** (apps and connectors):
//!
//! ```text
//! X-Front-Request-Timestamp: <MILLISECONDS since the Unix epoch>
//! X-Front-Signature: base64(HMAC-SHA256(app secret, "<timestamp>:<raw body>"))
//! ```
//!
//! The timestamp is in **milliseconds**, unlike every other scheme here. It
//! must be within ±5 minutes (±300 000 ms) of the clock. A timestamp in
//! seconds by mistake looks about 54 years old and is rejected as too old.
//! The signature is standard base64 with padding.
//!
//! **Rule webhooks** (legacy):
//!
//! ```text
//! X-Front-Signature: base64(HMAC-SHA1(API secret, raw body))
//! ```
//!
//! They have no timestamp, so a captured request can be replayed forever.
//! Prefer application webhooks, and make rule-webhook handlers idempotent.

use crate::internal::{self, Request, Timestamp, Unit};
use crate::{Clock, SignatureError, Tolerance, Verified};

/// The signature header name, in lowercase (both kinds of webhook).
pub const SIGNATURE_HEADER: &str = "x-front-signature";
/// The application-webhook timestamp header name, in lowercase.
pub const TIMESTAMP_HEADER: &str = "x-front-request-timestamp";

fn app_mac(secret: &[u8], timestamp_ms: &str, body: &[u8]) -> [u8; 32] {
    internal::hmac_sha256(secret, &[timestamp_ms.as_bytes(), b":", body])
}

fn non_empty(signature: Option<&str>) -> Result<&str, SignatureError> {
    match signature {
        None => Err(SignatureError::MissingHeader(SIGNATURE_HEADER)),
        Some("") => Err(SignatureError::MalformedHeader("empty signature")),
        Some(signature) => Ok(signature),
    }
}

/// Signs an application webhook `body` at `timestamp_ms` (milliseconds since
/// the epoch) and returns the `X-Front-Signature` value (base64).
pub fn sign_app(secret: &[u8], timestamp_ms: i64, body: &[u8]) -> String {
    internal::base64_encode(&app_mac(secret, &timestamp_ms.to_string(), body))
}

/// Verifies an application webhook. `timestamp_ms` is the raw
/// `X-Front-Request-Timestamp` header (milliseconds). The returned
/// [`Verified::timestamp`] is in milliseconds.
pub fn verify_app<S, C>(
    signature: Option<&str>,
    timestamp_ms: Option<&str>,
    body: &[u8],
    secrets: &[S],
    clock: &C,
) -> Result<Verified, SignatureError>
where
    S: AsRef<[u8]>,
    C: Clock + ?Sized,
{
    verify_app_with_tolerance(
        signature,
        timestamp_ms,
        body,
        secrets,
        clock,
        Tolerance::DEFAULT,
    )
}

/// Like [`verify_app`], with your own tolerance. It is converted to
/// milliseconds for you.
pub fn verify_app_with_tolerance<S, C>(
    signature: Option<&str>,
    timestamp_ms: Option<&str>,
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
            let signature = non_empty(signature)?;
            let timestamp = timestamp_ms.ok_or(SignatureError::MissingHeader(TIMESTAMP_HEADER))?;
            Ok(Request {
                timestamp: Some(Timestamp::new(timestamp, clock, tolerance, Unit::Millis)),
                candidates: vec![internal::decode_base64_candidate(signature)],
                signed: timestamp,
            })
        },
        |key, timestamp| app_mac(key, timestamp, body),
    )
}

/// Signs a rule webhook `body` and returns the `X-Front-Signature` value,
/// base64 of the HMAC-SHA1.
pub fn sign_rule(secret: &[u8], body: &[u8]) -> String {
    internal::base64_encode(&internal::hmac_sha1(secret, &[body]))
}

/// Verifies a rule webhook and returns the index of the secret that matched.
/// There is no timestamp, so there is no replay protection.
pub fn verify_rule<S>(
    signature: Option<&str>,
    body: &[u8],
    secrets: &[S],
) -> Result<usize, SignatureError>
where
    S: AsRef<[u8]>,
{
    internal::verify(
        secrets,
        internal::raw_key,
        || {
            Ok(Request {
                timestamp: None,
                candidates: vec![internal::decode_base64_candidate(non_empty(signature)?)],
                signed: (),
            })
        },
        |key, ()| internal::hmac_sha1(key, &[body]),
    )
    .map(|verified| verified.secret_index)
}
