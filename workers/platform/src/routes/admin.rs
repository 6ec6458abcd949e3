//! Read-only operator routes, enabled by setting `ADMIN_TOKEN`:
//! - `GET /admin/intake/stats`: what the Front intake did with webhooks;
//! - `GET /admin/conversations/{id}`: a conversation's cache and outbox.
//!
//! Without the token configured they answer 404, as if they did not exist.

use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;
use worker::{Env, Request, Response, Result};

use crate::{config, front_intake::CONVERSATIONS};

fn authorized(req: &Request, env: &Env) -> Result<Option<bool>> {
    let Some(token) = config::admin_token(env) else {
        return Ok(None);
    };
    let given = req.headers().get("authorization")?.unwrap_or_default();
    let given = given.strip_prefix("Bearer ").unwrap_or_default();
    Ok(Some(bool::from(given.as_bytes().ct_eq(token.as_bytes()))))
}

fn json(status: u16, body: serde_json::Value) -> Result<Response> {
    Ok(Response::from_json(&body)?.with_status(status))
}

pub async fn handle(req: Request, env: &Env, path: &str) -> Result<Response> {
    match authorized(&req, env)? {
        None => return json(404, json!({"error": "not found"})),
        Some(false) => return json(401, json!({"error": "missing or wrong admin token"})),
        Some(true) => {}
    }
    if path == "/admin/intake/stats" {
        #[derive(Deserialize, serde::Serialize)]
        struct Counter {
            name: String,
            count: i64,
        }
        let rows: Vec<Counter> = env
            .d1("DB")?
            .prepare("SELECT name, count FROM intake_counters ORDER BY name")
            .all()
            .await?
            .results()?;
        let counters: serde_json::Map<String, serde_json::Value> =
            rows.into_iter().map(|c| (c.name, c.count.into())).collect();
        return json(200, json!({ "counters": counters }));
    }
    if let Some(id) = path
        .strip_prefix("/admin/conversations/")
        .filter(|id| !id.is_empty() && !id.contains('/'))
    {
        let stub = env
            .durable_object(CONVERSATIONS)?
            .id_from_name(id)?
            .get_stub()?;
        return stub.fetch_with_str("https://conversation/state").await;
    }
    json(404, json!({"error": "not found"}))
}
