//! The step engine: hashing, memoization and the [`Step`] handle.
//!
//! Every call request re-runs the function from the top. Each step method first looks
//! its hashed id up in the memoized state; a hit returns the stored result. The first
//! step without a result decides what this request reports (run it now, plan it, or
//! ask Inngest to sleep/wait/invoke) and returns [`StepError::Interrupted`], which the
//! function propagates with `?`. No panics, no unwinding: plain `Result`s.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use serde_json::{json, Map, Value};
use sha1::{Digest, Sha1};

use super::checkpoint::{Checkpointer, ReportFailure};
use super::error::{ErrorBody, FnError, RetryAfter, StepError};
use super::sender::EventSender;

/// Lowercase hex SHA-1 of a (pre-hash) step id.
///
/// ```
/// assert_eq!(
///     support_inngest::serve::step_hash("first step"),
///     "98bf98df193bcce7c33e6bc50927cf2ac21206cb"
/// );
/// ```
pub fn step_hash(id: &str) -> String {
    hex::encode(Sha1::digest(id.as_bytes()))
}

/// The pre-hash id of the `n`th occurrence (0-based) of `id` within one execution:
/// `id`, `id:1`, `id:2`...
pub fn occurrence_id(id: &str, n: u32) -> String {
    if n == 0 {
        id.to_owned()
    } else {
        format!("{id}:{n}")
    }
}

/// An Inngest event, as delivered to functions and matched by `wait_for_event`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Event {
    /// Event name.
    #[serde(default)]
    pub name: String,
    /// Payload.
    #[serde(default)]
    pub data: Value,
    /// Sender-chosen id (idempotency key), often empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Milliseconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<i64>,
    /// Schema version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v: Option<String>,
    /// Deprecated user object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Value>,
}

impl Event {
    /// An event with this name and data.
    pub fn new(name: impl Into<String>, data: Value) -> Self {
        Self {
            name: name.into(),
            data,
            ..Self::default()
        }
    }

    /// Reads an event leniently: fields of an unexpected type are dropped instead of
    /// losing the whole event (`ts` may also be a float).
    pub fn from_value(value: Value) -> Self {
        let Value::Object(mut map) = value else {
            return Self::default();
        };
        let text = |v: Option<Value>| match v {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        Self {
            name: text(map.remove("name")).unwrap_or_default(),
            data: map.remove("data").unwrap_or(Value::Null),
            id: text(map.remove("id")),
            ts: map
                .remove("ts")
                .and_then(|ts| ts.as_i64().or_else(|| ts.as_f64().map(|f| f as i64))),
            v: text(map.remove("v")),
            user: map.remove("user").filter(|u| !u.is_null()),
        }
    }
}

/// Options of [`Step::wait_for_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitOpts {
    /// The awaited event's name.
    pub event: String,
    /// How long to wait before resuming with `None`.
    pub timeout: Duration,
    /// Optional CEL match: `event` is the run's trigger, `async` the candidate event,
    /// e.g. `"event.data.ticket_id == async.data.ticket_id"`.
    pub if_expr: Option<String>,
}

/// A memoized step result, parsed per the protocol.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Memo {
    Data(Value),
    Error(ErrorBody),
}

impl Memo {
    /// `{"data":X}` → data X; `{"error":E}` → error; `{"input":..}` → pending (None);
    /// anything else (null, an event) → the whole value is the data.
    pub(crate) fn parse(value: Value) -> Option<Memo> {
        if let Value::Object(map) = &value {
            if map.len() == 1 {
                if map.contains_key("input") {
                    return None;
                }
                if map.contains_key("error") {
                    let error = map.get("error").cloned().unwrap_or(Value::Null);
                    return Some(Memo::Error(ErrorBody::from_memo(&error)));
                }
                if map.contains_key("data") {
                    let Value::Object(mut map) = value else {
                        return None;
                    };
                    return Some(Memo::Data(map.remove("data").unwrap_or(Value::Null)));
                }
            }
        }
        Some(Memo::Data(value))
    }
}

/// How this request treats new steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `stepId=step`: run a single new `step.run` now when `immediate`, else plan it.
    Discover { immediate: bool },
    /// `stepId=<hash>`: run exactly that step.
    Target(String),
}

/// What the execution reports instead of a return value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Report {
    /// 206 with these opcodes.
    Ops {
        ops: Vec<Value>,
        no_retry: bool,
        retry_after: Option<RetryAfter>,
    },
    /// A targeted step was not reached; a different new step was found first.
    StepNotFound { requested: String, found: String },
    /// Inngest refused a checkpoint as stale: stop, and do not retry this call.
    Stale(String),
}

