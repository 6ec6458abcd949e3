//! PUT sync against a tiny `/fn/register` stand-in, `use_api` state fetching, and GET
//! introspection.

#[path = "serve_util.rs"]
mod util;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing;
use axum::{Json, Router};
use serde_json::{json, Value};
use support_http::ReqwestTransport;
use support_inngest::serve::{
    step_hash, FunctionConfig, Input, ServeConfig, ServeFunction, ServeHandler, Step, Trigger,
};
use support_signing::inngest::hashed_signing_key;
use util::*;

#[derive(Debug, Clone)]
struct Captured {
    uri: String,
    headers: HashMap<String, String>,
    body: Value,
}

#[derive(Clone)]
struct Stand {
    seen: Arc<Mutex<Vec<Captured>>>,
    /// The only bearer token accepted.
    accept: String,
    /// What a well-authenticated register gets.
    reply: (u16, Value),
}

async fn capture(stand: &Stand, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> bool {
    let headers: HashMap<String, String> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let authorized = headers.get("authorization") == Some(&format!("Bearer {}", stand.accept));
    stand.seen.lock().unwrap().push(Captured {
        uri: uri.to_string(),
        headers,
        body: serde_json::from_slice(body).unwrap_or(Value::Null),
    });
    authorized
}

async fn register(
    State(stand): State<Stand>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Json<Value>) {
    if !capture(&stand, &uri, &headers, &body).await {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "unauthorized", "status": 401})),
        );
    }
    (
        StatusCode::from_u16(stand.reply.0).unwrap(),
        Json(stand.reply.1.clone()),
    )
}

async fn batch(
    State(stand): State<Stand>,
    uri: Uri,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    if !capture(&stand, &uri, &headers, b"").await {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "unauthorized"})),
        );
    }
    (
        StatusCode::OK,
        Json(json!([{"name": "test/big", "data": {"n": 7}, "id": "", "ts": 1}])),
    )
}

async fn actions(
    State(stand): State<Stand>,
    uri: Uri,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    if !capture(&stand, &uri, &headers, b"").await {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "unauthorized"})),
        );
    }
    (
        StatusCode::OK,
        Json(json!({ step_hash("first"): {"data": 35} })),
    )
}

async fn start(accept: &str, reply: (u16, Value)) -> (String, Arc<Mutex<Vec<Captured>>>) {
    let stand = Stand {
        seen: Arc::default(),
        accept: accept.to_owned(),
        reply,
    };
    let seen = stand.seen.clone();
    let app = Router::new()
        .route("/fn/register", routing::post(register))
        .route("/v0/runs/{id}/batch", routing::get(batch))
        .route("/v0/runs/{id}/actions", routing::get(actions))
        .with_state(stand);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), seen)
}

fn functions(handler: ServeHandler) -> ServeHandler {
    handler
        .function(
            ServeFunction::new(
                FunctionConfig::new("fn1")
                    .name("First")
                    .trigger(Trigger::event("test/run"))
                    .retries(2),
                |_input: Input, _step: Step| async move { Ok(Value::Null) },
            )
            .on_failure(|_input: Input, _step: Step| async move { Ok(Value::Null) }),
        )
        .function(ServeFunction::new(
            FunctionConfig::new("fn2").trigger(Trigger::cron("0 * * * *")),
            |_input: Input, _step: Step| async move { Ok(Value::Null) },
        ))
}

fn sync_handler(api: &str, config: ServeConfig) -> ServeHandler {
    functions(
        ServeHandler::new(config.with_api_origin(api))
            .with_clock(clock())
            .with_transport(ReqwestTransport::new()),
    )
}

