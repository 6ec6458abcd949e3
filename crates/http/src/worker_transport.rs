use std::time::Duration;

use futures::future::{select, Either};
use worker::js_sys::Uint8Array;
use worker::wasm_bindgen_futures::JsFuture;

use crate::{HttpRequest, HttpResponse, Transport, TransportError};

/// A transport over the Workers `fetch` API; the timeout aborts the request through an
/// `AbortController`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchTransport;

#[async_trait::async_trait(?Send)]
impl Transport for FetchTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let other = |e: worker::Error| TransportError::Other(e.to_string());
        let headers = worker::Headers::new();
        for (name, value) in &request.headers {
            headers.set(name, value).map_err(other)?;
        }
        let method = worker::Method::from(request.method.to_ascii_uppercase());
        let mut init = worker::RequestInit::new();
        init.with_method(method).with_headers(headers);
        if !request.body.is_empty() {
            init.with_body(Some(Uint8Array::from(request.body.as_slice()).into()));
        }
        let outgoing = worker::Request::new_with_init(&request.url, &init).map_err(other)?;

        let controller = worker::AbortController::default();
        let signal = controller.signal();
        let fetch = worker::Fetch::Request(outgoing);
        let exchange = async move {
            let response = fetch.send_with_signal(&signal).await?;
            let status = response.status_code();
            let headers = response
                .headers()
                .entries()
                .map(|(n, v)| (n.to_ascii_lowercase(), v))
                .collect();
            let body = body_bytes(&response).await?;
            Ok::<_, worker::Error>(HttpResponse {
                status,
                headers,
                body,
            })
        };
        // setTimeout takes an i32 of milliseconds.
        let timer =
            worker::Delay::from(request.timeout.min(Duration::from_millis(i32::MAX as u64)));
        let outcome = select(Box::pin(exchange), timer).await;
        match outcome {
            Either::Left((result, _)) => result.map_err(other),
            Either::Right(((), _)) => {
                controller.abort();
                Err(TransportError::Timeout)
            }
        }
    }
}

/// The whole response body in one call (`arrayBuffer()`), not chunk by chunk.
async fn body_bytes(response: &worker::Response) -> worker::Result<Vec<u8>> {
    match response.body() {
        worker::ResponseBody::Empty => Ok(Vec::new()),
        worker::ResponseBody::Body(bytes) => Ok(bytes.clone()),
        worker::ResponseBody::Stream(stream) => {
            // A plain wrapper over the body stream: nothing of the original response
            // (status, headers) has to be valid for a constructed response.
            let wrapper = worker::web_sys::Response::new_with_opt_readable_stream(Some(stream))?;
            let buffer = JsFuture::from(wrapper.array_buffer()?).await?;
            Ok(Uint8Array::new(&buffer).to_vec())
        }
    }
}
