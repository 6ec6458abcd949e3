//! The serve endpoint: `GET` introspection, `PUT` sync, `POST` call requests.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Map, Value};
use support_http::{HttpRequest, HttpResponse, MaybeSendSync, Transport};
use support_signing::{Clock, SystemClock};

use super::config::FAILURE_SUFFIX;
use super::error::{ErrorBody, FnError, RetryAfter};
use super::function::{FunctionBody, Input, ServeFunction};
use super::sender::EventSender;
use super::step::{EngineState, Event, Mode, Report, Step};

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

/// A clock shareable with the handler (`Send + Sync` natively).
pub trait SharedClock: Clock + MaybeSendSync {}
impl<C: Clock + MaybeSendSync> SharedClock for C {}

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

    /// Set the app version.
    pub fn with_app_version(mut self, version: impl Into<String>) -> Self {
        self.app_version = Some(version.into());
        self
    }

    /// `<sdk_name>:v<sdk_version>`.
    pub fn sdk_header(&self) -> String {
        format!("{}:v{}", self.sdk_name, self.sdk_version)
    }

    fn keys(&self) -> Vec<&str> {
        [&self.signing_key, &self.signing_key_fallback]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|k| !k.is_empty())
            .collect()
    }
}

/// What the handler answers. Every answer carries `Content-Type: application/json`,
/// `X-Inngest-SDK`, `X-Inngest-Req-Version: 2` and `X-Inngest-No-Retry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers to send.
    pub headers: Vec<(String, String)>,
    /// Raw body.
    pub body: Vec<u8>,
}

impl ServeResponse {
    /// First header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (`Null` when it is not JSON).
    pub fn json_body(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// The request headers the handler looks at.
#[derive(Debug, Clone, Default)]
struct RequestHeaders {
    signature: Option<String>,
    server_kind: Option<String>,
}

impl RequestHeaders {
    fn collect<'h>(headers: impl IntoIterator<Item = (&'h str, &'h str)>) -> Self {
        let mut out = Self::default();
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("x-inngest-signature") && out.signature.is_none() {
                out.signature = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("x-inngest-server-kind")
                && out.server_kind.is_none()
            {
                out.server_kind = Some(value.to_owned());
            }
        }
        out
    }
}

/// A response under construction.
struct Reply {
    status: u16,
    body: Vec<u8>,
    no_retry: bool,
    retry_after: Option<RetryAfter>,
    extra: Vec<(String, String)>,
}

impl Reply {
    fn json(status: u16, value: &Value) -> Self {
        Self {
            status,
            body: serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec()),
            no_retry: false,
            retry_after: None,
            extra: Vec::new(),
        }
    }

    fn message(status: u16, message: &str) -> Self {
        Self::json(status, &json!({ "message": message }))
    }

    fn error(status: u16, error: &ErrorBody) -> Self {
        Self::json(status, &error.to_value())
    }

    fn no_retry(mut self, no_retry: bool) -> Self {
        self.no_retry = no_retry;
        self
    }
}

/// The parsed call request body.
#[derive(Debug, Default, Deserialize)]
struct CallBody {
    #[serde(default)]
    event: Option<Value>,
    #[serde(default)]
    events: Option<Vec<Value>>,
    #[serde(default)]
    steps: Option<Map<String, Value>>,
    #[serde(default)]
    ctx: CallCtx,
    #[serde(default)]
    use_api: bool,
}

#[derive(Debug, Default, Deserialize)]
struct CallCtx {
    #[serde(default)]
    run_id: String,
    #[serde(default)]
    attempt: u32,
    #[serde(default)]
    max_attempts: Option<u32>,
    #[serde(default)]
    stack: Option<CallStack>,
    #[serde(default)]
    disable_immediate_execution: bool,
    #[serde(default)]
    use_api: bool,
}

