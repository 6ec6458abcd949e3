//! `PUT`: out-of-band sync. The handler POSTs the app's function configs to
//! `{api_origin}/fn/register` and reports what Inngest answered.

use serde_json::{json, Value};
use support_http::HttpRequest;

use super::handler::ServeHandler;
use super::reply::Reply;
use super::request::{query_get, RequestHeaders};

impl ServeHandler {
    /// Answers a sync request: registers, then `200 {"message", "modified"}` or `500`.
    pub(super) async fn sync(
        &self,
        url: &str,
        query: &[(String, String)],
        headers: &RequestHeaders,
    ) -> Reply {
        let mut reply = match self.register(url, query, headers).await {
            Ok(modified) => Reply::json(
                200,
                &json!({ "message": "Successfully registered", "modified": modified }),
            ),
            Err(message) => Reply::json(500, &json!({ "message": message, "modified": false })),
        };
        reply
            .extra
            .push(("x-inngest-sync-kind".to_owned(), "out_of_band".to_owned()));
        reply
    }

    /// The body POSTed to `/fn/register`.
    pub fn register_body(&self, serve_url: &str) -> Value {
        let mut body = json!({
            "url": serve_url,
            "deployType": "ping",
            "appName": self.config.app_id,
            "sdk": self.config.sdk_header(),
            "v": "0.1",
            "capabilities": { "trust_probe": "v1" },
            "functions": self.function_configs(serve_url),
        });
        if let Some(framework) = &self.config.framework {
            body["framework"] = json!(framework);
        }
        if let Some(version) = &self.config.app_version {
            body["appVersion"] = json!(version);
        }
        body
    }

    async fn register(
        &self,
        url: &str,
        query: &[(String, String)],
        headers: &RequestHeaders,
    ) -> Result<bool, String> {
        if self.config.app_id.is_empty() {
            return Err("the app id is empty".to_owned());
        }
        let serve_url = self.serve_url(url)?;
        let body = serde_json::to_vec(&self.register_body(&serve_url))
            .map_err(|e| format!("register body: {e}"))?;
        let mut register_url = format!("{}/fn/register", self.config.api_origin);
        if let Some(deploy_id) = query_get(query, "deployId").filter(|d| !d.is_empty()) {
            let q: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("deployId", deploy_id)
                .finish();
            register_url.push('?');
            register_url.push_str(&q);
        }
        let response = self
            .api_send(|| {
                let mut request =
                    HttpRequest::post_json(&register_url, body.clone(), self.config.api_timeout)
                        .header("X-Inngest-SDK", self.config.sdk_header())
                        .header("X-Inngest-Sync-Kind", "out_of_band");
                if let Some(kind) = &headers.server_kind {
                    request = request.header("X-Inngest-Expected-Server-Kind", kind.clone());
                }
                if let Some(env) = &self.config.env {
                    request = request.header("X-Inngest-Env", env.clone());
                }
                if let Some(framework) = &self.config.framework {
                    request = request.header("X-Inngest-Framework", framework.clone());
                }
                request
            })
            .await?;
        let parsed: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        if response.is_success() {
            return Ok(parsed
                .get("modified")
                .and_then(Value::as_bool)
                .unwrap_or(false));
        }
        let message = ["error", "message"]
            .iter()
            .find_map(|k| {
                parsed
                    .get(*k)
                    .and_then(Value::as_str)
                    .filter(|m| !m.is_empty())
            })
            .map(str::to_owned)
            .unwrap_or_else(|| {
                let raw: String = String::from_utf8_lossy(&response.body)
                    .chars()
                    .take(200)
                    .collect();
                format!("Inngest answered {}: {raw}", response.status)
            });
        Err(message)
    }

    /// The absolute serve URL: the configured one, or the request URL without
    /// `deployId`, `fnId` and `stepId`.
    pub(super) fn serve_url(&self, request_url: &str) -> Result<String, String> {
        if let Some(url) = &self.config.serve_url {
            return Ok(url.clone());
        }
        if !(request_url.starts_with("http://") || request_url.starts_with("https://")) {
            return Err(
                "the serve URL is unknown: configure serve_url or pass an absolute request URL"
                    .to_owned(),
            );
        }
        let (base, query) = match request_url.split_once('?') {
            Some((base, query)) => (base, query),
            None => (request_url, ""),
        };
        let kept: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .filter(|(k, _)| !matches!(k.as_ref(), "deployId" | "fnId" | "stepId"))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            return Ok(base.to_owned());
        }
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .finish();
        Ok(format!("{base}?{query}"))
    }
}
