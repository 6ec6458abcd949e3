//! The Stripe stand-in started for one test, with the calls the tests share.

use std::sync::Arc;

use serde_json::Value;
use support_devkit::stripe::{StripeConfig, StripeSeed};
use support_http::ReqwestTransport;
use support_stripe::{StripeClient, StripeError};

pub const ACCOUNT: &str = "acct_dev_tt";
pub const KEY: &str = "sk_test_devkit";

pub struct Stand {
    pub devkit: support_devkit::Running,
    pub http: reqwest::Client,
}

impl Stand {
    pub async fn start(secret_key: Option<&str>) -> Self {
        let config = support_devkit::Config {
            stripe: StripeConfig {
                secret_key: secret_key.map(str::to_owned),
                seed: StripeSeed::dev_fixture().unwrap(),
            },
            ..Default::default()
        };
        let devkit = support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
            .await
            .unwrap();
        Self {
            devkit,
            http: reqwest::Client::new(),
        }
    }

    pub fn base(&self) -> String {
        format!("{}/stripe", self.devkit.url())
    }

    pub fn client(&self, key: &str) -> StripeClient {
        StripeClient::new(self.base(), key, Arc::new(ReqwestTransport::new()))
    }

    pub async fn control(&self, path: &str) -> Value {
        self.http
            .get(format!("{}/_devkit/stripe/{path}", self.devkit.url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn inject(&self, plan: Value) {
        let status = self
            .http
            .post(format!("{}/_devkit/stripe/failures", self.devkit.url()))
            .json(&plan)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 204);
    }

    /// The refunds of `charge` in the stand-in's state.
    pub async fn refunds_of(&self, charge: &str) -> Vec<Value> {
        let state = self.control("state").await;
        state["accounts"][ACCOUNT]["refunds"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["charge"] == charge)
            .cloned()
            .collect()
    }

    /// A raw `POST /v1/refunds` with a form body.
    pub async fn post_refund(&self, body: &str, key: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/refunds", self.base()))
            .bearer_auth(KEY)
            .header("Stripe-Account", ACCOUNT)
            .header("Idempotency-Key", key)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }
}

/// (status, type, code, param) of a Stripe API error.
pub fn api_error(e: &StripeError) -> (u16, &str, Option<&str>, Option<&str>) {
    match e {
        StripeError::Api {
            status,
            kind,
            code,
            param,
            ..
        } => (*status, kind.as_str(), code.as_deref(), param.as_deref()),
        other => panic!("expected a Stripe API error, got {other:?}"),
    }
}
