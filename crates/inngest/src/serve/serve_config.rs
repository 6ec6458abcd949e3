//! How the serve handler is set up: [`ServeConfig`] and the protocol constants.

use std::time::Duration;

use super::checkpoint::Checkpointing;

/// Inngest Cloud's API.
pub const DEFAULT_API_ORIGIN: &str = "https://api.inngest.com";
/// Inngest Cloud's Event API.
pub const DEFAULT_EVENT_API_ORIGIN: &str = "https://inn.gs";
/// The local dev server (API and events).
pub const DEV_SERVER_ORIGIN: &str = "http://localhost:8288";
/// The introspection schema we answer with.
pub const SCHEMA_VERSION: &str = "2024-05-24";
/// The `X-Inngest-Req-Version` we speak.
pub const REQ_VERSION: &str = "2";
/// Our SDK name in `X-Inngest-SDK` (`<name>:v<semver>`).
pub const SDK_NAME: &str = "support-edge";
/// Our SDK version.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// How the serve handler is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeConfig {
    /// The app id (non-empty); functions are `<app_id>-<fn id>`.
    pub app_id: String,
    /// Signing key (`signkey-<env>-<hex>`): verifies requests, signs responses, and
    /// (hashed) authenticates calls to the Inngest API.
    pub signing_key: Option<String>,
    /// Fallback signing key during a rotation.
    pub signing_key_fallback: Option<String>,
    /// Event key, only reported (hashed) by introspection.
    pub event_key: Option<String>,
    /// Dev mode: requests are **not** verified. Only ever set explicitly.
    pub dev: bool,
    /// Inngest API origin (`/fn/register`, `/v0/runs/...`).
    pub api_origin: String,
    /// Event API origin (reported by introspection).
    pub event_api_origin: String,
    /// Absolute URL of this endpoint as Inngest should call it. Unset: the request URL
    /// (minus `deployId`/`fnId`/`stepId`).
    pub serve_url: Option<String>,
    /// `X-Inngest-Framework` and the register body's `framework`.
    pub framework: Option<String>,
    /// Branch environment name, sent as `X-Inngest-Env`.
    pub env: Option<String>,
    /// The register body's `appVersion`.
    pub app_version: Option<String>,
    /// SDK name for `X-Inngest-SDK` (default `support-edge`).
    pub sdk_name: String,
    /// SDK version for `X-Inngest-SDK` (default the crate version).
    pub sdk_version: String,
    /// Timeout of calls to the Inngest API.
    pub api_timeout: Duration,
    /// Checkpointing (see the `checkpoint` module): `None` answers after every step.
    pub checkpointing: Option<Checkpointing>,
}

impl ServeConfig {
    /// Cloud mode: every call request must be signed with `signing_key`.
    pub fn cloud(app_id: impl Into<String>, signing_key: impl Into<String>) -> Self {
        Self {
            app_id: app_id.into(),
            signing_key: Some(signing_key.into()),
            signing_key_fallback: None,
            event_key: None,
            dev: false,
            api_origin: DEFAULT_API_ORIGIN.to_owned(),
            event_api_origin: DEFAULT_EVENT_API_ORIGIN.to_owned(),
            serve_url: None,
            framework: None,
            env: None,
            app_version: None,
            sdk_name: SDK_NAME.to_owned(),
            sdk_version: SDK_VERSION.to_owned(),
            api_timeout: Duration::from_secs(30),
            checkpointing: None,
        }
    }

    /// Dev mode against the local dev server: **no signature verification**.
    pub fn dev(app_id: impl Into<String>) -> Self {
        Self {
            signing_key: None,
            dev: true,
            api_origin: DEV_SERVER_ORIGIN.to_owned(),
            event_api_origin: DEV_SERVER_ORIGIN.to_owned(),
            ..Self::cloud(app_id, "")
        }
    }

    /// Set the fallback signing key.
    pub fn with_fallback_key(mut self, key: impl Into<String>) -> Self {
        self.signing_key_fallback = Some(key.into());
        self
    }

    /// Set the event key (introspection only).
    pub fn with_event_key(mut self, key: impl Into<String>) -> Self {
        self.event_key = Some(key.into());
        self
    }

    /// Set the API origin.
    pub fn with_api_origin(mut self, origin: impl Into<String>) -> Self {
        self.api_origin = origin.into().trim_end_matches('/').to_owned();
        self
    }

    /// Set the Event API origin.
    pub fn with_event_api_origin(mut self, origin: impl Into<String>) -> Self {
        self.event_api_origin = origin.into().trim_end_matches('/').to_owned();
        self
    }

    /// Set the public serve URL.
    pub fn with_serve_url(mut self, url: impl Into<String>) -> Self {
        self.serve_url = Some(url.into());
        self
    }

    /// Set the framework name.
    pub fn with_framework(mut self, framework: impl Into<String>) -> Self {
        self.framework = Some(framework.into());
        self
    }

    /// Set the branch environment.
    pub fn with_env(mut self, env: impl Into<String>) -> Self {
        self.env = Some(env.into());
        self
    }

    /// Turn checkpointing on for every function that does not opt out.
    pub fn with_checkpointing(mut self, checkpointing: Checkpointing) -> Self {
        self.checkpointing = Some(checkpointing);
        self
    }

    /// Set the app version.
    pub fn with_app_version(mut self, version: impl Into<String>) -> Self {
        self.app_version = Some(version.into());
        self
    }

    /// `<sdk_name>:v<sdk_version>`.
    pub fn sdk_header(&self) -> String {
        format!("{}:v{}", self.sdk_name, self.sdk_version)
    }

    /// The configured signing keys, primary first, empty ones left out.
    pub(super) fn keys(&self) -> Vec<&str> {
        [&self.signing_key, &self.signing_key_fallback]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|k| !k.is_empty())
            .collect()
    }
}
