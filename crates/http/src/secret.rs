//! [`Secret`]: every key, token, password and signing secret the platform holds.
//!
//! It cannot leak by accident: `Debug` and `Display` print `[redacted]`, it does not
//! implement `Serialize`, and equality is constant-time. The value is read only through
//! [`Secret::expose`], so each place that needs it says so.

use subtle::ConstantTimeEq;

/// A secret value.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// Wrap a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that must send or check it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The values of several (a key and its predecessors while rotating), for a
    /// verifier that takes them all.
    pub fn expose_all(secrets: &[Secret]) -> Vec<&str> {
        secrets.iter().map(Secret::expose).collect()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&String> for Secret {
    fn from(value: &String) -> Self {
        Self(value.clone())
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl PartialEq for Secret {
    /// Constant-time in the contents (the length may show, as with any comparison).
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.0.as_bytes().ct_eq(other.0.as_bytes()))
    }
}

impl Eq for Secret {}

impl PartialEq<str> for Secret {
    /// Constant-time, as between secrets: checking a presented token is this.
    fn eq(&self, other: &str) -> bool {
        bool::from(self.0.as_bytes().ct_eq(other.as_bytes()))
    }
}

impl PartialEq<&str> for Secret {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq<String> for Secret {
    fn eq(&self, other: &String) -> bool {
        *self == *other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints_and_compares_by_value() {
        let s = Secret::new("sk_live_hunter2");
        assert_eq!(
            format!("{s:?} {s} {:?}", Some(&s)),
            "[redacted] [redacted] Some([redacted])"
        );
        assert_eq!(s.expose(), "sk_live_hunter2");
        assert_eq!(s, Secret::from("sk_live_hunter2"));
        assert_ne!(s, Secret::from("sk_live_hunter3"));
        assert_ne!(s, Secret::from("sk_live"));
        let owned = String::from("sk_live_hunter2");
        assert!(s == "sk_live_hunter2" && s != "sk_live_hunter" && s == owned);
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Settings {
            token: Secret,
        }
        assert!(!format!("{:?}", Settings { token: s }).contains("hunter2"));
    }
}
