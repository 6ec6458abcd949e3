//! What the native workflow tests share: the devkit's stand-ins in-process, a product
//! app on the SDK's axum adapter, the SQL store on SQLite, and a handler serving every
//! platform function with captured `step.send_event` events.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
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
use support_signing::Clock;
use support_slack::SlackClient;
use support_store::secrets::Keyring;
use support_store::{AppRegistration, AppSettings, SqlStore, SqliteExec, Store};
use support_stripe::StripeClient;
use support_testkit::inngest::{drive, Outcome};
use support_workflows::pipeline::Services;
use support_workflows::{ConversationStore, PortError, APP_ID};

const SDK_SECRET: &str = "native-sdk-secret";
/// The second app's Stripe account (a copy of the dev account's customers and charges).
pub const SECOND_STRIPE_ACCOUNT: &str = "acct_dev_second";
/// The charge behind the second app's `pur_dana_tt`.
pub const SECOND_CHARGE: &str = "ch_second_dana";

/// The captured `step.send_event` events.
#[derive(Default)]
pub struct Sent(pub Mutex<Vec<Value>>);

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

/// A product app that knows one customer with one purchase, and remembers revocations.
struct App {
    /// The Stripe charge behind its one purchase.
    charge: &'static str,
    revoked: Arc<Mutex<Vec<RevokeAccessParams>>>,
    /// When set, the app refuses to revoke access (as when the purchase changed).
    refuse: Arc<AtomicBool>,
}

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
            stripe_charge_id: Some(self.charge.into()),
            status: PurchaseStatus::Active,
        }])
    }
    async fn revoke_access(&self, p: RevokeAccessParams) -> support_sdk::Result<ActionResult> {
        if self.refuse.load(Ordering::SeqCst) {
            return Ok(ActionResult::failed(format!(
                "purchase {} is transferred",
                p.purchase_id
            )));
        }
        self.revoked.lock().unwrap().push(p);
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

/// The platform's time in these tests: the real time, moved on by the waits a test
/// lets time out (so an approval's slices and its expiry pass as they would).
pub struct TestClock(pub AtomicI64);

impl Clock for TestClock {
    fn now_unix_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl TestClock {
    /// Move on by a wait's `timeout` (`1h30m`, `45s`).
    pub fn pass(&self, opts: &Value) {
        let text = opts["timeout"].as_str().unwrap_or("0s");
        let (mut secs, mut number) = (0i64, 0i64);
        for c in text.chars() {
            match c {
                '0'..='9' => number = number * 10 + i64::from(c as u8 - b'0'),
                'h' => (secs, number) = (secs + number * 3600, 0),
                'm' => (secs, number) = (secs + number * 60, 0),
                's' => (secs, number) = (secs + number, 0),
                _ => {}
            }
        }
        self.0.fetch_add(secs * 1000, Ordering::SeqCst);
    }
}

pub struct World {
    pub devkit: support_devkit::Running,
    pub clock: Arc<TestClock>,
    refuse: Arc<AtomicBool>,
    pub store: Arc<SqlStore>,
    pub handler: ServeHandler,
    pub sent: Arc<Sent>,
    pub revoked: Arc<Mutex<Vec<RevokeAccessParams>>>,
    pub services: Arc<Services>,
    _sdk: tokio::task::JoinHandle<()>,
}

pub async fn world(sdk_up: bool) -> World {
    let seed = support_devkit::front::Seed::from_file(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/devkit-front.json"
    )))
    .unwrap();
    // The dev seed, and a second connected account holding the same charge ids: another
    // app whose purchase and charge ids are the same strings as the first one's.
    let mut stripe: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/devkit-stripe.json"
        ))
        .unwrap(),
    )
    .unwrap();
    stripe["accounts"].as_array_mut().unwrap().push(json!({
        "id": SECOND_STRIPE_ACCOUNT,
        "customers": [{"id": "cus_second_dana", "email": "dana@example.com", "name": "Dana Lee", "created": 1705314600}],
        "charges": [{"id": SECOND_CHARGE, "customer": "cus_second_dana", "amount": 49900, "currency": "usd",
                     "created": 1793523600, "payment_intent": "pi_second_dana", "description": "Total TypeScript",
                     "metadata": {"purchaseId": "pur_dana_tt"}}]
    }));
    let stripe_seed = support_devkit::stripe::StripeSeed::from_json(&stripe.to_string()).unwrap();
    let config = support_devkit::Config {
        front_seed: seed,
        stripe: support_devkit::stripe::StripeConfig {
            secret_key: None,
            seed: stripe_seed,
        },
        ..Default::default()
    };
    let devkit = support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
        .await
        .unwrap();

    let revoked: Arc<Mutex<Vec<RevokeAccessParams>>> = Arc::default();
    let refuse: Arc<AtomicBool> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sdk_addr: SocketAddr = listener.local_addr().unwrap();
    let router = support_sdk::adapters::axum::router(
        "/api/support",
        Arc::new(SupportHandler::new(
            App {
                charge: "ch_3Dana001",
                revoked: revoked.clone(),
                refuse: refuse.clone(),
            },
            SDK_SECRET,
        )),
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
                settings: AppSettings {
                    approvers: vec!["U0DEVAPPROVER".into()],
                    approval_channel: Some("C0DEVAPPROVALS".into()),
                    escalation_channel: Some("C0DEVESCALATIONS".into()),
                    ..AppSettings::default()
                },
            },
            0,
        )
        .await
        .unwrap();

    let transport: Arc<dyn Transport> = Arc::new(ReqwestTransport::new());
    let base = devkit.url();
    let clock = Arc::new(TestClock(AtomicI64::new(
        support_signing::SystemClock.now_unix_millis(),
    )));
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
        slack: Some(SlackClient::new(
            format!("{base}/slack/api"),
            "xoxb-test",
            transport.clone(),
        )),
        agent: AgentConfig::default(),
        classifier_model: "claude-haiku-4-5".into(),
        clock: clock.clone(),
        sdk_timeout: Duration::from_secs(2),
        approval_slice: Duration::from_secs(6 * 3600),
        execution_watch: Duration::from_secs(600),
        audit_retention: Duration::from_secs(30 * 24 * 3600),
        autosend_killed: false,
        warn: |line| eprintln!("warn: {line}"),
        // The devkit's Upstash Vector stand-in (any token): the app's namespace is empty
        // until a test puts knowledge in it (`add_knowledge`).
        knowledge: Some(support_workflows::pipeline::KnowledgeIndex {
            query: support_knowledge::VectorIndex::new(
                format!("{base}/upstash"),
                "readonly-token",
                transport.clone(),
            ),
            write: Some(support_knowledge::VectorIndex::new(
                format!("{base}/upstash"),
                "readwrite-token",
                transport.clone(),
            )),
        }),
        transport,
        telemetry: None,
    };
    let services = Arc::new(services);
    let ports = support_workflows::Ports {
        conversations: Arc::new(NoCache),
        pipeline: Some(support_workflows::PipelinePorts {
            store: store.clone(),
            services: services.clone(),
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
        clock,
        refuse,
        store,
        handler,
        sent,
        revoked,
        services,
        _sdk: sdk,
    }
}

impl World {
    /// From now on the app refuses (or no longer refuses) to revoke access.
    pub fn refuse_revocations(&self, refuse: bool) {
        self.refuse.store(refuse, Ordering::SeqCst);
    }
}

/// Register a second app, `second-app`, with an SDK endpoint of its own whose purchase
/// has the first app's purchase id, on its own Stripe account.
pub async fn register_second_app(world: &World) {
    let first = world.store.app("total-typescript").await.unwrap().unwrap();
    // Its own SDK endpoint: the same purchase id, its own charge.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let router = support_sdk::adapters::axum::router(
        "/api/support",
        Arc::new(SupportHandler::new(
            App {
                charge: SECOND_CHARGE,
                revoked: world.revoked.clone(),
                refuse: world.refuse.clone(),
            },
            SDK_SECRET,
        )),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    world
        .store
        .put_app(
            &AppRegistration {
                id: "app_second".into(),
                slug: "second-app".into(),
                name: "Second app".into(),
                front_inbox_id: None,
                integration_url: format!("http://{addr}/api/support"),
                sdk_secrets: vec![SDK_SECRET.into()],
                stripe_account_id: Some(SECOND_STRIPE_ACCOUNT.into()),
                settings: first.settings.clone(),
            },
            0,
        )
        .await
        .unwrap();
}

/// A customer writes on `cha_dev` in the Front stand-in; the intake event for it.
pub async fn customer_writes(world: &World, subject: &str, body: &str) -> Value {
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
    // One Front event per message (the action id derives from it).
    let event_id = format!("evt_native_{}", message["id"].as_str().unwrap_or("1"));
    json!({"name": "support/inbound.received", "id": event_id, "ts": 1, "v": "1", "data": {
        "version": 1, "appId": "total-typescript", "traceId": "t1",
        "conversationId": message["conversation_id"], "messageId": message["id"], "frontEventId": event_id,
        "inboxId": "inb_dev", "subject": subject, "body": body, "senderEmail": "dana@example.com", "senderName": "Dana Lee",
        "_links": {}
    }})
}

/// Drives `support-pipeline` on `event` (the intake's `support/inbound.received`): its
/// outcome under the function's id.
pub async fn run_chain(world: &World, event: Value) -> HashMap<&'static str, Outcome> {
    let run = drive(
        &world.handler,
        &format!("{APP_ID}-{}", support_workflows::pipeline::answer::ID),
        event,
        |_| Value::Null,
    )
    .await;
    HashMap::from([(support_workflows::pipeline::answer::ID, run.outcome)])
}

