//! The handler's contract: status codes and bodies for every kind of request.

mod common;

use std::sync::Arc;

use common::{FakeApp, OLD_SECRET, SECRET};
use serde_json::{json, Value};
use support_sdk::signing::{sdk, FixedClock};
use support_sdk::{HandlerResponse, SupportHandler};

const NOW: i64 = 1_700_000_000;

fn handler() -> SupportHandler<FakeApp> {
    SupportHandler::new(FakeApp::default(), SECRET).with_clock(Arc::new(FixedClock(NOW * 1000)))
}

fn signed(secret: &str, ts: i64, body: &str) -> String {
    sdk::sign(secret.as_bytes(), ts, body.as_bytes())
}

async fn post(h: &SupportHandler<FakeApp>, signature: Option<&str>, body: &str) -> HandlerResponse {
    h.handle(
        "POST",
        signature.map(|s| ("X-Support-Signature", s)),
        body.as_bytes(),
    )
    .await
}

/// The answer and which secret verified the request.
async fn post_verified(
    h: &SupportHandler<FakeApp>,
    signature: Option<&str>,
    body: &str,
) -> (HandlerResponse, Option<usize>) {
    h.handle_verified_with("POST", signature, body.as_bytes())
        .await
}

async fn call(h: &SupportHandler<FakeApp>, body: Value) -> HandlerResponse {
    let body = body.to_string();
    post(h, Some(&signed(SECRET, NOW, &body)), &body).await
}

