//! # support-inngest
//!
//! Inngest, spoken from Rust on Workers and natively.
//!
//! - [`EventApi`]: send events (`POST {base}/e/{event key}`), with a clear outcome for
//!   every answer Inngest can give.
//! - [`serve`]: the serve protocol, SDK side: durable functions with steps
//!   (`run`, `sleep`, `wait_for_event`, `invoke`, `send_event`) behind one
//!   framework-neutral handler (introspection, sync, signed call requests).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod event_api;
pub mod serve;

pub use event_api::{EventApi, SendError, DEFAULT_EVENT_API_BASE};
