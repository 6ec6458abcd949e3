//! Checkpointing, as inngest-js v4 speaks it: consecutive `step.run`s run in one call
//! request, each reported to `POST /v1/checkpoint/{run}/async`, the run ending with
//! `206 [RunComplete]`; and every fallback: a retried call, a sleep, a failing step, a
//! report Inngest refuses (the step is then answered, not lost), a stale call (409),
//! the max runtime. A scripted transport stands in for Inngest's API.

#[path = "serve_util.rs"]
mod util;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use support_http::{HttpRequest, HttpResponse, Transport, TransportError};
use support_inngest::serve::{
    step_hash, BoxFuture, Checkpointing, FnError, FunctionConfig, Input, Pause, ServeFunction,
    ServeHandler, Step, RUN_COMPLETE_ID,
};
use support_signing::Clock;
use util::*;

const API: &str = "https://api.example.test";

/// Inngest's API: answers each checkpoint with the next scripted status (200 when the
/// script is empty) and records what was sent.
#[derive(Clone, Default)]
struct Api {
    sent: Arc<Mutex<Vec<HttpRequest>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
}

impl Api {
    fn answering(statuses: &[u16]) -> Self {
        let api = Self::default();
        api.script.lock().unwrap().extend(statuses);
        api
    }

    fn reports(&self) -> Vec<Value> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect()
    }
}

#[async_trait::async_trait]
impl Transport for Api {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.lock().unwrap().push(request);
        let status = self.script.lock().unwrap().pop_front().unwrap_or(200);
        Ok(HttpResponse {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        })
    }
}

/// A clock the steps move forward (for the max runtime).
#[derive(Clone)]
struct Moving(Arc<AtomicI64>);

impl Moving {
    fn new() -> Self {
        Self(Arc::new(AtomicI64::new(NOW * 1000)))
    }
    fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for Moving {
    fn now_unix_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Counts the pauses between report attempts.
#[derive(Clone, Default)]
struct Pauses(Arc<Mutex<Vec<Duration>>>);

impl Pause for Pauses {
    fn pause(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.0.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

/// Three steps; the second advances the clock by `step_ms`; the third fails when
/// `fail_third`, or sleeps first when `sleep_before_third`.
fn three_steps(
    runs: Arc<AtomicUsize>,
    clock: Moving,
    step_ms: i64,
    fail_third: bool,
    sleep_before_third: bool,
) -> ServeFunction {
    ServeFunction::new(
        FunctionConfig::new("three"),
        move |_input: Input, step: Step| {
            let runs = Arc::clone(&runs);
            let clock = clock.clone();
            async move {
                let a: u32 = step
                    .run("a", || async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        Ok(1)
                    })
                    .await?;
                let b: u32 = step
                    .run("b", || async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        clock.advance(step_ms);
                        Ok(a + 1)
                    })
                    .await?;
                if sleep_before_third {
                    step.sleep("nap", Duration::from_secs(60)).await?;
                }
                let c: u32 = step
                    .run("c", || async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        if fail_third {
                            Err(FnError::new("the third step failed"))
                        } else {
                            Ok(b + 1)
                        }
                    })
                    .await?;
                Ok(json!({ "sum": a + b + c }))
            }
        },
    )
}

fn handler(api: &Api, clock: &Moving, function: ServeFunction) -> ServeHandler {
    ServeHandler::new(
        config()
            .with_fallback_key(FALLBACK)
            .with_api_origin(API)
            .with_checkpointing(Checkpointing {
                max_runtime: Duration::from_secs(10),
                buffered_steps: 1,
            }),
    )
    .with_clock(clock.clone())
    .with_transport(api.clone())
    .function(function)
}

/// A discovery call as Inngest sends it, with its queue item and request headers.
async fn call(
    handler: &ServeHandler,
    steps: Value,
    attempt: u32,
) -> support_inngest::serve::ServeResponse {
    let mut body = call_body(steps, &[], attempt);
    body["ctx"]["qi_id"] = json!("qi-1");
    let raw = serde_json::to_vec(&body).unwrap();
    let signature = support_signing::inngest::sign(KEY, NOW, &raw);
    handler
        .handle(
            "POST",
            "https://example.test/api/inngest?fnId=app-three&stepId=step",
            [
                ("X-Inngest-Signature", signature.as_str()),
                ("X-Request-Id", "req-7"),
                ("X-Inngest-Generation-Id", "3"),
            ],
            &raw,
        )
        .await
}

fn bearer_of(request: &HttpRequest) -> Option<&str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.as_str())
}

