//! The outgoing call requests: the canonical-JSON body Inngest sends, the serve URL with
//! `fnId`/`stepId`, and the `X-Inngest-Signature` over the exact bytes sent.

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::runs::Function;
use super::time::now_secs;
use super::Executor;

/// How long the executor waits for the app to answer one call.
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// One call of a run: everything the request carries.
pub(super) struct CallRequest<'a> {
    pub(super) function: &'a Function,
    pub(super) run_id: &'a str,
    pub(super) event: &'a Value,
    pub(super) step_id: &'a str,
    pub(super) steps: &'a Map<String, Value>,
    pub(super) stack: &'a [String],
    pub(super) attempt: u32,
    pub(super) max_attempts: u32,
    pub(super) disable_immediate: bool,
    /// This call's queue item; `qi_id` and the generation (the call's number in the run).
    pub(super) qi_id: &'a str,
    pub(super) generation: u32,
}

impl CallRequest<'_> {
    /// The request body, as Inngest sends it.
    fn body(&self, offer_checkpointing: bool) -> Value {
        let mut body = json!({
            "event": self.event,
            "events": [self.event],
            "steps": self.steps,
            "ctx": {
                "fn_id": self.function.id, "run_id": self.run_id, "env": "dev",
                "qi_id": self.qi_id, "request_id": self.qi_id, "generation_id": self.generation,
                "step_id": self.step_id, "attempt": self.attempt,
                "max_attempts": self.max_attempts,
                "stack": {"stack": self.stack, "current": self.stack.len()},
                "disable_immediate_execution": self.disable_immediate, "use_api": false,
            },
            "version": 2,
            "use_api": false,
        });
        if !offer_checkpointing {
            if let Some(ctx) = body["ctx"].as_object_mut() {
                ctx.remove("qi_id");
            }
        }
        body
    }

    /// The serve URL: the registered URL carries `?fnId=…&stepId=step`; the query is
    /// replaced.
    fn url(&self) -> String {
        let url = &self.function.url;
        let base = url.split('?').next().unwrap_or(url);
        format!("{base}?fnId={}&stepId={}", self.function.id, self.step_id)
    }
}

impl Executor {
    /// Sends one call, signed when a signing key is configured.
    pub(super) async fn send_call(
        &self,
        call: &CallRequest<'_>,
    ) -> reqwest::Result<reqwest::Response> {
        // serde_json's map keeps keys sorted and writes compactly: canonical JSON.
        let bytes =
            serde_json::to_vec(&call.body(self.offers_checkpointing())).expect("serialisable");
        let mut request = self
            .http
            .post(call.url())
            .header("content-type", "application/json")
            .header("x-inngest-server-kind", "dev")
            .header("x-request-id", call.qi_id)
            .header("x-inngest-generation-id", call.generation.to_string());
        if let Some(key) = &self.config.signing_key {
            request = request.header(
                "x-inngest-signature",
                support_signing::inngest::sign(key, now_secs(), &bytes),
            );
        }
        Self::delay(self.latency().call_ms).await;
        request.body(bytes).timeout(CALL_TIMEOUT).send().await
    }
}
