//! `support-stripe` against the Stripe stand-in over real HTTP: refunds, over-refunds
//! and Stripe's idempotency rules (replays, changed parameters, a retry after a 500).

mod stripe_stand;

use serde_json::{json, Value};
use stripe_stand::{api_error, Stand, ACCOUNT, KEY};
use support_stripe::{RefundParams, RefundReason, RefundStatus, StripeError};

#[tokio::test]
async fn a_refund_counts_against_its_charge() {
    let stand = Stand::start(Some(KEY)).await;
    let stripe = stand.client(KEY);
    let params = RefundParams::charge("ch_3Dana001")
        .amount(4990)
        .reason(RefundReason::RequestedByCustomer)
        .metadata("front_conversation", "cnv_8x1b2c3");
    let created = stripe
        .create_refund(ACCOUNT, &params, "refund:pur_dana_tt:4990")
        .await
        .unwrap();
    assert!(!created.replayed);
    let refund = &created.refund;
    assert!(refund.id.starts_with("re_"));
    assert_eq!((refund.amount, refund.currency.as_str()), (4990, "usd"));
    assert_eq!(refund.status, RefundStatus::Succeeded);
    assert_eq!(refund.payment_intent.as_deref(), Some("pi_3Dana001"));
    assert_eq!(refund.metadata["front_conversation"], "cnv_8x1b2c3");
    let charge = stripe
        .retrieve_charge(ACCOUNT, "ch_3Dana001")
        .await
        .unwrap();
    assert_eq!((charge.amount_refunded, charge.refunded), (4990, false));

    // No amount: what remains, by payment intent.
    let rest = stripe
        .create_refund(
            ACCOUNT,
            &RefundParams::payment_intent("pi_3Dana001"),
            "refund:rest",
        )
        .await
        .unwrap();
    assert_eq!(rest.refund.amount, 49900 - 4990);
    let charge = stripe
        .retrieve_charge(ACCOUNT, "ch_3Dana001")
        .await
        .unwrap();
    assert_eq!((charge.amount_refunded, charge.refunded), (49900, true));
    assert_eq!(stand.refunds_of("ch_3Dana001").await.len(), 2);

    // The wrong key is Stripe's 401, and changes nothing.
    let e = stand
        .client("sk_test_wrong")
        .create_refund(ACCOUNT, &RefundParams::charge("ch_3Dana002"), "k-wrong")
        .await
        .unwrap_err();
    assert_eq!(api_error(&e).0, 401);
    assert_eq!(api_error(&e).1, "authentication_error");
    assert!(stand.refunds_of("ch_3Dana002").await.is_empty());
}

#[tokio::test]
async fn over_refunds_are_refused_as_stripe_does() {
    let stand = Stand::start(None).await;
    let stripe = stand.client(KEY);
    let e = stripe
        .create_refund(
            ACCOUNT,
            &RefundParams::charge("ch_3Dana002").amount(20000),
            "k1",
        )
        .await
        .unwrap_err();
    assert_eq!(
        api_error(&e),
        (
            400,
            "invalid_request_error",
            Some("amount_too_large"),
            Some("amount")
        )
    );
    assert!(
        e.to_string().contains(
            "Refund amount ($200.00) is greater than unrefunded amount on charge ($199.00)"
        ),
        "{e}"
    );
    let e = stripe
        .create_refund(ACCOUNT, &RefundParams::charge("ch_3Sam0001"), "k2")
        .await
        .unwrap_err();
    assert_eq!(api_error(&e).2, Some("charge_already_refunded"));
    assert!(!e.is_retryable());
    let charge = stripe
        .retrieve_charge(ACCOUNT, "ch_3Dana002")
        .await
        .unwrap();
    assert_eq!(charge.amount_refunded, 0);
}