fn ops(response: &support_inngest::serve::ServeResponse) -> Vec<Value> {
    assert_eq!(
        response.status,
        206,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json_body().as_array().unwrap().clone()
}

#[tokio::test]
async fn consecutive_steps_run_in_one_call_each_reported_then_run_complete() {
    let (api, clock, runs) = (Api::default(), Moving::new(), Arc::new(AtomicUsize::new(0)));
    let h = handler(
        &api,
        &clock,
        three_steps(runs.clone(), clock.clone(), 5, false, false),
    );
    let r = call(&h, json!({}), 0).await;
    assert_eq!(
        ops(&r),
        vec![json!({"op": "RunComplete", "id": RUN_COMPLETE_ID, "data": {"sum": 6}})]
    );
    assert_eq!(RUN_COMPLETE_ID, step_hash("complete"));
    assert_eq!(runs.load(Ordering::SeqCst), 3, "each step ran once");
    assert_signed_with(&r, KEY);
    let sent = api.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 3, "one report per step");
    for request in &sent {
        assert_eq!(request.method, "POST");
        assert_eq!(request.url, format!("{API}/v1/checkpoint/01HRUN/async"));
        let bearer = bearer_of(request).unwrap();
        assert_eq!(
            bearer,
            format!(
                "Bearer {}",
                support_signing::inngest::hashed_signing_key(KEY).unwrap()
            )
        );
    }
    let reports = api.reports();
    for (report, (name, data)) in reports.iter().zip([("a", 1), ("b", 2), ("c", 3)]) {
        assert_eq!(report["run_id"], "01HRUN");
        assert_eq!(report["fn_id"], "00000000-0000-0000-0000-000000000000");
        assert_eq!(report["qi_id"], "qi-1");
        assert_eq!(report["request_id"], "req-7");
        assert_eq!(report["generation_id"], 3);
        assert_eq!(report["request_started_at"], NOW * 1000);
        let steps = report["steps"].as_array().unwrap();
        assert_eq!(steps.len(), 1);
        let op = &steps[0];
        assert_eq!(op["op"], "StepRun");
        assert_eq!(op["id"], step_hash(name));
        assert_eq!(op["name"], name);
        assert_eq!(op["data"], data);
        assert!(op["timing"]["a"].as_i64().unwrap() >= NOW * 1000 * 1_000_000);
    }
    // The second step took 5 ms by the clock: its timing says so, in nanoseconds.
    assert_eq!(reports[1]["steps"][0]["timing"]["b"], 5_000_000);
}

#[tokio::test]
async fn a_retried_call_answers_its_one_step_as_without_checkpointing() {
    let (api, clock, runs) = (Api::default(), Moving::new(), Arc::new(AtomicUsize::new(0)));
    let h = handler(
        &api,
        &clock,
        three_steps(runs.clone(), clock.clone(), 0, false, false),
    );
    let r = call(&h, json!({}), 1).await;
    let ops = ops(&r);
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0]["op"], "StepRun");
    assert_eq!(ops[0]["id"], step_hash("a"));
    assert!(api.sent.lock().unwrap().is_empty(), "nothing reported");
}

#[tokio::test]
async fn off_for_the_app_or_the_function_or_without_a_queue_item() {
    let (api, clock, runs) = (Api::default(), Moving::new(), Arc::new(AtomicUsize::new(0)));
    // Off for the app.
    let plain = ServeHandler::new(config().with_api_origin(API))
        .with_clock(clock.clone())
        .with_transport(api.clone())
        .function(three_steps(runs.clone(), clock.clone(), 0, false, false));
    assert_eq!(ops(&call(&plain, json!({}), 0).await)[0]["op"], "StepRun");
    // Refused by the function.
    let refused = handler(
        &api,
        &clock,
        three_steps(runs.clone(), clock.clone(), 0, false, false).checkpointing(false),
    );
    assert_eq!(ops(&call(&refused, json!({}), 0).await)[0]["op"], "StepRun");
    // No queue item in the call: nothing to report against.
    let on = handler(
        &api,
        &clock,
        three_steps(runs.clone(), clock.clone(), 0, false, false),
    );
    let r = post(&on, "app-three", "step", &call_body(json!({}), &[], 0)).await;
    assert_eq!(single_op(&r)["op"], "StepRun");
    assert!(api.sent.lock().unwrap().is_empty(), "nothing reported");
}

