//! A measurement, not a test (ignored; `BENCH_TARGETS=pipeline scripts/bench` runs it):
//! a customer's message (the Front stand-in's `incoming_messages`) to the Slack approval
//! card, in workerd, for messages one after another, with the devkit's executor adding
//! no latency ("zero") and Inngest Cloud's ("cloud": per call request, per event-to-run
//! start, per checkpoint report), each with checkpointing offered and not. Writes
//! `$BENCH_OUT_DIR/pipeline.json`.
//!
//! Knobs: PIPELINE_BENCH_MESSAGES (default 20 per run), PIPELINE_BENCH_CALL_MS (50),
//! PIPELINE_BENCH_EVENT_MS (200), PIPELINE_BENCH_CHECKPOINT_MS (50).

mod common;

use std::time::{Duration, Instant};

use common::flow::*;
use common::*;
use serde_json::{json, Value};

/// The dev app's approval channel (fixtures/platform-dev-apps.json).
const APPROVAL_CHANNEL: &str = "C0DEVAPPROVALS";

/// The run that drafts the reply and posts the card.
const PIPELINE: &str = "support-platform-support-pipeline";

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Waits for the Slack card of `conversation`, and returns when it showed; then the
/// call requests the run that posted it took, once that run has ended.
async fn card_and_calls(conversation: &str, started: Instant, deadline: Instant) -> (f64, usize) {
    // Slack's own API, as an approver's client reads the channel: the newest messages
    // only (polling the devkit's whole state, which grows with every card, would load
    // the machine the measurement runs on).
    let client = reqwest::Client::new();
    let history = format!(
        "{}/slack/api/conversations.history?channel={APPROVAL_CHANNEL}&limit=3",
        devkit()
    );
    let token = env("SLACK_BOT_TOKEN");
    let shown_after = loop {
        let newest: Value = client
            .get(&history)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(newest["ok"], true, "{newest}");
        let shown = newest["messages"].to_string().contains(conversation);
        if shown {
            break started.elapsed().as_secs_f64() * 1000.0;
        }
        assert!(Instant::now() < deadline, "no card for {conversation}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let run = wait_for_run(
        |r| {
            r["function_id"] == PIPELINE
                && r["event"]["data"]["conversationId"] == conversation
                && r["status"] != "running"
        },
        deadline.saturating_duration_since(Instant::now()),
        "the pipeline run",
    )
    .await;
    // Decided at once, so that no approval is left waiting: each wait wakes every slice
    // (3 s at the test executor's time scale), and a hundred of them would be load on
    // the machine the next measurement runs on.
    if let Some(action_id) = run["output"]["actionId"].as_str() {
        let (status, answer) = api_post(
            &format!("/api/approvals/{action_id}/reject"),
            json!({"reason": "measured"}),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
    }
    (shown_after, run["calls"].as_array().map_or(0, Vec::len))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

async fn measure(label: &str, latency: Value, checkpointing: bool, messages: usize) -> Value {
    post("/_devkit/inngest/latency", latency.clone()).await;
    post(
        "/_devkit/inngest/checkpointing",
        json!({"offered": checkpointing}),
    )
    .await;
    let mut ms = Vec::new();
    let mut calls = Vec::new();
    for i in 0..messages {
        let started = Instant::now();
        let conversation = customer_writes(
            "cha_dev",
            "dana@example.com",
            "Refund please",
            &format!(
                "Hi, I bought Total TypeScript last week and I'd like a refund please. ({})",
                unique(&format!("bench-{label}-{i}"))
            ),
        )
        .await;
        let (shown_after, taken) = card_and_calls(&conversation, started, started + WITHIN).await;
        ms.push(shown_after);
        calls.push(taken);
    }
    let mut sorted = ms.clone();
    sorted.sort_by(f64::total_cmp);
    let result = json!({
        "p50_ms": percentile(&sorted, 50.0).round(),
        "p90_ms": percentile(&sorted, 90.0).round(),
        "calls_per_message": calls.iter().sum::<usize>() as f64 / calls.len() as f64,
        "messages": messages,
        "checkpointing": checkpointing,
        "latency": latency,
    });
    figure(&format!("pipeline bench {label}: {result}"));
    result
}

#[tokio::test]
#[ignore = "a measurement: BENCH_TARGETS=pipeline scripts/bench"]
async fn customer_message_to_approval_card() {
    inngest_sync().await;
    let messages = knob("PIPELINE_BENCH_MESSAGES", 20) as usize;
    let cloud = json!({
        "call_ms": knob("PIPELINE_BENCH_CALL_MS", 50),
        "event_ms": knob("PIPELINE_BENCH_EVENT_MS", 200),
        "checkpoint_ms": knob("PIPELINE_BENCH_CHECKPOINT_MS", 50),
    });
    // One warm-up message: the first call of a fresh isolate is not what we measure.
    measure("warm-up", json!({}), true, 1).await;
    let mut runs = serde_json::Map::new();
    for (label, latency, checkpointing) in [
        ("zero_step_by_step", json!({}), false),
        ("zero", json!({}), true),
        ("cloud_step_by_step", cloud.clone(), false),
        ("cloud", cloud.clone(), true),
    ] {
        runs.insert(
            label.to_owned(),
            measure(label, latency, checkpointing, messages).await,
        );
    }
    post("/_devkit/inngest/latency", json!({})).await;
    post("/_devkit/inngest/checkpointing", json!({"offered": true})).await;
    let out = std::env::var("BENCH_OUT_DIR").unwrap_or_else(|_| ".tmp/bench".to_owned());
    std::fs::create_dir_all(&out).unwrap();
    let result = json!({
        "what": "customer message (Front incoming_messages) to the Slack approval card, messages one after another",
        "goal_ms": 1000,
        "runs": Value::Object(runs),
    });
    std::fs::write(
        format!("{out}/pipeline.json"),
        serde_json::to_string_pretty(&result).unwrap(),
    )
    .unwrap();
}
