//! A local executor that plays Inngest Cloud's side of the serve protocol.
//!
//! Apps register with `POST /fn/register` (as the SDK does on a `PUT` sync). Events that
//! reach the Event API stand-in start the functions whose triggers match; each run is
//! driven with signed, canonical-JSON call requests to the app's serve URL, handling every
//! opcode the platform uses: `StepRun`, `StepPlanned`, `Sleep`, `WaitForEvent`,
//! `InvokeFunction`, `StepError`, `StepFailed`; per-step retries with attempt counts,
//! `X-Inngest-No-Retry` and `Retry-After`; `cancel` (cancelOn) and `onFailure`
//! (`inngest/function.failed`). Every response is checked like Inngest does (the
//! `X-Inngest-SDK` header, the opcode shapes); a protocol error fails the run loudly with
//! the reason recorded.
//!
//! `GET /_devkit/inngest/runs` lists runs with their steps and outcome;
//! `GET /_devkit/inngest/runs/{id}` shows one; `GET /_devkit/inngest/functions` the
//! registered functions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Map, Value};
use tokio::sync::oneshot;

use crate::expr;

/// Executor settings.
#[derive(Debug, Clone)]
pub struct ExecutorConfig {
    /// Signing key (`signkey-…`) used to sign call requests and check `/fn/register`'s
    /// Bearer; `None` runs unsigned (dev mode on both sides).
    pub signing_key: Option<String>,
    /// Multiplies sleeps, wait timeouts and retry delays (0.01 makes an hour 36 s).
    pub time_scale: f64,
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        Self {
            signing_key: None,
            time_scale: 1.0,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
struct Function {
    id: String,
    name: String,
    url: String,
    triggers: Vec<Value>,
    retries: u32,
    cancel: Vec<Value>,
}

/// Outcome of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum RunStatus {
    /// Still going.
    Running,
    /// Returned a value.
    Completed {
        /// The function's return value.
        output: Value,
    },
    /// Failed for good.
    Failed {
        /// Why.
        error: Value,
    },
    /// Stopped by a cancelOn event.
    Cancelled,
}

/// One call made to the app, for the runs API.
#[derive(Debug, Clone, Serialize)]
struct Call {
    step_id: String,
    attempt: u32,
    status: u16,
    ops: Value,
}

#[derive(Debug, Clone, Serialize)]
struct Run {
    run_id: String,
    function_id: String,
    event: Value,
    steps: Map<String, Value>,
    stack: Vec<String>,
    calls: Vec<Call>,
    #[serde(flatten)]
    status: RunStatus,
}

struct Waiter {
    run_id: String,
    event_name: String,
    condition: Option<String>,
    trigger: Value,
    reply: oneshot::Sender<Value>,
}

#[derive(Default)]
struct Inner {
    functions: HashMap<String, Function>,
    runs: Vec<Run>,
    waiters: Vec<Waiter>,
    next_run: u64,
}

/// The executor; cheap to clone.
#[derive(Clone)]
pub struct Executor {
    config: Arc<ExecutorConfig>,
    http: reqwest::Client,
    inner: Arc<Mutex<Inner>>,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as i64
}

/// Parse an Inngest duration (`30s`, `2h45m`, `1d`, `500ms`) or an RFC 3339 instant
/// (returned as the time until then).
pub fn parse_duration(text: &str) -> Option<Duration> {
    if text.len() >= 10 && text.contains('T') {
        let until = chrono_like_rfc3339_millis(text)?;
        return Some(Duration::from_millis(
            until.saturating_sub(now_ms()).max(0) as u64
        ));
    }
    let mut total = 0f64;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let mut unit = c.to_string();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphabetic() {
                unit.push(n);
                chars.next();
            } else {
                break;
            }
        }
        let n: f64 = number.parse().ok()?;
        number.clear();
        total += n * match unit.as_str() {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            "w" => 604800.0,
            _ => return None,
        };
    }
    if !number.is_empty() {
        return None;
    }
    Some(Duration::from_secs_f64(total))
}

