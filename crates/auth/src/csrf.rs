//! Stateless CSRF tokens for the dashboard's forms (our own scheme; BetterAuth
//! checks the `Origin` header instead, which the caller should do too).
//!
//! `token = base64url(HMAC-SHA256(secret, "support-auth/csrf/v1" ‖ 0x00 ‖ session_token))`,
//! without padding (43 characters). Put it in a hidden form field; on POST,
//! [`verify_csrf`] recomputes it from the session cookie's token.
//!
//! # Why it is bound to the session
//!
//! * **An attacker cannot use their own token.** A token made for the attacker's
//!   session does not verify against the victim's session, and the attacker
//!   cannot compute the victim's without both the server secret and the victim's
//!   session token. The cookie is `HttpOnly`, but BetterAuth's API also answers the
//!   token in JSON (sign-in, get-session), so a script running in the page (XSS)
//!   can read it: this guards against other sites, not against script injected
//!   into ours, which the dashboard's CSP is for.
//! * **No storage.** The session token is already the per-user secret the server
//!   sees on every request, so nothing has to be stored or looked up.
//! * **It dies with the session.** Signing out or rotating the session makes
//!   every form token issued for it worthless.
//! * **It reveals nothing.** The HMAC is one-way: a token leaked from a page
//!   (cache, screenshot, referrer) discloses neither the session token nor the
//!   cookie's signature.
//!
//! The label separates this HMAC from the session cookie's, which signs the
//! bare token with the same secret: without it the CSRF token would *be* the
//! cookie signature, base64url-encoded.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use subtle::ConstantTimeEq;

/// Domain-separation label, versioned so the scheme can change.
const LABEL: &[u8] = b"support-auth/csrf/v1\0";

/// The CSRF token for the session whose cookie carries `session_token`.
pub fn csrf_token(session_token: &str, secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(crate::hmac_sha256(
        secret.as_bytes(),
        &[LABEL, session_token.as_bytes()],
    ))
}

/// Whether `token` is the CSRF token of `session_token` under any of `secrets`
/// (rotation, as for cookies). Constant-time; every secret is tried. `false`
/// for an empty session token, and empty secrets never match.
pub fn verify_csrf(token: &str, session_token: &str, secrets: &[&str]) -> bool {
    if session_token.is_empty() {
        return false;
    }
    let mut matched = subtle::Choice::from(0u8);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        matched |= csrf_token(session_token, secret)
            .as_bytes()
            .ct_eq(token.as_bytes());
    }
    matched.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "better-auth-secret-123456789-abcdefghij";

    #[test]
    fn verifies_for_its_session_only() {
        let alice = "aliceSessionToken0000000000000000";
        let mallory = "mallorySessionToken00000000000000";
        let token = csrf_token(alice, SECRET);
        assert_eq!(token.len(), 43);
        assert!(!token.contains(['+', '/', '=']));
        assert!(verify_csrf(&token, alice, &[SECRET]));
        // Mallory's own token is no good in Alice's session, and vice versa.
        assert!(!verify_csrf(&csrf_token(mallory, SECRET), alice, &[SECRET]));
        assert!(!verify_csrf(&token, mallory, &[SECRET]));
    }

    #[test]
    fn secret_rotation_and_malformed() {
        let s = "sessionToken";
        let token = csrf_token(s, SECRET);
        assert!(!verify_csrf(&token, s, &["other"]));
        assert!(verify_csrf(&token, s, &["new", SECRET]));
        assert!(!verify_csrf(&token, s, &[]));
        assert!(!verify_csrf(&token, s, &[""]));
        assert!(!verify_csrf(&csrf_token("", SECRET), "", &[SECRET]));
        assert!(!verify_csrf("", s, &[SECRET]));
        assert!(!verify_csrf(&token[..42], s, &[SECRET]));
        assert!(!verify_csrf(&format!("{token}="), s, &[SECRET]));
    }

    #[test]
    fn differs_from_the_cookie_signature() {
        let s = "sessionToken";
        let csrf = URL_SAFE_NO_PAD.decode(csrf_token(s, SECRET)).unwrap();
        let cookie_mac = crate::hmac_sha256(SECRET.as_bytes(), &[s.as_bytes()]);
        assert_ne!(csrf, cookie_mac.to_vec());
    }
}
