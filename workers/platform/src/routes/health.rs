//! `GET /healthz`: liveness, the version, and whether the configuration is usable.

use serde_json::json;
use worker::Request;

use super::Ctx;

use crate::env;
use crate::http::{json, ApiResult};

/// Answers 200 when the platform can serve, 503 naming the variable that is wrong.
pub async fn get(_req: Request, ctx: Ctx) -> ApiResult {
    let version = env!("CARGO_PKG_VERSION");
    match env::settings(&ctx.env) {
        Ok(settings) => json(
            200,
            &json!({
                "status": "ok",
                "service": crate::SERVICE,
                "version": version,
                "database": settings.database.name(),
            }),
        ),
        Err(err) => json(
            503,
            &json!({"status": "misconfigured", "service": crate::SERVICE, "version": version, "problem": err.to_string()}),
        ),
    }
}
