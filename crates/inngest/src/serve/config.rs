//! Function configuration, as registered with Inngest (`FunctionConfig` of `/fn/register`).

use serde_json::{json, Map, Value};

/// The event a failure handler is triggered by.
pub const FUNCTION_FAILED_EVENT: &str = "inngest/function.failed";

/// Suffix of the failure handler's id: `<composite>-failure`.
pub const FAILURE_SUFFIX: &str = "-failure";

/// The most retries Inngest accepts.
pub const MAX_RETRIES: u32 = 20;

/// Inngest's default when a function sets no retries: 4 retries, 5 attempts.
pub const DEFAULT_RETRIES: u32 = 4;

/// What starts a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// An event, optionally filtered by a CEL expression over `event`.
    Event {
        /// Event name, e.g. `app/ticket.created`.
        event: String,
        /// Optional CEL filter.
        expression: Option<String>,
    },
    /// A cron schedule (`"0 * * * *"`, optionally `"TZ=Europe/Paris 0 9 * * *"`).
    Cron {
        /// The schedule.
        cron: String,
    },
}

impl Trigger {
    /// An event trigger.
    pub fn event(name: impl Into<String>) -> Self {
        Trigger::Event {
            event: name.into(),
            expression: None,
        }
    }

    /// An event trigger with a CEL filter.
    pub fn event_if(name: impl Into<String>, expression: impl Into<String>) -> Self {
        Trigger::Event {
            event: name.into(),
            expression: Some(expression.into()),
        }
    }

    /// A cron trigger.
    pub fn cron(schedule: impl Into<String>) -> Self {
        Trigger::Cron {
            cron: schedule.into(),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            Trigger::Event { event, expression } => {
                let mut t = json!({ "event": event });
                if let Some(expression) = expression {
                    t["expression"] = json!(expression);
                }
                t
            }
            Trigger::Cron { cron } => json!({ "cron": cron }),
        }
    }
}

/// Where a concurrency limit applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConcurrencyScope {
    /// Per function (default).
    Fn,
    /// Per environment.
    Env,
    /// Per account.
    Account,
}

impl ConcurrencyScope {
    fn as_str(self) -> &'static str {
        match self {
            ConcurrencyScope::Fn => "fn",
            ConcurrencyScope::Env => "env",
            ConcurrencyScope::Account => "account",
        }
    }
}

/// One concurrency limit (a function may have up to 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concurrency {
    /// Maximum concurrently running steps.
    pub limit: u32,
    /// Optional key expression (`"event.data.customer_id"`).
    pub key: Option<String>,
    /// Optional scope.
    pub scope: Option<ConcurrencyScope>,
}

impl Concurrency {
    /// A plain limit.
    pub fn limit(limit: u32) -> Self {
        Self {
            limit,
            key: None,
            scope: None,
        }
    }

    /// Limit per key.
    pub fn keyed(limit: u32, key: impl Into<String>) -> Self {
        Self {
            limit,
            key: Some(key.into()),
            scope: None,
        }
    }

    /// Set the scope.
    pub fn scope(mut self, scope: ConcurrencyScope) -> Self {
        self.scope = Some(scope);
        self
    }

    fn to_value(&self) -> Value {
        let mut v = json!({ "limit": self.limit });
        if let Some(key) = &self.key {
            v["key"] = json!(key);
        }
        if let Some(scope) = self.scope {
            v["scope"] = json!(scope.as_str());
        }
        v
    }
}

/// Throttle: at most `limit` starts per `period`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttle {
    /// Starts per period.
    pub limit: u32,
    /// Period as a time string (`"1m"`).
    pub period: String,
    /// Optional key expression.
    pub key: Option<String>,
    /// Optional burst.
    pub burst: Option<u32>,
}

impl Throttle {
    /// `limit` starts per `period`.
    pub fn new(limit: u32, period: impl Into<String>) -> Self {
        Self {
            limit,
            period: period.into(),
            key: None,
            burst: None,
        }
    }