#[derive(Debug)]
pub(crate) struct EngineState {
    memos: HashMap<String, Memo>,
    stack: Vec<String>,
    cursor: usize,
    out_of_order: bool,
    seen: HashMap<String, u32>,
    mode: Mode,
    attempt: u32,
    max_attempts: u32,
    executing: bool,
    pub(crate) report: Option<Report>,
    /// Steps run in this call and not reported yet (checkpointing).
    buffer: Vec<Value>,
}

impl EngineState {
    pub(crate) fn new(
        steps: Map<String, Value>,
        stack: Option<Vec<String>>,
        mode: Mode,
        attempt: u32,
        max_attempts: u32,
    ) -> Self {
        let mut order = Vec::new();
        let mut memos = HashMap::with_capacity(steps.len());
        for (hash, value) in steps {
            if stack.is_none() {
                order.push(hash.clone());
            }
            if let Some(memo) = Memo::parse(value) {
                memos.insert(hash, memo);
            }
        }
        Self {
            memos,
            stack: stack.unwrap_or(order),
            cursor: 0,
            out_of_order: false,
            seen: HashMap::new(),
            mode,
            attempt,
            max_attempts: max_attempts.max(1),
            executing: false,
            report: None,
            buffer: Vec::new(),
        }
    }

    /// Whether memos were consumed in an order different from `ctx.stack.stack`
    /// (the function's code changed mid-run, or it is not deterministic).
    pub(crate) fn out_of_order(&self) -> bool {
        self.out_of_order
    }

    fn next_id(&mut self, id: &str) -> String {
        let n = self.seen.entry(id.to_owned()).or_insert(0);
        let pre = occurrence_id(id, *n);
        *n += 1;
        step_hash(&pre)
    }

    fn take_memo(&mut self, hash: &str) -> Option<Memo> {
        let memo = self.memos.remove(hash)?;
        if self.stack.get(self.cursor).map(String::as_str) == Some(hash) {
            self.cursor += 1;
        } else {
            // Fall back to matching in any order, as the protocol allows.
            self.out_of_order = true;
        }
        Some(memo)
    }

    /// Reports a non-run op (sleep, wait, invoke) or a planned step.
    fn report_op(&mut self, hash: &str, op: Value) -> StepError {
        if let Mode::Target(target) = &self.mode {
            if target != hash {
                self.report = Some(Report::StepNotFound {
                    requested: target.clone(),
                    found: hash.to_owned(),
                });
                return StepError::Interrupted;
            }
        }
        self.report = Some(Report::Ops {
            ops: vec![op],
            no_retry: false,
            retry_after: None,
        });
        StepError::Interrupted
    }
}

enum Begin {
    Memo(Memo),
    New { hash: String },
}

/// The step tools handed to a function. Cheap to clone; every clone drives the same
/// execution.
#[derive(Clone)]
pub struct Step {
    state: Arc<Mutex<EngineState>>,
    sender: Option<Arc<dyn EventSender>>,
    checkpointer: Option<Arc<Checkpointer>>,
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Step").finish_non_exhaustive()
    }
}

impl Step {
    pub(crate) fn new(
        state: EngineState,
        sender: Option<Arc<dyn EventSender>>,
        checkpointer: Option<Arc<Checkpointer>>,
    ) -> Self {
        Self {
            state: Arc::new(Mutex::new(state)),
            sender,
            checkpointer,
        }
    }

