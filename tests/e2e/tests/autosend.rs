//! Auto-send's guards in workerd, on an app with an SDK and Stripe (issue 21): once
//! switched on for refunds, a plain reply goes alone, the daily cap holds the next one,
//! a draft that proposes a refund still waits for an approval, and the rejection that
//! takes trust below the threshold switches auto-send off and tells the approvers.
//!
//! Its own test binary: it switches auto-send on for the dev app, which no other test
//! may see; a guard switches it off and restores the app's settings even on failure.

mod common;

use std::time::{Duration, Instant};

use common::flow::*;
use common::*;
use serde_json::{json, Value};

const CATEGORY: &str = "support_refund";

/// Restores the dev app however the test ends.
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        d1_execute(&format!(
            "UPDATE autosend SET enabled = 0 WHERE app_id = 'total-typescript' AND category = '{CATEGORY}'"
        ));
        d1_execute(
            "UPDATE apps SET settings = json_remove(settings, '$.autosend') WHERE slug = 'total-typescript'",
        );
    }
}

/// A scripted reply with no tool: what auto-send may send.
const PLAIN: &str =
    "Hi,\n\nThanks for letting us know. We have your request and will reply here.\n\nSam";

/// A refund request from `from`, the agent scripted with `responses`.
async fn refund_request(from: &str, responses: Value) -> (String, Value) {
    let tag = unique("autosend");
    script(&tag, responses).await;
    let conversation = customer_writes(
        "cha_dev",
        from,
        "Refund",
        &format!("Hi, I'd like a refund for my purchase please.\n\n{tag}"),
    )
    .await;
    let respond = finished_run("support-pipeline", &conversation).await;
    (conversation, respond)
}

fn action_of(respond: &Value) -> String {
    respond["output"]["actionId"].as_str().unwrap().to_owned()
}

async fn outcome_kind(action_id: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let rows = platform_rows(&format!(
            "SELECT kind FROM outcomes WHERE action_id = '{action_id}'"
        ));
        if let Some(kind) = rows
            .first()
            .and_then(|r| r["kind"].as_str())
            .filter(|k| *k != "pending")
        {
            return kind.to_owned();
        }
        assert!(Instant::now() < deadline, "no outcome for {action_id}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn refund_category() -> Value {
    let stats = admin("/api/stats?app=total-typescript&since=1").await;
    stats["apps"][0]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == CATEGORY)
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn auto_send_holds_at_the_cap_never_sends_a_refund_and_stops_when_trust_falls() {
    inngest_sync().await;
    let _restore = Restore;
    // Trust from this test's verdicts only: the other suites' refunds are not its data.
    d1_execute(&format!(
        "DELETE FROM outcomes WHERE app_id = 'total-typescript' AND category = '{CATEGORY}'"
    ));
    d1_execute(
        "UPDATE apps SET settings = json_set(settings, '$.autosend', json('{\"minSamples\":3,\"dailyCap\":1,\"minTrust\":0.95}')) WHERE slug = 'total-typescript'",
    );
    // Earned: three drafts approved as written.
    for _ in 0..3 {
        let (_, respond) = refund_request("dana@example.com", json!([{"text": PLAIN}])).await;
        assert_eq!(respond["output"]["outcome"], "proposed", "{respond}");
        let action_id = action_of(&respond);
        let (status, body) =
            api_post(&format!("/api/approvals/{action_id}/approve"), json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(outcome_kind(&action_id).await, "approved");
    }
    let out = skill_output(
        &[
            "autosend",
            "on",
            "--app",
            "total-typescript",
            "--category",
            CATEGORY,
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A plain reply goes alone: the day's one.
    let (_, respond) = refund_request("dana@example.com", json!([{"text": PLAIN}])).await;
    assert_eq!(respond["output"]["outcome"], "auto-sent", "{respond}");
    assert_eq!(outcome_kind(&action_of(&respond)).await, "auto_sent");

    // The cap holds the next one for a person, and the log says why.
    let (conversation, respond) =
        refund_request("dana@example.com", json!([{"text": PLAIN}])).await;
    assert_eq!(respond["output"]["outcome"], "proposed", "{respond}");
    let held = action_of(&respond);
    let audit = admin(&format!("/admin/audit?conversation={conversation}")).await;
    let refused = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "auto-send refused")
        .cloned()
        .unwrap_or(Value::Null);
    assert!(
        refused
            .to_string()
            .contains("the daily cap of 1 is reached"),
        "{refused}"
    );
    let (status, body) = api_post(&format!("/api/approvals/{held}/approve"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(outcome_kind(&held).await, "approved");

    // A draft that proposes a refund waits for an approval whatever auto-send says.
    let (_, respond) = refund_request(
        "victor@example.com",
        json!([
            {"tool_use": {"name": "processRefund", "input": {"purchaseId": "pur_victor_tt", "reason": "customer asked"}}},
            {"text": "Hi Victor,\n\nI've started your refund.\n\nSam"}
        ]),
    )
    .await;
    assert_eq!(respond["output"]["outcome"], "proposed", "{respond}");
    let refund = action_of(&respond);
    assert!(
        respond["output"]["proposals"].as_u64().unwrap() >= 1,
        "{respond}"
    );
    slack_message(&refund).await;

    // Rejecting it takes trust to 4/5 = 0.8, below 0.95: auto-send goes off, and the
    // approvers' channel is told.
    let (status, body) = api_post(
        &format!("/api/approvals/{refund}/reject"),
        json!({"reason": "outside the refund window"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(outcome_kind(&refund).await, "rejected");
    let deadline = Instant::now() + WITHIN;
    let category = loop {
        let category = refund_category().await;
        if category["switch"]["changedBy"] == "platform" {
            break category;
        }
        assert!(Instant::now() < deadline, "auto-send stayed on: {category}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(category["autosend"], false, "{category}");
    assert!(
        category["switch"]["reason"]
            .as_str()
            .unwrap()
            .contains("below 0.95"),
        "{category}"
    );
    let slack = get(format!("{}/_devkit/slack/state", devkit())).await;
    assert!(
        slack
            .to_string()
            .contains("Auto-send is now off for support_refund"),
        "the approvers were not told"
    );
    // And switching it back on is refused while trust is low.
    let again = skill_output(
        &[
            "autosend",
            "on",
            "--app",
            "total-typescript",
            "--category",
            CATEGORY,
        ],
        None,
    );
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("below 0.95"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}
