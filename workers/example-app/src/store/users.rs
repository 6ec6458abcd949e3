//! Users: lookup, profile changes, magic links and recent activity.

use serde::Deserialize;
use support_sdk::action::*;
use support_sdk::types::*;
use support_sdk::{IntegrationError, Result};

use super::{date, looks_like_email, not_found, parse_enum, random_hex, D1Integration};

#[derive(Deserialize)]
struct UserRow {
    id: String,
    email: String,
    name: Option<String>,
    created_at: String,
}

impl UserRow {
    fn into_user(self) -> Result<User> {
        Ok(User {
            created_at: date(&self.created_at)?,
            id: self.id,
            email: self.email,
            name: self.name,
        })
    }
}

impl D1Integration {
    async fn user_by_id(&self, user_id: &str) -> Result<Option<UserRow>> {
        self.first(
            "SELECT id, email, name, created_at FROM users WHERE id = ?1",
            &[user_id],
        )
        .await
    }
}

pub(super) async fn lookup_user(store: &D1Integration, email: &str) -> Result<Option<User>> {
    let row: Option<UserRow> = store
        .first(
            "SELECT id, email, name, created_at FROM users WHERE email = ?1",
            &[email.trim()],
        )
        .await?;
    row.map(UserRow::into_user).transpose()
}

pub(super) async fn generate_magic_link(
    store: &D1Integration,
    params: MagicLinkParams,
) -> Result<MagicLink> {
    let email = params.email.trim();
    if lookup_user(store, email).await?.is_none() {
        return Err(IntegrationError::bad_request(format!(
            "no user with email {email}"
        )));
    }
    let ttl = params.expires_in.clamp(60, 7 * 24 * 3600);
    let token = random_hex(24)?;
    let expires_at = (worker::Date::now().as_millis() / 1000 + ttl).to_string();
    store.batch(vec![
        store.statement("INSERT INTO magic_links (token, email, expires_at) VALUES (?1, ?2, CAST(?3 AS INTEGER))", &[&token, email, &expires_at])?,
        store.audit(Action::GenerateMagicLink, email, &format!("expires in {ttl}s"))?,
    ])
    .await?;
    Ok(MagicLink {
        url: format!("{}/auth/magic?token={token}", store.public_url),
    })
}

pub(super) async fn update_email(
    store: &D1Integration,
    params: UpdateEmailParams,
) -> Result<ActionResult> {
    let new_email = params.new_email.trim();
    if !looks_like_email(new_email) {
        return Err(IntegrationError::bad_request(format!(
            "newEmail {new_email:?} is not an email address"
        )));
    }
    let Some(user) = store.user_by_id(&params.user_id).await? else {
        return Ok(not_found("user", &params.user_id));
    };
    if let Some(other) = lookup_user(store, new_email).await? {
        return Ok(if other.id == user.id {
            ActionResult::ok()
        } else {
            ActionResult::failed(format!("{new_email} belongs to another account"))
        });
    }
    store
        .batch(vec![
            store.statement(
                "UPDATE users SET email = ?2 WHERE id = ?1",
                &[&params.user_id, new_email],
            )?,
            store.audit(
                Action::UpdateEmail,
                &params.user_id,
                &format!("{} -> {new_email}", user.email),
            )?,
        ])
        .await?;
    Ok(ActionResult::ok())
}

pub(super) async fn update_name(
    store: &D1Integration,
    params: UpdateNameParams,
) -> Result<ActionResult> {
    let new_name = params.new_name.trim();
    if new_name.is_empty() || new_name.chars().count() > 200 {
        return Err(IntegrationError::bad_request(
            "newName must be 1 to 200 characters",
        ));
    }
    let changed = store
        .batch(vec![
            store.statement(
                "UPDATE users SET name = ?2 WHERE id = ?1",
                &[&params.user_id, new_name],
            )?,
            store.audit(Action::UpdateName, &params.user_id, new_name)?,
        ])
        .await?;
    Ok(if changed[0] == 1 {
        ActionResult::ok()
    } else {
        not_found("user", &params.user_id)
    })
}

#[derive(Deserialize)]
struct ProgressRow {
    completed: i64,
    total: i64,
}

#[derive(Deserialize)]
struct ActivityRow {
    r#type: String,
    title: String,
    timestamp: String,
}

pub(super) async fn get_recent_activity(
    store: &D1Integration,
    user_id: &str,
) -> Result<UserActivity> {
    let progress: Vec<ProgressRow> = store
        .all(
            "SELECT completed, total FROM lesson_progress WHERE user_id = ?1",
            &[user_id],
        )
        .await?;
    let items: Vec<ActivityRow> = store
        .all("SELECT type, title, timestamp FROM activity WHERE user_id = ?1 ORDER BY timestamp DESC LIMIT 10", &[user_id])
        .await?;
    let completed: i64 = progress.iter().map(|p| p.completed).sum();
    let total: i64 = progress.iter().map(|p| p.total).sum();
    let completion = if total == 0 {
        0.0
    } else {
        (completed as f64 * 1000.0 / total as f64).round() / 10.0
    };
    Ok(UserActivity {
        user_id: user_id.to_owned(),
        last_login_at: items
            .iter()
            .find(|i| i.r#type == "login")
            .map(|i| i.timestamp.clone()),
        last_active_at: items.first().map(|i| i.timestamp.clone()),
        lessons_completed: completed,
        total_lessons: total,
        completion_percent: completion,
        recent_items: items
            .into_iter()
            .map(|i| {
                Ok(ActivityItem {
                    activity_type: parse_enum(&i.r#type)?,
                    title: i.title,
                    timestamp: i.timestamp,
                })
            })
            .collect::<Result<_>>()?,
    })
}
