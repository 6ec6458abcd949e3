//! The edge's implementations of what the domain and the workflows need: the app
//! registry, counters and dead letters (through the store, over D1), the conversation
//! store on the conversations' Durable Objects.

/// The app registry in D1 (`apps`), cached per isolate for the hot path.
pub mod registry {
    use std::cell::RefCell;

    use support_core::apps::{lookup, App, AppRef, Lookup};
    use worker::{Env, Result};

    use crate::env::now_ms;

    /// How long an isolate trusts its copy for a hit. A miss is never trusted.
    pub const CACHE_TTL_MS: i64 = 5 * 60 * 1000;

    thread_local! {
        static CACHE: RefCell<Option<(i64, Vec<App>)>> = const { RefCell::new(None) };
    }

    async fn read(env: &Env) -> Result<Vec<App>> {
        use support_store::Store;
        let apps = super::store::open(env, None)?
            .app_inboxes()
            .await
            .map_err(|e| worker::Error::RustError(e.to_string()))?;
        CACHE.with(|c| *c.borrow_mut() = Some((now_ms(), apps.clone())));
        Ok(apps)
    }

    /// The app one of `inbox_ids` belongs to. Only a hit in the isolate's copy is
    /// trusted: a miss (or no fresh copy) reads the registry once, so an app registered
    /// a moment ago is found.
    pub async fn app_for_inboxes(env: &Env, inbox_ids: &[String]) -> Result<Option<AppRef>> {
        if inbox_ids.is_empty() {
            return Ok(None);
        }
        let now = now_ms();
        let cached = CACHE.with(|c| {
            c.borrow()
                .as_ref()
                .filter(|(at, _)| now - at < CACHE_TTL_MS)
                .map(|(_, apps)| lookup(apps, inbox_ids))
        });
        if let Some(Lookup::Found(app)) = cached {
            return Ok(Some(app));
        }
        Ok(match lookup(&read(env).await?, inbox_ids) {
            Lookup::Found(app) => Some(app),
            Lookup::NoInbox | Lookup::Miss => None,
        })
    }
}

/// Intake counters: tallied in the isolate, flushed to D1 every few seconds off the
/// request path (never one write per webhook).
pub mod counters {
    use std::cell::RefCell;

    use support_core::counters::Tally;
    use worker::{Context, Env, Result};

    use crate::env::now_ms;

    thread_local! {
        static TALLY: RefCell<Tally> = RefCell::new(Tally::default());
    }

    /// Count `name`; flush in the background when the interval has passed.
    pub fn count(env: &Env, ctx: &Context, name: &'static str) {
        let due = TALLY.with(|t| {
            let mut t = t.borrow_mut();
            t.add(name);
            t.take_due(now_ms())
        });
        // Nothing is looked up or written until a flush is due (once a minute, not per
        // webhook).
        let Some(due) = due else {
            return;
        };
        let env = env.clone();
        ctx.wait_until(async move {
            if let Err(err) = write_or_restore(&env, &due).await {
                worker::console_warn!("could not flush the intake counters: {err}");
            }
        });
    }

    /// Count `name` in this isolate's tally only; the next [`count`] or [`flush`]
    /// writes it (for code that runs after the answer, with no context to wait on).
    pub fn tally(name: &'static str) {
        TALLY.with(|t| t.borrow_mut().add(name));
    }

    /// Write this isolate's tally now (before the stats are read).
    pub async fn flush(env: &Env) -> Result<()> {
        let due = TALLY.with(|t| t.borrow_mut().take(now_ms()));
        if due.is_empty() {
            return Ok(());
        }
        write_or_restore(env, &due).await
    }

