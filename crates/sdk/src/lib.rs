//! # support-sdk
//!
//! The signed contract through which product apps plug into the support platform.
//!
//! The platform calls one endpoint per app with `POST {"action": "<name>", ...params}`,
//! signed with `X-Support-Signature: timestamp=<unix seconds>,v1=<hex HMAC-SHA256 of
//! "<timestamp>.<raw body>">`. The app verifies the signature, runs the action and
//! answers with raw JSON. This crate is wire-compatible with the published TypeScript
//! SDK (`@skillrecordings/sdk` 0.5.0) in both directions.
//!
//! - [`SupportIntegration`]: the trait an app implements (5 required methods, 13
//!   optional ones that answer `501` until implemented).
//! - [`SupportHandler`]: verifies and dispatches a request; framework-neutral
//!   (method, headers, raw body → [`HttpResponse`]: status, JSON content type, JSON
//!   body). Adapters: `adapters::worker` (feature `worker`, wasm32) and
//!   [`adapters::axum`] (feature `axum`); both read bodies under the handler's cap.
//! - [`IntegrationClient`]: the platform's client, itself a [`SupportIntegration`];
//!   transports for `reqwest` (feature `reqwest`) and Workers `fetch` (feature `worker`).
//!
//! ## Status codes
//!
//! | case | status | body |
//! |---|---|---|
//! | not `POST` | 405 | `{"error":"Method not allowed"}` |
//! | body over the cap (1 MiB) | 413 | `{"error":"Request body too large"}` |
//! | no `X-Support-Signature` | 401 | `{"error":"Missing signature header"}` |
//! | malformed header or timestamp | 401 | `{"error":"Invalid signature format"}` |
//! | timestamp more than 300 s old / ahead | 401 | `Signature expired` / `Signature timestamp is in the future` |
//! | no `v1` matches any secret | 401 | `{"error":"Invalid signature"}` |
//! | body is not JSON | 400 | `{"error":"Invalid JSON body"}` |
//! | no string `action` | 400 | `{"error":"Missing action field"}` |
//! | unknown action | 400 | `{"error":"Unknown action: X"}` |
//! | parameters missing or mistyped | 400 | `{"error":"Invalid parameters for X: ..."}` |
//! | optional method not implemented | 501 | `{"error":"Method not implemented: X"}` |
//! | the method failed | 500 | `{"error":"<your message>"}` |
//! | success | 200 | the method's return value, raw (may be `null`) |
//!
//! The signature is verified over the raw bytes before anything in the body is read.
//!
//! ## Rotating the secret
//!
//! 1. Generate a new secret (`openssl rand -hex 32`).
//! 2. Deploy the app with both secrets, newest first:
//!    `SupportHandler::with_secrets(integration, [new, old])`.
//! 3. Switch the platform's app record to the new secret.
//! 4. Once no request has been verified by the old secret
//!    ([`SupportHandler::handle_verified_with`] reports `Some(1)`) for a while, deploy
//!    with the new secret only.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod action;
pub mod adapters;
pub mod client;
mod error;
pub mod handler;
pub mod health;
mod integration;
pub mod types;

pub use action::{Action, Request};
pub use async_trait::async_trait;
pub use client::{HttpRequest, HttpResponse, IntegrationClient, Transport, TransportError};
pub use error::{IntegrationError, Result};
pub use handler::{HandlerResponse, SharedClock, SupportHandler, CONTENT_TYPE};
pub use integration::{MaybeSendSync, SupportIntegration};
pub use support_http::BodyError;
pub use support_signing as signing;
