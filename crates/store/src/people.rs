//! The people who use the dashboard, their credentials and sessions, in BetterAuth's
//! tables (migration 0007): dates as ISO-8601 text with milliseconds (JavaScript's
//! `toISOString`), booleans as 0/1, ids and tokens of 32 alphanumeric characters.

use serde::{Deserialize, Serialize};
use support_auth::Role;

/// A person with access to the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// BetterAuth's user id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Sign-in email (unique, lowercased).
    pub email: String,
    /// What they may do.
    pub role: Role,
    /// Their Slack user id: a decision made in the dashboard is theirs as in Slack.
    pub slack_user_id: Option<String>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

/// A signed-in session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// BetterAuth's session id.
    pub id: String,
    /// The token the cookie carries (signed).
    pub token: String,
    /// Whose.
    pub user_id: String,
    /// Unix ms.
    pub expires_at: i64,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    /// Where it was made from.
    pub ip_address: Option<String>,
    /// With what.
    pub user_agent: Option<String>,
}

/// How long a session lasts (BetterAuth's default: 7 days).
pub const SESSION_MS: i64 = 7 * 24 * 3600 * 1000;

/// Why a sign-in did not give a session. The message never says which of the email and
/// the password was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// No such person, no password, or the wrong one.
    #[error("invalid email or password")]
    Invalid,
    /// Too many failures for the account or the address in this window.
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    Throttled {
        /// Until the window ends.
        retry_after_secs: u64,
    },
    /// The store failed (or no randomness).
    #[error("{0}")]
    Unavailable(String),
}

/// Where a sign-in comes from, for the throttle and the session's record.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The client's address (`CF-Connecting-IP` at the edge).
    pub address: Option<String>,
    /// Its user agent.
    pub user_agent: Option<String>,
}

/// Check an email and password and open a session (BetterAuth's email sign-in): the
/// throttle first (so a throttled attempt costs no scrypt), then the password in
/// constant time; a failure counts against the account from this address, the account
/// from anywhere, and the address.
pub async fn sign_in(
    store: &dyn crate::Store,
    email: &str,
    password: &str,
    origin: &Origin,
    now_ms: i64,
) -> Result<(Session, Person), SignInError> {
    let unavailable = |e: crate::StoreError| SignInError::Unavailable(e.to_string());
    let now_secs = (now_ms / 1000).max(0) as u64;
    let email = email.trim().to_lowercase();
    let address = address_bucket(origin.address.as_deref());
    // Each attempt is counted before anything is checked, atomically, so parallel
    // attempts cannot all pass on the same count; a success is forgiven after.
    let buckets = [
        // This account from this address: the tight limit.
        (format!("account:{email}|{address}"), PER_ACCOUNT_ADDRESS),
        // This account from anywhere: loose, so nobody locks an owner out from afar.
        (format!("account:{email}"), PER_ACCOUNT_ANYWHERE),
        (
            format!("address:{address}"),
            support_auth::ratelimit::PER_ADDRESS,
        ),
    ];
    let mut throttled = None;
    for (key, policy) in &buckets {
        let window = policy.window_start(now_secs) as i64;
        let count = store
            .count_login_attempt(key, window)
            .await
            .map_err(unavailable)?;
        if let support_auth::Decision::Deny { retry_after_secs } =
            policy.decide(count.saturating_sub(1), now_secs)
        {
            throttled = Some(throttled.unwrap_or(0).max(retry_after_secs));
        }
    }
    if let Some(retry_after_secs) = throttled {
        return Err(SignInError::Throttled { retry_after_secs });
    }
    let found = store
        .person_with_password(&email)
        .await
        .map_err(unavailable)?;
    let hash = found.as_ref().and_then(|(_, hash)| hash.as_deref());
    // An unknown email costs the same scrypt as a wrong password.
    let valid =
        support_auth::verify_password(hash.unwrap_or(DUMMY_HASH), password) && hash.is_some();
    let Some((person, _)) = found.filter(|_| valid) else {
        return Err(SignInError::Invalid);
    };
    for (key, policy) in &buckets {
        store
            .forgive_login_attempt(key, policy.window_start(now_secs) as i64)
            .await
            .map_err(unavailable)?;
    }
    let random = |what: &str| SignInError::Unavailable(format!("no randomness for the {what}"));
    let session = Session {
        id: support_auth::generate_id().map_err(|_| random("session id"))?,
        token: support_auth::generate_token().map_err(|_| random("session token"))?,
        user_id: person.id.clone(),
        expires_at: now_ms + SESSION_MS,
        created_at: now_ms,
        updated_at: now_ms,
        ip_address: origin.address.clone(),
        user_agent: origin.user_agent.clone(),
    };
    store.add_session(&session).await.map_err(unavailable)?;
    Ok((session, person))
}

/// Sign-in attempts per account and address: 5 per 15 minutes.
pub const PER_ACCOUNT_ADDRESS: support_auth::Policy = support_auth::ratelimit::PER_ACCOUNT;
/// Sign-in attempts per account from anywhere: 50 per 15 minutes.
pub const PER_ACCOUNT_ANYWHERE: support_auth::Policy = support_auth::Policy {
    limit: 50,
    window_secs: support_auth::ratelimit::PER_ACCOUNT.window_secs,
};

/// The throttle's address: an IPv4 address as is, an IPv6 one by its /64 (one
/// customer's network hands out many), `unknown` without one (local development: at
/// the edge `CF-Connecting-IP` is always set).
pub fn address_bucket(address: Option<&str>) -> String {
    match address.map(str::trim).filter(|a| !a.is_empty()) {
        None => "unknown".into(),
        Some(a) if a.contains(':') => match a.parse::<std::net::Ipv6Addr>() {
            Ok(ip) => {
                let s = ip.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            Err(_) => a.to_owned(),
        },
        Some(a) => a.to_owned(),
    }
}

/// A well-formed hash of a password nobody has, checked when the email is unknown.
const DUMMY_HASH: &str = "00000000000000000000000000000000:\
0000000000000000000000000000000000000000000000000000000000000000\
0000000000000000000000000000000000000000000000000000000000000000";

/// Unix ms as BetterAuth writes dates in SQLite: `2026-12-07T14:00:00.000Z`.
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An ISO-8601 date as unix ms (`None` when it is not one).
pub fn unix_ms(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_and_write_as_javascript_does() {
        assert_eq!(iso(1_796_652_849_416), "2026-12-07T14:14:09.416Z");
        assert_eq!(unix_ms("2026-12-07T14:14:09.416Z"), Some(1_796_652_849_416));
        assert_eq!(unix_ms("yesterday"), None);
    }
}
