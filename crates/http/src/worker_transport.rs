use worker::js_sys::{self, Uint8Array};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys;

use crate::{HttpRequest, HttpResponse, Transport, TransportError};

/// A transport over the Workers `fetch` API. The timeout is an `AbortSignal.timeout`
/// that covers the whole exchange, body included.
///
/// It talks to `fetch` through `web_sys` directly, not through `worker::Fetch`: the
/// wrappers cost a copy of every header and a body read chunk by chunk, which is a
/// measurable share of a webhook's CPU (see the README's intake figures).
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchTransport;

#[async_trait::async_trait(?Send)]
impl Transport for FetchTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        exchange(&request).await.map_err(|err| {
            if error_name(&err).as_deref() == Some("TimeoutError") {
                TransportError::Timeout
            } else {
                TransportError::Other(worker::Error::from(err).to_string())
            }
        })
    }
}

async fn exchange(request: &HttpRequest) -> Result<HttpResponse, JsValue> {
    let headers = web_sys::Headers::new()?;
    for (name, value) in &request.headers {
        headers.set(name, value)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(&request.method.to_ascii_uppercase());
    init.set_headers(&headers);
    if !request.body.is_empty() {
        init.set_body(&Uint8Array::from(request.body.as_slice()));
    }
    let millis = u32::try_from(request.timeout.as_millis()).unwrap_or(u32::MAX);
    init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(millis)));

    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let response: web_sys::Response =
        JsFuture::from(global.fetch_with_str_and_init(&request.url, &init))
            .await?
            .dyn_into()?;
    let status = response.status();
    let headers = worker::Headers(response.headers())
        .entries()
        .map(|(name, value)| (name.to_ascii_lowercase(), value))
        .collect();
    // The whole body in one call, not chunk by chunk.
    let body = JsFuture::from(response.array_buffer()?).await?;
    Ok(HttpResponse {
        status,
        headers,
        body: Uint8Array::new(&body).to_vec(),
    })
}

/// A thrown value's `name` (`TimeoutError` when the signal fired).
fn error_name(err: &JsValue) -> Option<String> {
    js_sys::Reflect::get(err, &JsValue::from_str("name"))
        .ok()?
        .as_string()
}
