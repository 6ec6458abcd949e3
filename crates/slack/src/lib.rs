//! # support-slack
//!
//! What the platform needs from Slack, typed: a [Web API](https://api.slack.com/web)
//! client ([`SlackClient`]: `chat.postMessage`, `chat.update`, `chat.postEphemeral`,
//! `views.open`, `conversations.list|history|replies`, and `response_url` replies),
//! Block Kit as serde types ([`Block`], [`Text`], [`Element`], [`View`]) with Slack's
//! limits ([`fit_blocks`], [`fit_view`]), and the payloads Slack sends: interactivity
//! ([`parse_interaction`]) and the Events API ([`parse_event`]). It speaks over any
//! [`support_http::Transport`] and builds for `wasm32-unknown-unknown`.
//!
//! - Writes are `POST` with a JSON body (`application/json; charset=utf-8`), reads are
//!   `GET` with query parameters; every request carries `Authorization: Bearer xoxb-…`
//!   and its own timeout. The token is never in an error or in `Debug` output.
//! - Slack answers API errors with HTTP 200 and `{"ok": false, "error": "..."}`:
//!   [`SlackError::Api`]. The client never sleeps: a `429` is
//!   [`SlackError::RateLimited`] with Slack's `Retry-After`, and
//!   [`SlackError::is_retryable`] tells the caller (an Inngest step) to retry durably.
//! - Signatures (`X-Slack-Signature: v0=…`) are `support_signing::slack`'s: verify the
//!   raw body before parsing a payload.
//!
//! ```no_run
//! # async fn demo(transport: std::sync::Arc<dyn support_http::Transport>) -> Result<(), support_slack::SlackError> {
//! use support_slack::{Block, ButtonStyle, Element, PostMessage, SlackClient, DEFAULT_BASE_URL};
//!
//! let slack = SlackClient::new(DEFAULT_BASE_URL, "xoxb-…", transport);
//! let blocks = vec![
//!     Block::section("*Refund* of $42.00 for dana@example.com"),
//!     Block::actions("decision", vec![
//!         Element::button("approve", "Approve", "apr_1").styled(ButtonStyle::Primary),
//!         Element::button("reject", "Reject", "apr_1").styled(ButtonStyle::Danger),
//!     ]),
//! ];
//! let posted = slack
//!     .post_message(&PostMessage::new("C0APPROVALS", "Refund approval needed", blocks))
//!     .await?;
//! # let _ = posted;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod blocks;
mod client;
mod error;
mod events;
mod interaction;
pub mod limits;
mod models;
#[cfg(test)]
mod tests;

pub use blocks::{Block, ButtonStyle, Confirm, Element, Text, View};
pub use client::{SlackClient, DEFAULT_BASE_URL, DEFAULT_TIMEOUT, MAX_PAGES, RESPONSE_URL_PREFIX};
pub use error::SlackError;
pub use events::{
    parse_event, Event, EventEnvelope, NO_RETRY_HEADER, RETRY_NUM_HEADER, RETRY_REASON_HEADER,
};
pub use interaction::{
    parse_interaction, Action, BlockActions, ChannelRef, Interaction, MessageRef, ResponseMessage,
    StateValue, SubmittedView, User, ViewResponse, ViewState, ViewSubmission,
};
pub use limits::{fit_blocks, fit_view, truncate};
pub use models::{
    AuthIdentity, Channel, Message, MessageMetadata, OpenedView, PostMessage, Posted, Update,
};
