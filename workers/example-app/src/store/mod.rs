//! `SupportIntegration` over D1: every method of the contract, as a product app would
//! write it against its own tables.
//!
//! This file holds the D1 handle, the helpers every query uses, and the trait
//! implementation, which hands each method to the module for its part of the
//! app: [`users`], [`purchases`], [`access`] (seats, licenses, content access),
//! [`content`] (search) and [`catalog`] (products, promotions, coupons).

mod access;
mod catalog;
mod content;
mod purchases;
mod users;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use support_sdk::action::*;
use support_sdk::types::*;
use support_sdk::{async_trait, IntegrationError, Result, SupportIntegration};
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

/// The app's data, reached through its D1 binding.
pub struct D1Integration {
    db: D1Database,
    public_url: String,
}

impl D1Integration {
    pub fn new(db: D1Database, public_url: String) -> Self {
        Self { db, public_url }
    }

    fn statement(&self, sql: &str, args: &[&str]) -> Result<D1PreparedStatement> {
        let args: Vec<JsValue> = args.iter().map(|a| JsValue::from_str(a)).collect();
        self.db.prepare(sql).bind(&args).map_err(db_error)
    }

    async fn all<T: DeserializeOwned>(&self, sql: &str, args: &[&str]) -> Result<Vec<T>> {
        let result = self.statement(sql, args)?.all().await.map_err(db_error)?;
        result.results().map_err(db_error)
    }

    async fn first<T: DeserializeOwned>(&self, sql: &str, args: &[&str]) -> Result<Option<T>> {
        self.statement(sql, args)?
            .first(None)
            .await
            .map_err(db_error)
    }

    /// Run statements atomically; returns rows changed by each.
    async fn batch(&self, statements: Vec<D1PreparedStatement>) -> Result<Vec<usize>> {
        let results = self.db.batch(statements).await.map_err(db_error)?;
        Ok(results
            .iter()
            .map(|r| r.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0))
            .collect())
    }

    fn audit(&self, action: Action, subject: &str, detail: &str) -> Result<D1PreparedStatement> {
        self.statement(
            "INSERT INTO support_audit (action, subject, detail, created_at) VALUES (?1, ?2, ?3, ?4)",
            &[action.name(), subject, detail, &now_iso()],
        )
    }

    async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<T> {
        let row: Option<Setting> = self
            .first("SELECT value FROM settings WHERE key = ?1", &[key])
            .await?;
        let row =
            row.ok_or_else(|| IntegrationError::failed(format!("setting {key} is missing")))?;
        serde_json::from_str(&row.value)
            .map_err(|e| IntegrationError::failed(format!("setting {key} is invalid: {e}")))
    }
}

fn db_error(e: worker::Error) -> IntegrationError {
    // The platform sees this message in its audit log, never a customer.
    IntegrationError::failed(format!("database error: {e}"))
}

fn now_iso() -> String {
    iso(worker::Date::now().as_millis() as i64)
}

fn iso(millis: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(millis)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn date(raw: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| IntegrationError::failed(format!("stored date {raw:?} is invalid: {e}")))
}

/// Map a stored string onto a contract enum (the CHECK constraints keep them valid).
fn parse_enum<T: DeserializeOwned>(raw: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(raw.to_owned()))
        .map_err(|_| IntegrationError::failed(format!("stored value {raw:?} is not valid")))
}

/// The failure of an action on a record that does not exist.
fn not_found(what: &str, id: &str) -> ActionResult {
    ActionResult::failed(format!("{what} {id} not found"))
}

fn looks_like_email(email: &str) -> bool {
    let mut parts = email.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(local), Some(domain), None)
        if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf)
        .map_err(|e| IntegrationError::failed(format!("no randomness: {e}")))?;
    Ok(hex::encode(buf))
}

#[derive(Deserialize)]
struct Setting {
    value: String,
}

#[async_trait(?Send)]
impl SupportIntegration for D1Integration {
    async fn lookup_user(&self, email: &str) -> Result<Option<User>> {
        users::lookup_user(self, email).await
    }

    async fn get_purchases(&self, user_id: &str) -> Result<Vec<Purchase>> {
        purchases::get_purchases(self, user_id).await
    }

    async fn revoke_access(&self, params: RevokeAccessParams) -> Result<ActionResult> {
        purchases::revoke_access(self, params).await
    }

    async fn transfer_purchase(&self, params: TransferPurchaseParams) -> Result<ActionResult> {
        purchases::transfer_purchase(self, params).await
    }

    async fn generate_magic_link(&self, params: MagicLinkParams) -> Result<MagicLink> {
        users::generate_magic_link(self, params).await
    }

    async fn get_subscriptions(&self, user_id: &str) -> Result<Vec<Subscription>> {
        purchases::get_subscriptions(self, user_id).await
    }

    async fn update_email(&self, params: UpdateEmailParams) -> Result<ActionResult> {
        users::update_email(self, params).await
    }

    async fn update_name(&self, params: UpdateNameParams) -> Result<ActionResult> {
        users::update_name(self, params).await
    }

    async fn get_claimed_seats(&self, bulk_coupon_id: &str) -> Result<Vec<ClaimedSeat>> {
        access::get_claimed_seats(self, bulk_coupon_id).await
    }

    async fn search_content(&self, request: ContentSearchRequest) -> Result<ContentSearchResponse> {
        content::search_content(self, request).await
    }

    async fn get_product_status(&self, product_id: &str) -> Result<Option<ProductStatus>> {
        catalog::get_product_status(self, product_id).await
    }

    async fn get_active_promotions(&self) -> Result<Vec<Promotion>> {
        catalog::get_active_promotions(self).await
    }

    async fn get_coupon_info(&self, code: &str) -> Result<Option<CouponInfo>> {
        catalog::get_coupon_info(self, code).await
    }

    async fn get_refund_policy(&self) -> Result<RefundPolicy> {
        self.setting("refund_policy").await
    }

    async fn get_content_access(&self, user_id: &str) -> Result<ContentAccess> {
        access::get_content_access(self, user_id).await
    }

    async fn get_recent_activity(&self, user_id: &str) -> Result<UserActivity> {
        users::get_recent_activity(self, user_id).await
    }

    async fn get_license_info(&self, purchase_id: &str) -> Result<Option<LicenseInfo>> {
        access::get_license_info(self, purchase_id).await
    }

    async fn get_app_info(&self) -> Result<AppInfo> {
        self.setting("app_info").await
    }
}