    fn lock(&self) -> MutexGuard<'_, EngineState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn take_report(&self) -> Option<Report> {
        self.lock().report.take()
    }

    /// The steps run in this call and not reported yet.
    pub(crate) fn take_buffer(&self) -> Vec<Value> {
        std::mem::take(&mut self.lock().buffer)
    }

    pub(crate) fn out_of_order(&self) -> bool {
        self.lock().out_of_order()
    }

    fn begin(&self, id: &str) -> Result<Begin, StepError> {
        let mut state = self.lock();
        if state.executing {
            return Err(StepError::Invalid(format!(
                "step \"{id}\" was called inside another step; nested steps are not supported"
            )));
        }
        let hash = state.next_id(id);
        if let Some(memo) = state.take_memo(&hash) {
            return Ok(Begin::Memo(memo));
        }
        if state.report.is_some() {
            // A step was already reported (its interrupt was swallowed): stop here.
            return Err(StepError::Interrupted);
        }
        Ok(Begin::New { hash })
    }

    /// Runs `f` once, durably: its result is memoized by Inngest and returned on every
    /// later execution without running `f` again. An `Err` from `f` is retried as a step
    /// (per the function's retries); when it fails for good, this returns
    /// [`StepError::Failed`].
    pub async fn run<T, F, Fut>(&self, id: &str, f: F) -> Result<T, StepError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, FnError>>,
    {
        self.run_as(id, "step.run", f).await
    }

    async fn run_as<T, F, Fut>(&self, id: &str, kind: &str, f: F) -> Result<T, StepError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, FnError>>,
    {
        let hash = match self.begin(id)? {
            Begin::Memo(Memo::Data(value)) => return decode(id, &value),
            Begin::Memo(Memo::Error(error)) => return Err(StepError::Failed(error)),
            Begin::New { hash } => hash,
        };
        // Checkpointing: run it here and report it, unless the call has run long enough.
        let checkpointer = self.checkpointer.as_ref().filter(|c| c.within_runtime());
        {
            let mut state = self.lock();
            let execute = match &state.mode {
                Mode::Target(target) => target == &hash,
                Mode::Discover { immediate } => {
                    *immediate && (self.checkpointer.is_none() || checkpointer.is_some())
                }
            };
            if !execute {
                let op = json!({
                    "id": hash, "op": "StepPlanned", "name": id, "displayName": id,
                    "opts": { "type": kind },
                });
                return Err(state.report_op(&hash, op));
            }
            state.executing = true;
        }
        let started_ms = checkpointer.map(|c| c.now_ms()).unwrap_or_default();
        let result = f().await;
        let result = result.and_then(|value| serde_json::to_value(value).map_err(FnError::from));
        if let (Some(checkpointer), Ok(data)) = (checkpointer, &result) {
            let op = Checkpointer::timed(
                json!({
                    "id": hash, "op": "StepRun", "name": id, "displayName": id,
                    "data": data, "opts": { "type": kind },
                }),
                started_ms,
                checkpointer.now_ms(),
            );
            let full = {
                let mut state = self.lock();
                state.buffer.push(op);
                (state.buffer.len() >= checkpointer.buffered_steps.max(1))
                    .then(|| std::mem::take(&mut state.buffer))
            };
            let reported = match &full {
                Some(ops) => checkpointer.report(ops).await,
                None => Ok(()),
            };
            let mut state = self.lock();
            state.executing = false;
            match reported {
                // Stored by Inngest (or buffered): carry on in this call, with the value
                // as a later call would read it back.
                Ok(()) => return decode(id, data),
                Err(ReportFailure::Stale(message)) => {
                    state.report = Some(Report::Stale(message));
                    return Err(StepError::Interrupted);
                }
                // Not lost: the answer carries them, as without checkpointing.
                Err(ReportFailure::Failed(_)) => {
                    state.report = Some(Report::Ops {
                        ops: full.unwrap_or_default(),
                        no_retry: false,
                        retry_after: None,
                    });
                    return Err(StepError::Interrupted);
                }
            }
        }
        let mut state = self.lock();
        state.executing = false;
        let report = match result {
            Ok(data) => Report::Ops {
                ops: vec![json!({
                    "id": hash, "op": "StepRun", "name": id, "displayName": id,
                    "data": data, "opts": { "type": kind },
                })],
                no_retry: false,
                retry_after: None,
            },
            Err(error) => {
                let last_attempt = state.attempt.saturating_add(1) >= state.max_attempts;
                let fail = !error.is_retriable() || last_attempt;
                let op = if fail { "StepFailed" } else { "StepError" };
                Report::Ops {
                    ops: vec![json!({
                        "id": hash, "op": op, "name": id, "displayName": id,
                        "error": error.body().to_value(), "opts": { "type": kind },
                    })],
                    no_retry: fail,
                    retry_after: if fail {
                        None
                    } else {
                        error.retry_after_value().cloned()
                    },
                }
            }
        };
        state.report = Some(report);
        Err(StepError::Interrupted)
    }

    /// Pauses the run for `duration` (Inngest resumes it; rounded up to whole seconds).
    pub async fn sleep(&self, id: &str, duration: Duration) -> Result<(), StepError> {
        self.sleep_op(id, time_string(duration))
    }

    /// Pauses the run until an RFC 3339 instant (e.g. `"2026-01-01T09:00:00Z"`).
    pub async fn sleep_until(&self, id: &str, rfc3339: &str) -> Result<(), StepError> {
        if !looks_like_rfc3339(rfc3339) {
            return Err(StepError::Invalid(format!(
                "sleep_until(\"{id}\"): \"{rfc3339}\" is not an RFC 3339 date-time"
            )));
        }
        self.sleep_op(id, rfc3339.to_owned())
    }

    fn sleep_op(&self, id: &str, duration: String) -> Result<(), StepError> {
        match self.begin(id)? {
            Begin::Memo(Memo::Data(_)) => Ok(()),
            Begin::Memo(Memo::Error(error)) => Err(StepError::Failed(error)),
            Begin::New { hash } => {
                let op = json!({
                    "id": hash, "op": "Sleep", "name": duration, "displayName": id,
                    "opts": { "duration": duration },
                });
                Err(self.lock().report_op(&hash, op))
            }
        }
    }

    /// Waits for an event; `Ok(None)` when the timeout passed first.
    pub async fn wait_for_event(
        &self,
        id: &str,
        opts: WaitOpts,
    ) -> Result<Option<Event>, StepError> {
        match self.begin(id)? {
            Begin::Memo(Memo::Data(Value::Null)) => Ok(None),
            Begin::Memo(Memo::Data(value @ Value::Object(_))) => Ok(Some(Event::from_value(value))),
            Begin::Memo(Memo::Data(other)) => Err(StepError::Invalid(format!(
                "wait_for_event(\"{id}\"): the stored result is not an event: {other}"
            ))),
            Begin::Memo(Memo::Error(error)) => Err(StepError::Failed(error)),
            Begin::New { hash } => {
                let mut o = json!({ "event": opts.event, "timeout": time_string(opts.timeout) });
                if let Some(expr) = &opts.if_expr {
                    o["if"] = json!(expr);
                }
                let op = json!({
                    "id": hash, "op": "WaitForEvent", "name": opts.event, "displayName": id,
                    "opts": o,
                });
                Err(self.lock().report_op(&hash, op))
            }
        }
    }

    /// Invokes another function (by composite id, `<appId>-<fnId>`) with `data` as its
    /// event data, and returns what it returned. A failed or timed-out invocation is
    /// [`StepError::Failed`]. `timeout` defaults to Inngest's (about a year).
    pub async fn invoke(
        &self,
        id: &str,
        function_id: &str,
        data: Value,
        timeout: Option<Duration>,
    ) -> Result<Value, StepError> {
        match self.begin(id)? {
            Begin::Memo(Memo::Data(value)) => Ok(value),
            Begin::Memo(Memo::Error(error)) => Err(StepError::Failed(error)),
            Begin::New { hash } => {
                let mut o = json!({ "function_id": function_id, "payload": { "data": data } });
                if let Some(timeout) = timeout {
                    o["timeout"] = json!(time_string(timeout));
                }
                let op = json!({
                    "id": hash, "op": "InvokeFunction", "name": id, "displayName": id,
                    "opts": o,
                });
                Err(self.lock().report_op(&hash, op))
            }
        }
    }

    /// Sends events as a step (`opts.type = "step.sendEvent"`) through the handler's
    /// [`EventSender`]; returns Inngest's ids. Without a sender the step fails without
    /// retries.
    pub async fn send_event(&self, id: &str, events: Vec<Value>) -> Result<Vec<String>, StepError> {
        let sender = self.sender.clone();
        self.run_as(id, "step.sendEvent", move || async move {
            let Some(sender) = sender else {
                return Err(FnError::non_retriable(
                    "no event sender is configured on the serve handler",
                ));
            };
            match sender.send(&events).await {
                Ok(ids) => Ok(ids),
                Err(error) if error.is_transient() => Err(FnError::new(error.to_string())),
                Err(error) => Err(FnError::non_retriable(error.to_string())),
            }
        })
        .await
    }
}

