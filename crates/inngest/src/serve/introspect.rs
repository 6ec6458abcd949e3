//! `GET`: introspection. Unsigned requests get the public summary; a request signed
//! with one of the keys gets the full report, signed back.

use serde_json::{json, Value};

use super::handler::ServeHandler;
use super::reply::Reply;
use super::request::{split_origin, RequestHeaders};
use super::serve_config::SCHEMA_VERSION;

impl ServeHandler {
    /// The introspection answer, and the key to sign it with when the request was
    /// verified.
    pub(super) fn introspect(
        &self,
        url: &str,
        headers: &RequestHeaders,
    ) -> (Reply, Option<String>) {
        let keys = self.config.keys();
        let authenticated = if self.config.dev || headers.signature.is_none() || keys.is_empty() {
            None
        } else {
            match self.verify(headers.signature.as_deref(), b"") {
                Ok(key) => Some(key),
                Err(_) => Some(None),
            }
        };
        let mut body = json!({
            "authentication_succeeded": Value::Null,
            "function_count": self.function_count(),
            "has_event_key": self.config.event_key.as_deref().is_some_and(|k| !k.is_empty()),
            "has_signing_key": self.config.signing_key.as_deref().is_some_and(|k| !k.is_empty()),
            "has_signing_key_fallback": self.config.signing_key_fallback.as_deref().is_some_and(|k| !k.is_empty()),
            "mode": if self.config.dev { "dev" } else { "cloud" },
            "schema_version": SCHEMA_VERSION,
            "capabilities": { "trust_probe": "v1" },
        });
        let key = match authenticated {
            None => None,
            Some(None) => {
                body["authentication_succeeded"] = json!(false);
                None
            }
            Some(Some(key)) => {
                let serve_url = self.serve_url(url).unwrap_or_default();
                let (origin, path) = split_origin(&serve_url);
                let extra = json!({
                    "authentication_succeeded": true,
                    "api_origin": self.config.api_origin,
                    "app_id": self.config.app_id,
                    "env": self.config.env,
                    "event_api_origin": self.config.event_api_origin,
                    "framework": self.config.framework,
                    "event_key_hash": self.config.event_key.as_deref().map(support_signing::inngest::event_key_hash),
                    "signing_key_hash": self.config.signing_key.as_deref().and_then(short_key_hash),
                    "signing_key_fallback_hash": self.config.signing_key_fallback.as_deref().and_then(short_key_hash),
                    "sdk_language": "rust",
                    "sdk_version": self.config.sdk_version,
                    "serve_origin": origin,
                    "serve_path": path,
                });
                if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
                    body.extend(extra);
                }
                Some(key)
            }
        };
        (Reply::json(200, &body), key)
    }
}

/// First 12 hex chars of the hashed key, prefix stripped (what JS reports).
fn short_key_hash(key: &str) -> Option<String> {
    let hashed = support_signing::inngest::hashed_signing_key(key).ok()?;
    let stripped = support_signing::inngest::strip_key_prefix(&hashed);
    Some(stripped.chars().take(12).collect())
}