/// Milliseconds since the epoch of a `YYYY-MM-DDTHH:MM:SS[.fff]Z` instant.
fn chrono_like_rfc3339_millis(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, mo, da) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':').map(|p| p.parse::<i64>());
    let (h, mi, s) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    let ms: i64 = format!("{:0<3}", &frac[..frac.len().min(3)]).parse().ok()?;
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (mo + if mo > 2 { -3 } else { 9 }) + 2) / 5 + da - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(((days * 86400 + h * 3600 + mi * 60 + s) * 1000) + ms)
}

impl Executor {
    /// A new executor.
    pub fn new(config: ExecutorConfig) -> Self {
        Self {
            config: Arc::new(config),
            http: reqwest::Client::new(),
            inner: Arc::default(),
        }
    }

    fn scaled(&self, d: Duration) -> Duration {
        d.mul_f64(self.config.time_scale.max(0.0))
    }

    /// Register (or replace) an app's functions from a `/fn/register` body.
    pub fn register(&self, body: &Value) -> Result<usize, String> {
        let app = body
            .get("appName")
            .and_then(Value::as_str)
            .filter(|a| !a.is_empty())
            .ok_or("appName is required")?;
        let functions = body
            .get("functions")
            .and_then(Value::as_array)
            .ok_or("functions must be an array")?;
        let mut parsed = Vec::new();
        for f in functions {
            let id = f
                .get("id")
                .and_then(Value::as_str)
                .ok_or("function id is required")?;
            let step = f
                .pointer("/steps/step")
                .ok_or_else(|| format!("{id}: steps.step is required"))?;
            let url = step
                .pointer("/runtime/url")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{id}: steps.step.runtime.url is required"))?;
            let triggers = f
                .get("triggers")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if triggers.is_empty() || triggers.len() > 10 {
                return Err(format!("{id}: 1 to 10 triggers are required"));
            }
            let retries = step
                .pointer("/retries/attempts")
                .or(f.get("retries"))
                .and_then(Value::as_u64)
                .unwrap_or(4)
                .min(20) as u32;
            let cancel = f
                .get("cancel")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            parsed.push(Function {
                id: id.to_owned(),
                name: f
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or(id)
                    .to_owned(),
                url: url.to_owned(),
                triggers,
                retries,
                cancel,
            });
        }
        let mut inner = self.inner.lock().unwrap();
        inner
            .functions
            .retain(|id, _| !id.starts_with(&format!("{app}-")));
        let n = parsed.len();
        for f in parsed {
            inner.functions.insert(f.id.clone(), f);
        }
        Ok(n)
    }

    /// Feed new events in: resume matching waits, cancel matching runs, start triggered
    /// functions.
    pub fn on_events(&self, events: &[Value]) {
        for event in events {
            self.resume_waiters(event);
            self.cancel_matching(event);
            let name = event
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let matching: Vec<Function> = {
                let inner = self.inner.lock().unwrap();
                inner
                    .functions
                    .values()
                    .filter(|f| {
                        f.triggers.iter().any(|t| {
                            t.get("event").and_then(Value::as_str) == Some(name)
                                && t.get("expression")
                                    .and_then(Value::as_str)
                                    .is_none_or(|e| expr::eval(e, event, None).unwrap_or(false))
                        })
                    })
                    .cloned()
                    .collect()
            };
            for function in matching {
                self.start(function, event.clone());
            }
        }
    }

