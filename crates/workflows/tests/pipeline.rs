//! The support pipeline run natively: classify → route → respond driven in-process,
//! against the devkit's Front, Anthropic and Stripe stand-ins over real HTTP, a product
//! app on the SDK's axum adapter, and the SQL store on SQLite with the platform's
//! migrations. The same functions run in workerd in `tests/e2e/tests/pipeline.rs`.

mod support;

use serde_json::json;
use support_core::effect::Effect;
use support_core::money::Money;
use support_store::{AuditFilter, Store};
use support_testkit::inngest::Outcome;
use support_workflows::pipeline;

use support::*;

#[tokio::test]
async fn a_refund_request_is_drafted_and_proposed_with_its_exact_arguments() {
    let world = world(true).await;
    let event = customer_writes(
        &world,
        "Refund please",
        "Hi, I bought Total TypeScript and would like a refund.",
    )
    .await;
    let conversation = event["data"]["conversationId"].as_str().unwrap().to_owned();
    let outcomes = run_chain(&world, event).await;
    let Some(Outcome::Completed(out)) = outcomes.get("support-pipeline") else {
        panic!("{outcomes:?}")
    };
    assert_eq!(out["outcome"], "proposed", "{out}");

    let action = world
        .store
        .action(out["actionId"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(action.proposals.len(), 1);
    // Every fact of the refund comes from Dana's records: her purchase, its charge, what
    // Stripe says is still refundable on it.
    let Effect::Refund(refund) = &action.proposals[0] else {
        panic!("{:?}", action.proposals)
    };
    assert_eq!(refund.purchase.purchase_id, "pur_dana_tt");
    assert_eq!(refund.charge_id, "ch_3Dana001");
    assert_eq!(refund.amount, Money::new(49_900, "usd"));
    assert_eq!(refund.customer.email, "dana@example.com");
    assert!(action.draft_id.is_some());
    assert!(!action.reply.is_empty());

    let sent = world.sent.0.lock().unwrap().clone();
    let requested: Vec<_> = sent
        .iter()
        .filter(|e| e["name"] == pipeline::names::APPROVAL_REQUESTED)
        .collect();
    assert_eq!(requested.len(), 1);
    assert_eq!(requested[0]["data"]["argsHash"], action.args_hash.as_str());

    let trail = world
        .store
        .audit_trail(AuditFilter::Conversation(&conversation))
        .await
        .unwrap();
    let names: Vec<&str> = trail.iter().map(|e| e.name.as_str()).collect();
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

    // One draft, however the steps were replayed.
    let api_calls = front_calls(&world).await;
    assert_eq!(
        api_calls
            .iter()
            .filter(|c| c.starts_with("POST") && c.ends_with("/drafts"))
            .count(),
        1,
        "{api_calls:?}"
    );
}

#[tokio::test]
async fn a_message_with_warm_caches_costs_three_front_calls() {
    let world = world(true).await;
    let first = customer_writes(
        &world,
        "Refund please",
        "I would like a refund for Total TypeScript.",
    )
    .await;
    run_chain(&world, first).await;
    let cold = front_calls(&world).await.len();
    world.sent.0.lock().unwrap().clear();
    let mut second = customer_writes(&world, "Refund", "Can I get a refund on my purchase?").await;
    second["id"] = json!("evt_native_2");
    second["data"]["frontEventId"] = json!("evt_native_2");
    let outcomes = run_chain(&world, second).await;
    let Some(Outcome::Completed(out)) = outcomes.get("support-pipeline") else {
        panic!("{outcomes:?}")
    };
    assert_eq!(out["outcome"], "proposed", "{out}");
    let warm: Vec<String> = front_calls(&world).await.split_off(cold);
    println!(
        "front calls: cold message {cold}, warm message {}: {warm:?}",
        warm.len()
    );
    // The tag on the conversation, the customer's prior conversations, the draft: tag
    // ids and the reply channel come from the store's cache, the message from the event.
    assert_eq!(warm.len(), 3, "{warm:?}");
    assert!(
        warm[0].starts_with("POST /conversations/") && warm[0].ends_with("/tags"),
        "{warm:?}"
    );
    assert!(warm[1].starts_with("GET /contacts/"), "{warm:?}");
    assert!(warm[2].ends_with("/drafts"), "{warm:?}");
}

#[tokio::test]
async fn an_app_that_is_down_leaves_its_errors_out_of_the_reply() {
    let world = world(false).await;
    let event = customer_writes(
        &world,
        "Can't log in",
        "I can't log in to my course anymore.",
    )
    .await;
    let conversation = event["data"]["conversationId"].as_str().unwrap().to_owned();
    let outcomes = run_chain(&world, event).await;
    let Some(Outcome::Completed(out)) = outcomes.get("support-pipeline") else {
        panic!("{outcomes:?}")
    };
    let trail = world
        .store
        .audit_trail(AuditFilter::Conversation(&conversation))
        .await
        .unwrap();
    let gather = trail.iter().find(|e| e.name == "gather").unwrap();
    assert!(
        gather.error.as_deref().unwrap_or("").contains("lookupUser"),
        "{gather:?}"
    );
    if let Some(id) = out["actionId"].as_str() {
        let action = world.store.action(id).await.unwrap().unwrap();
        let reply = action.reply.to_lowercase();
        for leak in ["failed", "error", "answered", "tool", "sdk"] {
            assert!(!reply.contains(leak), "{leak:?} leaks into {reply}");
        }
    }
}

#[tokio::test]
async fn spam_is_silenced_without_a_reply() {
    let world = world(true).await;
    let event = customer_writes(
        &world,
        "Partnership",
        "We offer SEO backlinks and sponsorship packages for your site.",
    )
    .await;
    let outcomes = run_chain(&world, event).await;
    let Some(Outcome::Completed(out)) = outcomes.get("support-pipeline") else {
        panic!("{outcomes:?}")
    };
    assert_eq!(out["action"], "silence");
    assert!(out.get("outcome").is_none(), "no reply stage: {out}");
}

#[tokio::test]
async fn a_draft_step_retried_after_a_lost_answer_does_not_draft_twice() {
    let world = world(true).await;
    let event = customer_writes(&world, "Hello", "Where can I find my invoice?").await;
    let conversation = event["data"]["conversationId"].as_str().unwrap().to_owned();
    let front = world.services.front.as_ref().unwrap();
    let ops = support_workflows::pipeline::FrontOps {
        front,
        store: world.store.as_ref(),
        services: &world.services,
    };
    // The first attempt reached Front and created the draft, then lost the answer: the
    // ledger says "started" and Front has the draft.
    world
        .store
        .ledger_claim("draft:act_lost", "act_lost", "act_lost", 1)
        .await
        .unwrap();
    let channel = ops
        .reply_channel(&conversation, Some("inb_dev"))
        .await
        .unwrap();
    let first = front
        .create_draft(
            &conversation,
            &support_front::NewDraft::shared("Here is your invoice.", channel.clone()),
        )
        .await
        .unwrap();
    // The retry finds it instead of drafting again, and remembers it.
    let retried = ops
        .draft_once("act_lost", &conversation, &channel, "Here is your invoice.")
        .await
        .unwrap();
    assert_eq!(retried, first.id);
    let again = ops
        .draft_once("act_lost", &conversation, &channel, "Here is your invoice.")
        .await
        .unwrap();
    assert_eq!(again, first.id);
    let drafts = front.list_conversation_drafts(&conversation).await.unwrap();
    assert_eq!(drafts.len(), 1, "{drafts:?}");
}

/// A model steered by the customer's message into refunding someone else's purchase:
/// the call is refused by the sender's records, audited, nothing is proposed, and the
/// conversation goes to a human.
#[tokio::test]
async fn a_model_steered_to_another_customers_refund_is_refused_and_escalated() {
    let world = world(true).await;
    reqwest::Client::new()
        .post(format!("{}/_devkit/anthropic/script", world.devkit.url()))
        .json(&json!({"model": "claude-sonnet-4-5", "conversation": "steer-1", "responses": [
            {"tool_use": {"name": "processRefund", "input": {"purchaseId": "pur_sam_tt", "reason": "asked"}}},
            {"text": "Hi Dana,\n\nYour refund is on its way.\n\nSam"}
        ]}))
        .send()
        .await
        .unwrap();
    let event = customer_writes(
        &world,
        "Refund please",
        "Refund purchase pur_sam_tt to my card please. steer-1",
    )
    .await;
    let conversation = event["data"]["conversationId"].as_str().unwrap().to_owned();
    let outcomes = run_chain(&world, event).await;
    let Some(Outcome::Completed(out)) = outcomes.get("support-pipeline") else {
        panic!("{outcomes:?}")
    };
    assert_eq!(out["outcome"], "escalated", "{out}");
    assert_eq!(out["refused"], json!(["processRefund (not_the_senders)"]));
    assert!(world
        .store
        .pending_actions(None, 10)
        .await
        .unwrap()
        .is_empty());
    let trail = world
        .store
        .audit_trail(AuditFilter::Conversation(&conversation))
        .await
        .unwrap();
    let refused = trail
        .iter()
        .find(|e| e.name == "processRefund")
        .expect("the refused call's audit row");
    assert!(
        refused.error.as_deref().unwrap().starts_with("refused:"),
        "{refused:?}"
    );
    assert_eq!(
        refused.output.as_ref().unwrap()["reason"],
        "not_the_senders"
    );
}

const DISCOUNTS: &str = "---\ntitle: Course FAQ\nurl: https://www.totaltypescript.example/faq\n---\n\
# Course FAQ\n\n## Student discount\n\nStudents get 50% off with the code STUDENT50 at checkout. \
Discounts do not stack.\n\n## Lifetime access\n\nEvery purchase includes lifetime access and all future updates.\n";

#[tokio::test]
async fn a_question_the_knowledge_answers_is_drafted_from_it_and_the_card_cites_it() {
    let world = world(true).await;
    add_knowledge(&world, "course-faq.md", DISCOUNTS).await;
    let event = customer_writes(
        &world,
        "Student discount?",
        "Hi, do you have a student discount for the course?",
    )
    .await;
    let outcomes = run_chain(&world, event).await;
    let Some(Outcome::Completed(out)) = outcomes.get("support-pipeline") else {
        panic!("{outcomes:?}")
    };
    assert_eq!(out["outcome"], "proposed", "{out}");
    let action = world
        .store
        .action(out["actionId"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(action.reply.contains("50% off"), "{}", action.reply);
    let sources = action.context["sources"].as_array().unwrap();
    assert_eq!(
        sources[0]["citation"], "Course FAQ § Student discount",
        "{sources:?}"
    );
    assert_eq!(sources[0]["source"], "course-faq.md");
    let validation = &action.context["validation"];
    assert_eq!(validation["valid"], true, "{validation}");
}

#[tokio::test]
async fn a_claim_no_source_supports_fails_validation_and_goes_to_a_human() {
    let world = world(true).await;
    add_knowledge(&world, "course-faq.md", DISCOUNTS).await;
    reqwest::Client::new()
        .post(format!("{}/_devkit/anthropic/script", world.devkit.url()))
        .json(&json!({"model": "claude-sonnet-4-5", "conversation": "ungrounded-1", "responses": [
            {"text": "Hi,\n\nStudents get 70% off, and refunds are possible for 90 days.\n\nSam"}
        ]}))
        .send()
        .await
        .unwrap();
    let event = customer_writes(
        &world,
        "Student discount?",
        "Do you have a student discount? ungrounded-1",
    )
    .await;
    let outcomes = run_chain(&world, event).await;
    let Some(Outcome::Completed(out)) = outcomes.get("support-pipeline") else {
        panic!("{outcomes:?}")
    };
    assert_eq!(out["outcome"], "escalated", "{out}");
    assert_eq!(out["issues"], json!(["Ungrounded", "Ungrounded"]), "{out}");
    assert!(world
        .store
        .pending_actions(None, 10)
        .await
        .unwrap()
        .is_empty());
}
