//! A small in-memory integration used by the SDK's own tests.
#![allow(dead_code)]

use std::sync::Mutex;

use chrono::{TimeZone, Utc};
use support_sdk::action::*;
use support_sdk::types::*;
use support_sdk::{async_trait, IntegrationError, Result, SupportIntegration};

pub const SECRET: &str = "test-secret-0123456789abcdef";
pub const OLD_SECRET: &str = "old-secret-fedcba9876543210";

/// Implements the required methods plus a few optional ones; the rest answer 501.
#[derive(Default)]
pub struct FakeApp {
    pub revoked: Mutex<Vec<RevokeAccessParams>>,
}

pub fn dana() -> User {
    User {
        id: "usr_dana".into(),
        email: "dana@example.com".into(),
        name: Some("Dana Lee".into()),
        created_at: Utc.with_ymd_and_hms(2024, 1, 15, 10, 30, 0).unwrap(),
    }
}

pub fn dana_purchase() -> Purchase {
    Purchase {
        id: "pur_1".into(),
        product_id: "prod_tt".into(),
        product_name: "Total TypeScript".into(),
        purchased_at: Utc.with_ymd_and_hms(2024, 2, 1, 9, 0, 0).unwrap(),
        amount: 49900,
        currency: "usd".into(),
        stripe_charge_id: Some("ch_123".into()),
        status: PurchaseStatus::Active,
    }
}

#[async_trait]
impl SupportIntegration for FakeApp {
    async fn lookup_user(&self, email: &str) -> Result<Option<User>> {
        if email == "boom@example.com" {
            return Err(IntegrationError::failed("database unavailable"));
        }
        Ok((email == "dana@example.com").then(dana))
    }

    async fn get_purchases(&self, user_id: &str) -> Result<Vec<Purchase>> {
        Ok(if user_id == "usr_dana" {
            vec![dana_purchase()]
        } else {
            vec![]
        })
    }

    async fn revoke_access(&self, params: RevokeAccessParams) -> Result<ActionResult> {
        if params.purchase_id != "pur_1" {
            return Ok(ActionResult::failed("unknown purchase"));
        }
        self.revoked.lock().unwrap().push(params);
        Ok(ActionResult::ok())
    }

    async fn transfer_purchase(&self, params: TransferPurchaseParams) -> Result<ActionResult> {
        if !params.to_email.contains('@') {
            return Err(IntegrationError::bad_request(
                "toEmail is not an email address",
            ));
        }
        Ok(ActionResult::ok())
    }

    async fn generate_magic_link(&self, params: MagicLinkParams) -> Result<MagicLink> {
        Ok(MagicLink {
            url: format!(
                "https://app.example.com/login?email={}&ttl={}",
                params.email, params.expires_in
            ),
        })
    }

    async fn get_refund_policy(&self) -> Result<RefundPolicy> {
        Ok(RefundPolicy {
            auto_approve_window_days: 30,
            manual_approve_window_days: 45,
            no_refund_after_days: None,
            special_conditions: Some(vec!["Team licenses are refunded pro rata".into()]),
            policy_url: Some("https://example.com/refunds".into()),
        })
    }

    async fn get_product_status(&self, product_id: &str) -> Result<Option<ProductStatus>> {
        Ok((product_id == "prod_tt").then(|| ProductStatus {
            product_id: "prod_tt".into(),
            product_type: "self-paced".into(),
            available: true,
            sold_out: false,
            quantity_available: -1,
            quantity_remaining: -1,
            state: ProductState::Active,
            starts_at: None,
            ends_at: None,
            enrollment_open: None,
            enrollment_close: None,
        }))
    }
}
