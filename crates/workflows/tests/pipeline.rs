//! The support pipeline run natively: classify → route → respond driven in-process,
//! against the devkit's Front, Anthropic and Stripe stand-ins over real HTTP, a product
//! app on the SDK's axum adapter, and the SQL store on SQLite with the platform's
//! migrations. The same functions run in workerd in `tests/e2e/tests/pipeline.rs`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::TimeZone;
use serde_json::{json, Value};
use support_agent::AgentConfig;
use support_anthropic::AnthropicClient;
use support_core::conversation::Snapshot;
use support_front::FrontClient;
use support_http::{ReqwestTransport, Transport};
use support_inngest::serve::{EventSender, ServeConfig, ServeHandler};
use support_inngest::SendError;
use support_sdk::action::{MagicLinkParams, RevokeAccessParams, TransferPurchaseParams};
use support_sdk::types::{ActionResult, MagicLink, Purchase, PurchaseStatus, User};
use support_sdk::{SupportHandler, SupportIntegration};
use support_store::secrets::Keyring;
use support_store::{AppRegistration, AppSettings, AuditFilter, SqlStore, SqliteExec, Store};
use support_stripe::StripeClient;
use support_testkit::inngest::{drive, Outcome};
use support_workflows::pipeline::{self, Services};
use support_workflows::{ConversationStore, PortError, APP_ID};

const SDK_SECRET: &str = "native-sdk-secret";

/// The captured `step.send_event` events.
#[derive(Default)]
struct Sent(Mutex<Vec<Value>>);

struct Sender(Arc<Sent>);

#[async_trait::async_trait]
impl EventSender for Sender {
    async fn send(&self, events: &[Value]) -> Result<Vec<String>, SendError> {
        self.0.send(events).await
    }
}

impl Sent {
    async fn send(&self, events: &[Value]) -> Result<Vec<String>, SendError> {
        self.0.lock().unwrap().extend(events.iter().cloned());
        Ok(events
            .iter()
            .map(|e| e["id"].as_str().unwrap_or_default().to_owned())
            .collect())
    }
}

struct NoCache;

#[async_trait::async_trait]
impl ConversationStore for NoCache {
    async fn snapshot(&self, _: &str) -> Result<Snapshot, PortError> {
        Ok(Snapshot::default())
    }
}

/// A product app that knows one customer with one purchase.
struct App;

#[async_trait::async_trait]
impl SupportIntegration for App {
    async fn lookup_user(&self, email: &str) -> support_sdk::Result<Option<User>> {
        Ok((email == "dana@example.com").then(|| User {
            id: "usr_dana".into(),
            email: email.into(),
            name: Some("Dana Lee".into()),
            created_at: chrono::Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
        }))
    }
    async fn get_purchases(&self, _user_id: &str) -> support_sdk::Result<Vec<Purchase>> {
        Ok(vec![Purchase {
            id: "pur_dana_tt".into(),
            product_id: "prod_tt".into(),
            product_name: "Total TypeScript".into(),
            purchased_at: chrono::Utc.timestamp_opt(1_764_000_000, 0).unwrap(),
            amount: 49_900,
            currency: "usd".into(),
            stripe_charge_id: Some("ch_3Dana001".into()),
            status: PurchaseStatus::Active,
        }])
    }
    async fn revoke_access(&self, _: RevokeAccessParams) -> support_sdk::Result<ActionResult> {
        Ok(ActionResult::ok())
    }
    async fn transfer_purchase(
        &self,
        _: TransferPurchaseParams,
    ) -> support_sdk::Result<ActionResult> {
        Ok(ActionResult::ok())
    }
    async fn generate_magic_link(&self, p: MagicLinkParams) -> support_sdk::Result<MagicLink> {
        Ok(MagicLink {
            url: format!("https://app.test/login?for={}", p.email),
        })
    }
}

struct World {
    devkit: support_devkit::Running,
    store: Arc<SqlStore>,
    handler: ServeHandler,
    sent: Arc<Sent>,
    _sdk: tokio::task::JoinHandle<()>,
}

