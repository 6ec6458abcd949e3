//! The worker's side of telemetry ([`support_workflows::telemetry`]): a recorder per
//! request when Axiom or Langfuse is configured, and its events sent after the answer,
//! in `ctx.wait_until`. A failure to send is logged and counted
//! (`telemetry_axiom_failed`, `telemetry_langfuse_failed` in `/admin/intake/stats`),
//! never the request's failure.

use std::sync::Arc;

use support_http::FetchTransport;
use support_telemetry::{AxiomClient, LangfuseClient};
use support_workflows::telemetry::{flush, Recorder, Sinks};
use worker::{Context, Env};

use crate::ports::counters;

/// A recorder for this request, when telemetry goes anywhere.
#[allow(clippy::arc_with_non_send_sync)] // one thread per isolate
pub fn recorder(env: &Env) -> Option<Arc<Recorder>> {
    let settings = crate::env::settings(env).ok()?;
    let telemetry = &settings.telemetry;
    (telemetry.axiom.is_some() || telemetry.langfuse.is_some())
        .then(|| Arc::new(Recorder::new(telemetry.environment.clone())))
}

/// Send what `recorder` holds, after the answer.
pub fn send(env: &Env, ctx: &Context, recorder: &Recorder) {
    let batches = recorder.take();
    if batches.is_empty() {
        return;
    }
    let Ok(settings) = crate::env::settings(env) else {
        return;
    };
    let transport: Arc<dyn support_http::Transport> = Arc::new(FetchTransport);
    let sinks = Sinks {
        axiom: settings
            .telemetry
            .axiom
            .as_ref()
            .map(|(url, token, dataset)| {
                AxiomClient::new(url, token.expose(), dataset.clone(), transport.clone())
            }),
        langfuse: settings
            .telemetry
            .langfuse
            .as_ref()
            .map(|(url, public, secret)| {
                LangfuseClient::new(url, public, secret.expose(), transport.clone())
            }),
    };
    ctx.wait_until(async move {
        let flushed = flush(batches, &sinks).await;
        if flushed.axiom_failed > 0 {
            counters::tally("telemetry_axiom_failed");
        }
        if flushed.langfuse_failed > 0 {
            counters::tally("telemetry_langfuse_failed");
        }
        for error in &flushed.errors {
            worker::console_warn!("telemetry not sent: {error}");
        }
    });
}
