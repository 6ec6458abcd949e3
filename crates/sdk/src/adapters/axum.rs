//! Serve a [`SupportHandler`] from an axum application.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use support_sdk::{SupportHandler, SupportIntegration};
//! # async fn demo<I: SupportIntegration + 'static>(integration: I) {
//! let handler = Arc::new(SupportHandler::new(integration, "secret"));
//! let app = support_sdk::adapters::axum::router("/api/support", handler);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```

use std::sync::Arc;

use ::axum::body::Bytes;
use ::axum::extract::State;
use ::axum::http::{header, HeaderMap, Method, StatusCode};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::any;
use ::axum::Router;

use crate::handler::{HandlerResponse, SupportHandler};
use crate::integration::SupportIntegration;

/// A router that serves the handler at `path` (any method; non-POST gets 405).
pub fn router<I: SupportIntegration + 'static>(
    path: &str,
    handler: Arc<SupportHandler<I>>,
) -> Router {
    Router::new()
        .route(path, any(serve::<I>))
        .with_state(handler)
}

/// The axum handler function, for mounting into an existing router with state
/// `Arc<SupportHandler<I>>`.
pub async fn serve<I: SupportIntegration + 'static>(
    State(handler): State<Arc<SupportHandler<I>>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signature = headers
        .get(support_signing::sdk::HEADER)
        .and_then(|v| v.to_str().ok());
    into_response(
        handler
            .handle_signed(method.as_str(), signature, &body)
            .await,
    )
}

/// Turn a [`HandlerResponse`] into an axum response.
pub fn into_response(response: HandlerResponse) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, HandlerResponse::CONTENT_TYPE)],
        response.body,
    )
        .into_response()
}
