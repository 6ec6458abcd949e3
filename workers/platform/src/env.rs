//! Configuration and bindings: read once per isolate, typed, and loud when wrong.
//!
//! [`settings`] reads every variable through [`Settings::from_lookup`] the first time
//! it is asked and keeps the result (a deployment changes them by starting new
//! isolates). A value that does not parse fails every request with a 500 and a log
//! line naming the variable, instead of silently becoming a default.

use std::rc::Rc;

use support_core::settings::{ConfigError, Settings};
use worker::Env;

use crate::http::ApiError;

/// The D1 database (apps, counters, dead letters).
pub const DB: &str = "DB";
/// The conversations' Durable Object namespace.
pub const CONVERSATIONS: &str = "CONVERSATIONS";

thread_local! {
    static SETTINGS: std::cell::OnceCell<Result<Rc<Settings>, ConfigError>> =
        const { std::cell::OnceCell::new() };
}

/// A variable or secret, trimmed; `None` when unset or blank.
fn lookup(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
}

/// The platform's settings, parsed once per isolate.
pub fn settings(env: &Env) -> Result<Rc<Settings>, ConfigError> {
    SETTINGS.with(|cell| {
        cell.get_or_init(|| Settings::from_lookup(|name| lookup(env, name)).map(Rc::new))
            .clone()
    })
}

/// [`settings`] for a request: a bad configuration is a logged 500.
pub fn settings_or_500(env: &Env) -> Result<Rc<Settings>, ApiError> {
    settings(env).map_err(|err| {
        ApiError::new(500, "the platform is misconfigured; see its logs").with_cause(err)
    })
}

/// Milliseconds since the epoch, from the platform's one clock.
pub fn now_ms() -> i64 {
    use support_signing::Clock;
    support_signing::SystemClock.now_unix_millis()
}
