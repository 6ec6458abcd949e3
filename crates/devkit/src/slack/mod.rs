//! Slack stand-in, served under `/slack`: the Web API at `/slack/api/{method}` (where
//! Slack's is `https://slack.com/api/{method}`), response URLs at `/slack/actions/…`, and
//! a page at `GET /slack` where a person reads the channels and clicks the buttons.
//!
//! - Methods: `chat.postMessage`, `chat.update`, `chat.postEphemeral`, `views.open`,
//!   `conversations.list`, `conversations.history`, `conversations.replies`. Arguments
//!   come as JSON or form bodies, or as query parameters (reads are usually `GET`).
//! - Answers as Slack's: HTTP 200 with `{"ok": true, ...}` or `{"ok": false, "error"}`:
//!   `not_authed` without a token, `invalid_auth` when a bot token is configured and
//!   another is sent, `channel_not_found`, `message_not_found`, `thread_not_found`,
//!   `no_text`, `msg_too_long`, `invalid_blocks` (with `errors` naming the limit and a
//!   JSON pointer), `invalid_arguments` for a bad modal, `invalid_trigger_id`,
//!   `exchanged_trigger_id`, `expired_trigger_id` (a trigger lives 3 s, once),
//!   `unknown_method`. `ts` values look like `"1733150000.000100"` and increase.
//!   An injected `429` carries `Retry-After`.
//! - Clicking as a person would: `POST /_devkit/slack/click {channel, ts, action_id,
//!   user}` sends the `block_actions` payload Slack sends for that button of that
//!   message, signed with the signing secret, to the configured interactions URL, with
//!   a fresh `trigger_id` (for `views.open`) and a `response_url` served here;
//!   `POST /_devkit/slack/submit {view_id | trigger_id, user, values}` does the same for a
//!   modal's `view_submission` and applies the `response_action` answered. Both take
//!   `timestamp_offset_secs` and `sign_with` (another secret) to send stale or forged
//!   signatures, and answer the platform's status, body and time taken.
//! - Control API under `/_devkit/slack/`: `GET state` (channels, messages with their
//!   threads, open views, ephemerals, interactions), `GET requests` (every Web API call:
//!   method, arguments without the token, whether the token was right, the answer),
//!   `POST reset` (back to the seed), `POST failures` `{method?, status | error, times?,
//!   retry_after?}` (`GET` lists, `DELETE` drops them).

mod api;
mod blocks;
mod control;
mod interact;
mod page;
mod response_url;
pub mod seed;
mod store;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::routing::{any, get, post};
use axum::Router;

pub use control::{CallRecord, Failure};
pub use seed::SlackSeed;

use store::Store;

/// Most Web API calls kept for `GET /_devkit/slack/requests` (oldest dropped first).
const MAX_RECORDED: usize = 10_000;

/// How the stand-in is set up.
#[derive(Clone)]
pub struct SlackConfig {
    /// The bot token the API takes (`Authorization: Bearer …`); any token when `None`.
    pub bot_token: Option<String>,
    /// Where clicks and submissions go, e.g. `http://127.0.0.1:8787/slack/interactions`.
    pub interactions_url: Option<String>,
    /// The app's signing secret (the platform's `SLACK_SIGNING_SECRET`); payloads go
    /// unsigned without one.
    pub signing_secret: Option<String>,
    /// The workspace it starts and resets with (`fixtures/devkit-slack.json` by default).
    pub seed: SlackSeed,
    /// How long a trigger id works for `views.open` (Slack: 3 seconds).
    pub trigger_ttl: Duration,
    /// How long a click or submission waits for the platform's answer.
    pub delivery_timeout: Duration,
}

impl Default for SlackConfig {
    fn default() -> Self {
        Self {
            bot_token: None,
            interactions_url: None,
            signing_secret: None,
            seed: SlackSeed::dev(),
            trigger_ttl: Duration::from_secs(3),
            delivery_timeout: Duration::from_secs(10),
        }
    }
}

impl std::fmt::Debug for SlackConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Whether the secrets are set, never their values.
        f.debug_struct("SlackConfig")
            .field("bot_token", &self.bot_token.as_ref().map(|_| "<redacted>"))
            .field("interactions_url", &self.interactions_url)
            .field(
                "signing_secret",
                &self.signing_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("channels", &self.seed.channels.len())
            .field("trigger_ttl", &self.trigger_ttl)
            .finish_non_exhaustive()
    }
}

/// The stand-in's state; cheap to clone.
#[derive(Clone)]
pub struct SlackStandIn {
    config: Arc<SlackConfig>,
    inner: Arc<Mutex<Inner>>,
    http: reqwest::Client,
}

struct Inner {
    store: Store,
    requests: Vec<CallRecord>,
    request_seq: u64,
    failures: Vec<Failure>,
    interactions: Vec<serde_json::Value>,
    /// Last `ts` handed out, in microseconds, so every `ts` is later than the one before.
    last_ts_micros: i64,
    /// Counter behind trigger ids, view ids and response URLs.
    next_id: u64,
}

impl Inner {
    /// A fresh message `ts`: `"<seconds>.<microseconds>"`, strictly increasing.
    fn next_ts(&mut self) -> String {
        let micros = (crate::executor::now_ms() * 1000).max(self.last_ts_micros + 100);
        self.last_ts_micros = micros;
        format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

impl SlackStandIn {
    /// A stand-in holding `config.seed`.
    pub fn new(config: SlackConfig) -> Self {
        let inner = Inner {
            store: Store::new(&config.seed, now_secs()),
            requests: Vec::new(),
            request_seq: 0,
            failures: Vec::new(),
            interactions: Vec::new(),
            last_ts_micros: 0,
            next_id: 0,
        };
        Self {
            config: Arc::new(config),
            inner: Arc::new(Mutex::new(inner)),
            http: reqwest::Client::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicked handler leaves data a test can still inspect.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The Web API, response URLs and the page under `/slack`, and the control API under
/// `/_devkit/slack`.
pub fn router(slack: SlackStandIn) -> Router {
    Router::new()
        .route("/slack", get(page::page))
        .route("/slack/api/{method}", any(api::call))
        .route(
            "/slack/actions/{team}/{id}/{secret}",
            post(response_url::response_url),
        )
        .route("/_devkit/slack/click", post(interact::click))
        .route("/_devkit/slack/submit", post(interact::submit))
        .merge(control::routes())
        .with_state(slack)
}

fn now_secs() -> i64 {
    crate::executor::now_ms() / 1000
}

/// A short random-looking hex string (trigger ids, hashes, URL secrets); unique per
/// `seed`, not secret: the stand-in needs no unpredictability.
fn hex_token(seed: u64) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(seed);
    hasher.write_i64(crate::executor::now_ms());
    format!("{:016x}", hasher.finish())
}