#[derive(Debug, Default, Deserialize)]
struct CallStack {
    #[serde(default)]
    stack: Option<Vec<String>>,
}

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
    config: ServeConfig,
    functions: Vec<ServeFunction>,
    transport: Option<Arc<dyn Transport>>,
    sender: Option<Arc<dyn EventSender>>,
    clock: Arc<dyn SharedClock>,
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

enum Route<'a> {
    Main(&'a ServeFunction),
    Failure(&'a ServeFunction),
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

    fn function_count(&self) -> usize {
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

    fn finish(&self, reply: Reply, key: Option<&str>) -> ServeResponse {
        let mut headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("X-Inngest-SDK".to_owned(), self.config.sdk_header()),
            ("X-Inngest-Req-Version".to_owned(), REQ_VERSION.to_owned()),
            ("X-Inngest-No-Retry".to_owned(), reply.no_retry.to_string()),
        ];
        if let Some(framework) = &self.config.framework {
            headers.push(("X-Inngest-Framework".to_owned(), framework.clone()));
        }
        if let Some(env) = &self.config.env {
            headers.push(("X-Inngest-Env".to_owned(), env.clone()));
        }
        if let Some(after) = &reply.retry_after {
            headers.push(("Retry-After".to_owned(), after.header_value()));
        }
        headers.extend(reply.extra);
        if let Some(key) = key {
            let signature = support_signing::inngest::sign(key, self.clock.now_unix(), &reply.body);
            headers.push(("X-Inngest-Signature".to_owned(), signature));
        }
        ServeResponse {
            status: reply.status,
            headers,
            body: reply.body,
        }
    }

    /// Verifies a request. `Ok(Some(key))`: verified with that key; `Ok(None)`: dev mode.
    fn verify(&self, signature: Option<&str>, body: &[u8]) -> Result<Option<String>, Reply> {
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
        let reply = self.call(query, body).await;
        (reply, key)
    }

    fn route(&self, fn_id: &str) -> Option<Route<'_>> {
        let app = &self.config.app_id;
        for function in &self.functions {
            let composite = function.config.composite_id(app);
            if composite == fn_id {
                return Some(Route::Main(function));
            }
            if function.on_failure.is_some()
                && fn_id.strip_suffix(FAILURE_SUFFIX) == Some(composite.as_str())
            {
                return Some(Route::Failure(function));
            }
        }
        None
    }

    async fn call(&self, query: &[(String, String)], body: &[u8]) -> Reply {
        let fn_id = query_get(query, "fnId").unwrap_or_default();
        let Some(route) = self.route(fn_id) else {
            return Reply::error(
                500,
                &ErrorBody::new(
                    "FunctionNotFound",
                    format!(
                        "Function \"{fn_id}\" was not found in app \"{}\"",
                        self.config.app_id
                    ),
                ),
            );
        };
        let (fn_body, max_attempts): (&Arc<dyn FunctionBody>, u32) = match route {
            Route::Main(f) => (&f.body, f.config.max_attempts()),
            Route::Failure(f) => match &f.on_failure {
                Some(on_failure) => (on_failure, 2),
                None => return Reply::message(500, "no failure handler"),
            },
        };
        let call: CallBody = match serde_json::from_slice(body) {
            Ok(call) => call,
            Err(e) => {
                return Reply::error(
                    400,
                    &ErrorBody::new("Error", format!("Invalid call request body: {e}")),
                )
                .no_retry(true)
            }
        };
        let CallBody {
            event,
            events,
            steps,
            ctx,
            use_api,
        } = call;
        let (events, steps) = if ctx.use_api || use_api {
            match self.fetch_run_state(&ctx.run_id).await {
                Ok(state) => state,
                Err(message) => {
                    return Reply::error(500, &ErrorBody::new("Error", message));
                }
            }
        } else {
            (events.unwrap_or_default(), steps.unwrap_or_default())
        };
        let events: Vec<Event> = events.into_iter().map(Event::from_value).collect();
        let event = match event {
            Some(Value::Null) | None => events.first().cloned().unwrap_or_default(),
            Some(value) => Event::from_value(value),
        };
        let events = if events.is_empty() {
            vec![event.clone()]
        } else {
            events
        };
        let step_id = query_get(query, "stepId").unwrap_or("step");
        let mode = if step_id == "step" || step_id.is_empty() {
            Mode::Discover {
                immediate: !ctx.disable_immediate_execution,
            }
        } else {
            Mode::Target(step_id.to_owned())
        };
        let state = EngineState::new(
            steps,
            ctx.stack.and_then(|s| s.stack),
            mode,
            ctx.attempt,
            ctx.max_attempts.unwrap_or(max_attempts),
        );
        let step = Step::new(state, self.sender.clone());
        let input = Input {
            event,
            events,
            run_id: ctx.run_id,
            attempt: ctx.attempt,
            fn_id: fn_id.to_owned(),
        };
        let result = fn_body.call(input, step.clone()).await;
        let mut reply = match step.take_report() {
            Some(Report::Ops {
                ops,
                no_retry,
                retry_after,
            }) => Reply {
                retry_after,
                ..Reply::json(206, &Value::Array(ops)).no_retry(no_retry)
            },
            Some(Report::StepNotFound { requested, found }) => Reply::json(
                500,
                &json!({
                    "name": "StepNotFound",
                    "message": format!("Step {requested} was requested but step {found} was found first"),
                    "requestedStep": requested,
                    "foundSteps": [found],
                }),
            ),
            None => match result {
                Ok(value) => Reply::json(200, &value),
                Err(error) => error_reply(&error),
            },
        };
        if step.out_of_order() {
            reply.extra.push((
                "X-Inngest-Warning".to_owned(),
                "memoized steps were consumed out of stack order".to_owned(),
            ));
        }
        reply
    }

    /// `use_api`: the events and steps come from the API, not the request.
    async fn fetch_run_state(
        &self,
        run_id: &str,
    ) -> Result<(Vec<Value>, Map<String, Value>), String> {
        let base = format!("{}/v0/runs/{run_id}", self.config.api_origin);
        let batch = self.api_get_json(&format!("{base}/batch")).await?;
        let actions = self.api_get_json(&format!("{base}/actions")).await?;
        let Value::Array(events) = batch else {
            return Err("the run's events are not an array".to_owned());
        };
        let steps = match actions {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            _ => return Err("the run's steps are not an object".to_owned()),
        };
        Ok((events, steps))
    }

    async fn api_get_json(&self, url: &str) -> Result<Value, String> {
        let response = self
            .api_send(|| HttpRequest {
                method: "GET".to_owned(),
                url: url.to_owned(),
                headers: Vec::new(),
                body: Vec::new(),
                timeout: self.config.api_timeout,
            })
            .await?;
        if !response.is_success() {
            return Err(format!("{url} answered {}", response.status));
        }
        serde_json::from_slice(&response.body).map_err(|e| format!("{url} is not JSON: {e}"))
    }

    /// Sends an Inngest API request with the hashed primary key, then once more with the
    /// hashed fallback on 401/403.
    async fn api_send(&self, build: impl Fn() -> HttpRequest) -> Result<HttpResponse, String> {
        let Some(transport) = &self.transport else {
            return Err("no HTTP transport is configured on the serve handler".to_owned());
        };
        let mut keys = Vec::new();
        for key in self.config.keys() {
            match support_signing::inngest::hashed_signing_key(key) {
                Ok(hashed) => keys.push(hashed),
                // The dev server takes any key; a non-hex one is sent as is.
                Err(_) if self.config.dev => keys.push(key.to_owned()),
                Err(e) => return Err(format!("signing key: {e}")),
            }
        }
        if keys.is_empty() && !self.config.dev {
            return Err("no signing key is configured".to_owned());
        }
        let mut attempts: Vec<Option<&String>> = keys.iter().map(Some).collect();
        if attempts.is_empty() {
            attempts.push(None);
        }
        let mut last = None;
        for key in attempts {
            let mut request = build();
            if let Some(key) = key {
                request = request.header("Authorization", format!("Bearer {key}"));
            }
            let response = transport
                .send(request)
                .await
                .map_err(|e| format!("could not reach Inngest: {e}"))?;
            if response.status != 401 && response.status != 403 {
                return Ok(response);
            }
            last = Some(response);
        }
        last.ok_or_else(|| "no request was sent".to_owned())
    }

    async fn sync(&self, url: &str, query: &[(String, String)], headers: &RequestHeaders) -> Reply {
        let mut reply = match self.register(url, query, headers).await {
            Ok(modified) => Reply::json(
                200,
                &json!({ "message": "Successfully registered", "modified": modified }),
            ),
            Err(message) => Reply::json(500, &json!({ "message": message, "modified": false })),
        };
        reply
            .extra
            .push(("X-Inngest-Sync-Kind".to_owned(), "out_of_band".to_owned()));
        reply
    }

    /// The body POSTed to `/fn/register`.
    pub fn register_body(&self, serve_url: &str) -> Value {
        let mut body = json!({
            "url": serve_url,
            "deployType": "ping",
            "appName": self.config.app_id,
            "sdk": self.config.sdk_header(),
            "v": "0.1",
            "capabilities": { "trust_probe": "v1" },
            "functions": self.function_configs(serve_url),
        });
        if let Some(framework) = &self.config.framework {
            body["framework"] = json!(framework);
        }
        if let Some(version) = &self.config.app_version {
            body["appVersion"] = json!(version);
        }
        body
    }

    async fn register(
        &self,
        url: &str,
        query: &[(String, String)],
        headers: &RequestHeaders,
    ) -> Result<bool, String> {
        if self.config.app_id.is_empty() {
            return Err("the app id is empty".to_owned());
        }
        let serve_url = self.serve_url(url)?;
        let body = serde_json::to_vec(&self.register_body(&serve_url))
            .map_err(|e| format!("register body: {e}"))?;
        let mut register_url = format!("{}/fn/register", self.config.api_origin);
        if let Some(deploy_id) = query_get(query, "deployId").filter(|d| !d.is_empty()) {
            let q: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("deployId", deploy_id)
                .finish();
            register_url.push('?');
            register_url.push_str(&q);
        }
        let response = self
            .api_send(|| {
                let mut request =
                    HttpRequest::post_json(&register_url, body.clone(), self.config.api_timeout)
                        .header("X-Inngest-SDK", self.config.sdk_header())
                        .header("X-Inngest-Sync-Kind", "out_of_band");
                if let Some(kind) = &headers.server_kind {
                    request = request.header("X-Inngest-Expected-Server-Kind", kind.clone());
                }
                if let Some(env) = &self.config.env {
                    request = request.header("X-Inngest-Env", env.clone());
                }
                if let Some(framework) = &self.config.framework {
                    request = request.header("X-Inngest-Framework", framework.clone());
                }
                request
            })
            .await?;
        let parsed: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        if response.is_success() {
            return Ok(parsed
                .get("modified")
                .and_then(Value::as_bool)
                .unwrap_or(false));
        }
        let message = ["error", "message"]
            .iter()
            .find_map(|k| {
                parsed
                    .get(*k)
                    .and_then(Value::as_str)
                    .filter(|m| !m.is_empty())
            })
            .map(str::to_owned)
            .unwrap_or_else(|| {
                let raw: String = String::from_utf8_lossy(&response.body)
                    .chars()
                    .take(200)
                    .collect();
                format!("Inngest answered {}: {raw}", response.status)
            });
        Err(message)
    }

    /// The absolute serve URL: the configured one, or the request URL without
    /// `deployId`, `fnId` and `stepId`.
    fn serve_url(&self, request_url: &str) -> Result<String, String> {
        if let Some(url) = &self.config.serve_url {
            return Ok(url.clone());
        }
        if !(request_url.starts_with("http://") || request_url.starts_with("https://")) {
            return Err(
                "the serve URL is unknown: configure serve_url or pass an absolute request URL"
                    .to_owned(),
            );
        }
        let (base, query) = match request_url.split_once('?') {
            Some((base, query)) => (base, query),
            None => (request_url, ""),
        };
        let kept: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .filter(|(k, _)| !matches!(k.as_ref(), "deployId" | "fnId" | "stepId"))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            return Ok(base.to_owned());
        }
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .finish();
        Ok(format!("{base}?{query}"))
    }

    fn introspect(&self, url: &str, headers: &RequestHeaders) -> (Reply, Option<String>) {
        let keys = self.config.keys();
        let authenticated = if self.config.dev || headers.signature.is_none() || keys.is_empty() {
            None
        } else {
            match self.verify(headers.signature.as_deref(), b"") {
                Ok(key) => Some(key),
                Err(_) => Some(None),
            }
        };
        let mut body = json!({
            "authentication_succeeded": Value::Null,
            "function_count": self.function_count(),
            "has_event_key": self.config.event_key.as_deref().is_some_and(|k| !k.is_empty()),
            "has_signing_key": self.config.signing_key.as_deref().is_some_and(|k| !k.is_empty()),
            "has_signing_key_fallback": self.config.signing_key_fallback.as_deref().is_some_and(|k| !k.is_empty()),
            "mode": if self.config.dev { "dev" } else { "cloud" },
            "schema_version": SCHEMA_VERSION,
            "capabilities": { "trust_probe": "v1" },
        });
        let key = match authenticated {
            None => None,
            Some(None) => {
                body["authentication_succeeded"] = json!(false);
                None
            }
            Some(Some(key)) => {
                let serve_url = self.serve_url(url).unwrap_or_default();
                let (origin, path) = split_origin(&serve_url);
                let extra = json!({
                    "authentication_succeeded": true,
                    "api_origin": self.config.api_origin,
                    "app_id": self.config.app_id,
                    "env": self.config.env,
                    "event_api_origin": self.config.event_api_origin,
                    "framework": self.config.framework,
                    "event_key_hash": self.config.event_key.as_deref().map(support_signing::inngest::event_key_hash),
                    "signing_key_hash": self.config.signing_key.as_deref().and_then(short_key_hash),
                    "signing_key_fallback_hash": self.config.signing_key_fallback.as_deref().and_then(short_key_hash),
                    "sdk_language": "rust",
                    "sdk_version": self.config.sdk_version,
                    "serve_origin": origin,
                    "serve_path": path,
                });
                if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
                    body.extend(extra);
                }
                Some(key)
            }
        };
        (Reply::json(200, &body), key)
    }
}

