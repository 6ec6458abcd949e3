//! The conformance sequences of the reference (Go runner) and the step semantics,
//! driven with hand-built signed call requests.

#[path = "serve_util.rs"]
mod util;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use support_inngest::serve::{
    step_hash, EventSender, FnError, FunctionConfig, Input, RetryAfter, ServeFunction,
    ServeHandler, Step, StepError, Trigger, WaitOpts,
};
use support_inngest::SendError;
use util::*;

const FIRST: &str = "98bf98df193bcce7c33e6bc50927cf2ac21206cb";
const SLEEP: &str = "c3ca5f787365eae0dea86250e27d476406956478";
const SECOND: &str = "764e20ec975d4ef820d0f42e6a5833384bd7ee36";
const WAIT: &str = "daaad336276d15594d0e765f96c17cd746bf4971";

fn handler(function: ServeFunction) -> ServeHandler {
    ServeHandler::new(config())
        .with_clock(clock())
        .function(function)
}

fn serial(runs: Arc<AtomicUsize>) -> ServeHandler {
    handler(ServeFunction::new(
        FunctionConfig::new("serial").trigger(Trigger::event("test/run")),
        move |_input: Input, step: Step| {
            let runs = runs.clone();
            async move {
                let first: String = step
                    .run("first step", || async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        Ok("first step".to_owned())
                    })
                    .await?;
                step.sleep("sleep", Duration::from_secs(2)).await?;
                let second: String = step
                    .run("second step", || async { Ok("second step".to_owned()) })
                    .await?;
                Ok(json!({ "first": first, "second": second }))
            }
        },
    ))
}

#[tokio::test]
async fn serial_steps_with_sleep_follow_the_conformance_sequence() {
    let runs = Arc::new(AtomicUsize::new(0));
    let h = serial(runs.clone());

    // 1. Empty state: the first step runs immediately.
    let r = post(&h, "app-serial", "step", &call_body(json!({}), &[], 0)).await;
    assert_protocol_headers(&r, false);
    assert_signed_with(&r, KEY);
    let op = single_op(&r);
    assert_eq!(op["op"], "StepRun");
    assert_eq!(op["id"], FIRST);
    assert_eq!(op["data"], "first step");
    assert_eq!(op["name"], "first step");
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // 2. First step memoized: the sleep is reported, the first step is not re-run.
    let r = post(
        &h,
        "app-serial",
        "step",
        &call_body(json!({ FIRST: {"data": "first step"} }), &[FIRST], 0),
    )
    .await;
    let op = single_op(&r);
    assert_eq!(op["op"], "Sleep");
    assert_eq!(op["id"], SLEEP);
    assert_eq!(op["name"], "2s");
    assert_eq!(op["opts"]["duration"], "2s");
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // 3. Sleep done (null memo): the second step runs.
    let steps = json!({ FIRST: {"data": "first step"}, SLEEP: null });
    let r = post(
        &h,
        "app-serial",
        "step",
        &call_body(steps, &[FIRST, SLEEP], 0),
    )
    .await;
    let op = single_op(&r);
    assert_eq!(op["op"], "StepRun");
    assert_eq!(op["id"], SECOND);
    assert_eq!(op["data"], "second step");

    // 4. Everything memoized: 200 with the return value.
    let steps =
        json!({ FIRST: {"data": "first step"}, SLEEP: null, SECOND: {"data": "second step"} });
    let r = post(
        &h,
        "app-serial",
        "step",
        &call_body(steps, &[FIRST, SLEEP, SECOND], 0),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_protocol_headers(&r, false);
    assert_signed_with(&r, KEY);
    assert_eq!(
        r.json_body(),
        json!({"first": "first step", "second": "second step"})
    );
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "memoized steps never run again"
    );
}

#[tokio::test]
async fn disabled_immediate_execution_plans_then_a_targeted_call_runs_the_step() {
    let runs = Arc::new(AtomicUsize::new(0));
    let h = serial(runs.clone());
    let body = call_body_with(event(), json!({}), &[], 0, true);
    let r = post(&h, "app-serial", "step", &body).await;
    let op = single_op(&r);
    assert_eq!(op["op"], "StepPlanned");
    assert_eq!(op["id"], FIRST);
    assert!(op.get("data").is_none());
    assert_eq!(
        runs.load(Ordering::SeqCst),
        0,
        "a planned step does not run"
    );

    let r = post(&h, "app-serial", FIRST, &body).await;
    let op = single_op(&r);
    assert_eq!(op["op"], "StepRun");
    assert_eq!(op["id"], FIRST);
    assert_eq!(op["data"], "first step");
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // Targeting a step that is not the next one: nothing runs, 500 StepNotFound.
    let r = post(&h, "app-serial", SECOND, &body).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json_body()["name"], "StepNotFound");
    assert_eq!(r.json_body()["requestedStep"], SECOND);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

