//! The request side of the contract: which actions exist and what each one carries.
//!
//! On the wire a request is one JSON object, `{"action": "<name>", ...params}`, POSTed
//! to the app's endpoint. [`Request`] is that object as a Rust enum.

use serde::{Deserialize, Serialize};

use crate::types::ContentSearchRequest;

/// Every action of the contract, in the order of the TypeScript interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `lookupUser` (required).
    LookupUser,
    /// `getPurchases` (required).
    GetPurchases,
    /// `revokeAccess` (required).
    RevokeAccess,
    /// `transferPurchase` (required).
    TransferPurchase,
    /// `generateMagicLink` (required).
    GenerateMagicLink,
    /// `getSubscriptions` (optional).
    GetSubscriptions,
    /// `updateEmail` (optional).
    UpdateEmail,
    /// `updateName` (optional).
    UpdateName,
    /// `getClaimedSeats` (optional).
    GetClaimedSeats,
    /// `searchContent` (optional).
    SearchContent,
    /// `getProductStatus` (optional).
    GetProductStatus,
    /// `getActivePromotions` (optional; the client falls back to `[]` on 501).
    GetActivePromotions,
    /// `getCouponInfo` (optional; the client falls back to `null` on 501).
    GetCouponInfo,
    /// `getRefundPolicy` (optional).
    GetRefundPolicy,
    /// `getContentAccess` (optional).
    GetContentAccess,
    /// `getRecentActivity` (optional).
    GetRecentActivity,
    /// `getLicenseInfo` (optional; the client falls back to `null` on 501).
    GetLicenseInfo,
    /// `getAppInfo` (optional).
    GetAppInfo,
}

impl Action {
    /// All actions.
    pub const ALL: [Action; 18] = [
        Action::LookupUser,
        Action::GetPurchases,
        Action::RevokeAccess,
        Action::TransferPurchase,
        Action::GenerateMagicLink,
        Action::GetSubscriptions,
        Action::UpdateEmail,
        Action::UpdateName,
        Action::GetClaimedSeats,
        Action::SearchContent,
        Action::GetProductStatus,
        Action::GetActivePromotions,
        Action::GetCouponInfo,
        Action::GetRefundPolicy,
        Action::GetContentAccess,
        Action::GetRecentActivity,
        Action::GetLicenseInfo,
        Action::GetAppInfo,
    ];

    /// The wire name (`"lookupUser"`).
    pub fn name(self) -> &'static str {
        match self {
            Action::LookupUser => "lookupUser",
            Action::GetPurchases => "getPurchases",
            Action::RevokeAccess => "revokeAccess",
            Action::TransferPurchase => "transferPurchase",
            Action::GenerateMagicLink => "generateMagicLink",
            Action::GetSubscriptions => "getSubscriptions",
            Action::UpdateEmail => "updateEmail",
            Action::UpdateName => "updateName",
            Action::GetClaimedSeats => "getClaimedSeats",
            Action::SearchContent => "searchContent",
            Action::GetProductStatus => "getProductStatus",
            Action::GetActivePromotions => "getActivePromotions",
            Action::GetCouponInfo => "getCouponInfo",
            Action::GetRefundPolicy => "getRefundPolicy",
            Action::GetContentAccess => "getContentAccess",
            Action::GetRecentActivity => "getRecentActivity",
            Action::GetLicenseInfo => "getLicenseInfo",
            Action::GetAppInfo => "getAppInfo",
        }
    }

    /// Look an action up by its wire name.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Whether every app must implement it.
    pub fn is_required(self) -> bool {
        matches!(
            self,
            Action::LookupUser
                | Action::GetPurchases
                | Action::RevokeAccess
                | Action::TransferPurchase
                | Action::GenerateMagicLink
        )
    }

    /// Whether it changes state in the app (never called by read-only probes).
    pub fn is_mutation(self) -> bool {
        matches!(
            self,
            Action::RevokeAccess
                | Action::TransferPurchase
                | Action::UpdateEmail
                | Action::UpdateName
                | Action::GenerateMagicLink
        )
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Parameters of `revokeAccess`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokeAccessParams {
    /// Purchase to revoke.
    pub purchase_id: String,
    /// Why (kept for the app's audit trail).
    pub reason: String,
    /// The refund that caused it (Stripe `re_...`).
    pub refund_id: String,
}

/// Parameters of `transferPurchase`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferPurchaseParams {
    /// Purchase to move.
    pub purchase_id: String,
    /// Current owner.
    pub from_user_id: String,
    /// New owner's email.
    pub to_email: String,
}

