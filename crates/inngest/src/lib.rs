//! # support-inngest
//!
//! Inngest, spoken from Rust on Workers and natively.
//!
//! - [`EventApi`]: send events (`POST {base}/e/{event key}`), with a clear outcome for
//!   every answer Inngest can give.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod event_api;

pub use event_api::{EventApi, SendError, DEFAULT_EVENT_API_BASE};
