//! `conversation-watch`, run natively against an in-memory conversation store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use support_core::conversation::{CachedMessage, ConversationMeta, MessageKind, Snapshot};
use support_inngest::serve::{ServeConfig, ServeHandler};
use support_testkit::inngest::{drive, Outcome};
use support_workflows::{
    conversation_watch, ConversationStore, PortError, WorkflowSettings, APP_ID,
};

#[derive(Default)]
struct MemoryStore {
    conversations: HashMap<String, Snapshot>,
    reads: Mutex<Vec<String>>,
    down: bool,
}

#[async_trait::async_trait]
impl ConversationStore for MemoryStore {
    async fn snapshot(&self, conversation_id: &str) -> Result<Snapshot, PortError> {
        self.reads.lock().unwrap().push(conversation_id.to_owned());
        if self.down {
            return Err(PortError("conversation object unavailable".into()));
        }
        Ok(self
            .conversations
            .get(conversation_id)
            .cloned()
            .unwrap_or_default())
    }
}

fn settings() -> WorkflowSettings {
    WorkflowSettings {
        response_target: Duration::from_secs(600),
        settle: Duration::from_secs(30),
    }
}

fn handler(store: Arc<MemoryStore>) -> ServeHandler {
    ServeHandler::new(ServeConfig::dev(APP_ID)).function(conversation_watch(store, &settings()))
}

fn inbound(conversation: &str) -> Value {
    json!({"name": "support/inbound.received", "id": "evt_1", "ts": 1, "v": "1",
           "data": {"version": 1, "appId": "tt", "conversationId": conversation}})
}

fn store_with(conversation: &str) -> MemoryStore {
    let snapshot = Snapshot {
        exists: true,
        meta: Some(ConversationMeta {
            conversation_id: conversation.into(),
            app_id: Some("tt".into()),
            subject: Some("Refund".into()),
            customer_email: Some("dana@example.com".into()),
            ..Default::default()
        }),
        messages: vec![CachedMessage {
            id: "msg_1".into(),
            kind: MessageKind::Inbound,
            author: Some("dana@example.com".into()),
            subject: None,
            body: "hi".into(),
            created_at_ms: Some(1),
        }],
        ..Default::default()
    };
    MemoryStore {
        conversations: HashMap::from([(conversation.to_owned(), snapshot)]),
        ..Default::default()
    }
}

const FN: &str = "support-platform-conversation-watch";

#[tokio::test]
async fn a_reply_in_time_is_recorded_as_answered() {
    let store = Arc::new(store_with("cnv_1"));
    let run = drive(&handler(store.clone()), FN, inbound("cnv_1"), |opts| {
        assert_eq!(opts["event"], "support/outbound.message");
        assert_eq!(opts["timeout"], "10m");
        json!({"name": "support/outbound.message",
               "data": {"conversationId": "cnv_1", "author": {"email": "sam@acme.com"}, "sentAt": 9}})
    })
    .await;
    let kinds: Vec<&str> = run.ops.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["StepRun", "Sleep", "WaitForEvent", "StepRun"]);
    let Outcome::Completed(output) = run.outcome else {
        panic!("{:?}", run.outcome)
    };
    assert_eq!(
        output["conversation"],
        json!({"subject": "Refund", "customer": true, "messages": 1})
    );
    assert_eq!(
        output["outcome"],
        json!({"answered": true, "by": "sam@acme.com", "sentAt": 9})
    );
    // Memoized: the conversation was read once, not once per call.
    assert_eq!(*store.reads.lock().unwrap(), ["cnv_1"]);
}

#[tokio::test]
async fn a_timeout_is_an_expiry_not_a_refusal() {
    let store = Arc::new(store_with("cnv_1"));
    let run = drive(&handler(store), FN, inbound("cnv_1"), |_| Value::Null).await;
    let Outcome::Completed(output) = run.outcome else {
        panic!("{:?}", run.outcome)
    };
    assert_eq!(
        output["outcome"],
        json!({"answered": false, "expired": true})
    );
}

#[tokio::test]
async fn an_unknown_conversation_is_read_as_empty() {
    let store = Arc::new(MemoryStore::default());
    let run = drive(&handler(store), FN, inbound("cnv_unknown"), |_| Value::Null).await;
    let Outcome::Completed(output) = run.outcome else {
        panic!("{:?}", run.outcome)
    };
    assert_eq!(
        output["conversation"],
        json!({"subject": null, "customer": false, "messages": 0})
    );
}

#[tokio::test]
async fn events_without_a_conversation_fail_without_retries() {
    let store = Arc::new(MemoryStore::default());
    let mut event = inbound("");
    event["data"]
        .as_object_mut()
        .unwrap()
        .remove("conversationId");
    let h = handler(store.clone());
    let run = drive(&h, FN, event, |_| Value::Null).await;
    let Outcome::Failed(error) = run.outcome else {
        panic!("{:?}", run.outcome)
    };
    assert!(error.to_string().contains("conversationId"), "{error}");
    assert!(store.reads.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_store_outage_fails_the_step_for_inngest_to_retry() {
    let store = Arc::new(MemoryStore {
        down: true,
        ..Default::default()
    });
    let h = handler(store);
    let raw = serde_json::to_vec(&json!({
        "event": inbound("cnv_1"), "events": [inbound("cnv_1")], "steps": {},
        "ctx": {"run_id": "r", "attempt": 0, "stack": {"stack": [], "current": 0}},
        "version": 2}))
    .unwrap();
    let response = h
        .handle(
            "POST",
            &format!("http://x/api/inngest?fnId={FN}&stepId=step"),
            [],
            &raw,
        )
        .await;
    let ops: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(response.status, 206, "{ops}");
    assert_eq!(ops[0]["op"], "StepError", "{ops}");
    assert!(ops[0]["error"].to_string().contains("unavailable"));
}
