//! The app registry's changes, wherever they are asked for (the admin API and `skill
//! apps`, the dashboard's Apps page): registering an app with a generated SDK secret,
//! rotating that secret in two steps, and removing an app. Each change is an audit row
//! naming who made it; a secret is returned once, to be shown once.

use serde_json::json;
use support_store::{AppConfig, AppRegistration, AppSettings, QueueQuery, Store};

use crate::people::audit;

/// Why a change was not made; the text is safe to show to whoever asked.
#[derive(Debug, thiserror::Error)]
pub enum AppsError {
    /// The input is not acceptable (said how).
    #[error("{0}")]
    Invalid(String),
    /// The slug is taken.
    #[error("an app with the slug {0} exists")]
    Exists(String),
    /// No such app.
    #[error("no app {0}")]
    NotFound(String),
    /// The change conflicts with the app's state (said how).
    #[error("{0}")]
    Conflict(String),
    /// The store failed (logged, not shown).
    #[error("the store failed: {0}")]
    Unavailable(String),
}

fn unavailable(e: impl std::fmt::Display) -> AppsError {
    AppsError::Unavailable(e.to_string())
}

impl From<crate::people::PeopleError> for AppsError {
    fn from(e: crate::people::PeopleError) -> Self {
        AppsError::Unavailable(e.to_string())
    }
}

/// A new app, as given.
#[derive(Debug, Clone, Default)]
pub struct NewApp {
    /// Stable slug (2 to 63 lowercase letters, digits and dashes).
    pub slug: String,
    /// Display name (the slug when empty).
    pub name: Option<String>,
    /// The app's SDK endpoint: https, or the loopback in local development.
    pub integration_url: String,
    /// Its Front inbox.
    pub front_inbox_id: Option<String>,
    /// Slack user ids allowed to decide its approvals.
    pub approvers: Vec<String>,
    /// Slack channel for its approval requests.
    pub approval_channel: Option<String>,
    /// Slack channel for its escalations.
    pub escalation_channel: Option<String>,
    /// Its Stripe connected account (`acct_…`).
    pub stripe_account_id: Option<String>,
}

/// A new SDK secret: `whsec_` and 32 random characters (about 190 bits).
fn new_secret() -> Result<String, AppsError> {
    support_auth::generate_token()
        .map(|t| format!("whsec_{t}"))
        .map_err(|e| AppsError::Unavailable(format!("no randomness: {e}")))
}

fn check(new: &NewApp) -> Result<(), AppsError> {
    let slug = &new.slug;
    if slug.len() < 2
        || slug.len() > 63
        || slug.starts_with('-')
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(AppsError::Invalid(
            "the slug is 2 to 63 lowercase letters, digits and dashes".into(),
        ));
    }
    let url = new.integration_url.trim();
    let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| url.starts_with(p));
    if !(url.starts_with("https://") || loopback) {
        return Err(AppsError::Invalid(
            "the SDK endpoint must be an https URL".into(),
        ));
    }
    for a in &new.approvers {
        crate::people::check_slack_user_id(a)
            .map_err(|e| AppsError::Invalid(format!("approvers: {e}")))?;
    }
    if let Some(acct) = &new.stripe_account_id {
        if !acct.starts_with("acct_") {
            return Err(AppsError::Invalid(
                "the Stripe connected account is acct_…".into(),
            ));
        }
    }
    Ok(())
}

/// Register an app with a generated SDK secret: the app and the secret (shown once).
pub async fn register(
    store: &dyn Store,
    new: NewApp,
    by: &str,
    now_ms: i64,
) -> Result<(AppConfig, String), AppsError> {
    let new = NewApp {
        slug: new.slug.trim().to_owned(),
        integration_url: new.integration_url.trim().to_owned(),
        ..new
    };
    check(&new)?;
    if store.app(&new.slug).await.map_err(unavailable)?.is_some() {
        return Err(AppsError::Exists(new.slug));
    }
    let secret = new_secret()?;
    let registration = AppRegistration {
        id: format!("app_{}", new.slug),
        slug: new.slug.clone(),
        name: new
            .name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| new.slug.clone()),
        front_inbox_id: new.front_inbox_id,
        integration_url: new.integration_url,
        sdk_secrets: vec![secret.clone()],
        stripe_account_id: new.stripe_account_id,
        settings: AppSettings {
            approvers: new.approvers,
            approval_channel: new.approval_channel,
            escalation_channel: new.escalation_channel,
            ..AppSettings::default()
        },
    };
    store
        .put_app(&registration, now_ms)
        .await
        .map_err(unavailable)?;
    audit(
        store,
        "app registered",
        json!({"by": by, "app": registration.slug}),
        json!({"integrationUrl": registration.integration_url, "approvers": registration.settings.approvers}),
        now_ms,
    )
    .await?;
    Ok((registration.into(), secret))
}