    /// Write `due`; on any failure (the binding too) put the counts back for the next flush.
    async fn write_or_restore(env: &Env, due: &[(&'static str, u64)]) -> Result<()> {
        use support_store::Store;
        let result = match super::store::open(env, None) {
            Ok(store) => store
                .add_intake_counts(due, now_ms())
                .await
                .map_err(|e| worker::Error::RustError(e.to_string())),
            Err(err) => Err(err),
        };
        if result.is_err() {
            TALLY.with(|t| t.borrow_mut().restore(due));
        }
        result
    }
}

/// Dead letters, in the store: written by a conversation's object, read and replayed by
/// operators.
pub mod dead_letters {
    use support_core::outbox::{DeadLetter, Replay};
    use support_store::Store;
    use worker::{Env, Result};

    use crate::env::now_ms;

    fn failed(e: support_store::StoreError) -> worker::Error {
        worker::Error::RustError(e.to_string())
    }

    /// Record refused events (their bodies too, so they can be replayed).
    pub async fn record(env: &Env, letters: &[(DeadLetter, std::sync::Arc<str>)]) -> Result<()> {
        let letters: Vec<(DeadLetter, &str)> = letters
            .iter()
            .map(|(l, body)| (l.clone(), &**body))
            .collect();
        super::store::open(env, None)?
            .record_dead_letters(&letters)
            .await
            .map_err(failed)
    }

    /// The newest dead letters, not yet replayed unless `all`.
    pub async fn list(env: &Env, all: bool, limit: u32) -> Result<Vec<DeadLetter>> {
        super::store::open(env, None)?
            .dead_letters(all, limit)
            .await
            .map_err(failed)
    }

    /// The replayable events of these ids, with their conversations.
    pub async fn take_for_replay(env: &Env, event_ids: &[String]) -> Result<Vec<(String, Replay)>> {
        super::store::open(env, None)?
            .dead_letter_bodies(event_ids)
            .await
            .map_err(failed)
    }

    /// Mark events as replayed.
    pub async fn mark_replayed(env: &Env, event_ids: &[String]) -> Result<()> {
        super::store::open(env, None)?
            .mark_replayed(event_ids, now_ms())
            .await
            .map_err(failed)
    }
}

/// The workflows' conversation store: the conversations' Durable Objects.
pub mod conversations {
    use support_core::conversation::Snapshot;
    use support_workflows::{ConversationStore, PortError};
    use worker::Env;

    use crate::objects::ConversationClient;

    /// Reads conversations through their objects' typed client.
    pub struct ObjectStore {
        env: Env,
    }

    impl ObjectStore {
        /// Over this worker's bindings.
        pub fn new(env: Env) -> Self {
            Self { env }
        }
    }

    #[async_trait::async_trait(?Send)]
    impl ConversationStore for ObjectStore {
        async fn snapshot(&self, conversation_id: &str) -> Result<Snapshot, PortError> {
            let client = ConversationClient::new(&self.env, conversation_id)
                .map_err(|e| PortError(format!("conversation object: {e}")))?;
            client
                .snapshot()
                .await
                .map_err(|e| PortError(format!("conversation object unavailable: {e}")))
        }
    }
}

// The ports are `Arc`s because the workflows share them with native code, where they are
// `Send + Sync`; a Worker isolate runs one thread, so on wasm32 nothing crosses threads.
#[allow(clippy::arc_with_non_send_sync)]
/// The store: [`support_store::SqlStore`] over D1's prepared statements (several
/// statements go in one batch, which D1 runs as one transaction), or over PlanetScale's
/// HTTP API when `DATABASE=planetscale`.
pub mod store {
    use std::sync::Arc;

    use support_core::settings::Database;
    use support_http::FetchTransport;
    use support_store::planetscale::{PlanetScaleConfig, PlanetScaleExec};
    use support_store::secrets::Keyring;
    use support_store::{Param, Result, Row, SqlExec, SqlStore, Statement, StoreError};
    use wasm_bindgen::JsValue;
    use worker::{D1Database, D1PreparedStatement, Env};

    use crate::env::DB;

    /// D1 as the store's executor.
    pub struct D1Exec {
        db: D1Database,
    }

    fn db_error(e: impl std::fmt::Display) -> StoreError {
        StoreError::Database(e.to_string())
    }

    impl D1Exec {
        fn prepare(&self, statement: &Statement) -> Result<D1PreparedStatement> {
            let params: Vec<JsValue> = statement
                .params
                .iter()
                .map(|p| match p {
                    Param::Null => JsValue::NULL,
                    // Timestamps and counts: well inside f64's exact integers.
                    Param::Int(n) => JsValue::from_f64(*n as f64),
                    Param::Text(s) => JsValue::from_str(s),
                })
                .collect();
            self.db
                .prepare(statement.sql)
                .bind(&params)
                .map_err(db_error)
        }
    }

    #[async_trait::async_trait(?Send)]
    impl SqlExec for D1Exec {
        async fn query(&self, statement: Statement) -> Result<Vec<Row>> {
            self.prepare(&statement)?
                .all()
                .await
                .map_err(db_error)?
                .results::<Row>()
                .map_err(db_error)
        }

        async fn execute(&self, statements: Vec<Statement>) -> Result<Vec<u64>> {
            let prepared = statements
                .iter()
                .map(|s| self.prepare(s))
                .collect::<Result<Vec<_>>>()?;
            let results = self.db.batch(prepared).await.map_err(db_error)?;
            Ok(results
                .iter()
                .map(|r| r.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0) as u64)
                .collect())
        }
    }

    /// The store on the database `DATABASE` names (D1 unless `planetscale`), with the
    /// keyring from `APP_SECRETS_KEYS` (none: apps with secrets cannot be read, which
    /// the pipeline's runs then say).
    pub fn open(env: &Env, keys: Option<&str>) -> worker::Result<Arc<SqlStore>> {
        let keyring = match keys {
            Some(keys) => Some(
                Keyring::parse(keys)
                    .map_err(|e| worker::Error::RustError(format!("APP_SECRETS_KEYS: {e}")))?,
            ),
            None => None,
        };
        let database = crate::env::settings(env)
            .map_err(|e| worker::Error::RustError(e.to_string()))?
            .database
            .clone();
        let exec: Arc<dyn SqlExec> = match database {
            Database::D1 => Arc::new(D1Exec { db: env.d1(DB)? }),
            Database::PlanetScale {
                host,
                username,
                password,
            } => Arc::new(PlanetScaleExec::new(
                &PlanetScaleConfig::new(&host, &username, password.clone()),
                Arc::new(FetchTransport),
            )),
        };
        Ok(Arc::new(SqlStore::new(exec, keyring)))
    }
}

/// The conversation object's port to Inngest's Event API: its outbox hands over the
/// events it stored as text, without building a client or knowing the key.
pub mod outbox_events {
    use std::rc::Rc;
    use std::time::Duration;

