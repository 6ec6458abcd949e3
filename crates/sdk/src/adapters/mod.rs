//! Glue between the framework-neutral pieces and concrete runtimes.

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "worker")]
pub mod worker;

/// The `reqwest` transport (feature `reqwest`), re-exported from `support-http`.
#[cfg(feature = "reqwest")]
pub mod reqwest {
    pub use support_http::ReqwestTransport;
}
