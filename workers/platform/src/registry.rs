//! The app registry: which product app a Front inbox belongs to.
//!
//! Apps live in D1 (`apps`). Each isolate keeps the whole list for five minutes, so
//! the hot path does not query D1 per webhook; a new or changed app is picked up
//! within that time.

use std::cell::RefCell;

use serde::Deserialize;
use worker::{D1Database, Result};

/// How long an isolate trusts its copy of the app list.
pub const CACHE_TTL_MS: f64 = 5.0 * 60.0 * 1000.0;

/// An app as the intake needs it.
#[derive(Debug, Clone, Deserialize)]
pub struct App {
    /// Stable slug, used as `appId` in events.
    pub slug: String,
    /// The Front inbox, if any.
    pub front_inbox_id: Option<String>,
}

thread_local! {
    static CACHE: RefCell<Option<(f64, Vec<App>)>> = const { RefCell::new(None) };
}

async fn apps(db: &D1Database) -> Result<Vec<App>> {
    let now = worker::Date::now().as_millis() as f64;
    if let Some(apps) = CACHE.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(at, _)| now - at < CACHE_TTL_MS)
            .map(|(_, a)| a.clone())
    }) {
        return Ok(apps);
    }
    let apps: Vec<App> = db
        .prepare("SELECT slug, front_inbox_id FROM apps WHERE front_inbox_id IS NOT NULL")
        .all()
        .await?
        .results()?;
    CACHE.with(|c| *c.borrow_mut() = Some((now, apps.clone())));
    Ok(apps)
}

/// The first inbox (in the event's order) that belongs to an app, with that app.
pub async fn app_for_inboxes(
    db: &D1Database,
    inbox_ids: &[String],
) -> Result<Option<(App, String)>> {
    if inbox_ids.is_empty() {
        return Ok(None);
    }
    let apps = apps(db).await?;
    Ok(inbox_ids.iter().find_map(|inbox| {
        apps.iter()
            .find(|a| a.front_inbox_id.as_deref() == Some(inbox.as_str()))
            .map(|a| (a.clone(), inbox.clone()))
    }))
}