    use support_core::settings::Settings;
    use support_http::FetchTransport;
    use support_inngest::{EventApi, SendError};

    /// Sends stored events (each a JSON object, as text) in one request.
    #[async_trait::async_trait(?Send)]
    pub trait OutboxEvents {
        /// Hand `events` over, waiting at most `within` for Inngest's answer.
        async fn send(&self, events: &[&str], within: Duration) -> Result<(), SendError>;
    }

    /// The Event API under the platform's key, one client per timeout the object uses.
    struct EventApiOutbox {
        base: String,
        key: String,
        clients: std::cell::RefCell<Vec<(Duration, Rc<EventApi<FetchTransport>>)>>,
    }

    #[async_trait::async_trait(?Send)]
    impl OutboxEvents for EventApiOutbox {
        async fn send(&self, events: &[&str], within: Duration) -> Result<(), SendError> {
            let client = {
                let mut clients = self.clients.borrow_mut();
                match clients.iter().find(|(t, _)| *t == within) {
                    Some((_, client)) => Rc::clone(client),
                    None => {
                        let client = Rc::new(
                            EventApi::new(&self.base, &self.key, FetchTransport)
                                .with_timeout(within),
                        );
                        clients.push((within, Rc::clone(&client)));
                        client
                    }
                }
            };
            client.send_serialized(events).await.map(|_| ())
        }
    }

