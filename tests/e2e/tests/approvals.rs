//! Human approval in Slack and exactly-once execution, in workerd: a customer writes,
//! the pipeline proposes, the Slack stand-in shows the approval message and clicks its
//! buttons with correctly signed interactivity payloads, the platform records the
//! decision once and executes through the Stripe, example-app and Front stand-ins.
//!
//! Environment (set by scripts/test): PLATFORM_URL, DEVKIT_URL, ADMIN_TOKEN,
//! APPROVALS_API_TOKEN, EXAMPLE_APP_CONFIG, EXAMPLE_APP_STATE_DIR, WRANGLER.

mod common;

use std::time::{Duration, Instant};

use common::flow::*;
use common::*;
use serde_json::{json, Value};

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

    let execute = finished_execution(&action_id).await;
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
    // The bound refund as recorded (the audit row of the proposal, customer data masked).
    let purchase = proposal["input"]["input"]["purchase"]["purchaseId"]
        .as_str()
        .unwrap()
        .to_owned();
    let charge = proposal["input"]["input"]["chargeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let amount = proposal["input"]["input"]["amount"]["amount"].clone();
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
        "execution:processRefund:refund",
        "execution:processRefund:revoke",
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
    // What the approver wrote is kept apart, for the retention window only.
    assert_eq!(decision["sensitive"]["reason"], "Wrong tone");
    assert_eq!(decision["input"]["hasReason"], true);
    assert!(decision["sensitiveUntil"].as_i64().unwrap() > now_ms());
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
        // The reply is sent first, then the draft it replaces is removed: wait for both.
        if let (Some(reply), true) = (sent.first(), drafts(&messages).is_empty()) {
            assert!(
                reply["body"].as_str().unwrap().contains(&edited)
                    || reply["text"].as_str().unwrap_or("").contains(&edited),
                "{reply}"
            );
            assert_eq!(sent.len(), 1);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the edited reply was never sent, or its draft never removed: {} sent, {} drafts",
            sent.len(),
            drafts(&messages).len()
        );
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
        api_post(&reject, json!({"reason": "race"})),
        api_post(&approve, json!({})),
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
    let executions = executions_of(&action_id).await.len();
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
    // Over HTTP the approver is the token's person: naming someone in the body is
    // refused, and a token scoped to another app cannot decide this one.
    let (status, body) = api_post(
        &format!("/api/approvals/{action_id}/approve"),
        json!({"by": NOT_AN_APPROVER}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let other_app = create_token(APPROVER, &["other-app"]).await;
    let r = reqwest::Client::new()
        .post(format!("{}/api/approvals/{action_id}/approve", platform()))
        .bearer_auth(&other_app)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let listed: Value = reqwest::Client::new()
        .get(format!("{}/api/approvals?limit=500", platform()))
        .bearer_auth(&other_app)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        listed["approvals"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["appId"] == "other-app"),
        "a token sees its apps only: {listed}"
    );
    assert_eq!(approval_status(&action_id).await, "pending");
    // The list shows it without its secret; a revoked token opens nothing.
    let listed = skill_tokens(&["list", "--json"]);
    let tokens: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert!(
        !tokens.to_string().contains(&other_app),
        "the list never shows a token"
    );
    let id = tokens["tokens"][0]["id"].as_str().unwrap().to_owned();
    let revoked = skill_tokens(&["revoke", &id]);
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    let admin_client = reqwest::Client::new();
    let r = reqwest::Client::new()
        .get(format!("{}/api/approvals", platform()))
        .bearer_auth(&other_app)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Nobody gets a token for an app they do not approve for.
    let refused = admin_client
        .post(format!("{}/admin/tokens", platform()))
        .bearer_auth(env("ADMIN_TOKEN"))
        .json(&json!({"slackUserId": NOT_AN_APPROVER, "apps": ["total-typescript"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}

/// `skill tokens …` against the platform, as an operator runs it.
fn skill_tokens(args: &[&str]) -> std::process::Output {
    let mut all = vec!["tokens"];
    all.extend_from_slice(args);
    skill_output(&all, None)
}

/// A new API token for `person` on `apps`, made with `skill tokens create`.
async fn create_token(person: &str, apps: &[&str]) -> String {
    let label = unique("test");
    let mut args = vec!["create", "--slack", person, "--label", &label];
    for app in apps {
        args.extend(["--app", app]);
    }
    let out = skill_tokens(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("sat_") && token.len() == 68, "{token}");
    token
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
        "UPDATE actions SET proposals = json_set(proposals, '$[0].input.amount.amount', 100) WHERE id = '{action_id}'"
    ));
    click(&message, "approve_action", APPROVER).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(approval_status(&action_id).await, "pending");
    let (status, body) = api_post(&format!("/api/approvals/{action_id}/approve"), json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["result"], "arguments_changed");
    assert!(stripe_refunds("ch_3Acme001").await.is_empty());
}

#[tokio::test]
async fn an_approval_nobody_decides_expires() {
    inngest_sync().await;
    // The other app's approvals last 10 minutes: 6 seconds at the test's time scale.
    // (A question the agent answers without tools: the other app has no SDK endpoint.)
    let conversation = customer_writes(
        "cha_other",
        "dana@example.com",
        "Invoice",
        &format!("Where can I download my invoice? {}", unique("expire")),
    )
    .await;
    let respond = finished_run("support-pipeline", &conversation).await;
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

/// Every execution run of an action that has ended.
async fn executions_of(action_id: &str) -> Vec<Value> {
    runs()
        .await
        .into_iter()
        .filter(|r| {
            r["function_id"] == "support-platform-support-execute"
                && r["event"]["data"]["actionId"] == action_id
        })
        .collect()
}

async fn approval_run(action_id: &str, within: Duration) -> Value {
    wait_for_run(
        |r| {
            r["function_id"] == "support-platform-support-request-approval"
                && r["event"]["data"]["actionId"] == action_id
                && r["status"] != "running"
        },
        within,
        "the approval request",
    )
    .await
}

#[tokio::test]
async fn a_customer_writing_again_supersedes_the_pending_approval() {
    inngest_sync().await;
    let thread = unique("thread");
    let first = customer_writes_in(
        "cha_dev",
        "dana@example.com",
        "Login",
        &format!("I can't log in to my course. {}", unique("supersede")),
        Some(&thread),
    )
    .await;
    let respond = finished_run("support-pipeline", &first).await;
    assert_eq!(respond["output"]["outcome"], "proposed", "{respond}");
    let action_id = respond["output"]["actionId"].as_str().unwrap().to_owned();
    let message = slack_message(&action_id).await;
    // The customer writes again in the same conversation before anyone decided.
    let again = customer_writes_in(
        "cha_dev",
        "dana@example.com",
        "Re: Login",
        "Never mind, it works now. Thanks!",
        Some(&thread),
    )
    .await;
    assert_eq!(again, first, "the same conversation");
    let run = approval_run(&action_id, WITHIN).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["outcome"]["status"], "superseded", "{run}");
    // Its own state, never a rejection; nothing executes; the card says so.
    let trail = action(&action_id).await;
    assert!(
        trail["audit"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "decision" && e["name"] == "superseded"),
        "{trail}"
    );
    // The card says so (and has no buttons left to click).
    let card = slack_message(&action_id).await;
    assert!(card["blocks"].to_string().contains("Superseded"), "{card}");
    assert!(
        !card["blocks"].to_string().contains("approve_action"),
        "{card}"
    );
    assert_eq!(card["ts"], message["ts"], "the same message, redrawn");
    assert!(executions_of(&action_id).await.is_empty());
    let (status, body) = api_post(&format!("/api/approvals/{action_id}/approve"), json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["result"], "already_decided", "{body}");
    assert_eq!(body["status"], "superseded", "{body}");
}

#[tokio::test]
async fn a_decision_whose_event_is_lost_is_still_seen() {
    inngest_sync().await;
    let (_conversation, action_id, _message) = proposed(
        "cha_dev",
        "dana@example.com",
        "Login",
        &format!("I cannot log in, please help. {}", unique("lost")),
    )
    .await;
    // Decided in the record only: no support/approval.decided event reaches the wait
    // (as when the decision lands before the wait registers, or its event is lost).
    d1_execute(&format!(
        "UPDATE approvals SET status = 'approved', decided_by = '{APPROVER}', decided_at = {} WHERE action_id = '{action_id}' AND status = 'pending'",
        now_ms()
    ));
    let started = std::time::Instant::now();
    wait_for_run(
        |r| {
            r["function_id"] == "support-platform-support-execute"
                && r["event"]["data"]["actionId"] == action_id.as_str()
        },
        Duration::from_secs(40),
        "an execution started by the decision in the record",
    )
    .await;
    figure(&format!(
        "a decision without its event started its execution after {:.1} s (slices of APPROVAL_WAIT_SLICE_SECS=300 s: 3 s at the executor's time scale 0.01)",
        started.elapsed().as_secs_f64()
    ));
    let run = approval_run(&action_id, Duration::from_secs(40)).await;
    assert_eq!(run["output"]["outcome"]["status"], "approved", "{run}");
    let execute = finished_execution(&action_id).await;
    assert_eq!(execute["output"]["status"], "executed", "{execute}");
}

#[tokio::test]
async fn a_revoke_that_fails_after_the_refund_says_refunded_access_not_revoked() {
    inngest_sync().await;
    let (conversation, action_id, message) = proposed(
        "cha_dev",
        "casey@example.com",
        "Refund please",
        &format!(
            "I bought Total TypeScript and want a refund. {}",
            unique("revoke")
        ),
    )
    .await;
    // The purchase changes in the app between the proposal and the execution: Stripe
    // will refund, the app will refuse to revoke.
    example_app_rows("UPDATE purchases SET status = 'transferred' WHERE id = 'pur_casey_tt'");
    click(&message, "approve_action", APPROVER).await;
    let execute = finished_execution(&action_id).await;
    assert_eq!(execute["output"]["status"], "failed", "{execute}");
    let error = execute["output"]["error"].as_str().unwrap();
    assert!(
        error.starts_with("refunded $499.00 USD (re_") && error.contains("access not revoked"),
        "{error}"
    );
    // The refund happened once and was committed and audited the moment it did.
    let refunds = stripe_refunds("ch_3Casey0001").await;
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    let trail = action(&action_id).await;
    let refund_row = trail["audit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "processRefund:refund")
        .cloned()
        .unwrap();
    assert_eq!(refund_row["output"]["refundId"], refunds[0]["id"]);
    // The approvers are told in the thread; nothing was sent to the customer.
    let deadline = std::time::Instant::now() + WITHIN;
    loop {
        let card = slack_message(&action_id).await;
        if card["replies"].to_string().contains("access not revoked") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no thread message: {card}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(sent_replies(&front_messages(&conversation).await).is_empty());
}

#[tokio::test]
async fn concurrent_executions_of_one_action_run_each_effect_once() {
    inngest_sync().await;
    let (conversation, action_id, message) = proposed(
        "cha_dev",
        "quinn@example.com",
        "Refund please",
        &format!(
            "I bought Total TypeScript and want a refund please. {}",
            unique("concurrent")
        ),
    )
    .await;
    click(&message, "approve_action", APPROVER).await;
    // Two more deliveries of the approval, as a replayed or duplicated event would be:
    // three executions race for one action.
    let events: Vec<Value> = (0..2)
        .map(|i| json!({"id": unique(&format!("dup{i}")), "name": "support/action.approved",
                         "data": {"version": 1, "actionId": action_id, "appId": "total-typescript", "conversationId": conversation}}))
        .collect();
    let sent = reqwest::Client::new()
        .post(format!("{}/e/{}", devkit(), env("INNGEST_EVENT_KEY")))
        .json(&events)
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success());
    let deadline = std::time::Instant::now() + WITHIN;
    let finished = loop {
        let runs = executions_of(&action_id).await;
        if runs.len() >= 3 && runs.iter().all(|r| r["status"] != "running") {
            break runs;
        }
        assert!(std::time::Instant::now() < deadline, "executions: {runs:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let executed = finished
        .iter()
        .filter(|r| r["output"]["status"] == "executed")
        .count();
    assert_eq!(executed, 1, "{finished:?}");
    assert_eq!(stripe_refunds("ch_3Quinn0001").await.len(), 1);
    let rows =
        example_app_rows("SELECT status, refund_id FROM purchases WHERE id = 'pur_quinn_tt'");
    assert_eq!(rows[0]["status"], "refunded");
    assert_eq!(sent_replies(&front_messages(&conversation).await).len(), 1);
}

#[tokio::test]
async fn an_edit_submitted_after_someone_else_decided_tells_the_editor() {
    inngest_sync().await;
    let (conversation, action_id, message) = proposed(
        "cha_dev",
        "dana@example.com",
        "Login",
        &format!("I can't log in to my course, help. {}", unique("late-edit")),
    )
    .await;
    click(&message, "edit_action", APPROVER).await;
    let view = wait_for_view("edit_reply", &action_id).await;
    // Someone else rejects while the editor types.
    let (status, body) = api_post(
        &format!("/api/approvals/{action_id}/reject"),
        json!({"reason": "decided elsewhere"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let submitted = post(
        "/_devkit/slack/submit",
        json!({"view_id": view["id"], "user": APPROVER, "values": {"reply": {"text": "My careful edit"}}}),
    )
    .await;
    // The modal stays open and says the edit did not take; nothing is sent.
    assert_eq!(submitted["view_open"], true, "{submitted}");
    assert!(
        submitted.to_string().contains("already rejected"),
        "{submitted}"
    );
    let run = approval_run(&action_id, WITHIN).await;
    assert_eq!(run["output"]["outcome"]["status"], "rejected", "{run}");
    assert!(sent_replies(&front_messages(&conversation).await).is_empty());
}
