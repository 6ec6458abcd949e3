//! What one request tells Axiom and Langfuse, gathered while it runs and sent after it
//! answers (the worker hands [`flush`] to `ctx.wait_until`: never on the critical path,
//! and a failure to send is counted and logged, never the work's failure).
//!
//! Everything goes through the [`Redactor`] first, built with what is known to be
//! personal in this request (the customer's email and name from the Inngest event or
//! the action), so no customer data leaves in telemetry:
//!
//! - **Axiom**: one structured event per request (method, route, status, duration) and
//!   per audit row (steps, model calls, tool calls, decisions, executions), with the ids
//!   that join them: `traceId` (minted at the Front intake and carried by every stage
//!   event and action), `conversationId`, `runId`, `actionId`.
//! - **Langfuse**: a trace per `traceId` (its session is the conversation), a
//!   generation per model call (model, redacted messages and answer, token usage with
//!   the prompt cache's reads and writes, latency, cost in USD), and a span per step,
//!   tool call, decision and execution.

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::{json, Map, Value};
use support_store::{AuditEntry, AuditKind, TokenUsage};
use support_telemetry::{
    AxiomClient, CostDetails, EventBody, GenerationBody, IngestionEvent, LangfuseClient, Level,
    Redactor, SpanBody, TraceBody, UsageDetails,
};

/// The service name on every event.
pub const SERVICE: &str = "support-platform";

/// What the request is about: the ids that join its events, and the values that are
/// personal in it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunContext {
    /// The intake's correlation id.
    pub trace_id: Option<String>,
    /// `cnv_…`.
    pub conversation_id: Option<String>,
    /// App slug.
    pub app_id: Option<String>,
    /// The Inngest function.
    pub function: Option<String>,
    /// The Inngest run.
    pub run_id: Option<String>,
    /// Values to redact wherever they appear (the customer's email and name).
    pub known: Vec<String>,
}

