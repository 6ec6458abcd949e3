//! Checkpointing: run the following `step.run`s in the same call request and report
//! each to Inngest as it completes, instead of answering `206` after every step and
//! waiting for Inngest to call again. inngest-js v4 does this by default
//! (`StepMode.AsyncCheckpointing`); this is the same protocol.
//!
//! # Wire facts relied on
//!
//! Read from inngest-js 4.18.1 (`packages/inngest/src/components/execution/engine.ts`,
//! its `ARCHITECTURE.md`, `src/api/api.ts`, `src/components/InngestCommHandler.ts`,
//! `src/components/InngestFunction.ts`), from Inngest's server
//! (`pkg/api/apiv1/checkpoint.go`, `checkpoint_types.go`) and from Inngest's docs
//! ("Checkpointing" and "Performance" in the durable-execution guides).
//!
//! * **When.** Nothing in the request says "checkpoint"; the SDK decides. It checkpoints
//!   a call only when the call is a discovery (`stepId=step`), the body's `ctx.fn_id` and
//!   `ctx.qi_id` are present, `ctx.disable_immediate_execution` is false (Inngest sets it
//!   once a run went parallel) and `ctx.attempt` is 0. A retried call (attempt > 0) runs
//!   its one step and answers `206 [StepRun]` as without checkpointing.
//! * **Report.** `POST {api}/v1/checkpoint/{run_id}/async`, `Authorization: Bearer
//!   <hashed signing key>` (the fallback key once more on 401/403), JSON body
//!   `{run_id, fn_id, qi_id, request_id, generation_id, request_started_at, steps, ts}`:
//!   `request_id` is the call's `x-request-id` header, `generation_id` its
//!   `x-inngest-generation-id` (an integer, left out when absent), the times in Unix
//!   milliseconds. `steps` holds `StepRun` ops as the `206` would carry them, plus
//!   `timing: {a: start, b: duration}` in nanoseconds. Only `StepRun` (and
//!   `StepPlanned`) are accepted there; errors, sleeps, waits, invokes and the run's end
//!   go in the call's answer.
//! * **Answers.** `200` with an empty body: stored (Inngest also resets the attempt
//!   count). `409`: the call is stale (another generation of it is running): stop,
//!   answer `400` with `x-inngest-no-retry: true`. Anything else (`400`, `401`, `413`,
//!   `5xx`, no answer): tried up to 5 times with a doubling pause from 100 ms, then the
//!   step is **not lost**: the call answers `206 [StepRun]` with it, as without
//!   checkpointing, and Inngest stores it from there.
//! * **Buffer.** inngest-js buffers `bufferedSteps` steps (default 1) per report, as
//!   [`Checkpointing::buffered_steps`] does here (the app's default, or per function with
//!   [`ServeFunction::checkpoint_buffer`]). The buffer is reported when full, and before
//!   the call answers with anything but the run's end (a sleep, a wait, an invoke, a
//!   step error, a step planned past the max runtime, a function error); at the run's
//!   end the buffered steps ride in the answer, before `RunComplete`. The docs' advice
//!   holds: a larger buffer sends fewer reports, but steps completed since the last
//!   report run again if the isolate dies, so buffer only functions whose steps are safe
//!   to repeat.
//!
//! [`ServeFunction::checkpoint_buffer`]: super::ServeFunction::checkpoint_buffer
//! * **End.** When the function returns, the call answers `206` with
//!   `[{"op": "RunComplete", "id": sha1("complete"), "data": <value>}]`.
//! * **Max runtime.** After `max_runtime` from the start of the call, the next new step
//!   is not run: it is answered as `206 [StepPlanned]` and Inngest calls again for it.
//!   inngest-js defaults to 10 s for `serve()`; the docs advise "slightly below the
//!   host's limit".

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use support_http::{HttpRequest, MaybeSendSync, Transport};

use super::api::send_with_keys;
use super::function::BoxFuture;
use super::handler::SharedClock;

/// The id of the `RunComplete` op: SHA-1 of `"complete"`.
pub const RUN_COMPLETE_ID: &str = "0737c22d3bfae812339732d14d8c7dbd6dc4e09c";

/// How many times a report is tried before the step goes back in the call's answer.
const REPORT_ATTEMPTS: u32 = 5;

