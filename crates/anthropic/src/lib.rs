//! # support-anthropic
//!
//! A thin typed client of Anthropic's Messages API (`POST /v1/messages`, non-streaming)
//! with tool use and prompt caching, over the platform's [`support_http::Transport`], so
//! it runs on Workers (`fetch`) and natively (`reqwest`) alike.
//!
//! ```no_run
//! # async fn run(transport: std::sync::Arc<dyn support_http::Transport>) -> Result<(), support_anthropic::AnthropicError> {
//! use support_anthropic::*;
//!
//! let client = AnthropicClient::new(DEFAULT_BASE_URL, "sk-ant-...", transport);
//! let mut request = MessagesRequest::new("claude-sonnet-4-5", 1024);
//! request.system = vec![SystemBlock::cached("You are a support agent.")];
//! request.messages = vec![Message::user_text("I want a refund")];
//! let response = client.messages(&request).await?;
//! println!("{}", response.text());
//! # Ok(()) }
//! ```
//!
//! Block types Anthropic adds later come back as [`ContentBlock::Unknown`] with their JSON
//! untouched, so sending an assistant turn back ([`MessagesResponse::to_message`]) keeps
//! them as received.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
mod content;
mod error;
mod types;

pub use client::{AnthropicClient, API_VERSION, DEFAULT_BASE_URL, DEFAULT_TIMEOUT};
pub use content::{CacheControl, ContentBlock, Message, Role, ToolResultContent};
pub use error::{AnthropicError, ErrorKind};
pub use types::{
    MessagesRequest, MessagesResponse, Metadata, StopReason, SystemBlock, Tool, ToolCall,
    ToolChoice, Usage,
};