#[tokio::test]
async fn put_registers_the_app_and_passes_deploy_id_through() {
    let (api, seen) = start(
        &hashed_signing_key(KEY).unwrap(),
        (200, json!({"ok": true, "modified": true})),
    )
    .await;
    let h = sync_handler(
        &api,
        ServeConfig::cloud(APP, KEY).with_framework("cloudflare-workers"),
    );
    let r = h
        .handle(
            "PUT",
            "https://support.example/api/inngest?deployId=dep_1&keep=1",
            [("X-Inngest-Server-Kind", "cloud")],
            b"",
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        r.json_body(),
        json!({"message": "Successfully registered", "modified": true})
    );
    assert_eq!(r.header("x-inngest-sync-kind"), Some("out_of_band"));
    assert_protocol_headers(&r, false);

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let call = &seen[0];
    assert_eq!(call.uri, "/fn/register?deployId=dep_1");
    assert_eq!(
        call.headers["authorization"],
        format!("Bearer {}", hashed_signing_key(KEY).unwrap())
    );
    assert_eq!(call.headers["x-inngest-sdk"], "support-edge:v0.1.0");
    assert_eq!(call.headers["x-inngest-sync-kind"], "out_of_band");
    assert_eq!(call.headers["x-inngest-expected-server-kind"], "cloud");
    assert_eq!(call.headers["content-type"], "application/json");

    let body = &call.body;
    let serve = "https://support.example/api/inngest?keep=1";
    assert_eq!(body["url"], serve, "no deployId in the url");
    assert_eq!(body["deployType"], "ping");
    assert_eq!(body["appName"], APP);
    assert_eq!(body["sdk"], "support-edge:v0.1.0");
    assert_eq!(body["v"], "0.1");
    assert_eq!(body["framework"], "cloudflare-workers");
    let fns = body["functions"].as_array().unwrap();
    assert_eq!(fns.len(), 3);
    assert_eq!(fns[0]["id"], "app-fn1");
    assert_eq!(fns[0]["name"], "First");
    assert_eq!(fns[0]["triggers"], json!([{"event": "test/run"}]));
    assert_eq!(
        fns[0]["steps"],
        json!({"step": {"id": "step", "name": "step", "runtime": {"type": "http", "url": format!("{serve}&fnId=app-fn1&stepId=step")}, "retries": {"attempts": 2}}})
    );
    assert_eq!(fns[1]["id"], "app-fn1-failure");
    assert_eq!(fns[2]["id"], "app-fn2");
    assert_eq!(fns[2]["triggers"], json!([{"cron": "0 * * * *"}]));
    assert!(
        fns[2]["steps"]["step"].get("retries").is_none(),
        "server default when unset"
    );
    assert_eq!(
        fns[2]["steps"]["step"]["runtime"]["url"],
        format!("{serve}&fnId=app-fn2&stepId=step")
    );
}

#[tokio::test]
async fn put_retries_with_the_hashed_fallback_on_401() {
    let (api, seen) = start(
        &hashed_signing_key(FALLBACK).unwrap(),
        (200, json!({"ok": true, "modified": false})),
    )
    .await;
    let h = sync_handler(
        &api,
        ServeConfig::cloud(APP, KEY)
            .with_fallback_key(FALLBACK)
            .with_serve_url("https://support.example/api/inngest"),
    );
    let r = h.handle("PUT", "/api/inngest", [], b"").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        r.json_body(),
        json!({"message": "Successfully registered", "modified": false})
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].headers["authorization"],
        format!("Bearer {}", hashed_signing_key(KEY).unwrap())
    );
    assert_eq!(
        seen[1].headers["authorization"],
        format!("Bearer {}", hashed_signing_key(FALLBACK).unwrap())
    );
    assert!(!seen[1]
        .headers
        .contains_key("x-inngest-expected-server-kind"));
    assert_eq!(seen[1].body["url"], "https://support.example/api/inngest");
    assert_eq!(seen[0].uri, "/fn/register");
}

