//! What becomes of drafts, and auto-send earned from it (issue 21), in workerd: a
//! teammate sends a draft from the Front stand-in as written or rewritten, an approver
//! rejects one, each is the draft's outcome; an owner can switch auto-send on only once
//! trust is earned, the next message in that category then goes out with no approval
//! (a Front comment says so), and the kill switch stops it.

mod common;

use std::time::{Duration, Instant};

use common::flow::*;
use common::*;
use serde_json::{json, Value};

/// The outcome row of an action once it is no longer `pending`.
async fn outcome_of(action_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let rows = platform_rows(&format!(
            "SELECT kind, edit, received_at, drafted_at, at_ms, category FROM outcomes WHERE action_id = '{action_id}'"
        ));
        if let Some(row) = rows.first().filter(|r| r["kind"] != "pending") {
            return row.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no outcome for {action_id}: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn the_draft_of(conversation: &str) -> String {
    let messages = front_messages(conversation).await;
    let drafts = drafts(&messages);
    assert_eq!(drafts.len(), 1, "{messages:?}");
    drafts[0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn what_a_teammate_does_with_a_draft_is_its_outcome() {
    inngest_sync().await;
    // Sent from Front as the agent wrote it.
    let (conversation, action_id, _card) = proposed(
        "cha_dev",
        "dana@example.com",
        "Invoice",
        &format!("Where can I download my invoice? {}", unique("sent")),
    )
    .await;
    let waiting = platform_rows(&format!(
        "SELECT kind, received_at, drafted_at FROM outcomes WHERE action_id = '{action_id}'"
    ));
    assert_eq!(waiting.len(), 1, "one row per message: {waiting:?}");
    let (received, drafted) = (
        waiting[0]["received_at"].as_i64().unwrap(),
        waiting[0]["drafted_at"].as_i64().unwrap(),
    );
    assert!(
        received > 0 && drafted >= received,
        "webhook at {received}, draft at {drafted}"
    );
    let draft = the_draft_of(&conversation).await;
    post(&format!("/_devkit/front/drafts/{draft}/send"), json!({})).await;
    let row = outcome_of(&action_id).await;
    assert_eq!(
        (row["kind"].as_str(), row["edit"].as_str()),
        (Some("sent"), Some("unchanged")),
        "{row}"
    );
    assert!(row["at_ms"].as_i64().unwrap() >= drafted, "{row}");
    // Nothing else will be sent for it: the approval is closed as overtaken.
    let card = slack_message(&action_id).await;
    let deadline = Instant::now() + WITHIN;
    while !slack_message(&action_id).await["blocks"]
        .to_string()
        .contains("Superseded")
    {
        assert!(Instant::now() < deadline, "the card stays open: {card}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // Rewritten before sending.
    let (conversation, action_id, _card) = proposed(
        "cha_dev",
        "dana@example.com",
        "Invoice",
        &format!("Where can I download my invoice? {}", unique("rewritten")),
    )
    .await;
    let draft = the_draft_of(&conversation).await;
    post(
        &format!("/_devkit/front/drafts/{draft}/send"),
        json!({"body": "Sorry for the trouble. Our billing team will email your invoice to you today."}),
    )
    .await;
    let row = outcome_of(&action_id).await;
    assert_eq!(
        (row["kind"].as_str(), row["edit"].as_str()),
        (Some("sent"), Some("major_rewrite")),
        "{row}"
    );

    // Rejected by the approver.
    let (_, action_id, _card) = proposed(
        "cha_dev",
        "dana@example.com",
        "Invoice",
        &format!("Where can I download my invoice? {}", unique("rejected")),
    )
    .await;
    let (status, body) = api_post(
        &format!("/api/approvals/{action_id}/reject"),
        json!({"reason": "we answer invoices by email"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let row = outcome_of(&action_id).await;
    assert_eq!(row["kind"], "rejected", "{row}");
    assert!(row["edit"].is_null(), "{row}");

    // The live figures count them: three drafts, one sent unedited of three verdicts.
    let stats = admin("/api/stats?app=total-typescript&since=1").await;
    let all = &stats["apps"][0]["all"];
    assert!(all["mix"]["unchanged"].as_u64().unwrap() >= 1, "{stats}");
    assert!(all["mix"]["majorRewrite"].as_u64().unwrap() >= 1, "{stats}");
    assert!(all["mix"]["rejected"].as_u64().unwrap() >= 1, "{stats}");
    assert!(all["timeToDraft"]["p50Ms"].as_i64().is_some(), "{stats}");
    assert_eq!(stats["apps"][0]["targets"]["draftShare"], 0.8, "{stats}");
}

/// A reply the agent gives without tools (the other app has no SDK endpoint), scripted
/// so that every draft of this test is the same plain answer.
const REPLY: &str = "Hi Dana,\n\nEvery invoice is on your account's purchases page, each with its own download button.\n\nSam";

async fn billing_question(tag_prefix: &str) -> (String, Value) {
    let tag = unique(tag_prefix);
    script(&tag, json!([{"text": REPLY}])).await;
    let conversation = customer_writes(
        "cha_other",
        "dana@example.com",
        "Invoice",
        &format!("Where can I download my invoice?\n\n{tag}"),
    )
    .await;
    let respond = finished_run("support-pipeline", &conversation).await;
    (conversation, respond)
}

fn autosend(args: &[&str]) -> std::process::Output {
    let mut all = vec!["autosend"];
    all.extend_from_slice(args);
    skill_output(&all, None)
}

#[tokio::test]
async fn auto_send_is_earned_switched_on_and_stopped_by_the_kill_switch() {
    inngest_sync().await;
    // Few samples for a test: three approvals earn it (the default is 50).
    d1_execute(
        "UPDATE apps SET settings = json_set(settings, '$.autosend', json('{\"minSamples\":3,\"dailyCap\":5}')) WHERE slug = 'other-app'",
    );
    let on = ["on", "--app", "other-app", "--category", "support_billing"];

    // Before anything is earned, switching on is refused with the reason.
    let refused = autosend(&on);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("needed"), "{said}");

    // Three drafts approved as written.
    for n in 0..3 {
        let (_, respond) = billing_question(&format!("earn{n}")).await;
        assert_eq!(respond["output"]["outcome"], "proposed", "{respond}");
        let action_id = respond["output"]["actionId"].as_str().unwrap().to_owned();
        let card = slack_message(&action_id).await;
        click(&card, "approve_action", APPROVER).await;
        assert_eq!(outcome_of(&action_id).await["kind"], "approved");
    }
    let stats = admin("/api/stats?app=other-app").await;
    let billing = stats["apps"][0]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "support_billing")
        .cloned()
        .unwrap();
    assert_eq!(billing["trust"]["score"], 1.0, "{billing}");
    assert_eq!(billing["autosend"], false, "{billing}");
    assert_eq!(billing["refusedBecause"], json!([]), "{billing}");

    // An owner switches it on; the next message goes out with no approval.
    let switched = autosend(&on);
    assert!(
        switched.status.success(),
        "{}",
        String::from_utf8_lossy(&switched.stderr)
    );
    let (conversation, respond) = billing_question("alone").await;
    assert_eq!(respond["output"]["outcome"], "auto-sent", "{respond}");
    let action_id = respond["output"]["actionId"].as_str().unwrap().to_owned();
    let execution = finished_execution(&action_id).await;
    assert_eq!(execution["status"], "completed", "{execution}");
    let messages = front_messages(&conversation).await;
    let sent = sent_replies(&messages);
    assert_eq!(sent.len(), 1, "{messages:?}");
    assert!(
        sent[0]["text"].as_str().unwrap().contains("purchases page"),
        "{sent:?}"
    );
    assert!(drafts(&messages).is_empty(), "no draft waits: {messages:?}");
    let state = get(format!("{}/_devkit/front/state", devkit())).await;
    assert!(
        state["comments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["conversation_id"] == conversation.as_str()
                && c["body"].as_str().unwrap().contains("Sent by the agent")),
        "no comment says the agent sent it"
    );
    // No approval card was posted for it, and the audit log says who sent it.
    let slack = get(format!("{}/_devkit/slack/state", devkit())).await;
    assert!(!slack.to_string().contains(&action_id), "a card was posted");
    let trail = action(&action_id).await;
    assert!(
        trail["audit"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "auto-sent" && e["input"]["by"] == "agent (auto-send)"),
        "{trail}"
    );
    assert_eq!(outcome_of(&action_id).await["kind"], "auto_sent");
    let stats = admin("/api/stats?app=other-app").await;
    assert_eq!(stats["apps"][0]["sentToday"], 1, "{stats}");

    // The kill switch: off everywhere at once; the next draft waits for a human again.
    let killed = autosend(&["off", "--all"]);
    assert!(killed.status.success());
    let said = String::from_utf8_lossy(&killed.stdout);
    assert!(said.contains("other-app × support_billing"), "{said}");
    let (_, respond) = billing_question("stopped").await;
    assert_eq!(respond["output"]["outcome"], "proposed", "{respond}");
    let action_id = respond["output"]["actionId"].as_str().unwrap().to_owned();
    let card = slack_message(&action_id).await;
    click(&card, "reject_action", APPROVER).await;

    // Leave the app as the other suites expect it.
    d1_execute(
        "UPDATE apps SET settings = json_remove(settings, '$.autosend') WHERE slug = 'other-app'",
    );
}

/// What the agent wrote before the team corrected it (wrong: the course has one).
const WRONG: &str = "Hi,\n\nThe course does not come with a certificate, sorry about that.\n\nSam";

#[tokio::test]
async fn a_correction_in_slack_is_what_the_next_similar_draft_is_told_and_a_repeat_is_caught() {
    inngest_sync().await;
    let first = unique("cert1");
    script(&first, json!([{"text": WRONG}])).await;
    let (_, action_id, card) = proposed(
        "cha_dev",
        "sam@example.com",
        "Certificate",
        &format!("Do you give a certificate when I finish the course?\n\n{first}"),
    )
    .await;
    // The approver corrects the draft in Slack's Edit modal.
    click(&card, "edit_action", APPROVER).await;
    let view = wait_for_view("edit_reply", &action_id).await;
    let corrected =
        "Hi Sam,\n\nYes: when you complete all 48 lessons a certificate appears on your profile page.\n\nSam";
    post(
        "/_devkit/slack/submit",
        json!({"view_id": view["id"], "user": APPROVER, "values": {"reply": {"text": corrected}}}),
    )
    .await;
    let row = outcome_of(&action_id).await;
    assert_eq!(
        (row["kind"].as_str(), row["edit"].as_str()),
        (Some("edited_approved"), Some("major_rewrite")),
        "{row}"
    );
    let kept = platform_rows(&format!(
        "SELECT kind, question, draft, corrected FROM corrections WHERE id = '{action_id}'"
    ));
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["kind"], "edit");
    // Scrubbed: the customer's name is not kept.
    assert!(
        !kept[0]["corrected"].as_str().unwrap().contains("Sam,"),
        "{kept:?}"
    );

    // A similar question: the agent is told what the team changed, and a draft that
    // says the same wrong thing again is flagged for the approver.
    let second = unique("cert2");
    script(&second, json!([{"text": WRONG}])).await;
    let (conversation, _, _) = proposed(
        "cha_dev",
        "lee@example.com",
        "Certificate?",
        &format!("Will I get a certificate after I finish the course?\n\n{second}"),
    )
    .await;
    let requests: Value = get(format!("{}/_devkit/anthropic/requests", devkit())).await;
    let told: Vec<String> = requests
        .as_array()
        .unwrap()
        .iter()
        // The agent's calls, not the classifier's.
        .filter(|r| r["body"]["model"] == AGENT_MODEL && r["body"].to_string().contains(&second))
        .map(|r| r["body"]["messages"][0].to_string())
        .collect();
    assert!(!told.is_empty(), "the agent was never called for {second}");
    assert!(
        told[0].contains("How the team corrected drafts for similar questions")
            && told[0].contains("a certificate appears on your profile page"),
        "{}",
        told[0]
    );
    let audit = admin(&format!("/admin/audit?conversation={conversation}")).await;
    let validated = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "agent_run")
        .cloned()
        .unwrap_or(Value::Null);
    assert!(
        validated
            .to_string()
            .contains("like a draft the team corrected"),
        "{validated}"
    );
}

#[tokio::test]
async fn a_draft_deleted_in_front_is_its_outcome_and_closes_the_approval() {
    inngest_sync().await;
    let (conversation, action_id, _card) = proposed(
        "cha_dev",
        "dana@example.com",
        "Receipt",
        &format!("Can I get a receipt for my purchase? {}", unique("deleted")),
    )
    .await;
    let messages = front_messages(&conversation).await;
    let draft = drafts(&messages)[0].clone();
    // A teammate deletes it in Front (Front's API call, with the draft's version).
    let deleted = reqwest::Client::new()
        .delete(format!(
            "{}/front/drafts/{}",
            devkit(),
            draft["id"].as_str().unwrap()
        ))
        .bearer_auth(env("FRONT_API_TOKEN"))
        .json(&json!({"version": draft["version"]}))
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success(), "{}", deleted.status());
    let row = outcome_of(&action_id).await;
    assert_eq!(row["kind"], "deleted", "{row}");
    let deadline = Instant::now() + WITHIN;
    loop {
        let card = slack_message(&action_id).await;
        if card["blocks"]
            .to_string()
            .contains("the draft was deleted in Front")
        {
            break;
        }
        assert!(Instant::now() < deadline, "the card stays open: {card}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let (status, body) = api_post(&format!("/api/approvals/{action_id}/approve"), json!({})).await;
    assert_eq!(status, 409, "{body}");
}
