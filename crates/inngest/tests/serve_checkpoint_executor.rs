//! Checkpointing end to end: this crate's serve handler, served over HTTP, driven by the
//! devkit's executor playing Inngest (signed calls, `/v1/checkpoint/{run}/async`), with
//! the fallbacks: a sleep hands off, a failing step is retried by the executor, reports
//! the executor refuses come back in the call's answer and are not lost. The executor's
//! own answers (401, 400, 409) are checked directly.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};
use support_http::ReqwestTransport;
use support_inngest::serve::{
    BoxFuture, Checkpointing, FnError, FunctionConfig, Input, Pause, ServeConfig, ServeFunction,
    ServeHandler, Step, Trigger,
};

const KEY: &str = "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff";

struct TokioPause;

impl Pause for TokioPause {
    fn pause(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Steps a and b, a one-second sleep, then c, which fails on its first try when
/// `flaky`. Counts how often each step's work ran.
fn function(ran: Arc<[AtomicUsize; 3]>, flaky: bool) -> ServeFunction {
    ServeFunction::new(
        FunctionConfig::new("steps")
            .trigger(Trigger::event("test/go"))
            .retries(2),
        move |_input: Input, step: Step| {
            let ran = Arc::clone(&ran);
            async move {
                let a: u32 = step
                    .run("a", || async {
                        ran[0].fetch_add(1, Ordering::SeqCst);
                        Ok(1)
                    })
                    .await?;
                let b: u32 = step
                    .run("b", || async {
                        ran[1].fetch_add(1, Ordering::SeqCst);
                        Ok(a + 1)
                    })
                    .await?;
                step.sleep("nap", Duration::from_secs(1)).await?;
                let c: u32 = step
                    .run("c", || async {
                        let n = ran[2].fetch_add(1, Ordering::SeqCst);
                        if flaky && n == 0 {
                            Err(FnError::new("c fails once"))
                        } else {
                            Ok(b + 1)
                        }
                    })
                    .await?;
                Ok(json!({"sum": a + b + c}))
            }
        },
    )
}

async fn serve(
    State(handler): State<Arc<ServeHandler>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let url = format!("http://app.test{uri}");
    let pairs: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let answer = handler
        .handle(
            method.as_str(),
            &url,
            pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            &body,
        )
        .await;
    let mut response = (
        axum::http::StatusCode::from_u16(answer.status).unwrap(),
        answer.body,
    )
        .into_response();
    for (name, value) in answer.headers {
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    response
}

struct Setup {
    devkit: support_devkit::Running,
    ran: Arc<[AtomicUsize; 3]>,
}

async fn setup(flaky: bool) -> Setup {
    let config = support_devkit::Config {
        executor: support_devkit::executor::ExecutorConfig {
            signing_key: Some(KEY.into()),
            time_scale: 0.05,
            ..Default::default()
        },
        ..Default::default()
    };
    let devkit = support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let serve_url = format!("http://{}/api/inngest", listener.local_addr().unwrap());
    let ran: Arc<[AtomicUsize; 3]> = Arc::new(Default::default());
    let handler = Arc::new(
        ServeHandler::new(
            ServeConfig::cloud("app", KEY)
                .with_api_origin(devkit.url())
                .with_serve_url(serve_url.clone())
                .with_checkpointing(Checkpointing::default()),
        )
        .with_transport(ReqwestTransport::new())
        .with_pause(TokioPause)
        .function(function(Arc::clone(&ran), flaky)),
    );
    let app = Router::new()
        .route("/api/inngest", any(serve))
        .with_state(Arc::clone(&handler));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    // Sync: the handler registers its functions with the executor.
    let synced = handler.handle("PUT", &serve_url, [], &[]).await;
    assert_eq!(
        synced.status,
        200,
        "{}",
        String::from_utf8_lossy(&synced.body)
    );
    Setup { devkit, ran }
}

async fn go(s: &Setup) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{}/e/key", s.devkit.url()))
        .json(&json!([{"name": "test/go", "data": {}}]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let runs: Vec<Value> = reqwest::get(format!("{}/_devkit/inngest/runs", s.devkit.url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(run) = runs.into_iter().find(|r| r["status"] != "running") {
            return run;
        }
        assert!(Instant::now() < deadline, "the run did not end");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn ran(s: &Setup) -> [usize; 3] {
    [0, 1, 2].map(|i| s.ran[i].load(Ordering::SeqCst))
}

#[tokio::test]
async fn a_run_takes_two_calls_instead_of_five() {
    let s = setup(false).await;
    let run = go(&s).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"], json!({"sum": 6}));
    assert_eq!(ran(&s), [1, 1, 1], "each step ran once");
    // Call 1 runs a and b and hands off at the sleep; call 2 runs c and completes.
    let calls = run["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0]["ops"][0]["op"], "Sleep");
    assert_eq!(calls[1]["ops"][0]["op"], "RunComplete");
    let checkpointed: Vec<&str> = run["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["name"].as_str().unwrap())
        .collect();
    assert_eq!(checkpointed, ["a", "b", "c"]);
    assert_eq!(
        run["steps"].as_object().unwrap().len(),
        4,
        "a, b, the sleep, c"
    );
}

#[tokio::test]
async fn a_failing_step_is_retried_by_the_executor() {
    let s = setup(true).await;
    let run = go(&s).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"], json!({"sum": 6}));
    assert_eq!(ran(&s), [1, 1, 2], "a and b once, c twice");
    let ops: Vec<&str> = run["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ops"][0]["op"].as_str().unwrap_or(""))
        .collect();
    // The retry is attempt 1: it answers its one step; the next call completes.
    assert_eq!(ops, ["Sleep", "StepError", "StepRun", "RunComplete"]);
}

#[tokio::test]
async fn reports_the_executor_refuses_come_back_in_the_answer() {
    let s = setup(false).await;
    // Every report fails until the SDK gives up on the first step (five tries).
    let r = reqwest::Client::new()
        .post(format!(
            "{}/_devkit/inngest/checkpoint-failures",
            s.devkit.url()
        ))
        .json(&json!({"status": 500, "times": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let run = go(&s).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"], json!({"sum": 6}));
    assert_eq!(ran(&s), [1, 1, 1], "no step lost, none run twice");
    let calls = run["calls"].as_array().unwrap();
    assert_eq!(
        calls[0]["ops"][0]["op"], "StepRun",
        "a came back in the answer"
    );
    assert_eq!(calls[0]["ops"][0]["name"], "a");
    assert_eq!(calls.last().unwrap()["ops"][0]["op"], "RunComplete");
}

#[tokio::test]
async fn the_executor_refuses_unauthenticated_async_and_stale_reports() {
    let s = setup(false).await;
    let run = go(&s).await;
    let run_id = run["run_id"].as_str().unwrap();
    let url = format!("{}/v1/checkpoint/{run_id}/async", s.devkit.url());
    let bearer = support_signing::inngest::hashed_signing_key(KEY).unwrap();
    let op = |kind: &str| json!({"id": "0000000000000000000000000000000000000000", "op": kind, "name": "x", "data": 1});
    let report = |steps: Value, qi: &str| json!({"run_id": run_id, "fn_id": "app-steps", "qi_id": qi, "steps": steps, "ts": 1});
    let client = reqwest::Client::new();
    let unauthenticated = client
        .post(&url)
        .json(&report(json!([op("StepRun")]), "q"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
    // Async ops are never checkpointed.
    let sleep = client
        .post(&url)
        .bearer_auth(&bearer)
        .json(&report(json!([op("Sleep")]), "q"))
        .send()
        .await
        .unwrap();
    assert_eq!(sleep.status(), 400);
    let body: Value = sleep.json().await.unwrap();
    assert_eq!(body["error"], "cannot checkpoint async steps");
    assert_eq!(body["data"]["run_id"], run_id);
    // The run has ended: nothing can be added to it.
    let ended = client
        .post(&url)
        .bearer_auth(&bearer)
        .json(&report(json!([op("StepRun")]), "q"))
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 400);
    // A report naming a call that is not the run's current one is stale. The executor's
    // call latency holds the next run's first call in flight long enough to try.
    let latency = format!("{}/_devkit/inngest/latency", s.devkit.url());
    let set = client
        .post(&latency)
        .json(&json!({"call_ms": 2000}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.json::<Value>().await.unwrap()["call_ms"], 2000);
    let r = client
        .post(format!("{}/e/key", s.devkit.url()))
        .json(&json!([{"name": "test/go", "data": {}}]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    let running = loop {
        let runs: Vec<Value> = reqwest::get(format!("{}/_devkit/inngest/runs", s.devkit.url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(r) = runs.into_iter().find(|r| r["status"] == "running") {
            break r;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let running_id = running["run_id"].as_str().unwrap();
    let url = format!("{}/v1/checkpoint/{running_id}/async", s.devkit.url());
    let stale = json!({"run_id": running_id, "fn_id": "app-steps", "qi_id": "not-the-current-call", "steps": [op("StepRun")], "ts": 1});
    let refused = client
        .post(&url)
        .bearer_auth(&bearer)
        .json(&stale)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
    client.post(&latency).json(&json!({})).send().await.unwrap();
}

#[tokio::test]
async fn without_the_offer_the_run_goes_step_by_step() {
    let s = setup(false).await;
    let r = reqwest::Client::new()
        .post(format!("{}/_devkit/inngest/checkpointing", s.devkit.url()))
        .json(&json!({"offered": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let run = go(&s).await;
    assert_eq!(run["output"], json!({"sum": 6}));
    let ops: Vec<&str> = run["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ops"][0]["op"].as_str().unwrap_or("(return)"))
        .collect();
    assert_eq!(ops, ["StepRun", "StepRun", "Sleep", "StepRun", "(return)"]);
    assert!(run["checkpoints"].as_array().unwrap().is_empty());
}
