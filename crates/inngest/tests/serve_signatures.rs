//! Signatures through the handler: the reference vectors, rotation, rejections, dev mode.

#[path = "serve_util.rs"]
mod util;

use serde_json::json;
use support_inngest::serve::{
    FunctionConfig, Input, ServeConfig, ServeFunction, ServeHandler, Step,
};
use support_signing::FixedClock;
use util::*;

fn cron_fn() -> ServeFunction {
    ServeFunction::new(
        FunctionConfig::new("local-cron"),
        |input: Input, _step: Step| async move {
            Ok(json!({ "event": input.event.name, "run": input.run_id }))
        },
    )
}

const VECTOR_1_BODY: &str = r#"{"ctx":{"fn_id":"local-testing-local-cron","run_id":"01GQ3HTEZ01M7R8Z9PR1DMHDN1","step_id":"step"},"event":{"data":{},"id":"","name":"demo/event.sent","ts":1674082830001,"v":"1"},"events":[{"data":{},"id":"","name":"demo/event.sent","ts":1674082830001,"v":"1"}],"steps":{},"use_api":false}"#;
const VECTOR_1_SIG: &str =
    "t=1687306735&s=a060f245a5d0c3c779ef65fd15b2ac06e4ab98dd8cc9860aa0722c8481ae02ab";
const VECTOR_2_BODY: &str = r#"{"ctx":{"fn_id":"local-testing-local-cron","run_id":"01GQ3HTEZ01M7R8Z9PR1DMHDN1","step_id":"step"},"event":{"data":{},"id":"","name":"inngest/scheduled.timer","ts":1674082830001,"user":{},"v":"1"},"events":[{"data":{},"id":"","name":"inngest/scheduled.timer","ts":1674082830001,"user":{},"v":"1"}],"steps":{},"use_api":false}"#;
const VECTOR_2_SIG: &str =
    "t=1689920619&s=31df77f5b1b029de4bfce3a77e0517aa4ce0f5e2195a6467fc126a489ca2330b";
const URL: &str = "https://example.test/api/inngest?fnId=local-testing-local-cron&stepId=step";

fn vector_handler(primary: &str, fallback: &str, now: i64) -> ServeHandler {
    ServeHandler::new(ServeConfig::cloud("local-testing", primary).with_fallback_key(fallback))
        .with_clock(FixedClock::from_secs(now))
        .function(cron_fn())
}

fn verifies(response: &support_inngest::serve::ServeResponse, key: &str, now: i64) -> bool {
    support_signing::inngest::verify(
        response.header("x-inngest-signature"),
        &response.body,
        &[key],
        &FixedClock::from_secs(now),
    )
    .is_ok()
}

#[tokio::test]
async fn reference_vector_1_passes_with_the_primary_key() {
    let h = vector_handler(KEY, FALLBACK, 1_687_306_735);
    let r = h
        .handle(
            "POST",
            URL,
            [("x-inngest-signature", VECTOR_1_SIG)],
            VECTOR_1_BODY.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        r.json_body(),
        json!({"event": "demo/event.sent", "run": "01GQ3HTEZ01M7R8Z9PR1DMHDN1"})
    );
    assert!(verifies(&r, KEY, 1_687_306_735));
    assert!(!verifies(&r, FALLBACK, 1_687_306_735));
}

#[tokio::test]
async fn a_request_signed_with_the_fallback_passes_and_is_answered_with_the_fallback() {
    // Vector 2 is signed with FALLBACK; the primary is a key that never signed anything.
    let h = vector_handler(OTHER, FALLBACK, 1_689_920_619);
    let r = h
        .handle(
            "POST",
            URL,
            [("X-Inngest-Signature", VECTOR_2_SIG)],
            VECTOR_2_BODY.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json_body()["event"], "inngest/scheduled.timer");
    assert!(
        verifies(&r, FALLBACK, 1_689_920_619),
        "signed with the key that verified"
    );
    assert!(!verifies(&r, OTHER, 1_689_920_619));
    assert_protocol_headers(&r, false);
}

