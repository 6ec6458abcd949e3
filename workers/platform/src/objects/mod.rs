//! Durable Object classes and their typed clients. A caller never builds an object URL
//! or reads an answer by key: it calls [`ConversationClient`].

mod conversation;

pub use conversation::Conversation;

use serde::de::DeserializeOwned;
use serde::Serialize;
use support_core::conversation::Snapshot;
use support_core::intake::{IntakeOutcome, IntakeRecord};
use support_core::outbox::Replay;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{web_sys, worker_sys, Env, Method, Result};

use crate::env::CONVERSATIONS;

/// The conversation object's paths (the client and the object share them).
mod paths {
    pub const INTAKE: &str = "/intake";
    pub const STATE: &str = "/state";
    pub const REPLAY: &str = "/replay";
}

/// How many events a replay put back into the outbox.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Replayed {
    /// Events queued again.
    pub queued: usize,
}

/// A typed handle on one conversation's object.
pub struct ConversationClient {
    /// The stub as the runtime hands it over: requests go to it through `web_sys`
    /// directly, without `worker::Request`/`Response` wrappers (a body read chunk by
    /// chunk and every header copied were a measurable share of a webhook's CPU).
    stub: worker_sys::DurableObject,
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
        self.call(Method::Post, paths::INTAKE, Some(record)).await
    }

    /// What it holds. An unknown conversation answers an empty snapshot and stays
    /// without storage.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        self.call::<(), _>(Method::Get, paths::STATE, None).await
    }

    /// Put dead-lettered events back into the outbox.
    pub async fn replay(&self, events: &[Replay]) -> Result<Replayed> {
        self.call(Method::Post, paths::REPLAY, Some(&events)).await
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T> {
        let init = web_sys::RequestInit::new();
        init.set_method(method.as_ref());
        if let Some(body) = body {
            init.set_body(&JsValue::from_str(&serde_json::to_string(body)?));
        }
        let url = format!("https://conversation{path}");
        let request = web_sys::Request::new_with_str_and_init(&url, &init)?;
        let response: web_sys::Response = JsFuture::from(self.stub.fetch_with_request(&request)?)
            .await?
            .dyn_into()?;
        // The whole answer in one call.
        let text = JsFuture::from(response.text()?)
            .await?
            .as_string()
            .unwrap_or_default();
        if response.status() != 200 {
            return Err(worker::Error::RustError(format!(
                "conversation object answered {} to {path}: {text}",
                response.status()
            )));
        }
        Ok(serde_json::from_str(&text)?)
    }
}
