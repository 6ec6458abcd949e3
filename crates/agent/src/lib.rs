//! # support-agent
//!
//! The support agent, as parts the workflows drive one durable step at a time:
//!
//! - [`tools`]: the catalogue of `support_core::tool` as offered to the model.
//! - [`run`]: the tool loop as a serialisable state machine ([`AgentRun`]).
//! - [`prompt`]: the static system prompt (the cached prefix) and the context turn.
//! - [`toolbox`]: each call parsed, bound to the sender's records, then read or
//!   recorded as a proposal; the sender's records themselves.
//! - [`effects`]: the approved effects over the typed SDK and Stripe clients.
//! - [`knowledge`]: retrieved passages as cited sources, and the evidence a draft's
//!   product facts must stand on.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod classifier;
pub mod effects;
pub mod knowledge;
pub mod prompt;
pub mod run;
pub mod toolbox;
pub mod tools;

pub use classifier::{
    classify_with_llm, classify_with_llm_observed, ClassifierError, ObservedClassification,
};
pub use effects::{stripe_idempotency_key, EffectError, Effects, Refunded};
pub use knowledge::Source;
pub use prompt::{system_blocks, user_message, AgentContext, HistoryItem};
pub use run::{AgentConfig, AgentRun, Ending, Next, PendingCall, ToolCallRecord};
pub use toolbox::{GatherError, Outcome, Toolbox};
pub use tools::offered_tools;
