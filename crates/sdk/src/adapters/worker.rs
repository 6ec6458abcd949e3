//! Cloudflare Workers glue: serve a [`SupportHandler`] from a `worker::Request`; the
//! `fetch`-based [`FetchTransport`] for the [`IntegrationClient`](crate::IntegrationClient).
//!
//! ```ignore
//! #[event(fetch)]
//! async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
//!     let secrets = [env.secret("SUPPORT_WEBHOOK_SECRET")?.to_string()];
//!     let handler = SupportHandler::with_secrets(MyIntegration::new(&env)?, secrets);
//!     support_sdk::adapters::worker::serve(&handler, req).await
//! }
//! ```
//!
//! The body is read under the handler's cap ([`SupportHandler::max_body_bytes`]) with
//! [`support_http::read_request_body`]: an oversized body gets the handler's JSON 413
//! without being buffered.

use crate::handler::{HandlerResponse, SupportHandler, CONTENT_TYPE};
use crate::integration::SupportIntegration;

/// Verify and dispatch a Workers request.
pub async fn serve<I: SupportIntegration>(
    handler: &SupportHandler<I>,
    mut request: worker::Request,
) -> worker::Result<worker::Response> {
    let method = request.method();
    let signature = request.headers().get(support_signing::sdk::HEADER)?;
    // Only a POST is read: anything else is a 405 whatever its body.
    let body = if method == worker::Method::Post {
        match support_http::read_request_body(&mut request, handler.max_body_bytes()).await {
            Ok(body) => body,
            Err(error) => return into_response(handler.body_error(&error)),
        }
    } else {
        Vec::new()
    };
    into_response(
        handler
            .handle_signed(method.as_ref(), signature.as_deref(), &body)
            .await,
    )
}

/// Turn a [`HandlerResponse`] into a `worker::Response`: its status, headers and body
/// (`content-type: application/json` when it carries no content type).
pub fn into_response(response: HandlerResponse) -> worker::Result<worker::Response> {
    let headers = worker::Headers::new();
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    if !headers.has("content-type")? {
        headers.set("content-type", CONTENT_TYPE)?;
    }
    Ok(worker::Response::builder()
        .with_status(response.status)
        .with_headers(headers)
        .fixed(response.body))
}

pub use support_http::FetchTransport;