fn retrying() -> ServeHandler {
    handler(ServeFunction::new(
        FunctionConfig::new("retry").trigger(Trigger::event("test/run")),
        |input: Input, step: Step| async move {
            let attempt = input.attempt;
            let value: String = step
                .run("flaky", || async move {
                    if attempt == 0 {
                        Err(FnError::new("step broke"))
                    } else {
                        Ok("fixed".to_owned())
                    }
                })
                .await?;
            if attempt == 0 {
                return Err(FnError::new("broken func"));
            }
            Ok(json!({ "step": value }))
        },
    ))
}

#[tokio::test]
async fn step_error_then_success_then_function_error_then_success() {
    let h = retrying();
    let flaky = step_hash("flaky");

    let r = post(&h, "app-retry", "step", &call_body(json!({}), &[], 0)).await;
    assert_protocol_headers(&r, false);
    let op = single_op(&r);
    assert_eq!(op["op"], "StepError");
    assert_eq!(op["id"], flaky.as_str());
    assert_eq!(op["error"]["name"], "Error");
    assert_eq!(op["error"]["message"], "step broke");
    assert!(r.header("retry-after").is_none());

    let r = post(&h, "app-retry", "step", &call_body(json!({}), &[], 1)).await;
    let op = single_op(&r);
    assert_eq!(op["op"], "StepRun");
    assert_eq!(op["data"], "fixed");

    let steps = json!({ flaky.clone(): {"data": "fixed"} });
    let r = post(
        &h,
        "app-retry",
        "step",
        &call_body(steps.clone(), &[&flaky], 0),
    )
    .await;
    assert_eq!(r.status, 500);
    assert_protocol_headers(&r, false);
    assert_eq!(r.json_body()["message"], "broken func");
    assert_eq!(r.json_body()["name"], "Error");

    let r = post(&h, "app-retry", "step", &call_body(steps, &[&flaky], 1)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json_body(), json!({"step": "fixed"}));
}

fn failing_step(error: FnError, retries: u32) -> ServeHandler {
    handler(ServeFunction::new(
        FunctionConfig::new("fails").retries(retries),
        move |_input: Input, step: Step| {
            let error = error.clone();
            async move {
                let outcome = step
                    .run("s", || async move { Err::<Value, _>(error) })
                    .await;
                match outcome {
                    Ok(v) => Ok(v),
                    Err(StepError::Failed(e)) => Ok(json!({ "caught": e.message })),
                    Err(other) => Err(other.into()),
                }
            }
        },
    ))
}

#[tokio::test]
async fn step_failures_on_the_last_attempt_or_non_retriable_are_step_failed() {
    // retries(1): attempts 0 and 1; attempt 1 is the last.
    let h = failing_step(FnError::new("nope"), 1);
    let r = post(&h, "app-fails", "step", &call_body(json!({}), &[], 0)).await;
    assert_eq!(single_op(&r)["op"], "StepError");
    assert_protocol_headers(&r, false);
    let r = post(&h, "app-fails", "step", &call_body(json!({}), &[], 1)).await;
    let op = single_op(&r);
    assert_eq!(op["op"], "StepFailed");
    assert_eq!(op["error"]["message"], "nope");
    assert_protocol_headers(&r, true);

    // ctx.max_attempts, when sent, wins over the config.
    let mut body = call_body(json!({}), &[], 1);
    body["ctx"]["max_attempts"] = json!(5);
    let r = post(&h, "app-fails", "step", &body).await;
    assert_eq!(single_op(&r)["op"], "StepError");

    let h = failing_step(FnError::non_retriable("bad input"), 5);
    let r = post(&h, "app-fails", "step", &call_body(json!({}), &[], 0)).await;
    let op = single_op(&r);
    assert_eq!(op["op"], "StepFailed");
    assert_eq!(op["error"]["name"], "NonRetriableError");
    assert_protocol_headers(&r, true);

    // Once memoized as an error, the function may catch it.
    let s = step_hash("s");
    let steps =
        json!({ s.clone(): {"error": {"name": "NonRetriableError", "message": "bad input"}} });
    let r = post(&h, "app-fails", "step", &call_body(steps, &[&s], 0)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json_body(), json!({"caught": "bad input"}));
}