    fn start(&self, function: Function, event: Value) -> (String, oneshot::Receiver<RunStatus>) {
        let run_id = {
            let mut inner = self.inner.lock().unwrap();
            inner.next_run += 1;
            let run_id = format!("01RUN{:021}", inner.next_run);
            inner.runs.push(Run {
                run_id: run_id.clone(),
                function_id: function.id.clone(),
                event: event.clone(),
                steps: Map::new(),
                stack: Vec::new(),
                calls: Vec::new(),
                status: RunStatus::Running,
            });
            run_id
        };
        let (tx, rx) = oneshot::channel();
        let this = self.clone();
        let id = run_id.clone();
        tokio::spawn(async move {
            let status = this.drive(&function, &id, event.clone()).await;
            this.finish(&id, status.clone());
            if let RunStatus::Failed { error } = &status {
                // A failure handler's own failure does not trigger failure handlers.
                let is_failure_handler = function.triggers.iter().any(|t| {
                    t.get("event").and_then(Value::as_str) == Some("inngest/function.failed")
                });
                if !is_failure_handler {
                    let failed = json!({
                        "name": "inngest/function.failed",
                        "data": {"function_id": function.id, "run_id": id, "error": error, "event": event},
                        "ts": now_ms(),
                    });
                    this.on_events(&[failed]);
                }
            }
            let _ = tx.send(status);
        });
        (run_id, rx)
    }

    fn finish(&self, run_id: &str, status: RunStatus) {
        let mut inner = self.inner.lock().unwrap();
        if let Some(run) = inner.runs.iter_mut().find(|r| r.run_id == run_id) {
            if run.status == RunStatus::Running {
                run.status = status;
            }
        }
        inner.waiters.retain(|w| w.run_id != run_id);
    }

    fn is_cancelled(&self, run_id: &str) -> bool {
        self.inner
            .lock()
            .unwrap()
            .runs
            .iter()
            .any(|r| r.run_id == run_id && r.status == RunStatus::Cancelled)
    }

    fn resume_waiters(&self, event: &Value) {
        let name = event
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut inner = self.inner.lock().unwrap();
        let mut keep = Vec::new();
        for waiter in inner.waiters.drain(..) {
            let matches = waiter.event_name == name
                && waiter
                    .condition
                    .as_deref()
                    .is_none_or(|c| expr::eval(c, &waiter.trigger, Some(event)).unwrap_or(false));
            if matches {
                let _ = waiter.reply.send(event.clone());
            } else {
                keep.push(waiter);
            }
        }
        inner.waiters = keep;
    }

    fn cancel_matching(&self, event: &Value) {
        let name = event
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut inner = self.inner.lock().unwrap();
        let functions = inner.functions.clone();
        let mut cancelled = Vec::new();
        for run in inner
            .runs
            .iter_mut()
            .filter(|r| r.status == RunStatus::Running)
        {
            let Some(f) = functions.get(&run.function_id) else {
                continue;
            };
            let hit = f.cancel.iter().any(|c| {
                c.get("event").and_then(Value::as_str) == Some(name)
                    && c.get("if")
                        .and_then(Value::as_str)
                        .is_none_or(|e| expr::eval(e, &run.event, Some(event)).unwrap_or(false))
            });
            if hit {
                run.status = RunStatus::Cancelled;
                cancelled.push(run.run_id.clone());
            }
        }
        inner.waiters.retain(|w| !cancelled.contains(&w.run_id));
    }

