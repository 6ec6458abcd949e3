//! The retention pass on a real SQLite store with the devkit's Upstash stand-in: an
//! app's own (shorter) window, a dry run that changes nothing, a pass that scrubs and
//! deletes and takes the candidates' vectors with it, the daily function driven step
//! by step, and a mistaken window that stops the app's pass instead of deleting.

mod support;

use serde_json::{json, Value};
use support_core::learned::Candidate;
use support_knowledge::{DataRecord, Include};
use support_store::{
    canonical_hash, ActionRecord, ActionStatus, AppRegistration, AuditKind, Store,
};
use support_testkit::inngest::Outcome;
use support_workflows::retention;

use support::*;

const DAY: i64 = 24 * 3600 * 1000;

fn finished_action(id: &str, created_at: i64) -> ActionRecord {
    ActionRecord {
        id: id.into(),
        app_id: "total-typescript".into(),
        conversation_id: format!("cnv_{id}"),
        run_id: "run_1".into(),
        reply: "Hi Dana, refunded.".into(),
        proposals: vec![],
        args_hash: canonical_hash(&json!([])),
        draft_id: None,
        context: json!({"category": "support_refund", "customer": "dana@example.com"}),
        status: ActionStatus::Rejected,
        executor: None,
        created_at,
        updated_at: created_at,
        result: None,
        error: None,
    }
}

async fn set_retention(world: &World, retention: Value) {
    let app = world.store.app("total-typescript").await.unwrap().unwrap();
    let mut registration = AppRegistration::from(app);
    registration.settings.retention = serde_json::from_value(retention).unwrap();
    world.store.put_app(&registration, 1).await.unwrap();
}

#[tokio::test]
async fn a_pass_applies_each_apps_windows_and_deletes_vectors_with_candidates() {
    let world = world(true).await;
    let now = world.services.now_ms();
    // This app keeps conversations 30 days: a 40-day-old reply is due, a 20-day-old not.
    set_retention(&world, json!({"conversationDays": 30})).await;
    let store = world.store.as_ref();
    store
        .insert_action(&finished_action("act_40d", now - 40 * DAY))
        .await
        .unwrap();
    store
        .insert_action(&finished_action("act_20d", now - 20 * DAY))
        .await
        .unwrap();
    let old = Candidate::of_sent_reply(
        "total-typescript",
        "act_40d",
        "cnv_x",
        "",
        "Student discount?",
        "STUDENT50",
        false,
        &[],
        now - 200 * DAY,
    );
    store.add_candidate(&old).await.unwrap();
    let index = world
        .services
        .knowledge
        .as_ref()
        .unwrap()
        .write
        .clone()
        .unwrap();
    let namespace = "app_tt--candidates";
    index
        .upsert_data(
            namespace,
            &[DataRecord {
                id: old.id.clone(),
                data: old.question.clone(),
                metadata: None,
            }],
        )
        .await
        .unwrap();

    let dry = retention::pass(store, &world.services, true, "test")
        .await
        .unwrap();
    assert!(dry.dry_run);
    assert_eq!(dry.removed["total-typescript"]["scrub_conversations"], 1);
    assert_eq!(dry.removed["total-typescript"]["delete_candidates"], 1);
    assert_eq!(
        store.action("act_40d").await.unwrap().unwrap().reply,
        "Hi Dana, refunded."
    );
    assert!(index
        .fetch(namespace, &[&old.id], Include::NOTHING)
        .await
        .unwrap()[0]
        .is_some());

    let done = retention::pass(store, &world.services, false, "test")
        .await
        .unwrap();
    assert_eq!(done.removed["total-typescript"]["scrub_conversations"], 1);
    assert_eq!(done.removed["total-typescript"]["delete_candidates"], 1);
    assert!(!done.more_due);
    let scrubbed = store.action("act_40d").await.unwrap().unwrap();
    assert_eq!(scrubbed.reply, "");
    assert_eq!(scrubbed.context["category"], "support_refund");
    assert_eq!(
        store.action("act_20d").await.unwrap().unwrap().reply,
        "Hi Dana, refunded."
    );
    assert!(
        index
            .fetch(namespace, &[&old.id], Include::NOTHING)
            .await
            .unwrap()[0]
            .is_none(),
        "the vector went with its candidate"
    );
    // Audit-logged, with who asked and what was done.
    let audit = store
        .audit_search(&support_store::AuditQuery {
            kind: Some(AuditKind::Admin),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let row = audit
        .iter()
        .find(|r| r.name == "retention")
        .expect("the pass is audited");
    assert_eq!(row.input["by"], "test");
    assert_eq!(
        row.output.as_ref().unwrap()["removed"]["total-typescript"]["scrub_conversations"],
        1
    );

    // The daily function: one step per app and rule, nothing left to do.
    let outcome = run_one(
        &world,
        retention::ID,
        json!({"name": "inngest/scheduled.timer", "data": {}}),
        |_| Value::Null,
    )
    .await;
    let Outcome::Completed(report) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        report["removed"]["total-typescript"]["scrub_conversations"], 0,
        "{report}"
    );
    assert_eq!(report["dryRun"], false);
}

#[tokio::test]
async fn a_mistaken_window_stops_the_apps_pass_instead_of_deleting() {
    let world = world(true).await;
    let now = world.services.now_ms();
    set_retention(&world, json!({"conversationDays": 90, "auditDays": 10})).await;
    world
        .store
        .insert_action(&finished_action("act_old", now - 400 * DAY))
        .await
        .unwrap();
    let err = retention::pass(world.store.as_ref(), &world.services, false, "test")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("auditDays"), "{err}");
    assert!(world.store.action("act_old").await.unwrap().is_some());
}
