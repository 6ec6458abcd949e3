//! # support-agent
//!
//! The support agent, as parts the workflows drive one durable step at a time:
//!
//! - [`tools`]: the registry (names, JSON schemas, which tools need approval) and the
//!   ledger key of each approvable call.
//! - [`run`]: the tool loop as a serialisable state machine ([`AgentRun`]).
//! - [`prompt`]: the static system prompt (the cached prefix) and the context turn.
//! - [`toolbox`]: the tools that run right away, over the SDK and Stripe clients.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod classifier;
pub mod prompt;
pub mod run;
pub mod toolbox;
pub mod tools;

pub use classifier::{classify_with_llm, ClassifierError};
pub use prompt::{system_blocks, user_message, AgentContext, HistoryItem};
pub use run::{AgentConfig, AgentRun, Ending, Next, PendingCall, ToolCallRecord};
pub use toolbox::Toolbox;
pub use tools::{ledger_key, registry, spec, Gate, ToolSpec};

/// The tools as offered to the model (the last one marks the end of the cached prefix).
pub fn offered_tools() -> Vec<support_anthropic::Tool> {
    let mut tools: Vec<_> = registry().iter().map(ToolSpec::to_tool).collect();
    if let Some(last) = tools.last_mut() {
        last.cache_control = Some(support_anthropic::CacheControl::ephemeral());
    }
    tools
}
