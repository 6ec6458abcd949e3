//! `/api/inngest`: the platform's durable functions ([`support_workflows`]), served to
//! Inngest: introspection (GET), sync (PUT), signed calls (POST).
//!
//! Closed unless configured: without `INNGEST_SIGNING_KEY` every request is refused
//! (503, logged), and unsigned calls are served only with `INNGEST_DEV=1`.

use std::sync::Arc;

use support_core::settings::{InngestAuth, Settings};
use support_http::FetchTransport;
use support_inngest::serve::{BoxFuture, Checkpointing, Pause, ServeConfig, ServeHandler};
use support_workflows::{conformance, functions, Ports, WorkflowSettings, APP_ID};
use worker::{Headers, Request, Response};

use super::Ctx;
use crate::http::{read_body, ApiError, ApiResult};
use crate::ports::conversations::ObjectStore;

/// Inngest sends at most 4 MB of run state in a call (above that it sets `use_api` and
/// the state is fetched from its API); 1 MiB of room for the rest of the envelope.
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

pub async fn serve(mut req: Request, ctx: Ctx) -> ApiResult {
    let settings = ctx.settings()?;
    if settings.inngest_auth == InngestAuth::Closed {
        return Err(ApiError::new(
            503,
            "Inngest serving is not configured: set INNGEST_SIGNING_KEY (or INNGEST_DEV=1 for a local executor)",
        )
        .with_cause("refusing /api/inngest: INNGEST_SIGNING_KEY is not set and INNGEST_DEV is not 1"));
    }
    let url = req.url()?.to_string();
    let method = req.method().to_string();
    let body = if method == "POST" || method == "PUT" {
        read_body(&mut req, MAX_BODY_BYTES).await?
    } else {
        Vec::new()
    };
    let headers: Vec<(String, String)> = req.headers().entries().collect();
    if let (Some(telemetry), "POST") = (&ctx.telemetry, method.as_str()) {
        // The call's function, run and event: the ids and the customer its events name.
        if let Ok(call) = serde_json::from_slice::<serde_json::Value>(&body) {
            let function = req
                .url()?
                .query_pairs()
                .find(|(k, _)| k == "fnId")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let run_id = call
                .pointer("/ctx/run_id")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            telemetry.set_context(support_workflows::telemetry::RunContext::from_inngest(
                &function,
                run_id,
                call.pointer("/event/data")
                    .unwrap_or(&serde_json::Value::Null),
            ));
        }
    }
    let handler = isolate_handler(&ctx, &settings, &url);
    let response = handler
        .handle(
            &method,
            &url,
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            &body,
        )
        .await;
    let out = Headers::new();
    for (name, value) in &response.headers {
        out.set(name, value)?;
    }
    Ok(Response::from_bytes(response.body)?
        .with_status(response.status)
        .with_headers(out))
}

thread_local! {
    /// The handler built for this isolate, with the serve URL it was built for.
    static HANDLER: std::cell::RefCell<Option<(String, std::rc::Rc<ServeHandler>)>> =
        const { std::cell::RefCell::new(None) };
}

/// The serve handler, its functions and clients, built once per isolate: the settings
/// and bindings do not change while it lives. Telemetry records per request, so a
/// request with telemetry gets a handler of its own.
fn isolate_handler(ctx: &Ctx, settings: &Settings, request_url: &str) -> std::rc::Rc<ServeHandler> {
    if ctx.telemetry.is_some() {
        return std::rc::Rc::new(handler(ctx, settings, request_url));
    }
    let serve_url = serve_url(settings, request_url);
    HANDLER.with(|cell| {
        if let Some((url, handler)) = &*cell.borrow() {
            if *url == serve_url {
                return std::rc::Rc::clone(handler);
            }
        }
        let built = std::rc::Rc::new(handler(ctx, settings, request_url));
        *cell.borrow_mut() = Some((serve_url, std::rc::Rc::clone(&built)));
        built
    })
}

/// Where Inngest calls this endpoint: the configured URL, else the request's.
fn serve_url(settings: &Settings, request_url: &str) -> String {
    settings.inngest_serve_url.clone().unwrap_or_else(|| {
        request_url
            .split('?')
            .next()
            .unwrap_or(request_url)
            .to_owned()
    })
}

/// Pauses between checkpoint report attempts on the Workers timer.
struct WorkerPause;

impl Pause for WorkerPause {
    fn pause(&self, duration: std::time::Duration) -> BoxFuture<'static, ()> {
        Box::pin(worker::Delay::from(duration))
    }
}

fn handler(ctx: &Ctx, settings: &Settings, request_url: &str) -> ServeHandler {
    let mut serve = match &settings.inngest_auth {
        InngestAuth::Signed { key, fallback } => {
            let mut serve = ServeConfig::cloud(APP_ID, key.expose());
            if let Some(fallback) = fallback {
                serve = serve.with_fallback_key(fallback.expose());
            }
            serve
        }
        InngestAuth::Dev | InngestAuth::Closed => ServeConfig::dev(APP_ID),
    };
    if let Some(origin) = &settings.inngest_api_origin {
        serve = serve.with_api_origin(origin.clone());
    }
    // Introspection says whether the platform can send events (`has_event_key`).
    if let Some(key) = &settings.inngest_event_key {
        serve = serve.with_event_key(key.expose());
    }
    let serve_url = serve_url(settings, request_url);
    serve = serve
        .with_serve_url(serve_url)
        .with_framework("cloudflare-workers");
    if let Some(secs) = settings.inngest_checkpoint_max_runtime_secs {
        serve = serve.with_checkpointing(Checkpointing {
            max_runtime: std::time::Duration::from_secs(secs),
            ..Checkpointing::default()
        });
    }
    let events = crate::ports::pipeline::events(settings);
    let ports = Ports {
        conversations: Arc::new(ObjectStore::new(ctx.env.clone())),
        pipeline: crate::ports::pipeline::ports(&ctx.env, settings, ctx.telemetry.clone()),
    };
    let mut handler = ServeHandler::new(serve)
        .with_transport(FetchTransport)
        .with_pause(WorkerPause)
        .with_event_sender(events);
    for function in functions(&ports, &WorkflowSettings::from_settings(settings)) {
        handler = handler.function(function);
    }
    if settings.inngest_conformance {
        for function in conformance::functions() {
            handler = handler.function(function);
        }
    }
    handler
}