#[tokio::test]
async fn retry_after_is_sent_for_steps_and_functions() {
    let h = failing_step(
        FnError::retry_after("slow down", RetryAfter::Seconds(30)),
        3,
    );
    let r = post(&h, "app-fails", "step", &call_body(json!({}), &[], 0)).await;
    assert_eq!(single_op(&r)["op"], "StepError");
    assert_eq!(r.header("retry-after"), Some("30"));
    assert_protocol_headers(&r, false);

    let h = handler(ServeFunction::new(
        FunctionConfig::new("later"),
        |_input: Input, _step: Step| async move {
            Err(FnError::retry_after(
                "later",
                RetryAfter::At("2030-01-01T00:00:00Z".into()),
            ))
        },
    ));
    let r = post(&h, "app-later", "step", &call_body(json!({}), &[], 0)).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.header("retry-after"), Some("2030-01-01T00:00:00Z"));
    assert_eq!(r.json_body()["name"], "RetryAfterError");
    assert_protocol_headers(&r, false);
}

#[tokio::test]
async fn uncaught_step_error_and_non_retriable_function_errors_are_400() {
    let h = handler(ServeFunction::new(
        FunctionConfig::new("strict"),
        |_input: Input, step: Step| async move {
            let v: Value = step.run("s", || async { Ok(json!(1)) }).await?;
            Ok(v)
        },
    ));
    let s = step_hash("s");
    let steps =
        json!({ s.clone(): {"error": {"name": "Error", "message": "gone", "stack": "at s"}} });
    let r = post(&h, "app-strict", "step", &call_body(steps, &[&s], 0)).await;
    assert_eq!(r.status, 400);
    assert_protocol_headers(&r, true);
    assert_eq!(
        r.json_body(),
        json!({"name": "Error", "message": "gone", "stack": "at s"})
    );

    let h = handler(ServeFunction::new(
        FunctionConfig::new("refuse"),
        |_input: Input, _step: Step| async move { Err(FnError::non_retriable("never")) },
    ));
    let r = post(&h, "app-refuse", "step", &call_body(json!({}), &[], 0)).await;
    assert_eq!(r.status, 400);
    assert_protocol_headers(&r, true);
    assert_eq!(r.json_body()["message"], "never");
}

fn waiting() -> ServeHandler {
    handler(ServeFunction::new(
        FunctionConfig::new("wait"),
        |_input: Input, step: Step| async move {
            let approval = step
                .wait_for_event(
                    "wait",
                    WaitOpts {
                        event: "test/approved".into(),
                        timeout: Duration::from_secs(3600),
                        if_expr: Some("event.data.ticket_id == async.data.ticket_id".into()),
                    },
                )
                .await?;
            Ok(match approval {
                Some(event) => json!({ "approved_by": event.data["user"], "name": event.name }),
                None => json!({ "timed_out": true }),
            })
        },
    ))
}

#[tokio::test]
async fn wait_for_event_reports_then_resumes_with_the_event_or_none() {
    let h = waiting();
    let r = post(&h, "app-wait", "step", &call_body(json!({}), &[], 0)).await;
    let op = single_op(&r);
    assert_eq!(op["op"], "WaitForEvent");
    assert_eq!(op["id"], WAIT);
    assert_eq!(
        op["opts"],
        json!({"event": "test/approved", "timeout": "1h", "if": "event.data.ticket_id == async.data.ticket_id"})
    );

    let matched = json!({"name": "test/approved", "data": {"ticket_id": "t_1", "user": "ana"}, "id": "e1", "ts": 1, "v": "1", "user": {}});
    let r = post(
        &h,
        "app-wait",
        "step",
        &call_body(json!({ WAIT: matched }), &[WAIT], 0),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json_body(),
        json!({"approved_by": "ana", "name": "test/approved"})
    );

    let r = post(
        &h,
        "app-wait",
        "step",
        &call_body(json!({ WAIT: null }), &[WAIT], 0),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json_body(), json!({"timed_out": true}));
}