    /// Throttle per key.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Allow a burst.
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = Some(burst);
        self
    }

    fn to_value(&self) -> Value {
        let mut v = json!({ "limit": self.limit, "period": self.period });
        if let Some(key) = &self.key {
            v["key"] = json!(key);
        }
        if let Some(burst) = self.burst {
            v["burst"] = json!(burst);
        }
        v
    }
}

/// Cancel a running function when an event arrives (`cancelOn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancel {
    /// The cancelling event's name.
    pub event: String,
    /// Optional CEL match (`"event.data.id == async.data.id"`).
    pub if_expr: Option<String>,
    /// Optional time string for how long the cancellation stays armed.
    pub timeout: Option<String>,
}

impl Cancel {
    /// Cancel on this event.
    pub fn on(event: impl Into<String>) -> Self {
        Self {
            event: event.into(),
            if_expr: None,
            timeout: None,
        }
    }

    /// Only when the expression holds (`event` = trigger, `async` = the cancelling event).
    pub fn if_expr(mut self, expr: impl Into<String>) -> Self {
        self.if_expr = Some(expr.into());
        self
    }

    /// Sugar for `event.<field> == async.<field>` (like the JS `match`).
    pub fn matching(self, field: &str) -> Self {
        self.if_expr(format!("event.{field} == async.{field}"))
    }

    /// Only for this long.
    pub fn timeout(mut self, timeout: impl Into<String>) -> Self {
        self.timeout = Some(timeout.into());
        self
    }

    fn to_value(&self) -> Value {
        let mut v = json!({ "event": self.event });
        if let Some(expr) = &self.if_expr {
            v["if"] = json!(expr);
        }
        if let Some(timeout) = &self.timeout {
            v["timeout"] = json!(timeout);
        }
        v
    }
}

/// A function's configuration. `id` is the function's own id; Inngest knows it by the
/// composite id `<appId>-<id>` (see [`FunctionConfig::composite_id`]).
///
/// ```
/// use support_inngest::serve::{Cancel, Concurrency, FunctionConfig, Trigger};
/// let config = FunctionConfig::new("triage")
///     .name("Triage a conversation")
///     .trigger(Trigger::event_if("front/message.received", "event.data.inbound == true"))
///     .retries(3)
///     .concurrency(Concurrency::keyed(1, "event.data.conversation_id"))
///     .cancel_on(Cancel::on("front/conversation.closed").matching("data.conversation_id"));
/// assert_eq!(config.composite_id("support"), "support-triage");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionConfig {
    id: String,
    name: Option<String>,
    triggers: Vec<Trigger>,
    retries: Option<u32>,
    concurrency: Vec<Concurrency>,
    throttle: Option<Throttle>,
    idempotency: Option<String>,
    cancel: Vec<Cancel>,
    extra: Map<String, Value>,
}

