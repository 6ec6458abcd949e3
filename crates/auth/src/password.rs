//! Password hashes in BetterAuth's `hexsalt:hexkey` format.
//!
//! # Verified in BetterAuth's source
//!
//! * `packages/better-auth/src/crypto/password.ts` (better-auth monorepo)
//!   re-exports `hashPassword` / `verifyPassword` from `@better-auth/utils/password`.
//! * `src/password.ts` and `src/password.node.ts` in `better-auth/utils` (the
//!   pure-JS `@noble/hashes` build and the `node:crypto` build) agree on:
//!   * scrypt with `N = 16384, r = 16, p = 1, dkLen = 64`;
//!   * the password is `password.normalize("NFKC")`, then UTF-8;
//!   * the salt is 16 random bytes **hex-encoded, and the 32-character hex
//!     string itself (its ASCII bytes) is the scrypt salt**, not the 16 bytes;
//!   * the stored value is `` `${salt}:${hex(key)}` ``, lowercase hex;
//!   * verification splits at `:`, throws on an empty salt or key, re-derives
//!     with the salt *string* as stored, and compares the keys.
//!
//! # Differences, all on the safe side
//!
//! * Malformed stored values return `false` instead of throwing.
//! * The stored key must be exactly 64 bytes of hex (either case); BetterAuth's
//!   `split(":")` would ignore a third `:`-separated part, which never occurs in
//!   values it wrote, and is rejected here.
//! * The comparison is constant-time over the 64 key bytes ([`subtle`]).
//!
//! NFKC comes from the `unicode-normalization` crate; JavaScript engines use
//! ICU. Both follow UAX #15, so they agree on every code point assigned in the
//! older of their two Unicode versions.
//!
//! Cost: scrypt with these parameters uses 32 MiB of memory (128 · r · N
//! bytes) and CPU time on the order of 80 ms per hash natively (release) and
//! 145 ms in wasm under V8, measured on this project's 2-core machine. On
//! Workers every sign-in and sign-up pays that, so throttle them
//! ([`crate::ratelimit`]) before hashing. Unoptimised it takes seconds: the
//! workspace builds the `scrypt` crate at `opt-level = 3` in the dev profile.

use subtle::ConstantTimeEq;
use unicode_normalization::UnicodeNormalization;

use crate::RandomUnavailable;

/// scrypt cost `N = 2^LOG_N` (BetterAuth: `N: 16384`).
pub const SCRYPT_LOG_N: u8 = 14;
/// scrypt block size (BetterAuth: `r: 16`).
pub const SCRYPT_R: u32 = 16;
/// scrypt parallelism (BetterAuth: `p: 1`).
pub const SCRYPT_P: u32 = 1;
/// Derived key length in bytes (BetterAuth: `dkLen: 64`).
pub const KEY_LEN: usize = 64;
/// Random salt length in bytes before hex encoding (BetterAuth: `new Uint8Array(16)`).
pub const SALT_LEN: usize = 16;

/// Hashes `password` with the given 16 salt bytes into BetterAuth's
/// `hexsalt:hexkey` form. Deterministic: use [`hash_password_random`] for a
/// fresh salt.
pub fn hash_password(password: &str, salt16: [u8; SALT_LEN]) -> String {
    let salt = hex::encode(salt16);
    let key = derive(password, salt.as_bytes());
    format!("{salt}:{}", hex::encode(key))
}

/// Hashes `password` with a fresh random salt from the CSPRNG.
pub fn hash_password_random(password: &str) -> Result<String, RandomUnavailable> {
    let mut salt = [0u8; SALT_LEN];
    crate::fill_random(&mut salt)?;
    Ok(hash_password(password, salt))
}

/// Hashes `password` with a salt taken from `fill` (for tests and callers that
/// bring their own random source).
pub fn hash_password_with(password: &str, fill: &mut dyn FnMut(&mut [u8])) -> String {
    let mut salt = [0u8; SALT_LEN];
    fill(&mut salt);
    hash_password(password, salt)
}

/// Checks `password` against a stored `salt:key` value, in constant time over
/// the key. Returns `false`, never panics, on anything malformed: no `:`, an
/// empty salt, a key that is not hex or not 64 bytes.
///
/// The salt is used exactly as stored (its UTF-8 bytes), as BetterAuth does,
/// so values with a non-hex salt written by other tools still verify.
pub fn verify_password(hash: &str, password: &str) -> bool {
    let Some((salt, key_hex)) = hash.split_once(':') else {
        return false;
    };
    if salt.is_empty() || key_hex.len() != KEY_LEN * 2 {
        return false;
    }
    let mut stored = [0u8; KEY_LEN];
    if hex::decode_to_slice(key_hex, &mut stored).is_err() {
        return false;
    }
    let derived = derive(password, salt.as_bytes());
    derived.ct_eq(&stored).into()
}

