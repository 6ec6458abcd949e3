//! # support-devkit
//!
//! Local stand-ins for the external services of the platform, speaking their real wire
//! protocols, plus a control API (`/_devkit/...`) that tests and people use to see what
//! arrived and to inject failures.
//!
//! - [`inngest`]: the Inngest Event API (`POST /e/{event key}`).
//! - [`executor`]: Inngest's side of the serve protocol (`/fn/register`, runs, steps).
//! - [`anthropic`]: the Anthropic Messages API (`POST /anthropic/v1/messages`), scripted or
//!   answering as a deterministic support agent.
//! - [`front`]: Front's Core API under `/front` (conversations, tags, drafts, custom
//!   channels) and the signed application webhooks it sends.
//! - [`stripe`]: Stripe's API for Connect under `/stripe` (charges, payment intents,
//!   refunds with idempotency, subscriptions), scoped by `Stripe-Account`.
//! - [`slack`]: Slack's Web API under `/slack/api`, signed clicks and modal submissions
//!   sent to the platform's interactions URL, and a page at `/slack` to click by hand.
//! - [`upstash`]: Upstash Vector's REST API under `/upstash`: one hybrid index (dense +
//!   BM25 sparse, hosted-embedding semantics for `data`), namespaces, metadata filters.
//! - [`axiom`]: Axiom's ingest API under `/axiom` (events per dataset).
//! - [`langfuse`]: Langfuse's ingestion API under `/langfuse` (traces, observations).

pub mod anthropic;
pub mod axiom;
pub mod executor;
pub mod expr;
pub mod front;
pub mod inngest;
pub mod langfuse;
pub mod planetscale;
pub mod slack;
pub mod stripe;
pub mod upstash;

use std::net::SocketAddr;

use axum::Router;

/// Configuration of a devkit server.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Event keys the Inngest Event API accepts; empty accepts any key (as Inngest's
    /// dev server does).
    pub inngest_event_keys: Vec<String>,
    /// The executor's settings (signing key, time scale).
    pub executor: executor::ExecutorConfig,
    /// The API key the Anthropic stand-in requires; `None` accepts any non-empty key.
    pub anthropic_api_key: Option<String>,
    /// Where the Front stand-in sends application webhooks; none are sent when `None`.
    pub front_webhook_url: Option<String>,
    /// The Front app's webhook signing secret; deliveries go unsigned when `None`.
    pub front_webhook_secret: Option<String>,
    /// The bearer token the Front API takes; any token when `None`.
    pub front_api_token: Option<String>,
    /// The Front company (inboxes, channels, teammates) it starts and resets with.
    pub front_seed: front::Seed,
    /// The Stripe stand-in's secret key and seed (`fixtures/devkit-stripe.json`).
    pub stripe: stripe::StripeConfig,
    /// The Slack stand-in: bot token, interactions URL, signing secret and workspace
    /// (`fixtures/devkit-slack.json` by default).
    pub slack: slack::SlackConfig,
    /// The Upstash Vector stand-in's read-write and read-only tokens.
    pub upstash: upstash::UpstashConfig,
    /// The PlanetScale stand-in's MySQL server and password.
    pub planetscale: planetscale::PlanetScaleConfig,
    /// The Axiom stand-in's API token.
    pub axiom: axiom::AxiomConfig,
    /// The Langfuse stand-in's key pair.
    pub langfuse: langfuse::LangfuseConfig,
}

/// The full devkit router.
pub fn router(config: &Config) -> Router {
    let executor = executor::Executor::new(config.executor.clone());
    let events =
        inngest::EventApi::new(config.inngest_event_keys.clone()).with_executor(executor.clone());
    Router::new()
        .route(
            "/_devkit/healthz",
            axum::routing::get(|| async {
                axum::Json(serde_json::json!({"status": "ok", "service": "devkit"}))
            }),
        )
        .merge(executor.router())
        .merge(front::router(front::FrontStandIn::new(config.into())))
        .merge(inngest::router(events))
        .merge(stripe::router(stripe::StripeApi::new(
            config.stripe.clone(),
        )))
        .merge(slack::router(slack::SlackStandIn::new(
            config.slack.clone(),
        )))
        .merge(upstash::router(upstash::UpstashStandIn::new(
            config.upstash.clone(),
        )))
        .merge(planetscale::router(planetscale::PlanetScale::new(
            config.planetscale.clone(),
        )))
        .merge(anthropic::router(anthropic::Anthropic::new(
            config.anthropic_api_key.clone(),
        )))
        .merge(axiom::router(axiom::AxiomStandIn::new(
            config.axiom.clone(),
        )))
        .merge(langfuse::router(langfuse::LangfuseStandIn::new(
            config.langfuse.clone(),
        )))
}

/// A devkit running on a background task.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Base URL, e.g. `http://127.0.0.1:8288`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Start the devkit on `addr` (port 0 picks a free port).
pub async fn start(addr: SocketAddr, config: &Config) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = router(config);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Running { addr, task })
}
