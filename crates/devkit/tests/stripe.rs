//! `support-stripe` against the Stripe stand-in over real HTTP: reads, account scoping,
//! injected failures and raw requests answered as Stripe answers them. Refunds and
//! idempotency are in `stripe_refunds.rs`.

mod stripe_stand;

use serde_json::{json, Value};
use stripe_stand::{api_error, Stand, ACCOUNT, KEY};
use support_stripe::{RefundParams, RefundStatus, RefundTarget, StripeError, API_VERSION};

#[tokio::test]
async fn reads_return_the_seeded_objects() {
    let stand = Stand::start(None).await;
    let stripe = stand.client(KEY);

    let charge = stripe
        .retrieve_charge(ACCOUNT, "ch_3Dana001")
        .await
        .unwrap();
    assert_eq!(
        (charge.amount, charge.currency.as_str(), charge.created),
        (49900, "usd", 1793523600)
    );
    assert_eq!(charge.customer.as_deref(), Some("cus_dana"));
    assert_eq!(charge.receipt_email.as_deref(), Some("dana@example.com"));
    assert_eq!(charge.payment_intent.as_deref(), Some("pi_3Dana001"));
    assert!(!charge.refunded && !charge.livemode);

    let charges = stripe.list_charges(ACCOUNT, "cus_dana", 10).await.unwrap();
    let ids: Vec<_> = charges.data.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["ch_3Dana002", "ch_3Dana001"], "newest first");
    assert_eq!(
        (
            charges.object.as_str(),
            charges.url.as_str(),
            charges.has_more
        ),
        ("list", "/v1/charges", false)
    );
    let first = stripe.list_charges(ACCOUNT, "cus_dana", 1).await.unwrap();
    assert!(first.has_more);
    assert_eq!(first.data[0].id, "ch_3Dana002");

    let old = stripe
        .retrieve_charge(ACCOUNT, "ch_3Sam0001")
        .await
        .unwrap();
    assert!(old.refunded);
    assert_eq!(old.amount_refunded, 24900);
    let refund = stripe
        .retrieve_refund(ACCOUNT, "re_3Sam0001")
        .await
        .unwrap();
    assert_eq!(refund.charge.as_deref(), Some("ch_3Sam0001"));
    assert_eq!(refund.reason.as_deref(), Some("requested_by_customer"));
    assert_eq!(refund.status, RefundStatus::Succeeded);
    let refunds = stripe
        .list_refunds(
            ACCOUNT,
            &RefundTarget::PaymentIntent("pi_3Sam0001".into()),
            10,
        )
        .await
        .unwrap();
    assert_eq!(refunds.data.len(), 1);

    let pi = stripe
        .retrieve_payment_intent(ACCOUNT, "pi_3Acme001")
        .await
        .unwrap();
    assert_eq!((pi.amount, pi.status.as_str()), (399000, "succeeded"));
    assert_eq!(pi.latest_charge.as_deref(), Some("ch_3Acme001"));

    let subs = stripe.list_subscriptions(ACCOUNT, "cus_sam").await.unwrap();
    assert_eq!(subs.data.len(), 1);
    let sub = &subs.data[0];
    assert_eq!(
        (sub.id.as_str(), sub.status.as_str()),
        ("sub_sam_pro", "active")
    );
    assert_eq!(sub.current_period_end, Some(1797724800));
    assert_eq!(sub.items.data[0].price.product.as_deref(), Some("prod_tt"));
    assert!(stripe
        .list_subscriptions(ACCOUNT, "cus_dana")
        .await
        .unwrap()
        .data
        .is_empty());

    // What arrived: the pinned version and the account on every request.
    let requests = stand.control("requests").await;
    let requests = requests.as_array().unwrap();
    assert_eq!(requests.len(), 9);
    assert!(requests
        .iter()
        .all(|r| r["stripe_version"] == API_VERSION && r["account"] == ACCOUNT));
    assert_eq!(
        requests[1]["params"],
        json!({"customer": "cus_dana", "limit": "10"})
    );
    assert_eq!(
        requests[7]["params"],
        json!({"customer": "cus_sam", "status": "all", "limit": "100"})
    );
}