fn decode<T: DeserializeOwned>(id: &str, value: &Value) -> Result<T, StepError> {
    T::deserialize(value).map_err(|e| {
        StepError::Invalid(format!(
            "the stored result of step \"{id}\" does not fit the expected type: {e}"
        ))
    })
}

/// Inngest time string for a duration, rounded up to whole seconds: `"2s"`, `"1m30s"`,
/// `"2h45m"`, `"0s"`.
pub fn time_string(duration: Duration) -> String {
    let mut secs = duration.as_secs();
    if duration.subsec_nanos() > 0 {
        secs += 1;
    }
    if secs == 0 {
        return "0s".to_owned();
    }
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// `YYYY-MM-DDTHH:MM:SS` then anything ending in `Z`, or holding a `+`/`-` offset.
/// Works on bytes only, so no input can panic it (a multi-byte character is never an
/// ASCII digit or separator).
fn looks_like_rfc3339(s: &str) -> bool {
    const SHAPE: &[u8; 19] = b"dddd-dd-ddTdd:dd:dd";
    let b = s.as_bytes();
    b.len() >= 20
        && SHAPE.iter().zip(b).all(|(&want, &got)| match want {
            b'd' => got.is_ascii_digit(),
            b'T' => matches!(got, b'T' | b't' | b' '),
            sep => got == sep,
        })
        && (matches!(b[b.len() - 1], b'Z' | b'z')
            || b[19..].iter().any(|c| matches!(c, b'+' | b'-')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memo_parsing_follows_the_rule() {
        assert_eq!(Memo::parse(json!({"data": 1})), Some(Memo::Data(json!(1))));
        assert_eq!(Memo::parse(json!(null)), Some(Memo::Data(Value::Null)));
        assert_eq!(Memo::parse(json!({"input": [1]})), None);
        assert_eq!(
            Memo::parse(json!({"data": 1, "name": "x"})),
            Some(Memo::Data(json!({"data": 1, "name": "x"})))
        );
        assert_eq!(
            Memo::parse(json!({"error": {"name": "E", "message": "m"}})),
            Some(Memo::Error(ErrorBody::new("E", "m")))
        );
    }

    #[test]
    fn events_are_read_leniently() {
        let e = Event::from_value(
            json!({"name": "a/b", "data": {"x": 1}, "ts": 1.5e12, "id": 7, "v": "1"}),
        );
        assert_eq!(e.name, "a/b");
        assert_eq!(e.data, json!({"x": 1}));
        assert_eq!(e.ts, Some(1_500_000_000_000));
        assert_eq!(e.id, None);
        assert_eq!(e.v.as_deref(), Some("1"));
        assert_eq!(Event::from_value(json!("nope")), Event::default());
    }

    #[test]
    fn time_strings() {
        assert_eq!(time_string(Duration::from_secs(2)), "2s");
        assert_eq!(time_string(Duration::from_secs(90)), "1m30s");
        assert_eq!(time_string(Duration::from_secs(9900)), "2h45m");
        assert_eq!(time_string(Duration::from_millis(10)), "1s");
        assert_eq!(time_string(Duration::ZERO), "0s");
        assert_eq!(time_string(Duration::from_secs(7 * 86400)), "168h");
    }

    #[test]
    fn rfc3339_shape() {
        assert!(looks_like_rfc3339("2026-01-01T00:00:00Z"));
        assert!(looks_like_rfc3339("2026-01-01T00:00:00.5+02:00"));
        assert!(!looks_like_rfc3339("tomorrow"));
        assert!(!looks_like_rfc3339("2026-01-01"));
    }

    #[test]
    fn rfc3339_check_never_panics_on_non_ascii() {
        assert!(!looks_like_rfc3339("2024-01-01T00:00:0é+01:00"));
        assert!(!looks_like_rfc3339("2024-01-01T00:00:00é"));
        assert!(!looks_like_rfc3339("éééééééééééééééééééé"));
        assert!(!looks_like_rfc3339("2024-01-01T00:00:日本+01:00"));
        // A multi-byte character at every position, replacing or inserted, in valid
        // date-times of every offset shape.
        for valid in [
            "2024-01-01T00:00:00Z",
            "2024-01-01T00:00:00+01:00",
            "2024-01-01T00:00:00.123-05:30",
        ] {
            assert!(looks_like_rfc3339(valid));
            for wide in ['é', '日', '🎉', '\u{80}'] {
                for i in 0..=valid.len() {
                    let mut inserted = valid.to_owned();
                    inserted.insert(i, wide);
                    let replaced: String = valid
                        .char_indices()
                        .map(|(j, c)| if j == i { wide } else { c })
                        .collect();
                    for candidate in [inserted, replaced] {
                        // Must not panic; inside the fixed-width date-time it is never
                        // accepted.
                        let accepted = looks_like_rfc3339(&candidate);
                        if i < 19 {
                            assert!(!accepted, "{candidate:?}");
                        }
                    }
                }
            }
        }
    }
}
