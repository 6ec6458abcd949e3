//! The client against a fake transport: the exact requests it sends and how it reads
//! Stripe's answers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use support_http::{HttpRequest, HttpResponse, Transport, TransportError};
use support_stripe::{
    RefundParams, RefundReason, RefundStatus, RefundTarget, StripeClient, StripeError, API_VERSION,
};

const KEY: &str = "sk_test_SECRETvalue123";
const ACCOUNT: &str = "acct_dev_tt";

/// Answers from a queue and records every request.
#[derive(Default)]
struct Fake {
    answers: Mutex<Vec<Result<HttpResponse, TransportError>>>,
    sent: Mutex<Vec<HttpRequest>>,
}

impl Fake {
    fn answering(answers: Vec<Result<HttpResponse, TransportError>>) -> Arc<Self> {
        Arc::new(Self {
            answers: Mutex::new(answers.into_iter().rev().collect()),
            sent: Mutex::default(),
        })
    }

    fn sent(&self) -> Vec<HttpRequest> {
        self.sent.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl Transport for Fake {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.lock().unwrap().push(request);
        self.answers
            .lock()
            .unwrap()
            .pop()
            .unwrap_or(Err(TransportError::Other("no answer queued".into())))
    }
}

fn ok(body: serde_json::Value) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse::json(200, &body).with_header("Request-Id", "req_ok"))
}

fn client(fake: &Arc<Fake>) -> StripeClient {
    StripeClient::new("https://api.test/stripe/", KEY, fake.clone())
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn refund_json(id: &str, amount: u64) -> serde_json::Value {
    json!({
        "id": id, "object": "refund", "amount": amount, "charge": "ch_3Dana001",
        "currency": "usd", "created": 1764000000, "status": "succeeded",
        "reason": "requested_by_customer", "payment_intent": "pi_3Dana001",
        "metadata": {"front_conversation": "cnv_1"}, "balance_transaction": "txn_1"
    })
}

#[tokio::test]
async fn reads_send_bearer_version_account_and_a_query() {
    let fake = Fake::answering(vec![ok(json!({
        "object": "list", "url": "/v1/charges", "has_more": true,
        "data": [{"id": "ch_3Dana002", "object": "charge", "amount": 19900,
                  "amount_refunded": 0, "currency": "usd", "status": "succeeded",
                  "created": 1762333200, "customer": "cus_dana", "refunded": false,
                  "payment_intent": "pi_3Dana002", "receipt_email": "dana@example.com",
                  "metadata": {}}]
    }))]);
    let charges = client(&fake)
        .with_timeout(Duration::from_secs(3))
        .list_charges(ACCOUNT, "cus_dana", 25)
        .await
        .unwrap();
    assert!(charges.has_more);
    assert_eq!(charges.data[0].id, "ch_3Dana002");
    assert_eq!(
        charges.data[0].receipt_email.as_deref(),
        Some("dana@example.com")
    );

    let sent = fake.sent();
    assert_eq!(sent.len(), 1);
    let request = &sent[0];
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.url,
        "https://api.test/stripe/v1/charges?customer=cus_dana&limit=25"
    );
    assert_eq!(
        header(request, "Authorization"),
        Some("Bearer sk_test_SECRETvalue123")
    );
    assert_eq!(header(request, "Stripe-Version"), Some(API_VERSION));
    assert_eq!(header(request, "Stripe-Account"), Some(ACCOUNT));
    assert_eq!(header(request, "Idempotency-Key"), None);
    assert_eq!(header(request, "Content-Type"), None);
    assert!(request.body.is_empty());
    assert_eq!(request.timeout, Duration::from_secs(3));
}

#[tokio::test]
async fn each_read_hits_its_path() {
    let sub = json!({"object": "list", "url": "/v1/subscriptions", "has_more": false, "data": [{
        "id": "sub_sam_pro", "object": "subscription", "customer": "cus_sam", "status": "active",
        "created": 1, "current_period_start": 2, "current_period_end": 3,
        "cancel_at_period_end": false,
        "items": {"object": "list", "url": "/v1/subscription_items", "has_more": false, "data": [
            {"id": "si_1", "quantity": 1, "price": {"id": "price_1", "product": "prod_tt",
             "currency": "usd", "unit_amount": 2500, "recurring": {"interval": "month", "interval_count": 1}}}
        ]}
    }]});
    let pi = json!({"id": "pi_1", "object": "payment_intent", "amount": 5, "amount_received": 5,
        "currency": "usd", "status": "succeeded", "created": 1, "latest_charge": {"id": "ch_1"}});
    let refunds = json!({"object": "list", "url": "/v1/refunds", "has_more": false,
        "data": [refund_json("re_1", 5)]});
    let fake = Fake::answering(vec![
        ok(pi),
        ok(refund_json("re_3Sam0001", 24900)),
        ok(sub),
        ok(refunds),
    ]);
    let c = client(&fake);
    let pi = c.retrieve_payment_intent(ACCOUNT, "pi_1").await.unwrap();
    assert_eq!(pi.latest_charge.as_deref(), Some("ch_1"));
    let refund = c.retrieve_refund(ACCOUNT, "re_3Sam0001").await.unwrap();
    assert_eq!(refund.status, RefundStatus::Succeeded);
    let subs = c.list_subscriptions(ACCOUNT, "cus_sam").await.unwrap();
    assert_eq!(subs.data[0].items.data[0].price.unit_amount, Some(2500));
    let list = c
        .list_refunds(ACCOUNT, &RefundTarget::Charge("ch_3Dana001".into()), 10)
        .await
        .unwrap();
    assert_eq!(list.data.len(), 1);
    let urls: Vec<_> = fake.sent().into_iter().map(|r| r.url).collect();
    assert_eq!(
        urls,
        [
            "https://api.test/stripe/v1/payment_intents/pi_1",
            "https://api.test/stripe/v1/refunds/re_3Sam0001",
            "https://api.test/stripe/v1/subscriptions?customer=cus_sam&status=all&limit=100",
            "https://api.test/stripe/v1/refunds?charge=ch_3Dana001&limit=10",
        ]
    );
}

