//! Reading a `worker::Request` body under a cap.

use futures::StreamExt;
use worker::js_sys::Uint8Array;
use worker::wasm_bindgen_futures::JsFuture;

use crate::{check_content_length, BodyError, CappedBody};

/// How much of an oversized chunked body is read (and dropped) after the cap.
pub const DRAIN_BYTES: usize = 8 * 1024 * 1024;

/// Reads the body of a Workers request, at most `limit` bytes.
///
/// 1. A declared `Content-Length` over `limit` is [`BodyError::TooLarge`] before anything
///    is read.
/// 2. A declared length within `limit`: the whole body in one call (the request's
///    `arrayBuffer()`, copied out once), not chunk by chunk.
/// 3. No declared length (chunked): the body stream chunk by chunk with a running
///    total. Past `limit` nothing more is kept; the rest is read and dropped, up to
///    [`DRAIN_BYTES`] more, so that the client (and any proxy in between) sees its
///    request consumed and gets the [`BodyError::TooLarge`] answer cleanly; a sender
///    that keeps going past that is cut off.
///
/// A request without a body reads as empty. Anything else that goes wrong (the body was
/// already used, the client went away) is [`BodyError::Read`].
pub async fn read_request_body(
    request: &mut worker::Request,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    let declared = request
        .headers()
        .get("content-length")
        .map_err(read_error)?;
    if check_content_length(declared.as_deref(), limit)?.is_some() {
        return read_whole(request.inner(), limit).await;
    }
    if request.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let mut stream = request.stream().map_err(read_error)?;
    let mut body = CappedBody::new(limit);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(read_error)?;
        if let Err(too_large) = body.push(&chunk) {
            let mut drained = 0usize;
            while drained <= DRAIN_BYTES {
                match stream.next().await {
                    Some(Ok(chunk)) => drained += chunk.len(),
                    _ => break,
                }
            }
            return Err(too_large);
        }
    }
    Ok(body.into_bytes())
}

/// The whole body of a request whose declared length is within `limit`, in one call.
async fn read_whole(
    request: &worker::web_sys::Request,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    let promise = request.array_buffer().map_err(js_error)?;
    let buffer = JsFuture::from(promise).await.map_err(js_error)?;
    let bytes = Uint8Array::new(&buffer);
    // The runtime holds the body to its declared length; checked anyway.
    if bytes.length() as usize > limit {
        return Err(BodyError::TooLarge { limit });
    }
    Ok(bytes.to_vec())
}

fn read_error(e: worker::Error) -> BodyError {
    BodyError::Read(e.to_string())
}

fn js_error(e: worker::wasm_bindgen::JsValue) -> BodyError {
    read_error(worker::Error::from(e))
}
