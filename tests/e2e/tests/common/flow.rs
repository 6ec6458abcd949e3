//! The approval flow as a test drives it: a customer writes through the Front stand-in,
//! the pipeline proposes, the Slack stand-in shows the card and clicks it; and what
//! the outside services hold afterwards (Front, Stripe, the example app's D1).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::*;

/// How long a test waits for a run or a message. Runs take seconds; the margin covers a
/// loaded machine and one step call that hangs until the executor's call timeout
/// (120 s, as a real executor would time it out and retry) — `finished_run` reports such
/// calls, so a hang is seen, not hidden.
pub const WITHIN: Duration = Duration::from_secs(150);
pub const APPROVER: &str = "U0DEVAPPROVER";
pub const NOT_AN_APPROVER: &str = "U0DEVOTHER";

/// The agent's model, as the platform's tests configure it.
pub const AGENT_MODEL: &str = "claude-sonnet-4-5";

/// Script the agent for one conversation: every model call whose context carries `tag`
/// gets the next of `responses` (the Anthropic stand-in's script API).
pub async fn script(tag: &str, responses: Value) {
    post(
        "/_devkit/anthropic/script",
        json!({"model": AGENT_MODEL, "conversation": tag, "responses": responses}),
    )
    .await;
}

pub async fn get(url: String) -> Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