#[tokio::test]
async fn a_refund_posts_a_form_with_the_idempotency_key() {
    let fake = Fake::answering(vec![Ok(HttpResponse::json(
        200,
        &refund_json("re_1", 4990),
    )
    .with_header("Request-Id", "req_2")
    .with_header("Idempotent-Replayed", "true"))]);
    let params = RefundParams::charge("ch_3Dana001")
        .amount(4990)
        .reason(RefundReason::RequestedByCustomer)
        .metadata("front_conversation", "cnv_1")
        .metadata("note", "50% off & more");
    let created = client(&fake)
        .create_refund(ACCOUNT, &params, "refund:pur_dana_tt:4990")
        .await
        .unwrap();
    assert!(created.replayed);
    assert_eq!(created.request_id.as_deref(), Some("req_2"));
    assert_eq!(created.refund.id, "re_1");
    assert_eq!(created.refund.amount, 4990);

    let request = &fake.sent()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, "https://api.test/stripe/v1/refunds");
    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        "charge=ch_3Dana001&amount=4990&reason=requested_by_customer\
         &metadata[front_conversation]=cnv_1&metadata[note]=50%25%20off%20%26%20more"
    );
    assert_eq!(
        header(request, "Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        header(request, "Idempotency-Key"),
        Some("refund:pur_dana_tt:4990")
    );
    assert_eq!(header(request, "Stripe-Account"), Some(ACCOUNT));
    assert_eq!(header(request, "Stripe-Version"), Some(API_VERSION));
}

#[tokio::test]
async fn a_fresh_refund_is_not_a_replay() {
    let fake = Fake::answering(vec![ok(refund_json("re_1", 49900))]);
    let created = client(&fake)
        .create_refund(ACCOUNT, &RefundParams::payment_intent("pi_3Dana001"), "k1")
        .await
        .unwrap();
    assert!(!created.replayed);
    assert_eq!(fake.sent()[0].body, b"payment_intent=pi_3Dana001".to_vec());
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let fake = Fake::answering(vec![]);
    let c = client(&fake);
    let long_key = "k".repeat(256);
    let refund = RefundParams::charge("ch_1");
    let failures = [
        c.list_charges(ACCOUNT, "dana@example.com", 10)
            .await
            .unwrap_err(),
        c.list_charges(ACCOUNT, "cus_dana", 0).await.unwrap_err(),
        c.list_charges(ACCOUNT, "cus_dana", 101).await.unwrap_err(),
        c.list_subscriptions(ACCOUNT, "sam@example.com")
            .await
            .unwrap_err(),
        c.retrieve_charge(ACCOUNT, "../v1/refunds")
            .await
            .unwrap_err(),
        c.retrieve_charge("", "ch_1").await.unwrap_err(),
        c.retrieve_charge("cus_x", "ch_1").await.unwrap_err(),
        c.create_refund(ACCOUNT, &refund, "").await.unwrap_err(),
        c.create_refund(ACCOUNT, &refund, &long_key)
            .await
            .unwrap_err(),
        c.create_refund(ACCOUNT, &refund.clone().amount(0), "k")
            .await
            .unwrap_err(),
    ];
    for failure in failures {
        assert!(
            matches!(failure, StripeError::InvalidInput(_)),
            "{failure:?}"
        );
        assert!(!failure.is_retryable());
    }
    assert!(fake.sent().is_empty(), "nothing was sent");
    assert!(c
        .create_refund(ACCOUNT, &refund, &"k".repeat(255))
        .await
        .is_err_and(|e| matches!(e, StripeError::Transport(_))));
    assert_eq!(fake.sent().len(), 1, "a 255-character key is sent");
}