    /// The port, when an event key is configured (without one, events wait).
    pub fn from_settings(settings: &Settings) -> Option<Rc<dyn OutboxEvents>> {
        let key = settings.inngest_event_key.as_ref()?;
        Some(Rc::new(EventApiOutbox {
            base: settings.inngest_event_api_base.clone(),
            key: key.expose().to_owned(),
            clients: std::cell::RefCell::new(Vec::new()),
        }))
    }
}

#[allow(clippy::arc_with_non_send_sync)] // as for the store: one thread per isolate
/// The pipeline's ports: the store and one client per outside service, from settings.
pub mod pipeline {
    use std::sync::Arc;

    use std::time::Duration;

    use support_agent::AgentConfig;
    use support_anthropic::AnthropicClient;
    use support_core::settings::Settings;
    use support_front::FrontClient;
    use support_http::{FetchTransport, Transport};
    use support_inngest::EventApi;
    use support_knowledge::VectorIndex;
    use support_slack::SlackClient;
    use support_stripe::StripeClient;
    use support_workflows::pipeline::{KnowledgeIndex, Services};
    use support_workflows::PipelinePorts;
    use worker::Env;

    /// The store and the services. Without a readable store (a malformed
    /// `APP_SECRETS_KEYS`, no D1) there is no pipeline, and the reason is logged.
    pub fn ports(
        env: &Env,
        settings: &Settings,
        telemetry: Option<Arc<support_workflows::telemetry::Recorder>>,
    ) -> Option<PipelinePorts> {
        let services = &settings.services;
        let store = match super::store::open(
            env,
            services
                .app_secrets_keys
                .as_ref()
                .map(support_http::Secret::expose),
        ) {
            Ok(store) => store,
            Err(err) => {
                worker::console_error!("the support pipeline is off: {err}");
                return None;
            }
        };
        let transport: Arc<dyn Transport> = Arc::new(FetchTransport);
        let services = Services {
            front: services.front_api_token.as_ref().map(|token| {
                FrontClient::new(
                    services.front_api_base.clone(),
                    token.clone(),
                    transport.clone(),
                )
            }),
            anthropic: services.anthropic_api_key.as_ref().map(|key| {
                AnthropicClient::new(
                    services.anthropic_base_url.clone(),
                    key.clone(),
                    transport.clone(),
                )
            }),
            stripe: services.stripe_secret_key.as_ref().map(|key| {
                Arc::new(StripeClient::new(
                    services.stripe_api_base.clone(),
                    key.clone(),
                    transport.clone(),
                ))
            }),
            slack: services.slack_bot_token.as_ref().map(|token| {
                SlackClient::new(
                    services.slack_api_base.clone(),
                    token.clone(),
                    transport.clone(),
                )
            }),
            agent: AgentConfig {
                model: services.agent_model.clone(),
                ..AgentConfig::default()
            },
            classifier_model: services.classifier_model.clone(),
            clock: Arc::new(support_signing::SystemClock),
            sdk_timeout: std::time::Duration::from_secs(5),
            approval_slice: Duration::from_secs(settings.approval_wait_slice_secs),
            execution_watch: Duration::from_secs(settings.execution_watch_secs),
            audit_retention: Duration::from_secs(settings.audit_retention_days * 24 * 3600),
            autosend_killed: settings.autosend_kill_switch,
            warn: |line| worker::console_warn!("{line}"),
            knowledge: services.knowledge.as_ref().map(|k| KnowledgeIndex {
                query: VectorIndex::new(k.url.clone(), k.query_token.clone(), transport.clone()),
                write: k
                    .write_token
                    .as_ref()
                    .map(|t| VectorIndex::new(k.url.clone(), t.clone(), transport.clone())),
            }),
            transport,
            telemetry,
        };
        Some(PipelinePorts {
            store,
            services: Arc::new(services),
        })
    }

    /// The Inngest Event API, as the platform sends to it.
    pub fn events(settings: &Settings) -> EventApi<FetchTransport> {
        EventApi::new(
            &settings.inngest_event_api_base,
            settings
                .inngest_event_key
                .as_ref()
                .map_or("", support_http::Secret::expose),
            FetchTransport,
        )
    }
}
