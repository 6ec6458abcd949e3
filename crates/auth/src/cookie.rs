//! The signed session cookie, as BetterAuth (through better-call) writes and reads it.
//!
//! # Verified in the sources
//!
//! * `src/crypto.ts` in `Bekacru/better-call`: `signCookieValue(value, secret)` is
//!   `encodeURIComponent(value + "." + btoa(HMAC-SHA256(key = UTF-8 secret,
//!   message = UTF-8 value)))`. The signature is standard, **padded** base64
//!   (`+`, `/`, one `=`: 44 characters); `encodeURIComponent` then turns them
//!   into `%2B`, `%2F`, `%3D`, and leaves `A-Z a-z 0-9 - _ . ! ~ * ' ( )` alone.
//! * `src/context.ts` (`getSignedCookie`) and `src/cookies.ts` / `src/utils.ts`
//!   (`parseCookies`, `tryDecode`) in better-call: the `Cookie` header is split on
//!   `;`, the first cookie of a name wins, names and values are trimmed, one pair
//!   of surrounding double quotes is dropped, the value is `decodeURIComponent`d
//!   when it contains `%` (kept raw if that fails); then it is split at the
//!   **last** `.`, the token must be non-empty, and the signature must be 44
//!   characters ending in `=` before the HMAC is checked.
//! * `src/cookies.ts` (`_serialize`) in better-call: attribute order
//!   `name=value; Max-Age=N; Path=/; HttpOnly; Secure; SameSite=Lax`, and Max-Age
//!   above 400 days (34 560 000 s) is refused.
//! * `packages/better-auth/src/cookies/index.ts` (better-auth monorepo):
//!   `createCookieGetter` names it `${cookiePrefix || "better-auth"}.session_token`
//!   with `__Secure-` in front when cookies are secure (https base URL), and gives it
//!   `httpOnly`, `sameSite: "lax"`, `path: "/"`, `secure` and a 7-day `maxAge`
//!   (`getCookies`); `setSessionCookie` signs `session.token` with the one
//!   `ctx.context.secret`; `expireCookie` clears it with an empty value and
//!   `maxAge: 0`, keeping the attributes.
//! * `packages/better-auth/src/api/routes/session.ts`: `getSession` reads the token
//!   with `getSignedCookie(name, secret)` and then looks the session up by token.
//!
//! # Differences
//!
//! * [`verify_session_cookie`] takes several secrets (rotation: list the new one
//!   first and keep the old one until its sessions have expired). BetterAuth
//!   itself signs session cookies with its single secret.
//! * The presented signature is compared, in constant time, as a string with the
//!   canonical base64 of the expected MAC. `atob` in better-call also accepts the
//!   three non-canonical spellings of the last character; no signer produces
//!   them, so rejecting them changes nothing for real cookies.
//! * Empty secrets never verify anything.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use subtle::ConstantTimeEq;

/// `__Secure-`, put in front of cookie names on https (`SECURE_COOKIE_PREFIX`).
pub const SECURE_PREFIX: &str = "__Secure-";
/// BetterAuth's default `advanced.cookiePrefix`.
pub const DEFAULT_PREFIX: &str = "better-auth";
/// BetterAuth's default session lifetime (`session.expiresIn`, 7 days), also
/// the cookie's Max-Age.
pub const DEFAULT_SESSION_MAX_AGE_SECS: u64 = 7 * 24 * 60 * 60;
/// BetterAuth's default `session.updateAge` (1 day): in BetterAuth a session older
/// than this gets its expiry pushed out on use. The platform does not extend sessions
/// yet: they end 7 days after sign-in.
pub const DEFAULT_SESSION_UPDATE_AGE_SECS: u64 = 24 * 60 * 60;
/// The longest Max-Age better-call allows (400 days); longer values are clamped.
pub const MAX_COOKIE_AGE_SECS: u64 = 34_560_000;
/// Length of the base64 HMAC-SHA256 signature (32 bytes, padded).
pub const SIGNATURE_LEN: usize = 44;

/// The session cookie's name: `[__Secure-]<prefix>.session_token`, with
/// `better-auth` when `prefix` is `None` or empty (as `cookiePrefix || "better-auth"`).
pub fn cookie_name(secure: bool, prefix: Option<&str>) -> String {
    let prefix = prefix.filter(|p| !p.is_empty()).unwrap_or(DEFAULT_PREFIX);
    let secure = if secure { SECURE_PREFIX } else { "" };
    format!("{secure}{prefix}.session_token")
}

