//! The Inngest serve protocol's reference sequences, through the platform worker in
//! workerd, driven by the devkit's executor (INNGEST_CONFORMANCE=1 in scripts/test).

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

async fn emit(name: &str, data: Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/e/{}", devkit(), env("INNGEST_EVENT_KEY")))
        .json(&json!([{"name": name, "data": data}]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn finished(function: &str, tag: &str) -> Value {
    let id = format!("support-platform-{function}");
    let done = |r: &Value| {
        r["function_id"] == id.as_str()
            && r["event"]["data"]["tag"] == tag
            && r["status"] != "running"
    };
    wait_for_run(
        done,
        Duration::from_secs(30),
        &format!("{function} ({tag}) finished"),
    )
    .await
}

/// (status, [(op, id)]) of every call the executor made.
fn calls(run: &Value) -> Vec<(u64, Vec<(String, String)>)> {
    run["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let ops = c["ops"]
                .as_array()
                .map(|ops| {
                    ops.iter()
                        .map(|o| {
                            (
                                o["op"].as_str().unwrap().to_owned(),
                                o["id"].as_str().unwrap().to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            (c["status"].as_u64().unwrap(), ops)
        })
        .collect()
}

fn op(kind: &str, id: &str) -> (String, String) {
    (kind.to_owned(), id.to_owned())
}

#[tokio::test]
async fn serial_steps_with_sleep() {
    inngest_sync().await;
    let tag = unique("serial");
    emit("conformance/serial", json!({"tag": tag})).await;
    let run = finished("conformance-serial", &tag).await;
    assert_eq!(
        run["output"],
        json!({"first": "first step", "second": "second step"})
    );
    assert_eq!(
        calls(&run),
        vec![
            (
                206,
                vec![op("StepRun", "98bf98df193bcce7c33e6bc50927cf2ac21206cb")]
            ),
            (
                206,
                vec![op("Sleep", "c3ca5f787365eae0dea86250e27d476406956478")]
            ),
            (
                206,
                vec![op("StepRun", "764e20ec975d4ef820d0f42e6a5833384bd7ee36")]
            ),
            (200, vec![]),
        ]
    );
    assert_eq!(run["calls"][1]["ops"][0]["opts"]["duration"], "2s");
}

#[tokio::test]
async fn serial_steps_with_sleep_checkpointed() {
    inngest_sync().await;
    let tag = unique("checkpoint");
    emit("conformance/checkpoint", json!({"tag": tag})).await;
    let run = finished("conformance-checkpoint", &tag).await;
    assert_eq!(
        run["output"],
        json!({"first": "first step", "second": "second step"})
    );
    // Two calls instead of four: each step reported by checkpoint from inside a call.
    assert_eq!(
        calls(&run),
        vec![
            (
                206,
                vec![op("Sleep", "c3ca5f787365eae0dea86250e27d476406956478")]
            ),
            (
                206,
                vec![op(
                    "RunComplete",
                    "0737c22d3bfae812339732d14d8c7dbd6dc4e09c"
                )]
            ),
        ]
    );
    let reported: Vec<&str> = run["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        reported,
        [
            "98bf98df193bcce7c33e6bc50927cf2ac21206cb",
            "764e20ec975d4ef820d0f42e6a5833384bd7ee36"
        ]
    );
}

#[tokio::test]
async fn step_retry_then_function_retry() {
    inngest_sync().await;
    let tag = unique("retry");
    emit("conformance/retry", json!({"tag": tag, "broken": true})).await;
    let run = finished("conformance-retry", &tag).await;
    let seq: Vec<(u64, Vec<String>)> = calls(&run)
        .into_iter()
        .map(|(s, ops)| (s, ops.into_iter().map(|o| o.0).collect()))
        .collect();
    assert_eq!(
        seq,
        vec![
            (206, vec!["StepError".to_owned()]),
            (206, vec!["StepRun".to_owned()]),
            (500, vec![]),
            (200, vec![]),
        ]
    );
    assert_eq!(
        run["calls"][1]["attempt"], 1,
        "the step retry carries attempt 1"
    );
    assert_eq!(run["calls"][2]["ops"]["message"], "broken func");
    assert_eq!(run["output"], json!({"succeeded_on_attempt": 1}));
}

#[tokio::test]
async fn wait_for_event_matched_and_timed_out() {
    inngest_sync().await;
    let tag = unique("wait");
    emit("conformance/wait", json!({"tag": tag, "id": tag})).await;
    // Give the run time to reach its wait (events before the wait cannot match).
    let started = |r: &Value| {
        r["event"]["data"]["tag"] == tag.as_str() && !r["calls"].as_array().unwrap().is_empty()
    };
    wait_for_run(started, Duration::from_secs(10), "wait run started").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    emit("conformance/resume", json!({"id": "someone-else"})).await;
    emit("conformance/resume", json!({"id": tag, "ok": true})).await;
    let run = finished("conformance-wait", &tag).await;
    assert_eq!(
        run["output"]["resumed_with"],
        json!({"id": tag, "ok": true})
    );
    assert_eq!(run["calls"][0]["ops"][0]["op"], "WaitForEvent");
    assert_eq!(
        run["calls"][0]["ops"][0]["id"],
        "daaad336276d15594d0e765f96c17cd746bf4971"
    );
    assert_eq!(
        run["calls"][0]["ops"][0]["opts"]["if"],
        "event.data.id == async.data.id"
    );

    // 300 s at the tests' time scale; nothing matches, the wait returns null.
    let tag = unique("wait");
    emit("conformance/wait", json!({"tag": tag, "id": tag})).await;
    let run = finished("conformance-wait", &tag).await;
    assert_eq!(run["output"], json!({"resumed_with": null}));
}

#[tokio::test]
async fn invoke_uses_the_child_result() {
    inngest_sync().await;
    let tag = unique("invoke");
    emit("conformance/invoke", json!({"tag": tag})).await;
    let run = finished("conformance-invoke", &tag).await;
    assert_eq!(run["output"], json!({"child": {"doubled": 42}}));
    assert_eq!(run["calls"][0]["ops"][0]["op"], "InvokeFunction");
    assert_eq!(
        run["calls"][0]["ops"][0]["opts"]["function_id"],
        "support-platform-conformance-double"
    );
}

#[tokio::test]
async fn cancel_on_a_matching_event() {
    inngest_sync().await;
    let tag = unique("nap");
    emit("conformance/nap", json!({"tag": tag, "id": tag})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    emit("conformance/wake", json!({"id": tag})).await;
    let run = finished("conformance-cancel", &tag).await;
    assert_eq!(run["status"], "cancelled");
}

#[tokio::test]
async fn failure_runs_the_on_failure_function() {
    inngest_sync().await;
    let tag = unique("fail");
    emit("conformance/fail", json!({"tag": tag})).await;
    let run = finished("conformance-failure", &tag).await;
    assert_eq!(run["status"], "failed");
    let seq: Vec<String> = calls(&run)
        .into_iter()
        .flat_map(|(_, ops)| ops.into_iter().map(|o| o.0))
        .collect();
    assert_eq!(
        seq,
        ["StepError", "StepFailed"],
        "one retry, then the step fails for good"
    );
    let run_id = run["run_id"].clone();
    let handled = |r: &Value| {
        r["function_id"] == "support-platform-conformance-failure-failure"
            && r["event"]["data"]["run_id"] == run_id
            && r["status"] != "running"
    };
    let handler = wait_for_run(handled, Duration::from_secs(20), "onFailure run").await;
    assert_eq!(
        handler["output"]["function"],
        "support-platform-conformance-failure"
    );
    assert_eq!(handler["output"]["handled"], "always fails");
}

#[tokio::test]
async fn a_4_mb_state_is_handled() {
    inngest_sync().await;
    let tag = unique("big");
    emit("conformance/big", json!({"tag": tag})).await;
    let run = finished("conformance-big", &tag).await;
    assert_eq!(
        run["output"],
        json!({"length": 4 * 1024 * 1024}),
        "{}",
        run["status"]
    );
}
