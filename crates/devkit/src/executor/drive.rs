//! Driving one run: the call loop and every opcode (`StepRun`, `StepPlanned`, `Sleep`,
//! `WaitForEvent`, `InvokeFunction`, `StepError`, `StepFailed`), retries, and the checks
//! Inngest makes on every SDK response.

use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use serde_json::{json, Map, Value};
use tokio::sync::oneshot;

use super::calls::CallRequest;
use super::runs::{CallOutcome, Function, RunStatus, Waiter};
use super::time::{now_ms, parse_duration};
use super::{header, Executor};

impl Executor {
    /// Drive one run to its end.
    pub(super) async fn drive(&self, function: &Function, run_id: &str, event: Value) -> RunStatus {
        let max_attempts = function.retries + 1;
        let mut attempt = 0u32;
        let mut disable_immediate = false;
        let mut planned: Vec<String> = Vec::new();
        let mut steps = Map::new();
        let mut stack: Vec<String> = Vec::new();
        let mut generation = 0u32;
        loop {
            if self.is_cancelled(run_id) {
                return RunStatus::Cancelled;
            }
            let step_id = planned
                .first()
                .cloned()
                .unwrap_or_else(|| "step".to_owned());
            generation += 1;
            let qi_id = format!("{run_id}-q{generation}");
            let call = CallRequest {
                function,
                run_id,
                event: &event,
                step_id: &step_id,
                steps: &steps,
                stack: &stack,
                attempt,
                max_attempts,
                disable_immediate,
                qi_id: &qi_id,
                generation,
            };
            let started = Instant::now();
            self.set_in_flight(run_id, Some(qi_id.clone()));
            let sent = self.send_call(&call).await;
            self.set_in_flight(run_id, None);
            // Steps the app checkpointed during the call are part of the run from now.
            if let Some((stored, stored_stack)) = self.load_state(run_id) {
                if stored.len() > steps.len() {
                    attempt = 0;
                }
                steps = stored;
                stack = stored_stack;
            }
            let response = match sent {
                Ok(r) => r,
                Err(e) => {
                    let outcome = CallOutcome {
                        status: 0,
                        ops: &Value::Null,
                        ms: started.elapsed().as_millis() as u64,
                        error: Some(e.to_string()),
                    };
                    self.record_call(run_id, &step_id, attempt, outcome);
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
            let outcome = CallOutcome {
                status,
                ops: &parsed,
                ms: started.elapsed().as_millis() as u64,
                error: None,
            };
            self.record_call(run_id, &step_id, attempt, outcome);
            // An answer that is not the SDK's (a 502/503 from a proxy or the runtime
            // while the app restarts) is an error to retry like any other 5xx, as
            // Inngest does; only an SDK answer must carry the SDK's headers.
            let from_sdk = header(&headers, "x-inngest-sdk").is_some();
            if from_sdk || (200..300).contains(&status) {
                if let Err(problem) = check_sdk_headers(&headers) {
                    return RunStatus::Failed {
                        error: json!({"name": "ProtocolError", "message": problem}),
                    };
                }
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
                    // Parallel steps (several planned at once) turn immediate execution
                    // off, as Inngest does; several stored steps (a checkpoint's
                    // fallback) do not.
                    let planned_now = ops.iter().filter(|op| op["op"] == "StepPlanned").count();
                    if planned_now > 1 {
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
                            "RunComplete" => {
                                return RunStatus::Completed {
                                    output: op.get("data").cloned().unwrap_or(Value::Null),
                                };
                            }
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

    /// `WaitForEvent`: the event that arrived in time, or `null`.
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

    /// `InvokeFunction`: start the target and memoize its outcome (`{data}` or `{error}`).
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
