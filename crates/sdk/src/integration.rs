//! The trait a product app implements.

use crate::action::{
    Action, MagicLinkParams, RevokeAccessParams, TransferPurchaseParams, UpdateEmailParams,
    UpdateNameParams,
};
use crate::error::{IntegrationError, Result};
use crate::types::*;

pub use support_http::MaybeSendSync;

fn not_implemented<T>(action: Action) -> Result<T> {
    Err(IntegrationError::NotImplemented(action))
}

/// What a product app offers the support platform.
///
/// The five required methods have no default. The optional ones default to
/// [`IntegrationError::NotImplemented`], which the handler answers with `501`, exactly
/// like an optional method left out of the TypeScript object.
///
/// Return [`IntegrationError::failed`] for an operational failure (answered `500` with
/// your message) and [`IntegrationError::bad_request`] to reject a parameter (`400`).
///
/// ```
/// use support_sdk::{async_trait, SupportIntegration, Result, types::*, action::*};
///
/// struct MyApp;
///
/// #[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
/// #[cfg_attr(not(target_arch = "wasm32"), async_trait)]
/// impl SupportIntegration for MyApp {
///     async fn lookup_user(&self, email: &str) -> Result<Option<User>> { Ok(None) }
///     async fn get_purchases(&self, user_id: &str) -> Result<Vec<Purchase>> { Ok(vec![]) }
///     async fn revoke_access(&self, p: RevokeAccessParams) -> Result<ActionResult> { Ok(ActionResult::ok()) }
///     async fn transfer_purchase(&self, p: TransferPurchaseParams) -> Result<ActionResult> { Ok(ActionResult::ok()) }
///     async fn generate_magic_link(&self, p: MagicLinkParams) -> Result<MagicLink> {
///         Ok(MagicLink { url: format!("https://example.com/login?for={}", p.email) })
///     }
/// }
/// ```
#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
pub trait SupportIntegration: MaybeSendSync {
    /// Find a user by email; `Ok(None)` when there is none.
    async fn lookup_user(&self, email: &str) -> Result<Option<User>>;

    /// All purchases of a user (empty when none).
    async fn get_purchases(&self, user_id: &str) -> Result<Vec<Purchase>>;

    /// Remove access to a purchase after it was refunded.
    async fn revoke_access(&self, params: RevokeAccessParams) -> Result<ActionResult>;

    /// Move a purchase to another account.
    async fn transfer_purchase(&self, params: TransferPurchaseParams) -> Result<ActionResult>;

    /// Create a passwordless login link.
    async fn generate_magic_link(&self, params: MagicLinkParams) -> Result<MagicLink>;

    /// Subscriptions of a user.
    async fn get_subscriptions(&self, _user_id: &str) -> Result<Vec<Subscription>> {
        not_implemented(Action::GetSubscriptions)
    }

    /// Change a user's email.
    async fn update_email(&self, _params: UpdateEmailParams) -> Result<ActionResult> {
        not_implemented(Action::UpdateEmail)
    }

    /// Change a user's display name.
    async fn update_name(&self, _params: UpdateNameParams) -> Result<ActionResult> {
        not_implemented(Action::UpdateName)
    }

    /// Seats claimed on a bulk purchase.
    async fn get_claimed_seats(&self, _bulk_coupon_id: &str) -> Result<Vec<ClaimedSeat>> {
        not_implemented(Action::GetClaimedSeats)
    }

    /// Search the product's content.
    async fn search_content(
        &self,
        _request: ContentSearchRequest,
    ) -> Result<ContentSearchResponse> {
        not_implemented(Action::SearchContent)
    }

    /// Availability of a product; `Ok(None)` for an unknown product.
    async fn get_product_status(&self, _product_id: &str) -> Result<Option<ProductStatus>> {
        not_implemented(Action::GetProductStatus)
    }

    /// Running promotions.
    async fn get_active_promotions(&self) -> Result<Vec<Promotion>> {
        not_implemented(Action::GetActivePromotions)
    }

    /// A coupon; `Ok(None)` when the code does not exist.
    async fn get_coupon_info(&self, _code: &str) -> Result<Option<CouponInfo>> {
        not_implemented(Action::GetCouponInfo)
    }

    /// The refund policy.
    async fn get_refund_policy(&self) -> Result<RefundPolicy> {
        not_implemented(Action::GetRefundPolicy)
    }

    /// What a user can open.
    async fn get_content_access(&self, _user_id: &str) -> Result<ContentAccess> {
        not_implemented(Action::GetContentAccess)
    }

    /// Usage and progress of a user.
    async fn get_recent_activity(&self, _user_id: &str) -> Result<UserActivity> {
        not_implemented(Action::GetRecentActivity)
    }

    /// Seats of a team purchase; `Ok(None)` when it is not a team purchase.
    async fn get_license_info(&self, _purchase_id: &str) -> Result<Option<LicenseInfo>> {
        not_implemented(Action::GetLicenseInfo)
    }

    /// App metadata.
    async fn get_app_info(&self) -> Result<AppInfo> {
        not_implemented(Action::GetAppInfo)
    }
}
