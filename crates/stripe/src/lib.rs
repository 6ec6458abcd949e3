//! # support-stripe
//!
//! A thin typed client of the part of Stripe's API the platform uses for Connect with
//! direct charges: the charge lives on the connected account, so every call names that
//! account (`Stripe-Account: acct_…`).
//!
//! - Reads: [`StripeClient::retrieve_charge`], [`StripeClient::list_charges`] (by
//!   customer id, never by email), [`StripeClient::retrieve_payment_intent`],
//!   [`StripeClient::retrieve_refund`], [`StripeClient::list_refunds`],
//!   [`StripeClient::list_subscriptions`].
//! - The platform's view of a connected account: [`StripeClient::retrieve_account`]
//!   (no `Stripe-Account` header: the platform asks about the account).
//! - Write: [`StripeClient::create_refund`], always with an `Idempotency-Key`.
//!
//! Requests go through [`support_http::Transport`], so the same code runs natively
//! (reqwest) and on Workers (fetch). Bodies are form-encoded the way Stripe reads them
//! (`metadata[k]=v`, `expand[]=x`), the API version is pinned ([`API_VERSION`]) and each
//! request has its own timeout.
//!
//! The client never sleeps or retries: a failure comes back as a [`StripeError`] whose
//! [`StripeError::is_retryable`] and [`StripeError::retry_after`] tell the caller (an
//! Inngest step) whether and when to try again, with the same idempotency key.
//!
//! The secret key is only ever written into the `Authorization` header: it is not in
//! any error and the client's `Debug` output redacts it.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![allow(
    clippy::result_large_err,
    reason = "StripeError::Api is one flat struct variant callers match on; an error is \
              built once per failed network call, so its size costs nothing measurable"
)]

mod client;
mod error;
mod form;
mod ids;
mod models;
mod refund;

pub use client::{CreatedRefund, StripeClient, DEFAULT_TIMEOUT};
pub use error::StripeError;
pub use form::Form;
pub use ids::{check_account_id, check_customer_id, check_idempotency_key};
pub use models::{
    Account, AccountRequirements, BusinessProfile, Charge, List, Metadata, PaymentIntent, Price,
    Recurring, Refund, RefundStatus, Subscription, SubscriptionItem,
};
pub use refund::{RefundParams, RefundReason, RefundTarget};

/// Stripe's API origin.
pub const DEFAULT_BASE_URL: &str = "https://api.stripe.com";

/// The API version every request is pinned to (`Stripe-Version`), the one the
/// original system used, so object shapes do not change under us when the account's
/// default version moves.
pub const API_VERSION: &str = "2025-02-24.acacia";

/// Largest `limit` Stripe's list endpoints take.
pub const MAX_LIST_LIMIT: u8 = 100;