#[tokio::test]
async fn put_reports_inngest_errors_as_500() {
    // Rejected config.
    let (api, _) = start(
        &hashed_signing_key(KEY).unwrap(),
        (
            400,
            json!({"error": "invalid function config", "status": 400}),
        ),
    )
    .await;
    let h = sync_handler(&api, config());
    let r = h
        .handle("PUT", "https://example.test/api/inngest", [], b"")
        .await;
    assert_eq!(r.status, 500);
    assert_eq!(
        r.json_body(),
        json!({"message": "invalid function config", "modified": false})
    );

    // Both keys refused.
    let (api, seen) = start("nobody", (200, json!({}))).await;
    let h = sync_handler(&api, config().with_fallback_key(FALLBACK));
    let r = h
        .handle("PUT", "https://example.test/api/inngest", [], b"")
        .await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json_body()["message"], "unauthorized");
    assert_eq!(r.json_body()["modified"], false);
    assert_eq!(seen.lock().unwrap().len(), 2);

    // Unreachable API.
    let h = sync_handler("http://127.0.0.1:1", config());
    let r = h
        .handle("PUT", "https://example.test/api/inngest", [], b"")
        .await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json_body()["modified"], false);

    // No transport configured.
    let h = functions(ServeHandler::new(config()));
    let r = h
        .handle("PUT", "https://example.test/api/inngest", [], b"")
        .await;
    assert_eq!(r.status, 500);

    // No absolute serve URL known.
    let (api, seen) = start(&hashed_signing_key(KEY).unwrap(), (200, json!({}))).await;
    let h = sync_handler(&api, ServeConfig::cloud(APP, KEY));
    let r = h.handle("PUT", "/api/inngest", [], b"").await;
    assert_eq!(r.status, 500);
    assert!(r.json_body()["message"]
        .as_str()
        .unwrap()
        .contains("serve URL"));
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn use_api_fetches_events_and_steps_with_the_bearer_key() {
    let (api, seen) = start(&hashed_signing_key(KEY).unwrap(), (200, json!({}))).await;
    let h = ServeHandler::new(config().with_api_origin(&api))
        .with_clock(clock())
        .with_transport(ReqwestTransport::new())
        .function(ServeFunction::new(
            FunctionConfig::new("big"),
            |input: Input, step: Step| async move {
                let first: u64 = step.run("first", || async { Ok(0) }).await?;
                Ok(json!(first + input.event.data["n"].as_u64().unwrap_or(0)))
            },
        ));
    let mut body = call_body(json!({}), &[], 0);
    body["ctx"]["use_api"] = json!(true);
    body["ctx"]["run_id"] = json!("01HBIG");
    body["events"] = json!([]);
    body["event"] = Value::Null;
    let r = post(&h, "app-big", "step", &body).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json_body(), json!(42));
    let seen = seen.lock().unwrap().clone();
    let uris: Vec<&str> = seen.iter().map(|c| c.uri.as_str()).collect();
    assert_eq!(uris, ["/v0/runs/01HBIG/batch", "/v0/runs/01HBIG/actions"]);
    assert_eq!(
        seen[0].headers["authorization"],
        format!("Bearer {}", hashed_signing_key(KEY).unwrap())
    );

    // The API refusing us is a 500.
    let (api, _) = start("nobody", (200, json!({}))).await;
    let h = ServeHandler::new(config().with_api_origin(&api))
        .with_clock(clock())
        .with_transport(ReqwestTransport::new())
        .function(ServeFunction::new(
            FunctionConfig::new("big"),
            |_i: Input, _s: Step| async move { Ok(Value::Null) },
        ));
    let r = post(&h, "app-big", "step", &body).await;
    assert_eq!(r.status, 500);
    assert_protocol_headers(&r, false);
}

#[tokio::test]
async fn use_api_run_ids_reach_the_api_as_one_segment_over_real_http() {
    let (api, seen) = start(&hashed_signing_key(KEY).unwrap(), (200, json!({}))).await;
    let h = ServeHandler::new(config().with_api_origin(&api))
        .with_clock(clock())
        .with_transport(ReqwestTransport::new())
        .function(ServeFunction::new(
            FunctionConfig::new("big"),
            |_input: Input, step: Step| async move {
                let first: u64 = step.run("first", || async { Ok(0) }).await?;
                Ok(json!(first))
            },
        ));
    let mut body = call_body(json!({}), &[], 0);
    body["ctx"]["use_api"] = json!(true);
    // Unencoded, the URL parser would resolve this to /v0/fn/register/batch.
    body["ctx"]["run_id"] = json!("../../fn/register");
    let r = post(&h, "app-big", "step", &body).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let seen = seen.lock().unwrap().clone();
    let uris: Vec<&str> = seen.iter().map(|c| c.uri.as_str()).collect();
    assert_eq!(
        uris,
        [
            "/v0/runs/..%2F..%2Ffn%2Fregister/batch",
            "/v0/runs/..%2F..%2Ffn%2Fregister/actions"
        ]
    );
}