fn invoking() -> ServeHandler {
    handler(ServeFunction::new(
        FunctionConfig::new("parent"),
        |_input: Input, step: Step| async move {
            let result = step
                .invoke(
                    "child",
                    "app-child",
                    json!({"x": 1}),
                    Some(Duration::from_secs(60)),
                )
                .await;
            match result {
                Ok(value) => Ok(json!({ "child": value })),
                Err(StepError::Failed(error)) => {
                    Ok(json!({ "child_failed": error.name, "message": error.message }))
                }
                Err(other) => Err(other.into()),
            }
        },
    ))
}

#[tokio::test]
async fn invoke_reports_then_resumes_with_data_or_error() {
    let h = invoking();
    let child = step_hash("child");
    let r = post(&h, "app-parent", "step", &call_body(json!({}), &[], 0)).await;
    let op = single_op(&r);
    assert_eq!(op["op"], "InvokeFunction");
    assert_eq!(op["id"], child.as_str());
    assert_eq!(
        op["opts"],
        json!({"function_id": "app-child", "payload": {"data": {"x": 1}}, "timeout": "1m"})
    );

    let steps = json!({ child.clone(): {"data": {"y": 2}} });
    let r = post(&h, "app-parent", "step", &call_body(steps, &[&child], 0)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json_body(), json!({"child": {"y": 2}}));

    let steps = json!({ child.clone(): {"error": {"name": "InngestInvokeTimeoutError", "message": "Timed out waiting for invoked function to complete"}} });
    let r = post(&h, "app-parent", "step", &call_body(steps, &[&child], 0)).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json_body(),
        json!({"child_failed": "InngestInvokeTimeoutError", "message": "Timed out waiting for invoked function to complete"})
    );
}

#[tokio::test]
async fn sleep_until_reports_the_date() {
    let h = handler(ServeFunction::new(
        FunctionConfig::new("until"),
        |_input: Input, step: Step| async move {
            step.sleep_until("nap", "2030-01-01T09:00:00Z").await?;
            step.sleep_until("bad", "next tuesday").await?;
            Ok(Value::Null)
        },
    ));
    let r = post(&h, "app-until", "step", &call_body(json!({}), &[], 0)).await;
    let op = single_op(&r);
    assert_eq!(op["op"], "Sleep");
    assert_eq!(op["opts"]["duration"], "2030-01-01T09:00:00Z");
    // A bad date is a (retriable) function error, not a panic.
    let nap = step_hash("nap");
    let r = post(
        &h,
        "app-until",
        "step",
        &call_body(json!({ nap.clone(): null }), &[&nap], 0),
    )
    .await;
    assert_eq!(r.status, 500);
    assert!(r.json_body()["message"]
        .as_str()
        .unwrap()
        .contains("next tuesday"));
}

#[derive(Clone, Default)]
struct RecordingSender(Arc<Mutex<Vec<Value>>>);

#[async_trait::async_trait]
impl EventSender for RecordingSender {
    async fn send(&self, events: &[Value]) -> Result<Vec<String>, SendError> {
        let mut sent = self.0.lock().unwrap();
        sent.extend(events.iter().cloned());
        Ok((0..events.len()).map(|i| format!("id-{i}")).collect())
    }
}

fn sending() -> ServeFunction {
    ServeFunction::new(
        FunctionConfig::new("send"),
        |_input: Input, step: Step| async move {
            let ids = step
                .send_event(
                    "notify",
                    vec![
                        json!({"name": "test/a", "data": {}}),
                        json!({"name": "test/b", "data": {}}),
                    ],
                )
                .await?;
            Ok(json!({ "ids": ids }))
        },
    )
}