    /// Drive one run to its end.
    async fn drive(&self, function: &Function, run_id: &str, event: Value) -> RunStatus {
        let max_attempts = function.retries + 1;
        let mut attempt = 0u32;
        let mut disable_immediate = false;
        let mut planned: Vec<String> = Vec::new();
        let mut steps = Map::new();
        let mut stack: Vec<String> = Vec::new();
        loop {
            if self.is_cancelled(run_id) {
                return RunStatus::Cancelled;
            }
            let step_id = planned
                .first()
                .cloned()
                .unwrap_or_else(|| "step".to_owned());
            let body = json!({
                "event": event,
                "events": [event],
                "steps": steps,
                "ctx": {
                    "fn_id": function.id, "run_id": run_id, "env": "dev", "step_id": step_id,
                    "attempt": attempt, "max_attempts": max_attempts,
                    "stack": {"stack": stack, "current": stack.len()},
                    "disable_immediate_execution": disable_immediate, "use_api": false,
                },
                "version": 2,
                "use_api": false,
            });
            // serde_json's map keeps keys sorted and writes compactly: canonical JSON.
            let bytes = serde_json::to_vec(&body).expect("serialisable");
            // The registered URL carries `?fnId=…&stepId=step`; replace the query.
            let base = function.url.split('?').next().unwrap_or(&function.url);
            let url = format!("{base}?fnId={}&stepId={step_id}", function.id);
            let mut request = self
                .http
                .post(&url)
                .header("content-type", "application/json")
                .header("x-inngest-server-kind", "dev");
            if let Some(key) = &self.config.signing_key {
                request = request.header(
                    "x-inngest-signature",
                    support_signing::inngest::sign(key, now_secs(), &bytes),
                );
            }
            let response = match request
                .body(bytes)
                .timeout(Duration::from_secs(120))
                .send()
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    attempt += 1;
                    if attempt >= max_attempts {
                        return RunStatus::Failed {
                            error: json!({"name": "Error", "message": format!("serve endpoint unreachable: {e}")}),
                        };
                    }
                    tokio::time::sleep(self.scaled(Duration::from_secs(1 << attempt.min(6)))).await;
                    continue;
                }
            };
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let text = response.text().await.unwrap_or_default();
            let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            self.record_call(run_id, &step_id, attempt, status, &parsed);
            if let Err(problem) = check_sdk_headers(&headers) {
                return RunStatus::Failed {
                    error: json!({"name": "ProtocolError", "message": problem}),
                };
            }
            let no_retry = header(&headers, "x-inngest-no-retry") == Some("true");
            let retry_after = header(&headers, "retry-after")
                .and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_secs);
            match status {
                200 => return RunStatus::Completed { output: parsed },
                206 => {
                    let ops = match &parsed {
                        Value::Array(ops) => ops.clone(),
                        op @ Value::Object(_) => vec![op.clone()],
                        _ => {
                            return RunStatus::Failed {
                                error: json!({"name": "ProtocolError", "message": "206 body is not an opcode array"}),
                            }
                        }
                    };
                    if ops.is_empty() {
                        return RunStatus::Failed {
                            error: json!({"name": "ProtocolError", "message": "206 with no opcodes"}),
                        };
                    }
                    if ops.len() > 1 {
                        disable_immediate = true;
                    }
                    planned.retain(|p| p != &step_id);
                    for op in ops {
                        let id = op
                            .get("id")
                            .and_then(Value::as_str)
                            .filter(|i| i.len() == 40)
                            .map(str::to_owned);
                        let Some(id) = id else {
                            return RunStatus::Failed {
                                error: json!({"name": "ProtocolError", "message": format!("opcode without a sha1 id: {op}")}),
                            };
                        };
                        if steps.contains_key(&id) {
                            return RunStatus::Failed {
                                error: json!({"name": "ProtocolError", "message": format!("step {id} reported again after it was memoized")}),
                            };
                        }
                        let kind = op.get("op").and_then(Value::as_str).unwrap_or_default();
                        let opts = op.get("opts").cloned().unwrap_or(Value::Null);
                        let memo = match kind {
                            "StepRun" => {
                                attempt = 0;
                                Some(
                                    json!({"data": op.get("data").cloned().unwrap_or(Value::Null)}),
                                )
                            }
                            "StepPlanned" => {
                                planned.push(id.clone());
                                None
                            }
                            "Sleep" => {
                                let text = opts
                                    .get("duration")
                                    .and_then(Value::as_str)
                                    .or(op.get("name").and_then(Value::as_str))
                                    .unwrap_or("");
                                let Some(d) = parse_duration(text) else {
                                    return RunStatus::Failed {
                                        error: json!({"name": "ProtocolError", "message": format!("bad sleep duration {text:?}")}),
                                    };
                                };
                                tokio::time::sleep(self.scaled(d)).await;
                                Some(Value::Null)
                            }
                            "WaitForEvent" => Some(self.wait(run_id, &event, &op, &opts).await),
                            "InvokeFunction" => Some(self.invoke(run_id, function, &opts).await),
                            "StepError" | "StepFailed" => {
                                let error = op
                                    .get("error")
                                    .cloned()
                                    .unwrap_or(json!({"name": "Error", "message": "step failed"}));
                                if kind == "StepError" && !no_retry && attempt + 1 < max_attempts {
                                    attempt += 1;
                                    planned.insert(0, id.clone());
                                    let delay = retry_after
                                        .unwrap_or(Duration::from_millis(200 << attempt.min(6)));
                                    tokio::time::sleep(self.scaled(delay)).await;
                                    None
                                } else {
                                    attempt = 0;
                                    Some(json!({"error": error}))
                                }
                            }
                            other => {
                                return RunStatus::Failed {
                                    error: json!({"name": "ProtocolError", "message": format!("unsupported opcode {other:?}")}),
                                };
                            }
                        };
                        if let Some(memo) = memo {
                            steps.insert(id.clone(), memo);
                            stack.push(id);
                            self.record_state(run_id, &steps, &stack);
                        }
                    }
                }
                400 if no_retry => return RunStatus::Failed { error: parsed },
                _ => {
                    // A function-level error: retried unless the SDK said not to.
                    attempt += 1;
                    if no_retry || attempt >= max_attempts {
                        return RunStatus::Failed { error: parsed };
                    }
                    let delay = retry_after.unwrap_or(Duration::from_millis(200 << attempt.min(6)));
                    tokio::time::sleep(self.scaled(delay)).await;
                }
            }
        }
    }

    async fn wait(&self, run_id: &str, trigger: &Value, op: &Value, opts: &Value) -> Value {
        let event_name = opts
            .get("event")
            .and_then(Value::as_str)
            .or(op.get("name").and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned();
        let timeout = opts
            .get("timeout")
            .and_then(Value::as_str)
            .and_then(parse_duration)
            .unwrap_or(Duration::ZERO);
        let (tx, rx) = oneshot::channel();
        self.inner.lock().unwrap().waiters.push(Waiter {
            run_id: run_id.to_owned(),
            event_name,
            condition: opts.get("if").and_then(Value::as_str).map(str::to_owned),
            trigger: trigger.clone(),
            reply: tx,
        });
        match tokio::time::timeout(self.scaled(timeout), rx).await {
            Ok(Ok(event)) => event,
            _ => {
                self.inner
                    .lock()
                    .unwrap()
                    .waiters
                    .retain(|w| w.run_id != run_id);
                Value::Null
            }
        }
    }

    async fn invoke(&self, run_id: &str, caller: &Function, opts: &Value) -> Value {
        let target = opts
            .get("function_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(function) = self.inner.lock().unwrap().functions.get(target).cloned() else {
            return json!({"error": {"name": "Error", "message": format!("function {target:?} is not registered")}});
        };
        let mut data = opts.pointer("/payload/data").cloned().unwrap_or(json!({}));
        if let Value::Object(map) = &mut data {
            map.insert(
                "_inngest".into(),
                json!({"source_fn_id": caller.id, "source_run_id": run_id}),
            );
        }
        let event = json!({"name": "inngest/function.invoked", "data": data, "ts": now_ms()});
        let timeout = opts
            .get("timeout")
            .and_then(Value::as_str)
            .and_then(parse_duration)
            .unwrap_or(Duration::from_secs(3600));
        let (_, rx) = self.start(function, event);
        match tokio::time::timeout(self.scaled(timeout), rx).await {
            Ok(Ok(RunStatus::Completed { output })) => json!({"data": output}),
            Ok(Ok(RunStatus::Failed { error })) => json!({"error": error}),
            Ok(Ok(_)) | Ok(Err(_)) => {
                json!({"error": {"name": "Error", "message": "invoked function was cancelled"}})
            }
            Err(_) => {
                json!({"error": {"name": "InngestInvokeTimeoutError", "message": "Timed out waiting for invoked function to complete"}})
            }
        }
    }

    fn record_call(&self, run_id: &str, step_id: &str, attempt: u32, status: u16, ops: &Value) {
        let mut inner = self.inner.lock().unwrap();
        if let Some(run) = inner.runs.iter_mut().find(|r| r.run_id == run_id) {
            run.calls.push(Call {
                step_id: step_id.to_owned(),
                attempt,
                status,
                ops: ops.clone(),
            });
        }
    }

    fn record_state(&self, run_id: &str, steps: &Map<String, Value>, stack: &[String]) {
        let mut inner = self.inner.lock().unwrap();
        if let Some(run) = inner.runs.iter_mut().find(|r| r.run_id == run_id) {
            run.steps = steps.clone();
            run.stack = stack.to_vec();
        }
    }

    /// Routes: `/fn/register` and the runs API.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/fn/register", post(register))
            .route("/_devkit/inngest/runs", get(runs))
            .route("/_devkit/inngest/runs/{id}", get(run))
            .route("/_devkit/inngest/functions", get(functions))
            .with_state(self.clone())
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What Inngest requires of every SDK response.
fn check_sdk_headers(headers: &HeaderMap) -> Result<(), String> {
    let sdk = header(headers, "x-inngest-sdk")
        .ok_or("response has no X-Inngest-SDK header: not an SDK response")?;
    if sdk.matches(':').count() != 1 || !sdk.contains(":v") {
        return Err(format!("X-Inngest-SDK {sdk:?} is not <name>:v<semver>"));
    }
    if header(headers, "x-inngest-req-version") != Some("2") {
        return Err("X-Inngest-Req-Version must be 2".into());
    }
    Ok(())
}

async fn register(
    State(executor): State<Executor>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(key) = &executor.config.signing_key {
        let expected = support_signing::inngest::hashed_signing_key(key).unwrap_or_default();
        let given = header(&headers, "authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
            .unwrap_or_default();
        if given != expected && given != key {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "unauthorized", "status": 401})),
            )
                .into_response();
        }
    }
    match executor.register(&body) {
        Ok(_) => Json(json!({"ok": true, "modified": true})).into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": e, "status": 400})),
        )
            .into_response(),
    }
}