#[tokio::test]
async fn bad_missing_stale_and_tampered_signatures_are_401() {
    let h = vector_handler(KEY, OTHER, 1_687_306_735);
    let cases: Vec<(Option<&str>, &[u8])> = vec![
        (None, VECTOR_1_BODY.as_bytes()),
        (Some("garbage"), VECTOR_1_BODY.as_bytes()),
        (Some(VECTOR_2_SIG), VECTOR_1_BODY.as_bytes()), // wrong key and time
        (Some(VECTOR_1_SIG), b"{\"ctx\":{}}"),          // tampered body
    ];
    for (signature, body) in cases {
        let headers: Vec<(&str, &str)> = signature
            .map(|s| ("x-inngest-signature", s))
            .into_iter()
            .collect();
        let r = h.handle("POST", URL, headers, body).await;
        assert_eq!(r.status, 401, "{signature:?}");
        assert_eq!(r.json_body(), json!({"message": "Unauthorized"}));
        assert!(r.header("x-inngest-signature").is_none());
        assert_protocol_headers(&r, false);
    }
    // Both keys wrong (the vector's key is not configured).
    let h = vector_handler(OTHER, OTHER, 1_687_306_735);
    let r = h
        .handle(
            "POST",
            URL,
            [("x-inngest-signature", VECTOR_1_SIG)],
            VECTOR_1_BODY.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 401);
    // Valid signature, but more than 5 minutes old or in the future.
    for now in [1_687_306_735 + 301, 1_687_306_735 - 301] {
        let h = vector_handler(KEY, FALLBACK, now);
        let r = h
            .handle(
                "POST",
                URL,
                [("x-inngest-signature", VECTOR_1_SIG)],
                VECTOR_1_BODY.as_bytes(),
            )
            .await;
        assert_eq!(r.status, 401, "now={now}");
    }
    // Within the window it passes.
    let h = vector_handler(KEY, FALLBACK, 1_687_306_735 + 299);
    let r = h
        .handle(
            "POST",
            URL,
            [("x-inngest-signature", VECTOR_1_SIG)],
            VECTOR_1_BODY.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn a_server_kind_header_never_skips_verification() {
    let h = vector_handler(KEY, FALLBACK, 1_687_306_735);
    let r = h
        .handle(
            "POST",
            URL,
            [("x-inngest-server-kind", "dev")],
            VECTOR_1_BODY.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn cloud_mode_without_keys_refuses_calls() {
    let h = ServeHandler::new(ServeConfig::cloud("local-testing", ""))
        .with_clock(FixedClock::from_secs(1_687_306_735))
        .function(cron_fn());
    let r = h
        .handle(
            "POST",
            URL,
            [("x-inngest-signature", VECTOR_1_SIG)],
            VECTOR_1_BODY.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 500);
    assert!(r.json_body()["message"]
        .as_str()
        .unwrap()
        .contains("signing key"));
}

#[tokio::test]
async fn dev_mode_skips_verification_and_does_not_sign() {
    let h = ServeHandler::new(ServeConfig::dev("local-testing"))
        .with_clock(FixedClock::from_secs(NOW))
        .function(cron_fn());
    for headers in [vec![], vec![("x-inngest-signature", "t=1&s=00")]] {
        let r = h
            .handle("POST", URL, headers, VECTOR_1_BODY.as_bytes())
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json_body()["event"], "demo/event.sent");
        assert!(r.header("x-inngest-signature").is_none());
        assert_protocol_headers(&r, false);
    }
}

#[tokio::test]
async fn trust_probe_answers_an_empty_signed_200() {
    let h = ServeHandler::new(config())
        .with_clock(clock())
        .function(cron_fn());
    let signature = support_signing::inngest::sign(KEY, NOW, b"");
    let r = h
        .handle(
            "POST",
            "https://example.test/api/inngest?probe=trust",
            [("x-inngest-signature", signature.as_str())],
            b"",
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert_signed_with(&r, KEY);

    let r = h
        .handle(
            "POST",
            "https://example.test/api/inngest?probe=trust",
            [],
            b"",
        )
        .await;
    assert_eq!(r.status, 401);
    let r = h
        .handle(
            "POST",
            "https://example.test/api/inngest?probe=other",
            [("x-inngest-signature", signature.as_str())],
            b"",
        )
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn other_methods_are_405_with_protocol_headers() {
    let h = ServeHandler::new(config())
        .with_clock(clock())
        .function(cron_fn());
    let r = h
        .handle("DELETE", "https://example.test/api/inngest", [], b"")
        .await;
    assert_eq!(r.status, 405);
    assert_protocol_headers(&r, false);
}

#[tokio::test]
async fn answers_are_http_responses_with_lowercase_header_names() {
    let h = ServeHandler::new(config().with_framework("workers").with_env("branch-1"))
        .with_clock(clock())
        .function(ServeFunction::new(
            FunctionConfig::new("later"),
            |_input: Input, _step: Step| async move {
                Err(support_inngest::serve::FnError::retry_after(
                    "busy",
                    support_inngest::serve::RetryAfter::Seconds(30),
                ))
            },
        ));
    let call: support_http::HttpResponse =
        post(&h, "app-later", "step", &call_body(json!({}), &[], 0)).await;
    assert_eq!(call.status, 500);
    assert_eq!(call.header("Retry-After"), Some("30"));
    let get = h
        .handle("GET", "https://example.test/api/inngest", [], b"")
        .await;
    let put = h
        .handle("PUT", "https://example.test/api/inngest", [], b"")
        .await;
    let delete = h
        .handle("DELETE", "https://example.test/api/inngest", [], b"")
        .await;
    for response in [&call, &get, &put, &delete] {
        for (name, _) in &response.headers {
            assert_eq!(*name, name.to_ascii_lowercase(), "{:?}", response.headers);
        }
        assert_eq!(response.header("x-inngest-framework"), Some("workers"));
        assert_eq!(response.header("x-inngest-env"), Some("branch-1"));
    }
    assert!(call.header("x-inngest-signature").is_some());
    assert_eq!(put.header("x-inngest-sync-kind"), Some("out_of_band"));
}
