//! Knowledge in workerd: the example app's corpus (`fixtures/knowledge/app_dev_tt`,
//! ingested by scripts/test into the Upstash stand-in) grounds the agent's drafts; the
//! approver's card shows what a draft stands on; a draft that states what no source says
//! goes to a human; and sent replies teach the knowledge base, after a person approves.

mod common;

use common::flow::*;
use common::*;
use serde_json::{json, Value};

const SLUG: &str = "total-typescript";

/// The card's plain text, all blocks.
fn card_text(message: &Value) -> String {
    message["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["text"]["text"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

async fn pending_action(action_id: &str) -> Value {
    admin(&format!("/admin/actions?app={SLUG}&limit=500")).await["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == action_id)
        .cloned()
        .unwrap_or_else(|| panic!("no pending action {action_id}"))
}

/// A question only the corpus answers (the student coupon's code is nowhere else): the
/// default model drafts from the passage gather retrieved, and the card cites it.
#[tokio::test]
async fn a_question_only_the_corpus_answers_is_drafted_from_it_and_the_card_cites_it() {
    inngest_sync().await;
    let (conversation, action_id, message) = proposed(
        "cha_dev",
        "dana@example.com",
        "Student discount?",
        &format!(
            "Hi, I'm at university. Do you have a student discount for the course? {}",
            unique("kb")
        ),
    )
    .await;
    let action = pending_action(&action_id).await;
    let reply = action["reply"].as_str().unwrap();
    assert!(reply.contains("STUDENT50"), "{reply}");
    // Listed as the context holds them: the ones the reply stands on first.
    let sources = action["context"]["sources"].as_array().unwrap();
    let cited: Vec<&str> = sources
        .iter()
        .filter_map(|s| s["citation"].as_str())
        .collect();
    let used: Vec<&Value> = sources.iter().filter(|s| s["used"] == true).collect();
    assert!(
        !used.is_empty()
            && used
                .iter()
                .all(|s| s["source"] == "course-faq.md" || s["source"] == "faq.yaml"),
        "{sources:?}"
    );
    let card = card_text(&message);
    let line = card
        .lines()
        .find(|l| l.starts_with("Stands on: "))
        .unwrap_or_else(|| panic!("no sources line in {card}"));
    for source in &used {
        assert!(
            line.contains(source["citation"].as_str().unwrap()),
            "{line}"
        );
    }
    // The audit log names the sources too (citations, not text).
    let trail = admin(&format!("/admin/audit?conversation={conversation}")).await;
    let propose = trail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "propose")
        .cloned()
        .unwrap();
    assert_eq!(propose["output"]["sources"][0], cited[0], "{propose}");
}

/// The model states a refund window and a link that no source gives: the draft fails
/// validation with what it said, no card is posted, and the conversation goes to a human.
#[tokio::test]
async fn a_link_no_source_gives_keeps_the_reply_from_the_card() {
    inngest_sync().await;
    let tag = unique("ungrounded");
    script(
        &tag,
        json!([{"text": "Hi,\n\nYou can get a refund for 90 days at https://refunds.evil.example/claim.\n\nSam"}]),
    )
    .await;
    let conversation = customer_writes(
        "cha_dev",
        "dana@example.com",
        "Refund window?",
        &format!("How long do I have to ask for a refund? {tag}"),
    )
    .await;
    let respond = finished_run("support-pipeline", &conversation).await;
    assert_eq!(respond["output"]["outcome"], "escalated", "{respond}");
    assert_eq!(
        respond["output"]["issues"],
        json!(["Ungrounded", "Ungrounded"]),
        "{respond}"
    );
    let trail = admin(&format!("/admin/audit?conversation={conversation}")).await;
    let validation = trail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "agent")
        .map(|e| e["output"]["validation"].clone())
        .unwrap();
    let matched: Vec<&str> = validation["issues"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["matched"].as_str())
        .collect();
    assert_eq!(
        matched,
        vec!["90 days", "https://refunds.evil.example/claim"]
    );
    assert!(
        admin(&format!("/admin/actions?app={SLUG}&limit=500")).await["actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["conversationId"] != conversation.as_str())
    );
}

/// Three customers ask the same thing the corpus does not cover; each reply is approved
/// and sent. The three become one proposed FAQ entry (names and emails scrubbed); once a
/// person approves it (edited), the fourth customer's draft stands on it.
#[tokio::test]
async fn sent_replies_become_a_proposed_faq_that_answers_the_next_customer_once_approved() {
    inngest_sync().await;
    let base = unique("dark");
    let question = "Does the course player have a dark mode for studying at night? Asking before I look at the price.";
    let answer = "Hi,\n\nYes: the player follows your system's dark setting, and you can switch it in the player's settings menu.\n\nSam";
    let mut candidates = Vec::new();
    for (i, from) in ["casey@example.com", "quinn@example.com", "owen@example.com"]
        .iter()
        .enumerate()
    {
        let tag = format!("{base}-{i}");
        script(&tag, json!([{"text": answer}])).await;
        let conversation =
            customer_writes("cha_dev", from, "Dark mode?", &format!("{question} {tag}")).await;
        let respond = finished_run("support-pipeline", &conversation).await;
        assert_eq!(respond["output"]["outcome"], "proposed", "{respond}");
        let action_id = respond["output"]["actionId"].as_str().unwrap().to_owned();
        let message = slack_message(&action_id).await;
        let clicked = click(&message, "approve_action", APPROVER).await;
        assert_eq!(clicked["status"], 200, "{clicked}");
        let execution = finished_execution(&action_id).await;
        assert_eq!(execution["output"]["status"], "executed", "{execution}");
        candidates.push(action_id);
    }

    // One proposed entry made of exactly our three replies, scrubbed.
    let faqs = admin(&format!("/admin/knowledge/faqs?app={SLUG}&status=proposed")).await;
    let entry = faqs["faqs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["question"].as_str().unwrap_or("").contains(&base))
        .cloned()
        .unwrap_or_else(|| panic!("no proposed entry for {base}: {faqs}"));
    let made_of = entry["candidates"].as_array().unwrap();
    assert_eq!(made_of.len(), 3, "{entry}");
    assert!(!entry.to_string().contains("@example.com"), "{entry}");
    assert_eq!(entry["answer"].as_str().unwrap(), answer.trim());

    // Not in the knowledge base before a person approves it.
    let id = entry["id"].as_str().unwrap();
    let learned_id = format!("learned/{id}");
    let listed = skill(&["knowledge", "candidates", "list", "--app", SLUG]);
    assert!(listed.contains(id), "{listed}");
    let before = admin_fetch_learned(&learned_id).await;
    assert!(before.is_null(), "{before}");

    let edited = "Does the course player have a dark mode?";
    let approved = skill(&[
        "knowledge",
        "candidates",
        "approve",
        id,
        "--by",
        "e2e-reviewer",
        "--question",
        edited,
    ]);
    assert!(approved.contains(&learned_id), "{approved}");
    let stored = admin_fetch_learned(&learned_id).await;
    assert_eq!(stored["metadata"]["origin"], "learned", "{stored}");
    assert_eq!(
        stored["metadata"]["provenance"]["approvedBy"],
        "e2e-reviewer"
    );

    // The next customer's draft stands on it.
    let tag = format!("{base}-next");
    script(&tag, json!([{"text": answer}])).await;
    let (_, action_id, message) = proposed(
        "cha_dev",
        "dana@example.com",
        "Dark mode?",
        &format!("{question} {tag}"),
    )
    .await;
    let action = pending_action(&action_id).await;
    let sources = action["context"]["sources"].as_array().unwrap();
    assert!(
        sources.iter().any(|s| s["id"] == learned_id.as_str()),
        "{sources:?}"
    );
    assert!(
        card_text(&message).contains(edited),
        "{}",
        card_text(&message)
    );
}

/// The learned entry as the index holds it (`null` when absent), read with the
/// read-only token like the worker's queries.
async fn admin_fetch_learned(id: &str) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/upstash/fetch/app_dev_tt", devkit()))
        .bearer_auth(env("UPSTASH_VECTOR_REST_READONLY_TOKEN"))
        .json(&json!({"ids": [id], "includeMetadata": true, "includeData": true}))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    body["result"][0].clone()
}
