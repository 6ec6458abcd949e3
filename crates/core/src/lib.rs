//! # support-core
//!
//! The platform's domain, free of any runtime: it compiles natively and for wasm32 and
//! is tested in milliseconds. The worker crates only parse requests and wire adapters
//! around it.
//!
//! - [`front`]: Front application-webhook envelopes and their mapping to platform events.
//! - [`events`]: the versioned Inngest event envelope and event names.
//! - [`conversation`]: what the per-conversation cache keeps.
//! - [`retry`]: backoff for the outbox that hands events to Inngest.

#![forbid(unsafe_code)]

pub mod conversation;
pub mod events;
pub mod front;
pub mod retry;
