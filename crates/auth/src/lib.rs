//! BetterAuth-compatible credentials for the support platform.
//!
//! The crate does no I/O and keeps no state: storage (users, sessions, attempt
//! counters) belongs to the caller. It compiles natively and for
//! `wasm32-unknown-unknown` (Cloudflare Workers); randomness comes from
//! [`getrandom`] (the OS natively, `crypto.getRandomValues` on Workers).
//!
//! | module | what | compatible with |
//! |---|---|---|
//! | [`password`] | `hexsalt:hexkey` scrypt hashes | better-auth `hashPassword` / `verifyPassword` |
//! | [`cookie`] | the signed `session_token` cookie | better-call `setSignedCookie` / `getSignedCookie` |
//! | [`ids`] | 32-character ids and session tokens, stored token hashes | better-auth `generateId`, hashed identifiers |
//! | [`csrf`] | stateless form CSRF tokens bound to the session | our own scheme |
//! | [`ratelimit`] | fixed-window login throttling decisions | our own policy |
//! | [`role`] | owner / agent / viewer and what each may do | our own model |
//!
//! # What was checked against BetterAuth's source
//!
//! Every format below was read in the upstream sources (better-auth monorepo at
//! commit `451aa4b6`, `better-auth/utils` at `ef522888`, `Bekacru/better-call`
//! at `c751c62a`) and then checked against the published npm packages
//! (better-auth 1.7.29, better-call 1.4.6, @better-auth/utils 0.5.1): the
//! known-answer vectors in the unit tests were made by those packages, and the
//! vectors this crate makes were verified by them
//! (`tests/interop/betterauth-vectors.mjs` regenerates and re-checks both).
//! Each module's documentation names the files it follows. No code was copied.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cookie;
pub mod csrf;
pub mod ids;
pub mod password;
pub mod ratelimit;
pub mod role;

pub use cookie::{
    clear_cookie_header, cookie_name, cookie_value, set_cookie_header, sign_session_cookie,
    single_cookie_value, verify_session_cookie,
};
pub use csrf::{csrf_token, verify_csrf};
pub use ids::{generate_id, generate_token, token_hash};
pub use password::{hash_password, hash_password_random, verify_password};
pub use ratelimit::{allow, Decision, Policy};
pub use role::{Permission, Role};

/// The CSPRNG could not be read (`getrandom` failed). On Workers this means
/// `crypto.getRandomValues` was unavailable; natively, the OS refused. Nothing
/// random can be made safely, so the caller should fail the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomUnavailable;

impl core::fmt::Display for RandomUnavailable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the system random number generator is unavailable")
    }
}

impl std::error::Error for RandomUnavailable {}

/// Fills `buf` from the CSPRNG.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<(), RandomUnavailable> {
    getrandom::getrandom(buf).map_err(|_| RandomUnavailable)
}

/// HMAC-SHA256 of `message` keyed by the UTF-8 bytes of `secret` (as WebCrypto's
/// `importKey("raw", TextEncoder.encode(secret))` keys it in better-call).
pub(crate) fn hmac_sha256(secret: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}
