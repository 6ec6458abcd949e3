//! Telemetry in workerd: one customer message through the pipeline to a proposal, then
//! a decision over the API, and what the devkit's Axiom and Langfuse stand-ins received
//! for it: the events of every step, model call, tool call and the decision, joined by
//! one trace id; a Langfuse trace with a generation per model call (usage, cost) and a
//! span per step; and none of the customer's email, name or words anywhere in it.
//!
//! Environment (scripts/test): the platform's AXIOM_* and LANGFUSE_* point at the devkit.

mod common;

use std::time::{Duration, Instant};

use common::flow::{api_post, customer_writes, finished_run, get, WITHIN};
use common::*;
use serde_json::{json, Value};

/// Whether `word` appears in `text` as a word of its own (not inside an id).
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

async fn axiom_events(conversation: &str) -> Vec<Value> {
    get(format!(
        "{}/_devkit/axiom/events?dataset=support-traces",
        devkit()
    ))
    .await
    .as_array()
    .cloned()
    .unwrap_or_default()
    .into_iter()
    .filter(|e| e["conversationId"] == conversation)
    .collect()
}

async fn langfuse_trace(trace_id: &str) -> Option<Value> {
    get(format!("{}/_devkit/langfuse/traces", devkit()))
        .await
        .as_array()?
        .iter()
        .find(|t| t["id"] == trace_id)
        .cloned()
}

