//! Human approval in Slack and exactly-once execution, in workerd: a customer writes,
//! the pipeline proposes, the Slack stand-in shows the approval message and clicks its
//! buttons with correctly signed interactivity payloads, the platform records the
//! decision once and executes through the Stripe, example-app and Front stand-ins.
//!
//! Environment (set by scripts/test): PLATFORM_URL, DEVKIT_URL, ADMIN_TOKEN,
//! APPROVALS_API_TOKEN, EXAMPLE_APP_CONFIG, EXAMPLE_APP_STATE_DIR, WRANGLER.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

const WITHIN: Duration = Duration::from_secs(60);
const APPROVER: &str = "U0DEVAPPROVER";
const NOT_AN_APPROVER: &str = "U0DEVOTHER";

async fn get(url: String) -> Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

async fn post(path: &str, body: Value) -> Value {
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
async fn customer_writes(channel: &str, from: &str, subject: &str, body: &str) -> String {
    let accepted = post(
        &format!("/front/channels/{channel}/incoming_messages"),
        json!({"sender": {"handle": from, "name": "Test Customer"}, "subject": subject, "body": body}),
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

async fn finished_run(function: &str, conversation: &str) -> Value {
    let id = format!("support-platform-{function}");
    let run = wait_for_run(
        |r| {
            r["function_id"] == id.as_str()
                && r["event"]["data"]["conversationId"] == conversation
                && r["status"] != "running"
        },
        WITHIN,
        &format!("{function} for {conversation}"),
    )
    .await;
    assert_eq!(run["status"], "completed", "{function}: {run}");
    run
}

/// The proposed action of a conversation, once its approval request is in Slack.
async fn proposed(channel: &str, from: &str, subject: &str, body: &str) -> (String, String, Value) {
    let conversation = customer_writes(channel, from, subject, body).await;
    let respond = finished_run("support-respond", &conversation).await;
    assert_eq!(respond["output"]["outcome"], "proposed", "{respond}");
    let action_id = respond["output"]["actionId"].as_str().unwrap().to_owned();
    let message = slack_message(&action_id).await;
    (conversation, action_id, message)
}

/// The Slack message whose buttons carry this action.
async fn slack_message(action_id: &str) -> Value {
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

async fn click(message: &Value, action_id: &str, user: &str) -> Value {
    post(
        "/_devkit/slack/click",
        json!({"channel": message["channel"], "ts": message["ts"], "action_id": action_id, "user": user}),
    )
    .await
}

async fn action(action_id: &str) -> Value {
    let trail = admin(&format!("/admin/audit?action={action_id}")).await;
    json!({"audit": trail["entries"]})
}

async fn approval_status(action_id: &str) -> String {
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

async fn api_get(path: &str) -> Value {
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

async fn api_post(path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", platform()))
        .bearer_auth(env("APPROVALS_API_TOKEN"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn front_messages(conversation: &str) -> Vec<Value> {
    let state = get(format!("{}/_devkit/front/state", devkit())).await;
    state["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["conversation_id"] == conversation)
        .cloned()
        .collect()
}

fn sent_replies(messages: &[Value]) -> Vec<&Value> {
    messages
        .iter()
        .filter(|m| m["is_inbound"] == false && m["draft_mode"].is_null())
        .collect()
}

fn drafts(messages: &[Value]) -> Vec<&Value> {
    messages
        .iter()
        .filter(|m| !m["draft_mode"].is_null())
        .collect()
}

/// Rows of the example app's D1 (as an operator would read them).
fn example_app_rows(sql: &str) -> Vec<Value> {
    let output = std::process::Command::new(env("WRANGLER"))
        .args([
            "d1",
            "execute",
            "support-example-app",
            "--local",
            "--json",
            "--config",
        ])
        .arg(env("EXAMPLE_APP_CONFIG"))
        .arg("--persist-to")
        .arg(env("EXAMPLE_APP_STATE_DIR"))
        .args(["--command", sql])
        .env("CI", "true")
        .output()
        .expect("wrangler runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed: Value = serde_json::from_slice(&output.stdout).unwrap();
    parsed[0]["results"].as_array().cloned().unwrap_or_default()
}

async fn stripe_refunds(charge: &str) -> Vec<Value> {
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

#[tokio::test]
async fn an_approved_refund_runs_once_even_when_stripe_fails_first() {
    inngest_sync().await;
    let (conversation, action_id, message) = proposed(
        "cha_dev",
        "robin@example.com", // refunded here and nowhere else: the SDK contract tests use Dana and Sam
        "Refund please",
        &format!(
            "Hi, I bought Total TypeScript and I'd like a refund please. {}",
            unique("approve")
        ),
    )
    .await;
    // The first refund call fails like a lost request; the retry must not refund twice.
    post(
        "/_devkit/stripe/failures",
        json!({"method": "POST", "path_prefix": "/v1/refunds", "status": 500, "times": 1}),
    )
    .await;
    let clicked = click(&message, "approve_action", APPROVER).await;
    assert_eq!(clicked["status"], 200, "{clicked}");
    // Slack wants an answer within 3 seconds (a protocol limit, not a speed target).
    assert!(
        clicked["elapsed_ms"].as_u64().unwrap_or(0) < 3_000,
        "{clicked}"
    );
    figure(&format!(
        "Slack acknowledgement of an approve click under workerd: {} ms",
        clicked["elapsed_ms"]
    ));

    let execute = wait_for_run(
        |r| {
            r["function_id"] == "support-platform-support-execute"
                && r["event"]["data"]["actionId"] == action_id.as_str()
                && r["status"] != "running"
        },
        WITHIN,
        "the execution",
    )
    .await;
    assert_eq!(execute["status"], "completed", "{execute}");
    assert_eq!(execute["output"]["status"], "executed", "{execute}");

    let pending = admin(&format!("/admin/audit?action={action_id}")).await;
    let proposal = pending["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "processRefund" && e["kind"] == "tool_call")
        .cloned()
        .unwrap();
    let purchase = proposal["input"]["purchaseId"].as_str().unwrap().to_owned();
    let charge = proposal["input"]["chargeId"].as_str().unwrap().to_owned();
    let amount = proposal["input"]["amount"].clone();
    let refunds = stripe_refunds(&charge).await;
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0]["amount"], amount);
    let refund_id = refunds[0]["id"].as_str().unwrap();
    // The app revoked access with the real refund id.
    let rows = example_app_rows(&format!(
        "SELECT status, refund_id FROM purchases WHERE id = '{purchase}'"
    ));
    assert_eq!(rows[0]["status"], "refunded");
    assert_eq!(rows[0]["refund_id"], refund_id);

    // The reply went out and the draft is gone.
    let messages = front_messages(&conversation).await;
    assert_eq!(sent_replies(&messages).len(), 1, "{messages:?}");
    assert!(drafts(&messages).is_empty(), "{messages:?}");

    // The audit trail: the request, the decision (who), each execution step.
    let trail = action(&action_id).await;
    let names: Vec<String> = trail["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["kind"].as_str().unwrap(),
                e["name"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "decision:approval requested",
        "decision:approved",
        "execution:processRefund",
        "execution:reply",
        "execution:outcome",
    ] {
        assert!(
            names.contains(&expected.to_owned()),
            "no {expected} in {names:?}"
        );
    }
    let decision = trail["audit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "decision" && e["name"] == "approved")
        .unwrap();
    assert_eq!(decision["input"]["by"], APPROVER);
}

#[tokio::test]
async fn a_rejection_with_a_reason_sends_nothing_and_removes_the_draft() {
    inngest_sync().await;
    let (conversation, action_id, message) = proposed(
        "cha_dev",
        "sam@example.com",
        "Can't log in",
        &format!("I can't log in to my account. {}", unique("reject")),
    )
    .await;
    let clicked = click(&message, "reject_action", APPROVER).await;
    assert_eq!(clicked["status"], 200, "{clicked}");
    // The modal asks why.
    let view = wait_for_view("reject_reason", &action_id).await;
    let submitted = post(
        "/_devkit/slack/submit",
        json!({"view_id": view["id"], "user": APPROVER, "values": {"reason": {"text": "Wrong tone"}}}),
    )
    .await;
    assert_eq!(submitted["status"], 200, "{submitted}");
    let run = finished_run("support-request-approval", &conversation).await;
    assert_eq!(run["output"]["outcome"]["status"], "rejected", "{run}");
    let messages = front_messages(&conversation).await;
    assert!(sent_replies(&messages).is_empty(), "{messages:?}");
    assert!(drafts(&messages).is_empty(), "{messages:?}");
    let trail = action(&action_id).await;
    let decision = trail["audit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "decision" && e["name"] == "rejected")
        .cloned()
        .unwrap();
    assert_eq!(decision["input"]["reason"], "Wrong tone");
}

async fn wait_for_view(callback_id: &str, action_id: &str) -> Value {
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

#[tokio::test]
async fn an_edited_reply_is_what_gets_sent() {
    inngest_sync().await;
    let (conversation, action_id, message) = proposed(
        "cha_dev",
        "sam@example.com",
        "Login trouble",
        &format!("I cannot access my course. {}", unique("edit")),
    )
    .await;
    click(&message, "edit_action", APPROVER).await;
    let view = wait_for_view("edit_reply", &action_id).await;
    let edited = format!("Hi Sam, here is a fresh login link. {}", unique("edited"));
    post(
        "/_devkit/slack/submit",
        json!({"view_id": view["id"], "user": APPROVER, "values": {"reply": {"text": edited}}}),
    )
    .await;
    let deadline = Instant::now() + WITHIN;
    loop {
        let messages = front_messages(&conversation).await;
        let sent = sent_replies(&messages);
        if let Some(reply) = sent.first() {
            assert!(
                reply["body"].as_str().unwrap().contains(&edited)
                    || reply["text"].as_str().unwrap_or("").contains(&edited),
                "{reply}"
            );
            assert_eq!(sent.len(), 1);
            assert!(drafts(&messages).is_empty());
            break;
        }
        assert!(Instant::now() < deadline, "the edited reply was never sent");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn double_clicks_and_concurrent_deciders_give_one_decision() {
    inngest_sync().await;
    let (conversation, action_id, message) = proposed(
        "cha_dev",
        "sam@example.com",
        "Access",
        &format!("I lost access to my course. {}", unique("double")),
    )
    .await;
    // Two approves and two rejects at once, through Slack and the API.
    let (reject, approve) = (
        format!("/api/approvals/{action_id}/reject"),
        format!("/api/approvals/{action_id}/approve"),
    );
    let (a, b, c, d) = tokio::join!(
        click(&message, "approve_action", APPROVER),
        click(&message, "approve_action", APPROVER),
        api_post(&reject, json!({"by": APPROVER, "reason": "race"})),
        api_post(&approve, json!({"by": APPROVER})),
    );
    assert_eq!(a["status"], 200);
    assert_eq!(b["status"], 200);
    assert!(
        [200, 409].contains(&c.0) && [200, 409].contains(&d.0),
        "{c:?} {d:?}"
    );
    let run = finished_run("support-request-approval", &conversation).await;
    let outcome = run["output"]["outcome"]["status"]
        .as_str()
        .unwrap()
        .to_owned();
    let trail = action(&action_id).await;
    let decisions: Vec<&Value> = trail["audit"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "decision" && e["id"].as_str().unwrap().starts_with("decision:"))
        .collect();
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    let executions = runs()
        .await
        .into_iter()
        .filter(|r| {
            r["function_id"] == "support-platform-support-execute"
                && r["event"]["data"]["actionId"] == action_id.as_str()
        })
        .count();
    assert_eq!(executions, usize::from(outcome == "approved"));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(sent_replies(&front_messages(&conversation).await).len() <= 1);
}

#[tokio::test]
async fn someone_who_is_not_an_approver_changes_nothing() {
    inngest_sync().await;
    let (_conversation, action_id, message) = proposed(
        "cha_dev",
        "sam@example.com",
        "Login",
        &format!(
            "Password reset please, I can't log in. {}",
            unique("notallowed")
        ),
    )
    .await;
    let clicked = click(&message, "approve_action", NOT_AN_APPROVER).await;
    assert_eq!(clicked["status"], 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(approval_status(&action_id).await, "pending");
    let state = get(format!("{}/_devkit/slack/state", devkit())).await;
    assert!(
        state["ephemerals"].to_string().contains(NOT_AN_APPROVER),
        "no ephemeral refusal: {}",
        state["ephemerals"]
    );
    let (status, body) = api_post(
        &format!("/api/approvals/{action_id}/approve"),
        json!({"by": NOT_AN_APPROVER}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn forged_or_stale_slack_signatures_are_refused() {
    let forged = post(
        "/_devkit/slack/click",
        json!({"channel": "C0DEVAPPROVALS", "ts": "0", "action_id": "approve_action", "user": APPROVER, "sign_with": "not-the-secret", "allow_unknown_message": true}),
    )
    .await;
    assert_eq!(forged["status"], 401, "{forged}");
    let stale = post(
        "/_devkit/slack/click",
        json!({"channel": "C0DEVAPPROVALS", "ts": "0", "action_id": "approve_action", "user": APPROVER, "timestamp_offset_secs": -600, "allow_unknown_message": true}),
    )
    .await;
    assert_eq!(stale["status"], 401, "{stale}");
    // The Events API: verified, url_verification answered.
    let body = br#"{"type":"url_verification","challenge":"abc123","token":"x"}"#.to_vec();
    let ts = now_ms() / 1000;
    let sig = support_signing::slack::sign(env("SLACK_SIGNING_SECRET").as_bytes(), ts, &body);
    let r = reqwest::Client::new()
        .post(format!("{}/slack/events", platform()))
        .header("x-slack-signature", sig)
        .header("x-slack-request-timestamp", ts.to_string())
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["challenge"], "abc123");
    let r = reqwest::Client::new()
        .post(format!("{}/slack/events", platform()))
        .header("x-slack-signature", "v0=00")
        .header("x-slack-request-timestamp", ts.to_string())
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn a_changed_amount_voids_the_approval() {
    inngest_sync().await;
    let (_conversation, action_id, message) = proposed(
        "cha_dev",
        "lead@acme.test",
        "Refund for our team",
        &format!(
            "We would like a refund for our team licence purchase. {}",
            unique("changed")
        ),
    )
    .await;
    d1_execute(&format!(
        "UPDATE actions SET proposals = json_set(proposals, '$[0].input.amount', 100) WHERE id = '{action_id}'"
    ));
    click(&message, "approve_action", APPROVER).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(approval_status(&action_id).await, "pending");
    let (status, body) = api_post(
        &format!("/api/approvals/{action_id}/approve"),
        json!({"by": APPROVER}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["result"], "arguments_changed");
    assert!(stripe_refunds("ch_3Acme001").await.is_empty());
}

#[tokio::test]
async fn an_approval_nobody_decides_expires() {
    inngest_sync().await;
    // The other app's approvals last 10 minutes: 6 seconds at the test's time scale.
    let conversation = customer_writes(
        "cha_other",
        "dana@example.com",
        "Login",
        &format!("I can't log in. {}", unique("expire")),
    )
    .await;
    let respond = finished_run("support-respond", &conversation).await;
    assert_eq!(respond["output"]["outcome"], "proposed", "{respond}");
    let run = wait_for_run(
        |r| {
            r["function_id"] == "support-platform-support-request-approval"
                && r["event"]["data"]["conversationId"] == conversation.as_str()
                && r["status"] != "running"
        },
        Duration::from_secs(90),
        "the approval request",
    )
    .await;
    assert_eq!(run["output"]["outcome"]["status"], "expired", "{run}");
    let messages = front_messages(&conversation).await;
    assert!(sent_replies(&messages).is_empty());
    assert!(drafts(&messages).is_empty());
    let state = get(format!("{}/_devkit/front/state", devkit())).await;
    assert!(state["comments"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["conversation_id"] == conversation.as_str()
            && c["body"].as_str().unwrap().contains("expired")));
}

/// A measurement, not a pass/fail speed check: decisions per second through the HTTP
/// API with 16 concurrent deciders on distinct actions (printed for the figures).
#[tokio::test]
async fn decisions_per_second_through_the_api() {
    const ACTIONS: usize = 96;
    let run = unique("rate");
    let mut sql = String::new();
    for i in 0..ACTIONS {
        let id = format!("act_{run}_{i}");
        sql.push_str(&format!(
            "INSERT INTO actions (id, app_id, conversation_id, run_id, reply, proposals, args_hash, context, status, created_at, updated_at) \
             VALUES ('{id}', 'total-typescript', 'cnv_{run}_{i}', '{run}', 'Hi', '[]', \
             '4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945', '{{}}', 'pending', 1, 1); \
             INSERT INTO approvals (action_id, app_id, args_hash, status, expires_at, created_at) \
             VALUES ('{id}', 'total-typescript', '4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945', 'pending', 99999999999999, 1); "
        ));
    }
    d1_execute(&sql);
    let ids: Vec<String> = (0..ACTIONS).map(|i| format!("act_{run}_{i}")).collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for chunk in ids.chunks(ACTIONS / 16) {
        let chunk = chunk.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for id in chunk {
                let (status, body) = api_post(
                    &format!("/api/approvals/{id}/reject"),
                    json!({"by": APPROVER, "reason": "load"}),
                )
                .await;
                answers.push((id, status, body));
            }
            answers
        }));
    }
    let mut decided = 0;
    let mut refused = Vec::new();
    for t in tasks {
        for (id, status, body) in t.await.unwrap() {
            if status == 200 {
                decided += 1;
            } else {
                refused.push(format!("{id}: {status} {body}"));
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    figure(&format!("approvals API: {decided} decisions by 16 concurrent deciders on distinct actions in {secs:.2} s = {:.0} decisions/s", decided as f64 / secs));
    assert_eq!(
        decided, ACTIONS,
        "every distinct action takes its one decision; refused: {refused:?}"
    );
}