async fn world(sdk_up: bool) -> World {
    let seed = support_devkit::front::Seed::from_file(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/devkit-front.json"
    )))
    .unwrap();
    let config = support_devkit::Config {
        front_seed: seed,
        ..Default::default()
    };
    let devkit = support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
        .await
        .unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sdk_addr: SocketAddr = listener.local_addr().unwrap();
    let router = support_sdk::adapters::axum::router(
        "/api/support",
        Arc::new(SupportHandler::new(App, SDK_SECRET)),
    );
    let sdk = tokio::spawn(async move {
        if sdk_up {
            let _ = axum::serve(listener, router).await;
        }
    });

    let store = Arc::new(SqlStore::new(
        Arc::new(SqliteExec::migrated().unwrap()),
        Some(Keyring::parse("t1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap()),
    ));
    store
        .put_app(
            &AppRegistration {
                id: "app_tt".into(),
                slug: "total-typescript".into(),
                name: "Total TypeScript".into(),
                front_inbox_id: Some("inb_dev".into()),
                integration_url: format!("http://{sdk_addr}/api/support"),
                sdk_secrets: vec![SDK_SECRET.into()],
                stripe_account_id: Some("acct_dev_tt".into()),
                settings: AppSettings::default(),
            },
            0,
        )
        .await
        .unwrap();

    let transport: Arc<dyn Transport> = Arc::new(ReqwestTransport::new());
    let base = devkit.url();
    let services = Services {
        front: Some(FrontClient::new(
            format!("{base}/front"),
            "token",
            transport.clone(),
        )),
        anthropic: Some(AnthropicClient::new(
            format!("{base}/anthropic"),
            "key",
            transport.clone(),
        )),
        stripe: Some(Arc::new(StripeClient::new(
            format!("{base}/stripe"),
            "sk_test",
            transport.clone(),
        ))),
        agent: AgentConfig::default(),
        classifier_model: "claude-haiku-4-5".into(),
        clock: Arc::new(support_signing::SystemClock),
        sdk_timeout: Duration::from_secs(2),
        transport,
    };
    let ports = support_workflows::Ports {
        conversations: Arc::new(NoCache),
        pipeline: Some(support_workflows::PipelinePorts {
            store: store.clone(),
            services: Arc::new(services),
        }),
    };
    let sent = Arc::new(Sent::default());
    let mut handler =
        ServeHandler::new(ServeConfig::dev(APP_ID)).with_event_sender(Sender(sent.clone()));
    for f in support_workflows::functions(
        &ports,
        &support_workflows::WorkflowSettings {
            response_target: Duration::from_secs(60),
            settle: Duration::from_secs(1),
        },
    ) {
        handler = handler.function(f);
    }
    World {
        devkit,
        store,
        handler,
        sent,
        _sdk: sdk,
    }
}

/// A customer writes on `cha_dev` in the Front stand-in; the intake event for it.
async fn customer_writes(world: &World, subject: &str, body: &str) -> Value {
    let client = reqwest::Client::new();
    let accepted: Value = client
        .post(format!("{}/front/channels/cha_dev/incoming_messages", world.devkit.url()))
        .json(&json!({"sender": {"handle": "dana@example.com", "name": "Dana Lee"}, "subject": subject, "body": body}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let state: Value = client
        .get(format!("{}/_devkit/front/state", world.devkit.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let message = state["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["message_uid"] == accepted["message_uid"])
        .unwrap()
        .clone();
    json!({"name": "support/inbound.received", "id": "evt_native_1", "ts": 1, "v": "1", "data": {
        "version": 1, "appId": "total-typescript", "traceId": "t1",
        "conversationId": message["conversation_id"], "messageId": message["id"], "frontEventId": "evt_native_1",
        "inboxId": "inb_dev", "subject": subject, "body": body, "senderEmail": "dana@example.com", "senderName": "Dana Lee",
        "_links": {}
    }})
}

async fn run_chain(world: &World, event: Value) -> HashMap<&'static str, Outcome> {
    let mut outcomes = HashMap::new();
    let mut event = event;
    for (function, next) in [
        ("support-classify", "support/inbound.classified"),
        ("support-route", "support/inbound.routed"),
        ("support-respond", ""),
    ] {
        let run = drive(
            &world.handler,
            &format!("{APP_ID}-{function}"),
            event.clone(),
            |_| Value::Null,
        )
        .await;
        outcomes.insert(function, run.outcome);
        let found = world
            .sent
            .0
            .lock()
            .unwrap()
            .iter()
            .find(|e| e["name"] == next)
            .cloned();
        match found {
            Some(e) if !next.is_empty() => event = e,
            _ => break,
        }
    }
    outcomes
}

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
    let Some(Outcome::Completed(out)) = outcomes.get("support-respond") else {
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
    assert_eq!(action.proposals[0].tool, "processRefund");
    assert_eq!(action.proposals[0].input["amount"], 49_900);
    assert_eq!(action.proposals[0].input["chargeId"], "ch_3Dana001");
    assert_eq!(action.proposals[0].ledger_key, "refund:pur_dana_tt:49900");
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

/// The Front API calls the stand-in received (not counting the customer's own message).
async fn front_calls(world: &World) -> Vec<String> {
    let requests: Value = reqwest::get(format!("{}/_devkit/front/requests", world.devkit.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    requests
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            !r["path"]
                .as_str()
                .unwrap_or("")
                .contains("incoming_messages")
        })
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap()
            )
        })
        .collect()
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
    let Some(Outcome::Completed(out)) = outcomes.get("support-respond") else {
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
    let Some(Outcome::Completed(out)) = outcomes.get("support-respond") else {
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
    let Some(Outcome::Completed(out)) = outcomes.get("support-route") else {
        panic!("{outcomes:?}")
    };
    assert_eq!(out["action"], "silence");
    assert!(!outcomes.contains_key("support-respond"));
}
