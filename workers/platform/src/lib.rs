//! The support platform worker.
//!
//! Thin on purpose: routing and HTTP framing live here, the logic lives in the
//! workspace crates. Every answer is JSON.
//!
//! Routes so far:
//! - `GET /healthz`: liveness and the deployed version.
//! - `POST /webhooks/front`: Front application (and legacy rule) webhooks.
//! - `GET|PUT|POST /api/inngest`: the Inngest serve endpoint (see [`workflows`]).
//! - `GET /admin/...`: read-only operator views, when `ADMIN_TOKEN` is set.
//!
//! The `Conversation` Durable Object class lives in [`conversation`].
//!
//! To add a route, add its path to [`ROUTES`] with the methods it accepts and a
//! `(method, path)` arm in [`fetch`]; a known path with the wrong method then
//! answers 405 with an `Allow` header, and unknown paths answer 404.

mod admin;
mod config;
mod conformance;
mod conversation;
mod front_intake;
mod registry;
mod workflows;

use serde_json::json;
use worker::{event, Context, Env, Method, Request, Response, Result};

pub use conversation::Conversation;

const SERVICE: &str = "support-platform";

/// Every path this worker serves, with the methods it accepts there.
const ROUTES: &[(&str, &[Method])] = &[
    ("/healthz", &[Method::Get, Method::Head]),
    ("/webhooks/front", &[Method::Post]),
    ("/api/inngest", &[Method::Get, Method::Put, Method::Post]),
];

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let path = req.path();
    match (req.method(), path.as_str()) {
        (Method::Get | Method::Head, "/healthz") => healthz(),
        (Method::Post, "/webhooks/front") => front_intake::handle(req, &env, &ctx).await,
        (Method::Get | Method::Put | Method::Post, "/api/inngest") => {
            workflows::handle(req, &env).await
        }
        (Method::Get, p) if p.starts_with("/admin/") => admin::handle(req, &env, p).await,
        (_, path) => match allowed_methods(path) {
            Some(methods) => method_not_allowed(methods),
            None => error(404, "not found"),
        },
    }
}

fn healthz() -> Result<Response> {
    Response::from_json(&json!({
        "status": "ok",
        "service": SERVICE,
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

fn allowed_methods(path: &str) -> Option<&'static [Method]> {
    ROUTES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, methods)| *methods)
}

fn method_not_allowed(methods: &[Method]) -> Result<Response> {
    let allow = methods
        .iter()
        .map(|m| m.as_ref())
        .collect::<Vec<_>>()
        .join(", ");
    let mut resp = error(405, "method not allowed")?;
    resp.headers_mut().set("Allow", &allow)?;
    Ok(resp)
}

fn error(status: u16, message: &str) -> Result<Response> {
    Ok(Response::from_json(&json!({ "error": message }))?.with_status(status))
}
