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

use crate::handler::{HandlerResponse, SupportHandler};
use crate::integration::SupportIntegration;

/// Verify and dispatch a Workers request.
pub async fn serve<I: SupportIntegration>(
    handler: &SupportHandler<I>,
    mut request: worker::Request,
) -> worker::Result<worker::Response> {
    let method = request.method();
    let signature = request.headers().get(support_signing::sdk::HEADER)?;
    let body = if method == worker::Method::Post {
        request.bytes().await?
    } else {
        Vec::new()
    };
    into_response(
        handler
            .handle_signed(method.as_ref(), signature.as_deref(), &body)
            .await,
    )
}

/// Turn a [`HandlerResponse`] into a `worker::Response`.
pub fn into_response(response: HandlerResponse) -> worker::Result<worker::Response> {
    Ok(worker::Response::builder()
        .with_status(response.status)
        .with_header("content-type", HandlerResponse::CONTENT_TYPE)?
        .fixed(response.body))
}

pub use support_http::FetchTransport;