impl RunContext {
    /// From an Inngest call: its function and run, and its event's data (stage events
    /// carry `traceId`, `conversationId`, `appId`, `senderEmail`, `senderName`).
    pub fn from_inngest(function: &str, run_id: &str, data: &Value) -> Self {
        let text = |key: &str| {
            data.get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Self {
            trace_id: text("traceId"),
            conversation_id: text("conversationId"),
            app_id: text("appId"),
            function: Some(function.to_owned()).filter(|f| !f.is_empty()),
            run_id: Some(run_id.to_owned()).filter(|r| !r.is_empty()),
            known: [
                "senderEmail",
                "senderName",
                "customer",
                "customerName",
                "email",
            ]
            .into_iter()
            .filter_map(text)
            .collect(),
        }
    }

    /// From an action's context (a decision, an execution): its trace and customer.
    pub fn from_action(app_id: &str, conversation_id: &str, context: &Value) -> Self {
        let text = |key: &str| {
            context
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Self {
            trace_id: text("traceId"),
            conversation_id: Some(conversation_id.to_owned()),
            app_id: Some(app_id.to_owned()),
            function: None,
            run_id: None,
            known: ["customer", "customerName"]
                .into_iter()
                .filter_map(text)
                .collect(),
        }
    }
}

/// One model call, as the agent or the classifier made it.
#[derive(Debug, Clone)]
pub struct ModelCall {
    /// The generation's id (the audit row's: `<run>:<step>`), so a retried step is
    /// recorded once.
    pub id: String,
    /// What it was for (`agent turn 2`, `classifier`).
    pub name: String,
    /// The model.
    pub model: String,
    /// The request's system prompt and messages, before redaction.
    pub input: Value,
    /// The answer's content, before redaction.
    pub output: Value,
    /// Tokens.
    pub usage: TokenUsage,
    /// `max_tokens` and the like.
    pub parameters: Value,
    /// When it was sent and answered (Unix ms).
    pub start_ms: i64,
    /// When it answered.
    pub end_ms: i64,
}

/// USD per million tokens: (input, output, cache read, cache write). Anthropic's list
/// prices; a model not listed has no cost (Langfuse then shows none).
fn prices(model: &str) -> Option<(f64, f64, f64, f64)> {
    if model.contains("haiku") {
        Some((1.0, 5.0, 0.10, 1.25))
    } else if model.contains("sonnet") {
        Some((3.0, 15.0, 0.30, 3.75))
    } else if model.contains("opus") {
        Some((15.0, 75.0, 1.50, 18.75))
    } else {
        None
    }
}

/// What a model call cost, in USD.
pub fn cost(model: &str, usage: &TokenUsage) -> Option<CostDetails> {
    let (input, output, read, write) = prices(model)?;
    let per = |tokens: u64, price: f64| tokens as f64 * price / 1_000_000.0;
    Some(CostDetails::new(
        per(usage.input, input) + per(usage.cache_read, read) + per(usage.cache_write, write),
        per(usage.output, output),
    ))
}

#[derive(Default)]
struct Inner {
    context: RunContext,
    redactor: Option<Redactor>,
    axiom: Vec<Value>,
    langfuse: Vec<IngestionEvent>,
    traces: BTreeSet<String>,
    generations: BTreeSet<String>,
}

/// The events of one request, redacted as they are recorded.
pub struct Recorder {
    environment: String,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

/// What a request recorded, ready to send.
#[derive(Debug, Default)]
pub struct Batches {
    /// Axiom events.
    pub axiom: Vec<Value>,
    /// Langfuse ingestion events.
    pub langfuse: Vec<IngestionEvent>,
}

impl Batches {
    /// Whether there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.axiom.is_empty() && self.langfuse.is_empty()
    }
}

impl Recorder {
    /// A recorder for a request in `environment` (`production`, `test`…).
    pub fn new(environment: impl Into<String>) -> Self {
        Self {
            environment: environment.into(),
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What the request is about: what `context` names replaces what was known, what
    /// it leaves out stays, and what it knows to be personal is added to what is
    /// redacted.
    pub fn set_context(&self, context: RunContext) {
        let mut inner = self.lock();
        let old = std::mem::take(&mut inner.context);
        let mut known = old.known;
        known.extend(context.known);
        known.sort();
        known.dedup();
        let refs: Vec<&str> = known.iter().map(String::as_str).collect();
        inner.redactor = Some(Redactor::new(&refs));
        inner.context = RunContext {
            trace_id: context.trace_id.or(old.trace_id),
            conversation_id: context.conversation_id.or(old.conversation_id),
            app_id: context.app_id.or(old.app_id),
            function: context.function.or(old.function),
            run_id: context.run_id.or(old.run_id),
            known,
        };
    }

    /// The request itself.
    pub fn request(&self, method: &str, route: &str, status: u16, duration_ms: i64, now_ms: i64) {
        let mut inner = self.lock();
        let mut event = base_event(&inner.context, now_ms, "request", route);
        event.insert("method".into(), json!(method));
        event.insert("status".into(), json!(status));
        event.insert("durationMs".into(), json!(duration_ms));
        inner.axiom.push(Value::Object(event));
    }

    /// Values to redact from here on (the customer's account as the app knows it).
    pub fn know(&self, values: &[&str]) {
        let known: Vec<String> = values
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect();
        if !known.is_empty() {
            self.set_context(RunContext {
                known,
                ..RunContext::default()
            });
        }
    }

    /// Learn the personal values `values` name (an account's name beside its email, a
    /// customer's name), so that they are redacted in free text too ("Hi Dana").
    fn learn(&self, values: &[&Value]) {
        let mut found = Vec::new();
        for value in values {
            collect_personal(value, &mut found, 0);
        }
        let known = self.lock().context.known.clone();
        found.retain(|v| !known.contains(v));
        if !found.is_empty() {
            self.set_context(RunContext {
                known: found,
                ..RunContext::default()
            });
        }
    }

    /// An audit row: an Axiom event, and a Langfuse span (model turns are their
    /// generation instead, see [`Recorder::model_call`]).
    pub fn audit(&self, entry: &AuditEntry) {
        self.learn(&[&entry.input, entry.output.as_ref().unwrap_or(&Value::Null)]);
        let mut inner = self.lock();
        let redactor = inner
            .redactor
            .get_or_insert_with(|| Redactor::new(&[]))
            .clone();
        let kind = entry.kind.as_str();
        let mut event = base_event(&inner.context, entry.at_ms, kind, &entry.name);
        for (key, value) in [
            ("auditId", entry.id.as_str()),
            ("appId", entry.app_id.as_deref().unwrap_or_default()),
            (
                "conversationId",
                entry.conversation_id.as_deref().unwrap_or_default(),
            ),
            ("runId", entry.run_id.as_deref().unwrap_or_default()),
            ("actionId", entry.action_id.as_deref().unwrap_or_default()),
        ] {
            if !value.is_empty() {
                event.insert(key.into(), json!(value));
            }
        }
        let input = redactor.value(&entry.input);
        let output = entry.output.as_ref().map(|o| redactor.value(o));
        let error = entry.error.as_deref().map(|e| redactor.text(e));
        event.insert("input".into(), input.clone());
        if let Some(output) = &output {
            event.insert("output".into(), output.clone());
        }
        if let Some(error) = &error {
            event.insert("error".into(), json!(error));
        }
        if let Some(ms) = entry.duration_ms {
            event.insert("durationMs".into(), json!(ms));
        }
        if let Some(usage) = &entry.usage {
            event.insert("usage".into(), json!(usage));
        }
        inner.axiom.push(Value::Object(event));
        if entry.kind == AuditKind::AgentTurn || entry.kind == AuditKind::Admin {
            return;
        }
        let Some(trace) = trace_of(&inner.context, entry) else {
            return;
        };
        ensure_trace(&mut inner, &self.environment, &trace, entry.at_ms);
        let start = entry.at_ms - entry.duration_ms.unwrap_or(0);
        let mut span = SpanBody::new(entry.id.clone(), trace)
            .name(format!("{kind}: {}", entry.name))
            .start_time(start)
            .end_time(entry.at_ms)
            .input(input)
            .environment(self.environment.clone());
        if let Some(output) = output {
            span = span.output(output);
        }
        if let Some(error) = error {
            span = span.level(Level::Error).status_message(error);
        }
        let id = format!("{}:span", entry.id);
        inner.langfuse.push(IngestionEvent::new(
            id,
            entry.at_ms,
            EventBody::SpanCreate(span),
        ));
    }

    /// A model call: an Axiom event and a Langfuse generation, its messages and answer
    /// redacted.
    pub fn model_call(&self, call: ModelCall) {
        self.learn(&[&call.input, &call.output]);
        let mut inner = self.lock();
        if !inner.generations.insert(call.id.clone()) {
            return;
        }
        let redactor = inner
            .redactor
            .get_or_insert_with(|| Redactor::new(&[]))
            .clone();
        let cost = cost(&call.model, &call.usage);
        let mut event = base_event(&inner.context, call.end_ms, "model_call", &call.name);
        event.insert("model".into(), json!(call.model));
        event.insert("durationMs".into(), json!(call.end_ms - call.start_ms));
        event.insert("usage".into(), json!(call.usage));
        if let Some(cost) = &cost {
            event.insert("costUsd".into(), json!(cost.total));
        }
        inner.axiom.push(Value::Object(event));
        let trace = inner
            .context
            .trace_id
            .clone()
            .or_else(|| inner.context.run_id.clone())
            .unwrap_or_else(|| call.id.clone());
        ensure_trace(&mut inner, &self.environment, &trace, call.start_ms);
        let usage = UsageDetails::new(call.usage.input, call.usage.output)
            .with_cache(call.usage.cache_read, call.usage.cache_write);
        let mut generation = GenerationBody::new(call.id.clone(), trace)
            .name(call.name)
            .model(call.model)
            .model_parameters(call.parameters)
            .start_time(call.start_ms)
            .end_time(call.end_ms)
            .input(redactor.value(&call.input))
            .output(redactor.value(&call.output))
            .usage(usage)
            .environment(self.environment.clone());
        if let Some(cost) = cost {
            generation = generation.cost(cost);
        }
        let id = format!("{}:generation", call.id);
        inner.langfuse.push(IngestionEvent::new(
            id,
            call.end_ms,
            EventBody::GenerationCreate(generation),
        ));
    }

    /// Everything recorded so far (the recorder starts empty again).
    pub fn take(&self) -> Batches {
        let mut inner = self.lock();
        Batches {
            axiom: std::mem::take(&mut inner.axiom),
            langfuse: std::mem::take(&mut inner.langfuse),
        }
    }
}

/// Keys whose string value is a person's, wherever they appear.
const PERSON_KEYS: &[&str] = &[
    "email",
    "customer",
    "customerName",
    "senderName",
    "senderEmail",
    "firstName",
    "lastName",
    "fullName",
    "newName",
    "currentName",
];

/// The personal values in `value`: under [`PERSON_KEYS`], and a `name` beside an
/// `email` or a `userId` (an account, not a tool). JSON inside strings (a tool result
/// as the model reads it) is read too.
fn collect_personal(value: &Value, found: &mut Vec<String>, depth: usize) {
    if depth > 8 {
        return;
    }
    match value {
        Value::Object(map) => {
            let account = map.contains_key("email") || map.contains_key("userId");
            for (key, v) in map {
                if let Value::String(text) = v {
                    let personal = PERSON_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
                        || (account && key == "name");
                    if personal && !text.trim().is_empty() && text.len() <= 200 {
                        found.push(text.trim().to_owned());
                    }
                }
                collect_personal(v, found, depth + 1);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_personal(item, found, depth + 1);
            }
        }
        Value::String(text) if text.starts_with('{') || text.starts_with('[') => {
            if let Ok(inner) = serde_json::from_str::<Value>(text) {
                collect_personal(&inner, found, depth + 1);
            }
        }
        _ => {}
    }
}

fn base_event(context: &RunContext, at_ms: i64, kind: &str, name: &str) -> Map<String, Value> {
    let mut event = Map::new();
    event.insert("_time".into(), json!(support_telemetry::iso_millis(at_ms)));
    event.insert("service".into(), json!(SERVICE));
    event.insert("kind".into(), json!(kind));
    event.insert("name".into(), json!(name));
    for (key, value) in [
        ("traceId", &context.trace_id),
        ("conversationId", &context.conversation_id),
        ("appId", &context.app_id),
        ("function", &context.function),
        ("runId", &context.run_id),
    ] {
        if let Some(value) = value {
            event.insert(key.into(), json!(value));
        }
    }
    event
}

/// The trace an audit row belongs to: the request's, else its conversation's.
fn trace_of(context: &RunContext, entry: &AuditEntry) -> Option<String> {
    context
        .trace_id
        .clone()
        .or_else(|| entry.conversation_id.clone())
        .or_else(|| context.run_id.clone())
}

fn ensure_trace(inner: &mut Inner, environment: &str, trace: &str, at_ms: i64) {
    if !inner.traces.insert(trace.to_owned()) {
        return;
    }
    let context = &inner.context;
    let mut body = TraceBody::new(trace)
        .timestamp(at_ms)
        .name(context.function.clone().unwrap_or_else(|| SERVICE.into()))
        .environment(environment);
    if let Some(conversation) = &context.conversation_id {
        body = body.session_id(conversation.clone());
    }
    if let Some(app) = &context.app_id {
        body = body.tag(app.clone());
    }
    body = body.metadata(json!({"runId": context.run_id, "appId": context.app_id}));
    // A trace is upserted by its id: each request that adds to it says so again.
    let id = format!(
        "{trace}:trace:{}",
        context.run_id.as_deref().unwrap_or("request")
    );
    inner
        .langfuse
        .push(IngestionEvent::new(id, at_ms, EventBody::TraceCreate(body)));
}

/// Where a request's telemetry goes; either may be off.
#[derive(Debug, Default)]
pub struct Sinks {
    /// Axiom, with its dataset.
    pub axiom: Option<AxiomClient>,
    /// Langfuse.
    pub langfuse: Option<LangfuseClient>,
}

impl Sinks {
    /// Whether telemetry goes anywhere.
    pub fn any(&self) -> bool {
        self.axiom.is_some() || self.langfuse.is_some()
    }
}

/// What a flush did.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Flushed {
    /// Events Axiom took.
    pub axiom_sent: usize,
    /// Events that did not reach Axiom.
    pub axiom_failed: usize,
    /// Events Langfuse took.
    pub langfuse_sent: usize,
    /// Events that did not reach Langfuse (or that it refused).
    pub langfuse_failed: usize,
    /// Why, summarised (never a credential).
    pub errors: Vec<String>,
}

/// Send a request's batches. Never fails: what did not go is counted.
pub async fn flush(batches: Batches, sinks: &Sinks) -> Flushed {
    let mut flushed = Flushed::default();
    if let (Some(axiom), false) = (&sinks.axiom, batches.axiom.is_empty()) {
        match axiom.ingest(&batches.axiom).await {
            Ok(status) => {
                flushed.axiom_sent = status.ingested as usize;
                flushed.axiom_failed = status.failed as usize;
            }
            Err(e) => {
                flushed.axiom_failed = batches.axiom.len();
                flushed.errors.push(format!("axiom: {e}"));
            }
        }
    }
    if let (Some(langfuse), false) = (&sinks.langfuse, batches.langfuse.is_empty()) {
        match langfuse.ingest(&batches.langfuse).await {
            Ok(status) => {
                flushed.langfuse_sent = status.successes.len();
                flushed.langfuse_failed = status.errors.len();
                if let Some(first) = status.errors.first() {
                    flushed.errors.push(format!(
                        "langfuse refused {} event(s), e.g. {}",
                        status.errors.len(),
                        first.message.as_deref().unwrap_or("no message")
                    ));
                }
            }
            Err(e) => {
                flushed.langfuse_failed = batches.langfuse.len();
                flushed.errors.push(format!("langfuse: {e}"));
            }
        }
    }
    flushed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: AuditKind, name: &str, input: Value, output: Value) -> AuditEntry {
        AuditEntry {
            id: format!("run_1:{name}"),
            at_ms: 1_800_000_000_000,
            app_id: Some("total-typescript".into()),
            conversation_id: Some("cnv_1".into()),
            run_id: Some("run_1".into()),
            action_id: None,
            kind,
            name: name.into(),
            input,
            output: Some(output),
            error: Some("lookup failed for dana.lee@example.com".into()),
            duration_ms: Some(120),
            usage: None,
            sensitive: None,
            sensitive_until: None,
        }
    }

    #[test]
    fn nothing_the_customer_wrote_or_is_called_leaves_and_the_ids_join() {
        let recorder = Recorder::new("test");
        recorder.set_context(RunContext::from_inngest(
            "support-platform-support-respond",
            "run_1",
            &json!({"traceId": "trace_1", "conversationId": "cnv_1", "appId": "total-typescript",
                    "senderEmail": "dana.lee@example.com", "senderName": "Dana Lee"}),
        ));
        recorder.audit(&entry(
            AuditKind::ToolCall,
            "lookupUser",
            json!({"email": "dana.lee@example.com", "note": "Dana asked, call +1 (415) 555-0134"}),
            json!({"user": {"name": "Dana Lee", "userId": "usr_1"}, "summary": "Dana has 2 purchases"}),
        ));
        recorder.model_call(ModelCall {
            id: "run_1:agent turn 0".into(),
            name: "agent turn 0".into(),
            model: "claude-sonnet-4-5".into(),
            input: json!({"messages": [{"role": "user", "content": "Hi, I'm Dana Lee (dana.lee@example.com), card 4242 4242 4242 4242"}]}),
            output: json!([{"type": "text", "text": "Hi Dana, here is your link https://app.example/login?token=abcdefghijklmnopqrstuvwxyz123456"}]),
            usage: TokenUsage { input: 1_000, output: 200, cache_read: 2_000, cache_write: 0 },
            parameters: json!({"max_tokens": 1024}),
            start_ms: 1_800_000_000_000,
            end_ms: 1_800_000_001_500,
        });
        recorder.request("POST", "/api/inngest", 206, 80, 1_800_000_001_600);
        let batches = recorder.take();
        let all = format!(
            "{} {}",
            serde_json::to_string(&batches.axiom).unwrap(),
            serde_json::to_string(&batches.langfuse).unwrap()
        );
        for secret in [
            "dana.lee@example.com",
            "Dana",
            "Lee",
            "555-0134",
            "4242 4242",
            "abcdefghijklmnop",
        ] {
            assert!(!all.contains(secret), "{secret} leaked: {all}");
        }
        assert_eq!(batches.axiom.len(), 3);
        assert!(batches
            .axiom
            .iter()
            .all(|e| e["traceId"] == "trace_1" && e["conversationId"] == "cnv_1"));
        let kinds: Vec<&str> = batches.langfuse.iter().map(|e| e.kind()).collect();
        assert_eq!(kinds, ["trace-create", "span-create", "generation-create"]);
        let generation = serde_json::to_value(&batches.langfuse[2]).unwrap();
        assert_eq!(generation["body"]["traceId"], "trace_1");
        assert_eq!(
            generation["body"]["usageDetails"]["cache_read_input_tokens"],
            2_000
        );
        // 1,000 × $3 + 2,000 × $0.30 in, 200 × $15 out, per million.
        let cost = &generation["body"]["costDetails"];
        assert!(
            (cost["input"].as_f64().unwrap() - 0.0036).abs() < 1e-9,
            "{cost}"
        );
        assert!(
            (cost["output"].as_f64().unwrap() - 0.003).abs() < 1e-9,
            "{cost}"
        );
        // The same model call recorded twice (a retried step) is sent once.
        assert!(recorder.take().is_empty());
    }

    #[test]
    fn an_account_name_found_in_a_tool_result_is_redacted_in_the_reply_too() {
        let recorder = Recorder::new("test");
        recorder.set_context(RunContext::from_inngest(
            "f",
            "run_2",
            &json!({"traceId": "trace_2", "senderEmail": "sam@example.com", "senderName": "Test Customer"}),
        ));
        recorder.model_call(ModelCall {
            id: "run_2:agent turn 1".into(),
            name: "agent turn 1".into(),
            model: "claude-haiku-4-5".into(),
            input: json!({"messages": [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
                "content": "{\"found\":true,\"user\":{\"email\":\"casey@example.com\",\"name\":\"Casey Fox\",\"userId\":\"usr_casey\"}}"}]},
                {"role": "assistant", "content": [{"type": "tool_use", "name": "lookupUser", "input": {"email": "casey@example.com"}}]}]}),
            output: json!([{"type": "text", "text": "Hi Casey, Fox family discount applied."}]),
            usage: TokenUsage::default(),
            parameters: json!({}),
            start_ms: 0,
            end_ms: 1,
        });
        let all = serde_json::to_string(&recorder.take().langfuse).unwrap();
        for secret in ["Casey", "Fox", "casey@example.com"] {
            assert!(!all.contains(secret), "{secret} leaked: {all}");
        }
        assert!(all.contains("lookupUser"), "tool names stay: {all}");
    }

    #[tokio::test]
    async fn a_failed_send_is_counted_never_raised() {
        struct Down;
        #[async_trait::async_trait]
        impl support_http::Transport for Down {
            async fn send(
                &self,
                _: support_http::HttpRequest,
            ) -> Result<support_http::HttpResponse, support_http::TransportError> {
                Err(support_http::TransportError::Other(
                    "connection refused".into(),
                ))
            }
        }
        let transport: std::sync::Arc<dyn support_http::Transport> = std::sync::Arc::new(Down);
        let recorder = Recorder::new("test");
        recorder.request("GET", "/healthz", 200, 1, 1);
        let flushed = flush(
            recorder.take(),
            &Sinks {
                axiom: Some(AxiomClient::new(
                    "https://api.axiom.co",
                    "xaat-secret",
                    "d",
                    transport.clone(),
                )),
                langfuse: None,
            },
        )
        .await;
        assert_eq!((flushed.axiom_sent, flushed.axiom_failed), (0, 1));
        assert!(
            !flushed.errors[0].contains("xaat-secret"),
            "{:?}",
            flushed.errors
        );
    }
}