fn error_reply(error: &FnError) -> Reply {
    let body = error.body();
    match error {
        FnError::NonRetriable(_) | FnError::StepFailed(_) => {
            Reply::error(400, &body).no_retry(true)
        }
        FnError::Retriable(_) | FnError::Interrupted => Reply::error(500, &body),
        FnError::RetryAfter { after, .. } => Reply {
            retry_after: Some(after.clone()),
            ..Reply::error(500, &body)
        },
    }
}

/// First 12 hex chars of the hashed key, prefix stripped (what JS reports).
fn short_key_hash(key: &str) -> Option<String> {
    let hashed = support_signing::inngest::hashed_signing_key(key).ok()?;
    let stripped = support_signing::inngest::strip_key_prefix(&hashed);
    Some(stripped.chars().take(12).collect())
}

fn split_origin(url: &str) -> (String, String) {
    let without_query = url.split('?').next().unwrap_or_default();
    let Some(scheme_end) = without_query.find("://") else {
        return (String::new(), without_query.to_owned());
    };
    let after = &without_query[scheme_end + 3..];
    match after.find('/') {
        Some(slash) => (
            without_query[..scheme_end + 3 + slash].to_owned(),
            after[slash..].to_owned(),
        ),
        None => (without_query.to_owned(), "/".to_owned()),
    }
}

fn parse_query(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let query = query.split('#').next().unwrap_or_default();
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn query_get<'q>(query: &'q [(String, String)], name: &str) -> Option<&'q str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