#[tokio::test]
async fn a_sleep_hands_off_after_the_steps_before_it_are_reported() {
    let (api, clock, runs) = (Api::default(), Moving::new(), Arc::new(AtomicUsize::new(0)));
    let h = handler(
        &api,
        &clock,
        three_steps(runs.clone(), clock.clone(), 0, false, true),
    );
    let r = call(&h, json!({}), 0).await;
    let ops = ops(&r);
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0]["op"], "Sleep");
    assert_eq!(ops[0]["id"], step_hash("nap"));
    assert_eq!(api.reports().len(), 2, "a and b reported before the sleep");
    // Inngest calls again after the sleep with a, b and the sleep memoized.
    let steps =
        json!({step_hash("a"): {"data": 1}, step_hash("b"): {"data": 2}, step_hash("nap"): null});
    let r = call(&h, steps, 0).await;
    assert_eq!(self::ops(&r).last().unwrap()["op"], "RunComplete");
    assert_eq!(runs.load(Ordering::SeqCst), 3, "no step ran twice");
}

#[tokio::test]
async fn a_failing_step_is_answered_as_a_step_error_for_inngest_to_retry() {
    let (api, clock, runs) = (Api::default(), Moving::new(), Arc::new(AtomicUsize::new(0)));
    let h = handler(
        &api,
        &clock,
        three_steps(runs.clone(), clock.clone(), 0, true, false),
    );
    let r = call(&h, json!({}), 0).await;
    let ops = ops(&r);
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0]["op"], "StepError");
    assert_eq!(ops[0]["id"], step_hash("c"));
    assert_eq!(r.header("x-inngest-no-retry"), Some("false"));
    assert_eq!(api.reports().len(), 2, "the two good steps are stored");
    // Inngest's retry is attempt 1: no checkpointing, the step answered alone.
    let steps = json!({step_hash("a"): {"data": 1}, step_hash("b"): {"data": 2}});
    let retried = call(&h, steps, 1).await;
    assert_eq!(self::ops(&retried)[0]["op"], "StepError");
    assert_eq!(api.reports().len(), 2);
}

#[tokio::test]
async fn a_report_inngest_keeps_refusing_is_answered_not_lost() {
    // The first step is stored; the second is refused five times.
    let api = Api::answering(&[200, 500, 500, 502, 413, 400]);
    let (clock, runs, pauses) = (
        Moving::new(),
        Arc::new(AtomicUsize::new(0)),
        Pauses::default(),
    );
    let h = handler(
        &api,
        &clock,
        three_steps(runs.clone(), clock.clone(), 0, false, false),
    )
    .with_pause(pauses.clone());
    let r = call(&h, json!({}), 0).await;
    let ops = ops(&r);
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0]["op"], "StepRun");
    assert_eq!(ops[0]["id"], step_hash("b"));
    assert_eq!(ops[0]["data"], 2);
    assert_eq!(
        api.reports().len(),
        6,
        "one report, then five attempts at the next"
    );
    assert_eq!(
        *pauses.0.lock().unwrap(),
        [100, 200, 400, 800].map(Duration::from_millis),
        "a doubling pause between attempts"
    );
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "the third step waits for the next call"
    );
}