/// Wait until `ready` holds of the conversation's Axiom events (telemetry is sent after
/// each answer, in the background).
async fn events_until(conversation: &str, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + WITHIN;
    loop {
        let events = axiom_events(conversation).await;
        if ready(&events) {
            return events;
        }
        assert!(
            Instant::now() < deadline,
            "telemetry never arrived: {events:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_pipeline_run_and_its_decision_reach_axiom_and_langfuse_without_customer_data() {
    inngest_sync().await;
    let words = unique("telemetry");
    let reason_words = unique("reason");
    let body =
        format!("Hi, I bought Total TypeScript last week and I'd like a refund please. {words}");
    let conversation = customer_writes("cha_dev", "dana@example.com", "Refund please", &body).await;
    let respond = finished_run("support-pipeline", &conversation).await;
    assert_eq!(respond["output"]["outcome"], "proposed", "{respond}");
    let action_id = respond["output"]["actionId"].as_str().unwrap().to_owned();

    let events = events_until(&conversation, |events| {
        ["step", "tool_call", "model_call", "agent_turn"]
            .iter()
            .all(|kind| events.iter().any(|e| e["kind"] == *kind))
    })
    .await;
    // One trace id, minted at the intake, joins every stage.
    let traces: std::collections::BTreeSet<&str> = events
        .iter()
        .filter_map(|e| e["traceId"].as_str())
        .collect();
    assert_eq!(traces.len(), 1, "{traces:?}");
    let trace_id = traces.into_iter().next().unwrap().to_owned();
    let functions: std::collections::BTreeSet<&str> = events
        .iter()
        .filter_map(|e| e["function"].as_str())
        .collect();
    for function in ["support-pipeline", "support-request-approval"] {
        assert!(
            functions.iter().any(|f| f.ends_with(function)),
            "{function} in {functions:?}"
        );
    }

    // A decision over the API joins the same trace.
    let (status, answer) = api_post(
        &format!("/api/approvals/{action_id}/reject"),
        json!({"reason": format!("Not this time, Dana. {reason_words}")}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let events = events_until(&conversation, |events| {
        events.iter().any(|e| e["kind"] == "decision")
    })
    .await;
    let decision = events.iter().find(|e| e["kind"] == "decision").unwrap();
    assert_eq!(decision["traceId"], trace_id.as_str(), "{decision}");
    assert_eq!(decision["actionId"], action_id.as_str());

    // Langfuse: the trace, its session the conversation, a generation per model call
    // with its usage (cache included) and cost, spans for the steps and the decision.
    let deadline = Instant::now() + WITHIN;
    let trace = loop {
        if let Some(trace) = langfuse_trace(&trace_id).await {
            let observations = trace["observations"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if observations
                .iter()
                .any(|o| o["name"] == "decision: rejected")
            {
                break trace;
            }
        }
        assert!(Instant::now() < deadline, "no Langfuse trace {trace_id}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(trace["sessionId"], conversation.as_str(), "{trace}");
    let observations = trace["observations"].as_array().unwrap();
    let generations: Vec<&Value> = observations
        .iter()
        .filter(|o| o["type"] == "GENERATION")
        .collect();
    assert!(!generations.is_empty(), "{trace}");
    for generation in &generations {
        assert!(
            generation["model"]
                .as_str()
                .is_some_and(|m| m.starts_with("claude")),
            "{generation}"
        );
        assert!(
            generation["usageDetails"]["input"].as_u64().is_some(),
            "{generation}"
        );
        assert!(
            generation["usageDetails"]["cache_read_input_tokens"]
                .as_u64()
                .is_some(),
            "{generation}"
        );
        assert!(
            generation["costDetails"]["total"]
                .as_f64()
                .is_some_and(|c| c > 0.0),
            "{generation}"
        );
        assert!(generation["input"]["messages"].is_array(), "{generation}");
    }
    assert!(
        observations
            .iter()
            .any(|o| o["type"] == "SPAN" && o["name"] == "tool_call: lookupUser"),
        "{trace}"
    );

    // Nothing of the customer's: not their email, not their account's name (as a word:
    // the devkit's fixture ids such as `ch_3Dana001` are ids, not names), not what the
    // approver wrote. The message's words reach only Langfuse's generations (the
    // prompt, personal data taken out), never Axiom's events.
    let axiom = serde_json::to_string(&events).unwrap();
    assert!(
        !axiom.contains(&words),
        "the message reached Axiom: {axiom}"
    );
    let everything = format!("{axiom} {trace}");
    for personal in [
        "dana@example.com",
        "Dana Lee",
        "Test Customer",
        &reason_words,
    ] {
        assert!(
            !everything.contains(personal),
            "{personal} reached telemetry: {everything}"
        );
    }
    for name in ["Dana", "Lee"] {
        assert!(
            !has_word(&everything, name),
            "{name} reached telemetry: {everything}"
        );
    }
    let requests = get(format!(
        "{}/_devkit/axiom/events?dataset=support-traces",
        devkit()
    ))
    .await
    .as_array()
    .map(|all| all.iter().filter(|e| e["kind"] == "request").count())
    .unwrap_or(0);
    assert!(requests > 0, "request events");
    figure(&format!(
        "telemetry: one message and its decision sent {} Axiom events and a Langfuse trace of {} observations ({} generations), no customer data in any",
        events.len(),
        observations.len(),
        generations.len()
    ));

    // Axiom down: the next message is still drafted and proposed, and the failures are
    // counted.
    let failed_before = telemetry_failures().await;
    devkit_control("/_devkit/axiom/fail", json!({"status": 503, "times": 1000})).await;
    let conversation = customer_writes(
        "cha_dev",
        "dana@example.com",
        "Refund please",
        &format!(
            "Hi, I'd like a refund for Total TypeScript please. {}",
            unique("down")
        ),
    )
    .await;
    let respond = finished_run("support-pipeline", &conversation).await;
    reqwest::Client::new()
        .delete(format!("{}/_devkit/axiom/fail", devkit()))
        .send()
        .await
        .unwrap();
    assert_eq!(respond["output"]["outcome"], "proposed", "{respond}");
    let deadline = Instant::now() + WITHIN;
    while telemetry_failures().await <= failed_before {
        assert!(
            Instant::now() < deadline,
            "Axiom's failures were not counted"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `telemetry_axiom_failed` in the intake counters.
async fn telemetry_failures() -> u64 {
    admin("/admin/intake/stats").await["counters"]["telemetry_axiom_failed"]
        .as_u64()
        .unwrap_or(0)
}