fn introspection_handler(config: ServeConfig) -> ServeHandler {
    functions(ServeHandler::new(config).with_clock(clock()))
}

#[tokio::test]
async fn unauthenticated_introspection() {
    let h = introspection_handler(config().with_fallback_key(FALLBACK));
    let r = h
        .handle("GET", "https://example.test/api/inngest", [], b"")
        .await;
    assert_eq!(r.status, 200);
    assert_protocol_headers(&r, false);
    assert!(r.header("x-inngest-signature").is_none());
    assert_eq!(
        r.json_body(),
        json!({
            "authentication_succeeded": null,
            "function_count": 3,
            "has_event_key": false,
            "has_signing_key": true,
            "has_signing_key_fallback": true,
            "mode": "cloud",
            "schema_version": "2024-05-24",
            "capabilities": {"trust_probe": "v1"},
        })
    );
    // A bad signature: same body, authentication_succeeded false.
    let r = h
        .handle(
            "GET",
            "https://example.test/api/inngest",
            [("x-inngest-signature", "t=1&s=00")],
            b"",
        )
        .await;
    assert_eq!(r.json_body()["authentication_succeeded"], false);
    assert!(r.json_body().get("app_id").is_none());

    let h = introspection_handler(ServeConfig::dev(APP));
    let body = h
        .handle("GET", "http://localhost:3000/api/inngest", [], b"")
        .await
        .json_body();
    assert_eq!(body["mode"], "dev");
    assert_eq!(body["has_signing_key"], false);
    assert_eq!(body["authentication_succeeded"], Value::Null);
}

#[tokio::test]
async fn authenticated_introspection() {
    let h = introspection_handler(
        ServeConfig::cloud(APP, KEY)
            .with_fallback_key(FALLBACK)
            .with_event_key("evtkey")
            .with_env("branch-1")
            .with_framework("cloudflare-workers"),
    );
    let signature = support_signing::inngest::sign(KEY, NOW, b"");
    let r = h
        .handle(
            "GET",
            "https://support.example/api/inngest",
            [("x-inngest-signature", signature.as_str())],
            b"",
        )
        .await;
    assert_eq!(r.status, 200);
    assert_signed_with(&r, KEY);
    let body = r.json_body();
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "api_origin",
            "app_id",
            "authentication_succeeded",
            "capabilities",
            "env",
            "event_api_origin",
            "event_key_hash",
            "framework",
            "function_count",
            "has_event_key",
            "has_signing_key",
            "has_signing_key_fallback",
            "mode",
            "schema_version",
            "sdk_language",
            "sdk_version",
            "serve_origin",
            "serve_path",
            "signing_key_fallback_hash",
            "signing_key_hash",
        ]
    );
    assert_eq!(body["authentication_succeeded"], true);
    assert_eq!(body["app_id"], APP);
    assert_eq!(body["env"], "branch-1");
    assert_eq!(body["framework"], "cloudflare-workers");
    assert_eq!(body["api_origin"], "https://api.inngest.com");
    assert_eq!(body["event_api_origin"], "https://inn.gs");
    assert_eq!(
        body["event_key_hash"],
        support_signing::inngest::event_key_hash("evtkey")
    );
    let hashed = hashed_signing_key(KEY).unwrap();
    assert_eq!(
        body["signing_key_hash"],
        hashed["signkey-test-".len().."signkey-test-".len() + 12]
    );
    assert_eq!(
        body["signing_key_fallback_hash"].as_str().unwrap().len(),
        12
    );
    assert_eq!(body["sdk_language"], "rust");
    assert_eq!(body["sdk_version"], "0.1.0");
    assert_eq!(body["serve_origin"], "https://support.example");
    assert_eq!(body["serve_path"], "/api/inngest");
    assert_eq!(body["has_event_key"], true);
    assert_eq!(r.header("x-inngest-env"), Some("branch-1"));
    assert_eq!(r.header("x-inngest-framework"), Some("cloudflare-workers"));
}
