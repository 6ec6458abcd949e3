//! App secrets sealed with AES-256-GCM.
//!
//! A sealed value is `v1.<key id>.<nonce>.<ciphertext and tag>` (both base64url, no
//! padding). The key id travels with the value, so a keyring of several keys opens
//! values sealed under any of them while new values are sealed under the first: rotate
//! by putting the new key first, re-sealing (`skill secrets reseal` or a re-registration),
//! then dropping the old key. The associated data binds a value to its app and its name,
//! so a sealed value copied into another row does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

/// The sealed format's version tag.
const VERSION: &str = "v1";

/// Why a keyring could not be built or a value not sealed or opened. Never carries key
/// material or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The keyring setting is malformed.
    #[error("the secrets keyring is malformed: {0}")]
    Keyring(String),
    /// No key is configured (set the keyring variable).
    #[error("no secrets key is configured")]
    NoKey,
    /// The value is not in the sealed format.
    #[error("the sealed value is malformed")]
    Malformed,
    /// The value was sealed under a key this keyring does not hold.
    #[error("the value was sealed under key {0:?}, which is not in the keyring")]
    UnknownKey(String),
    /// Wrong key, tampered value or a value moved to another app or name.
    #[error("the sealed value does not open (wrong key, tampered, or moved)")]
    Open,
    /// The randomness source failed.
    #[error("no randomness for a nonce: {0}")]
    Random(String),
}

/// AES-256 keys by id, the first one current.
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<(String, [u8; 32])>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("Keyring").field("key_ids", &ids).finish()
    }
}

impl Keyring {
    /// Parse `id:base64key,id:base64key` (standard base64 of 32 bytes; the first is
    /// current). Ids are `[A-Za-z0-9_-]`, 1–32 characters.
    pub fn parse(setting: &str) -> Result<Self, SecretError> {
        let mut keys = Vec::new();
        for entry in setting.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, key) = entry
                .split_once(':')
                .ok_or_else(|| SecretError::Keyring("each entry is <id>:<base64 key>".into()))?;
            if id.is_empty()
                || id.len() > 32
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(SecretError::Keyring(format!("bad key id {id:?}")));
            }
            let bytes = STANDARD
                .decode(key.trim())
                .map_err(|_| SecretError::Keyring(format!("key {id:?} is not base64")))?;
            let key: [u8; 32] = bytes
                .try_into()
                .map_err(|_| SecretError::Keyring(format!("key {id:?} is not 32 bytes")))?;
            if keys.iter().any(|(k, _)| k == id) {
                return Err(SecretError::Keyring(format!("key id {id:?} appears twice")));
            }
            keys.push((id.to_owned(), key));
        }
        if keys.is_empty() {
            return Err(SecretError::NoKey);
        }
        Ok(Self { keys })
    }

    /// The id new values are sealed under.
    pub fn current_id(&self) -> &str {
        &self.keys[0].0
    }

    /// Seal `plaintext` for `(app_id, name)` under the current key, with a random nonce.
    pub fn seal(&self, app_id: &str, name: &str, plaintext: &str) -> Result<String, SecretError> {
        let mut nonce = [0u8; 12];
        getrandom::getrandom(&mut nonce).map_err(|e| SecretError::Random(e.to_string()))?;
        self.seal_with_nonce(app_id, name, plaintext, nonce)
    }

    /// [`Keyring::seal`] with a given nonce. Never reuse a nonce under one key: this
    /// exists for fixtures and tests.
    pub fn seal_with_nonce(
        &self,
        app_id: &str,
        name: &str,
        plaintext: &str,
        nonce: [u8; 12],
    ) -> Result<String, SecretError> {
        let (id, key) = &self.keys[0];
        let cipher = Aes256Gcm::new(key.into());
        let aad = associated_data(app_id, name);
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Open)?;
        Ok(format!(
            "{VERSION}.{id}.{}.{}",
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(sealed)
        ))
    }

    /// Open a value sealed for `(app_id, name)`.
    pub fn open(&self, app_id: &str, name: &str, sealed: &str) -> Result<String, SecretError> {
        let mut parts = sealed.split('.');
        let (Some(VERSION), Some(id), Some(nonce), Some(body), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(SecretError::Malformed);
        };
        let (_, key) = self
            .keys
            .iter()
            .find(|(k, _)| k == id)
            .ok_or_else(|| SecretError::UnknownKey(id.to_owned()))?;
        let nonce = URL_SAFE_NO_PAD
            .decode(nonce)
            .map_err(|_| SecretError::Malformed)?;
        let body = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SecretError::Malformed)?;
        if nonce.len() != 12 {
            return Err(SecretError::Malformed);
        }
        let aad = associated_data(app_id, name);
        let plain = Aes256Gcm::new(key.into())
            .decrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &body,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Open)?;
        String::from_utf8(plain).map_err(|_| SecretError::Open)
    }

    /// The key id a sealed value names, if it is in the sealed format.
    pub fn key_id_of(sealed: &str) -> Option<&str> {
        let mut parts = sealed.split('.');
        (parts.next() == Some(VERSION))
            .then(|| parts.next())
            .flatten()
    }
}