/// Parameters of `generateMagicLink`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MagicLinkParams {
    /// Who the link logs in.
    pub email: String,
    /// Lifetime in seconds.
    pub expires_in: u64,
}

/// Parameters of `updateEmail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateEmailParams {
    /// User to change.
    pub user_id: String,
    /// New address.
    pub new_email: String,
}

/// Parameters of `updateName`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateNameParams {
    /// User to change.
    pub user_id: String,
    /// New display name.
    pub new_name: String,
}

/// One request body: `{"action": "...", ...params}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "camelCase")]
pub enum Request {
    /// Find a user by email.
    #[serde(rename_all = "camelCase")]
    LookupUser {
        /// Email to look up.
        email: String,
    },
    /// List a user's purchases.
    #[serde(rename_all = "camelCase")]
    GetPurchases {
        /// User id.
        user_id: String,
    },
    /// Revoke access after a refund.
    RevokeAccess(RevokeAccessParams),
    /// Move a purchase to another account.
    TransferPurchase(TransferPurchaseParams),
    /// Create a login link.
    GenerateMagicLink(MagicLinkParams),
    /// List a user's subscriptions.
    #[serde(rename_all = "camelCase")]
    GetSubscriptions {
        /// User id.
        user_id: String,
    },
    /// Change a user's email.
    UpdateEmail(UpdateEmailParams),
    /// Change a user's name.
    UpdateName(UpdateNameParams),
    /// List the seats claimed on a bulk purchase.
    #[serde(rename_all = "camelCase")]
    GetClaimedSeats {
        /// Bulk coupon / license id.
        bulk_coupon_id: String,
    },
    /// Search the product's content.
    SearchContent(ContentSearchRequest),
    /// Availability of a product.
    #[serde(rename_all = "camelCase")]
    GetProductStatus {
        /// Product id or slug.
        product_id: String,
    },
    /// Running promotions.
    GetActivePromotions,
    /// Look a coupon code up.
    GetCouponInfo {
        /// The code.
        code: String,
    },
    /// The refund policy.
    GetRefundPolicy,
    /// What a user can open.
    #[serde(rename_all = "camelCase")]
    GetContentAccess {
        /// User id.
        user_id: String,
    },
    /// Usage and progress.
    #[serde(rename_all = "camelCase")]
    GetRecentActivity {
        /// User id.
        user_id: String,
    },
    /// Seats of a team purchase.
    #[serde(rename_all = "camelCase")]
    GetLicenseInfo {
        /// Purchase id.
        purchase_id: String,
    },
    /// App metadata.
    GetAppInfo,
}

impl Request {
    /// Which action this request calls.
    pub fn action(&self) -> Action {
        match self {
            Request::LookupUser { .. } => Action::LookupUser,
            Request::GetPurchases { .. } => Action::GetPurchases,
            Request::RevokeAccess(_) => Action::RevokeAccess,
            Request::TransferPurchase(_) => Action::TransferPurchase,
            Request::GenerateMagicLink(_) => Action::GenerateMagicLink,
            Request::GetSubscriptions { .. } => Action::GetSubscriptions,
            Request::UpdateEmail(_) => Action::UpdateEmail,
            Request::UpdateName(_) => Action::UpdateName,
            Request::GetClaimedSeats { .. } => Action::GetClaimedSeats,
            Request::SearchContent(_) => Action::SearchContent,
            Request::GetProductStatus { .. } => Action::GetProductStatus,
            Request::GetActivePromotions => Action::GetActivePromotions,
            Request::GetCouponInfo { .. } => Action::GetCouponInfo,
            Request::GetRefundPolicy => Action::GetRefundPolicy,
            Request::GetContentAccess { .. } => Action::GetContentAccess,
            Request::GetRecentActivity { .. } => Action::GetRecentActivity,
            Request::GetLicenseInfo { .. } => Action::GetLicenseInfo,
            Request::GetAppInfo => Action::GetAppInfo,
        }
    }

    /// The exact body bytes to sign and send.
    pub fn to_body(&self) -> Vec<u8> {
        // Serialising a Request cannot fail: every field is a plain string, number,
        // bool, list or map with string keys.
        serde_json::to_vec(self).expect("request serialises")
    }
}
