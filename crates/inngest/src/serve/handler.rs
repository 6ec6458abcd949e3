//! The serve endpoint: [`ServeHandler`] and how one request is routed (`GET`
//! introspection, `PUT` sync, `POST` call requests and trust probes). The work itself
//! lives next door: `call`, `sync`, `introspect`, `api` (calls to Inngest), `reply`
//! (answers and their headers) and `request` (headers and query).

use std::sync::Arc;

use serde_json::Value;
use support_http::{HttpResponse, MaybeSendSync, Transport};
use support_signing::{Clock, SystemClock};

use super::checkpoint::Pause;
use super::function::ServeFunction;
use super::reply::Reply;
use super::request::{parse_query, query_get, RequestHeaders};
use super::sender::EventSender;
use super::serve_config::ServeConfig;

/// What the handler answers: an [`HttpResponse`] whose headers always include
/// `content-type: application/json`, `x-inngest-sdk`, `x-inngest-req-version: 2` and
/// `x-inngest-no-retry` (names lowercase).
pub type ServeResponse = HttpResponse;

/// A clock shareable with the handler (`Send + Sync` natively).
pub trait SharedClock: Clock + MaybeSendSync {}
impl<C: Clock + MaybeSendSync> SharedClock for C {}

/// The Inngest serve endpoint, framework-neutral:
/// `(method, url, headers, raw body) -> (status, headers, body)`.
///
/// ```
/// use serde_json::json;
/// use support_inngest::serve::{FunctionConfig, ServeConfig, ServeFunction, ServeHandler, Trigger};
///
/// let handler = ServeHandler::new(ServeConfig::cloud("support", "signkey-prod-12345678"))
///     .function(ServeFunction::new(
///         FunctionConfig::new("hello").trigger(Trigger::event("app/hello")),
///         |input: support_inngest::serve::Input, _step: support_inngest::serve::Step| async move {
///             Ok(json!({ "hello": input.event.data }))
///         },
///     ));
/// assert_eq!(handler.functions().len(), 1);
/// ```
pub struct ServeHandler {
    pub(super) config: ServeConfig,
    pub(super) functions: Vec<ServeFunction>,
    pub(super) transport: Option<Arc<dyn Transport>>,
    pub(super) sender: Option<Arc<dyn EventSender>>,
    pub(super) clock: Arc<dyn SharedClock>,
    pub(super) pause: Option<Arc<dyn Pause>>,
}

impl std::fmt::Debug for ServeHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeHandler")
            .field("app_id", &self.config.app_id)
            .field("dev", &self.config.dev)
            .field("functions", &self.functions.len())
            .finish_non_exhaustive()
    }
}

impl ServeHandler {
    /// A handler with no functions yet.
    pub fn new(config: ServeConfig) -> Self {
        Self {
            config,
            functions: Vec::new(),
            transport: None,
            sender: None,
            clock: Arc::new(SystemClock),
            pause: None,
        }
    }

    /// Serve one more function.
    pub fn function(mut self, function: ServeFunction) -> Self {
        self.functions.push(function);
        self
    }

    /// The transport for calls to the Inngest API (sync, `use_api`).
    pub fn with_transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// The sender behind `step.send_event` (e.g. an [`EventApi`](crate::EventApi)).
    pub fn with_event_sender(mut self, sender: impl EventSender + 'static) -> Self {
        self.sender = Some(Arc::new(sender));
        self
    }

    /// Another clock (tests, runtimes without `SystemTime`).
    pub fn with_clock(mut self, clock: impl SharedClock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// How to wait between checkpoint report attempts (`worker::Delay`, tokio's sleep).
    pub fn with_pause(mut self, pause: impl Pause + 'static) -> Self {
        self.pause = Some(Arc::new(pause));
        self
    }

    /// The configuration.
    pub fn config(&self) -> &ServeConfig {
        &self.config
    }

    /// The served functions.
    pub fn functions(&self) -> &[ServeFunction] {
        &self.functions
    }

    /// The `functions` array of the register body, failure handlers included.
    pub fn function_configs(&self, serve_url: &str) -> Vec<Value> {
        let app = &self.config.app_id;
        let mut out = Vec::new();
        for function in &self.functions {
            out.push(function.config.to_register_value(app, serve_url));
            if function.on_failure.is_some() {
                out.push(function.config.failure_register_value(app, serve_url));
            }
        }
        out
    }

    /// How many functions Inngest sees (failure handlers count).
    pub(super) fn function_count(&self) -> usize {
        self.functions
            .iter()
            .map(|f| 1 + usize::from(f.on_failure.is_some()))
            .sum()
    }

    /// Handle one request. `url` is the request URL (absolute, or at least path and
    /// query); `headers` are (name, value) pairs in any case; `body` the raw bytes.
    pub fn handle<'a, 'h>(
        &'a self,
        method: &'a str,
        url: &'a str,
        headers: impl IntoIterator<Item = (&'h str, &'h str)>,
        body: &'a [u8],
    ) -> impl std::future::Future<Output = ServeResponse> + 'a {
        let headers = RequestHeaders::collect(headers);
        async move {
            let query = parse_query(url);
            let (reply, key) = if method.eq_ignore_ascii_case("POST") {
                self.post(&query, &headers, body).await
            } else if method.eq_ignore_ascii_case("PUT") {
                (self.sync(url, &query, &headers).await, None)
            } else if method.eq_ignore_ascii_case("GET") {
                self.introspect(url, &headers)
            } else {
                (Reply::message(405, "Method not allowed"), None)
            };
            self.finish(reply, key.as_deref())
        }
    }

    /// Verifies a request. `Ok(Some(key))`: verified with that key; `Ok(None)`: dev mode.
    pub(super) fn verify(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Option<String>, Reply> {
        if self.config.dev {
            return Ok(None);
        }
        let keys = self.config.keys();
        if keys.is_empty() {
            return Err(Reply::message(500, "No signing key is configured"));
        }
        match support_signing::inngest::verify(signature, body, &keys, &*self.clock) {
            Ok(verified) => Ok(keys.get(verified.secret_index).map(|k| (*k).to_owned())),
            Err(_) => Err(Reply::message(401, "Unauthorized")),
        }
    }

    /// A `POST`: verified, then a trust probe or a call request.
    async fn post(
        &self,
        query: &[(String, String)],
        headers: &RequestHeaders,
        body: &[u8],
    ) -> (Reply, Option<String>) {
        let key = match self.verify(headers.signature.as_deref(), body) {
            Ok(key) => key,
            Err(reply) => return (reply, None),
        };
        if let Some(probe) = query_get(query, "probe") {
            let reply = if probe == "trust" {
                Reply {
                    body: Vec::new(),
                    ..Reply::json(200, &Value::Null)
                }
            } else {
                Reply::message(400, &format!("Unknown probe \"{probe}\""))
            };
            return (reply, key);
        }
        let reply = self.call(query, headers, body).await;
        (reply, key)
    }
}