/// Checkpointing options for the app ([`ServeConfig::with_checkpointing`]); a
/// function can opt out with [`ServeFunction::checkpointing`].
///
/// [`ServeConfig::with_checkpointing`]: super::ServeConfig::with_checkpointing
/// [`ServeFunction::checkpointing`]: super::ServeFunction::checkpointing
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpointing {
    /// After this long in one call request, the next new step is handed back to Inngest
    /// instead of being run. Keep it below the runtime's limit on one request.
    pub max_runtime: Duration,
    /// Steps completed before they are reported together (at least 1).
    pub buffered_steps: usize,
}

impl Default for Checkpointing {
    /// inngest-js's defaults for `serve()`: 10 s, every step reported.
    fn default() -> Self {
        Self {
            max_runtime: Duration::from_secs(10),
            buffered_steps: 1,
        }
    }
}

/// Waits between report attempts (`worker::Delay` in a worker, tokio natively). Without
/// one, attempts follow each other at once.
pub trait Pause: MaybeSendSync {
    /// A future that resolves after `duration`.
    fn pause(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// Why a step could not be reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReportFailure {
    /// `409`: this call is stale; stop without retrying.
    Stale(String),
    /// Every attempt failed: hand the step back in the call's answer.
    Failed(String),
}

/// Reports the steps of one call request.
pub(crate) struct Checkpointer {
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) pause: Option<Arc<dyn Pause>>,
    pub(crate) clock: Arc<dyn SharedClock>,
    /// Bearer values: hashed primary key, then hashed fallback (none in dev mode).
    pub(crate) keys: Vec<String>,
    pub(crate) url: String,
    pub(crate) run_id: String,
    pub(crate) fn_id: String,
    pub(crate) qi_id: String,
    pub(crate) request_id: Option<String>,
    pub(crate) generation_id: Option<i64>,
    pub(crate) started_ms: i64,
    pub(crate) max_runtime: Duration,
    pub(crate) buffered_steps: usize,
    pub(crate) timeout: Duration,
}

impl Checkpointer {
    /// Milliseconds since the Unix epoch.
    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_unix_millis()
    }

    /// Whether a new step may still be run in this call.
    pub(crate) fn within_runtime(&self) -> bool {
        let elapsed = self.now_ms().saturating_sub(self.started_ms);
        elapsed < self.max_runtime.as_millis() as i64
    }

    /// A completed step's `StepRun` op, timed as Inngest reads it: `a` the start and `b`
    /// the duration, in nanoseconds.
    pub(crate) fn timed(mut op: Value, started_ms: i64, ended_ms: i64) -> Value {
        const NS_PER_MS: i64 = 1_000_000;
        op["timing"] = json!({
            "a": started_ms.saturating_mul(NS_PER_MS),
            "b": ended_ms.saturating_sub(started_ms).saturating_mul(NS_PER_MS),
        });
        op
    }

    /// Reports completed steps (`StepRun` ops) in one request.
    pub(crate) async fn report(&self, ops: &[Value]) -> Result<(), ReportFailure> {
        let mut last = String::new();
        for attempt in 0..REPORT_ATTEMPTS {
            if attempt > 0 {
                if let Some(pause) = &self.pause {
                    pause
                        .pause(Duration::from_millis(100 << (attempt - 1)))
                        .await;
                }
            }
            let mut body = json!({
                "run_id": self.run_id, "fn_id": self.fn_id, "qi_id": self.qi_id,
                "request_started_at": self.started_ms, "steps": ops, "ts": self.now_ms(),
            });
            if let Some(id) = &self.request_id {
                body["request_id"] = json!(id);
            }
            if let Some(generation) = self.generation_id {
                body["generation_id"] = json!(generation);
            }
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            match self.send(&bytes).await {
                Ok(200..=299) => return Ok(()),
                Ok(409) => return Err(ReportFailure::Stale(format!(
                    "Inngest refused the checkpoint of run {} as stale (409): another call of this run is newer",
                    self.run_id
                ))),
                Ok(status) => last = format!("the checkpoint answered {status}"),
                Err(e) => last = e,
            }
        }
        Err(ReportFailure::Failed(last))
    }

    /// One POST, with the hashed primary key, then the fallback on 401/403.
    async fn send(&self, body: &[u8]) -> Result<u16, String> {
        let build = || HttpRequest {
            method: "POST".to_owned(),
            url: self.url.clone(),
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: body.to_vec(),
            timeout: self.timeout,
        };
        let response = send_with_keys(self.transport.as_ref(), &self.keys, build).await?;
        Ok(response.status)
    }
}