/// The cookie value for a session `token`: URL-encoded `token.base64(HMAC)`.
///
/// `secret` must be the non-empty `BETTER_AUTH_SECRET`: a value signed with an
/// empty secret never verifies.
pub fn sign_session_cookie(token: &str, secret: &str) -> String {
    let signed = format!("{token}.{}", signature(token, secret));
    encode_uri_component(&signed)
}

/// Checks a session cookie value (as it appears in the `Cookie` header) against
/// each secret and returns the session token when one of them signed it. `None`
/// for a tampered, truncated or malformed value, or when no secret matches.
///
/// Every secret is tried (no early exit) and each comparison is constant-time.
pub fn verify_session_cookie(value: &str, secrets: &[&str]) -> Option<String> {
    let decoded = try_decode(value);
    let dot = decoded.rfind('.')?;
    if dot < 1 {
        return None;
    }
    let (token, sig) = (&decoded[..dot], &decoded[dot + 1..]);
    if sig.len() != SIGNATURE_LEN || !sig.ends_with('=') {
        return None;
    }
    let mut matched = subtle::Choice::from(0u8);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let expected = signature(token, secret);
        matched |= expected.as_bytes().ct_eq(sig.as_bytes());
    }
    bool::from(matched).then(|| token.to_owned())
}

/// The raw value of cookie `name` in a `Cookie` request header, read the way
/// better-call's `parseCookies` reads it (first occurrence wins, trimmed, one
/// pair of surrounding quotes removed). It is not URL-decoded: hand it to
/// [`verify_session_cookie`], which decodes.
pub fn cookie_value<'h>(cookie_header: &'h str, name: &str) -> Option<&'h str> {
    cookie_header.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        if key.trim() != name {
            return None;
        }
        let value = value.trim();
        Some(match value.strip_prefix('"') {
            Some(rest) => {
                // `val.slice(1, -1)`: drops the first and the last character.
                let mut chars = rest.chars();
                chars.next_back();
                chars.as_str()
            }
            None => value,
        })
    })
}

/// The value of the session cookie `name`, only when the header carries it exactly
/// once. Two cookies of the name (one planted by a sibling subdomain, whose narrower
/// path puts it first) are nobody's: which one is meant cannot be known. Otherwise as
/// [`cookie_value`].
pub fn single_cookie_value<'h>(cookie_header: &'h str, name: &str) -> Option<&'h str> {
    let named = cookie_header
        .split(';')
        .filter(|pair| {
            pair.split_once('=')
                .is_some_and(|(key, _)| key.trim() == name)
        })
        .count();
    (named == 1)
        .then(|| cookie_value(cookie_header, name))
        .flatten()
}

/// A `Set-Cookie` header value for the session cookie:
/// `name=value; Max-Age=N; Path=/; HttpOnly[; Secure]; SameSite=Lax`, in
/// better-call's attribute order. `value` is already encoded (the output of
/// [`sign_session_cookie`]). Max-Age is clamped to 400 days. A `__Secure-`
/// name always gets `Secure`, as better-call forces it.
pub fn set_cookie_header(name: &str, value: &str, max_age_secs: u64, secure: bool) -> String {
    let max_age = max_age_secs.min(MAX_COOKIE_AGE_SECS);
    let secure = secure || name.starts_with(SECURE_PREFIX);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Max-Age={max_age}; Path=/; HttpOnly{secure}; SameSite=Lax")
}

/// A `Set-Cookie` header value that deletes the cookie (sign-out): empty value,
/// `Max-Age=0`, the same attributes, as BetterAuth's `expireCookie`.
pub fn clear_cookie_header(name: &str, secure: bool) -> String {
    set_cookie_header(name, "", 0, secure)
}

/// Padded standard base64 of HMAC-SHA256(secret, value): better-call's `makeSignature`.
fn signature(value: &str, secret: &str) -> String {
    STANDARD.encode(crate::hmac_sha256(secret.as_bytes(), &[value.as_bytes()]))
}

/// JavaScript's `encodeURIComponent` over UTF-8.
fn encode_uri_component(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() + 8);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

/// better-call's `tryDecode`: `decodeURIComponent` when the value has a `%`,
/// the value unchanged if it does not decode (bad escape or invalid UTF-8).
fn try_decode(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('%') {
        return s.into();
    }
    match decode_uri_component(s) {
        Some(decoded) => decoded.into(),
        None => s.into(),
    }
}

