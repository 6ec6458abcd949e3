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
