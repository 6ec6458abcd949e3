//! # support-testkit
//!
//! Test support shared by the unit tests, the end-to-end suite in `tests/e2e`, the
//! benchmarks and the `skill` CLI (which sends realistic webhooks to a setup). Nothing
//! here is domain logic: the domain lives in `support-core`.
//!
//! - [`front`]: Front application-webhook bodies as Front sends them.
//! - [`inngest`]: run a served Inngest function to completion in-process.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod front;
pub mod inngest;