#[tokio::test]
async fn a_stale_call_stops_without_retry() {
    let api = Api::answering(&[409]);
    let (clock, runs) = (Moving::new(), Arc::new(AtomicUsize::new(0)));
    let h = handler(
        &api,
        &clock,
        three_steps(runs.clone(), clock.clone(), 0, false, false),
    );
    let r = call(&h, json!({}), 0).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.header("x-inngest-no-retry"), Some("true"));
    assert_eq!(r.json_body()["name"], "StaleDispatchError");
    assert_eq!(api.reports().len(), 1, "a 409 is not retried");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_fallback_key_is_tried_when_the_primary_is_refused() {
    let api = Api::answering(&[401, 200]);
    let (clock, runs) = (Moving::new(), Arc::new(AtomicUsize::new(0)));
    let h = handler(
        &api,
        &clock,
        three_steps(runs.clone(), clock.clone(), 0, false, false),
    );
    let r = call(&h, json!({}), 0).await;
    assert_eq!(ops(&r).last().unwrap()["op"], "RunComplete");
    let sent = api.sent.lock().unwrap().clone();
    let fallback = support_signing::inngest::hashed_signing_key(FALLBACK).unwrap();
    assert_eq!(
        bearer_of(&sent[1]),
        Some(format!("Bearer {fallback}").as_str())
    );
}

#[tokio::test]
async fn past_the_max_runtime_the_next_step_is_handed_back_planned() {
    let (api, clock, runs) = (Api::default(), Moving::new(), Arc::new(AtomicUsize::new(0)));
    // The second step takes 11 s, past the 10 s max runtime.
    let h = handler(
        &api,
        &clock,
        three_steps(runs.clone(), clock.clone(), 11_000, false, false),
    );
    let r = call(&h, json!({}), 0).await;
    let ops = ops(&r);
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0]["op"], "StepPlanned");
    assert_eq!(ops[0]["id"], step_hash("c"));
    assert_eq!(api.reports().len(), 2);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

/// The names of the steps in each report.
fn reported(api: &Api) -> Vec<Vec<String>> {
    api.reports()
        .iter()
        .map(|r| {
            r["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|op| op["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn buffered_steps_are_reported_together_and_the_rest_rides_in_the_answer() {
    let (api, clock, runs) = (Api::default(), Moving::new(), Arc::new(AtomicUsize::new(0)));
    let function = three_steps(runs.clone(), clock.clone(), 0, false, false).checkpoint_buffer(2);
    let h = handler(&api, &clock, function);
    let ops = ops(&call(&h, json!({}), 0).await);
    assert_eq!(reported(&api), [["a", "b"]], "one report for the first two");
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[0]["op"], "StepRun");
    assert_eq!(ops[0]["name"], "c");
    assert_eq!(ops[0]["data"], 3);
    assert!(ops[0]["timing"]["a"].is_i64());
    assert_eq!(ops[1]["op"], "RunComplete");
    assert_eq!(ops[1]["data"], json!({"sum": 6}));
}

#[tokio::test]
async fn a_buffer_is_reported_before_a_sleep_or_a_step_error_is_answered() {
    let (api, clock, runs) = (Api::default(), Moving::new(), Arc::new(AtomicUsize::new(0)));
    let sleeping = three_steps(runs.clone(), clock.clone(), 0, false, true).checkpoint_buffer(5);
    let ops = ops(&call(&handler(&api, &clock, sleeping), json!({}), 0).await);
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0]["op"], "Sleep");
    assert_eq!(reported(&api), [["a", "b"]]);

    let api = Api::default();
    let failing = three_steps(runs.clone(), clock.clone(), 0, true, false).checkpoint_buffer(5);
    let ops = self::ops(&call(&handler(&api, &clock, failing), json!({}), 0).await);
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0]["op"], "StepError");
    assert_eq!(reported(&api), [["a", "b"]]);
}

#[tokio::test]
async fn a_refused_buffer_is_answered_not_lost() {
    let api = Api::answering(&[500, 500, 500, 500, 500]);
    let (clock, runs) = (Moving::new(), Arc::new(AtomicUsize::new(0)));
    let function = three_steps(runs.clone(), clock.clone(), 0, false, true).checkpoint_buffer(5);
    let ops = ops(&call(&handler(&api, &clock, function), json!({}), 0).await);
    let names: Vec<&str> = ops.iter().map(|op| op["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "b"], "the buffered steps, not the sleep");
    assert!(ops.iter().all(|op| op["op"] == "StepRun"));
    assert_eq!(api.reports().len(), 5);
}
