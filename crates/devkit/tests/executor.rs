//! The local executor drives a function over the serve protocol. The "SDK" here is a
//! hand-written endpoint that answers from the memoized steps, so these tests check the
//! executor's side alone (the Rust serve crate is tested against it elsewhere).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};

const KEY: &str = "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff";

fn h(id: &str) -> String {
    hex::encode(Sha1::digest(id.as_bytes()))
}

type Script = Arc<dyn Fn(&Value) -> (u16, Vec<(&'static str, String)>, Value) + Send + Sync>;

#[derive(Clone)]
struct App {
    script: Script,
    requests: Arc<Mutex<Vec<Value>>>,
}

async fn serve_fn(
    State(app): State<App>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let sig = headers
        .get("x-inngest-signature")
        .and_then(|v| v.to_str().ok());
    if support_signing::inngest::verify(sig, &body, &[KEY], &support_signing::SystemClock).is_err()
    {
        return (StatusCode::UNAUTHORIZED, "bad signature").into_response();
    }
    let mut request: Value = serde_json::from_slice(&body).unwrap();
    request["query"] = json!(q);
    app.requests.lock().unwrap().push(request.clone());
    let (status, extra, body) = (app.script)(&request);
    let mut response = (StatusCode::from_u16(status).unwrap(), Json(body)).into_response();
    let h = response.headers_mut();
    if !extra.iter().any(|(n, _)| *n == "x-omit-sdk-header") {
        h.insert("x-inngest-sdk", "test-sdk:v0.1.0".parse().unwrap());
    }
    h.insert("x-inngest-req-version", "2".parse().unwrap());
    if !extra.iter().any(|(n, _)| *n == "x-inngest-no-retry") {
        h.insert("x-inngest-no-retry", "false".parse().unwrap());
    }
    for (name, value) in extra {
        h.insert(name, value.parse().unwrap());
    }
    response
}

struct Setup {
    devkit: support_devkit::Running,
    requests: Arc<Mutex<Vec<Value>>>,
}

async fn setup(functions: Value, script: Script) -> Setup {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let app = App {
        script,
        requests: requests.clone(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let serve_url = format!("http://{}/api/inngest", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            Router::new()
                .route("/api/inngest", post(serve_fn))
                .with_state(app),
        )
        .await
        .unwrap()
    });

    let config = support_devkit::Config {
        executor: support_devkit::executor::ExecutorConfig {
            signing_key: Some(KEY.into()),
            time_scale: 0.01,
            ..Default::default()
        },
        ..Default::default()
    };
    let devkit = support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
        .await
        .unwrap();
    let functions: Vec<Value> = functions
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut f = f.clone();
            f["steps"] = json!({"step": {"id": "step", "name": "step", "retries": {"attempts": f["retries"].as_u64().unwrap_or(2)},
                                 "runtime": {"type": "http", "url": format!("{serve_url}?fnId={}&stepId=step", f["id"].as_str().unwrap())}}});
            f
        })
        .collect();
    let body = json!({"url": serve_url, "deployType": "ping", "appName": "app", "sdk": "test:v0.1.0", "v": "0.1", "functions": functions});
    let hashed = support_signing::inngest::hashed_signing_key(KEY).unwrap();
    let r = reqwest::Client::new()
        .post(format!("{}/fn/register", devkit.url()))
        .bearer_auth(hashed)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    Setup { devkit, requests }
}