#[tokio::test]
async fn the_same_key_and_parameters_replay_the_first_answer() {
    let stand = Stand::start(Some(KEY)).await;
    let body = "charge=ch_3Sam0002&amount=1000&metadata[note]=50%25+off";
    let first = stand.post_refund(body, "replay-1").await;
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_request = first.headers()["request-id"].to_str().unwrap().to_owned();
    let first_body = first.bytes().await.unwrap();

    // Same parameters in another order: the same request.
    let again = stand
        .post_refund(
            "metadata[note]=50%25%20off&amount=1000&charge=ch_3Sam0002",
            "replay-1",
        )
        .await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["original-request"], first_request.as_str());
    assert_ne!(again.headers()["request-id"], first_request.as_str());
    assert_eq!(again.bytes().await.unwrap(), first_body, "the same body");

    // The client sees the replay too.
    let replay = stand
        .client(KEY)
        .create_refund(
            ACCOUNT,
            &RefundParams::charge("ch_3Sam0002")
                .amount(1000)
                .metadata("note", "50% off"),
            "replay-1",
        )
        .await
        .unwrap();
    assert!(replay.replayed);
    let first_json: Value = serde_json::from_slice(&first_body).unwrap();
    assert_eq!(replay.refund.id, first_json["id"].as_str().unwrap());
    let refunds = stand.refunds_of("ch_3Sam0002").await;
    assert_eq!(refunds.len(), 1, "one refund for three requests");
    assert_eq!(refunds[0]["metadata"]["note"], "50% off");

    let requests = stand.control("requests").await;
    let replayed: Vec<_> = requests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["idempotency_key"].clone(),
                r["replayed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        replayed,
        [
            (json!("replay-1"), false),
            (json!("replay-1"), true),
            (json!("replay-1"), true)
        ]
    );
}

#[tokio::test]
async fn the_same_key_with_other_parameters_is_an_idempotency_error() {
    let stand = Stand::start(None).await;
    let stripe = stand.client(KEY);
    let key = "refund:pur_sam_tt:1000";
    stripe
        .create_refund(
            ACCOUNT,
            &RefundParams::charge("ch_3Sam0002").amount(1000),
            key,
        )
        .await
        .unwrap();
    let e = stripe
        .create_refund(
            ACCOUNT,
            &RefundParams::charge("ch_3Sam0002").amount(2000),
            key,
        )
        .await
        .unwrap_err();
    assert_eq!(api_error(&e), (400, "idempotency_error", None, None));
    assert!(e.to_string().contains(key), "{e}");
    assert!(!e.is_retryable());
    // Keys are per account: the same key elsewhere is a new request.
    let e = stripe
        .create_refund(
            "acct_other",
            &RefundParams::charge("ch_3Sam0002").amount(2000),
            key,
        )
        .await
        .unwrap_err();
    assert_eq!(api_error(&e).2, Some("resource_missing"));
    assert_eq!(stand.refunds_of("ch_3Sam0002").await.len(), 1);

    // A key over 255 characters is Stripe's 400 (the client refuses it before sending).
    let long = "k".repeat(256);
    let r = stand.post_refund("charge=ch_3Sam0002", &long).await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(matches!(
        stripe
            .create_refund(ACCOUNT, &RefundParams::charge("ch_3Sam0002"), &long)
            .await,
        Err(StripeError::InvalidInput(_))
    ));
    assert_eq!(stand.refunds_of("ch_3Sam0002").await.len(), 1);
}

#[tokio::test]
async fn an_injected_500_then_a_retry_with_the_same_key_refunds_once() {
    let stand = Stand::start(Some(KEY)).await;
    let stripe = stand.client(KEY);
    stand
        .inject(
            json!({"method": "POST", "path_prefix": "/v1/refunds", "status": 500,
                       "times": 1, "should_retry": true}),
        )
        .await;
    let params = RefundParams::charge("ch_3Acme001").amount(39900);
    let key = "refund:pur_acme_team:39900";

    let e = stripe
        .create_refund(ACCOUNT, &params, key)
        .await
        .unwrap_err();
    assert_eq!(api_error(&e).0, 500);
    assert_eq!(api_error(&e).1, "api_error");
    assert!(e.is_retryable());
    assert!(
        stand.refunds_of("ch_3Acme001").await.is_empty(),
        "nothing changed"
    );

    let retried = stripe.create_refund(ACCOUNT, &params, key).await.unwrap();
    assert!(!retried.replayed, "the 500 was not saved for the key");
    let again = stripe.create_refund(ACCOUNT, &params, key).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.refund, retried.refund);
    assert_eq!(
        stand.refunds_of("ch_3Acme001").await.len(),
        1,
        "exactly one refund"
    );
    let charge = stripe
        .retrieve_charge(ACCOUNT, "ch_3Acme001")
        .await
        .unwrap();
    assert_eq!(charge.amount_refunded, 39900);

    let requests = stand.control("requests").await;
    let posts: Vec<_> = requests
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "POST")
        .map(|r| {
            (
                r["status"].as_u64().unwrap(),
                r["injected"].as_bool().unwrap(),
                r["replayed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        posts,
        [(500, true, false), (200, false, false), (200, false, true)]
    );
}