impl FunctionConfig {
    /// A function with this id (unique within the app).
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: None,
            triggers: Vec::new(),
            retries: None,
            concurrency: Vec::new(),
            throttle: None,
            idempotency: None,
            cancel: Vec::new(),
            extra: Map::new(),
        }
    }

    /// Display name (defaults to the id).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Add a trigger (at most 10).
    pub fn trigger(mut self, trigger: Trigger) -> Self {
        self.triggers.push(trigger);
        self
    }

    /// Number of **retries** (0-20, clamped); attempts = retries + 1. Unset means
    /// Inngest's default of 4 retries.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries.min(MAX_RETRIES));
        self
    }

    /// Add a concurrency limit (at most 2). A single keyless, scopeless limit is sent as
    /// a plain number.
    pub fn concurrency(mut self, concurrency: Concurrency) -> Self {
        self.concurrency.push(concurrency);
        self
    }

    /// Throttle starts.
    pub fn throttle(mut self, throttle: Throttle) -> Self {
        self.throttle = Some(throttle);
        self
    }

    /// Idempotency key expression (one run per key per 24 h).
    pub fn idempotency(mut self, expr: impl Into<String>) -> Self {
        self.idempotency = Some(expr.into());
        self
    }

    /// Cancel the run when an event arrives (at most 5).
    pub fn cancel_on(mut self, cancel: Cancel) -> Self {
        self.cancel.push(cancel);
        self
    }

    /// Any other top-level key of Inngest's function config (`rateLimit`, `debounce`,
    /// `batchEvents`, `priority`, `singleton`, `timeouts`...), sent as given.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// The function's own id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The display name.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }

    /// `<app_id>-<id>`.
    pub fn composite_id(&self, app_id: &str) -> String {
        format!("{app_id}-{}", self.id)
    }

    /// The configured retries, if any.
    pub fn retries_config(&self) -> Option<u32> {
        self.retries
    }

    /// Attempts Inngest makes per step: retries + 1 (default 5).
    pub fn max_attempts(&self) -> u32 {
        self.retries.unwrap_or(DEFAULT_RETRIES) + 1
    }

    /// The `FunctionConfig` JSON for `/fn/register`. `serve_url` is the absolute URL of
    /// the serve endpoint (no `fnId`/`stepId`/`deployId`).
    pub fn to_register_value(&self, app_id: &str, serve_url: &str) -> Value {
        let composite = self.composite_id(app_id);
        let triggers: Vec<Value> = self.triggers.iter().map(Trigger::to_value).collect();
        let mut v = json!({
            "id": composite,
            "name": self.display_name(),
            "triggers": triggers,
            "steps": step_entry(serve_url, &composite, self.retries),
        });
        if !self.concurrency.is_empty() {
            v["concurrency"] = match self.concurrency.as_slice() {
                [only] if only.key.is_none() && only.scope.is_none() => json!(only.limit),
                many => Value::Array(many.iter().map(Concurrency::to_value).collect()),
            };
        }
        if let Some(throttle) = &self.throttle {
            v["throttle"] = throttle.to_value();
        }
        if let Some(idempotency) = &self.idempotency {
            v["idempotency"] = json!(idempotency);
        }
        if !self.cancel.is_empty() {
            v["cancel"] = Value::Array(self.cancel.iter().map(Cancel::to_value).collect());
        }
        if let Value::Object(map) = &mut v {
            for (key, value) in &self.extra {
                map.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        v
    }

    /// The failure handler's config JSON: id `<composite>-failure`, triggered by
    /// `inngest/function.failed` for this function, one retry.
    pub fn failure_register_value(&self, app_id: &str, serve_url: &str) -> Value {
        let composite = self.composite_id(app_id);
        let failure_id = format!("{composite}{FAILURE_SUFFIX}");
        json!({
            "id": failure_id,
            "name": format!("{} (failure)", self.display_name()),
            "triggers": [{
                "event": FUNCTION_FAILED_EVENT,
                "expression": format!("event.data.function_id == '{composite}'"),
            }],
            "steps": step_entry(serve_url, &failure_id, Some(1)),
        })
    }
}

fn step_entry(serve_url: &str, fn_id: &str, retries: Option<u32>) -> Value {
    let mut step = json!({
        "id": "step",
        "name": "step",
        "runtime": { "type": "http", "url": step_url(serve_url, fn_id) },
    });
    if let Some(retries) = retries {
        step["retries"] = json!({ "attempts": retries });
    }
    json!({ "step": step })
}

/// `<serve_url>?fnId=<fn_id>&stepId=step` (or `&fnId=` when the URL has a query).
pub(crate) fn step_url(serve_url: &str, fn_id: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("fnId", fn_id)
        .append_pair("stepId", "step")
        .finish();
    let separator = if serve_url.contains('?') { '&' } else { '?' };
    format!("{serve_url}{separator}{query}")
}
