//! Signing and verifying webhooks and requests for the support platform.
//!
//! The crate does no I/O. Hand it header values and the **raw** body bytes
//! exactly as they came off the wire. Do not parse and re-serialise the body
//! first: changing one byte of whitespace breaks the signature. It compiles
//! natively and for `wasm32-unknown-unknown` (Cloudflare Workers). The only
//! place that reads the time is [`SystemClock`], through [`web_time`].
//!
//! # Common rules
//!
//! * **Key rotation.** Every `verify` function takes a slice of secrets, for
//!   example `&[new, old]`. A request passes if it is signed with any of them.
//!   [`Verified::secret_index`] tells you which one matched, so you can see when
//!   nobody uses the old key any more and remove it. An empty slice is
//!   [`SignatureError::NoSecretConfigured`], and an empty secret is
//!   [`SignatureError::InvalidSecret`]. Both are configuration errors, so they
//!   are reported before the request is looked at.
//! * **Constant-time comparison.** Every expected MAC (one per secret) is
//!   compared with every signature in the request, and the loop never stops
//!   early. The comparison uses [`subtle::ConstantTimeEq`]. A signature that
//!   does not decode or has the wrong length just fails to match. It never
//!   panics and never produces a different error.
//! * **Timestamps.** A timestamp must be a plain decimal number: ASCII digits
//!   only, with no sign, spaces, exponent or overflow. Otherwise the result is
//!   [`SignatureError::InvalidTimestamp`]. Every scheme that has a timestamp
//!   accepts it only within `±tolerance` of the clock, and both ends are
//!   inclusive. The default is [`DEFAULT_TOLERANCE_SECS`] (five minutes). The
//!   check is two-sided: a timestamp in the future is as suspicious as a stale
//!   one, because a request dated ahead could be replayed for longer than the
//!   window allows.
//! * **Check order.** Secrets come first, then the header is parsed, then the
//!   timestamp must be numeric, then it must be inside the tolerance window,
//!   and only then is the MAC checked. So the error tells you the first thing
//!   that was wrong.
//! * **Clocks.** `verify` takes any [`Clock`]. Use [`SystemClock`] in
//!   production and [`FixedClock`] in tests. `verify_with_tolerance` variants
//!   take a [`Tolerance`].
//! * **Errors.** [`SignatureError`] messages never contain secrets or
//!   signature bytes, so they are safe to log and to return to callers.
//!
//! # Schemes
//!
//! | module | header(s) | MAC | signed content | timestamp |
//! |---|---|---|---|---|
//! | [`sdk`] | `X-Support-Signature: timestamp=<t>,v1=<hex>` | HMAC-SHA256 | `<t>.<body>` | seconds |
//! | [`front`] (app) | `X-Front-Signature: <base64>`, `X-Front-Request-Timestamp: <t>` | HMAC-SHA256 | `<t>:<body>` | **milliseconds** |
//! | [`front`] (rule) | `X-Front-Signature: <base64>` | HMAC-SHA1 | `<body>` | none |
//! | [`slack`] | `X-Slack-Signature: v0=<hex>`, `X-Slack-Request-Timestamp: <t>` | HMAC-SHA256 | `v0:<t>:<body>` | seconds |
//! | [`stripe`] | `Stripe-Signature: t=<t>,v1=<hex>[,v1=…][,v0=…]` | HMAC-SHA256 | `<t>.<body>` | seconds |
//! | [`standard_webhooks`] | `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64> …` | HMAC-SHA256 | `<id>.<t>.<body>` | seconds |
//! | [`inngest`] | `X-Inngest-Signature: t=<t>&s=<hex>` | HMAC-SHA256 | `<body><t>` | seconds |
//!
//! * **[`sdk`]** is our own scheme, used between the support platform and
//!   product apps. The secret's raw bytes are the HMAC key. The header can
//!   carry several `v1=` values, and any one matching is enough. Other keys
//!   (`v0=`, `v2=` and so on) are ignored, which leaves room for a future
//!   version. `timestamp=` must appear exactly once.
//! * **[`front`]** covers two kinds of Front webhook. *Application* webhooks
//!   sign `<timestamp>:<body>` with HMAC-SHA256 keyed by the app secret. The
//!   timestamp is in milliseconds since the epoch. The MAC is sent as padded
//!   standard base64. *Rule* webhooks (legacy) sign the bare body with
//!   HMAC-SHA1 keyed by the API secret. They carry no timestamp, so they cannot
//!   be protected against replay.
//! * **[`slack`]** is Slack's `v0` signing secret scheme.
//! * **[`stripe`]** is Stripe's webhook scheme. The HMAC key is the *whole*
//!   secret string, including its `whsec_` prefix. Any `v1` value may match,
//!   and `v0` (test mode) and unknown keys are ignored. Stripe's own SDK only
//!   rejects old timestamps; this crate also rejects future ones (see above).
//! * **[`standard_webhooks`]** is the [Standard Webhooks] specification (also
//!   used by Svix). The key is the base64 decoding of the secret, with an
//!   optional `whsec_` prefix removed first. The signature header is a
//!   space-separated list of `<version>,<base64>` tokens. Only `v1` tokens are
//!   checked; other versions such as `v1a` (asymmetric) are ignored.
//! * **[`inngest`]** is Inngest's request signing. The key is the signing key
//!   with its `signkey-<env>-` prefix removed, used as ASCII bytes (it is not
//!   hex-decoded). The MAC covers the body followed directly by the decimal
//!   timestamp. The module also has the helpers Inngest uses to derive the
//!   hashed signing key and the event-key hash.
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com/
//!
//! # Example
//!
//! ```
//! use support_signing::{sdk, FixedClock, SignatureError};
//!
//! let body = br#"{"action":"lookupUser","email":"a@b.c"}"#;
//! let header = sdk::sign(b"new-secret", 1_700_000_000, body);
//! let clock = FixedClock::from_secs(1_700_000_010);
//!
//! // Rotation: newest first. The request was signed with the newest secret.
//! let verified = sdk::verify(Some(&header), body, &["new-secret", "old-secret"], &clock)?;
//! assert_eq!(verified.secret_index, 0);
//! assert_eq!(verified.timestamp, 1_700_000_000);
//!
//! assert_eq!(
//!     sdk::verify(Some(&header), b"tampered", &["new-secret"], &clock),
//!     Err(SignatureError::NoMatchingSignature)
//! );
//! # Ok::<(), SignatureError>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod clock;
mod error;
mod internal;