#[tokio::test]
async fn objects_are_scoped_to_their_connected_account() {
    let stand = Stand::start(None).await;
    let stripe = stand.client(KEY);
    let e = stripe
        .retrieve_charge("acct_other", "ch_3Dana001")
        .await
        .unwrap_err();
    assert_eq!(
        api_error(&e),
        (
            404,
            "invalid_request_error",
            Some("resource_missing"),
            Some("id")
        )
    );
    assert!(
        e.to_string().contains("No such charge: 'ch_3Dana001'"),
        "{e}"
    );
    assert!(e.request_id().is_some_and(|id| id.starts_with("req_")));
    assert!(!e.is_retryable());
    let e = stripe
        .create_refund(
            "acct_other",
            &RefundParams::charge("ch_3Dana001"),
            "k-other",
        )
        .await
        .unwrap_err();
    assert_eq!(api_error(&e).0, 404);

    // Without Stripe-Account the platform account is asked, and the charge is not there.
    let r = stand
        .http
        .get(format!("{}/v1/charges/ch_3Dana001", stand.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers()["request-id"]
        .to_str()
        .unwrap()
        .starts_with("req_"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "resource_missing");
    assert_eq!(body["error"]["param"], "id");
    assert!(stand.refunds_of("ch_3Dana001").await.is_empty());
}

#[tokio::test]
async fn rate_limits_and_stripe_should_retry_reach_the_caller() {
    let stand = Stand::start(None).await;
    let stripe = stand.client(KEY);
    stand
        .inject(
            json!({"path_prefix": "/v1/charges", "status": 429, "code": "rate_limit",
                       "retry_after": 3, "times": 1}),
        )
        .await;
    stand
        .inject(
            json!({"path_prefix": "/v1/charges", "status": 503, "should_retry": false, "times": 1}),
        )
        .await;
    let e = stripe
        .retrieve_charge(ACCOUNT, "ch_3Dana001")
        .await
        .unwrap_err();
    assert!(matches!(e, StripeError::RateLimited { .. }), "{e:?}");
    assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(3)));
    assert!(e.is_retryable());
    let e = stripe
        .retrieve_charge(ACCOUNT, "ch_3Dana001")
        .await
        .unwrap_err();
    assert_eq!(api_error(&e).0, 503);
    assert!(!e.is_retryable(), "Stripe-Should-Retry: false wins");
    assert!(stripe.retrieve_charge(ACCOUNT, "ch_3Dana001").await.is_ok());
}

#[tokio::test]
async fn raw_requests_get_stripes_answers() {
    let stand = Stand::start(Some(KEY)).await;
    let get = |path: &str| {
        stand
            .http
            .get(format!("{}{path}", stand.base()))
            .bearer_auth(KEY)
            .header("Stripe-Account", ACCOUNT)
            .send()
    };
    // An email where a customer id belongs (the original system's bug).
    let r = get("/v1/charges?customer=dana%40example.com")
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "No such customer: 'dana@example.com'"
    );
    assert_eq!(body["error"]["param"], "customer");

    let r = get("/v1/charges?customer=cus_dana&limit=0").await.unwrap();
    assert_eq!(r.status(), 400);
    let r = get("/v1/charges?colour=red").await.unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "parameter_unknown");
    let r = get("/v1/charges/ch_3Dana001?expand[]=refunds")
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["object"], "charge");
    assert_eq!(body["livemode"], false);
    assert_eq!(body["refunds"]["object"], "list");
    let r = get("/v1/payment_intents/pi_3Dana001?expand%5B%5D=latest_charge")
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["latest_charge"]["id"], "ch_3Dana001");
    let r = get("/v1/subscriptions/sub_sam_pro").await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["customer"], "cus_sam");
    let r = get("/v1/nope").await.unwrap();
    assert_eq!(r.status(), 404);

    // No key, or JSON instead of a form.
    let r = stand
        .http
        .get(format!("{}/v1/charges/ch_3Dana001", stand.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["type"],
        "authentication_error"
    );
    let r = stand
        .http
        .post(format!("{}/v1/refunds", stand.base()))
        .bearer_auth(KEY)
        .header("Stripe-Account", ACCOUNT)
        .json(&json!({"charge": "ch_3Dana001"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = stand
        .post_refund("amount=abc&charge=ch_3Dana001", "bad-amount")
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "parameter_invalid_integer");
    // A validation error is not saved: the key still works with good parameters.
    let r = stand
        .post_refund("amount=100&charge=ch_3Dana001", "bad-amount")
        .await;
    assert_eq!(r.status(), 200);

    // Reset: back to the seed.
    let r = stand
        .http
        .post(format!("{}/_devkit/stripe/reset", stand.devkit.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(stand.refunds_of("ch_3Dana001").await.is_empty());
    assert_eq!(stand.control("requests").await, json!([]));
}
