//! `use_api`: the run's state is fetched from `/v0/runs/{run id}/...`, the run id being
//! one percent-encoded path segment whatever it holds. A recording transport stub
//! shows the exact URLs requested.

#[path = "serve_util.rs"]
mod util;

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use support_http::{HttpRequest, HttpResponse, Transport, TransportError};
use support_inngest::serve::{FunctionConfig, Input, ServeFunction, ServeHandler, Step};
use util::*;

const API: &str = "https://api.example.test";

/// Records every URL; answers the batch with one event and the actions with no steps.
#[derive(Clone, Default)]
struct Recorder {
    urls: Arc<Mutex<Vec<String>>>,
}

#[async_trait::async_trait]
impl Transport for Recorder {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.urls.lock().unwrap().push(request.url.clone());
        let body = if request.url.ends_with("/batch") {
            json!([{"name": "test/run", "data": {"n": 1}}])
        } else {
            json!({})
        };
        Ok(HttpResponse::json(200, &body))
    }
}

fn handler(recorder: &Recorder) -> ServeHandler {
    ServeHandler::new(config().with_api_origin(API))
        .with_clock(clock())
        .with_transport(recorder.clone())
        .function(ServeFunction::new(
            FunctionConfig::new("big"),
            |input: Input, _step: Step| async move { Ok(input.event.data) },
        ))
}

fn use_api_body(run_id: &str) -> Value {
    let mut body = call_body(json!({}), &[], 0);
    body["ctx"]["use_api"] = json!(true);
    body["ctx"]["run_id"] = json!(run_id);
    body["events"] = json!([]);
    body["event"] = Value::Null;
    body
}

#[tokio::test]
async fn run_ids_are_one_percent_encoded_path_segment() {
    let cases = [
        ("01HBIG", "01HBIG"),
        ("a/b", "a%2Fb"),
        ("a?b=c", "a%3Fb%3Dc"),
        ("a#b", "a%23b"),
        ("a b", "a%20b"),
        ("../../fn/register", "..%2F..%2Ffn%2Fregister"),
        ("x/../y", "x%2F..%2Fy"),
        ("%2e%2e", "%252e%252e"),
        ("...", "..."),
        ("é", "%C3%A9"),
    ];
    for (run_id, segment) in cases {
        let recorder = Recorder::default();
        let r = post(
            &handler(&recorder),
            "app-big",
            "step",
            &use_api_body(run_id),
        )
        .await;
        assert_eq!(
            (r.status, r.json_body()),
            (200, json!({"n": 1})),
            "run id {run_id:?}"
        );
        assert_eq!(
            *recorder.urls.lock().unwrap(),
            [
                format!("{API}/v0/runs/{segment}/batch"),
                format!("{API}/v0/runs/{segment}/actions"),
            ],
            "run id {run_id:?}"
        );
    }
}

#[tokio::test]
async fn run_ids_that_cannot_be_one_segment_are_refused_without_a_request() {
    for run_id in ["", ".", ".."] {
        let recorder = Recorder::default();
        let r = post(
            &handler(&recorder),
            "app-big",
            "step",
            &use_api_body(run_id),
        )
        .await;
        assert_eq!(r.status, 500, "run id {run_id:?}");
        assert!(
            r.json_body()["message"]
                .as_str()
                .unwrap_or_default()
                .contains("invalid run id"),
            "{}",
            String::from_utf8_lossy(&r.body)
        );
        assert_protocol_headers(&r, false);
        assert!(
            recorder.urls.lock().unwrap().is_empty(),
            "run id {run_id:?}"
        );
    }
}