fn associated_data(app_id: &str, name: &str) -> String {
    format!("support-app-secret:{app_id}:{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const K2: &str = "k2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

    #[test]
    fn a_sealed_value_opens_only_for_its_app_and_name() {
        let ring = Keyring::parse(K1).unwrap();
        let sealed = ring.seal("app_a", "sdk_secret", "s3cret").unwrap();
        assert!(sealed.starts_with("v1.k1."));
        assert!(!sealed.contains("s3cret"));
        assert_eq!(ring.open("app_a", "sdk_secret", &sealed).unwrap(), "s3cret");
        assert_eq!(
            ring.open("app_b", "sdk_secret", &sealed),
            Err(SecretError::Open)
        );
        assert_eq!(
            ring.open("app_a", "stripe_account", &sealed),
            Err(SecretError::Open)
        );
    }

    #[test]
    fn rotation_opens_old_values_and_seals_under_the_new_key() {
        let old = Keyring::parse(K1).unwrap();
        let sealed_old = old.seal("app", "n", "v").unwrap();
        let rotated = Keyring::parse(&format!("{K2},{K1}")).unwrap();
        assert_eq!(rotated.current_id(), "k2");
        assert_eq!(rotated.open("app", "n", &sealed_old).unwrap(), "v");
        let sealed_new = rotated.seal("app", "n", "v").unwrap();
        assert_eq!(Keyring::key_id_of(&sealed_new), Some("k2"));
        assert_eq!(
            old.open("app", "n", &sealed_new),
            Err(SecretError::UnknownKey("k2".into()))
        );
    }

    #[test]
    fn tampering_and_garbage_are_refused() {
        let ring = Keyring::parse(K1).unwrap();
        let sealed = ring.seal("app", "n", "value").unwrap();
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(ring.open("app", "n", &tampered), Err(SecretError::Open));
        assert_eq!(
            ring.open("app", "n", "plaintext"),
            Err(SecretError::Malformed)
        );
        assert_eq!(
            ring.open("app", "n", "v1.k1.x.y.z"),
            Err(SecretError::Malformed)
        );
    }

    #[test]
    fn two_seals_of_one_value_differ() {
        let ring = Keyring::parse(K1).unwrap();
        assert_ne!(
            ring.seal("a", "n", "v").unwrap(),
            ring.seal("a", "n", "v").unwrap()
        );
    }

    #[test]
    fn bad_keyrings_are_refused_without_echoing_keys() {
        assert!(matches!(Keyring::parse(""), Err(SecretError::NoKey)));
        let short = Keyring::parse("k:AAEC").unwrap_err();
        assert!(matches!(short, SecretError::Keyring(_)));
        assert!(!short.to_string().contains("AAEC"));
        assert!(Keyring::parse("nokey").is_err());
        assert!(Keyring::parse(&format!("{K1},{K1}")).is_err());
        let debug = format!("{:?}", Keyring::parse(K1).unwrap());
        assert!(debug.contains("k1") && !debug.contains("AAECAw"));
    }
}
