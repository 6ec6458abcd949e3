//! Durable Object classes and their typed clients. A caller never builds an object URL
//! or reads an answer by key: it calls [`ConversationClient`].

mod conversation;

pub use conversation::Conversation;

use serde::de::DeserializeOwned;
use support_core::conversation::Snapshot;
use support_core::intake::{IntakeOutcome, IntakeRecord};
use support_core::outbox::Replay;
use worker::wasm_bindgen::prelude::wasm_bindgen;
use worker::wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{js_sys, Env, Result};

use crate::env::CONVERSATIONS;

/// How many events a replay put back into the outbox.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Replayed {
    /// Events queued again.
    pub queued: usize,
}

#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen, js_sys = ::worker::js_sys)]
extern "C" {
    /// A conversation object's stub with the RPC methods [`Conversation`] exports. Each
    /// takes and answers a JSON string and returns the runtime's RPC promise (a
    /// thenable, not a `Promise`: [`call`] resolves it).
    #[wasm_bindgen(extends = js_sys::Object)]
    type ConversationStub;

    #[wasm_bindgen(method, catch)]
    fn intake(this: &ConversationStub, record: &str) -> std::result::Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn snapshot(this: &ConversationStub) -> std::result::Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn replay(this: &ConversationStub, replays: &str) -> std::result::Result<JsValue, JsValue>;
}

/// A typed handle on one conversation's object.
pub struct ConversationClient {
    stub: ConversationStub,
}

impl ConversationClient {
    /// The object of `conversation_id`. Getting a handle creates nothing.
    pub fn new(env: &Env, conversation_id: &str) -> Result<Self> {
        let stub = env
            .durable_object(CONVERSATIONS)?
            .id_from_name(conversation_id)?
            .get_stub()?
            .into_rpc();
        Ok(Self { stub })
    }

    /// Hand it a Front event: deduped, cached and queued for Inngest.
    pub async fn intake(&self, record: &IntakeRecord) -> Result<IntakeOutcome> {
        call("intake", self.stub.intake(&serde_json::to_string(record)?)).await
    }

    /// What it holds. An unknown conversation answers an empty snapshot and stays
    /// without storage.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        call("snapshot", self.stub.snapshot()).await
    }

    /// Put dead-lettered events back into the outbox.
    pub async fn replay(&self, events: &[Replay]) -> Result<Replayed> {
        call("replay", self.stub.replay(&serde_json::to_string(events)?)).await
    }
}

/// Await an RPC call and parse its JSON answer; a rejection (the object's error, or the
/// runtime's: the object overloaded or reset) says which method failed.
async fn call<T: DeserializeOwned>(
    method: &str,
    started: std::result::Result<JsValue, JsValue>,
) -> Result<T> {
    let error =
        |what: String| worker::Error::RustError(format!("conversation object's {method} {what}"));
    let failed = |err: JsValue| error(format!("failed: {}", worker::Error::from(err)));
    let pending = started.map_err(failed)?;
    let answer = JsFuture::from(js_sys::Promise::resolve(&pending))
        .await
        .map_err(failed)?;
    let text = answer
        .as_string()
        .ok_or_else(|| error("answered no text".into()))?;
    serde_json::from_str(&text)
        .map_err(|err| error(format!("answered what is not its JSON: {err}")))
}
