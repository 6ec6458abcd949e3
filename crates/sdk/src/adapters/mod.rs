//! Glue between the framework-neutral pieces and concrete runtimes.

#[cfg(feature = "axum")]
pub mod axum;
/// Cloudflare Workers (feature `worker`, wasm32 only).
#[cfg(all(feature = "worker", target_arch = "wasm32"))]
pub mod worker;

/// The `reqwest` transport (feature `reqwest`), re-exported from `support-http`.
#[cfg(feature = "reqwest")]
pub mod reqwest {
    pub use support_http::ReqwestTransport;
}
