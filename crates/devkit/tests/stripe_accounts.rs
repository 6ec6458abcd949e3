//! `GET /v1/accounts/{id}` on the Stripe stand-in, as the platform asks it (what
//! `skill doctor` checks each app's connected account with): the seeded account's
//! object, Stripe's 403 `account_invalid` for anything else, the key never echoed.

#[allow(dead_code)] // the helpers the other Stripe suites use
mod stripe_stand;

use std::sync::Arc;

use serde_json::Value;
use stripe_stand::{api_error, Stand, ACCOUNT, KEY};
use support_devkit::stripe::{StripeConfig, StripeSeed};
use support_http::ReqwestTransport;
use support_stripe::{StripeClient, API_VERSION};

#[tokio::test]
async fn the_platform_retrieves_a_seeded_account() {
    let stand = Stand::start(Some(KEY)).await;
    let account = stand.client(KEY).retrieve_account(ACCOUNT).await.unwrap();
    assert_eq!(account.id, ACCOUNT);
    assert!(account.charges_enabled && account.payouts_enabled && account.details_submitted);
    assert_eq!(
        (
            account.country.as_deref(),
            account.default_currency.as_deref()
        ),
        (Some("US"), Some("usd"))
    );
    assert_eq!(account.kind.as_deref(), Some("standard"));
    let requirements = account.requirements.unwrap();
    assert_eq!(requirements.disabled_reason, None);
    assert!(requirements.currently_due.is_empty());

    // Asked as the platform: no Stripe-Account, recorded as such.
    let requests = stand.control("requests").await;
    let last = requests.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["path"], format!("/v1/accounts/{ACCOUNT}"));
    assert_eq!(last["account"], Value::Null);
    assert_eq!(last["status"], 200);

    // The raw answer has Stripe's shape.
    let raw: Value = stand
        .http
        .get(format!("{}/v1/accounts/{ACCOUNT}", stand.base()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["object"], "account");
    assert_eq!(raw["livemode"], false);
    assert_eq!(raw["capabilities"]["card_payments"], "active");
}

#[tokio::test]
async fn an_unknown_account_is_stripes_403_without_the_key() {
    let stand = Stand::start(Some(KEY)).await;
    let stripe = stand.client(KEY);
    let error = stripe
        .retrieve_account("acct_not_connected")
        .await
        .unwrap_err();
    assert_eq!(
        api_error(&error),
        (403, "invalid_request_error", Some("account_invalid"), None)
    );
    assert!(!error.is_retryable());

    let response = stand
        .http
        .get(format!("{}/v1/accounts/acct_not_connected", stand.base()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.headers().contains_key("request-id"));
    let body: Value = response.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("does not have access to account 'acct_not_connected'"),
        "{message}"
    );
    assert!(
        message.contains("sk_test_"),
        "the key's kind is named: {message}"
    );
    assert!(!message.contains(KEY), "the key is masked: {message}");
    assert_eq!(
        body["error"]["doc_url"],
        "https://stripe.com/docs/error-codes/account-invalid"
    );

    // Another connected account cannot look at this one.
    let response = stand
        .http
        .get(format!("{}/v1/accounts/{ACCOUNT}", stand.base()))
        .bearer_auth(KEY)
        .header("Stripe-Account", "acct_someone_else")
        .header("Stripe-Version", API_VERSION)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    // A wrong key is an authentication error before anything else.
    let error = stand
        .client("sk_test_wrong")
        .retrieve_account(ACCOUNT)
        .await
        .unwrap_err();
    assert_eq!(api_error(&error).0, 401);
    assert_eq!(api_error(&error).1, "authentication_error");
}

#[tokio::test]
async fn an_account_that_cannot_take_charges_says_why() {
    let seed = StripeSeed::from_json(
        r#"{"accounts": [
            {"id": "acct_onboarding", "name": "Half-done", "charges_enabled": false,
             "payouts_enabled": false, "details_submitted": false, "country": "GB",
             "default_currency": "gbp"},
            {"id": "acct_review", "charges_enabled": false}
        ]}"#,
    )
    .unwrap();
    let config = support_devkit::Config {
        stripe: StripeConfig {
            secret_key: Some(KEY.into()),
            seed,
        },
        ..Default::default()
    };
    let devkit = support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
        .await
        .unwrap();
    let stripe = StripeClient::new(
        format!("{}/stripe", devkit.url()),
        KEY,
        Arc::new(ReqwestTransport::new()),
    );

    let onboarding = stripe.retrieve_account("acct_onboarding").await.unwrap();
    assert!(
        !onboarding.charges_enabled && !onboarding.payouts_enabled && !onboarding.details_submitted
    );
    assert_eq!(
        onboarding.business_profile.unwrap().name.as_deref(),
        Some("Half-done")
    );
    assert_eq!(onboarding.country.as_deref(), Some("GB"));
    let requirements = onboarding.requirements.unwrap();
    assert_eq!(
        requirements.disabled_reason.as_deref(),
        Some("requirements.past_due")
    );
    assert!(requirements
        .currently_due
        .contains(&"external_account".to_owned()));

    let review = stripe.retrieve_account("acct_review").await.unwrap();
    assert!(!review.charges_enabled && review.details_submitted);
    assert_eq!(
        review.requirements.unwrap().disabled_reason.as_deref(),
        Some("under_review")
    );
}
