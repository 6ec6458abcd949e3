//! The people who use the dashboard: added (with a password, or invited to set one),
//! changed, their sessions and API tokens revoked. One place for each change, whether
//! an operator makes it through the admin API or an owner through the dashboard, and
//! each change is an audit row naming who made it (`input.by`).

use serde_json::{json, Value};
use support_auth::{Permission, Role};
use support_store::people::Person;
use support_store::{AuditEntry, AuditKind, Store};

/// BetterAuth's default bounds for a password.
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=128;

/// How long an invitation link works.
pub const INVITE_MS: i64 = 7 * 24 * 3600 * 1000;

/// Who made a change, as the audit log names them: `admin token` for an operator, a
/// person's email for an owner in the dashboard.
pub const ADMIN_TOKEN_ACTOR: &str = "admin token";

/// Why a change was not made; the text is safe to show to whoever asked.
#[derive(Debug, thiserror::Error)]
pub enum PeopleError {
    /// The input is not acceptable (said how).
    #[error("{0}")]
    Invalid(String),
    /// The email already has an account.
    #[error("{0} already has an account")]
    Exists(String),
    /// No such person.
    #[error("no person {0}")]
    NotFound(String),
    /// The store failed (logged, not shown).
    #[error("the store failed: {0}")]
    Unavailable(String),
}

fn unavailable(e: impl std::fmt::Display) -> PeopleError {
    PeopleError::Unavailable(e.to_string())
}

/// A Slack user id as Slack writes them (`U…`, or `W…` on Enterprise Grid).
pub fn check_slack_user_id(s: &str) -> Result<(), PeopleError> {
    let shaped = (s.starts_with('U') || s.starts_with('W'))
        && s.len() > 1
        && s.chars().all(|c| c.is_ascii_alphanumeric());
    if shaped {
        Ok(())
    } else {
        Err(PeopleError::Invalid(
            "a Slack user id is U… or W… (letters and digits)".into(),
        ))
    }
}

/// A password within BetterAuth's bounds.
pub fn check_password(password: &str) -> Result<(), PeopleError> {
    if PASSWORD_CHARS.contains(&password.chars().count()) {
        Ok(())
    } else {
        Err(PeopleError::Invalid(
            "the password must have 8 to 128 characters".into(),
        ))
    }
}

/// A new person, as given.
#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    /// Sign-in email.
    pub email: String,
    /// Display name (the email's local part when empty).
    pub name: Option<String>,
    /// `owner`, `agent` or `viewer`.
    pub role: String,
    /// Their Slack user id, if any.
    pub slack_user_id: Option<String>,
    /// A password, or `None` for an invitation.
    pub password: Option<String>,
}

fn random_failure(e: impl std::fmt::Display) -> PeopleError {
    PeopleError::Unavailable(format!("no randomness: {e}"))
}

/// Add a person. With a password they can sign in now; without, the answer carries a
/// one-time invitation token (its hash is stored, the token is shown once) with which
/// they set their own.
pub async fn add(
    store: &dyn Store,
    new: NewPerson,
    by: &str,
    now_ms: i64,
) -> Result<(Person, Option<String>), PeopleError> {
    let email = new.email.trim().to_lowercase();
    if !support_core::tool::is_email(&email) {
        return Err(PeopleError::Invalid(
            "the email is not an email address".into(),
        ));
    }
    let role = Role::parse(new.role.trim())
        .ok_or_else(|| PeopleError::Invalid("the role is owner, agent or viewer".into()))?;
    let slack = new
        .slack_user_id
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    if let Some(s) = &slack {
        check_slack_user_id(s)?;
    }
    let hash = match &new.password {
        Some(password) => {
            check_password(password)?;
            Some(support_auth::hash_password_random(password).map_err(random_failure)?)
        }
        None => None,
    };
    let person = Person {
        id: support_auth::generate_id().map_err(random_failure)?,
        name: new
            .name
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned()),
        email,
        role,
        slack_user_id: slack,
        created_at: now_ms,
        updated_at: now_ms,
    };
    if !store
        .add_person(&person, hash.as_deref())
        .await
        .map_err(unavailable)?
    {
        return Err(PeopleError::Exists(person.email));
    }
    let invite = if hash.is_none() {
        let token = support_auth::generate_token().map_err(random_failure)?;
        store
            .add_invite(
                &support_auth::token_hash(&token),
                &person.id,
                now_ms + INVITE_MS,
                now_ms,
            )
            .await
            .map_err(unavailable)?;
        Some(token)
    } else {
        None
    };
    audit(
        store,
        if invite.is_some() {
            "person invited"
        } else {
            "person added"
        },
        json!({"by": by, "user": person.id, "email": person.email}),
        json!({"role": person.role, "slackUserId": person.slack_user_id}),
        now_ms,
    )
    .await?;
    Ok((person, invite))
}

