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
//! - [`tool`]: the agent's tools and their typed, schema-checked calls.
//! - [`proposal`]: binding a call to the verified sender's records (the model proposes,
//!   the records decide).
//! - [`effect`]: what may happen after an approval; [`money`]: amounts as money.
//! - [`records`]: actions, approvals, decisions; [`approval`]: the decisions on them.
//! - [`gather`]: the category-aware reads; [`escape`]: values into Slack and HTML.

#![forbid(unsafe_code)]

pub mod approval;
pub mod apps;
pub mod classify;
pub mod conversation;
pub mod correction;
pub mod counters;
pub mod effect;
pub mod escape;
pub mod events;
pub mod front;
pub mod gather;
pub mod grounding;
pub mod intake;
pub mod learned;
pub mod money;
pub mod outbox;
pub mod outcome;
pub mod proposal;
pub mod records;
pub mod retention;
pub mod retry;
pub mod routing;
pub mod scrub;
pub mod settings;
pub mod stats;
pub mod tags;
pub mod tool;
pub mod trust;
pub mod validate;
