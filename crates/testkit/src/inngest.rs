//! Run a served function to completion in-process, playing Inngest's side of the call
//! loop: each `StepRun` answer is memoized, sleeps end at once, and `WaitForEvent`
//! is answered by the test. For native tests of workflows; the devkit's executor does
//! the same over HTTP for the end-to-end suite.

use serde_json::{json, Map, Value};
use support_inngest::serve::ServeHandler;

/// How a driven run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The function returned this.
    Completed(Value),
    /// The function (or a step) failed for good with this error body.
    Failed(Value),
}

/// What the driver saw: every opcode in order, and the end.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// `StepRun`, `Sleep`, `WaitForEvent`, ... with their display names.
    pub ops: Vec<(String, String)>,
    /// How it ended.
    pub outcome: Outcome,
}

/// Drive `fn_id` (the composite id, `<app>-<fn>`) of a dev-mode `handler` with `event`.
/// `on_wait` answers each `WaitForEvent` opcode (its `opts`) with the event that
/// arrived, or `Value::Null` for a timeout. Gives up after 100 calls.
pub async fn drive(
    handler: &ServeHandler,
    fn_id: &str,
    event: Value,
    mut on_wait: impl FnMut(&Value) -> Value,
) -> Run {
    let mut steps = Map::new();
    let mut stack: Vec<String> = Vec::new();
    let mut ops = Vec::new();
    let mut attempt = 0u32;
    for _ in 0..100 {
        let body = json!({
            "event": event, "events": [event], "steps": steps,
            "ctx": {"fn_id": "00000000-0000-0000-0000-000000000000", "run_id": "01HTESTRUN",
                    "env": "test", "step_id": "step", "attempt": attempt,
                    "stack": {"stack": stack, "current": stack.len()},
                    "disable_immediate_execution": false, "use_api": false},
            "version": 2, "use_api": false,
        });
        let raw = serde_json::to_vec(&body).expect("serialisable");
        let url = format!("http://127.0.0.1/api/inngest?fnId={fn_id}&stepId=step");
        let response = handler
            .handle("POST", &url, [("content-type", "application/json")], &raw)
            .await;
        let answer: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        match response.status {
            200 => {
                return Run {
                    ops,
                    outcome: Outcome::Completed(answer),
                }
            }
            206 => {}
            _ => {
                return Run {
                    ops,
                    outcome: Outcome::Failed(answer),
                }
            }
        }
        for op in answer.as_array().cloned().unwrap_or_default() {
            let kind = op["op"].as_str().unwrap_or_default().to_owned();
            let id = op["id"].as_str().unwrap_or_default().to_owned();
            let name = op["displayName"]
                .as_str()
                .or(op["name"].as_str())
                .unwrap_or_default()
                .to_owned();
            ops.push((kind.clone(), name));
            let memo = match kind.as_str() {
                "StepRun" => json!({"data": op.get("data").cloned().unwrap_or(Value::Null)}),
                "Sleep" => Value::Null,
                "WaitForEvent" => on_wait(&op["opts"]),
                // A retryable step error: call again with the next attempt (as Inngest
                // does after its backoff), up to 4 attempts; then it fails for good.
                "StepError" if attempt + 1 < 4 => {
                    attempt += 1;
                    continue;
                }
                // Failed for good: memoized as an error, which the function sees as
                // `StepError::Failed` and may handle.
                "StepError" | "StepFailed" => json!({"error": op["error"].clone()}),
                other => panic!("the driver does not play opcode {other}: {op}"),
            };
            attempt = 0;
            steps.insert(id.clone(), memo);
            stack.push(id);
        }
    }
    panic!("{fn_id} did not finish within 100 calls");
}