async fn send(s: &Setup, event: Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/e/key", s.devkit.url()))
        .json(&json!([event]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn runs(s: &Setup) -> Vec<Value> {
    reqwest::get(format!("{}/_devkit/inngest/runs", s.devkit.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn wait_done(s: &Setup, function: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(run) = runs(s)
            .await
            .into_iter()
            .find(|r| r["function_id"] == function && r["status"] != "running")
        {
            return run;
        }
        assert!(
            Instant::now() < deadline,
            "run of {function} did not finish: {:?}",
            runs(s).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn memo<'a>(request: &'a Value, id: &str) -> Option<&'a Value> {
    request["steps"].get(h(id))
}

fn op(kind: &str, id: &str, extra: Value) -> Value {
    let mut op = json!({"op": kind, "id": h(id), "name": id, "displayName": id});
    op.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    op
}

#[tokio::test]
async fn serial_steps_with_a_sleep_follow_the_conformance_sequence() {
    assert_eq!(h("first step"), "98bf98df193bcce7c33e6bc50927cf2ac21206cb");
    let script: Script = Arc::new(|r| {
        if memo(r, "first step").is_none() {
            (
                206,
                vec![],
                json!([op("StepRun", "first step", json!({"data": "first step"}))]),
            )
        } else if memo(r, "sleep").is_none() {
            (
                206,
                vec![],
                json!([op("Sleep", "sleep", json!({"opts": {"duration": "2s"}}))]),
            )
        } else if memo(r, "second step").is_none() {
            (
                206,
                vec![],
                json!([op("StepRun", "second step", json!({"data": "second step"}))]),
            )
        } else {
            (
                200,
                vec![],
                json!({"done": r["steps"][h("first step")]["data"]}),
            )
        }
    });
    let s = setup(
        json!([{"id": "app-serial", "triggers": [{"event": "test/serial"}]}]),
        script,
    )
    .await;
    send(&s, json!({"name": "test/serial", "data": {"n": 1}})).await;
    let run = wait_done(&s, "app-serial").await;
    assert_eq!(run["status"], "completed");
    assert_eq!(run["output"], json!({"done": "first step"}));
    assert_eq!(
        run["stack"],
        json!([h("first step"), h("sleep"), h("second step")])
    );
    assert_eq!(run["steps"][h("sleep")], Value::Null);
    let requests = s.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 4);
    assert!(requests
        .iter()
        .all(|r| r["query"]["fnId"] == "app-serial" && r["query"]["stepId"] == "step"));
    assert_eq!(requests[3]["ctx"]["stack"]["stack"], run["stack"]);
    assert_eq!(requests[0]["event"]["data"]["n"], 1);
}

#[tokio::test]
async fn step_errors_are_retried_then_memoized_as_errors() {
    let script: Script = Arc::new(|r| {
        let attempt = r["ctx"]["attempt"].as_u64().unwrap();
        match memo(r, "flaky") {
            None if attempt < 1 => (
                206,
                vec![],
                json!([op(
                    "StepError",
                    "flaky",
                    json!({"error": {"name": "Error", "message": "boom"}})
                )]),
            ),
            None => (
                206,
                vec![],
                json!([op(
                    "StepRun",
                    "flaky",
                    json!({"data": {"attempt": attempt}})
                )]),
            ),
            Some(m) => (200, vec![], m.clone()),
        }
    });
    let s = setup(
        json!([{"id": "app-flaky", "triggers": [{"event": "test/flaky"}]}]),
        script,
    )
    .await;
    send(&s, json!({"name": "test/flaky", "data": {}})).await;
    let run = wait_done(&s, "app-flaky").await;
    assert_eq!(run["output"], json!({"data": {"attempt": 1}}));
    let requests = s.requests.lock().unwrap().clone();
    assert_eq!(
        requests[1]["query"]["stepId"],
        h("flaky"),
        "the retry targets the failed step"
    );
    assert_eq!(requests[1]["ctx"]["attempt"], 1);
    assert_eq!(
        requests[2]["ctx"]["attempt"], 0,
        "attempts reset after a step succeeds"
    );

    // With X-Inngest-No-Retry the step fails at once and the error is memoized.
    let script: Script = Arc::new(|r| match memo(r, "fatal") {
        None => (
            206,
            vec![("x-inngest-no-retry", "true".into())],
            json!([op(
                "StepError",
                "fatal",
                json!({"error": {"name": "NonRetriableError", "message": "no"}})
            )]),
        ),
        Some(m) => (200, vec![], m.clone()),
    });
    let s = setup(
        json!([{"id": "app-fatal", "triggers": [{"event": "test/fatal"}]}]),
        script,
    )
    .await;
    send(&s, json!({"name": "test/fatal", "data": {}})).await;
    assert_eq!(
        wait_done(&s, "app-fatal").await["output"]["error"]["message"],
        "no"
    );
    assert_eq!(s.requests.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn wait_for_event_resumes_on_a_match_or_times_out() {
    let script: Script = Arc::new(|r| match memo(r, "wait") {
        None => (
            206,
            vec![],
            json!([op(
                "WaitForEvent",
                "wait",
                json!({"opts": {"event": "test/approved", "timeout": "10s", "if": "event.data.id == async.data.id"}})
            )]),
        ),
        Some(m) => (200, vec![], json!({"got": m})),
    });
    let s = setup(
        json!([{"id": "app-wait", "triggers": [{"event": "test/start"}]}]),
        script,
    )
    .await;
    send(&s, json!({"name": "test/start", "data": {"id": "a"}})).await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    send(
        &s,
        json!({"name": "test/approved", "data": {"id": "other"}}),
    )
    .await;
    send(
        &s,
        json!({"name": "test/approved", "data": {"id": "a", "by": "sam"}}),
    )
    .await;
    let run = wait_done(&s, "app-wait").await;
    assert_eq!(
        run["output"]["got"]["data"],
        json!({"id": "a", "by": "sam"}),
        "memo is the whole matching event"
    );

    send(&s, json!({"name": "test/start", "data": {"id": "b"}})).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let timed_out = loop {
        let done: Vec<Value> = runs(&s)
            .await
            .into_iter()
            .filter(|r| r["status"] == "completed")
            .collect();
        if done.len() == 2 {
            break done[1].clone();
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        timed_out["output"],
        json!({"got": null}),
        "10 s scaled to 100 ms, then null"
    );
}

#[tokio::test]
async fn invoke_returns_the_child_result() {
    let script: Script = Arc::new(|r| {
        if r["event"]["name"] == "inngest/function.invoked" {
            return (
                200,
                vec![],
                json!({"double": r["event"]["data"]["n"].as_i64().unwrap() * 2}),
            );
        }
        match memo(r, "call") {
            None => (
                206,
                vec![],
                json!([op(
                    "InvokeFunction",
                    "call",
                    json!({"opts": {"function_id": "app-child", "payload": {"data": {"n": 21}}}})
                )]),
            ),
            Some(m) => (200, vec![], m.clone()),
        }
    });
    let fns = json!([{"id": "app-parent", "triggers": [{"event": "test/parent"}]}, {"id": "app-child", "triggers": [{"event": "test/never"}]}]);
    let s = setup(fns, script).await;
    send(&s, json!({"name": "test/parent", "data": {}})).await;
    assert_eq!(
        wait_done(&s, "app-parent").await["output"],
        json!({"data": {"double": 42}})
    );
}

#[tokio::test]
async fn function_errors_retry_then_fail_and_trigger_on_failure() {
    let script: Script = Arc::new(|r| {
        if r["event"]["name"] == "inngest/function.failed" {
            return (
                200,
                vec![],
                json!({"handled": r["event"]["data"]["error"]["message"]}),
            );
        }
        (
            500,
            vec![],
            json!({"name": "Error", "message": "broken func"}),
        )
    });
    let fns = json!([
        {"id": "app-broken", "retries": 1, "triggers": [{"event": "test/broken"}]},
        {"id": "app-broken-failure", "retries": 1, "triggers": [{"event": "inngest/function.failed", "expression": "event.data.function_id == 'app-broken'"}]}
    ]);
    let s = setup(fns, script).await;
    send(&s, json!({"name": "test/broken", "data": {}})).await;
    let run = wait_done(&s, "app-broken").await;
    assert_eq!(run["status"], "failed");
    assert_eq!(run["calls"].as_array().unwrap().len(), 2, "one retry");
    assert_eq!(
        wait_done(&s, "app-broken-failure").await["output"],
        json!({"handled": "broken func"})
    );
}

#[tokio::test]
async fn a_gateway_error_without_sdk_headers_is_retried_not_a_protocol_error() {
    // The first call meets a proxy's 503 (no SDK headers, not JSON); the retry reaches
    // the SDK. An SDK answer without its headers stays a protocol error (below).
    let calls = Arc::new(Mutex::new(0));
    let seen = calls.clone();
    let script: Script = Arc::new(move |_| {
        let mut n = seen.lock().unwrap();
        *n += 1;
        if *n == 1 {
            (
                503,
                vec![("x-omit-sdk-header", "1".into())],
                json!("Service Unavailable"),
            )
        } else {
            (200, vec![], json!("done"))
        }
    });
    let s = setup(
        json!([{"id": "app-flaky", "retries": 2, "triggers": [{"event": "test/flaky"}]}]),
        script,
    )
    .await;
    send(&s, json!({"name": "test/flaky", "data": {}})).await;
    let run = wait_done(&s, "app-flaky").await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"], "done");
    let statuses: Vec<u64> = run["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![503, 200]);
}

#[tokio::test]
async fn cancel_on_stops_a_waiting_run() {
    let script: Script = Arc::new(|r| match memo(r, "nap") {
        None => (
            206,
            vec![],
            json!([op("Sleep", "nap", json!({"opts": {"duration": "1h"}}))]),
        ),
        Some(_) => (200, vec![], json!("woke")),
    });
    let fns = json!([{"id": "app-nap", "triggers": [{"event": "test/nap"}], "cancel": [{"event": "test/cancel", "if": "event.data.id == async.data.id"}]}]);
    let s = setup(fns, script).await;
    send(&s, json!({"name": "test/nap", "data": {"id": "x"}})).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    send(&s, json!({"name": "test/cancel", "data": {"id": "x"}})).await;
    let run = wait_done(&s, "app-nap").await;
    assert_eq!(run["status"], "cancelled");
}

#[tokio::test]
async fn malformed_opcodes_fail_the_run_loudly() {
    let script: Script = Arc::new(|_| (206, vec![], json!([{"op": "StepRun", "id": "short"}])));
    let s = setup(
        json!([{"id": "app-bad", "triggers": [{"event": "test/bad"}]}]),
        script,
    )
    .await;
    send(&s, json!({"name": "test/bad", "data": {}})).await;
    let run = wait_done(&s, "app-bad").await;
    assert_eq!(run["status"], "failed");
    assert!(
        run["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sha1 id"),
        "{run}"
    );
}

#[tokio::test]
async fn register_needs_the_hashed_key_and_valid_functions() {
    let config = support_devkit::Config {
        executor: support_devkit::executor::ExecutorConfig {
            signing_key: Some(KEY.into()),
            time_scale: 1.0,
            ..Default::default()
        },
        ..Default::default()
    };
    let d = support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
        .await
        .unwrap();
    let body = json!({"appName": "x", "functions": []});
    let r = reqwest::Client::new()
        .post(format!("{}/fn/register", d.url()))
        .bearer_auth("wrong")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let hashed = support_signing::inngest::hashed_signing_key(KEY).unwrap();
    let bad = json!({"appName": "x", "functions": [{"id": "x-f", "triggers": []}]});
    let r = reqwest::Client::new()
        .post(format!("{}/fn/register", d.url()))
        .bearer_auth(hashed)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn register_takes_the_bearer_scheme_in_any_case() {
    let config = support_devkit::Config {
        executor: support_devkit::executor::ExecutorConfig {
            signing_key: Some(KEY.into()),
            time_scale: 1.0,
            ..Default::default()
        },
        ..Default::default()
    };
    let d = support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
        .await
        .unwrap();
    let hashed = support_signing::inngest::hashed_signing_key(KEY).unwrap();
    let body = json!({"appName": "x", "functions": []});
    let register = |authorization: String| {
        reqwest::Client::new()
            .post(format!("{}/fn/register", d.url()))
            .header("authorization", authorization)
            .json(&body)
            .send()
    };
    // RFC 7235: the auth scheme is case-insensitive.
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let r = register(format!("{scheme} {hashed}")).await.unwrap();
        assert_eq!(r.status(), 200, "scheme {scheme:?}");
    }
    // The token itself is not.
    let r = register(format!("Bearer {}", hashed.to_uppercase()))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    for authorization in [
        format!("Basic {hashed}"),
        hashed.clone(),
        "Bearer".to_owned(),
    ] {
        let r = register(authorization.clone()).await.unwrap();
        assert_eq!(r.status(), 401, "{authorization:?}");
    }
}

#[tokio::test]
async fn register_without_credentials_is_refused_even_when_the_key_cannot_be_hashed() {
    let config = support_devkit::Config {
        executor: support_devkit::executor::ExecutorConfig {
            signing_key: Some("not-a-signing-key".into()),
            time_scale: 1.0,
            ..Default::default()
        },
        ..Default::default()
    };
    let d = support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
        .await
        .unwrap();
    let body = json!({"appName": "x", "functions": []});
    let post = || {
        reqwest::Client::new()
            .post(format!("{}/fn/register", d.url()))
            .json(&body)
    };
    assert_eq!(post().send().await.unwrap().status(), 401);
    assert_eq!(post().bearer_auth("").send().await.unwrap().status(), 401);
    // The raw key still works, as before.
    let r = post()
        .bearer_auth("not-a-signing-key")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn responses_without_the_sdk_header_are_protocol_errors() {
    let script: Script = Arc::new(|_| {
        (
            200,
            vec![("x-omit-sdk-header", "1".into())],
            json!("looks fine"),
        )
    });
    let s = setup(
        json!([{"id": "app-nosdk", "triggers": [{"event": "test/nosdk"}]}]),
        script,
    )
    .await;
    send(&s, json!({"name": "test/nosdk", "data": {}})).await;
    let run = wait_done(&s, "app-nosdk").await;
    assert_eq!(run["status"], "failed");
    assert!(
        run["error"]["message"]
            .as_str()
            .unwrap()
            .contains("X-Inngest-SDK"),
        "{run}"
    );
}