fn decode_uri_component(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = hex_val(*bytes.get(i + 1)?)?;
            let lo = hex_val(*bytes.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_doubled_session_cookie_is_nobodys() {
        let name = "better-auth.session_token";
        assert_eq!(
            single_cookie_value("a=1; better-auth.session_token=t.s", name),
            Some("t.s")
        );
        assert_eq!(
            single_cookie_value(
                "better-auth.session_token=x.y; better-auth.session_token=t.s",
                name
            ),
            None
        );
        assert_eq!(single_cookie_value("other=1", name), None);
    }

    // Produced by better-call 1.4.6's own `serializeSignedCookie` (the function behind
    // BetterAuth's `setSignedCookie`) under Node 20, by tests/interop/betterauth-vectors.mjs.
    const SECRET: &str = "better-auth-secret-123456789-abcdefghij";
    const BC_TOKEN: &str = "om8IdaVR3g87NOglwL0KuITxGgpZqLf7";
    const BC_VALUE: &str =
        "om8IdaVR3g87NOglwL0KuITxGgpZqLf7.ZJwYutLcM%2Bmq2lsqVRm%2FkWPsAxyN6BAMcfKz8rcF7Yc%3D";
    const BC_SET_COOKIE: &str = "__Secure-better-auth.session_token=om8IdaVR3g87NOglwL0KuITxGgpZqLf7.ZJwYutLcM%2Bmq2lsqVRm%2FkWPsAxyN6BAMcfKz8rcF7Yc%3D; Max-Age=604800; Path=/; HttpOnly; Secure; SameSite=Lax";
    const BC_CLEAR_COOKIE: &str =
        "__Secure-better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax";

    // Made by `sign_session_cookie(RUST_TOKEN, SECRET)`; better-call's `getSignedCookie`
    // returns RUST_TOKEN for it (checked by tests/interop/betterauth-vectors.mjs). The
    // token has a `.` and a non-ASCII character to exercise the last-dot split and the
    // URL-encoding of UTF-8.
    const RUST_TOKEN: &str = "rust.token-é~*";
    const RUST_VALUE: &str = "rust.token-%C3%A9~*.Ud5YlPvD6offCsLXpnKWtPPFOBbLzoSM6UYJjgeSFj4%3D";

    #[test]
    fn better_call_cookie_verifies_and_rust_signs_the_same() {
        assert_eq!(
            verify_session_cookie(BC_VALUE, &[SECRET]).as_deref(),
            Some(BC_TOKEN)
        );
        assert_eq!(sign_session_cookie(BC_TOKEN, SECRET), BC_VALUE);
    }

    #[test]
    fn rust_known_answer() {
        assert_eq!(sign_session_cookie(RUST_TOKEN, SECRET), RUST_VALUE);
        assert_eq!(
            verify_session_cookie(RUST_VALUE, &[SECRET]).as_deref(),
            Some(RUST_TOKEN)
        );
    }

    #[test]
    fn headers_match_better_call() {
        let name = cookie_name(true, None);
        assert_eq!(name, "__Secure-better-auth.session_token");
        assert_eq!(cookie_name(false, Some("")), "better-auth.session_token");
        assert_eq!(cookie_name(false, Some("support")), "support.session_token");
        assert_eq!(
            set_cookie_header(&name, BC_VALUE, DEFAULT_SESSION_MAX_AGE_SECS, true),
            BC_SET_COOKIE
        );
        assert_eq!(clear_cookie_header(&name, true), BC_CLEAR_COOKIE);
        assert_eq!(
            set_cookie_header("better-auth.session_token", "v", 10, false),
            "better-auth.session_token=v; Max-Age=10; Path=/; HttpOnly; SameSite=Lax"
        );
        assert!(set_cookie_header(&name, "v", 10, false).contains("; Secure;"));
        assert!(set_cookie_header("a", "v", u64::MAX, false).contains("Max-Age=34560000;"));
    }

    #[test]
    fn signature_is_padded_base64_and_encoded() {
        let v = sign_session_cookie("t", SECRET);
        let decoded = decode_uri_component(&v).unwrap();
        let sig = &decoded[2..];
        assert_eq!(sig.len(), SIGNATURE_LEN);
        assert!(sig.ends_with('='));
        assert!(!v.contains(['+', '/', '=']), "{v}");
        // Values that were not URL-encoded (no `%`) are read as they are.
        assert_eq!(
            verify_session_cookie(&decoded, &[SECRET]).as_deref(),
            Some("t")
        );
    }

    #[test]
    fn tampered_values_fail() {
        // Flip one character of the token, then of the signature.
        let mut token = BC_VALUE.to_owned();
        token.replace_range(0..1, if token.starts_with('a') { "b" } else { "a" });
        assert_eq!(verify_session_cookie(&token, &[SECRET]), None);
        let decoded = decode_uri_component(BC_VALUE).unwrap();
        let at = decoded.len() - 5;
        let mut sig = decoded.clone();
        let c = if &sig[at..at + 1] == "A" { "B" } else { "A" };
        sig.replace_range(at..at + 1, c);
        assert_eq!(
            verify_session_cookie(&encode_uri_component(&sig), &[SECRET]),
            None
        );
        // A non-canonical spelling of the same MAC (low bits of the last base64 character
        // changed): better-call's `atob` accepts it, we do not (see the module docs).
        assert!(RUST_VALUE.contains("Fj4%3D"));
        let non_canonical = RUST_VALUE.replace("Fj4%3D", "Fj5%3D");
        assert_eq!(verify_session_cookie(&non_canonical, &[SECRET]), None);
        // Another token with the original signature.
        let swapped = format!(
            "{}x{}",
            &decoded[..BC_TOKEN.len()],
            &decoded[BC_TOKEN.len()..]
        );
        assert_eq!(verify_session_cookie(&swapped, &[SECRET]), None);
    }

    #[test]
    fn wrong_secret_and_rotation() {
        assert_eq!(verify_session_cookie(BC_VALUE, &["another-secret"]), None);
        assert_eq!(verify_session_cookie(BC_VALUE, &[]), None);
        assert_eq!(verify_session_cookie(BC_VALUE, &[""]), None);
        // Old secret still listed: accepted, whatever its position.
        let ok = Some(BC_TOKEN);
        assert_eq!(
            verify_session_cookie(BC_VALUE, &["new-secret", SECRET]).as_deref(),
            ok
        );
        assert_eq!(
            verify_session_cookie(BC_VALUE, &[SECRET, "new-secret"]).as_deref(),
            ok
        );
        // Dropped from the list: refused.
        assert_eq!(verify_session_cookie(BC_VALUE, &["new-secret"]), None);
        // An empty secret signs nothing that verifies.
        assert_eq!(
            verify_session_cookie(&sign_session_cookie("t", ""), &[""]),
            None
        );
    }

    #[test]
    fn malformed_values_fail() {
        let sig = &decode_uri_component(BC_VALUE).unwrap()[BC_TOKEN.len() + 1..];
        for bad in [
            String::new(),
            ".".into(),
            "no-dot".into(),
            format!(".{sig}"),                         // empty token
            format!("{BC_TOKEN}."),                    // empty signature
            format!("{BC_TOKEN}.{}", &sig[..43]),      // short
            format!("{BC_TOKEN}.{sig}="),              // long
            format!("{BC_TOKEN}.{}A", &sig[..43]),     // 44 chars, no '='
            format!("{BC_TOKEN}.{sig}%"),              // bad escape: kept raw, then too long
            format!("{BC_TOKEN}%2E{}%FF", &sig[..42]), // invalid UTF-8
            "%".into(),
            "é.é".into(),
        ] {
            assert_eq!(verify_session_cookie(&bad, &[SECRET]), None, "{bad:?}");
        }
    }

    #[test]
    fn reads_the_cookie_header_like_better_call() {
        let name = "__Secure-better-auth.session_token";
        let header = format!("a=1; flag; {name} = \"{BC_VALUE}\" ; {name}=second");
        assert_eq!(cookie_value(&header, name), Some(BC_VALUE));
        assert_eq!(cookie_value("x=1", name), None);
        assert_eq!(cookie_value(&format!("{name}="), name), Some(""));
    }

    #[test]
    fn uri_component_round_trip() {
        let s = "a+b/c=d é ~*'()!-_.";
        let e = encode_uri_component(s);
        assert_eq!(e, "a%2Bb%2Fc%3Dd%20%C3%A9%20~*'()!-_.");
        assert_eq!(decode_uri_component(&e).as_deref(), Some(s));
        assert_eq!(decode_uri_component("%c3%a9").as_deref(), Some("é"));
        assert_eq!(decode_uri_component("%C3"), None);
        assert_eq!(decode_uri_component("%G0"), None);
    }
}