#[tokio::test]
async fn send_event_is_a_run_step_through_the_configured_sender() {
    let sender = RecordingSender::default();
    let h = ServeHandler::new(config())
        .with_clock(clock())
        .with_event_sender(sender.clone())
        .function(sending());
    let r = post(&h, "app-send", "step", &call_body(json!({}), &[], 0)).await;
    let op = single_op(&r);
    assert_eq!(op["op"], "StepRun");
    assert_eq!(op["id"], step_hash("notify").as_str());
    assert_eq!(op["opts"]["type"], "step.sendEvent");
    assert_eq!(op["data"], json!(["id-0", "id-1"]));
    assert_eq!(sender.0.lock().unwrap().len(), 2);

    let notify = step_hash("notify");
    let steps = json!({ notify.clone(): {"data": ["id-0", "id-1"]} });
    let r = post(&h, "app-send", "step", &call_body(steps, &[&notify], 0)).await;
    assert_eq!(r.json_body(), json!({"ids": ["id-0", "id-1"]}));
    assert_eq!(sender.0.lock().unwrap().len(), 2, "not sent twice");

    // Without a sender the step fails for good.
    let h = handler(sending());
    let r = post(&h, "app-send", "step", &call_body(json!({}), &[], 0)).await;
    let op = single_op(&r);
    assert_eq!(op["op"], "StepFailed");
    assert_protocol_headers(&r, true);
}

#[tokio::test]
async fn a_swallowed_interrupt_still_reports_the_step() {
    let h = handler(ServeFunction::new(
        FunctionConfig::new("swallow"),
        |_input: Input, step: Step| async move {
            let _ = step.sleep("nap", Duration::from_secs(5)).await;
            let again = step.run("after", || async { Ok(1) }).await;
            assert!(matches!(again, Err(StepError::Interrupted)));
            Ok(json!("should not be returned"))
        },
    ));
    let r = post(&h, "app-swallow", "step", &call_body(json!({}), &[], 0)).await;
    let op = single_op(&r);
    assert_eq!(op["op"], "Sleep");
    assert_eq!(op["opts"]["duration"], "5s");
}

#[tokio::test]
async fn pending_input_memos_are_not_results_and_wrong_types_are_errors() {
    let runs = Arc::new(AtomicUsize::new(0));
    let h = serial(runs.clone());
    let steps = json!({ FIRST: {"input": []} });
    let r = post(&h, "app-serial", "step", &call_body(steps, &[], 0)).await;
    assert_eq!(single_op(&r)["op"], "StepRun");
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // A memo that does not fit the step's type: retriable function error, no panic.
    let steps = json!({ FIRST: {"data": {"not": "a string"}} });
    let r = post(&h, "app-serial", "step", &call_body(steps, &[FIRST], 0)).await;
    assert_eq!(r.status, 500);
    assert_protocol_headers(&r, false);
}

#[tokio::test]
async fn unknown_function_is_a_500_json_error() {
    let h = retrying();
    let r = post(&h, "app-nope", "step", &call_body(json!({}), &[], 0)).await;
    assert_eq!(r.status, 500);
    assert_protocol_headers(&r, false);
    assert_eq!(r.json_body()["name"], "FunctionNotFound");
    assert!(r.json_body()["message"]
        .as_str()
        .unwrap()
        .contains("app-nope"));
}

#[tokio::test]
async fn a_4_mb_steps_state_is_handled() {
    let big = "x".repeat(4 * 1024 * 1024);
    let h = handler(ServeFunction::new(
        FunctionConfig::new("big"),
        |_input: Input, step: Step| async move {
            let blob: String = step.run("blob", || async { Ok(String::new()) }).await?;
            let mut total = blob.len();
            for _ in 0..200 {
                let n: usize = step.run("small", || async { Ok(0usize) }).await?;
                total += n;
            }
            Ok(json!({ "total": total }))
        },
    ));
    let blob = step_hash("blob");
    let mut steps = serde_json::Map::new();
    let mut stack = vec![blob.clone()];
    steps.insert(blob.clone(), json!({ "data": big }));
    for i in 0..200u32 {
        let id = support_inngest::serve::occurrence_id("small", i);
        let hash = step_hash(&id);
        steps.insert(hash.clone(), json!({ "data": 1 }));
        stack.push(hash);
    }
    let stack: Vec<&str> = stack.iter().map(String::as_str).collect();
    let body = call_body(Value::Object(steps), &stack, 0);
    assert!(serde_json::to_vec(&body).unwrap().len() > 4 * 1024 * 1024);
    let r = post(&h, "app-big", "step", &body).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json_body(), json!({ "total": 4 * 1024 * 1024 + 200 }));
    assert_signed_with(&r, KEY);
}

#[test]
fn the_handler_future_is_send_natively() {
    fn assert_send<T: Send>(_: &T) {}
    let h = retrying();
    let fut = h.handle("GET", "https://example.test/api/inngest", [], b"");
    assert_send(&fut);
}
