//! # support-front
//!
//! A thin typed client of [Front's Core API](https://dev.frontapp.com/reference) for what
//! the support pipeline does: read conversations and messages, tag, assign and archive,
//! comment, draft and send replies, and receive custom-channel messages. It speaks over
//! any [`support_http::Transport`] (`fetch` on Workers, `reqwest` natively, a fake in
//! tests) and builds for `wasm32-unknown-unknown`.
//!
//! - Every request carries `Authorization: Bearer <token>` and its own timeout
//!   ([`DEFAULT_TIMEOUT`] unless [`FrontClient::with_timeout`]).
//! - Lists come back as `{_results, _pagination: {next}}`: calls that mean "all" follow
//!   `next` to the end (at most [`MAX_PAGES`]); others return a [`Page`] whose `next`
//!   [`FrontClient::next_page`] follows. Links are followed only to the base URL or to
//!   Front's hosts, so the token never goes elsewhere.
//! - The client never sleeps: a `429` is [`FrontError::RateLimited`] with Front's
//!   `Retry-After`, and [`FrontError::is_retryable`] tells the caller (an Inngest step)
//!   whether to retry durably.
//!
//! ```no_run
//! # async fn demo(transport: std::sync::Arc<dyn support_http::Transport>) -> Result<(), support_front::FrontError> {
//! use support_front::{FrontClient, NewDraft, DEFAULT_BASE_URL};
//!
//! let front = FrontClient::new(DEFAULT_BASE_URL, "api token", transport);
//! let message = front.get_message("msg_2a9z7y1").await?;
//! let draft = front
//!     .create_draft("cnv_8x1b2c3", &NewDraft::shared("<p>Refunded!</p>", "cha_dev"))
//!     .await?;
//! # let _ = (message, draft);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod api;
mod client;
mod error;
mod models;
#[cfg(test)]
mod tests;

pub use client::{FrontClient, DEFAULT_BASE_URL, DEFAULT_TIMEOUT, MAX_PAGES};
pub use error::FrontError;
pub use models::{
    Accepted, BodyFormat, Channel, Comment, Conversation, ConversationQuery, ConversationStatus,
    ConversationUpdate, CustomMessage, CustomMetadata, CustomSender, DraftMode, Highlight, Inbox,
    Links, Message, NewDraft, NewReply, Page, Recipient, Tag, Teammate, TokenIdentity,
};
