//! A reference product app on Cloudflare Workers.
//!
//! This is the file an app developer copies: it serves the support contract at
//! `POST /api/support`, backed by D1 (see `store/`). Secrets come from the
//! environment: `SUPPORT_WEBHOOK_SECRET`, plus `SUPPORT_WEBHOOK_SECRET_PREVIOUS` while a
//! rotation is under way.

mod store;

use support_sdk::adapters::worker::serve;
use support_sdk::SupportHandler;
use worker::{event, Context, Env, Method, Request, Response, Result};

use crate::store::D1Integration;

/// Where the platform calls us. Register `https://<your app>/api/support` as the
/// app's integration URL on the platform.
const SUPPORT_PATH: &str = "/api/support";

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match (req.method(), req.path().as_str()) {
        (Method::Get, "/healthz") => Response::from_json(&serde_json::json!({
            "status": "ok",
            "service": "support-example-app",
            "version": env!("CARGO_PKG_VERSION"),
        })),
        (_, SUPPORT_PATH) => {
            let handler = SupportHandler::with_secrets(
                D1Integration::new(env.d1("DB")?, public_url(&env)),
                secrets(&env),
            );
            serve(&handler, req).await
        }
        _ => Ok(Response::from_json(&serde_json::json!({"error": "not found"}))?.with_status(404)),
    }
}

/// The current secret first, then the previous one during a rotation.
fn secrets(env: &Env) -> Vec<String> {
    ["SUPPORT_WEBHOOK_SECRET", "SUPPORT_WEBHOOK_SECRET_PREVIOUS"]
        .into_iter()
        .filter_map(|name| env.secret(name).ok().map(|s| s.to_string()))
        .filter(|s| !s.is_empty())
        .collect()
}

fn public_url(env: &Env) -> String {
    env.var("PUBLIC_URL")
        .map(|v| v.to_string())
        .unwrap_or_else(|_| "https://app.example.com".into())
}