pub mod front;
pub mod inngest;
pub mod sdk;
pub mod slack;
pub mod standard_webhooks;
pub mod stripe;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::SignatureError;

/// The default tolerance in seconds: how far a signed timestamp may be from the
/// clock, in either direction (five minutes).
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// How far a signed timestamp may be from the clock, in either direction.
/// Both ends are inclusive.
///
/// It is stored in seconds. Schemes with millisecond timestamps ([`front`])
/// convert with [`Tolerance::as_millis`], so the unit cannot get mixed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tolerance {
    secs: i64,
}

impl Tolerance {
    /// [`DEFAULT_TOLERANCE_SECS`] (five minutes).
    pub const DEFAULT: Tolerance = Tolerance::from_secs(DEFAULT_TOLERANCE_SECS);

    /// A tolerance of `secs` seconds. A negative value becomes zero, which
    /// accepts only a timestamp equal to the clock.
    pub const fn from_secs(secs: i64) -> Self {
        Self {
            secs: if secs < 0 { 0 } else { secs },
        }
    }

    /// The tolerance in seconds.
    pub const fn as_secs(self) -> i64 {
        self.secs
    }

    /// The tolerance in milliseconds (saturating).
    pub const fn as_millis(self) -> i64 {
        self.secs.saturating_mul(1000)
    }
}

impl Default for Tolerance {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What a successful verification tells you.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Verified {
    /// The position, in the slice you passed, of the secret that matched. If
    /// several secrets match, this is the lowest index. With secrets given newest
    /// first, anything other than `0` means the sender still uses an older key.
    pub secret_index: usize,
    /// The verified timestamp, in the scheme's own unit. That is seconds for
    /// every scheme except Front application webhooks, which use milliseconds.
    pub timestamp: i64,
}
