//! # support-knowledge
//!
//! The knowledge base the agent answers from: each product app's docs and FAQs, chunked,
//! embedded by Upstash Vector (an index with a hosted embedding model, hybrid dense +
//! sparse) and searched per question.
//!
//! - [`client`]: a typed client of the Upstash Vector REST API ([`VectorIndex`]) over
//!   [`support_http::Transport`], so the same code runs natively (reqwest, in `skill`)
//!   and on Workers (fetch). It never sleeps or retries: a [`VectorError`] says whether
//!   and when to try again, for the caller to decide (the CLI backs off; the worker
//!   retries in a durable step).
//! - [`chunk`] and [`faq`]: Markdown, MDX, text and FAQ lists into [`Chunk`]s with stable
//!   ids (`"{source}#{n}"`) and content hashes; the text embedded starts with
//!   `"{title} — {section}"` so short sections are found by what they are about.
//! - [`sync`]: the [`plan`] of upserts and deletes that brings the index in line with the
//!   files while sending nothing unchanged, and never touching FAQ entries learned from
//!   approved answers (`origin: learned`).
//! - [`retrieval`]: [`Knowledge::search`], what the worker calls, giving cited
//!   [`Passage`]s.
//! - [`eval`]: recall@k and MRR per source, for `skill eval retrieval`.
//!
//! Each app's vectors live in their own namespace (the app's id), so one index serves
//! every app and a search never crosses apps.
//!
//! The default features compile for `wasm32-unknown-unknown`: no tokio, no reqwest, no
//! filesystem. The `files` feature adds the `source` module (walking a directory, YAML
//! FAQ files) for the CLI.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![allow(
    clippy::result_large_err,
    reason = "VectorError is flat and built once per failed network call"
)]

pub mod chunk;
pub mod client;
mod error;
pub mod eval;
pub mod faq;
pub mod retrieval;
#[cfg(feature = "files")]
pub mod source;
pub mod sync;
pub mod types;

pub use chunk::{Chunk, ChunkKind, ChunkMetadata, ChunkOptions, Origin, TextFormat};
pub use client::{VectorIndex, DEFAULT_TIMEOUT};
pub use error::VectorError;
pub use faq::{FaqEntry, FaqError};
pub use retrieval::{Knowledge, Passage};
pub use sync::{plan, remote_state, Plan, Scope};
pub use types::{
    DataQuery, DataRecord, DenseIndexInfo, FusionAlgorithm, Hit, Include, IndexInfo, NamespaceInfo,
    QueryMode, RangePage, Record, SparseIndexInfo, SparseVector, VectorQuery, VectorRecord,
    WeightingStrategy,
};
