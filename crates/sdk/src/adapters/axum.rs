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
//!
//! Bodies are read under the handler's own cap
//! ([`SupportHandler::max_body_bytes`]), not axum's `DefaultBodyLimit`: a declared
//! `Content-Length` over the cap is refused before anything is read, a chunked body as
//! soon as the running total passes it, and both get the handler's JSON 413
//! (`{"error":"Request body too large"}`) whatever the size.

use std::pin::Pin;
use std::sync::Arc;

use ::axum::body::{Body, HttpBody};
use ::axum::extract::{DefaultBodyLimit, State};
use ::axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::any;
use ::axum::Router;
use support_http::{check_content_length, BodyError, CappedBody};

use crate::handler::{HandlerResponse, SupportHandler, CONTENT_TYPE};
use crate::integration::SupportIntegration;

/// A router that serves the handler at `path` (any method; non-POST gets 405).
pub fn router<I: SupportIntegration + 'static>(
    path: &str,
    handler: Arc<SupportHandler<I>>,
) -> Router {
    Router::new()
        .route(path, any(serve::<I>))
        // The handler enforces its own cap while reading (see `serve`).
        .layer(DefaultBodyLimit::disable())
        .with_state(handler)
}

/// The axum handler function, for mounting into an existing router with state
/// `Arc<SupportHandler<I>>`. It reads the body itself under the handler's cap, so
/// axum's `DefaultBodyLimit` does not apply to it.
pub async fn serve<I: SupportIntegration + 'static>(
    State(handler): State<Arc<SupportHandler<I>>>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let signature = headers
        .get(support_signing::sdk::HEADER)
        .and_then(|v| v.to_str().ok());
    // Only a POST is read: anything else is a 405 whatever its body.
    let body = if method == Method::POST {
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok());
        match read_capped(body, declared, handler.max_body_bytes()).await {
            Ok(body) => body,
            Err(error) => return into_response(handler.body_error(&error)),
        }
    } else {
        Vec::new()
    };
    into_response(
        handler
            .handle_signed(method.as_str(), signature, &body)
            .await,
    )
}

/// Reads `body` under `limit`: a declared length over it fails before reading, then a
/// running total stops the read as soon as it passes.
async fn read_capped(
    mut body: Body,
    content_length: Option<&str>,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    let declared = check_content_length(content_length, limit)?;
    let mut read = CappedBody::with_capacity(limit, declared.unwrap_or(0));
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| BodyError::Read(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            read.push(&data)?;
        }
    }
    Ok(read.into_bytes())
}

/// Turn a [`HandlerResponse`] into an axum response: its status, headers and body
/// (`content-type: application/json` when it carries no content type).
pub fn into_response(response: HandlerResponse) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut headers = HeaderMap::new();
    for (name, value) in &response.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    if !headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    }
    (status, headers, response.body).into_response()
}
