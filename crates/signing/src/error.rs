//! The crate's single error type.

/// Why a request or a configuration was rejected.
///
/// Messages never contain secrets or signature bytes, so they are safe to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A required header is absent. Carries the header name, in lowercase.
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    /// A header is present but cannot be parsed. Carries a short reason.
    #[error("signature header is malformed: {0}")]
    MalformedHeader(&'static str),
    /// The timestamp is not a plain non-negative decimal integer that fits in an `i64`.
    #[error("timestamp is not a valid non-negative integer")]
    InvalidTimestamp,
    /// The timestamp is older than the tolerance allows.
    #[error("timestamp is outside the tolerance window (too old)")]
    TimestampTooOld,
    /// The timestamp is further in the future than the tolerance allows.
    #[error("timestamp is outside the tolerance window (in the future)")]
    TimestampInFuture,
    /// No signature in the request matches any configured secret. This covers
    /// a wrong secret, a tampered body, and signatures that do not decode or
    /// have the wrong length.
    #[error("no signature matches any configured secret")]
    NoMatchingSignature,
    /// The slice of secrets was empty.
    #[error("no signing secret is configured")]
    NoSecretConfigured,
    /// A configured secret cannot be used. Carries a short reason, never the secret.
    #[error("a configured signing secret is invalid: {0}")]
    InvalidSecret(&'static str),
}

#[cfg(test)]
mod tests {
    use super::SignatureError;

    #[test]
    fn messages_are_human() {
        assert_eq!(
            SignatureError::MalformedHeader("missing v1").to_string(),
            "signature header is malformed: missing v1"
        );
        assert_eq!(
            SignatureError::MissingHeader("x-support-signature").to_string(),
            "missing x-support-signature header"
        );
        assert_eq!(
            SignatureError::TimestampTooOld.to_string(),
            "timestamp is outside the tolerance window (too old)"
        );
    }
}
