//! Ids, session tokens and stored token hashes.
//!
//! # Verified in BetterAuth's source
//!
//! * `packages/core/src/utils/id.ts` (better-auth monorepo): `generateId(size)` is
//!   `createRandomStringGenerator("a-z", "A-Z", "0-9")(size || 32)`.
//! * `packages/better-auth/src/db/internal-adapter.ts` (`createSession`): the
//!   session token is `generateId(32)`, the same generator as ids.
//! * `src/random.ts` in `better-auth/utils`: the alphabet is the named ranges
//!   concatenated in order (`a…z A…Z 0…9`, 62 characters); random bytes come from
//!   `crypto.getRandomValues`, and a byte is used only when it is below
//!   `floor(256 / 62) * 62 = 248` (rejection sampling, no modulo bias), as
//!   `alphabet[byte % 62]`. This module does the same.
//! * Token hashes: `packages/better-auth/src/db/verification-token-storage.ts`
//!   hashes an identifier (`verification.storeIdentifier: "hashed"`) as
//!   `base64Url.encode(SHA-256(UTF-8 identifier), { padding: false })`. There is
//!   no `session.storeTokenHash` option in better-auth's source (nor in its git
//!   history): sessions store the plain token. [`token_hash`] uses the same
//!   construction as the hashed identifiers, for a store that keeps only hashes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::RandomUnavailable;

/// `generateId`'s alphabet, in its order: `a-z`, `A-Z`, `0-9`.
pub const ALPHABET: &[u8; 62] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// Length of ids and tokens (`size || 32`).
pub const ID_LEN: usize = 32;
/// Bytes at or above this are skipped, so every character is equally likely.
const MAX_VALID: u8 = 248; // floor(256 / 62) * 62

/// A new 32-character alphanumeric id (user, session, account and verification rows).
pub fn generate_id() -> Result<String, RandomUnavailable> {
    let mut failed = false;
    let id = generate_id_with(&mut |buf| {
        if crate::fill_random(buf).is_err() {
            // Zeros are all accepted, so the generator stops; the id is discarded.
            failed = true;
            buf.fill(0);
        }
    });
    if failed {
        Err(RandomUnavailable)
    } else {
        Ok(id)
    }
}

/// A new session token: 32 alphanumeric characters (about 190 bits), the same
/// generator as [`generate_id`], as BetterAuth makes them.
pub fn generate_token() -> Result<String, RandomUnavailable> {
    generate_id()
}

/// A 32-character id drawn from `fill` (any source of random bytes; tests pass
/// a deterministic one).
pub fn generate_id_with(fill: &mut dyn FnMut(&mut [u8])) -> String {
    let mut out = String::with_capacity(ID_LEN);
    // Two bytes per character per refill, as better-auth's generator draws them.
    let mut buf = [0u8; ID_LEN * 2];
    while out.len() < ID_LEN {
        fill(&mut buf);
        for &b in &buf {
            if out.len() == ID_LEN {
                break;
            }
            if b < MAX_VALID {
                out.push(ALPHABET[usize::from(b % 62)] as char);
            }
        }
    }
    out
}

/// Whether `s` looks like an id or token BetterAuth makes: 32 characters from
/// [`ALPHABET`]. A cheap filter before a database lookup.
pub fn is_id_like(s: &str) -> bool {
    s.len() == ID_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `base64url(SHA-256(token))` without padding (43 characters): what to store
/// instead of a token when the store must not be able to replay sessions.
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made by better-auth 1.7.29's `generateId()` (@better-auth/core/utils/id) by
    // tests/interop/betterauth-vectors.mjs; random, so only the shape is checked.
    const BA_ID: &str = "390olnckckUKHyTRlWYHA9g8rgpUxSbs";
    // base64Url.encode(createHash("SHA-256").digest(TOKEN_FOR_HASH), { padding: false })
    // with @better-auth/utils 0.5.1, by tests/interop/betterauth-vectors.mjs.
    const TOKEN_FOR_HASH: &str = "rXauAcT098QUAr1Md0mdiPUuMKvjAdAX";
    const BA_TOKEN_HASH: &str = "nwmGeCXtQvIwl4faIlySFRo3tHpe1V8nEElV3jYdsUE";

    #[test]
    fn ids_have_better_auths_shape() {
        assert!(is_id_like(BA_ID));
        let a = generate_id().unwrap();
        let b = generate_token().unwrap();
        assert!(is_id_like(&a) && is_id_like(&b), "{a} {b}");
        assert_ne!(a, b);
        assert!(!is_id_like("short"));
        assert!(!is_id_like("abcdefghijklmnopqrstuvwxyz01234-"));
    }

    #[test]
    fn byte_mapping_and_rejection() {
        // 0 -> 'a', 26 -> 'A', 52 -> '0', 61 -> '9', 62 -> 'a' (mod 62),
        // 247 -> 247 % 62 = 61 -> '9'; 248..=255 are skipped.
        let mut calls = 0;
        let id = generate_id_with(&mut |buf| {
            calls += 1;
            let pattern = [
                0u8, 248, 26, 255, 52, 61, 62, 247, 249, 250, 251, 252, 253, 254, 255, 248,
            ];
            for (i, b) in buf.iter_mut().enumerate() {
                *b = pattern[i % pattern.len()];
            }
        });
        assert_eq!(&id[..6], "aA09a9");
        assert_eq!(id.len(), 32);
        assert_eq!(calls, 2, "24 usable bytes per 64: a second draw is needed");
        // All bytes rejected at first: keeps drawing.
        let mut n = 0;
        let id = generate_id_with(&mut |buf| {
            n += 1;
            buf.fill(if n < 3 { 250 } else { 1 });
        });
        assert_eq!(id, "b".repeat(32));
    }

    #[test]
    fn token_hash_matches_better_auth() {
        assert_eq!(token_hash(TOKEN_FOR_HASH), BA_TOKEN_HASH);
        // SHA-256("") = e3b0c442…; its base64url, unpadded.
        assert_eq!(
            token_hash(""),
            "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
    }
}
