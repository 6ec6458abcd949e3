//! [Standard Webhooks](https://www.standardwebhooks.com/) (also used by Svix).
//!
//! ```text
//! webhook-id: <message id>
//! webhook-timestamp: <unix seconds>
//! webhook-signature: v1,<base64> [v1,<base64> …] [v1a,<…>] …
//! v1 = base64(HMAC-SHA256(key, "<id>.<timestamp>.<raw body>"))
//! key = base64-decode(secret with an optional "whsec_" prefix removed)
//! ```
//!
//! * A secret that is not valid base64, or that decodes to nothing, is
//!   [`SignatureError::InvalidSecret`].
//! * The signature header is a list of tokens separated by spaces. Only `v1`
//!   tokens are checked, and any one matching any secret is enough. Other
//!   versions (such as the asymmetric `v1a`) are ignored. A header with no
//!   `v1` token is malformed.
//! * An empty `webhook-id` is malformed. The id is what makes deduplication
//!   possible.
//! * The timestamp must be within ±300 seconds of the clock, in both directions.

use base64::Engine as _;

use crate::internal::{self, Request, Timestamp, Unit};
use crate::{Clock, SignatureError, Tolerance, Verified};

/// The message id header name.
pub const ID_HEADER: &str = "webhook-id";
/// The timestamp header name.
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// The signature header name.
pub const SIGNATURE_HEADER: &str = "webhook-signature";
/// The optional prefix of a secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Turns a secret (`whsec_<base64>` or bare base64) into the HMAC key bytes.
pub fn decode_secret(secret: &str) -> Result<Vec<u8>, SignatureError> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    let key = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| SignatureError::InvalidSecret("secret is not valid base64"))?;
    if key.is_empty() {
        return Err(SignatureError::InvalidSecret("secret is empty"));
    }
    Ok(key)
}

fn mac(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> [u8; 32] {
    internal::hmac_sha256(
        key,
        &[id.as_bytes(), b".", timestamp.as_bytes(), b".", body],
    )
}

/// Signs `body` and returns the `webhook-signature` value, `v1,<base64>`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, SignatureError> {
    let key = decode_secret(secret)?;
    let signature = mac(&key, id, &timestamp.to_string(), body);
    Ok(format!("v1,{}", internal::base64_encode(&signature)))
}

/// Verifies the three headers against the raw `body`.
pub fn verify<S, C>(
    id: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    secrets: &[S],
    clock: &C,
) -> Result<Verified, SignatureError>
where
    S: AsRef<str>,
    C: Clock + ?Sized,
{
    verify_with_tolerance(
        id,
        timestamp,
        signature,
        body,
        secrets,
        clock,
        Tolerance::DEFAULT,
    )
}

/// Like [`verify`], with your own tolerance.
pub fn verify_with_tolerance<S, C>(
    id: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    secrets: &[S],
    clock: &C,
    tolerance: Tolerance,
) -> Result<Verified, SignatureError>
where
    S: AsRef<str>,
    C: Clock + ?Sized,
{
    let clock: &dyn Clock = &clock;
    internal::verify(
        secrets,
        |secret| decode_secret(secret.as_ref()),
        || {
            let id = id.ok_or(SignatureError::MissingHeader(ID_HEADER))?;
            let timestamp = timestamp.ok_or(SignatureError::MissingHeader(TIMESTAMP_HEADER))?;
            let signature = signature.ok_or(SignatureError::MissingHeader(SIGNATURE_HEADER))?;
            if id.is_empty() {
                return Err(SignatureError::MalformedHeader("empty webhook-id"));
            }
            let candidates: Vec<Vec<u8>> = signature
                .split_ascii_whitespace()
                .filter_map(|token| token.split_once(','))
                .filter(|(version, _)| *version == "v1")
                .map(|(_, value)| internal::decode_base64_candidate(value))
                .collect();
            if candidates.is_empty() {
                return Err(SignatureError::MalformedHeader("missing v1"));
            }
            Ok(Request {
                timestamp: Some(Timestamp::new(timestamp, clock, tolerance, Unit::Seconds)),
                candidates,
                signed: (id, timestamp),
            })
        },
        |key, &(id, timestamp)| mac(key, id, timestamp, body),
    )
}