async fn runs(State(executor): State<Executor>) -> Json<Value> {
    Json(serde_json::to_value(&executor.inner.lock().unwrap().runs).unwrap_or(Value::Null))
}

async fn run(State(executor): State<Executor>, Path(id): Path<String>) -> Response {
    let inner = executor.inner.lock().unwrap();
    match inner.runs.iter().find(|r| r.run_id == id) {
        Some(run) => Json(serde_json::to_value(run).unwrap_or(Value::Null)).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"error": "no such run"}))).into_response(),
    }
}

async fn functions(State(executor): State<Executor>) -> Json<Value> {
    Json(
        serde_json::to_value(
            executor
                .inner
                .lock()
                .unwrap()
                .functions
                .values()
                .collect::<Vec<_>>(),
        )
        .unwrap_or(Value::Null),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_duration("2h45m"),
            Some(Duration::from_secs(2 * 3600 + 45 * 60))
        );
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86400)));
        assert_eq!(parse_duration(""), Some(Duration::ZERO));
        assert_eq!(parse_duration("5 parsecs"), None);
        assert_eq!(
            chrono_like_rfc3339_millis("1970-01-02T00:00:01.5Z"),
            Some(86_401_500)
        );
        assert_eq!(
            chrono_like_rfc3339_millis("2026-01-01T00:00:00Z"),
            Some(1_767_225_600_000)
        );
    }
}
