//! The axum adapter reads bodies under the handler's own cap: oversized bodies get the
//! handler's JSON 413 at any size (axum's default 2 MB limit would answer plain text),
//! declared or chunked. Raw TCP, so the test controls the framing and still reads the
//! answer when the server stops reading early.

mod common;

use std::sync::Arc;

use common::{FakeApp, SECRET};
use serde_json::{json, Value};
use support_sdk::signing::{sdk, FixedClock};
use support_sdk::SupportHandler;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const NOW: i64 = 1_700_000_000;
const MB: usize = 1024 * 1024;

async fn serve(handler: SupportHandler<FakeApp>) -> String {
    let handler = Arc::new(handler.with_clock(Arc::new(FixedClock(NOW * 1000))));
    let app = support_sdk::adapters::axum::router("/api/support", handler);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

struct Answer {
    status: u16,
    content_type: Option<String>,
    body: Value,
}

/// Sends `head` then `body` (from another task, write errors ignored: the server may
/// stop reading), and reads the answer.
async fn exchange(addr: &str, head: String, body: Vec<u8>) -> Answer {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let writer = tokio::spawn(async move {
        if write.write_all(head.as_bytes()).await.is_ok() {
            let _ = write.write_all(&body).await;
        }
        write
    });
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match read.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
        if complete(&raw) {
            break;
        }
    }
    writer.abort();
    parse(&raw)
}

fn split_head(raw: &[u8]) -> Option<(String, &[u8])> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    Some((
        String::from_utf8_lossy(&raw[..end]).to_lowercase(),
        &raw[end + 4..],
    ))
}

fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.lines()
        .skip(1)
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
}

fn complete(raw: &[u8]) -> bool {
    let Some((head, body)) = split_head(raw) else {
        return false;
    };
    header(&head, "content-length")
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|n| body.len() >= n)
}

fn parse(raw: &[u8]) -> Answer {
    let (head, body) =
        split_head(raw).unwrap_or_else(|| panic!("no answer: {:?}", String::from_utf8_lossy(raw)));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    Answer {
        status,
        content_type: header(&head, "content-type").map(str::to_owned),
        body: serde_json::from_slice(body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned())),
    }
}

fn signed_head(body: &[u8], framing: &str) -> String {
    let signature = sdk::sign(SECRET.as_bytes(), NOW, body);
    format!(
        "POST /api/support HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n\
         x-support-signature: {signature}\r\nconnection: close\r\n{framing}\r\n"
    )
}

/// A JSON body of exactly `size` bytes.
fn big_body(size: usize) -> Vec<u8> {
    let prefix = br#"{"action":"lookupUser","email":""#;
    let suffix = br#"@example.com"}"#;
    let mut body = prefix.to_vec();
    body.resize(size - suffix.len(), b'a');
    body.extend_from_slice(suffix);
    body
}

fn chunked(body: &[u8], chunk: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for part in body.chunks(chunk) {
        out.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        out.extend_from_slice(part);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn assert_json_413(answer: &Answer) {
    assert_eq!(answer.status, 413, "{:?}", answer.body);
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    assert_eq!(answer.body, json!({"error": "Request body too large"}));
}

#[tokio::test]
async fn a_3_mb_body_gets_the_json_413() {
    let addr = serve(SupportHandler::new(FakeApp::default(), SECRET)).await;
    let body = big_body(3 * MB);
    let head = signed_head(&body, &format!("content-length: {}\r\n", body.len()));
    assert_json_413(&exchange(&addr, head, body).await);
}

#[tokio::test]
async fn a_chunked_3_mb_body_gets_the_json_413() {
    let addr = serve(SupportHandler::new(FakeApp::default(), SECRET)).await;
    let body = big_body(3 * MB);
    let head = signed_head(&body, "transfer-encoding: chunked\r\n");
    assert_json_413(&exchange(&addr, head, chunked(&body, 64 * 1024)).await);
}

#[tokio::test]
async fn the_handlers_configured_cap_is_the_one_enforced() {
    let addr =
        serve(SupportHandler::new(FakeApp::default(), SECRET).with_max_body_bytes(100)).await;
    let body = big_body(101);
    let declared = signed_head(&body, &format!("content-length: {}\r\n", body.len()));
    assert_json_413(&exchange(&addr, declared, body.clone()).await);
    let streamed = signed_head(&body, "transfer-encoding: chunked\r\n");
    assert_json_413(&exchange(&addr, streamed, chunked(&body, 10)).await);

    // At the cap, both framings get through to the integration.
    let body = big_body(100);
    let declared = signed_head(&body, &format!("content-length: {}\r\n", body.len()));
    let answer = exchange(&addr, declared, body.clone()).await;
    assert_eq!((answer.status, answer.body), (200, Value::Null));
    let streamed = signed_head(&body, "transfer-encoding: chunked\r\n");
    let answer = exchange(&addr, streamed, chunked(&body, 7)).await;
    assert_eq!((answer.status, answer.body), (200, Value::Null));
}

#[tokio::test]
async fn only_a_post_body_is_read() {
    let addr = serve(SupportHandler::new(FakeApp::default(), SECRET).with_max_body_bytes(10)).await;
    let body = big_body(3 * MB);
    let head = format!(
        "PUT /api/support HTTP/1.1\r\nhost: test\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let answer = exchange(&addr, head, body).await;
    assert_eq!(
        (answer.status, answer.body),
        (405, json!({"error": "Method not allowed"}))
    );
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
}