async fn existing(store: &dyn Store, slug: &str) -> Result<AppConfig, AppsError> {
    store
        .app(slug)
        .await
        .map_err(unavailable)?
        .ok_or_else(|| AppsError::NotFound(slug.to_owned()))
}

async fn save(
    store: &dyn Store,
    app: AppConfig,
    secrets: Vec<String>,
    rotating: bool,
    what: &str,
    by: &str,
    now_ms: i64,
) -> Result<(), AppsError> {
    let slug = app.slug.clone();
    let mut registration = AppRegistration::from(app);
    registration.sdk_secrets = secrets;
    registration.settings.sdk_secret_rotating = rotating;
    store
        .put_app(&registration, now_ms)
        .await
        .map_err(unavailable)?;
    audit(
        store,
        what,
        json!({"by": by, "app": slug}),
        json!({"secrets": registration.sdk_secrets.len(), "rotating": rotating}),
        now_ms,
    )
    .await?;
    Ok(())
}

/// Start a rotation: a new secret (returned, to be shown once) becomes the current one,
/// and until [`finish_rotation`] the platform signs with the previous one too, listed
/// first, so the app keeps verifying while its secret is switched. One at a time.
pub async fn start_rotation(
    store: &dyn Store,
    slug: &str,
    by: &str,
    now_ms: i64,
) -> Result<String, AppsError> {
    let app = existing(store, slug).await?;
    if app.settings.sdk_secret_rotating {
        return Err(AppsError::Conflict(format!(
            "a rotation of {slug}'s secret is under way: finish it before starting another"
        )));
    }
    let secret = new_secret()?;
    let mut secrets = vec![secret.clone()];
    secrets.extend(app.sdk_secrets.first().cloned());
    save(
        store,
        app,
        secrets,
        true,
        "sdk secret rotation started",
        by,
        now_ms,
    )
    .await?;
    Ok(secret)
}

/// Finish a rotation: only the new secret signs from now on.
pub async fn finish_rotation(
    store: &dyn Store,
    slug: &str,
    by: &str,
    now_ms: i64,
) -> Result<(), AppsError> {
    let app = existing(store, slug).await?;
    if !app.settings.sdk_secret_rotating {
        return Err(AppsError::Conflict(format!(
            "no rotation of {slug}'s secret is under way"
        )));
    }
    let secrets = app.sdk_secrets.iter().take(1).cloned().collect();
    save(
        store,
        app,
        secrets,
        false,
        "sdk secret rotation finished",
        by,
        now_ms,
    )
    .await
}

/// Remove an app, refused while any of its approvals is pending (deciding one needs the
/// app's approvers and secret).
pub async fn remove(store: &dyn Store, slug: &str, by: &str, now_ms: i64) -> Result<(), AppsError> {
    existing(store, slug).await?;
    let (_, pending) = store
        .queue(&QueueQuery {
            apps: Some(vec![slug.to_owned()]),
            limit: 0,
            ..QueueQuery::default()
        })
        .await
        .map_err(unavailable)?;
    if pending > 0 {
        return Err(AppsError::Conflict(format!(
            "{slug} has {pending} pending approval(s): decide them or let them expire first"
        )));
    }
    if !store.remove_app(slug).await.map_err(unavailable)? {
        return Err(AppsError::NotFound(slug.to_owned()));
    }
    audit(
        store,
        "app removed",
        json!({"by": by, "app": slug}),
        json!({}),
        now_ms,
    )
    .await?;
    Ok(())
}
