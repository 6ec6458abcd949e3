//! # support-telemetry
//!
//! What the platform tells its observability services, and the one gate it all passes
//! through first.
//!
//! - [`redact`]: the [`Redactor`]. **Customer data is removed here, and only here,
//!   before telemetry leaves the platform.** Built per conversation with the values
//!   known to be sensitive in it (the customer's email and name, the participants), it
//!   replaces those values (a name also word by word), and by shape: emails
//!   (`[email]`), phone numbers (`[phone]`), card numbers that pass the Luhn check
//!   (`[card]`), links that carry a token, a magic link or a signature (`[link]`),
//!   API keys, bearer credentials, JWTs and long random strings (`[token]`) and street
//!   addresses (`[address]`). [`Redactor::value`] walks JSON and replaces whatever sits
//!   under a key that names personal data (`email`, `name`, `phone`, `to`, `password`,
//!   `authorization`…) with `"[redacted]"`. Record ids (`cnv_…`, `act_…`, `ch_…`) are
//!   kept, so a trace can still be followed back to its records. Logs, traces and
//!   metrics outlive the retention rules that apply to the conversation itself and are
//!   read by people who never need the customer's identity; keeping one redactor, with
//!   one set of tests, is what lets us say what leaves and what does not. Neither client
//!   here redacts on its own: the caller redacts inputs, outputs and metadata with a
//!   [`Redactor`] before building events (see each module's docs).
//! - [`axiom`]: [`AxiomClient`], `POST /v1/datasets/{dataset}/ingest` (logs and
//!   events).
//! - [`langfuse`]: [`LangfuseClient`], `POST /api/public/ingestion` (traces, spans and
//!   model generations with their token usage and cost), with typed event builders.
//!
//! Both clients go through [`support_http::Transport`], so the same code runs natively
//! (reqwest) and on Workers (fetch). They never sleep or retry: a [`TelemetryError`]
//! says whether trying again may help, and telemetry failing must never fail the work
//! it describes (the caller counts the failure and moves on).
//!
//! Time is the caller's: every timestamp is given in milliseconds since the Unix epoch
//! and written as ISO-8601 with milliseconds in UTC ([`iso_millis`]); ids too (no
//! randomness in this crate).

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![allow(
    clippy::result_large_err,
    reason = "TelemetryError is flat and built once per failed network call"
)]

pub mod axiom;
mod error;
pub mod langfuse;
pub mod redact;

pub use axiom::{AxiomClient, IngestFailure, IngestStatus};
pub use error::TelemetryError;
pub use langfuse::{
    CostDetails, EventBody, GenerationBody, IngestionError, IngestionEvent, IngestionStatus,
    IngestionSuccess, LangfuseClient, Level, SpanBody, TraceBody, UsageDetails,
};
pub use redact::Redactor;

/// `2026-12-03T10:15:30.123Z`: milliseconds since the Unix epoch as ISO-8601 (RFC 3339)
/// in UTC with milliseconds, as Langfuse and Axiom take timestamps.
///
/// ```
/// assert_eq!(support_telemetry::iso_millis(0), "1970-01-01T00:00:00.000Z");
/// assert_eq!(support_telemetry::iso_millis(1_767_225_600_123), "2026-01-01T00:00:00.123Z");
/// ```
pub fn iso_millis(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::iso_millis;

    #[test]
    fn iso_millis_writes_utc_with_milliseconds() {
        assert_eq!(iso_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_millis(86_401_500), "1970-01-02T00:00:01.500Z");
        assert_eq!(iso_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso_millis(1_764_756_930_007), "2025-12-03T10:15:30.007Z");
        assert_eq!(iso_millis(-1), "1969-12-31T23:59:59.999Z");
    }
}