/// scrypt over the NFKC form of `password`.
fn derive(password: &str, salt: &[u8]) -> [u8; KEY_LEN] {
    let normalized: String = password.nfkc().collect();
    let mut key = [0u8; KEY_LEN];
    // Constant, valid parameters: `Params::new` only fails on out-of-range values.
    let params = scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P, KEY_LEN)
        .unwrap_or_else(|_| unreachable!("BetterAuth's scrypt parameters are valid"));
    // Fails only when the output length is out of range; KEY_LEN is fixed.
    scrypt::scrypt(normalized.as_bytes(), salt, &params, &mut key)
        .unwrap_or_else(|_| unreachable!("64-byte scrypt output is valid"));
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    // Produced by better-auth 1.7.29's own `hashPassword` (better-auth/crypto, node build
    // of @better-auth/utils 0.5.1) under Node 20, by tests/interop/betterauth-vectors.mjs.
    const BA_PASSWORD: &str = "correct horse battery staple ﬁ";
    const BA_HASH: &str = "5de633fec45e0b22e97425271b9f9015:59234d3f561b47ee36549b521362c9c9c26ee1fe019ebd96d7bc5f0f81371c061ec7a10b2bc56fbcff2f8182447321f5e2bd7bcf9d628b91eb75c985380d6b1d";

    // Made by `hash_password(RUST_PASSWORD, RUST_SALT)` below; better-auth's
    // `verifyPassword` accepts it (checked by tests/interop/betterauth-vectors.mjs).
    const RUST_PASSWORD: &str = "Tr0ub4dor&3 ﬁle ｆｕｌｌ";
    const RUST_SALT: [u8; 16] = *b"support-auth-kat";
    const RUST_HASH: &str = "737570706f72742d617574682d6b6174:47dd53d8901661b58fb8ea05b6080ac7dc08030a14d68cc179605d659bcd061e09d182ec31cb58520b2d7fb183520f595a7256832a7cc781a1a0c1a3ed00e7c6";

    #[test]
    fn better_auth_hash_verifies_and_wrong_password_does_not() {
        assert!(verify_password(BA_HASH, BA_PASSWORD));
        // The ligature was normalised by better-auth too.
        assert!(verify_password(BA_HASH, "correct horse battery staple fi"));
        assert!(!verify_password(BA_HASH, "correct horse battery staple f"));
    }

    #[test]
    fn known_answer_matches_what_better_auth_accepts() {
        assert_eq!(hash_password(RUST_PASSWORD, RUST_SALT), RUST_HASH);
    }

    #[test]
    fn nfkc_equivalent_passwords_verify() {
        // RUST_HASH was made from "…ﬁle ｆｕｌｌ" (ligature, full-width letters);
        // the NFKC forms are plain ASCII and must match it.
        assert!(verify_password(RUST_HASH, "Tr0ub4dor&3 file full"));
        // A different password still fails.
        assert!(!verify_password(RUST_HASH, "Tr0ub4dor&3 fi1e full"));
    }

    #[test]
    fn random_salt_round_trips() {
        let mut n = 0u8;
        let h = hash_password_with("pw", &mut |buf: &mut [u8]| {
            for b in buf {
                n = n.wrapping_add(37);
                *b = n;
            }
        });
        let (salt, key) = h.split_once(':').unwrap();
        assert_eq!(salt.len(), 32);
        assert_eq!(key.len(), 128);
        assert!(h
            .bytes()
            .all(|b| b == b':' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert!(verify_password(&h, "pw"));
        let r = hash_password_random("pw").unwrap();
        assert_ne!(r.split_once(':').unwrap().0, salt);
    }

    #[test]
    fn malformed_stored_values_are_false() {
        let key = &BA_HASH[BA_HASH.find(':').unwrap() + 1..];
        for bad in [
            String::new(),
            ":".into(),
            "nocolon".into(),
            format!(":{key}"),
            format!("{}:", &BA_HASH[..32]),
            format!("{}:{}", &BA_HASH[..32], &key[..126]),
            format!("{}:{}zz", &BA_HASH[..32], &key[..126]),
            format!("{}:{key}:extra", &BA_HASH[..32]),
            format!("{}:{}é", &BA_HASH[..32], &key[..126]),
        ] {
            assert!(!verify_password(&bad, BA_PASSWORD), "{bad:?}");
        }
        // Case of the stored hex does not matter (the bytes are compared).
        let upper = format!("{}:{}", &BA_HASH[..32], key.to_ascii_uppercase());
        assert!(verify_password(&upper, BA_PASSWORD));
    }
}