#[tokio::test]
async fn stripe_errors_are_typed_with_their_headers() {
    let fake = Fake::answering(vec![
        Ok(HttpResponse::json(
            400,
            &json!({"error": {"type": "invalid_request_error", "code": "amount_too_large",
                "message": "Refund amount ($600.00) is greater than unrefunded amount on charge ($499.00)",
                "param": "amount"}}),
        )
        .with_header("Request-Id", "req_bad")),
        Ok(HttpResponse::json(500, &json!({"error": {"type": "api_error", "message": "boom"}}))
            .with_header("Stripe-Should-Retry", "true")
            .with_header("Retry-After", "2")),
        Ok(HttpResponse::json(
            429,
            &json!({"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "slow down"}}),
        )
        .with_header("Retry-After", "5")),
        Err(TransportError::Timeout),
        Ok(HttpResponse::json(200, &json!({"id": "ch_1"}))),
    ]);
    let c = client(&fake);
    let params = RefundParams::charge("ch_3Dana001").amount(60000);

    let e = c.create_refund(ACCOUNT, &params, "k").await.unwrap_err();
    assert_eq!(
        e,
        StripeError::Api {
            status: 400,
            kind: "invalid_request_error".into(),
            code: Some("amount_too_large".into()),
            message:
                "Refund amount ($600.00) is greater than unrefunded amount on charge ($499.00)"
                    .into(),
            param: Some("amount".into()),
            request_id: Some("req_bad".into()),
            should_retry: None,
            retry_after: None,
        }
    );
    assert!(!e.is_retryable());

    let e = c.create_refund(ACCOUNT, &params, "k").await.unwrap_err();
    assert!(e.is_retryable());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));

    let e = c.create_refund(ACCOUNT, &params, "k").await.unwrap_err();
    assert!(matches!(e, StripeError::RateLimited { .. }));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(5)));
    assert!(e.is_retryable());

    let e = c.retrieve_charge(ACCOUNT, "ch_1").await.unwrap_err();
    assert_eq!(e, StripeError::Transport(TransportError::Timeout));
    assert!(e.is_retryable());

    let e = c.retrieve_charge(ACCOUNT, "ch_1").await.unwrap_err();
    assert!(matches!(e, StripeError::Decode { .. }), "{e:?}");
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn the_secret_key_stays_out_of_debug_and_errors() {
    let fake = Fake::answering(vec![Ok(HttpResponse::json(
        401,
        &json!({"error": {"type": "authentication_error", "message": "Invalid API Key provided."}}),
    ))]);
    let c = client(&fake);
    let debug = format!("{c:?}");
    assert!(!debug.contains(KEY) && !debug.contains("SECRET"), "{debug}");
    assert!(debug.contains("[redacted]"));
    let e = c.retrieve_charge(ACCOUNT, "ch_1").await.unwrap_err();
    assert_eq!(e.status(), Some(401));
    for text in [e.to_string(), format!("{e:?}")] {
        assert!(!text.contains("SECRET"), "{text}");
    }
}

#[tokio::test]
async fn the_platform_retrieves_a_connected_account_without_stripe_account() {
    let fake = Fake::answering(vec![
        ok(json!({
            "id": ACCOUNT, "object": "account", "type": "standard", "country": "US",
            "default_currency": "usd", "charges_enabled": true, "payouts_enabled": false,
            "details_submitted": true,
            "business_profile": {"name": "Total TypeScript", "url": null},
            "requirements": {"disabled_reason": null, "currently_due": ["external_account"]}
        })),
        Ok(HttpResponse::json(
            403,
            &json!({"error": {"type": "invalid_request_error", "code": "account_invalid",
                "message": "The provided key 'sk_test_****************e123' does not have access to account 'acct_nope' (or that account does not exist). Application access may have been revoked."}}),
        )),
    ]);
    let c = client(&fake);
    let account = c.retrieve_account(ACCOUNT).await.unwrap();
    assert_eq!(account.id, ACCOUNT);
    assert!(account.charges_enabled && account.details_submitted && !account.payouts_enabled);
    assert_eq!(account.kind.as_deref(), Some("standard"));
    assert_eq!(
        account.business_profile.and_then(|p| p.name).as_deref(),
        Some("Total TypeScript")
    );
    assert_eq!(
        account.requirements.unwrap().currently_due,
        ["external_account"]
    );
    let sent = fake.sent();
    assert_eq!(sent[0].method, "GET");
    assert_eq!(
        sent[0].url,
        "https://api.test/stripe/v1/accounts/acct_dev_tt"
    );
    assert_eq!(
        header(&sent[0], "Stripe-Account"),
        None,
        "asked as the platform"
    );
    assert_eq!(header(&sent[0], "Stripe-Version"), Some(API_VERSION));
    assert_eq!(
        header(&sent[0], "Authorization"),
        Some("Bearer sk_test_SECRETvalue123")
    );

    let e = c.retrieve_account("acct_nope").await.unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(403), Some("account_invalid")));
    assert!(!e.is_retryable());

    // An id that is not an account's is refused before anything is sent.
    let e = c.retrieve_account("../v1/charges").await.unwrap_err();
    assert!(matches!(e, StripeError::InvalidInput(_)), "{e:?}");
    assert_eq!(fake.sent().len(), 2);
}