/// The Front API calls the stand-in received (not counting the customer's own message).
pub async fn front_calls(world: &World) -> Vec<String> {
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

/// Drive one function of the handler with `event`, answering waits with `on_wait`.
pub async fn run_one(
    world: &World,
    function: &str,
    event: Value,
    on_wait: impl FnMut(&Value) -> Value,
) -> Outcome {
    drive(
        &world.handler,
        &format!("{APP_ID}-{function}"),
        event,
        on_wait,
    )
    .await
    .outcome
}

/// The first captured event of this name.
pub fn sent_event(world: &World, name: &str) -> Option<Value> {
    world
        .sent
        .0
        .lock()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .cloned()
}

/// Put knowledge into the app's namespace of the Upstash stand-in, as `skill knowledge
/// ingest` would: one Markdown page, chunked by heading.
pub async fn add_knowledge(world: &World, source: &str, markdown: &str) {
    let stem = source.trim_end_matches(".md");
    let chunks = support_knowledge::chunk::chunk_document(
        source,
        stem,
        markdown,
        support_knowledge::TextFormat::Markdown,
        &support_knowledge::ChunkOptions::default(),
    );
    let records: Vec<_> = chunks
        .iter()
        .map(|c| c.record(support_knowledge::Origin::Ingest))
        .collect();
    let index = world
        .services
        .knowledge
        .as_ref()
        .unwrap()
        .write
        .clone()
        .unwrap();
    index.upsert_data("app_tt", &records).await.unwrap();
}
