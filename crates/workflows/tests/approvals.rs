//! Approvals and execution run natively: the approval record and its Slack view, a
//! decision recorded once, expiry, and an approved refund executed exactly once against
//! the Stripe stand-in (with a lost first request), the SDK app and Front.

mod support;

use serde_json::{json, Value};
use support_core::approval::{Choice, Refused};
use support_inngest::serve::EventSender;
use support_store::{ActionStatus, Store};
use support_testkit::inngest::Outcome;
use support_workflows::approvals::decide::{self, Recorded};
use support_workflows::approvals::names;
use support_workflows::pipeline;

use support::*;

/// Events sent by a decision (nothing listens in these tests).
struct Drop;

#[async_trait::async_trait]
impl EventSender for Drop {
    async fn send(&self, events: &[Value]) -> Result<Vec<String>, support_inngest::SendError> {
        Ok(events.iter().map(|_| String::new()).collect())
    }
}

/// A refund proposed by the pipeline: the `support/approval.requested` event.
async fn proposed_refund(world: &World) -> Value {
    let event = customer_writes(
        world,
        "Refund please",
        "I bought Total TypeScript and want a refund.",
    )
    .await;
    run_chain(world, event).await;
    sent_event(world, pipeline::names::APPROVAL_REQUESTED).expect("an approval request")
}

