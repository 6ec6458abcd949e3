//! A local executor that plays Inngest Cloud's side of the serve protocol.
//!
//! Apps register with `POST /fn/register` (as the SDK does on a `PUT` sync). Events that
//! reach the Event API stand-in start the functions whose triggers match; each run is
//! driven with signed, canonical-JSON call requests to the app's serve URL, handling every
//! opcode the platform uses: `StepRun`, `StepPlanned`, `Sleep`, `WaitForEvent`,
//! `InvokeFunction`, `StepError`, `StepFailed`; per-step retries with attempt counts,
//! `X-Inngest-No-Retry` and `Retry-After`; `cancel` (cancelOn) and `onFailure`
//! (`inngest/function.failed`). Every response is checked like Inngest does (the
//! `X-Inngest-SDK` header, the opcode shapes); a protocol error fails the run loudly with
//! the reason recorded.
//!
//! **Checkpointing** (inngest-js v4's default): every call carries `ctx.fn_id`,
//! `ctx.qi_id`, `x-request-id` and `x-inngest-generation-id`; `POST
//! /v1/checkpoint/{run}/async` (Bearer: the hashed signing key) stores the `StepRun`s
//! the app ran in the call, refuses other ops (400), a call that is no longer the run's
//! current one (409, stale) and a run that has ended (400); `RunComplete` in a `206`
//! ends the run. `POST /_devkit/inngest/checkpoint-failures {"status", "times"}` makes
//! the next reports fail, to try the SDK's fallback.
//!
//! **Latency**, to show what production would see: `INNGEST_CALL_LATENCY_MS` before
//! each call request, `INNGEST_EVENT_LATENCY_MS` between an event and its run's first
//! call, `INNGEST_CHECKPOINT_LATENCY_MS` before a checkpoint is answered (flags
//! `--call-latency-ms` and so on; `GET`/`POST /_devkit/inngest/latency` reads and changes
//! them while running). `POST /_devkit/inngest/checkpointing {"offered": false}` stops
//! offering checkpointing (calls carry no `ctx.qi_id`, so an SDK answers step by step),
//! to measure the difference.
//!
//! `GET /_devkit/inngest/runs` lists runs with their steps and outcome;
//! `GET /_devkit/inngest/runs/{id}` shows one; `GET /_devkit/inngest/functions` the
//! registered functions.

mod calls;
mod checkpoint;
mod drive;
mod routes;
mod runs;
mod time;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use serde_json::Value;

pub use runs::RunStatus;
pub(crate) use time::now_ms;
pub use time::parse_duration;

use runs::{Function, Inner};

/// Executor settings.
#[derive(Debug, Clone)]
pub struct ExecutorConfig {
    /// Signing key (`signkey-…`) used to sign call requests and check `/fn/register`'s
    /// Bearer; `None` runs unsigned (dev mode on both sides).
    pub signing_key: Option<String>,
    /// Multiplies sleeps, wait timeouts and retry delays (0.01 makes an hour 36 s).
    pub time_scale: f64,
    /// Added latencies (the initial values; changed at run time through the API).
    pub latency: Latency,
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        Self {
            signing_key: None,
            time_scale: 1.0,
            latency: Latency::default(),
        }
    }
}

/// Latency the executor adds, in milliseconds, to play a remote Inngest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Latency {
    /// Before each call request (Inngest's queue and the network to the app).
    #[serde(default)]
    pub call_ms: u64,
    /// Between an event and its run's first call (scheduling a new run).
    #[serde(default)]
    pub event_ms: u64,
    /// Before a checkpoint report is answered (the app's round trip to Inngest's API).
    #[serde(default)]
    pub checkpoint_ms: u64,
}

/// The executor; cheap to clone.
#[derive(Clone)]
pub struct Executor {
    config: Arc<ExecutorConfig>,
    http: reqwest::Client,
    inner: Arc<Mutex<Inner>>,
    latency: Arc<Mutex<Latency>>,
    /// Whether calls carry a queue item id (`ctx.qi_id`), without which an SDK cannot
    /// checkpoint: off plays an executor that does not offer checkpointing.
    checkpointing: Arc<std::sync::atomic::AtomicBool>,
}

impl Executor {
    /// A new executor.
    pub fn new(config: ExecutorConfig) -> Self {
        Self {
            latency: Arc::new(Mutex::new(config.latency)),
            checkpointing: Arc::new(std::sync::atomic::AtomicBool::new(true)),
            config: Arc::new(config),
            http: reqwest::Client::new(),
            inner: Arc::default(),
        }
    }

    /// The latencies added now.
    pub fn latency(&self) -> Latency {
        *self.latency.lock().unwrap()
    }

    /// Change the latencies added from now on.
    pub fn set_latency(&self, latency: Latency) {
        *self.latency.lock().unwrap() = latency;
    }

    /// Whether calls offer checkpointing (carry `ctx.qi_id`).
    pub fn offers_checkpointing(&self) -> bool {
        self.checkpointing
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Offer checkpointing to the apps, or not (to measure the difference).
    pub fn offer_checkpointing(&self, on: bool) {
        self.checkpointing
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Sleeps `ms` milliseconds (not scaled: latency is real time).
    async fn delay(ms: u64) {
        if ms > 0 {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
    }

    fn scaled(&self, d: Duration) -> Duration {
        d.mul_f64(self.config.time_scale.max(0.0))
    }

    /// Register (or replace) an app's functions from a `/fn/register` body.
    pub fn register(&self, body: &Value) -> Result<usize, String> {
        let app = body
            .get("appName")
            .and_then(Value::as_str)
            .filter(|a| !a.is_empty())
            .ok_or("appName is required")?;
        let functions = body
            .get("functions")
            .and_then(Value::as_array)
            .ok_or("functions must be an array")?;
        let mut parsed = Vec::new();
        for f in functions {
            let id = f
                .get("id")
                .and_then(Value::as_str)
                .ok_or("function id is required")?;
            let step = f
                .pointer("/steps/step")
                .ok_or_else(|| format!("{id}: steps.step is required"))?;
            let url = step
                .pointer("/runtime/url")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{id}: steps.step.runtime.url is required"))?;
            let triggers = f
                .get("triggers")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if triggers.is_empty() || triggers.len() > 10 {
                return Err(format!("{id}: 1 to 10 triggers are required"));
            }
            let retries = step
                .pointer("/retries/attempts")
                .or(f.get("retries"))
                .and_then(Value::as_u64)
                .unwrap_or(4)
                .min(20) as u32;
            let cancel = f
                .get("cancel")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            parsed.push(Function {
                id: id.to_owned(),
                name: f
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or(id)
                    .to_owned(),
                url: url.to_owned(),
                triggers,
                retries,
                cancel,
            });
        }
        let mut inner = self.inner.lock().unwrap();
        inner
            .functions
            .retain(|id, _| !id.starts_with(&format!("{app}-")));
        let n = parsed.len();
        for f in parsed {
            inner.functions.insert(f.id.clone(), f);
        }
        Ok(n)
    }
}

/// A header's value, when present and visible ASCII.
fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
