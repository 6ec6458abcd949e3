//! The support pipeline in workerd: a customer writes through the Front stand-in, which
//! sends the platform a signed `inbound_received` webhook as Front does; the devkit's
//! executor runs support-pipeline (classify, route, respond, the approval's card)
//! against the platform's `/api/inngest`, with the Anthropic, Stripe and Front stand-ins and the
//! example app's SDK endpoint.
//!
//! Environment (set by scripts/test): PLATFORM_URL, DEVKIT_URL, ADMIN_TOKEN.

mod common;

use std::time::{Duration, Instant};

use common::flow::{customer_writes, finished_run, WITHIN};
use common::*;
use serde_json::{json, Value};

/// scripts/test runs this suite twice: on D1, and with the platform's store on
/// PlanetScale (the devkit's stand-in over MariaDB, `PLATFORM_DATABASE=planetscale`).
#[tokio::test]
async fn healthz_names_the_database_in_use() {
    let body: Value = reqwest::get(format!("{}/healthz", platform()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let expected = std::env::var("PLATFORM_DATABASE").unwrap_or_else(|_| "d1".into());
    assert_eq!(body["database"], expected.as_str(), "{body}");
}

async fn front_state() -> Value {
    reqwest::get(format!("{}/_devkit/front/state", devkit()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn audit(conversation: &str) -> Vec<Value> {
    admin(&format!("/admin/audit?conversation={conversation}")).await["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn drafts_of<'a>(state: &'a Value, conversation: &str) -> Vec<&'a Value> {
    state["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["conversation_id"] == conversation && !m["draft_mode"].is_null())
        .collect()
}

fn conversation_in<'a>(state: &'a Value, id: &str) -> &'a Value {
    state["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
}

fn tag_names(state: &Value, conversation: &str) -> Vec<String> {
    let ids = conversation_in(state, conversation)["tag_ids"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    state["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| ids.contains(&t["id"]))
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn events_named(name: &str, conversation: &str) -> Vec<Value> {
    let events: Value = reqwest::get(format!("{}/_devkit/inngest/events", devkit()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = events
        .as_array()
        .cloned()
        .or_else(|| events["events"].as_array().cloned())
        .unwrap_or_default();
    list.into_iter()
        // Inngest drops a repeated id; the stand-in records it as a duplicate.
        .filter(|e| e["duplicate"] != true)
        .map(|e| {
            if e.get("event").is_some() {
                e["event"].clone()
            } else {
                e
            }
        })
        .filter(|e| e["name"] == name && e["data"]["conversationId"] == conversation)
        .collect()
}

#[tokio::test]
async fn a_refund_request_becomes_a_front_draft_and_a_proposed_refund() {
    inngest_sync().await;
    let token = unique("refund");
    let started = Instant::now();
    let conversation = customer_writes(
        "cha_dev",
        "dana@example.com",
        "Refund please",
        &format!("Hi, I bought Total TypeScript last week and I'd like a refund please. ({token})"),
    )
    .await;
    finished_run("support-pipeline", &conversation).await;
    finished_run("support-pipeline", &conversation).await;
    let respond = finished_run("support-pipeline", &conversation).await;
    assert_eq!(respond["output"]["outcome"], "proposed", "{respond}");
    let action_id = respond["output"]["actionId"].as_str().unwrap().to_owned();
    loop {
        if !events_named("support/approval.requested", &conversation)
            .await
            .is_empty()
        {
            break;
        }
        assert!(started.elapsed() < WITHIN, "no approval request");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    figure(&format!(
        "pipeline: customer message to support/approval.requested in {} ms (zero-latency stand-ins, executor at real time)",
        started.elapsed().as_millis()
    ));

    // The Front side: tagged, one shared draft with the agent's reply.
    let state = front_state().await;
    assert!(
        tag_names(&state, &conversation).contains(&"refund".to_owned()),
        "{:?}",
        tag_names(&state, &conversation)
    );
    let drafts = drafts_of(&state, &conversation);
    assert_eq!(drafts.len(), 1, "{drafts:?}");
    assert_eq!(drafts[0]["id"], respond["output"]["draftId"]);
    let reply = drafts[0]["body"].as_str().unwrap();
    assert!(reply.len() > 20, "{reply}");

    // The proposed action: the refund with the purchase's amount, waiting for approval.
    let pending = admin("/admin/actions?app=total-typescript&limit=500").await;
    let action = pending["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == action_id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(action["status"], "pending");
    assert_eq!(action["draftId"], drafts[0]["id"]);
    let proposal = &action["proposals"][0];
    assert_eq!(proposal["tool"], "processRefund", "{action}");
    // One of Dana's purchases, with its amount and charge from her records: the
    // app's purchase and what Stripe says is still refundable on its charge.
    let input = &proposal["input"];
    let (amount, charge) = match input["purchase"]["purchaseId"].as_str().unwrap() {
        "pur_dana_tt" => (49900, "ch_3Dana001"),
        "pur_dana_ws" => (19900, "ch_3Dana002"),
        other => panic!("not one of Dana's purchases: {other}"),
    };
    assert_eq!(
        input["amount"],
        json!({"amount": amount, "currency": "usd"}),
        "{action}"
    );
    assert_eq!(input["chargeId"], charge, "{action}");
    assert_eq!(input["customer"]["email"], "dana@example.com", "{action}");
    assert_eq!(action["argsHash"].as_str().unwrap().len(), 64);

    // The approval request went out, once.
    let requested = events_named("support/approval.requested", &conversation).await;
    assert_eq!(requested.len(), 1, "{requested:?}");
    assert_eq!(requested[0]["data"]["actionId"], action_id.as_str());

    // The audit trail: every step, the model turns with token usage, each tool call.
    let entries = audit(&conversation).await;
    let names: Vec<&str> = entries
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    for expected in [
        "classify",
        "route",
        "gather",
        "model",
        "lookupUser",
        "agent",
        "processRefund",
        "propose",
        "front draft",
    ] {
        assert!(names.contains(&expected), "no {expected} in {names:?}");
    }
    let turn = entries.iter().find(|e| e["kind"] == "agent_turn").unwrap();
    assert!(turn["usage"]["input"].as_u64().unwrap() > 0, "{turn}");
    // Customer emails are masked in the audit log.
    let lookup = entries.iter().find(|e| e["name"] == "lookupUser").unwrap();
    assert_eq!(lookup["input"]["email"], "d***@example.com");
}

#[tokio::test]
async fn spam_is_archived_and_nothing_is_drafted() {
    inngest_sync().await;
    let conversation = customer_writes(
        "cha_dev",
        "growth@seo-agency.test",
        "Partnership opportunity",
        &format!(
            "Hi! We'd love a partnership: we sell SEO backlinks and sponsorship packages. {}",
            unique("spam")
        ),
    )
    .await;
    finished_run("support-pipeline", &conversation).await;
    let route = finished_run("support-pipeline", &conversation).await;
    assert_eq!(route["output"]["action"], "silence", "{route}");
    let state = front_state().await;
    assert_eq!(conversation_in(&state, &conversation)["status"], "archived");
    assert!(drafts_of(&state, &conversation).is_empty());
    assert!(events_named("support/inbound.routed", &conversation)
        .await
        .is_empty());
}

#[tokio::test]
async fn a_legal_threat_is_escalated_as_urgent_with_a_comment() {
    inngest_sync().await;
    let conversation = customer_writes(
        "cha_dev",
        "sam@example.com",
        "Final notice",
        &format!(
            "You charged me twice. My lawyer will file a lawsuit unless this is fixed. {}",
            unique("legal")
        ),
    )
    .await;
    let route = finished_run("support-pipeline", &conversation).await;
    assert_eq!(route["output"]["action"], "escalate_urgent", "{route}");
    let escalated = events_named("support/inbound.escalated", &conversation).await;
    assert_eq!(escalated.len(), 1);
    assert_eq!(escalated[0]["data"]["priority"], "urgent");
    let state = front_state().await;
    let comments: Vec<&Value> = state["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["conversation_id"] == conversation.as_str())
        .collect();
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(comments[0]["body"].as_str().unwrap().contains("urgent"));
    assert!(drafts_of(&state, &conversation).is_empty());
}

#[tokio::test]
async fn a_tool_error_never_reaches_the_draft() {
    inngest_sync().await;
    // The other app's SDK endpoint is down (nothing listens on it).
    let conversation = customer_writes(
        "cha_other",
        "dana@example.com",
        "Can't log in",
        &format!(
            "I can't log in to my account anymore, can you help? {}",
            unique("down")
        ),
    )
    .await;
    let respond = finished_run("support-pipeline", &conversation).await;
    let entries = audit(&conversation).await;
    let lookup = entries
        .iter()
        .find(|e| e["name"] == "lookupUser" && e["kind"] == "tool_call");
    if let Some(lookup) = lookup {
        assert!(lookup["error"].is_string(), "{lookup}");
    }
    let gather = entries.iter().find(|e| e["name"] == "gather").unwrap();
    assert!(
        gather["error"].as_str().unwrap().contains("lookupUser"),
        "{gather}"
    );
    let state = front_state().await;
    for draft in drafts_of(&state, &conversation) {
        let body = draft["body"].as_str().unwrap().to_lowercase();
        for leak in ["failed", "error", "answered 5", "connect", "tool"] {
            assert!(!body.contains(leak), "the draft leaks {leak:?}: {body}");
        }
    }
    assert_ne!(respond["output"]["outcome"], Value::Null, "{respond}");
}

#[tokio::test]
async fn an_overloaded_model_is_retried_and_the_run_goes_on() {
    inngest_sync().await;
    let token = unique("overloaded");
    devkit_control(
        "/_devkit/anthropic/fail",
        json!({"status": 529, "count": 1, "retry_after": 1, "matching": token}),
    )
    .await;
    // (Owen's purchase is refunded by no other test: a refund of a refunded purchase
    // is refused and escalated, not proposed.)
    let conversation = customer_writes(
        "cha_dev",
        "owen@example.com",
        "Refund",
        &format!("I would like a refund for my Total TypeScript purchase. {token}"),
    )
    .await;
    let respond = finished_run("support-pipeline", &conversation).await;
    assert_eq!(respond["output"]["outcome"], "proposed", "{respond}");
    let requests: Value = reqwest::get(format!("{}/_devkit/anthropic/requests", devkit()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine: Vec<&Value> = requests
        .as_array()
        .or_else(|| requests["requests"].as_array())
        .unwrap()
        .iter()
        .filter(|r| r.to_string().contains(&token))
        .collect();
    assert!(
        mine.iter().any(|r| r["status"] == 529),
        "no 529 among {} requests",
        mine.len()
    );
    assert!(mine.iter().any(|r| r["status"] == 200));
    // The retried turn was one step: the audit log has it once.
    let entries = audit(&conversation).await;
    let first_turns = entries
        .iter()
        .filter(|e| e["id"].as_str().unwrap().ends_with(":agent turn 0"))
        .count();
    assert_eq!(first_turns, 1);
}

#[tokio::test]
async fn a_duplicate_webhook_gives_one_run() {
    inngest_sync().await;
    // Front retries a delivery: the same signed webhook, several times.
    let (event_id, body) = inbound(&unique("cnv"), inbox());
    for _ in 0..3 {
        let sent = post_signed(&body).await;
        assert_eq!(sent.status, 200, "{:?}", sent.body);
    }
    wait_for_run(
        |r| {
            r["function_id"] == "support-platform-support-pipeline"
                && r["event"]["id"] == event_id.as_str()
        },
        WITHIN,
        "the classify run",
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let classify_runs = runs()
        .await
        .into_iter()
        .filter(|r| {
            r["function_id"] == "support-platform-support-pipeline"
                && r["event"]["id"] == event_id.as_str()
        })
        .count();
    assert_eq!(classify_runs, 1);
}

#[tokio::test]
async fn fan_mail_goes_to_the_instructor_through_the_llm_classifier() {
    inngest_sync().await;
    let token = unique("fan");
    let conversation = customer_writes(
        "cha_dev",
        "fan@example.com",
        "Thank you",
        &format!("I'm a big fan of Matt's work, thank you so much for the course! {token}"),
    )
    .await;
    let classify = finished_run("support-pipeline", &conversation).await;
    assert_eq!(classify["output"]["source"], "llm", "{classify}");
    assert_eq!(classify["output"]["category"], "fan_mail", "{classify}");
    let route = finished_run("support-pipeline", &conversation).await;
    assert_eq!(route["output"]["action"], "escalate_instructor", "{route}");
    let escalated = events_named("support/inbound.escalated", &conversation).await;
    assert_eq!(escalated[0]["data"]["priority"], "instructor");
    // The classifier was asked for structured output: a forced tool call.
    let requests: Value = reqwest::get(format!("{}/_devkit/anthropic/requests", devkit()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = requests
        .as_array()
        .cloned()
        .or_else(|| requests["requests"].as_array().cloned())
        .unwrap();
    let mine = list
        .iter()
        .find(|r| r.to_string().contains(&token))
        .expect("the classifier's request");
    assert_eq!(mine["body"]["tool_choice"]["type"], "tool", "{mine}");
}

#[tokio::test]
async fn an_angry_customer_goes_to_a_human() {
    inngest_sync().await;
    let conversation = customer_writes(
        "cha_dev",
        "sam@example.com",
        "This is ridiculous",
        &format!(
            "This is absolutely ridiculous and unacceptable, I'm furious. Refund me now! {}",
            unique("angry")
        ),
    )
    .await;
    let route = finished_run("support-pipeline", &conversation).await;
    assert!(
        route["output"]["action"]
            .as_str()
            .unwrap()
            .starts_with("escalate"),
        "{route}"
    );
    assert_eq!(
        events_named("support/inbound.escalated", &conversation)
            .await
            .len(),
        1
    );
    let state = front_state().await;
    assert!(drafts_of(&state, &conversation).is_empty());
}