pub async fn post(path: &str, body: Value) -> Value {
    // The Front stand-in wants Front's bearer token, as Front does.
    let r = reqwest::Client::new()
        .post(format!("{}{path}", devkit()))
        .bearer_auth(env("FRONT_API_TOKEN"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// A customer writes on a channel; returns the Front conversation id.
pub async fn customer_writes(channel: &str, from: &str, subject: &str, body: &str) -> String {
    customer_writes_in(channel, from, subject, body, None).await
}

/// The same, in the thread `thread` (a second message of one conversation).
pub async fn customer_writes_in(
    channel: &str,
    from: &str,
    subject: &str,
    body: &str,
    thread: Option<&str>,
) -> String {
    let mut message = json!({"sender": {"handle": from, "name": "Test Customer"}, "subject": subject, "body": body});
    if let Some(thread) = thread {
        message["metadata"] = json!({"thread_ref": thread});
    }
    let accepted = post(
        &format!("/front/channels/{channel}/incoming_messages"),
        message,
    )
    .await;
    let uid = accepted["message_uid"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state = get(format!("{}/_devkit/front/state", devkit())).await;
        if let Some(m) = state["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["message_uid"] == uid.as_str())
        {
            return m["conversation_id"].as_str().unwrap().to_owned();
        }
        assert!(Instant::now() < deadline, "no message {uid}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn finished_run(function: &str, conversation: &str) -> Value {
    let id = format!("support-platform-{function}");
    let deadline = Instant::now() + WITHIN;
    let run = loop {
        let all = runs().await;
        if let Some(run) = all.iter().find(|r| {
            r["function_id"] == id.as_str()
                && r["event"]["data"]["conversationId"] == conversation
                && r["status"] != "running"
        }) {
            break run.clone();
        }
        if Instant::now() >= deadline {
            // Say what the executor knows of this conversation, so a timeout in CI can be
            // read without the devkit's log: which runs exist, their status, the last
            // steps and calls.
            let related: Vec<Value> = all
                .iter()
                .filter(|r| r.to_string().contains(conversation))
                .map(|r| {
                    let calls = r["calls"].as_array().cloned().unwrap_or_default();
                    let last: Vec<&Value> = calls.iter().rev().take(3).collect();
                    json!({
                        "function": r["function_id"], "status": r["status"],
                        "steps": r["steps"].as_object().map(|s| s.keys().cloned().collect::<Vec<_>>()),
                        "last_calls": last,
                    })
                })
                .collect();
            panic!(
                "{function} for {conversation}: not finished within {WITHIN:?}; runs of it: {}",
                serde_json::to_string_pretty(&related).unwrap()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for call in run["calls"].as_array().into_iter().flatten() {
        if call["ms"].as_u64().unwrap_or(0) > 20_000 || !call["error"].is_null() {
            eprintln!("slow or failed step call in {function} for {conversation}: {call}");
        }
    }
    assert_eq!(run["status"], "completed", "{function}: {run}");
    run
}

/// The proposed action of a conversation, once its approval request is in Slack.
pub async fn proposed(
    channel: &str,
    from: &str,
    subject: &str,
    body: &str,
) -> (String, String, Value) {
    let conversation = customer_writes(channel, from, subject, body).await;
    let respond = finished_run("support-pipeline", &conversation).await;
    assert_eq!(respond["output"]["outcome"], "proposed", "{respond}");
    let action_id = respond["output"]["actionId"].as_str().unwrap().to_owned();
    let message = slack_message(&action_id).await;
    (conversation, action_id, message)
}

/// The Slack message whose buttons carry this action.
pub async fn slack_message(action_id: &str) -> Value {
    let deadline = Instant::now() + WITHIN;
    loop {
        let state = get(format!("{}/_devkit/slack/state", devkit())).await;
        for channel in state["channels"].as_array().cloned().unwrap_or_default() {
            for message in channel["messages"].as_array().cloned().unwrap_or_default() {
                if message["blocks"].to_string().contains(action_id) {
                    let mut m = message.clone();
                    m["channel"] = channel["id"].clone();
                    return m;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "no Slack message for {action_id}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn click(message: &Value, action_id: &str, user: &str) -> Value {
    post(
        "/_devkit/slack/click",
        json!({"channel": message["channel"], "ts": message["ts"], "action_id": action_id, "user": user}),
    )
    .await
}

pub async fn action(action_id: &str) -> Value {
    let trail = admin(&format!("/admin/audit?action={action_id}")).await;
    json!({"audit": trail["entries"]})
}

pub async fn approval_status(action_id: &str) -> String {
    let pending = api_get("/api/approvals?limit=500").await;
    if pending["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["actionId"] == action_id)
    {
        return "pending".into();
    }
    let trail = action(action_id).await;
    trail["audit"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["kind"] == "decision" && e["name"] != "approval requested")
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| "pending".into())
}

pub async fn api_get(path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}{path}", platform()))
        .bearer_auth(env("APPROVALS_API_TOKEN"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub async fn api_post(path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", platform()))
        .bearer_auth(env("APPROVALS_API_TOKEN"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

pub async fn front_messages(conversation: &str) -> Vec<Value> {
    let state = get(format!("{}/_devkit/front/state", devkit())).await;
    state["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["conversation_id"] == conversation)
        .cloned()
        .collect()
}

pub fn sent_replies(messages: &[Value]) -> Vec<&Value> {
    messages
        .iter()
        .filter(|m| m["is_inbound"] == false && m["draft_mode"].is_null())
        .collect()
}

pub fn drafts(messages: &[Value]) -> Vec<&Value> {
    messages
        .iter()
        .filter(|m| !m["draft_mode"].is_null())
        .collect()
}

/// Rows of the example app's D1 (as an operator would read them).
pub fn example_app_rows(sql: &str) -> Vec<Value> {
    let stdout = d1_command(
        "support-example-app",
        &env("EXAMPLE_APP_CONFIG"),
        &env("EXAMPLE_APP_STATE_DIR"),
        sql,
        true,
    );
    let parsed: Value = serde_json::from_slice(&stdout).unwrap();
    parsed[0]["results"].as_array().cloned().unwrap_or_default()
}

pub async fn stripe_refunds(charge: &str) -> Vec<Value> {
    let state = get(format!("{}/_devkit/stripe/state", devkit())).await;
    state["accounts"]
        .as_object()
        .map(|accounts| {
            accounts
                .values()
                .flat_map(|a| a["refunds"].as_array().cloned().unwrap_or_default())
                .filter(|r| r["charge"] == charge)
                .collect()
        })
        .or_else(|| {
            state["refunds"].as_array().map(|r| {
                r.iter()
                    .filter(|r| r["charge"] == charge)
                    .cloned()
                    .collect()
            })
        })
        .unwrap_or_default()
}

pub async fn wait_for_view(callback_id: &str, action_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state = get(format!("{}/_devkit/slack/state", devkit())).await;
        if let Some(view) = state["views"].as_array().and_then(|v| {
            v.iter()
                .rev()
                .find(|v| {
                    let t = v.to_string();
                    t.contains(callback_id) && t.contains(action_id)
                })
                .cloned()
        }) {
            return view;
        }
        assert!(Instant::now() < deadline, "no {callback_id} modal: {state}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The execution of `action_id`, once it has ended.
pub async fn finished_execution(action_id: &str) -> Value {
    wait_for_run(
        |r| {
            r["function_id"] == "support-platform-support-execute"
                && r["event"]["data"]["actionId"] == action_id
                && r["status"] != "running"
        },
        WITHIN,
        "the execution",
    )
    .await
}

/// Rows of the platform's local D1 (as an operator would read them).
pub fn platform_rows(sql: &str) -> Vec<Value> {
    let stdout = d1_command(
        "support-platform",
        &env("PLATFORM_CONFIG"),
        &env("PLATFORM_STATE_DIR"),
        sql,
        true,
    );
    let parsed: Value = serde_json::from_slice(&stdout).unwrap();
    parsed[0]["results"].as_array().cloned().unwrap_or_default()
}
