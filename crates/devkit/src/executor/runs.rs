//! The executor's state: registered functions, runs and their calls, waits; starting,
//! finishing, resuming and cancelling runs as events arrive.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Map, Value};
use tokio::sync::oneshot;

use super::time::now_ms;
use super::Executor;
use crate::expr;

/// A registered function.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Function {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) url: String,
    pub(super) triggers: Vec<Value>,
    pub(super) retries: u32,
    pub(super) cancel: Vec<Value>,
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
pub(super) struct Call {
    pub(super) step_id: String,
    pub(super) attempt: u32,
    /// The HTTP status; 0 when the call got no answer (see `error`).
    pub(super) status: u16,
    pub(super) ops: Value,
    /// How long the app took to answer (or to fail), in milliseconds: a call that hangs
    /// shows here instead of only as a slow run.
    pub(super) ms: u64,
    /// Why the call got no answer (unreachable, timed out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) error: Option<String>,
}

/// What one call came to, for [`Executor::record_call`].
pub(super) struct CallOutcome<'a> {
    pub(super) status: u16,
    pub(super) ops: &'a Value,
    pub(super) ms: u64,
    pub(super) error: Option<String>,
}

/// One run: its state (memoized steps, stack), calls and outcome.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Run {
    pub(super) run_id: String,
    pub(super) function_id: String,
    pub(super) event: Value,
    pub(super) steps: Map<String, Value>,
    pub(super) stack: Vec<String>,
    pub(super) calls: Vec<Call>,
    /// Steps the app reported by checkpoint (each also in `steps`).
    pub(super) checkpoints: Vec<Value>,
    /// The queue item of the call in flight: a checkpoint naming another is stale.
    #[serde(skip)]
    pub(super) in_flight: Option<String>,
    #[serde(flatten)]
    pub(super) status: RunStatus,
}

/// A run waiting for an event (`WaitForEvent`).
pub(super) struct Waiter {
    pub(super) run_id: String,
    pub(super) event_name: String,
    pub(super) condition: Option<String>,
    pub(super) trigger: Value,
    pub(super) reply: oneshot::Sender<Value>,
}

/// Everything the executor holds, behind one lock.
#[derive(Default)]
pub(super) struct Inner {
    pub(super) functions: HashMap<String, Function>,
    pub(super) runs: Vec<Run>,
    pub(super) waiters: Vec<Waiter>,
    pub(super) next_run: u64,
    /// Checkpoint reports still to refuse, and with which status.
    pub(super) checkpoint_failures: Option<(u16, u32)>,
}

impl Executor {
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

    pub(super) fn start(
        &self,
        function: Function,
        event: Value,
    ) -> (String, oneshot::Receiver<RunStatus>) {
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
                checkpoints: Vec::new(),
                in_flight: None,
                status: RunStatus::Running,
            });
            run_id
        };
        let (tx, rx) = oneshot::channel();
        let this = self.clone();
        let id = run_id.clone();
        tokio::spawn(async move {
            Self::delay(this.latency().event_ms).await;
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

    pub(super) fn finish(&self, run_id: &str, status: RunStatus) {
        let mut inner = self.inner.lock().unwrap();
        if let Some(run) = inner.runs.iter_mut().find(|r| r.run_id == run_id) {
            if run.status == RunStatus::Running {
                run.status = status;
            }
        }
        inner.waiters.retain(|w| w.run_id != run_id);
    }

    pub(super) fn is_cancelled(&self, run_id: &str) -> bool {
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

    pub(super) fn record_call(
        &self,
        run_id: &str,
        step_id: &str,
        attempt: u32,
        outcome: CallOutcome<'_>,
    ) {
        let mut inner = self.inner.lock().unwrap();
        if let Some(run) = inner.runs.iter_mut().find(|r| r.run_id == run_id) {
            run.calls.push(Call {
                step_id: step_id.to_owned(),
                attempt,
                status: outcome.status,
                ops: outcome.ops.clone(),
                ms: outcome.ms,
                error: outcome.error,
            });
        }
    }

    /// The run's memoized steps and stack, checkpointed steps included.
    pub(super) fn load_state(&self, run_id: &str) -> Option<(Map<String, Value>, Vec<String>)> {
        let inner = self.inner.lock().unwrap();
        let run = inner.runs.iter().find(|r| r.run_id == run_id)?;
        Some((run.steps.clone(), run.stack.clone()))
    }

    /// Marks the call in flight (its queue item), or none.
    pub(super) fn set_in_flight(&self, run_id: &str, qi_id: Option<String>) {
        let mut inner = self.inner.lock().unwrap();
        if let Some(run) = inner.runs.iter_mut().find(|r| r.run_id == run_id) {
            run.in_flight = qi_id;
        }
    }

    pub(super) fn record_state(&self, run_id: &str, steps: &Map<String, Value>, stack: &[String]) {
        let mut inner = self.inner.lock().unwrap();
        if let Some(run) = inner.runs.iter_mut().find(|r| r.run_id == run_id) {
            run.steps = steps.clone();
            run.stack = stack.to_vec();
        }
    }
}