/// Change a person's role and/or Slack link (`Some(None)` unlinks). A demoted person's
/// sessions end with the change: fewer rights take effect now.
pub async fn change(
    store: &dyn Store,
    id: &str,
    role: Option<&str>,
    slack_user_id: Option<Option<String>>,
    by: &str,
    now_ms: i64,
) -> Result<Person, PeopleError> {
    let role = match role.map(str::trim) {
        None => None,
        Some(r) => Some(
            Role::parse(r)
                .ok_or_else(|| PeopleError::Invalid("the role is owner, agent or viewer".into()))?,
        ),
    };
    let slack = slack_user_id.map(|s| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()));
    if let Some(Some(s)) = &slack {
        check_slack_user_id(s)?;
    }
    let before = store
        .person(id)
        .await
        .map_err(unavailable)?
        .ok_or_else(|| PeopleError::NotFound(id.to_owned()))?;
    let after = store
        .update_person(id, role, slack, now_ms)
        .await
        .map_err(unavailable)?
        .ok_or_else(|| PeopleError::NotFound(id.to_owned()))?;
    let demoted = [
        Permission::ManageApps,
        Permission::ManagePeople,
        Permission::Decide,
        Permission::Read,
    ]
    .into_iter()
    .any(|p| before.role.may(p) && !after.role.may(p));
    let ended = if demoted {
        store.end_sessions_of(id).await.map_err(unavailable)?
    } else {
        0
    };
    audit(
        store,
        "person changed",
        json!({"by": by, "user": id, "email": after.email}),
        json!({"role": [before.role, after.role], "slackUserId": [before.slack_user_id, after.slack_user_id], "sessionsEnded": ended}),
        now_ms,
    )
    .await?;
    Ok(after)
}

/// End every session of a person now; answers how many ended.
pub async fn revoke_sessions(
    store: &dyn Store,
    id: &str,
    by: &str,
    now_ms: i64,
) -> Result<u64, PeopleError> {
    let person = store
        .person(id)
        .await
        .map_err(unavailable)?
        .ok_or_else(|| PeopleError::NotFound(id.to_owned()))?;
    let ended = store.end_sessions_of(id).await.map_err(unavailable)?;
    audit(
        store,
        "sessions revoked",
        json!({"by": by, "user": id, "email": person.email}),
        json!({"sessionsEnded": ended}),
        now_ms,
    )
    .await?;
    Ok(ended)
}

/// Revoke an approvals-API token; false when there was no such unrevoked token.
pub async fn revoke_token(
    store: &dyn Store,
    token_id: &str,
    by: &str,
    now_ms: i64,
) -> Result<bool, PeopleError> {
    let revoked = store
        .revoke_api_token(token_id, now_ms)
        .await
        .map_err(unavailable)?;
    if revoked {
        audit(
            store,
            "api token revoked",
            json!({"by": by, "token": token_id}),
            json!({}),
            now_ms,
        )
        .await?;
    }
    Ok(revoked)
}

/// Set a password with a one-time invitation token: the person it names, or `None`
/// when the token is unknown, used or expired.
pub async fn accept_invite(
    store: &dyn Store,
    token: &str,
    password: &str,
    now_ms: i64,
) -> Result<Option<Person>, PeopleError> {
    check_password(password)?;
    let hash = support_auth::hash_password_random(password).map_err(random_failure)?;
    let Some(user_id) = store
        .take_invite(&support_auth::token_hash(token), now_ms)
        .await
        .map_err(unavailable)?
    else {
        return Ok(None);
    };
    store
        .set_password(&user_id, &hash, now_ms)
        .await
        .map_err(unavailable)?;
    let person = store.person(&user_id).await.map_err(unavailable)?;
    if let Some(p) = &person {
        audit(
            store,
            "invitation accepted",
            json!({"by": p.email, "user": p.id, "email": p.email}),
            json!({}),
            now_ms,
        )
        .await?;
    }
    Ok(person)
}

/// An owner's or operator's change, in the audit log.
pub async fn audit(
    store: &dyn Store,
    name: &str,
    input: Value,
    output: Value,
    now_ms: i64,
) -> Result<(), PeopleError> {
    let suffix = support_auth::generate_id().map_err(random_failure)?;
    let entry = AuditEntry {
        id: format!("admin:{now_ms}:{suffix}"),
        at_ms: now_ms,
        app_id: input.get("app").and_then(Value::as_str).map(str::to_owned),
        conversation_id: None,
        run_id: None,
        action_id: None,
        kind: AuditKind::Admin,
        name: name.to_owned(),
        input,
        output: Some(output),
        error: None,
        duration_ms: None,
        usage: None,
        sensitive: None,
        sensitive_until: None,
    };
    store.audit(&[entry]).await.map_err(unavailable)
}