async fn slack_messages(world: &World) -> Vec<Value> {
    let state: Value = reqwest::get(format!("{}/_devkit/slack/state", world.devkit.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    state["channels"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .flat_map(|c| c["messages"].as_array().cloned().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn an_approved_refund_is_executed_once_with_the_real_refund_id() {
    let world = world(true).await;
    let requested = proposed_refund(&world).await;
    let action_id = requested["data"]["actionId"].as_str().unwrap().to_owned();
    let services = world.services.clone();

    // The request posts to Slack and waits; the approver decides while it waits.
    let store = world.store.clone();
    let id = action_id.clone();
    let outcome = run_one(
        &world,
        "support-request-approval",
        requested.clone(),
        move |_opts| {
            let (store, services, id) = (store.clone(), services.clone(), id.clone());
            let event_id = id.clone();
            let recorded = std::thread::spawn(move || {
                tokio::runtime::Runtime::new().unwrap().block_on(async {
                    decide::record(
                        store.as_ref(),
                        &services,
                        &Drop,
                        &id,
                        "U0DEVAPPROVER",
                        Choice::Approve,
                        None,
                        decide::Via::Api,
                    )
                    .await
                })
            })
            .join()
            .unwrap()
            .unwrap();
            assert_eq!(
                recorded,
                Recorded::Decided {
                    status: ActionStatus::Approved
                }
            );
            json!({"name": names::APPROVAL_DECIDED, "data": {"actionId": event_id}})
        },
    )
    .await;
    let Outcome::Completed(out) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(out["outcome"]["status"], "approved", "{out}");
    // The draft's outcome: approved as written, in its category.
    let outcomes = world
        .store
        .outcomes("total-typescript", Some("support_refund"), 0)
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert_eq!(outcomes[0].action_id, action_id);
    assert_eq!(
        outcomes[0].outcome,
        support_core::outcome::Outcome::Approved
    );
    let messages = slack_messages(&world).await;
    let message = messages
        .iter()
        .find(|m| m.to_string().contains(&action_id))
        .expect("the Slack message");
    // What an approver needs: why, the exact refund, the reply; never a secret.
    let text = message.to_string();
    for expected in [
        "Why:",
        "Refund $499.00 USD",
        "ch_3Dana001",
        "Total TypeScript (pur_dana_tt)",
        "Customer (the sender): Dana Lee <dana@example.com>, user usr_dana",
        "I bought Total TypeScript and want a refund.",
        "Reply to the customer",
        "approve_action",
        "reject_action",
        "edit_action",
    ] {
        assert!(text.contains(expected), "no {expected} in {text}");
    }
    assert!(!text.contains("49900"), "money as money: {text}");
    assert!(
        !text.contains("native-sdk-secret") && !text.contains("acct_dev_tt"),
        "{text}"
    );

    // Stripe loses the first refund request; the retry must not refund twice.
    reqwest::Client::new()
        .post(format!("{}/_devkit/stripe/failures", world.devkit.url()))
        .json(&json!({"method": "POST", "path_prefix": "/v1/refunds", "status": 500, "times": 1}))
        .send()
        .await
        .unwrap();
    let approved = sent_event(&world, names::ACTION_APPROVED).expect("support/action.approved");
    let outcome = run_one(&world, "support-execute", approved.clone(), |_| Value::Null).await;
    let Outcome::Completed(out) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(out["status"], "executed", "{out}");

    let state: Value = reqwest::get(format!("{}/_devkit/stripe/state", world.devkit.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refunds = state.to_string().matches("\"object\":\"refund\"").count();
    let revoked = world.revoked.lock().unwrap().clone();
    assert_eq!(revoked.len(), 1, "{revoked:?}");
    assert!(revoked[0].refund_id.starts_with("re_"), "{revoked:?}");
    assert!(state.to_string().contains(&revoked[0].refund_id));
    assert!(refunds > 0);

    // Executing again (a duplicate event) repeats nothing: the ledger has it.
    let again = run_one(&world, "support-execute", approved, |_| Value::Null).await;
    assert!(matches!(again, Outcome::Completed(_) | Outcome::Failed(_)));
    assert_eq!(world.revoked.lock().unwrap().len(), 1);

    let action = world.store.action(&action_id).await.unwrap().unwrap();
    assert_eq!(action.status, ActionStatus::Executed);
    let calls = front_calls(&world).await;
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.starts_with("POST") && c.ends_with("/messages"))
            .count(),
        1,
        "{calls:?}"
    );
    assert!(
        calls.iter().any(|c| c.starts_with("DELETE /drafts/")),
        "the draft was not removed: {calls:?}"
    );
}

#[tokio::test]
async fn an_approval_nobody_decides_expires_and_sends_nothing() {
    let world = world(true).await;
    let requested = proposed_refund(&world).await;
    let action_id = requested["data"]["actionId"].as_str().unwrap().to_owned();
    // Nobody decides: every slice of the wait times out, and time passes with it.
    let clock = world.clock.clone();
    let outcome = run_one(&world, "support-request-approval", requested, move |opts| {
        clock.pass(opts);
        Value::Null
    })
    .await;
    let Outcome::Completed(out) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(out["outcome"]["status"], "expired", "{out}");
    let outcomes = world
        .store
        .outcomes("total-typescript", None, 0)
        .await
        .unwrap();
    assert_eq!(
        outcomes
            .iter()
            .map(|o| (o.action_id.as_str(), &o.outcome))
            .collect::<Vec<_>>(),
        [(action_id.as_str(), &support_core::outcome::Outcome::Expired)]
    );
    assert_eq!(
        world
            .store
            .approval(&action_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        ActionStatus::Expired
    );
    assert_eq!(
        world
            .store
            .action(&action_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        ActionStatus::Expired
    );
    assert!(sent_event(&world, names::ACTION_APPROVED).is_none());
    let calls = front_calls(&world).await;
    assert!(
        calls.iter().any(|c| c.starts_with("DELETE /drafts/")),
        "{calls:?}"
    );
    assert!(
        !calls
            .iter()
            .any(|c| c.starts_with("POST") && c.ends_with("/messages")),
        "{calls:?}"
    );
}

#[tokio::test]
async fn only_approvers_decide_and_a_changed_amount_voids_the_approval() {
    let world = world(true).await;
    let requested = proposed_refund(&world).await;
    let action_id = requested["data"]["actionId"].as_str().unwrap().to_owned();
    // The request step creates the record; a timeout would expire it, so stop at the
    // wait by deciding nothing and reading the record before settling.
    pending_approval(&world, &action_id).await;
    let services = world.services.clone();
    let record = |user: &'static str, choice: Choice, hash: Option<String>| {
        let (store, services, id) = (world.store.clone(), services.clone(), action_id.clone());
        async move {
            decide::record(
                store.as_ref(),
                &services,
                &Drop,
                &id,
                user,
                choice,
                hash.as_deref(),
                decide::Via::Api,
            )
            .await
            .unwrap()
        }
    };
    assert_eq!(
        record("U0DEVOTHER", Choice::Approve, None).await,
        Recorded::Refused(Refused::NotAllowed)
    );
    assert_eq!(
        record("U0DEVAPPROVER", Choice::Approve, Some("stale".into())).await,
        Recorded::Refused(Refused::ArgumentsChanged)
    );
    assert_eq!(
        world
            .store
            .approval(&action_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        ActionStatus::Pending
    );
    assert_eq!(
        record("U0DEVAPPROVER", Choice::Reject(Some("no".into())), None).await,
        Recorded::Decided {
            status: ActionStatus::Rejected
        }
    );
    assert!(matches!(
        record("U0DEVAPPROVER", Choice::Approve, None).await,
        Recorded::Refused(Refused::AlreadyDecided {
            status: ActionStatus::Rejected,
            ..
        })
    ));
    // One outcome, the rejection; the refused attempts left none.
    let outcomes = world
        .store
        .outcomes("total-typescript", None, 0)
        .await
        .unwrap();
    assert_eq!(
        outcomes.iter().map(|o| &o.outcome).collect::<Vec<_>>(),
        [&support_core::outcome::Outcome::Rejected]
    );
}

/// The approval request of an action, created as the request step does (pending, for a
/// long time); the action.
async fn pending_approval(world: &World, action_id: &str) -> support_store::ActionRecord {
    let action = world.store.action(action_id).await.unwrap().unwrap();
    world
        .store
        .create_approval(&support_store::ApprovalRecord {
            action_id: action_id.to_owned(),
            app_id: action.app_id.clone(),
            args_hash: action.args_hash.clone(),
            status: ActionStatus::Pending,
            expires_at: i64::MAX / 2,
            decided_by: None,
            decided_at: None,
            reason: None,
            edited_reply: None,
            slack: None,
            created_at: 0,
        })
        .await
        .unwrap();
    action
}

/// Approve an action as its approval flow would (the record, then the action), and run
/// its execution: the execution's output.
async fn approve_and_execute(world: &World, action_id: &str) -> Value {
    let action = pending_approval(world, action_id).await;
    let recorded = decide::record(
        world.store.as_ref(),
        &world.services,
        &Drop,
        action_id,
        "U0DEVAPPROVER",
        Choice::Approve,
        None,
        decide::Via::Api,
    )
    .await
    .unwrap();
    assert!(matches!(recorded, Recorded::Decided { .. }), "{recorded:?}");
    world
        .store
        .transition_action(
            action_id,
            &[ActionStatus::Pending],
            ActionStatus::Approved,
            None,
            None,
            1,
        )
        .await
        .unwrap();
    let event = json!({"name": names::ACTION_APPROVED, "id": format!("approved-{action_id}"), "data": {
        "version": 1, "actionId": action_id, "appId": action.app_id, "conversationId": action.conversation_id}});
    match run_one(world, "support-execute", event, |_| Value::Null).await {
        Outcome::Completed(out) => out,
        other => panic!("{other:?}"),
    }
}

async fn refunds_on(world: &World, account: &str, charge: &str) -> usize {
    let state: Value = reqwest::get(format!("{}/_devkit/stripe/state", world.devkit.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    state["accounts"][account]["refunds"]
        .as_array()
        .map(|r| r.iter().filter(|r| r["charge"] == charge).count())
        .unwrap_or(0)
}

/// Two apps whose purchase (and charge) ids are the same strings: each refund has its
/// own ledger entries (scoped to the app and the action), so neither is mistaken for the
/// other's, and each is refunded on its own Stripe account.
#[tokio::test]
async fn two_apps_with_the_same_purchase_id_each_refund_their_own() {
    let world = world(true).await;
    register_second_app(&world).await;
    let first = proposed_refund(&world).await;
    world.sent.0.lock().unwrap().clear();
    let mut event = customer_writes(
        &world,
        "Refund please",
        "I bought Total TypeScript and want a refund.",
    )
    .await;
    event["id"] = json!("evt_native_second");
    event["data"]["frontEventId"] = json!("evt_native_second");
    event["data"]["appId"] = json!("second-app");
    run_chain(&world, event).await;
    let second =
        sent_event(&world, pipeline::names::APPROVAL_REQUESTED).expect("the second app's request");
    let (a, b) = (
        first["data"]["actionId"].as_str().unwrap().to_owned(),
        second["data"]["actionId"].as_str().unwrap().to_owned(),
    );
    assert_ne!(a, b);
    for id in [&a, &b] {
        let out = approve_and_execute(&world, id).await;
        assert_eq!(out["status"], "executed", "{out}");
    }
    assert_eq!(refunds_on(&world, "acct_dev_tt", "ch_3Dana001").await, 1);
    assert_eq!(
        refunds_on(
            &world,
            support::SECOND_STRIPE_ACCOUNT,
            support::SECOND_CHARGE
        )
        .await,
        1
    );
    assert_eq!(world.revoked.lock().unwrap().len(), 2);
}

/// A refund that failed after Stripe refunded is told as it is: refunded, access not
/// revoked; the refund's ledger entry is committed, so a retry never refunds again.
#[tokio::test]
async fn a_revoke_that_fails_after_the_refund_is_reported_and_the_refund_kept() {
    let world = world(true).await;
    let requested = proposed_refund(&world).await;
    let action_id = requested["data"]["actionId"].as_str().unwrap().to_owned();
    world.refuse_revocations(true);
    let out = approve_and_execute(&world, &action_id).await;
    assert_eq!(out["status"], "failed", "{out}");
    let error = out["error"].as_str().unwrap();
    assert!(
        error.starts_with("refunded $499.00 USD (re_") && error.contains("access not revoked"),
        "{error}"
    );
    assert_eq!(refunds_on(&world, "acct_dev_tt", "ch_3Dana001").await, 1);
    let key = format!("total-typescript:{action_id}:0:refund");
    assert!(matches!(
        world.store.ledger(&key).await.unwrap(),
        support_store::LedgerState::Completed { .. }
    ));
    // Nothing was sent to the customer.
    let calls = front_calls(&world).await;
    assert!(
        !calls
            .iter()
            .any(|c| c.starts_with("POST") && c.ends_with("/messages")),
        "{calls:?}"
    );
}

/// An approved action held by one execution is not run by another (a duplicated event
/// with its own run).
#[tokio::test]
async fn a_second_execution_of_a_claimed_action_runs_nothing() {
    let world = world(true).await;
    let requested = proposed_refund(&world).await;
    let action_id = requested["data"]["actionId"].as_str().unwrap().to_owned();
    let out = approve_and_execute(&world, &action_id).await;
    assert_eq!(out["status"], "executed", "{out}");
    // The same event again: the run finds the action executed and runs nothing.
    let action = world.store.action(&action_id).await.unwrap().unwrap();
    let event = json!({"name": names::ACTION_APPROVED, "id": "approved-again", "data": {
        "version": 1, "actionId": action_id, "appId": action.app_id, "conversationId": action.conversation_id}});
    let Outcome::Completed(again) =
        run_one(&world, "support-execute", event, |_| Value::Null).await
    else {
        panic!()
    };
    assert!(again["skipped"].is_string(), "{again}");
    assert_eq!(refunds_on(&world, "acct_dev_tt", "ch_3Dana001").await, 1);
    assert_eq!(world.revoked.lock().unwrap().len(), 1);
}

/// A reply-only proposal (the model scripted for this conversation), approved and sent:
/// its action id.
async fn sent_reply(world: &World, tag: &str, body: &str, reply: &str) -> String {
    reqwest::Client::new()
        .post(format!("{}/_devkit/anthropic/script", world.devkit.url()))
        .json(&json!({"model": "claude-sonnet-4-5", "conversation": tag, "responses": [{"text": reply}]}))
        .send()
        .await
        .unwrap();
    let event = customer_writes(world, "Dark mode?", &format!("{body} {tag}")).await;
    let outcomes = run_chain(world, event).await;
    let Some(Outcome::Completed(out)) = outcomes.get("support-pipeline") else {
        panic!("{outcomes:?}")
    };
    assert_eq!(out["outcome"], "proposed", "{out}");
    let action_id = out["actionId"].as_str().unwrap().to_owned();
    let executed = approve_and_execute(world, &action_id).await;
    assert_eq!(executed["status"], "executed", "{executed}");
    action_id
}

#[tokio::test]
async fn sent_replies_become_scrubbed_candidates_and_three_similar_ones_one_faq_entry() {
    use support_core::learned::{candidate_id, FaqStatus};
    let world = world(true).await;
    let body = "Hi, I'm Dana Lee (dana@example.com). Does the course player have a dark mode? Asking before I look at the price.";
    let reply = "Hi Dana,\n\nYes: the player has a dark mode in its settings menu.\n\nSam";
    let mut actions = Vec::new();
    for i in 0..3 {
        actions.push(sent_reply(&world, &format!("dark-{i}"), body, reply).await);
        let faqs = world
            .store
            .faqs(None, Some(FaqStatus::Proposed))
            .await
            .unwrap();
        assert_eq!(
            faqs.len(),
            usize::from(i == 2),
            "after {} replies: {faqs:?}",
            i + 1
        );
    }
    let ids: Vec<String> = actions.iter().map(|a| candidate_id(a)).collect();
    let candidates = world.store.candidates(&ids).await.unwrap();
    assert_eq!(candidates.len(), 3);
    for c in &candidates {
        assert!(
            !c.question.contains("dana@example.com") && !c.question.contains("Dana"),
            "{c:?}"
        );
        assert!(c.answer.starts_with("Hi [name],"), "{c:?}");
    }
    let entry = &world
        .store
        .faqs(Some("total-typescript"), Some(FaqStatus::Proposed))
        .await
        .unwrap()[0];
    let mut grouped = entry.candidate_ids.clone();
    grouped.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(grouped, expected);

    // Approved, it is in the app's namespace; rejected entries never are.
    let decision = support_store::FaqDecision {
        id: entry.id.clone(),
        status: FaqStatus::Approved,
        question: "Does the course player have a dark mode?".into(),
        answer: entry.answer.clone(),
        by: "reviewer".into(),
        reason: None,
        now_ms: 5,
    };
    let approved = support_workflows::learned::decide_faq(
        world.store.as_ref(),
        &world.services,
        decision.clone(),
    )
    .await
    .unwrap();
    assert_eq!(approved.status, FaqStatus::Approved);
    let index = &world.services.knowledge.as_ref().unwrap().query;
    let found = index
        .fetch(
            "app_tt",
            &[entry.knowledge_id()],
            support_knowledge::Include {
                metadata: true,
                data: true,
                vectors: false,
            },
        )
        .await
        .unwrap();
    let record = found[0].as_ref().expect("the learned entry");
    assert_eq!(record.metadata.as_ref().unwrap()["origin"], "learned");
    assert_eq!(
        record.metadata.as_ref().unwrap()["provenance"]["approvedBy"],
        "reviewer"
    );
    let again =
        support_workflows::learned::decide_faq(world.store.as_ref(), &world.services, decision)
            .await;
    assert!(matches!(
        again,
        Err(support_workflows::learned::DecideFaqError::AlreadyDecided(
            _
        ))
    ));

    // A rejected entry never reaches the index.
    let mut others = Vec::new();
    for i in 3..6 {
        others.push(sent_reply(&world, &format!("dark-{i}"), body, reply).await);
    }
    let second = world
        .store
        .faqs(Some("total-typescript"), Some(FaqStatus::Proposed))
        .await
        .unwrap();
    assert_eq!(
        second.len(),
        1,
        "the next three make a new entry: {second:?}"
    );
    assert!(second[0]
        .candidate_ids
        .iter()
        .all(|id| others.iter().any(|a| &candidate_id(a) == id)));
    let rejected = support_workflows::learned::decide_faq(
        world.store.as_ref(),
        &world.services,
        support_store::FaqDecision {
            id: second[0].id.clone(),
            status: FaqStatus::Rejected,
            question: String::new(),
            answer: String::new(),
            by: "reviewer".into(),
            reason: Some("covered by the docs".into()),
            now_ms: 6,
        },
    )
    .await
    .unwrap();
    assert_eq!(rejected.status, FaqStatus::Rejected);
    let absent = index
        .fetch(
            "app_tt",
            &[second[0].knowledge_id()],
            support_knowledge::Include::default(),
        )
        .await
        .unwrap();
    assert_eq!(absent, vec![None], "a rejected entry is not in the index");
}