fn error_of(r: &HandlerResponse) -> String {
    r.json_body()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn lookup_user_returns_the_user_in_typescript_shape() {
    let r = call(
        &handler(),
        json!({"action": "lookupUser", "email": "dana@example.com"}),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json_body(),
        json!({"id": "usr_dana", "email": "dana@example.com", "name": "Dana Lee", "createdAt": "2024-01-15T10:30:00.000Z"})
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body = json!({"action": "lookupUser", "email": "dana@example.com"}).to_string();
    let (again, verified_with) =
        post_verified(&handler(), Some(&signed(SECRET, NOW, &body)), &body).await;
    assert_eq!((again, verified_with), (r, Some(0)));
}

#[tokio::test]
async fn unknown_user_is_a_raw_null() {
    let r = call(
        &handler(),
        json!({"action": "lookupUser", "email": "nobody@example.com"}),
    )
    .await;
    assert_eq!((r.status, r.body.as_slice()), (200, b"null".as_slice()));
}

#[tokio::test]
async fn purchases_carry_cents_and_optional_fields() {
    let r = call(
        &handler(),
        json!({"action": "getPurchases", "userId": "usr_dana"}),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json_body(),
        json!([{"id": "pur_1", "productId": "prod_tt", "productName": "Total TypeScript",
                "purchasedAt": "2024-02-01T09:00:00.000Z", "amount": 49900, "currency": "usd",
                "stripeChargeId": "ch_123", "status": "active"}])
    );
}

#[tokio::test]
async fn mutations_reach_the_integration() {
    let h = handler();
    let r = call(&h, json!({"action": "revokeAccess", "purchaseId": "pur_1", "reason": "refund", "refundId": "re_9"})).await;
    assert_eq!((r.status, r.json_body()), (200, json!({"success": true})));
    assert_eq!(h.integration().revoked.lock().unwrap()[0].refund_id, "re_9");

    let r = call(
        &h,
        json!({"action": "revokeAccess", "purchaseId": "nope", "reason": "x", "refundId": "re_1"}),
    )
    .await;
    assert_eq!(
        r.json_body(),
        json!({"success": false, "error": "unknown purchase"})
    );
}

#[tokio::test]
async fn bodiless_actions_work_with_only_the_action_key() {
    let r = call(&handler(), json!({"action": "getRefundPolicy"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json_body()["autoApproveWindowDays"], 30);
    assert!(
        r.json_body().get("noRefundAfterDays").is_none(),
        "None fields are omitted like undefined"
    );
}

#[tokio::test]
async fn optional_method_not_implemented_is_501() {
    let r = call(
        &handler(),
        json!({"action": "getSubscriptions", "userId": "usr_dana"}),
    )
    .await;
    assert_eq!(
        (r.status, error_of(&r)),
        (501, "Method not implemented: getSubscriptions".into())
    );
}

#[tokio::test]
async fn integration_failure_is_500_with_the_apps_message() {
    let r = call(
        &handler(),
        json!({"action": "lookupUser", "email": "boom@example.com"}),
    )
    .await;
    assert_eq!(
        (r.status, error_of(&r)),
        (500, "database unavailable".into())
    );
}

#[tokio::test]
async fn integration_bad_request_is_400() {
    let body = json!({"action": "transferPurchase", "purchaseId": "pur_1", "fromUserId": "usr_dana", "toEmail": "nope"});
    let r = call(&handler(), body).await;
    assert_eq!(
        (r.status, error_of(&r)),
        (400, "toEmail is not an email address".into())
    );
}

#[tokio::test]
async fn request_shape_errors_are_400_with_a_clear_message() {
    let h = handler();
    let cases = [
        (json!({"email": "a@b.c"}), "Missing action field"),
        (json!({"action": 7}), "Missing action field"),
        (
            json!({"action": "dropTables"}),
            "Unknown action: dropTables",
        ),
    ];
    for (body, expected) in cases {
        let r = call(&h, body.clone()).await;
        assert_eq!(
            (r.status, error_of(&r)),
            (400, expected.to_owned()),
            "{body}"
        );
    }
    let r = call(&h, json!({"action": "lookupUser"})).await;
    assert_eq!(r.status, 400);
    assert!(
        error_of(&r).starts_with("Invalid parameters for lookupUser: missing field `email`"),
        "{}",
        error_of(&r)
    );
    let r = call(
        &h,
        json!({"action": "generateMagicLink", "email": "a@b.c", "expiresIn": "soon"}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(error_of(&r).starts_with("Invalid parameters for generateMagicLink"));
}

#[tokio::test]
async fn invalid_json_with_a_valid_signature_is_400() {
    let body = "{not json";
    let r = post(&handler(), Some(&signed(SECRET, NOW, body)), body).await;
    assert_eq!((r.status, error_of(&r)), (400, "Invalid JSON body".into()));
}

#[tokio::test]
async fn invalid_json_with_a_bad_signature_is_401_because_the_signature_comes_first() {
    let r = post(
        &handler(),
        Some(&signed("wrong", NOW, "{not json")),
        "{not json",
    )
    .await;
    assert_eq!((r.status, error_of(&r)), (401, "Invalid signature".into()));
}

#[tokio::test]
async fn signature_failures_are_401() {
    let h = handler();
    let body = r#"{"action":"lookupUser","email":"dana@example.com"}"#;
    let good = signed(SECRET, NOW, body);
    let v1 = good.split(",v1=").nth(1).unwrap().to_owned();
    let cases: Vec<(Option<String>, &str, &str)> = vec![
        (None, body, "Missing signature header"),
        (
            Some(format!("timestamp={NOW}")),
            body,
            "Invalid signature format",
        ),
        (Some(format!("v1={v1}")), body, "Invalid signature format"),
        (Some("garbage".into()), body, "Invalid signature format"),
        (
            Some(format!("timestamp=abc,v1={v1}")),
            body,
            "Invalid signature format",
        ),
        (
            Some(format!("timestamp=,v1={v1}")),
            body,
            "Invalid signature format",
        ),
        (
            Some(signed(SECRET, NOW - 301, body)),
            body,
            "Signature expired",
        ),
        (
            Some(signed(SECRET, NOW + 301, body)),
            body,
            "Signature timestamp is in the future",
        ),
        (
            Some(signed("wrong-secret", NOW, body)),
            body,
            "Invalid signature",
        ),
        (
            Some(good.clone()),
            r#"{"action":"lookupUser","email":"dana@example.org"}"#,
            "Invalid signature",
        ),
        (
            Some(good.clone()),
            r#"{"action": "lookupUser","email":"dana@example.com"}"#,
            "Invalid signature",
        ),
        (
            Some(format!("timestamp={NOW},v1={}", &v1[..10])),
            body,
            "Invalid signature",
        ),
        (
            Some(format!("timestamp={NOW},v1={v1}00")),
            body,
            "Invalid signature",
        ),
        (
            Some(format!("timestamp={NOW},v1=zz{}", &v1[2..])),
            body,
            "Invalid signature",
        ),
        // A millisecond timestamp where seconds are expected is far in the future.
        (
            Some(signed(SECRET, NOW * 1000, body)),
            body,
            "Signature timestamp is in the future",
        ),
    ];
    for (signature, body, expected) in cases {
        let r = post(&h, signature.as_deref(), body).await;
        assert_eq!(
            (r.status, error_of(&r)),
            (401, expected.to_owned()),
            "header {signature:?}"
        );
        assert_eq!(
            post_verified(&h, signature.as_deref(), body).await,
            (r, None)
        );
    }
}

#[tokio::test]
async fn timestamps_exactly_at_the_window_edges_pass() {
    let h = handler();
    let body = r#"{"action":"lookupUser","email":"dana@example.com"}"#;
    for ts in [NOW - 300, NOW + 300] {
        assert_eq!(
            post(&h, Some(&signed(SECRET, ts, body)), body).await.status,
            200,
            "ts {ts}"
        );
    }
}

#[tokio::test]
async fn any_of_several_v1_values_may_match() {
    let body = r#"{"action":"lookupUser","email":"dana@example.com"}"#;
    let good = signed(SECRET, NOW, body);
    let header = format!(
        "{},v1={},v0=ignored",
        good.replace(",v1=", ",v1=deadbeef,v1="),
        "ab".repeat(32)
    );
    let r = post(&handler(), Some(&header), body).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

#[tokio::test]
async fn rotation_accepts_the_new_and_the_old_secret_and_says_which() {
    let h = SupportHandler::with_secrets(FakeApp::default(), [SECRET, OLD_SECRET])
        .with_clock(Arc::new(FixedClock(NOW * 1000)));
    let body = r#"{"action":"getRefundPolicy"}"#;
    let (new, new_with) = post_verified(&h, Some(&signed(SECRET, NOW, body)), body).await;
    let (old, old_with) = post_verified(&h, Some(&signed(OLD_SECRET, NOW, body)), body).await;
    assert_eq!((new.status, new_with), (200, Some(0)));
    assert_eq!((old.status, old_with), (200, Some(1)));

    let after = handler();
    assert_eq!(
        post(&after, Some(&signed(OLD_SECRET, NOW, body)), body)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn no_secret_configured_refuses_everything() {
    let h = SupportHandler::with_secrets(FakeApp::default(), [""])
        .with_clock(Arc::new(FixedClock(NOW * 1000)));
    let body = r#"{"action":"getRefundPolicy"}"#;
    let r = post(&h, Some(&signed("", NOW, body)), body).await;
    assert_eq!(
        (r.status, error_of(&r)),
        (500, "Webhook secret not configured".into())
    );
}

#[tokio::test]
async fn only_post_is_allowed_and_bodies_are_capped() {
    let h = handler().with_max_body_bytes(64);
    assert_eq!(h.handle("GET", [], b"").await.status, 405);
    let big = format!(
        r#"{{"action":"lookupUser","email":"{}@example.com"}}"#,
        "a".repeat(100)
    );
    let r = post(&h, Some(&signed(SECRET, NOW, &big)), &big).await;
    assert_eq!(
        (r.status, error_of(&r)),
        (413, "Request body too large".into())
    );
}

#[tokio::test]
async fn header_lookup_is_case_insensitive() {
    let body = r#"{"action":"getRefundPolicy"}"#;
    let sig = signed(SECRET, NOW, body);
    let r = handler()
        .handle(
            "post",
            [("x-support-signature", sig.as_str())],
            body.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn every_answer_is_json_with_a_lowercase_content_type() {
    let h = handler().with_max_body_bytes(64);
    let body = r#"{"action":"getRefundPolicy"}"#;
    let answers = [
        h.handle("GET", [], b"").await,
        post(&h, None, body).await,
        post(&h, Some(&signed(SECRET, NOW, "{")), "{").await,
        post(&h, Some(&signed(SECRET, NOW, body)), body).await,
        post(&h, None, &"x".repeat(65)).await,
    ];
    for r in answers {
        assert_eq!(
            r.headers,
            [("content-type".to_owned(), "application/json".to_owned())],
            "status {}",
            r.status
        );
        assert_eq!(r.header("Content-Type"), Some(support_sdk::CONTENT_TYPE));
    }
}

#[test]
fn body_errors_get_the_handlers_own_answers() {
    use support_sdk::signing::FixedClock;
    let h = SupportHandler::new(FakeApp::default(), SECRET)
        .with_clock(Arc::new(FixedClock(0)))
        .with_max_body_bytes(10);
    assert_eq!(h.max_body_bytes(), 10);
    assert_eq!(
        handler().max_body_bytes(),
        support_sdk::handler::DEFAULT_MAX_BODY_BYTES
    );
    let too_large = h.body_error(&support_http::BodyError::TooLarge { limit: 10 });
    assert_eq!(
        (too_large.status, too_large.json_body()),
        (413, json!({"error": "Request body too large"}))
    );
    assert_eq!(too_large.header("content-type"), Some("application/json"));
    let broken = h.body_error(&support_http::BodyError::Read("reset".into()));
    assert_eq!(
        (broken.status, broken.json_body()),
        (400, json!({"error": "Could not read the request body"}))
    );
}
