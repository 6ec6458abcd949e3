//! # support-core
//!
//! The platform's domain, free of any runtime: it compiles natively and for wasm32 and
//! is tested in milliseconds. The worker crates only parse requests, call these
//! functions and answer; a decision that is made in a worker is in the wrong place.
//!
//! - [`settings`]: the platform's configuration, read once and checked.
//! - [`intake`]: what to do with a verified Front webhook.
//! - [`front`]: Front application-webhook envelopes and their mapping to platform events.
//! - [`apps`]: which product app an event belongs to.
//! - [`events`]: the versioned Inngest event envelope, typed payloads, event names.
//! - [`conversation`]: what the per-conversation cache keeps and shows.
//! - [`outbox`]: delivery verdicts, the alarm, dedupe window and expiry.
//! - [`counters`]: intake counters tallied in memory, flushed in batches.
//! - [`retry`]: backoff for the outbox that hands events to Inngest.

#![forbid(unsafe_code)]

pub mod apps;
pub mod classify;
pub mod conversation;
pub mod counters;
pub mod events;
pub mod front;
pub mod intake;
pub mod outbox;
pub mod retry;
pub mod routing;
pub mod settings;
pub mod tags;
pub mod validate;
